"""The document page's timeline (issue 9, item 8): the chain's transitions first, newest first,
then the observaciones and the content's edits grouped per person and section, instead of one
line per edit; the same number of queries with 4 or 30 edits. The detail of every edit stays on
the ediciones page."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from diagnostico.models import FilaCuadro1, ObjetivoEstrategico
from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento
from tests.conftest import crear_diagnostico

Estado = Documento.Estado

pytestmark = pytest.mark.django_db


def _sin_fecha(cuerpo: str) -> str:
    return re.sub(r'<div class="fecha">.*?</div>', "", cuerpo, flags=re.S)


def _eventos(html: str) -> list[tuple[str, str]]:
    """(class, visible text but the date) of each event of the page's timeline, in page order."""
    lista = re.search(
        r'<section class="bloque" aria-labelledby="t-linea">.*?<ol class="linea-tiempo">(.*?)</ol>',
        html,
        re.S,
    ).group(1)
    return [
        (clase, " ".join(re.sub(r"<[^>]+>", " ", _sin_fecha(cuerpo)).split()))
        for clase, cuerpo in re.findall(r'<li class="([^"]+)">(.*?)</li>', lista, re.S)
    ]


def _editar(m, doc, ediciones_encargada: int, ediciones_centro: int, inicio):
    """Edits spread over days: the Encargada's on the misión and objetivo 1, the Encargada de
    Centro I's on a row of her region's Cuadro I N°1."""
    diagnostico = doc.diagnostico
    objetivo = ObjetivoEstrategico.objects.get(diagnostico=diagnostico, numero=1)
    fila = None
    for i in range(max(ediciones_encargada, ediciones_centro)):
        with mock.patch("django.utils.timezone.now", return_value=inicio + timedelta(hours=i)):
            if i < ediciones_encargada:
                with actuando_como(m.encargada):
                    if i % 2:
                        objetivo.descripcion = f"Objetivo, redacción {i}"
                        objetivo.save()
                    else:
                        diagnostico.mision = f"Misión, redacción {i}"
                        diagnostico.save()
            if i < ediciones_centro:
                with actuando_como(m.centro_i):
                    if fila is None:
                        fila = FilaCuadro1.objects.create(
                            diagnostico=diagnostico, centro=m.centro_region_i, avance="Avance 0"
                        )
                    else:
                        fila.avance = f"Avance {i}"
                        fila.save()


def enviable(m, doc):
    """What the Guía requires before sending (diagnostico.envio): a Cuadro I N°1 row in each
    region, added by the Encargada where there is none."""
    with actuando_como(m.encargada):
        for centro in (m.centro_region_i, m.centro_region_ii):
            if not FilaCuadro1.objects.filter(diagnostico=doc.diagnostico, centro=centro).exists():
                FilaCuadro1.objects.create(
                    diagnostico=doc.diagnostico, centro=centro, avance="Fila mínima"
                )
    return doc


def _documento(m, ciclo, ediciones_encargada, ediciones_centro):
    """A Diagnóstico edited, sent, returned by the Jefe/a, corrected and sent again, approved:
    four transitions after its creation."""
    inicio = timezone.now() - timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=inicio - timedelta(hours=1)):
        doc = crear_diagnostico(m, ciclo=ciclo, cuadro1=False)
    _editar(m, doc, ediciones_encargada, ediciones_centro, inicio)
    with mock.patch("django.utils.timezone.now", return_value=inicio + timedelta(days=1)):
        enviable(m, doc)
    workflow.enviar(documento=doc, actor=m.encargada, comentario="Primer envío")
    workflow.devolver(
        documento=doc,
        actor=m.jefe,
        version=1,
        observaciones=[{"texto": "Precise la misión.", "campo": "mision"}],
    )
    services.observacion_resolver(observacion=doc.observaciones.get(), actor=m.encargada)
    workflow.enviar(documento=doc, actor=m.encargada, comentario="Corregido")
    workflow.aprobar(documento=doc, actor=m.jefe, version=2)
    doc.refresh_from_db()
    return doc


def test_transiciones_primero_y_ediciones_agrupadas(client, mundo):
    from tests.fabricas import CicloFactory

    doc = _documento(mundo, CicloFactory(anio=2040), 14, 16)  # 30 edits by two people
    client.force_login(mundo.experta)
    eventos = _eventos(client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode())
    clases = [c for c, _ in eventos]
    # Creation + 4 transitions, newest first, before anything else.
    assert clases[:5] == ["evento-transicion"] * 5
    assert "evento-transicion" not in clases[5:]
    frases = [t for _, t in eventos[:5]]
    esperadas = [
        "aprobó la versión 2 y la envió a SUBDERE",
        "envió la versión 2 al Jefe/a de Servicio",
        "devolvió la versión 1 con observaciones",
        "envió la versión 1 al Jefe/a de Servicio",
        "creó el documento",
    ]
    for frase, esperada in zip(frases, esperadas, strict=True):
        assert esperada in frase, (frase, esperada)
    # Then the grouped lines: one per person and section, not 30 lines.
    agrupadas = [t for c, t in eventos[5:] if c == "evento-ediciones"]
    # Transitions, the observación and its resolution, four edit groups (the Encargada's row
    # of region II, that makes the document sendable, is the fourth).
    assert len(eventos) == 5 + 2 + 4
    # The Encargada de Centro's 16 edits of her region's row (the first one created it).
    assert any(
        t.startswith("Centro editó 16 veces: Filas del Cuadro I N°1 · región I Entre el ")
        for t in agrupadas
    ), agrupadas
    # The Encargada's: 7 on the misión (plus crear_diagnostico's own), 7 on objetivo 1 (plus
    # its creation).
    assert any(t.startswith("Encargada editó 8 veces: Diagnóstico") for t in agrupadas), agrupadas
    assert any(
        t.startswith("Encargada editó 8 veces: Objetivos estratégicos") for t in agrupadas
    ), agrupadas
    # The observación the Jefe/a made when returning, with its text, and its resolution.
    observaciones = [t for c, t in eventos if c == "evento-observacion"]
    assert len(observaciones) == 1 and "Jefe observó" in observaciones[0]
    assert "Precise la misión." in observaciones[0]
    assert [t for c, t in eventos if c == "evento-resolucion"] == [
        "Encargada resolvió una observación Precise la misión."
    ]
    # The detail of every edit is still one click away: the 30, crear_diagnostico's two and
    # the row of region II.
    html = client.get(reverse("pmggt:documento_ediciones", args=[doc.pk])).content.decode()
    assert html.count('<li class="evento-edicion">') == 33


def test_observaciones_agrupadas_por_persona(client, mundo):
    doc = enviable(mundo, crear_diagnostico(mundo))
    workflow.enviar(documento=doc, actor=mundo.encargada)
    workflow.devolver(
        documento=doc,
        actor=mundo.jefe,
        version=1,
        observaciones=[{"texto": f"Observación {i}", "campo": ""} for i in range(5)],
    )
    for obs in doc.observaciones.all()[:3]:
        services.observacion_resolver(observacion=obs, actor=mundo.encargada)
    client.force_login(mundo.encargada)
    eventos = _eventos(client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode())
    textos = [t for c, t in eventos if c in ("evento-observacion", "evento-resolucion")]
    assert len(textos) == 2
    assert any(t.startswith("Encargada resolvió 3 observaciones") for t in textos), textos
    assert any(t.startswith("Jefe hizo 5 observaciones") for t in textos), textos


def test_documento_sin_ediciones_ni_transiciones_extra(client, mundo):
    """A new document: only its creation and the edits that gave it its misión."""
    doc = crear_diagnostico(mundo, cuadro1=False)
    client.force_login(mundo.encargada)
    eventos = _eventos(client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode())
    assert eventos[0][0] == "evento-transicion" and "creó el documento" in eventos[0][1]
    assert [c for c, _ in eventos[1:]] == ["evento-ediciones", "evento-ediciones"]


def test_el_texto_de_la_linea_se_escapa(client, mundo):
    usuario = mundo.centro_i
    usuario.first_name = "<b>Centro</b>"
    usuario.save()
    doc = crear_diagnostico(mundo)
    with actuando_como(usuario):
        FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=mundo.centro_region_i, avance="x"
        )
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "<b>Centro</b>" not in html
    assert (
        "<strong>&lt;b&gt;Centro&lt;/b&gt;</strong> editó una vez: Filas del Cuadro I N°1" in html
    )


def test_consultas_constantes_con_4_o_30_ediciones(client, mundo, django_assert_max_num_queries):
    from tests.fabricas import CicloFactory

    chico = _documento(mundo, CicloFactory(anio=2041), 2, 2)
    grande = _documento(mundo, CicloFactory(anio=2042), 14, 16)
    client.force_login(mundo.jefe)
    cuentas = []
    for doc in (chico, grande):
        url = reverse("pmggt:documento", args=[doc.pk])
        client.get(url)  # warm-up (content types)
        with django_assert_max_num_queries(15) as capturadas:
            assert client.get(url).status_code == 200
        cuentas.append(len(capturadas))
        # The grouped edits cost one query, whatever the number of history tables.
        historial = [
            q for q in capturadas if "UNION ALL" in q["sql"] and "history_user" in q["sql"]
        ]
        assert len(historial) == 1
    assert cuentas[0] == cuentas[1]


def test_gore_no_ve_la_linea_de_tiempo(client, mundo):
    from tests.conftest import llevar_a

    doc = llevar_a(mundo, enviable(mundo, crear_diagnostico(mundo)), Estado.VISADO)
    client.force_login(mundo.gore)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Línea de tiempo" not in html and "editó" not in html


def test_una_persona_en_varias_regiones_es_una_linea(client, mundo):
    """The Encargado/a GT edits the cuadros of every region: one line names them, not one line
    per region (the demo's MIDEPLAN has 15)."""
    doc = crear_diagnostico(mundo, cuadro1=False)
    with actuando_como(mundo.encargada):
        for centro in (mundo.centro_region_ii, mundo.centro_region_i, mundo.centro_region_i):
            FilaCuadro1.objects.create(diagnostico=doc.diagnostico, centro=centro, avance="A")
    client.force_login(mundo.jefe)
    eventos = _eventos(client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode())
    filas = [t for c, t in eventos if c == "evento-ediciones" and "Cuadro I N°1" in t]
    # North to south (the regions' order), whatever the order of the edits.
    assert filas == ["Encargada editó 3 veces: Filas del Cuadro I N°1 · regiones I y II"]
