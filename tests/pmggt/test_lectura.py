"""What a reader outside the Servicio (a GORE) may see: one rule, applied to every view.

Only visado versions, only its region, never an observación, a return comment, a transition
comment or a draft; and it keeps reading the last visado version while a modification is in
progress.
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento
from tests.conftest import crear_diagnostico, llevar_a

Estado = Documento.Estado

SECRETOS = [
    "Observación interna de Tarapacá",  # pinned by the Experta on a región I cell
    "Observación interna de Antofagasta",  # on a región II cell
    "Comentario de devolución del Jefe",  # a return's observación
    "Comentario al enviar",  # a transition comment
    "Texto de Antofagasta",  # another region's content
    "Borrador nuevo de la misión",  # the draft of a modification in progress
]


def _producto(doc):
    from diagnostico.models import ProductoEstrategico

    with actuando_como(doc.creado_por):
        return ProductoEstrategico.objects.create(
            diagnostico=doc.diagnostico, numero="1", nombre="Producto uno", aplica_pt="aplica"
        )


def _fila(doc, centro, producto, avance):
    from diagnostico.models import FilaCuadro1

    with actuando_como(doc.creado_por):
        fila = FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=centro, causales="diseno", avance=avance
        )
        fila.productos.set([producto])
    return fila


@pytest.fixture
def visado_con_revision(mundo):
    """A Diagnóstico returned once (with comments) and visado with cell observaciones open,
    then reopened by a modification whose draft changes the misión."""
    m = mundo
    doc = crear_diagnostico(m, mision="Misión visada de prueba.")
    producto = _producto(doc)
    fila_i = _fila(doc, m.centro_region_i, producto, "Texto de Tarapacá")
    fila_ii = _fila(doc, m.centro_region_ii, producto, "Texto de Antofagasta")
    workflow.enviar(documento=doc, actor=m.encargada, comentario="Comentario al enviar")
    workflow.devolver(
        documento=doc,
        actor=m.jefe,
        version=1,
        observaciones=[{"texto": "Comentario de devolución del Jefe", "campo": "mision"}],
    )
    for obs in doc.observaciones.all():
        services.observacion_resolver(observacion=obs, actor=m.encargada)
    llevar_a(m, doc, Estado.EN_VISACION)
    for fila, texto in ((fila_i, "Tarapacá"), (fila_ii, "Antofagasta")):
        services.observacion_crear(
            documento=doc,
            autor=m.experta,
            texto=f"Observación interna de {texto}",
            campo=f"c1:{fila.pk}:avance",
        )
    llevar_a(m, doc, Estado.VISADO)
    return doc


def _paginas(doc, version=2):
    return [
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("pmggt:documento_version", args=[doc.pk, version]),
        reverse("pmggt:documento_diferencias", args=[doc.pk]),
        reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
    ]


def _modificar(m, doc):
    workflow.solicitar_modificacion(
        documento=doc, actor=m.encargada, comentario="Comentario de modificación interno"
    )
    diagnostico = doc.diagnostico
    diagnostico.refresh_from_db()
    diagnostico.mision = "Borrador nuevo de la misión"
    with actuando_como(m.encargada):
        diagnostico.save()


@pytest.mark.parametrize("en_modificacion", [False, True])
def test_gore_no_ve_nada_interno_en_ninguna_vista(
    client, mundo, visado_con_revision, en_modificacion
):
    doc = visado_con_revision
    if en_modificacion:
        _modificar(mundo, doc)
    client.force_login(mundo.gore)  # GORE of region I
    for url in _paginas(doc):
        respuesta = client.get(url)
        assert respuesta.status_code == 200, url
        html = respuesta.content.decode()
        for secreto in [*SECRETOS, "Comentario de modificación interno"]:
            assert secreto not in html, (url, secreto)
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert "Texto de Tarapacá" in html
    documento_html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Misión visada de prueba." in documento_html
    assert "Observar" not in documento_html and "Línea de tiempo" not in documento_html
    if en_modificacion:
        assert "nueva versión" in documento_html
    # Downloads: the visado version of its region only, never BORRADOR.
    from tests.diagnostico.test_informes import plano, texto_pdf

    pdf = client.get(reverse("diagnostico:pdf", args=[doc.pk, "cuadro1"]) + "?region=I")
    assert pdf.status_code == 200
    texto = plano(texto_pdf(pdf.content))
    assert "Texto de Tarapacá" in texto
    for secreto in SECRETOS:
        assert secreto not in texto
    assert "BORRADOR" not in texto
    xlsx = client.get(reverse("diagnostico:excel_exportar", args=[doc.pk]) + "?region=I")
    assert xlsx.status_code == 200
    libro = load_workbook(io.BytesIO(xlsx.content))
    celdas = " ".join(
        str(c) for ws in libro.worksheets for fila in ws.iter_rows(values_only=True) for c in fila
    )
    assert "Texto de Tarapacá" in celdas
    for secreto in SECRETOS:
        assert secreto not in celdas
    # The other region's part and the whole informe stay refused.
    assert client.get(reverse("diagnostico:cuadro", args=[doc.pk, "II"])).status_code == 403
    url_etapa1 = reverse("diagnostico:pdf", args=[doc.pk, "etapa1"])
    assert client.get(url_etapa1).status_code == 403


def test_gore_solo_abre_versiones_visadas(client, mundo, visado_con_revision):
    doc = visado_con_revision  # v1 was returned, v2 visado
    client.force_login(mundo.gore)
    assert client.get(reverse("pmggt:documento_version", args=[doc.pk, 1])).status_code == 403
    assert client.get(reverse("pmggt:documento_version", args=[doc.pk, 2])).status_code == 200
    diferencias = reverse("pmggt:documento_diferencias", args=[doc.pk])
    assert client.get(diferencias + "?a=1&b=2").status_code == 403
    # A new version under review (not visado) is not readable either, nor its draft.
    _modificar(mundo, doc)
    for obs in doc.observaciones.filter(resuelta=False):
        services.observacion_resolver(observacion=obs, actor=mundo.encargada)
    doc.refresh_from_db()
    llevar_a(mundo, doc, Estado.EN_REVISION_JEFE)
    assert doc.version_actual == 3
    assert client.get(reverse("pmggt:documento_version", args=[doc.pk, 3])).status_code == 403
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Misión visada de prueba." in html and "Borrador nuevo de la misión" not in html
    # The Servicio's people read everything.
    client.force_login(mundo.jefe)
    assert client.get(reverse("pmggt:documento_version", args=[doc.pk, 1])).status_code == 200
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Observación interna de Antofagasta" in html  # resolved, still listed
    assert "Comentario de devolución del Jefe" in html


def test_gore_no_lee_antes_del_primer_visado(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    client.force_login(mundo.gore)
    for url in _paginas(doc, version=1):
        assert client.get(url).status_code == 403, url
    assert (
        client.get(reverse("diagnostico:pdf", args=[doc.pk, "cuadro1"]) + "?region=I").status_code
        == 403
    )


def test_las_listas_del_gore_no_cuentan_observaciones(client, mundo, visado_con_revision):
    doc = visado_con_revision  # two observaciones still open
    client.force_login(mundo.gore)
    for url in (reverse("pmggt:documento_lista"), reverse("pmggt:mis_pendientes")):
        html = client.get(url).content.decode()
        assert reverse("pmggt:documento", args=[doc.pk]) in html
        assert "badge-danger" not in html, url
    client.force_login(mundo.encargada)
    assert "badge-danger" in client.get(reverse("pmggt:documento_lista")).content.decode()


def _consultas(client, url, django_assert_max_num_queries, maximo):
    client.get(url)  # warm-up: content types and permission caches
    with django_assert_max_num_queries(maximo) as capturadas:
        assert client.get(url).status_code == 200
    return len(capturadas)


@pytest.mark.parametrize("vista", ["documento", "cuadro", "informe"])
def test_paginas_del_gore_en_consultas_constantes(
    client, mundo, visado_con_revision, django_assert_max_num_queries, vista
):
    """The same number of queries with 2 and with 42 observaciones and cuadro rows."""
    doc = visado_con_revision
    urls = {
        "documento": reverse("pmggt:documento", args=[doc.pk]),
        "cuadro": reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
        "informe": reverse("pmggt:informe", args=[doc.pk, "cuadros"]) + "?region=I",
    }
    client.force_login(mundo.gore)
    antes = _consultas(client, urls[vista], django_assert_max_num_queries, 20)
    # More rows and observaciones in the next visado version.
    _modificar(mundo, doc)
    producto = doc.diagnostico.productos.get()
    for i in range(20):
        fila = _fila(doc, mundo.centro_region_i, producto, f"Avance {i}")
        services.observacion_crear(
            documento=doc, autor=mundo.experta, texto=f"Nota {i}", campo=f"c1:{fila.pk}:avance"
        )
        _fila(doc, mundo.centro_region_ii, producto, f"Avance II {i}")
    for obs in doc.observaciones.filter(resuelta=False):
        services.observacion_resolver(observacion=obs, actor=mundo.encargada)
    doc.refresh_from_db()
    llevar_a(mundo, doc, Estado.VISADO)
    for i in range(20):
        Observacion = doc.observaciones.model
        Observacion.objects.create(documento=doc, version=3, autor=mundo.experta, texto=f"N{i}")
    despues = _consultas(client, urls[vista], django_assert_max_num_queries, 20)
    assert despues == antes
