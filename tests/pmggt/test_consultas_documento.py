"""The document's core pages cost the same number of queries (≤ 15, session and permissions
included) whatever the size of the document, its observaciones and its history.

Two documents of Servicio A in the same state: a small one (2 rows, 1 observación) and a big one
(40 rows in two regions, 50 open and 10 resolved observaciones, several versions). Every persona
who may read them gets each page in exactly as many queries for both.
"""

import pytest
from django.urls import reverse

from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, Observacion
from tests.conftest import crear_diagnostico, llevar_a, mundo_compartido

Estado = Documento.Estado
MAXIMO = 15
PERSONAS = ["encargada", "centro_i", "jefe", "experta", "admin"]


def _contenido(m, doc, filas_por_region):
    from diagnostico.models import Cliente, FilaCuadro1, ProductoEstrategico

    with actuando_como(m.encargada):
        d = doc.diagnostico
        productos = [
            ProductoEstrategico.objects.create(
                diagnostico=d, numero=str(n), nombre=f"Producto {n}", aplica_pt="aplica"
            )
            for n in range(1, 4)
        ]
        Cliente.objects.create(diagnostico=d, numero=1, nombre="Ciudadanía")
        filas = []
        for centro in (m.centro_region_i, m.centro_region_ii):
            for i in range(filas_por_region):
                fila = FilaCuadro1.objects.create(
                    diagnostico=d, centro=centro, causales="diseno", avance=f"Avance {i}"
                )
                fila.productos.set(productos[: 1 + i % 3])
                filas.append(fila)
    return filas


def _documento(m, ciclo, filas_por_region, abiertas, resueltas, estado):
    doc = crear_diagnostico(m, ciclo=ciclo)
    filas = _contenido(m, doc, filas_por_region)
    # A return with observaciones, resolved, then sent again: versions and history.
    workflow.enviar(documento=doc, actor=m.encargada, comentario="Primer envío")
    workflow.devolver(
        documento=doc,
        actor=m.jefe,
        version=1,
        observaciones=[{"texto": f"Resuelta {i}", "campo": "mision"} for i in range(resueltas)]
        or [{"texto": "Una", "campo": ""}],
    )
    for obs in doc.observaciones.all():
        services.observacion_resolver(observacion=obs, actor=m.encargada)
    doc.refresh_from_db()
    llevar_a(m, doc, Estado.EN_VISACION)
    for i in range(abiertas):
        fila = filas[i % len(filas)]
        Observacion.objects.create(
            documento=doc,
            version=doc.version_actual,
            autor=m.experta,
            texto=f"Abierta {i}",
            campo=f"c1:{fila.pk}:avance",
        )
    if estado == Estado.BORRADOR:
        workflow.devolver(
            documento=doc,
            actor=m.experta,
            version=doc.version_actual,
            observaciones=[{"texto": "Revise los avances", "campo": ""}],
        )
    elif estado == Estado.VISADO:
        llevar_a(m, doc, Estado.VISADO)
    doc.refresh_from_db()
    return doc


def construir_documentos():
    from tests.conftest import construir_mundo
    from tests.fabricas import CicloFactory

    m = construir_mundo()
    m.docs = {}
    for estado in (Estado.BORRADOR, Estado.EN_VISACION, Estado.VISADO):
        chico_ciclo = CicloFactory(anio=2030 + len(m.docs) * 2)
        grande_ciclo = CicloFactory(anio=2031 + len(m.docs) * 2)
        m.docs[estado] = (
            _documento(m, chico_ciclo, 1, 1, 1, estado),
            _documento(m, grande_ciclo, 20, 50, 10, estado),
        )
    return m


documentos = mundo_compartido(construir_documentos)


def _contar(client, url, django_assert_max_num_queries, maximo=MAXIMO):
    client.get(url)  # warm-up (content types)
    with django_assert_max_num_queries(maximo) as capturadas:
        respuesta = client.get(url)
    assert respuesta.status_code == 200, url
    return len(capturadas), respuesta


PAGINAS = {
    "documento": lambda d: reverse("pmggt:documento", args=[d.pk]),
    "diferencias": lambda d: reverse("pmggt:documento_diferencias", args=[d.pk]),
    "version": lambda d: reverse("pmggt:documento_version", args=[d.pk, 1]),
    "ediciones": lambda d: reverse("pmggt:documento_ediciones", args=[d.pk]),
}


@pytest.mark.parametrize("estado", [Estado.BORRADOR, Estado.EN_VISACION, Estado.VISADO])
@pytest.mark.parametrize("pagina", list(PAGINAS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_paginas_del_documento_en_consultas_constantes(
    client, documentos, django_assert_max_num_queries, estado, pagina, persona
):
    chico, grande = documentos.docs[estado]
    client.force_login(getattr(documentos, persona))
    n_chico, _ = _contar(client, PAGINAS[pagina](chico), django_assert_max_num_queries)
    n_grande, _ = _contar(client, PAGINAS[pagina](grande), django_assert_max_num_queries)
    assert n_chico == n_grande


def test_campos_del_selector_en_consultas_constantes(
    client, documentos, django_assert_max_num_queries
):
    estado, persona = Estado.EN_VISACION, "experta"
    chico, grande = documentos.docs[estado]
    client.force_login(getattr(documentos, persona))
    url = lambda d: reverse("pmggt:documento_campos", args=[d.pk])  # noqa: E731
    n_chico, r_chico = _contar(client, url(chico), django_assert_max_num_queries)
    n_grande, r_grande = _contar(client, url(grande), django_assert_max_num_queries)
    assert n_chico == n_grande
    assert r_grande.content.decode().count("<option") > r_chico.content.decode().count("<option")


def test_la_pagina_no_lleva_las_opciones_de_campos(client, documentos):
    """The field pickers carry the general choice only; the rest loads on demand."""
    _chico, grande = documentos.docs[Estado.EN_VISACION]
    client.force_login(documentos.experta)
    html = client.get(reverse("pmggt:documento", args=[grande.pk])).content.decode()
    url = reverse("pmggt:documento_campos", args=[grande.pk])
    assert f'hx-get="{url}?seleccionado="' in html
    assert 'value="c1:' not in html.split('id="t-acciones"')[1]
    opciones = client.get(url + "?seleccionado=mision").content.decode()
    assert '<option value="mision" selected>' in opciones
    assert opciones.count("<option") > 40


@pytest.mark.parametrize(
    "persona,esperado",
    [
        ("experta", 200),
        ("jefe", 403),  # observes only while reviewing
        ("encargada", 403),
        ("gore", 403),
        ("intruso", 404),
        ("experta_ajena", 404),
    ],
)
def test_permisos_de_los_campos(client, documentos, persona, esperado):
    _chico, grande = documentos.docs[Estado.EN_VISACION]
    client.force_login(getattr(documentos, persona))
    r = client.get(reverse("pmggt:documento_campos", args=[grande.pk]))
    assert r.status_code == esperado


@pytest.mark.parametrize(
    "persona,esperado",
    [
        ("encargada", 200),
        ("centro_i", 200),
        ("jefe", 200),
        ("experta", 200),
        ("admin", 200),
        ("gore", 403),  # the timeline is the Servicio's and SUBDERE's
        ("intruso", 404),
        ("gore_ajeno", 404),
    ],
)
def test_permisos_de_las_ediciones(client, documentos, persona, esperado):
    _chico, grande = documentos.docs[Estado.VISADO]
    client.force_login(getattr(documentos, persona))
    r = client.get(reverse("pmggt:documento_ediciones", args=[grande.pk]))
    assert r.status_code == esperado
    if esperado == 200:
        assert "editó" in r.content.decode() or "creó" in r.content.decode()


def test_anonimo_va_al_ingreso(client, documentos):
    _chico, grande = documentos.docs[Estado.VISADO]
    for nombre in ("documento_ediciones", "documento_campos"):
        r = client.get(reverse(f"pmggt:{nombre}", args=[grande.pk]))
        assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


def test_ediciones_por_pagina_y_en_htmx(client, documentos, monkeypatch):
    from pmggt import views

    monkeypatch.setattr(views, "EDICIONES_POR_PAGINA", 5)
    _chico, grande = documentos.docs[Estado.VISADO]
    client.force_login(documentos.encargada)
    url = reverse("pmggt:documento_ediciones", args=[grande.pk])
    completa = client.get(url).content.decode()
    assert "<h1" in completa and "Página 1 de" in completa
    assert completa.count('<li class="evento-edicion">') == 5
    segunda = client.get(url + "?pagina=2").content.decode()
    assert "Página 2 de" in segunda and "Más recientes" in segunda
    parcial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1" not in parcial and "Ediciones del contenido" in parcial
    documento = client.get(reverse("pmggt:documento", args=[grande.pk])).content.decode()
    assert f'hx-get="{url}"' in documento
