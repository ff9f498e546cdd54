"""Comparing versions (issue 9, item 8): only what changed by default, counted ("9 cambios:
4 agregados, 4 eliminados, 1 modificado"), with a jump link to each change grouped by section
and region; "Mostrar también lo que no cambió" shows the rest; a clear message when there is
nothing to compare yet, or when two versions are identical. What a GORE may read is cut as
before (its region, visado versions, never observaciones). Constant queries."""

import re

import pytest
from django.urls import reverse

from diagnostico.models import FilaCuadro1
from pmggt import etapas, services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento
from tests.conftest import crear_diagnostico, llevar_a
from tests.pmggt.test_linea_tiempo_agrupada import enviable

Estado = Documento.Estado
SECRETO = "Observación interna: revisar el avance"

pytestmark = pytest.mark.django_db


def _filas(html: str) -> list[tuple[str, str, str]]:
    """(state class, row id, label) of each row of the comparison table."""
    return [
        (estado, ancla, " ".join(re.sub(r"<[^>]+>", " ", etiqueta).split()))
        for estado, ancla, etiqueta in re.findall(
            r'<tr class="diferencia-(\w+)"(?: id="([^"]+)")?>\s*<th scope="row">(.*?)</th>',
            html,
            re.S,
        )
    ]


def _fila(doc, centro, prefijo, actor):
    with actuando_como(actor):
        return FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico,
            centro=centro,
            avance=f"{prefijo}: avance de la mesa regional",
            mejora=f"{prefijo}: mejora",
            medidas=f"{prefijo}: medidas",
            objetivo=f"{prefijo}: objetivo",
        )


def _dos_versiones(m):
    """Version 1 with three Cuadro I N°1 rows (two in region I, one in II); returned by the
    Jefe/a with an observación on a cell; version 2 with that cell changed, the other row of
    region I removed and a new one added there. Region II does not change."""
    doc = crear_diagnostico(m)
    cambia = _fila(doc, m.centro_region_i, "Tarapacá", m.centro_i)
    sale = _fila(doc, m.centro_region_i, "Fila que se elimina", m.centro_i)
    _fila(doc, m.centro_region_ii, "Antofagasta", m.centro_ii)
    workflow.enviar(documento=doc, actor=m.encargada)
    workflow.devolver(
        documento=doc,
        actor=m.jefe,
        version=1,
        observaciones=[{"texto": SECRETO, "campo": f"c1:{cambia.pk}:avance"}],
    )
    with actuando_como(m.centro_i):
        cambia.avance = "Tarapacá: avance de la mesa regional ampliada"
        cambia.save()
        sale_id = sale.pk
        sale.delete()
    sale.pk = sale_id  # what version 1's keys name it by
    nueva = _fila(doc, m.centro_region_i, "Fila nueva", m.centro_i)
    for obs in doc.observaciones.all():
        services.observacion_resolver(observacion=obs, actor=m.centro_i)
    workflow.enviar(documento=doc, actor=m.encargada)
    doc.refresh_from_db()
    return doc, cambia, sale, nueva


def _etiquetas(doc, numero) -> dict:
    definicion = etapas.de(doc.etapa)
    return {c: e for c, e, _ in definicion.aplanar(doc.versiones.get(numero=numero).contenido)}


CELDAS = ("avance", "mejora", "medidas", "objetivo")


def test_solo_cambios_contados_y_con_enlaces(client, mundo):
    doc, cambia, sale, nueva = _dos_versiones(mundo)
    v1, v2 = _etiquetas(doc, 1), _etiquetas(doc, 2)
    client.force_login(mundo.jefe)
    r = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]))  # default: 1 → 2
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        "Versión 1 → Versión 2: <strong>9 cambios: 4 agregados, 4 eliminados, 1 modificado" in html
    )
    filas = _filas(html)
    esperadas = {("cambiado", v2[f"c1:{cambia.pk}:avance"])}
    esperadas |= {("eliminado", v1[f"c1:{sale.pk}:{c}"]) for c in CELDAS}
    esperadas |= {("agregado", v2[f"c1:{nueva.pk}:{c}"]) for c in CELDAS}
    assert {(estado, etiqueta) for estado, _, etiqueta in filas} == esperadas
    assert len(filas) == 9
    # Each change has its anchor, and the index links to every one of them.
    anclas = [ancla for _, ancla, _ in filas]
    assert anclas == [f"cambio-{n}" for n in range(1, 10)]
    indice = re.search(r'<nav aria-labelledby="t-cambios".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="#(cambio-\d+)"', indice) == anclas
    # All nine are in region I's part of the Cuadro I N°1: one group, with its own anchor.
    assert "Cuadro I N°1 · región I</a> (9)" in indice
    assert 'id="grupo-cambio-1"' in html and 'href="#grupo-cambio-1"' in indice
    # The removed row stays in its region, next to the row it followed.
    assert [e for e, _, _ in filas][:5] == ["cambiado", *["eliminado"] * 4]
    # The changed words are marked; what did not change is not on the page.
    assert '<ins class="agregado"> ampliada</ins>' in html
    assert "Antofagasta" not in html and "Misión de prueba." not in html
    assert 'class="diferencia-igual"' not in html
    assert 'href="?a=1&amp;b=2&amp;todo=1">Mostrar también lo que no cambió</a>' in html
    # Review comments never appear on this page.
    assert SECRETO not in html


def test_mostrar_tambien_lo_que_no_cambio(client, mundo):
    doc, *_ = _dos_versiones(mundo)
    client.force_login(mundo.encargada)
    url = reverse("pmggt:documento_diferencias", args=[doc.pk])
    html = client.get(url, {"a": "1", "b": "2", "todo": "1"}).content.decode()
    filas = _filas(html)
    todas = etapas.de(doc.etapa).aplanar(doc.versiones.get(numero=2).contenido)
    # Every field of version 2, plus the four removed cells.
    assert len(filas) == len(todas) + 4
    assert sum(1 for e, _, _ in filas if e == "igual") == len(todas) - 5
    assert "Antofagasta: avance de la mesa regional" in html and "Misión de prueba." in html
    assert "9 cambios: 4 agregados, 4 eliminados, 1 modificado" in html
    assert 'href="?a=1&amp;b=2">Mostrar solo los cambios</a>' in html
    # The form keeps the choice when other versions are picked.
    assert '<input type="hidden" name="todo" value="1">' in html


def test_versiones_identicas_dicen_sin_cambios(client, mundo):
    doc, *_ = _dos_versiones(mundo)
    client.force_login(mundo.experta)
    url = reverse("pmggt:documento_diferencias", args=[doc.pk])
    r = client.get(url, {"a": "2", "b": "2"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Versión 2 → Versión 2: <strong>Sin cambios</strong>." in html
    assert "Las dos versiones son idénticas." in html
    assert _filas(html) == [] and "Ir a cada cambio" not in html
    # Everything, if asked for, as unchanged.
    filas = _filas(client.get(url, {"a": "2", "b": "2", "todo": "1"}).content.decode())
    assert filas and {e for e, _, _ in filas} == {"igual"}


def test_sin_versiones_lo_dice_y_que_hacer(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    r = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Aún no hay dos versiones que comparar" in html
    assert "todavía no tiene ninguna versión" in html and "al Jefe/a de Servicio" in html
    assert "<table" not in html and "cambios:" not in html
    # Nothing to pick either: no form, a way back.
    assert '<form method="get"' not in html
    assert f'<a href="{reverse("pmggt:documento", args=[doc.pk])}">Volver al documento</a>' in html


def test_sin_versiones_ofrece_la_version_visada_del_año_anterior(client, mundo):
    from tests.fabricas import CicloFactory

    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    nuevo = crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010), mision="Misión 2010")
    client.force_login(mundo.encargada)
    url = reverse("pmggt:documento_diferencias", args=[nuevo.pk])
    html = client.get(url).content.decode()
    assert "Aún no hay dos versiones que comparar" in html
    assert (
        'Ya puede <a href="?a=anterior&amp;b=actual">comparar con la versión visada de 2009' in html
    )
    html = client.get(url, {"a": "anterior", "b": "actual"}).content.decode()
    assert "Versión visada de 2009 → Contenido actual: <strong>1 cambio: 1 modificado" in html
    assert '<del class="eliminado">de prueba.</del>' in html


def test_una_version_lo_dice_y_compara_con_el_contenido_actual(client, mundo):
    doc = llevar_a(mundo, enviable(mundo, crear_diagnostico(mundo)), Estado.EN_REVISION_JEFE)
    client.force_login(mundo.jefe)
    r = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Aún no hay dos versiones que comparar: la versión 1 es la única guardada" in html
    assert "Versión 1 → Contenido actual: <strong>Sin cambios</strong>." in html


def test_parametros_invalidos_no_dan_500(client, mundo):
    doc, *_ = _dos_versiones(mundo)
    client.force_login(mundo.jefe)
    url = reverse("pmggt:documento_diferencias", args=[doc.pk])
    assert client.get(url, {"a": "9", "b": "2"}).status_code == 404
    assert client.get(url, {"a": "x", "b": "2"}).status_code == 404
    assert client.get(url, {"a": "anterior", "b": "2"}).status_code == 404  # no previous year
    assert client.get(url, {"a": "1", "b": "2", "todo": "<script>"}).status_code == 200


def _visado_dos_veces(m):
    """Visado as version 1, modified (both regions change) and visado again as version 2,
    with an Experto/a's observación in between."""
    doc = crear_diagnostico(m)
    fila_i = _fila(doc, m.centro_region_i, "Tarapacá", m.centro_i)
    fila_ii = _fila(doc, m.centro_region_ii, "Antofagasta", m.centro_ii)
    llevar_a(m, doc, Estado.VISADO)
    workflow.solicitar_modificacion(documento=doc, actor=m.encargada, comentario="Ajustes")
    with actuando_como(m.centro_i):
        fila_i.mejora = "Tarapacá: mejora nueva"
        fila_i.save()
    with actuando_como(m.centro_ii):
        fila_ii.mejora = "Antofagasta: mejora nueva"
        fila_ii.save()
    doc.refresh_from_db()
    llevar_a(m, doc, Estado.EN_VISACION)
    services.observacion_crear(
        documento=doc, autor=m.experta, texto=SECRETO, campo=f"c1:{fila_i.pk}:mejora"
    )
    doc.refresh_from_db()
    llevar_a(m, doc, Estado.VISADO)
    return doc


def test_gore_ve_solo_su_region_y_nunca_observaciones(client, mundo):
    doc = _visado_dos_veces(mundo)
    client.force_login(mundo.gore)  # GORE of region I
    url = reverse("pmggt:documento_diferencias", args=[doc.pk])
    for parametros in ({}, {"todo": "1"}):
        r = client.get(url, parametros)
        assert r.status_code == 200
        html = r.content.decode()
        assert "Versión 1 → Versión 2: <strong>1 cambio: 1 modificado</strong>" in html
        assert 'Tarapacá: mejora<ins class="agregado"> nueva</ins>' in html
        assert "Antofagasta" not in html and SECRETO not in html
    # Only visado versions; the draft is the visado one.
    assert client.get(url, {"a": "1", "b": "actual"}).status_code == 200
    assert client.get(url, {"a": "3", "b": "2"}).status_code == 403


def test_gore_con_una_sola_version_visada(client, mundo):
    doc = llevar_a(mundo, enviable(mundo, crear_diagnostico(mundo)), Estado.VISADO)
    client.force_login(mundo.gore)
    r = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Aún no hay dos versiones visadas que comparar: la versión 1 es la única visada" in html
    assert "<table" not in html


def _muchas_versiones(m, filas_por_region, ciclo):
    """Two versions of a Diagnóstico with this many rows per region, every avance changed."""
    doc = crear_diagnostico(m, ciclo=ciclo)
    filas = [
        _fila(doc, centro, f"Fila {i}", m.encargada)
        for centro in (m.centro_region_i, m.centro_region_ii)
        for i in range(filas_por_region)
    ]
    workflow.enviar(documento=doc, actor=m.encargada)
    workflow.devolver(
        documento=doc, actor=m.jefe, version=1, observaciones=[{"texto": "X", "campo": ""}]
    )
    with actuando_como(m.encargada):
        for fila in filas:
            fila.avance += " (corregido)"
            fila.save()
    for obs in doc.observaciones.all():
        services.observacion_resolver(observacion=obs, actor=m.encargada)
    workflow.enviar(documento=doc, actor=m.encargada)
    return doc


@pytest.mark.parametrize(
    "parametros", [{}, {"todo": "1"}, {"a": "1", "b": "actual"}, {"a": "2", "b": "2"}]
)
def test_consultas_constantes(client, mundo, django_assert_max_num_queries, parametros):
    from tests.fabricas import CicloFactory

    chico = _muchas_versiones(mundo, 1, CicloFactory(anio=2050))
    grande = _muchas_versiones(mundo, 20, CicloFactory(anio=2051))
    cuentas = []
    for persona in ("jefe", "centro_i"):
        client.force_login(getattr(mundo, persona))
        for doc in (chico, grande):
            url = reverse("pmggt:documento_diferencias", args=[doc.pk])
            client.get(url, parametros)  # warm-up
            with django_assert_max_num_queries(15) as capturadas:
                r = client.get(url, parametros)
            assert r.status_code == 200
            cuentas.append(len(capturadas))
        assert cuentas[-1] == cuentas[-2], persona
    html = r.content.decode()
    if not parametros:
        assert "40 cambios: 40 modificados" in html
