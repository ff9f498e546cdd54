"""The returned-document banner (issue 9, item 6): «Devuelto por … el … con N observaciones»,
with a link to each observación where it is shown, on the document page and on the cuadro
pages; only while the document is in Borrador after a return; never for a GORE.

The world: Servicio A's Diagnóstico sent, observed by the Jefe/a on a cell of each region
during the review, then returned with an observación on the misión and a general one.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pmggt import services, workflow
from pmggt.models import Documento, Observacion, Transicion
from tests.conftest import crear_diagnostico, llevar_a, mundo_compartido

Estado = Documento.Estado


def _fila(documento, codigo):
    return documento.diagnostico.filas_cuadro1.get(centro__region__codigo=codigo)


def _devolver(m, documento, actor, *, extra=()):
    """Pin an observación on a cell of each region, then return with two more."""
    for codigo in ("I", "II"):
        services.observacion_crear(
            documento=documento,
            autor=actor,
            texto=f"Precise el avance de la región {codigo}.",
            campo=f"c1:{_fila(documento, codigo).pk}:avance",
        )
    return workflow.devolver(
        documento=documento,
        actor=actor,
        version=documento.version_actual,
        comentario="Faltan precisiones en la misión y en los cuadros.",
        observaciones=[
            {"texto": "La misión no nombra el territorio.", "campo": "mision"},
            {"texto": "Revise la redacción general.", "campo": ""},
            *extra,
        ],
    )


def construir_devuelto():
    from tests.conftest import construir_mundo

    m = construir_mundo()
    m.documento = llevar_a(m, crear_diagnostico(m), Estado.EN_REVISION_JEFE)
    m.devolucion = _devolver(m, m.documento, m.jefe)
    m.documento.refresh_from_db()
    return m


devuelto = mundo_compartido(construir_devuelto)


def _banner(html: str) -> str:
    encontrado = re.search(r'<section class="aviso-devuelto.*?</section>', html, re.S)
    return encontrado.group(0) if encontrado else ""


def _texto(fragmento: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragmento).split())


def _enlaces(banner: str) -> dict:
    """{text of the link: href} of the banner's observaciones."""
    return {
        _texto(texto): href
        for href, texto in re.findall(r'<li><a href="([^"]+)">(.*?)</a>', banner, re.S)
    }


def _obs(documento, campo_empieza):
    return Observacion.objects.get(documento=documento, campo__startswith=campo_empieza)


def _fecha(transicion) -> str:
    return timezone.localtime(transicion.fecha).strftime("%d-%m-%Y %H:%M")


def test_la_encargada_gt_ve_todas_con_su_enlace(client, devuelto):
    m = devuelto
    doc = m.documento
    client.force_login(m.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    banner = _banner(html)
    assert _texto(banner).startswith(
        f"Devuelto por Jefe (Jefe/a de Servicio) el {_fecha(m.devolucion)} con 4 observaciones"
    )
    assert "Faltan precisiones en la misión y en los cuadros." in banner
    # The banner comes before the content and the Acciones panel.
    assert html.index("aviso-devuelto") < html.index('id="t-acciones"')
    assert html.index("aviso-devuelto") < html.index('id="campo-mision"')
    url = reverse("pmggt:documento", args=[doc.pk])
    mision, general = _obs(doc, "mision"), Observacion.objects.get(documento=doc, campo="")
    celda_i, celda_ii = (_obs(doc, f"c1:{_fila(doc, c).pk}:") for c in ("I", "II"))
    enlaces = _enlaces(banner)
    assert enlaces == {
        "Misión institucional": f"{url}#observacion-{mision.pk}",
        "El documento en general": f"{url}#observacion-{general.pk}",
        **{
            etiqueta: href
            for etiqueta, href in enlaces.items()
            if etiqueta.startswith("Cuadro I N°1")
        },
    }
    hrefs = set(enlaces.values())
    cuadro = "/diagnostico/{}/cuadros/{}/#observacion-{}"
    assert cuadro.format(doc.pk, "I", celda_i.pk) in hrefs
    assert cuadro.format(doc.pk, "II", celda_ii.pk) in hrefs
    # Each anchor is where the observación is shown: the misión's in its place on this page.
    assert f'id="observacion-{mision.pk}"' in html
    cuadro_i = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert f'id="observacion-{celda_i.pk}"' in cuadro_i


def test_la_encargada_de_centro_cuenta_su_region_y_las_generales(client, devuelto):
    m = devuelto
    doc = m.documento
    client.force_login(m.centro_i)
    for url in (
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
        reverse("diagnostico:cuadro", args=[doc.pk, "II"]),  # she reads the other regions too
    ):
        banner = _banner(client.get(url).content.decode())
        texto = _texto(banner)
        assert f"el {_fecha(m.devolucion)} con 2 observaciones" in texto, url
        assert "Se cuentan las observaciones de su parte (región I)" in texto
        assert "la devolución tiene 4 en total" in texto
        assert "Precise el avance de la región I." in texto
        assert "Revise la redacción general." in texto
        assert "región II." not in texto and "La misión no nombra" not in texto


def test_en_la_pagina_del_cuadro_la_encargada_gt_ve_todas(client, devuelto):
    m = devuelto
    doc = m.documento
    client.force_login(m.encargada)
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "II"])).content.decode()
    banner = _banner(html)
    assert "con 4 observaciones" in _texto(banner)
    # Between the heading and the cuadros.
    assert html.index("<h1") < html.index("aviso-devuelto") < html.index('id="cuadro1"')
    enlaces = _enlaces(banner)
    celda_ii = _obs(doc, f"c1:{_fila(doc, 'II').pk}:")
    url_doc = reverse("pmggt:documento", args=[doc.pk])
    celda = enlaces["Celda de los cuadros · región II"]
    assert celda == f"/diagnostico/{doc.pk}/cuadros/II/#observacion-{celda_ii.pk}"
    assert enlaces["Definiciones del Servicio"].startswith(f"{url_doc}#observacion-")
    assert enlaces["El documento en general"].startswith(f"{url_doc}#observacion-")


@pytest.mark.parametrize("persona", ["jefe", "experta", "admin"])
def test_quienes_revisan_ven_el_aviso_completo(client, devuelto, persona):
    m = devuelto
    client.force_login(getattr(m, persona))
    html = client.get(reverse("pmggt:documento", args=[m.documento.pk])).content.decode()
    assert "con 4 observaciones" in _texto(_banner(html))


def test_resueltas_se_marcan_y_el_aviso_desaparece_al_enviar(client, devuelto):
    m = devuelto
    doc = m.documento
    primera = Observacion.objects.get(documento=doc, campo="mision")
    services.observacion_resolver(observacion=primera, actor=m.encargada)
    client.force_login(m.encargada)
    url = reverse("pmggt:documento", args=[doc.pk])
    banner = _banner(client.get(url).content.decode())
    assert "1 ya resuelta." in _texto(banner)
    assert "Misión institucional</a>: La misión no nombra el territorio. " in banner
    assert '<span class="badge badge-light">resuelta</span>' in banner
    for obs in doc.observaciones.filter(resuelta=False):
        services.observacion_resolver(observacion=obs, actor=m.encargada)
    r = client.post(reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]))
    assert r.status_code == 302
    assert Documento.objects.get(pk=doc.pk).estado == Estado.EN_REVISION_JEFE
    assert _banner(client.get(url).content.decode()) == ""
    cuadro = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert _banner(cuadro) == ""


def test_devuelto_por_subdere(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    workflow.devolver(
        documento=doc,
        actor=mundo.experta,
        version=1,
        observaciones=[{"texto": "Falta el objetivo territorial.", "campo": "objetivo:1"}],
    )
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    banner = _banner(html)
    assert "Devuelto por Experta (Experto/a SUBDERE)" in banner
    assert "con 1 observación La versión 1 volvió a Borrador." in _texto(banner)
    assert "Objetivo estratégico 1</a>: Falta el objetivo territorial." in banner


def test_sin_aviso_sin_devolucion_ni_despues_de_una_modificacion(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    url = reverse("pmggt:documento", args=[doc.pk])
    assert _banner(client.get(url).content.decode()) == ""
    llevar_a(mundo, doc, Estado.VISADO)
    workflow.solicitar_modificacion(
        documento=Documento.objects.get(pk=doc.pk), actor=mundo.encargada, comentario="Ajustar"
    )
    assert _banner(client.get(url).content.decode()) == ""


def test_el_texto_del_aviso_se_escapa(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    workflow.devolver(
        documento=doc,
        actor=mundo.jefe,
        version=1,
        comentario="<b>comentario</b>",
        observaciones=[{"texto": '<script>alert("x")</script>', "campo": ""}],
    )
    client.force_login(mundo.encargada)
    banner = _banner(client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode())
    assert "<script>alert" not in banner and "<b>comentario" not in banner
    assert "&lt;script&gt;" in banner and "&lt;b&gt;comentario" in banner


def _devuelto_tras_visar(m):
    """Visado, reopened and returned again: the GORE reads the visado version meanwhile."""
    doc = llevar_a(m, crear_diagnostico(m), Estado.VISADO)
    workflow.solicitar_modificacion(documento=doc, actor=m.encargada, comentario="Ajustar")
    doc.refresh_from_db()
    workflow.enviar(documento=doc, actor=m.encargada)
    doc.refresh_from_db()
    _devolver(m, doc, m.jefe)
    doc.refresh_from_db()
    return doc


def test_el_gore_no_ve_nada_del_aviso(client, mundo):
    doc = _devuelto_tras_visar(mundo)
    assert doc.estado == Estado.BORRADOR and doc.version_visada == 1
    client.force_login(mundo.gore)
    for url in (
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert "aviso-devuelto" not in html and "Devuelto por" not in html
        for texto in ("Precise el avance", "La misión no nombra", "Faltan precisiones"):
            assert texto not in html


def test_anonimo_y_ajeno_no_llegan_al_aviso(client, devuelto):
    doc = devuelto.documento
    url = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    client.force_login(devuelto.intruso)
    assert client.get(url).status_code == 404
    assert client.get(reverse("pmggt:documento", args=[doc.pk])).status_code == 404


# --- Constant queries: 5 and 50 observaciones in the return --------------------------------


def _con_observaciones(m, ciclo, n):
    doc = llevar_a(m, crear_diagnostico(m, ciclo=ciclo), Estado.EN_REVISION_JEFE)
    filas = {c: _fila(doc, c) for c in ("I", "II")}
    # The same kinds of observaciones at both sizes (general, Servicio's fields, cells of the
    # page's region and of another one): only their number changes.
    campos = [
        "",
        "mision",
        f"c1:{filas['I'].pk}:avance",
        f"c1:{filas['II'].pk}:avance",
        "objetivo:1",
        f"c1:{filas['I'].pk}:mejora",
        f"c1:{filas['II'].pk}:mejora",
    ]
    workflow.devolver(
        documento=doc,
        actor=m.jefe,
        version=1,
        comentario="Revise.",
        observaciones=[{"texto": "Observación 0", "campo": campos[0]}],
    )
    t = Transicion.objects.filter(documento=doc).latest("fecha", "pk")
    Observacion.objects.bulk_create(
        Observacion(
            documento=doc,
            version=1,
            autor=m.jefe,
            texto=f"Observación {i}",
            campo=campos[i % len(campos)],
            transicion=t,
        )
        for i in range(1, n)
    )
    doc.refresh_from_db()
    return doc


def construir_tamanos():
    from tests.conftest import construir_mundo
    from tests.fabricas import CicloFactory

    m = construir_mundo()
    m.chico = _con_observaciones(m, CicloFactory(anio=2040), 5)
    m.grande = _con_observaciones(m, CicloFactory(anio=2041), 50)
    return m


tamanos = mundo_compartido(construir_tamanos)


@pytest.mark.parametrize("persona", ["encargada", "centro_i", "jefe", "admin"])
@pytest.mark.parametrize("pagina", ["documento", "cuadro"])
def test_consultas_constantes_con_5_y_50_observaciones(
    client, tamanos, django_assert_max_num_queries, persona, pagina
):
    client.force_login(getattr(tamanos, persona))
    cuentas = []
    for doc, n in ((tamanos.chico, 5), (tamanos.grande, 50)):
        if pagina == "documento":
            url = reverse("pmggt:documento", args=[doc.pk])
        else:
            url = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
        client.get(url)  # warm-up
        with django_assert_max_num_queries(15) as consultas:
            html = client.get(url).content.decode()
        cuentas.append(len(consultas))
        if persona != "centro_i":
            assert f"con {n} observaciones" in _texto(_banner(html))
        else:
            assert "la devolución tiene" in _texto(_banner(html))
    assert cuentas[0] == cuentas[1], cuentas
