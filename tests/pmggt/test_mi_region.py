"""«Mi región» (pmggt.views_gore): the Funcionario/a GORE's list of every Servicio's visado
documents that concern its region, newest visado first, with its region's downloads.

Who gets it: every Funcionario/a GORE (its own region's list: an empty one if nothing
concerns it). Anyone else — the Servicio's people, SUBDERE's Expertos/as, administrators — is
an insider asking for a page that is not theirs: 403 with a Spanish message (there is no
object to hide, so no 404). Anonymous: the login page.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Centro, Documento, Transicion
from tests.conftest import PERSONAS, crear_diagnostico, huella_bd, llevar_a
from tests.fabricas import CicloFactory, ServicioFactory

Estado = Documento.Estado
URL = reverse("pmggt:mi_region")
MAXIMO = 15


def _filas(html: str) -> list[str]:
    cuerpo = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", cuerpo.group(1), re.S) if cuerpo else []


def _servicio_regional(m, sigla, region):
    """A regional Servicio without Centros, with A's people (crear_diagnostico creates other
    Servicios' documents as the intruso: Encargado GT of it too)."""
    with actuando_como(m.admin):
        servicio = ServicioFactory(sigla=sigla, nombre=f"Servicio {sigla}", region=region)
        services.roles_asegurar(servicio)
        services.rol_asignar(usuario=m.encargada, tipo="encargado_gt", objeto=servicio)
        services.rol_asignar(usuario=m.intruso, tipo="encargado_gt", objeto=servicio)
        services.rol_asignar(usuario=m.jefe, tipo="jefe", objeto=servicio)
        services.rol_asignar(usuario=m.experta, tipo="experto", objeto=servicio)
    from pmggt import permisos

    for persona in (m.encargada, m.intruso, m.jefe, m.experta):
        permisos.olvidar(persona)
    return servicio


@pytest.mark.parametrize("persona", [*PERSONAS, "anonimo"])
def test_solo_los_funcionarios_gore_tienen_mi_region(client, mundo, persona):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    if persona != "anonimo":
        client.force_login(mundo.personas[persona])
    antes = huella_bd()
    r = client.get(URL)
    if persona == "anonimo":
        assert r.status_code == 302 and r["Location"].startswith(reverse("login") + "?next=")
    elif persona in ("gore", "gore_ajeno"):
        assert r.status_code == 200
        assert '<h1 class="h2 mb-1">Mi región</h1>' in r.content.decode()
    else:
        assert r.status_code == 403
        assert "es la página de los funcionarios/as de un Gobierno Regional" in r.content.decode()
    assert huella_bd() == antes


def test_solo_un_post_no_cambia_nada(client, mundo):
    client.force_login(mundo.gore)
    antes = huella_bd()
    assert client.post(URL).status_code == 405
    assert huella_bd() == antes


def test_lista_solo_lo_visado_de_su_region(client, mundo):
    a_visado = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    a_2010 = crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010))  # never visado
    llevar_a(mundo, a_2010, Estado.EN_VISACION)
    b_visado = crear_diagnostico(mundo, servicio=mundo.otro_servicio)  # concerns no GORE
    workflow.enviar(documento=b_visado, actor=mundo.intruso)
    c = _servicio_regional(mundo, "SERV-C", mundo.regiones[2])  # region III, no Centros
    c_visado = llevar_a(mundo, crear_diagnostico(mundo, servicio=c), Estado.VISADO)

    client.force_login(mundo.gore)  # region I
    html = client.get(URL).content.decode()
    filas = _filas(html)
    assert len(filas) == 1 and "SERV-A" in filas[0]
    assert reverse("pmggt:documento", args=[a_visado.pk]) in filas[0]
    for informe in ("cuadro1", "cuadro2", "cuadros"):
        assert f'/documentos/{a_visado.pk}/informes/{informe}/?region=I"' in filas[0]
    # Only its region's downloads, and never the complete Informe Etapa I.
    assert "region=II" not in html and "etapa1" not in html
    assert "SERV-B" not in html and "SERV-C" not in html
    assert reverse("pmggt:documento", args=[a_2010.pk]) not in html
    assert "Región de Tarapacá (I)" in html

    client.force_login(mundo.gore_ajeno)  # region III: C, a Servicio of its own region
    filas = _filas(client.get(URL).content.decode())
    assert len(filas) == 1 and "SERV-C" in filas[0]
    assert f'/documentos/{c_visado.pk}/informes/cuadro1/?region=III"' in filas[0]
    assert "SERV-A" not in filas[0]


def test_las_descargas_de_la_lista_se_sirven_a_ese_gore(client, mundo, pdf_simulado):
    documento = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    client.force_login(mundo.gore)
    enlaces = re.findall(r'href="([^"]+/informes/[^"]+)"', client.get(URL).content.decode())
    assert len(enlaces) == 3
    tipos = set()
    for enlace in enlaces:
        r = client.get(enlace.replace("&amp;", "&"))
        assert r.status_code == 200, enlace
        tipos.add(r["Content-Type"])
    assert tipos == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert len(pdf_simulado) == 2 and documento.pk


def test_sin_observaciones_ni_comentarios_de_la_revision(client, mundo):
    documento = crear_diagnostico(mundo)
    workflow.enviar(documento=documento, actor=mundo.encargada)
    workflow.devolver(
        documento=documento,
        actor=mundo.jefe,
        version=1,
        comentario="COMENTARIO DE DEVOLUCIÓN",
        observaciones=[{"texto": "OBSERVACIÓN INTERNA", "campo": "mision"}],
    )
    from pmggt.models import Observacion

    Observacion.objects.filter(documento=documento).update(resuelta=True)
    documento.refresh_from_db()
    workflow.enviar(documento=documento, actor=mundo.encargada, comentario="NOTA DE ENVÍO")
    documento.refresh_from_db()
    workflow.aprobar(documento=documento, actor=mundo.jefe, version=2)
    workflow.visar(documento=documento, actor=mundo.experta, version=2, comentario="NOTA V°B°")
    client.force_login(mundo.gore)
    html = client.get(URL).content.decode()
    assert len(_filas(html)) == 1
    for interno in (
        "OBSERVACIÓN INTERNA",
        "COMENTARIO DE DEVOLUCIÓN",
        "NOTA DE ENVÍO",
        "NOTA V°B°",
    ):
        assert interno not in html
    assert "versión 2" in html


def test_mas_reciente_primero_y_la_ultima_version_visada(client, mundo):
    viejo = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    c = _servicio_regional(mundo, "SERV-C", mundo.regiones[0])  # region I, no Centros
    nuevo = llevar_a(mundo, crear_diagnostico(mundo, servicio=c), Estado.VISADO)
    client.force_login(mundo.gore)
    filas = _filas(client.get(URL).content.decode())
    assert ["SERV-C" in filas[0], "SERV-A" in filas[1]] == [True, True]
    assert f'/documentos/{nuevo.pk}/informes/cuadro1/?region=I"' in filas[0]

    # A is reopened: still listed, with its visado version 1 and a note, until visado again.
    workflow.solicitar_modificacion(documento=viejo, actor=mundo.encargada, comentario="Plan")
    filas = _filas(client.get(URL).content.decode())
    assert "SERV-A" in filas[1] and "versión 1" in filas[1]
    assert "El Servicio prepara una nueva versión" in filas[1]
    assert "El Servicio prepara una nueva versión" not in filas[0]
    viejo.refresh_from_db()
    llevar_a(mundo, viejo, Estado.VISADO)  # version 2, visado now: first again
    filas = _filas(client.get(URL).content.decode())
    assert len(filas) == 2
    assert "SERV-A" in filas[0] and "versión 2" in filas[0]
    assert "El Servicio prepara una nueva versión" not in filas[0]


def test_filtros_por_ciclo_y_etapa(client, mundo):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    ciclo = CicloFactory(anio=2010)
    llevar_a(mundo, crear_diagnostico(mundo, ciclo=ciclo), Estado.VISADO)
    client.force_login(mundo.gore)
    todos = client.get(URL).content.decode()
    assert len(_filas(todos)) == 2
    assert '<option value="" selected>Todos los ciclos</option>' in todos
    assert '<option value="" selected>Todas las etapas</option>' in todos
    assert "---------" not in todos

    html = client.get(URL, {"ciclo": "2010"}).content.decode()
    filas = _filas(html)
    assert len(filas) == 1 and "Diagnóstico 2010" in filas[0]
    assert '<option value="2010" selected>' in html and "Ver todos" in html
    assert len(_filas(client.get(URL, {"etapa": "1"}).content.decode())) == 2
    html = client.get(URL, {"etapa": "1", "ciclo": "2009"}).content.decode()
    assert len(_filas(html)) == 1 and "Diagnóstico 2009" in html
    # Only registered stages are offered (today Etapas I and II).
    assert (
        re.findall(r'<select name="etapa"[^>]*>(.*?)</select>', html, re.S)[0].count("<option") == 3
    )

    # Bad input: a Spanish message next to the field, the whole list, never a 500.
    r = client.get(URL, {"ciclo": "1999", "etapa": "x"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="id_ciclo_error">Escoja una opción válida.' in html
    assert 'id="id_etapa_error">Escoja una opción válida.' in html
    assert len(_filas(html)) == 2


def _visados_en_region_i(m, n: int, desde: int = 0) -> None:
    """n Servicios with a Centro in region I and a visado Diagnóstico each (rows as the chain
    leaves them: the document, its version and its «visar»), for the size tests."""
    from pmggt.models import VersionDocumento

    with actuando_como(m.admin):
        for i in range(desde, desde + n):
            servicio = ServicioFactory(sigla=f"S-{i:03d}", nombre=f"Servicio {i:03d}")
            Centro.objects.create(servicio=servicio, region=m.regiones[0], nombre=f"C {i}")
            if i % 2:
                Centro.objects.create(servicio=servicio, region=m.regiones[1], nombre=f"D {i}")
            documento = Documento.objects.create(
                servicio=servicio,
                ciclo=m.ciclo,
                etapa=Documento.Etapa.DIAGNOSTICO,
                estado=Estado.VISADO,
                version_actual=1,
                version_visada=1,
                creado_por=m.encargada,
            )
            VersionDocumento.objects.create(
                documento=documento, numero=1, contenido={}, sha256="0" * 64, creada_por=m.encargada
            )
            Transicion.objects.create(
                documento=documento,
                accion=Transicion.Accion.VISAR,
                estado_origen=Estado.EN_VISACION,
                estado_destino=Estado.VISADO,
                version=1,
                actor=m.experta,
            )


def _consultas(client, url=URL) -> tuple[int, str]:
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as capturadas:
        r = client.get(url)
    assert r.status_code == 200
    return len(capturadas), r.content.decode()


def test_consultas_constantes_segun_el_numero_de_servicios(client, mundo):
    client.force_login(mundo.gore)
    _visados_en_region_i(mundo, 3)
    n_chico, html = _consultas(client)
    assert len(_filas(html)) == 3
    _visados_en_region_i(mundo, 40, desde=3)  # 43: three pages
    n_grande, html = _consultas(client)
    assert len(_filas(html)) == 20 and "Página 1 de 3" in html
    n_ultima, html = _consultas(client, URL + "?pagina=3")
    assert len(_filas(html)) == 3
    n_filtro, html = _consultas(client, URL + "?ciclo=2009&etapa=1&pagina=2")
    assert len(_filas(html)) == 20 and "Página 2 de 3" in html
    assert n_chico == n_grande == n_ultima <= MAXIMO, (n_chico, n_grande, n_ultima)
    assert n_filtro <= n_chico + 1  # the chosen Ciclo, looked up


def test_paginas_con_los_filtros(client, mundo):
    client.force_login(mundo.gore)
    _visados_en_region_i(mundo, 23)
    html = client.get(URL, {"ciclo": "2009"}).content.decode()
    assert "Página 1 de 2" in html
    assert 'href="?ciclo=2009&amp;pagina=2" rel="next"' in html
    html = client.get(URL, {"ciclo": "2009", "pagina": "2"}).content.decode()
    assert len(_filas(html)) == 3
    # The newest first: the last one created has the latest «visar».
    assert "S-000" in _filas(html)[-1]


def test_enlaces_en_la_barra_y_en_mis_pendientes_solo_para_el_gore(client, mundo):
    for persona, ve in (
        ("gore", True),
        ("gore_ajeno", True),
        ("encargada", False),
        ("admin", False),
    ):
        client.force_login(mundo.personas[persona])
        html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
        barra = html.split("</header>")[0]
        assert (f'href="{URL}">Mi región</a>' in barra) is ve, persona
        cuerpo = html.split('<main id="contenido"')[1]
        assert (f'<a href="{URL}">Mi región</a>' in cuerpo) is ve, persona
    client.force_login(mundo.gore)
    barra = client.get(URL).content.decode().split("</header>")[0]
    assert f'class="nav-link activo" href="{URL}">Mi región</a>' in barra


def test_la_fecha_es_la_del_ultimo_visado(client, mundo):
    documento = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    visado = Transicion.objects.get(documento=documento, accion=Transicion.Accion.VISAR)
    client.force_login(mundo.gore)
    html = client.get(URL).content.decode()
    assert timezone.localtime(visado.fecha).strftime("%d-%m-%Y") in _filas(html)[0]
