"""The Plan's fields and formsets drawn in Python (``planes/templatetags/planes_campos.py``)
write what the former templates wrote (``planes/_campo.html``, ``_campos.html`` and
``_formset.html``, kept in ``tests/planes/plantillas_previas``): for every Plan form unbound,
bound with valid data and bound with errors, for every formset with saved and new rows, folded
or not, and with hostile text in values, labels, help texts, errors and headings."""

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.forms import ValidationError
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.utils.safestring import mark_safe

from planes import forms as f
from planes.models import Actividad, Informacion, Medida, ObjetivoEspecifico, ProcedimientoGore
from planes.templatetags.planes_campos import (
    campo_html,
    campos_html,
    formset_html,
    widget_html,
)
from pmggt.forms_calendario import EliminarProrrogaForm, PeriodoForm

PREVIAS = Path(__file__).parent / "plantillas_previas"
HOSTIL = "<script>alert(\"x\")</script> «Región» & 'comillas' ñandú"
P = ProcedimientoGore


def _plano(html: str) -> str:
    """Whitespace next to tags dropped, other runs of whitespace made one space."""
    html = re.sub(r">\s+", ">", str(html))
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html).strip()


def _espacios(html: str) -> str:
    """Stricter: only runs of whitespace made one space (text next to a tag keeps its space)."""
    return re.sub(r"\s+", " ", str(html)).strip()


@pytest.fixture(scope="module")
def previo():
    """A template engine of its own with the former templates first in its DIRS (the pages'
    engine, ``engines["django"]``, keeps drawing the current ones)."""
    conf = settings.TEMPLATES[0]
    return DjangoTemplates(
        {
            "NAME": "previo",
            "DIRS": [PREVIAS, *conf["DIRS"]],
            "APP_DIRS": conf["APP_DIRS"],
            "OPTIONS": dict(conf["OPTIONS"]),
        }
    )


def test_el_motor_previo_lee_las_plantillas_previas(previo):
    for nombre in ("_campo", "_campos", "_formset"):
        origen = previo.get_template(f"planes/{nombre}.html").origin.name
        assert Path(origen).parent.parent == PREVIAS
        assert "planes_campos" not in Path(origen).read_text()
        actual = engines["django"].get_template(f"planes/{nombre}.html").origin.name
        assert "planes_campos" in Path(actual).read_text()


def _antes(previo, fuente: str, contexto: dict) -> str:
    return previo.from_string(fuente).render(contexto)


def _ahora(fuente: str, contexto: dict) -> str:
    return engines["django"].from_string(fuente).render(contexto)


def _opciones(filas=True, texto="") -> f.Opciones:
    contenido = {
        "objetivos": [
            {"id": 11, "numero": 1, "descripcion": f"Mejorar la oferta regional {texto}"},
            {"id": 12, "numero": 2, "descripcion": "Otro objetivo " + "largo " * 20},
        ],
        "objetivos_informacion": [
            {"id": 21, "numero": 1, "descripcion": f"Informar el gasto {texto}"}
        ],
        "regiones": [
            {"codigo": "I", "nombre": "Tarapacá"},
            {"codigo": "II", "nombre": f"Antofagasta {texto}"},
            {"codigo": None, "nombre": "Servicio"},
        ],
    }
    centros = [
        SimpleNamespace(pk=5, region=SimpleNamespace(codigo="I", nombre="Tarapacá")),
        SimpleNamespace(pk=6, region=SimpleNamespace(codigo="II", nombre="Antofagasta")),
    ]
    gores = [
        SimpleNamespace(pk=7, codigo="I", nombre="Tarapacá"),
        SimpleNamespace(pk=8, codigo="II", nombre=f"Antofagasta {texto}"),
    ]
    opciones = f.Opciones(contenido, centros, gores, anio=2009)
    if filas:
        opciones.filas1 = [(101, f"Región I · Subsidio → Focalizar {texto}"), (102, "Servicio · —")]
        opciones.filas2 = [(201, "Región II · Oferta → Publicar")]
    return opciones


def _valor(choices):
    return next(str(v) for v, _ in choices if v not in ("", None))


# Each form: its class, whether it takes ``opciones``, valid data and data with errors.
FORMULARIOS = {
    "objetivo": (
        f.ObjetivoForm,
        {
            "id": "11",
            "numero": "1",
            "descripcion": "Objetivo «uno»\n• viñeta",
            "ambito": _valor(ObjetivoEspecifico.Ambito.choices),
            "filas_cuadro1": ["101", "102"],
            "regiones": ["II"],
            "fundamento": "Porque sí",
        },
        {"numero": "0", "descripcion": "", "filas_cuadro1": ["999"], "regiones": ["XX"]},
    ),
    "medida": (
        f.MedidaForm,
        {"tipo": Medida.Tipo.MEDIDA, "objetivo_id": "12", "descripcion": "Una medida"},
        {"tipo": "otra", "objetivo_id": "77"},
    ),
    "propir": (
        f.PropirForm,
        {"centro_id": "6", "objetivo_id": "11", "descripcion": "Inversión", "monto": "1500"},
        {"centro_id": "99", "monto": "-3", "descripcion": ""},
    ),
    "objetivo_informacion": (
        f.ObjetivoInformacionForm,
        {
            "numero": "2",
            "informacion": Informacion.GASTO if hasattr(Informacion, "GASTO") else "oferta",
            "descripcion": "Publicar",
            "filas_cuadro2": ["201"],
        },
        {"numero": "mil", "informacion": "nada", "filas_cuadro2": ["1"]},
    ),
    "procedimiento": (
        f.ProcedimientoForm,
        {
            "id": "31",
            "region_id": "8",
            "informacion": "oferta",
            "objetivo_informacion_id": "21",
            "formato": "Planilla",
            "periodicidad": P.Periodicidad.MENSUAL,
            "canal": P.Canal.CORREO,
            "instrumento": P.Instrumento.CONVENIO,
            "instrumento_numero": "12",
            "instrumento_fecha": "2009-03-01",
            "estado": P.Estado.VIGENTE,
        },
        {
            "region_id": "8",
            "informacion": "oferta",
            "estado": P.Estado.NO_APLICA,
            "instrumento_fecha": "1900-01-01",
        },
    ),
    "indicador": (
        f.IndicadorForm,
        {
            "numero": "3",
            "nombre": "Cobertura",
            "formula": "(A / B) * 100",
            "numerador": "A",
            "denominador": "B",
            "unidad": "%",
            "meta": "50",
            "meta_numerador": "1",
            "meta_denominador": "2",
            "objetivo_id": "11",
            "se_mide": "on",
        },
        {"numero": "-1", "nombre": "", "formula": "(A / C)", "meta": "x"},
    ),
    "actividad": (
        f.ActividadForm,
        {
            "tipo": Actividad.Tipo.HITO,
            "descripcion": "Reunión",
            "inicio": "2009-01-10",
            "plazo": "2009-02-10",
            "responsable": "Jefa",
            "objetivo_informacion_id": "21",
        },
        {"tipo": Actividad.Tipo.ACTIVIDAD, "inicio": "2009-05-01", "plazo": "2009-02-01"},
    ),
    "no_abordado": (f.NoAbordadoForm, {"motivo": "Sin presupuesto"}, {"motivo": "x" * 4001}),
    "general_pt": (f.ObjetivoGeneralPTForm, {"objetivo_general_pt": "Incorporar"}, None),
    "general_informacion": (
        f.ObjetivoGeneralInformacionForm,
        {"objetivo_general_informacion": "Informar"},
        None,
    ),
}
CON_OPCIONES = (
    f._Base,
    f.IndicadorForm,
    f.ActividadForm,
)


def _form(nombre, caso, opciones=None, prefijo="pre"):
    clase, validos, erroneos = FORMULARIOS[nombre]
    kwargs = {"prefix": prefijo}
    if issubclass(clase, CON_OPCIONES):
        kwargs["opciones"] = opciones or _opciones()
    if caso == "vacio":
        return clase(**kwargs)
    if caso == "inicial":
        return clase(initial={k: v for k, v in validos.items()}, **kwargs)
    datos = validos if caso == "valido" else erroneos
    if datos is None:  # the general forms have no invalid data: an error added by hand
        datos = validos
    form = clase({f"{prefijo}-{k}": v for k, v in datos.items()}, **kwargs)
    form.is_valid()
    if caso == "errores":
        form.add_error(None, "Revise la fila completa.")
        if erroneos is None:
            form.add_error(next(iter(form.fields)), "Un error de este campo.")
    return form


CASOS = ["vacio", "inicial", "valido", "errores"]


@pytest.mark.parametrize("caso", CASOS)
@pytest.mark.parametrize("nombre", list(FORMULARIOS))
def test_los_campos_en_python_como_la_plantilla(previo, nombre, caso):
    form = _form(nombre, caso)
    if caso == "valido":
        assert form.is_valid(), form.errors
    if caso == "errores":
        assert form.errors and form.non_field_errors()
    contexto = {"form": form}
    esperado = _antes(previo, '{% include "planes/_campos.html" %}', contexto)
    obtenido = campos_html(form)
    assert _espacios(obtenido) == _espacios(esperado)
    assert _plano(_ahora('{% include "planes/_campos.html" %}', contexto)) == _plano(esperado)
    assert _plano(_ahora("{% load planes_campos %}{% campos form %}", contexto)) == _plano(esperado)
    assert obtenido.count('class="form-group') == len(form.visible_fields())
    for campo in form:  # every widget as BoundField.as_widget draws it
        assert widget_html(campo) == str(campo)
    if caso == "errores":
        assert 'class="alert alert-danger"' in obtenido
        campo = next(c for c in form.visible_fields() if c.errors)
        assert f'id="{campo.auto_id}_error"' in obtenido
        assert f"{campo.auto_id}_error" in str(campo)  # the widget's aria-describedby


@pytest.mark.parametrize("clase", ["", "col-md-6", "mb-0 small"])
@pytest.mark.parametrize("caso", CASOS)
@pytest.mark.parametrize("nombre", ["objetivo", "procedimiento", "indicador", "no_abordado"])
def test_un_campo_en_python_como_la_plantilla(previo, nombre, caso, clase):
    """``_campo.html`` alone (the pages' general objective, the no-abordado motivo, the
    calendar's forms), with and without its ``clase``."""
    form = _form(nombre, caso)
    for campo in form:
        contexto = {"campo": campo, "clase": clase}
        esperado = _antes(previo, '{% include "planes/_campo.html" %}', contexto)
        assert _espacios(campo_html(campo, clase)) == _espacios(esperado)
        obtenido = _ahora('{% include "planes/_campo.html" %}', contexto)
        assert _plano(obtenido) == _plano(esperado)


def test_sin_opciones_y_campo_ausente(previo):
    """A list of checkboxes with no choices says so; a missing field draws nothing."""
    form = _form("objetivo", "vacio", opciones=_opciones(filas=False))
    esperado = _antes(previo, '{% include "planes/_campos.html" %}', {"form": form})
    obtenido = campos_html(form)
    assert _espacios(obtenido) == _espacios(esperado)
    assert obtenido.count("Sin opciones.") == 1  # the Cuadro I rows; the regions have choices
    assert _ahora('{% include "planes/_campo.html" %}', {}).strip() == ""


@pytest.mark.parametrize(
    "clase, datos",
    [(EliminarProrrogaForm, None), (EliminarProrrogaForm, {}), (PeriodoForm, {"vence": "x"})],
)
def test_los_formularios_del_calendario(previo, clase, datos):
    """The calendar pages draw each field with ``_campo.html`` too (the hidden id as well)."""
    form = clase(datos)
    fuente = (
        '{% for campo in form %}{% include "planes/_campo.html" with clase="col-md-6" %}'
        "{% endfor %}"
    )
    esperado = _antes(previo, fuente, {"form": form})
    assert _plano(_ahora(fuente, {"form": form})) == _plano(esperado)
    assert "form-group col-md-6" in esperado


# --- Formsets ---------------------------------------------------------------------------------

FORMSETS = {
    "objetivos": (f.ObjetivosFormSet, "objetivo", "Objetivo"),
    "medidas": (f.MedidasFormSet, "medida", "Medida o variable"),
    "propir": (f.PropirFormSet, "propir", "Compromiso"),
    "objetivos_informacion": (
        f.ObjetivosInformacionFormSet,
        "objetivo_informacion",
        "Objetivo de información",
    ),
    "procedimientos": (f.ProcedimientosFormSet, "procedimiento", "Procedimiento"),
}


def _formset(nombre, caso, opciones=None, texto=""):
    clase, form, _etiqueta = FORMSETS[nombre]
    _, validos, erroneos = FORMULARIOS[form]
    opciones = opciones or _opciones()
    iniciales = [
        {**validos, "id": 41, "descripcion": f"Fila guardada {texto}", "numero": 1},
        {**validos, "id": 42, "descripcion": "Otra fila", "numero": 2},
    ]
    kwargs = {"prefix": "fs", "form_kwargs": {"opciones": opciones}, "initial": iniciales}
    if caso == "vacio":
        return clase(**kwargs)
    datos = {"fs-TOTAL_FORMS": "3", "fs-INITIAL_FORMS": "2"}
    filas = [
        {**validos, "id": "41", "numero": "1"},
        {**(erroneos if caso == "errores" else validos), "id": "42", "numero": "2"},
        {},
    ]
    for i, fila in enumerate(filas):
        for k, v in fila.items():
            datos[f"fs-{i}-{k}"] = v
    formset = clase(datos, **kwargs)
    formset.is_valid()
    if caso == "errores":
        formset._non_form_errors.append(f"Hay filas repetidas {texto}")
    return formset


@pytest.mark.parametrize("plegar", [False, True], ids=["abiertas", "plegadas"])
@pytest.mark.parametrize("caso", ["vacio", "valido", "errores"])
@pytest.mark.parametrize("nombre", list(FORMSETS))
def test_el_formset_en_python_como_la_plantilla(previo, nombre, caso, plegar):
    formset = _formset(nombre, caso)
    etiqueta = mark_safe(FORMSETS[nombre][2])  # a template's literal is safe
    contexto = {"formset": formset, "etiqueta": etiqueta, "plegar": plegar}
    esperado = _antes(previo, '{% include "planes/_formset.html" %}', contexto)
    obtenido = formset_html(formset, etiqueta, plegar)
    assert _espacios(obtenido) == _espacios(esperado)
    assert _plano(_ahora('{% include "planes/_formset.html" %}', contexto)) == _plano(esperado)
    assert obtenido.count('<details class="fila-formset"') == 2  # the saved rows
    assert '<template id="fs-fila-vacia">' in obtenido and 'data-agregar-fila="fs"' in obtenido
    assert 'data-formset="fs"' in obtenido and 'name="fs-TOTAL_FORMS"' in obtenido
    assert 'name="fs-__prefix__-DELETE"' in obtenido
    abiertas = obtenido.count('<details class="fila-formset" open>')
    assert abiertas == (2 if not plegar else (1 if caso == "errores" else 0))


def test_la_pagina_llama_al_formset_como_antes(previo):
    """The section pages' own call (``{% formset_plan formset_x "Etiqueta" plegar=True %}``)
    draws what their former include did."""
    formset = _formset("procedimientos", "errores")
    contexto = {"formset_procedimientos": formset}
    esperado = _antes(
        previo,
        '{% include "planes/_formset.html" with formset=formset_procedimientos '
        'etiqueta="Procedimiento" plegar=True %}',
        contexto,
    )
    obtenido = _ahora(
        '{% load planes_campos %}{% formset_plan formset_procedimientos "Procedimiento" '
        "plegar=True %}",
        contexto,
    )
    assert _espacios(obtenido) == _espacios(esperado)


# --- Hostile text -----------------------------------------------------------------------------


def _hostil(form):
    for campo in form.fields.values():
        campo.label = HOSTIL
        campo.help_text = HOSTIL
    return form


@pytest.mark.parametrize("nombre", list(FORMULARIOS))
def test_texto_hostil_escapado(previo, nombre):
    clase, validos, _ = FORMULARIOS[nombre]
    kwargs = {"prefix": "h"}
    if issubclass(clase, CON_OPCIONES):
        kwargs["opciones"] = _opciones(texto=HOSTIL)
    datos = {
        f"h-{k}": (HOSTIL if isinstance(v, str) and k != "id" else v) for k, v in validos.items()
    }
    form = _hostil(clase(datos, **kwargs))
    form.is_valid()
    form.add_error(None, ValidationError(HOSTIL))
    form.add_error(next(n for n, c in form.fields.items() if not c.widget.is_hidden), HOSTIL)
    esperado = _antes(previo, '{% include "planes/_campos.html" %}', {"form": form})
    obtenido = campos_html(form)
    assert _espacios(obtenido) == _espacios(esperado)
    assert "<script>" not in obtenido
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in obtenido
    assert "«Región» &amp; &#x27;comillas&#x27; ñandú" in obtenido
    assert obtenido.count("&lt;script&gt;") >= 2 * len(form.visible_fields())  # label, help


@pytest.mark.parametrize("nombre", list(FORMSETS))
def test_formset_hostil_escapado(previo, nombre):
    formset = _formset(nombre, "errores", opciones=_opciones(texto=HOSTIL), texto=HOSTIL)
    for form in [*formset, formset.empty_form]:
        _hostil(form)
    etiqueta = f"Fila {HOSTIL}"  # not a template's literal: escaped
    contexto = {"formset": formset, "etiqueta": etiqueta, "plegar": True}
    esperado = _antes(previo, '{% include "planes/_formset.html" %}', contexto)
    obtenido = formset_html(formset, etiqueta, True)
    assert _espacios(obtenido) == _espacios(esperado)
    assert "<script>" not in obtenido and "&lt;script&gt;" in obtenido
    assert "Agregar fila &lt;script&gt;alert(&quot;x&quot;)" in obtenido
    assert '<div class="alert alert-danger" role="alert">Hay filas repetidas &lt;script&gt;' in (
        obtenido
    )


def test_fechas_y_montos_como_la_plantilla(previo):
    """Values that are not text (a date, a decimal) reach the widgets as the template's did."""
    form = f.ProcedimientoForm(
        initial={"instrumento_fecha": date(2009, 3, 1), "region_id": 8}, opciones=_opciones()
    )
    esperado = _antes(previo, '{% include "planes/_campos.html" %}', {"form": form})
    assert _espacios(campos_html(form)) == _espacios(esperado)
    assert 'value="2009-03-01"' in esperado


@pytest.mark.parametrize("valor", [None, "", date(2009, 3, 1), "2009-13-45", HOSTIL])
def test_la_fecha_en_python_como_la_de_django(valor):
    """The Plan's date widget (``planes.forms.DateInput``) writes what Django's does."""
    from django import forms as django_forms

    rapido = f.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
    django = django_forms.DateInput(
        attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
    )
    attrs = {"id": "id_x", "required": True, "aria-invalid": "true"}
    assert isinstance(rapido, django_forms.DateInput)
    assert rapido.render("x", valor, attrs) == django.render("x", valor, attrs)
    assert type(f.ActividadForm(opciones=_opciones()).fields["plazo"].widget) is f.DateInput


@pytest.mark.parametrize("nombre", list(FORMSETS))
def test_la_fila_nueva_tal_como_la_envia_el_navegador_se_ignora(nombre):
    """A browser posts the blank new row with each select at its first (selected) option: the
    row is unchanged and left out, so the page saves without filling it."""
    clase, _form_nombre, _etiqueta = FORMSETS[nombre]
    formset = clase(prefix="fs", form_kwargs={"opciones": _opciones()})
    datos = {"fs-TOTAL_FORMS": "1", "fs-INITIAL_FORMS": "0"}
    html = formset_html(formset, "Fila")
    for campo in formset.forms[0]:  # what the drawn row holds, as the browser sends it
        widget = campo.field.widget
        if (
            getattr(widget, "allow_multiple_selected", False)
            or getattr(widget, "input_type", "") == "checkbox"
        ):
            continue  # unchecked boxes are not sent
        if hasattr(widget, "choices"):
            elegida = re.search(
                rf'<select name="{campo.html_name}"[^>]*>.*?<option value="([^"]*)"[^>]*selected',
                html,
                re.S,
            )
            primera = re.search(
                rf'<select name="{campo.html_name}"[^>]*>\s*<option value="([^"]*)"', html
            )
            datos[campo.html_name] = (elegida or primera).group(1)
        else:
            datos[campo.html_name] = campo.value() or ""
    enviado = clase(datos, prefix="fs", form_kwargs={"opciones": _opciones()})
    assert enviado.is_valid(), enviado.errors
    assert not enviado.forms[0].has_changed()
