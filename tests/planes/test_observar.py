"""«Observar» from the Plan's rows: who may observe now (``workflow.puede_observar``: the
assigned Experto/a at any time, the Jefe/a during his review) pins an observación to an
indicator's name or fórmula, or to an activity's description, from the row itself on the
document page and the indicadores, programa and region pages, and comes back to that page
with the observación on the row. Nobody else sees those forms."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planes.models import Actividad, Indicador
from pmggt.models import Observacion
from tests.conftest import Estado, llevar_a
from tests.planes.fabricas import crear_plan

PAGINAS = [
    ("pmggt:documento", ()),
    ("planes:indicadores", ()),
    ("planes:programa", ()),
    ("planes:region", ("I",)),
]


def _url(nombre, documento, extra=()):
    return reverse(nombre, args=[documento.pk, *extra])


def _campos(html: str) -> set[str]:
    return set(re.findall(r'name="observar-campo" value="([^"]+)"', html))


def _fila(html: str, ident: str) -> str:
    inicio = html.index(f'<tr id="{ident}"')
    return html[inicio : html.index("</tr>", inicio)]


@pytest.fixture
def en_visacion(mundo):
    documento = crear_plan(mundo)
    return llevar_a(mundo, documento, Estado.EN_VISACION)


@pytest.mark.django_db
def test_la_experta_observa_cada_fila_en_cada_pagina(client, mundo, en_visacion):
    documento = en_visacion
    indicador = Indicador.objects.get(plan=documento.plan)
    actividad = Actividad.objects.get(plan=documento.plan, centro=mundo.centro_region_i)
    client.force_login(mundo.experta)
    esperados = {
        "pmggt:documento": {
            f"ind:{indicador.pk}:nombre",
            f"ind:{indicador.pk}:formula",
            f"act:{actividad.pk}:descripcion",
        },
        "planes:indicadores": {f"ind:{indicador.pk}:nombre", f"ind:{indicador.pk}:formula"},
        "planes:programa": {f"act:{actividad.pk}:descripcion"},
        "planes:region": {f"act:{actividad.pk}:descripcion"},
    }
    filas = {
        "pmggt:documento": [f"indicador-{indicador.pk}", f"actividad-{actividad.pk}"],
        "planes:indicadores": [f"indicador-{indicador.pk}"],
        "planes:programa": [f"actividad-{actividad.pk}"],
        "planes:region": [f"actividad-{actividad.pk}"],
    }
    for nombre, extra in PAGINAS:
        html = client.get(_url(nombre, documento, extra)).content.decode()
        assert esperados[nombre] <= _campos(html), nombre
        for ident in filas[nombre]:  # in the row itself
            assert "Observar esta celda" in _fila(html, ident), (nombre, ident)
    # The fórmula's form is in the fórmula's cell, the name's in the name's.
    html = client.get(_url("planes:indicadores", documento)).content.decode()
    fila = _fila(html, f"indicador-{indicador.pk}")
    celdas = re.findall(r"<td[^>]*>(.*?)</td>", fila, re.S)
    assert f'value="ind:{indicador.pk}:nombre"' in celdas[1]
    assert f'value="ind:{indicador.pk}:formula"' in celdas[2]
    assert f'name="siguiente" value="{_url("planes:indicadores", documento)}"' in celdas[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "nombre,extra,campo",
    [
        ("planes:indicadores", (), "formula"),
        ("planes:indicadores", (), "nombre"),
        ("planes:region", ("I",), "descripcion"),
        ("planes:programa", (), "descripcion"),
        ("pmggt:documento", (), "formula"),
    ],
)
def test_observar_crea_la_observacion_y_vuelve_a_la_pagina(
    client, mundo, en_visacion, nombre, extra, campo
):
    documento = en_visacion
    if campo == "descripcion":
        fila = Actividad.objects.get(plan=documento.plan, centro=mundo.centro_region_i)
        clave, ident = f"act:{fila.pk}:descripcion", f"actividad-{fila.pk}"
    else:
        fila = Indicador.objects.get(plan=documento.plan)
        clave, ident = f"ind:{fila.pk}:{campo}", f"indicador-{fila.pk}"
    client.force_login(mundo.experta)
    pagina = _url(nombre, documento, extra)
    html = client.get(pagina).content.decode()
    # The form as drawn: its action, its campo and where it sends back.
    formulario = html[html.index(f'value="{clave}"') - 600 : html.index(f'value="{clave}"') + 400]
    assert f'action="{reverse("pmggt:observacion_crear", args=[documento.pk])}"' in formulario
    assert f'name="siguiente" value="{pagina}"' in formulario
    assert "csrfmiddlewaretoken" in formulario
    respuesta = client.post(
        reverse("pmggt:observacion_crear", args=[documento.pk]),
        {
            "observar-campo": clave,
            "observar-texto": "Revise esta fila, por favor.",
            "siguiente": pagina,
        },
    )
    assert respuesta.status_code == 302
    assert respuesta["Location"] == pagina
    obs = Observacion.objects.get(documento=documento, resuelta=False, campo=clave)
    assert obs.autor == mundo.experta
    assert obs.texto == "Revise esta fila, por favor."
    html = client.get(pagina).content.decode()
    assert "Revise esta fila, por favor." in _fila(html, ident)
    assert "con-observacion" in html[html.index(f'<tr id="{ident}"') :][:200]


@pytest.mark.django_db
def test_el_jefe_observa_durante_su_revision(client, mundo):
    documento = llevar_a(mundo, crear_plan(mundo), Estado.EN_REVISION_JEFE)
    indicador = Indicador.objects.get(plan=documento.plan)
    client.force_login(mundo.jefe)
    html = client.get(_url("planes:indicadores", documento)).content.decode()
    assert f"ind:{indicador.pk}:formula" in _campos(html)
    llevar_a(mundo, documento, Estado.EN_VISACION)
    html = client.get(_url("planes:indicadores", documento)).content.decode()
    assert not _campos(html)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["encargada", "centro_i"])
def test_quien_no_observa_no_ve_el_formulario(client, mundo, en_visacion, persona):
    client.force_login(mundo.personas[persona])
    for nombre, extra in PAGINAS:
        html = client.get(_url(nombre, en_visacion, extra)).content.decode()
        assert "Observar esta celda" not in html, (persona, nombre)
        assert not _campos(html), (persona, nombre)


@pytest.mark.django_db
def test_un_gore_no_ve_el_formulario(client, mundo):
    documento = llevar_a(mundo, crear_plan(mundo), Estado.VISADO)
    client.force_login(mundo.experta)  # the Experta still observes it, Visado
    html = client.get(_url("planes:region", documento, ("I",))).content.decode()
    assert "Observar esta celda" in html
    client.force_login(mundo.gore)
    for nombre, extra in PAGINAS:
        respuesta = client.get(_url(nombre, documento, extra))
        assert respuesta.status_code == 200, nombre
        html = respuesta.content.decode()
        assert "Informar la oferta al GORE de la región I" in html or nombre == (
            "planes:indicadores"
        )
        assert "Observar esta celda" not in html, nombre
        assert not _campos(html), nombre
    # And posting is refused.
    respuesta = client.post(
        reverse("pmggt:observacion_crear", args=[documento.pk]),
        {"observar-campo": "", "observar-texto": "x"},
    )
    assert respuesta.status_code in (403, 404)
    assert not Observacion.objects.filter(documento=documento).exists()


@pytest.mark.django_db
def test_textos_y_direccion_escapados(client, mundo):
    documento = crear_plan(mundo)
    indicador = Indicador.objects.get(plan=documento.plan)
    Indicador.objects.filter(pk=indicador.pk).update(
        nombre="<script>alert(1)</script>",
        formula="(N° de regiones con oferta informada / N° de regiones con Centro) * 100 <i>",
    )
    documento = llevar_a(mundo, documento, Estado.EN_VISACION)
    Observacion.objects.create(
        documento=documento,
        autor=mundo.experta,
        campo=f"ind:{indicador.pk}:formula",
        texto="<img src=x onerror=alert(2)>",
    )
    client.force_login(mundo.experta)
    for nombre, extra in PAGINAS:
        pagina = _url(nombre, documento, extra) + '?x="><b>y</b>'
        html = client.get(pagina).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "<b>y</b>" not in html, nombre
        assert 'name="siguiente" value="' in html, nombre
    html = client.get(_url("planes:indicadores", documento)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "100 &lt;i&gt;" in html and "100 <i>" not in html


def _crecer(plan, centro, hasta):
    desde = Actividad.objects.filter(plan=plan, centro=centro).count()
    Actividad.objects.bulk_create(
        Actividad(
            plan=plan,
            centro=centro,
            descripcion=f"Actividad {i}",
            inicio=date(2009, 1 + i % 12, 1),
            plazo=date(2009, 1 + i % 12, 28),
            orden=i,
        )
        for i in range(desde, hasta)
    )
    desde = Indicador.objects.filter(plan=plan, centro=centro).count()
    Indicador.objects.bulk_create(
        Indicador(
            plan=plan,
            centro=centro,
            numero=100 + i + (0 if centro is None else 1000),
            nombre=f"Indicador {i}",
            formula="(A / B) * 100",
            numerador="A",
            denominador="B",
            unidad="%",
            meta="50",
            meta_numerador="1",
            meta_denominador="2",
        )
        for i in range(desde, hasta)
    )


def _medir(client, documento) -> dict:
    cuentas = {}
    for nombre, extra in PAGINAS:
        url = _url(nombre, documento, extra)
        with CaptureQueriesContext(connection) as consultas:
            respuesta = client.get(url)
        assert respuesta.status_code == 200, url
        cuentas[nombre] = len(consultas)
    return cuentas


@pytest.mark.django_db
def test_consultas_de_la_experta_constantes(client, mundo):
    # In Borrador the pages read the live rows (a sent version is frozen); the Experta
    # observes at any time.
    documento = crear_plan(mundo)
    plan = documento.plan
    client.force_login(mundo.experta)
    for centro in (None, mundo.centro_region_i):
        _crecer(plan, centro, 5)
    antes = _medir(client, documento)
    html = client.get(_url("planes:indicadores", documento)).content.decode()
    pocos = len(_campos(html))
    for centro in (None, mundo.centro_region_i):
        _crecer(plan, centro, 50)
    despues = _medir(client, documento)
    html = client.get(_url("planes:indicadores", documento)).content.decode()
    assert len(_campos(html)) > pocos >= 2 * 10
    assert despues == antes
