"""Versions frozen before Cuadro I N°1 rows had several causales and their own column (1) text.

Such a version's content has one ``"causal"`` per row and no ``"producto_texto"``; its hash is the
official record, so the stored JSON is never rewritten: every reader (pages, diff, PDF, Excel, the
next year's update) reads it as a row with that one causal and no text of its own.
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diagnostico import contenido as contenido_mod
from diagnostico.models import Diagnostico, FilaCuadro1, ProductoEstrategico
from pmggt import etapas
from pmggt.historia import actuando_como
from pmggt.models import Documento, VersionDocumento
from tests.conftest import crear_diagnostico, llevar_a

Estado = Documento.Estado


def _al_formato_antiguo(contenido: dict) -> dict:
    for fila in contenido["cuadro1"]:
        causales = fila.pop("causales")
        fila.pop("producto_texto")
        fila["causal"] = causales[0] if causales else "diseno"
    return contenido


@pytest.fixture
def visado_antiguo(mundo):
    """A visado Diagnóstico whose visado version was frozen in the old shape (its sha256 is
    recomputed over that old content, as it was when it was sent)."""
    m = mundo
    doc = crear_diagnostico(m, cuadro1=False)
    with actuando_como(m.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=doc.diagnostico, numero="1", nombre="Producto antiguo", aplica_pt="aplica"
        )
        for centro, texto in ((m.centro_region_i, "Avance de Tarapacá"), (m.centro_region_ii, "")):
            fila = FilaCuadro1.objects.create(
                diagnostico=doc.diagnostico,
                centro=centro,
                causales="coordinacion",
                avance=texto or "Avance de Antofagasta",
                mejora="Mejora",
                medidas="Medidas",
                objetivo="Objetivo",
            )
            fila.productos.set([producto])
    llevar_a(m, doc, Estado.VISADO)
    version = VersionDocumento.objects.get(documento=doc, numero=doc.version_actual)
    antiguo = _al_formato_antiguo(version.contenido)
    VersionDocumento.objects.filter(pk=version.pk).update(
        contenido=antiguo, sha256=etapas.sha256(antiguo)
    )
    return doc


def test_causales_de_lee_el_formato_antiguo_y_el_nuevo():
    assert contenido_mod.causales_de({"causal": "acceso"}) == ["acceso"]
    assert contenido_mod.causales_de({"causal": ""}) == []
    assert contenido_mod.causales_de({"causales": ["diseno", "acceso"]}) == ["diseno", "acceso"]
    assert contenido_mod.causales_de({"causales": []}) == []


def test_encabezado_de_causal_una_vez_por_grupo():
    filas = [
        {"causales": ["diseno"]},
        {"causales": ["diseno"]},
        {"causal": "diseno"},  # an old row in the same run
        {"causales": []},
        {"causales": ["coordinacion", "acceso"]},
        {"causales": ["coordinacion", "acceso"]},
        {"causales": ["diseno"]},
    ]
    encabezados = contenido_mod.encabezados_causal(filas)
    assert encabezados == [
        "Asociados al diseño y/o características del producto",
        "",
        "",
        "",
        "En materia de coordinación y/o complementariedad · Asociados a la reducción de "
        "inequidad territorial en el acceso a productos",
        "",
        "Asociados al diseño y/o características del producto",
    ]
    # A row of several causales whose cell (2) writes a sub-heading for each prints no heading.
    propias = [
        {
            "causales": ["diseno", "coordinacion"],
            "avance": "Asociado al diseño y/o características del producto: No aplica.\n"
            "En materia de coordinación y/o complementariedad: Redes comunales.",
        },
        {"causales": ["diseno", "coordinacion"], "avance": "Sin subtítulos."},
        {"causales": ["diseno"], "avance": "Asociado al diseño: texto."},
    ]
    assert contenido_mod.encabezados_causal(propias) == [
        "",
        "",
        "Asociados al diseño y/o características del producto",
    ]


def test_el_hash_de_la_version_antigua_sigue_valiendo(visado_antiguo):
    version = VersionDocumento.objects.get(documento=visado_antiguo, numero=1)
    assert "causal" in version.contenido["cuadro1"][0]
    assert version.sha256 == etapas.sha256(version.contenido)


def test_paginas_de_la_version_antigua(client, mundo, visado_antiguo):
    doc = visado_antiguo
    causal = "En materia de coordinación y/o complementariedad"
    for persona in (mundo.encargada, mundo.experta, mundo.gore):
        client.force_login(persona)
        for url in (
            reverse("pmggt:documento", args=[doc.pk]),
            reverse("pmggt:documento_version", args=[doc.pk, 1]),
            reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
        ):
            respuesta = client.get(url)
            assert respuesta.status_code == 200, (persona, url)
        html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
        assert "Avance de Tarapacá" in html and causal in html, persona


def test_diferencias_con_la_version_antigua(client, mundo, visado_antiguo):
    doc = visado_antiguo
    client.force_login(mundo.encargada)
    respuesta = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]) + "?a=1&b=actual")
    assert respuesta.status_code == 200
    # Same content read both ways: the old row's label carries its causal.
    filas = dict((k, e) for k, e, _t in contenido_mod.aplanar(doc_contenido(doc)))
    assert any("coordinación" in e for k, e in filas.items() if k.startswith("c1:"))


def doc_contenido(doc):
    return VersionDocumento.objects.get(documento=doc, numero=1).contenido


def test_excel_y_pdf_de_la_version_antigua(client, mundo, visado_antiguo):
    doc = visado_antiguo
    client.force_login(mundo.experta)
    xlsx = client.get(reverse("diagnostico:excel_exportar", args=[doc.pk]))
    assert xlsx.status_code == 200
    libro = load_workbook(io.BytesIO(xlsx.content))
    celdas = [
        str(c) for ws in libro.worksheets for fila in ws.iter_rows(values_only=True) for c in fila
    ]
    assert "Avance de Tarapacá" in celdas
    assert any("coordinación" in c for c in celdas)
    from diagnostico import informes

    datos = informes.datos_informe(doc)
    secciones = informes.secciones_region(datos, "I")
    assert secciones[0]["cuadro1"], "the old row is printed"
    html = str(informes.INFORMES[0].construir(doc, "I", None))
    assert "Avance de Tarapacá" in html and "coordinación" in html


def test_actualizar_desde_una_version_antigua(mundo, visado_antiguo):
    """Next year's Diagnóstico starts from the old visado version: the rows keep their causal."""
    from diagnostico import actualizacion

    doc = visado_antiguo
    mundo.ciclo.__class__.objects.get_or_create(anio=mundo.ciclo.anio + 1)
    nuevo = actualizacion.diagnostico_actualizar(documento=doc, actor=mundo.encargada)
    diagnostico = Diagnostico.objects.get(documento=nuevo)
    filas = list(diagnostico.filas_cuadro1.all())
    assert len(filas) == 2
    assert {f.causales for f in filas} == {"coordinacion"}
    assert {f.producto_texto for f in filas} == {""}
