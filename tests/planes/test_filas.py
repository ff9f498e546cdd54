"""The indicator and activity rows drawn in Python (``planes/templatetags/planes_filas.py``)
write what the former row templates wrote (kept in ``tests/planes/plantillas_previas``): for
editable and read-only rows, national and regional, with observaciones, with each row's own
«Observar» forms or the document page's, with empty fields and with hostile text."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory, override_settings
from django.utils.safestring import mark_safe

PREVIAS = Path(__file__).parent / "plantillas_previas"
HOSTIL = "<script>alert(\"x\")</script> «Región» & 'comillas' " + "a" * 50

ANTES = {
    "actividades": (
        '{% for f in filas %}{% if f.region in editables %}{% include "planes/_fila_actividad.html"'
        ' with edita_fila=True region_fila=f.region|default:"servicio" %}{% else %}{% include '
        '"planes/_fila_actividad.html" with edita_fila=False %}{% endif %}{% empty %}'
        '<tr><td colspan="8" class="text-muted">Aún no hay actividades ni hitos.</td></tr>'
        "{% endfor %}"
    ),
    "indicadores": (
        '{% for f in filas %}{% if f.region in editables %}{% include "planes/_fila_indicador.html"'
        ' with edita_fila=True region_fila=f.region|default:"servicio" %}{% else %}{% include '
        '"planes/_fila_indicador.html" with edita_fila=False %}{% endif %}{% empty %}'
        '<tr><td colspan="10" class="text-muted">Aún no hay indicadores.</td></tr>'
        "{% endfor %}"
    ),
}
AHORA = {
    tabla: "{% load planes_filas %}{% filas_" + tabla + " filas editables observar_documento %}"
    for tabla in ("actividades", "indicadores")
}


def _plano(html: str) -> str:
    html = re.sub(r">\s+", ">", str(html))
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html).strip()


def _obs(texto):
    return SimpleNamespace(html=mark_safe(f'<div class="observacion">{texto}</div>'))


def _actividad(pk, region, **extra):
    return {
        "id": pk,
        "region": region,
        "tipo": "actividad",
        "tipo_texto": "Actividad",
        "descripcion": f"Actividad {pk}\n• uno\n• dos",
        "fechas": "01-02-2009 a 15-03-2009",
        "responsable": "Jefa de división",
        "region_texto": region or "Nacional",
        "vinculo": "Objetivo 1",
        "medio_verificacion": "Acta",
        "huella": "h-123",
        "obs": [],
        **extra,
    }


def _indicador(pk, region, **extra):
    return {
        "id": pk,
        "numero": pk,
        "region": region,
        "nombre": f"Indicador {pk}",
        "formula": "(A / B) * 100",
        "numerador": "A",
        "denominador": "B",
        "unidad": "%",
        "meta_texto": "50 % (1/2)",
        "medio_verificacion": "Informe",
        "instrumento_recoleccion": "Planilla",
        "instrumento_sistematizacion": "",
        "nota_tecnica": "Nota",
        "vinculo": "Objetivo 2",
        "se_mide": True,
        "region_texto": region or "Nacional",
        "huella": "h-9",
        "obs": [],
        **extra,
    }


FILAS = {
    "actividades": [
        _actividad(1, "I"),
        _actividad(2, None, tipo="hito", tipo_texto="Hito", obs=[_obs("ojo"), _obs("dos")]),
        _actividad(3, "II", descripcion=HOSTIL, responsable="", vinculo="", medio_verificacion=""),
        _actividad(4, "I", observar_descripcion=mark_safe("<details>propio</details>")),
        _actividad(5, "XV", descripcion="", huella=""),
    ],
    "indicadores": [
        _indicador(1, "I"),
        _indicador(2, None, obs=[_obs("revisar")], se_mide=False, nota_tecnica=""),
        _indicador(
            3,
            "II",
            nombre=HOSTIL,
            numerador="",
            denominador="",
            unidad="",
            meta_texto="",
            vinculo="",
            instrumento_recoleccion="",
            instrumento_sistematizacion=HOSTIL,
        ),
        _indicador(4, "I", observar_nombre=mark_safe("<i>n</i>"), observar_formula="<b>f</b>"),
    ],
}


@pytest.fixture
def motor():
    plantillas = [{**settings.TEMPLATES[0], "DIRS": [PREVIAS, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=plantillas):
        yield engines["django"]


@pytest.mark.parametrize("tabla", ["actividades", "indicadores"])
@pytest.mark.parametrize(
    "editables", [None, "", {"I"}, {None, "I", "II", "XV"}], ids=["nada", "vacio", "I", "todas"]
)
@pytest.mark.parametrize("observar", [False, True], ids=["sin-observar", "observar"])
@pytest.mark.parametrize("vacia", [False, True], ids=["filas", "sin-filas"])
def test_las_filas_en_python_como_la_plantilla(motor, tabla, editables, observar, vacia):
    request = RequestFactory().get("/planes/5/?x=<b>&y=1")
    contexto = {
        "filas": [] if vacia else FILAS[tabla],
        "editables": editables,
        "observar_documento": observar,
        "documento": SimpleNamespace(pk=5),
        "csrf_token": "tok<en>",
        "request": request,
        "u_observar": "/documentos/5/observaciones/nueva/",
    }
    antes = motor.from_string("{% load pmggt_texto planes_texto %}" + ANTES[tabla])
    ahora = motor.from_string(AHORA[tabla])
    esperado, obtenido = antes.render(contexto), ahora.render(contexto)
    assert _plano(obtenido) == _plano(esperado)
    assert len(_plano(obtenido)) > 60
    if not vacia:
        assert "<script>" not in obtenido and "&lt;script&gt;" in obtenido


def _sin_token(html: str) -> str:
    # Each {% csrf_token %} prints a freshly masked token.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r'name="csrf-token" content="[^"]*"', 'name="csrf-token"', html)
    # The session's deadlines, in whole seconds and minutes from each request.
    return re.sub(r'data-(inactividad|absoluta|cierre)="[^"]*"', "", html)


def _paginas(client, personas, urls):
    salida = {}
    for persona in personas:
        client.force_login(persona)
        for url in urls:
            respuesta = client.get(url)
            assert respuesta.status_code == 200, url
            salida[(persona.username, url)] = _plano(_sin_token(respuesta.content.decode()))
    return salida


@pytest.mark.django_db
def test_paginas_del_plan_iguales_a_las_de_las_plantillas_previas(client, mundo):
    """The document page and the section and region pages with the blocks and rows drawn in
    Python give the HTML the former templates gave, for who edits, who observes and who reads,
    with open observaciones on rows of every kind."""
    from django.urls import reverse

    from pmggt import workflow
    from tests.planes.fabricas import crear_plan
    from tests.planes.test_consultas import _actividades, _devuelto_con

    documento = crear_plan(mundo)
    _actividades(documento.plan, mundo.centro_region_i, 1, 6)
    _actividades(documento.plan, None, 0, 3)
    _devuelto_con(mundo, documento, 12)
    urls = [
        reverse("pmggt:documento", args=[documento.pk]),
        reverse("planes:objetivos", args=[documento.pk]),
        reverse("planes:informacion", args=[documento.pk]),
        reverse("planes:indicadores", args=[documento.pk]),
        reverse("planes:programa", args=[documento.pk]),
        reverse("planes:region", args=[documento.pk, "I"]),
    ]
    personas = [mundo.encargada, mundo.centro_i, mundo.jefe]
    casos = [_paginas(client, personas, urls)]
    plantillas = [{**settings.TEMPLATES[0], "DIRS": [PREVIAS, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=plantillas):
        previa = engines["django"].get_template("planes/_bloque_informacion.html")
        assert "plantillas_previas" in previa.origin.name
        casos.append(_paginas(client, personas, urls))
    # Sent again: the Jefe/a observes on the document page («Observar esta celda»).
    from pmggt import services

    for obs in documento.observaciones.filter(resuelta=False):
        services.observacion_resolver(observacion=obs, actor=mundo.encargada)
    workflow.enviar(documento=documento, actor=mundo.encargada, comentario="De nuevo")
    casos.append(_paginas(client, [mundo.jefe], urls[:1]))
    with override_settings(TEMPLATES=plantillas):
        casos.append(_paginas(client, [mundo.jefe], urls[:1]))
    for nuevo, previo in ((casos[0], casos[1]), (casos[2], casos[3])):
        for clave in nuevo:
            if nuevo[clave] != previo[clave]:
                import difflib

                a, b = (
                    previo[clave].replace("><", ">\n<").split("\n"),
                    nuevo[clave].replace("><", ">\n<").split("\n"),
                )
                raise AssertionError(
                    (clave, "\n".join(list(difflib.unified_diff(a, b, lineterm=""))[:40]))
                )
    assert "Observar esta celda" in next(iter(casos[2].values()))
