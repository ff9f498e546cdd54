"""The four Etapa I section pages draw their forms in Python (``pmggt.widgets`` and the formset
table of ``diagnostico.forms``): the same HTML as Django's templates, saved choices selected,
user text escaped, errors next to their field."""

import re
from unittest import mock

import pytest
from django import forms
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse

from diagnostico import forms as formularios
from diagnostico.models import (
    Cliente,
    EncargadoRed,
    FacultadDesconcentrada,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
)
from pmggt import widgets
from pmggt.historia import actuando_como
from tests.conftest import crear_diagnostico

PELIGROSO = "<script>alert(\"x\")</script> & 'y'"
ESCAPADO = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;y&#x27;"

# One body row of templates/diagnostico/_formset_tabla.html as it was when Django's templates
# drew every cell (the label's class is the formset's: visually hidden, or shown on cards).
FILA_CON_PLANTILLAS = """
    <tr>
      {% for campo in form.visible_fields %}
      <td class="campo-{{ campo.name }}">
        {% if forloop.first %}{% for oculto in form.hidden_fields %}{{ oculto }}{% endfor %}{% endif %}
        {% if campo.name == "DELETE" %}{% if form.instance.pk %}<label class="{{ formset.clase_etiqueta }}" for="{{ campo.id_for_label }}">Eliminar</label>{{ campo }}{% endif %}{% else %}<label class="{{ formset.clase_etiqueta }}" for="{{ campo.id_for_label }}">{{ campo.label }}</label>{{ campo }}{% endif %}
        {% for e in campo.errors %}<div class="text-danger small">{{ e }}</div>{% endfor %}
        {% if forloop.first %}{% for e in form.non_field_errors %}<div class="text-danger small">{{ e }}</div>{% endfor %}{% endif %}
      </td>
      {% endfor %}
    </tr>
  """  # noqa: E501

# The whole table with templates: its rows, and the empty form's row that pmggt.js copies.
TABLA_CON_PLANTILLAS = (
    """{{ formset.management_form }}
{% for e in formset.non_form_errors %}<div class="alert alert-danger" role="alert">{{ e }}</div>{% endfor %}
<div class="table-responsive">
<table class="table table-sm tabla-formset{% if formset.clase_tabla %} {{ formset.clase_tabla }}{% endif %}" data-formset="{{ formset.prefix }}">
  <thead><tr>{% for campo in formset.empty_form.visible_fields %}<th scope="col">{% if campo.name == "DELETE" %}Eliminar{% else %}{{ campo.label }}{% endif %}</th>{% endfor %}</tr></thead>
  <tbody>
  {% for form in formset %}"""  # noqa: E501
    + FILA_CON_PLANTILLAS
    + """{% endfor %}
  </tbody>
</table>
</div>
{# A blank row for pmggt.js to copy ("Agregar …", shown only with JavaScript); without it, the empty rows above are the ones to fill. #}
<template id="{{ formset.prefix }}-fila-vacia">{% with form=formset.empty_form %}"""  # noqa: E501
    + FILA_CON_PLANTILLAS
    + """{% endwith %}</template>
<p class="agregar-fila"><button class="btn btn-outline-primary btn-sm" type="button" data-agregar-fila="{{ formset.prefix }}" hidden>{{ formset.boton_agregar }}</button></p>
"""  # noqa: E501
)


def _llenar(m, doc):
    """Every section with rows (one user-typed name with markup) and saved choices."""
    d = doc.diagnostico
    with actuando_como(m.encargada):
        objetivo = ObjetivoEstrategico.objects.get(diagnostico=d)
        otro = ObjetivoEstrategico.objects.create(diagnostico=d, numero=2, descripcion="Dos")
        producto = ProductoEstrategico.objects.create(
            diagnostico=d,
            numero="1",
            nombre=PELIGROSO,
            aplica_pt=ProductoEstrategico.Aplica.APLICA,
            causal_acceso=True,
        )
        producto.objetivos.set([otro])
        ProductoEstrategico.objects.create(
            diagnostico=d,
            numero="2",
            nombre="Fiscalización",
            aplica_pt=ProductoEstrategico.Aplica.NO_APLICA,
            fundamento="Nivel central.",
        )
        cliente = Cliente.objects.create(diagnostico=d, numero=1, nombre="Municipios")
        cliente.productos.set([producto])
        FacultadDesconcentrada.objects.create(
            diagnostico=d,
            ambito=FacultadDesconcentrada.Ambito.CONVENIOS,
            situacion=FacultadDesconcentrada.Situacion.NO_DELEGADA_NECESARIA,
            descripcion=PELIGROSO,
        )
        SistemaInformacion.objects.create(diagnostico=d, nombre=PELIGROSO, datos_regionales="x")
        EncargadoRed.objects.create(diagnostico=d, centro=None, nombres="Central")
        EncargadoRed.objects.create(
            diagnostico=d, centro=m.centro_region_ii, nombres="Ana", unidad=PELIGROSO
        )
    return objetivo, otro, producto, cliente


def _formsets(d, datos=None):
    return {
        "objetivos": formularios.ObjetivosFormSet(datos, instance=d, prefix="obj"),
        "productos": formularios.productos_formset(d, datos),
        "clientes": formularios.clientes_formset(d, datos),
        "facultades": formularios.FacultadesFormSet(datos, instance=d, prefix="fac"),
        "sistemas": formularios.SistemasFormSet(datos, instance=d, prefix="sis"),
        "encargados": formularios.encargados_formset(d, datos),
    }


def _con_plantillas(formset) -> str:
    """The table as Django's templates drew it (widget templates, the former template)."""
    plantilla = engines["django"].from_string(TABLA_CON_PLANTILLAS)
    with (
        mock.patch.object(widgets.RenderRapido, "render", forms.Widget.render),
        mock.patch.object(widgets._SelectDirecto, "render", forms.Widget.render),
        mock.patch.object(widgets._CasillasDirectas, "render", forms.Widget.render),
    ):
        return plantilla.render({"formset": formset})


def _en_python(formset) -> str:
    return render_to_string("diagnostico/_formset_tabla.html", {"formset": formset})


def _datos_de(formset) -> dict:
    """What a browser sends back for the formset as drawn."""
    datos = {}
    for form in [formset.management_form, *formset.forms]:
        for campo in form:
            valor = campo.value()
            if isinstance(valor, bool):
                if valor:
                    datos[campo.html_name] = "on"
            elif isinstance(valor, list | tuple):
                datos[campo.html_name] = [str(v) for v in valor]
            else:
                datos[campo.html_name] = "" if valor is None else str(valor)
    return datos


def test_la_tabla_es_la_de_las_plantillas(mundo):
    """Unbound, bound with field, form and formset errors, and a tampered management form:
    byte for byte what the templates drew."""
    doc = crear_diagnostico(mundo)
    _llenar(mundo, doc)
    d = doc.diagnostico
    for nombre, formset in _formsets(d).items():
        assert _en_python(formset) == _con_plantillas(formset), nombre

    datos = {}
    for formset in _formsets(d).values():
        datos |= _datos_de(formset)
    datos |= {
        "obj-1-numero": "1",  # repeated
        "obj-2-numero": "1",
        "obj-2-descripcion": "Tres",
        "prod-0-numero": "x",
        "prod-1-aplica_pt": "aplica",  # no causal
        "cli-0-productos": ["999999"],
        "fac-0-ambito": "otro",
        "sis-0-nombre": "",
        "enc-1-centro": "999999",
        "prod-1-DELETE": "on",
    }
    for nombre, formset in _formsets(d, datos).items():
        assert not formset.is_valid(), nombre
        formset.forms[0].add_error(None, f"Error general de {PELIGROSO}")
        html = _en_python(formset)
        assert html == _con_plantillas(formset), nombre
        assert 'class="text-danger small"' in html and ESCAPADO in html

    sin_gestion = {k: v for k, v in datos.items() if not k.startswith("prod-TOTAL")}
    formset = formularios.productos_formset(d, sin_gestion)
    assert not formset.is_valid() and formset.non_form_errors()
    assert _en_python(formset) == _con_plantillas(formset)


def _pagina(client, nombre, doc) -> str:
    r = client.get(reverse(f"diagnostico:{nombre}", args=[doc.pk]))
    assert r.status_code == 200
    return r.content.decode()


def _celda(html, nombre_campo) -> list[str]:
    """The cells of a column (their inner HTML)."""
    return re.findall(rf'<td class="campo-{nombre_campo}">(.*?)</td>', html, flags=re.S)


def test_las_elecciones_guardadas_se_muestran_elegidas(client, mundo):
    doc = crear_diagnostico(mundo)
    objetivo, otro, producto, _ = _llenar(mundo, doc)
    client.force_login(mundo.encargada)

    html = _pagina(client, "productos", doc)
    aplica = _celda(html, "aplica_pt")
    assert '<option value="aplica" selected>Aplica</option>' in aplica[0]
    assert '<option value="no_aplica" selected>No aplica</option>' in aplica[1]
    assert '<option value="" selected>Sin definir</option>' in aplica[2]  # an empty row
    assert aplica[0].count(" selected") == 1
    objetivos = _celda(html, "objetivos")[0]
    assert f'value="{otro.pk}" id="id_prod-0-objetivos_1" checked>' in objetivos
    assert f'value="{objetivo.pk}" id="id_prod-0-objetivos_0">' in objetivos
    assert (
        '<input type="checkbox" name="prod-0-causal_acceso" id="id_prod-0-causal_acceso" checked>'
        in html
    )
    assert (
        '<input type="checkbox" name="prod-0-causal_diseno" id="id_prod-0-causal_diseno">' in html
    )

    html = _pagina(client, "clientes", doc)
    productos = _celda(html, "productos")[0]
    assert re.search(
        rf'<input type="checkbox" name="cli-0-productos" value="{producto.pk}"[^>]* checked>',
        productos,
    )

    html = _pagina(client, "otros", doc)
    centros = _celda(html, "centro")
    assert '<option value="" selected>Nivel central</option>' in centros[0]
    assert f'<option value="{mundo.centro_region_ii.pk}" selected>' in centros[1]
    assert centros[1].count(" selected") == 1
    assert '<option value="convenios" selected>Convenios</option>' in _celda(html, "ambito")[0]
    assert (
        '<option value="no_delegada_necesaria" selected>No delegada pero necesaria</option>'
        in _celda(html, "situacion")[0]
    )


def test_el_texto_del_usuario_sale_escapado(client, mundo):
    doc = crear_diagnostico(mundo)
    _llenar(mundo, doc)
    with actuando_como(mundo.encargada):
        d = doc.diagnostico
        d.presentacion = PELIGROSO
        d.save()
    client.force_login(mundo.encargada)
    for nombre, veces in (("productos", 1), ("clientes", 1), ("otros", 3), ("editar", 1)):
        html = _pagina(client, nombre, doc)
        assert "<script>" not in html, nombre
        assert html.count(ESCAPADO) >= veces, nombre
    # The product's name is also the label of a client's checkbox (its first 40 characters).
    html = _pagina(client, "clientes", doc)
    assert f'id="id_cli-0-productos_0" checked>\n 1 {ESCAPADO}</label>' in html


def test_los_errores_quedan_junto_a_su_campo(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    datos = {
        "prod-TOTAL_FORMS": "2",
        "prod-INITIAL_FORMS": "0",
        "prod-0-numero": "1",
        "prod-0-nombre": "Uno",
        "prod-0-aplica_pt": "no_aplica",
        "prod-1-numero": "2",
        "prod-1-nombre": "Dos",
        "prod-1-aplica_pt": "aplica",
    }
    r = client.post(reverse("diagnostico:productos", args=[doc.pk]), datos)
    assert r.status_code == 400
    html = r.content.decode()
    fundamento = _celda(html, "fundamento")
    assert (
        '<div class="text-danger small">Cuando el producto no aplica la perspectiva '
        "territorial, fundaméntelo.</div>" in fundamento[0]
    )
    assert "text-danger" not in fundamento[1]
    aplica = _celda(html, "aplica_pt")
    assert "Marque al menos una causal de aplicación." in aplica[1]
    assert '<option value="aplica" selected>Aplica</option>' in aplica[1]
    assert 'aria-invalid="true"' in aplica[1]
    # What the user typed comes back.
    assert ">\nUno</textarea>" in html and 'name="prod-1-numero" value="2"' in html


@pytest.mark.parametrize("nombre", ["editar", "productos", "clientes", "otros"])
def test_la_pagina_conserva_huella_y_campos_de_gestion(client, mundo, nombre):
    doc = crear_diagnostico(mundo)
    _llenar(mundo, doc)
    client.force_login(mundo.encargada)
    html = _pagina(client, nombre, doc)
    assert re.search(r'<input type="hidden" name="huella" value="[^"]+">', html)
    assert "data-borrador" in html and "<script" not in html.split("</main>")[0].split("<main")[-1]
    assert re.search(r'name="\w+-TOTAL_FORMS" value="\d+" id="id_\w+-TOTAL_FORMS"', html)


def test_las_copias_del_campo_comparten_la_consulta_sin_leer_filas_ajenas(mundo):
    """A form's copy of a model choice field shares its (never evaluated) queryset; once it
    was evaluated in place, further copies get a clone, not the cached rows."""
    import copy

    from pmggt.models import Centro

    base = formularios.ModelChoiceFijo(Centro.objects.all())
    copia = copy.deepcopy(base)
    assert copia.queryset is base.queryset and copia.widget.choices.field is copia
    assert {c.pk for c in copia.queryset.iterator()} == set(
        Centro.objects.values_list("pk", flat=True)
    )
    list(base.queryset)  # evaluated in place: rows cached on it
    with actuando_como(mundo.admin):
        nuevo = Centro.objects.create(
            servicio=mundo.servicio, region=mundo.regiones[2], nombre="Otro"
        )
    otra = copy.deepcopy(base)
    assert otra.queryset is not base.queryset and otra.queryset._result_cache is None
    assert nuevo in list(otra.queryset) and nuevo not in base.queryset._result_cache


def test_los_formsets_no_arrastran_la_llave_foranea_como_campo(mundo):
    """The formsets are built once: the forms never carry the select Django would derive from
    the Meta.fields it extends with the foreign key; the page is the same on every request."""
    doc = crear_diagnostico(mundo)
    _llenar(mundo, doc)
    d = doc.diagnostico
    for _ in range(2):
        for nombre, formset in _formsets(d).items():
            assert "diagnostico" not in formset.form.base_fields, nombre
            campo = formset.forms[0].fields["diagnostico"]
            assert type(campo).__name__ == "InlineForeignKeyField", nombre
            assert list(formset.forms[0].fields)[-3:] == ["id", "DELETE", "diagnostico"], nombre


@pytest.mark.parametrize("nombre", ["productos", "clientes", "otros"])
def test_la_pagina_es_la_misma_en_cada_peticion(client, mundo, nombre):
    doc = crear_diagnostico(mundo)
    _llenar(mundo, doc)
    client.force_login(mundo.encargada)
    sin_token = [
        re.sub(r'(csrfmiddlewaretoken" value|csrf-token" content|data-\w+)="[^"]*"', "", h)
        for h in (_pagina(client, nombre, doc), _pagina(client, nombre, doc))
    ]
    assert sin_token[0] == sin_token[1]
