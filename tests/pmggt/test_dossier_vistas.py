"""The dossier pages (pmggt.views_dossier): request, progress (htmx polling), download; what
each persona sees. Who gets in at all: tests/pmggt/test_matriz_permisos.py (CASOS_DOSSIER)."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from pmggt import tareas
from pmggt.models import Dossier
from tests.conftest import crear_diagnostico, llevar_a

Estado = Dossier.Estado
LISTA = reverse("pmggt:dossier_lista")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def nuevo(m, servicio=None, estado=Estado.PENDIENTE, **campos):
    return Dossier.objects.create(
        servicio=servicio or m.servicio,
        ciclo=m.ciclo,
        solicitado_por=m.experta,
        estado=estado,
        **campos,
    )


def test_solicitar_prepara_el_expediente_y_se_descarga(
    client, mundo, media, pdf_simulado, django_capture_on_commit_callbacks
):
    llevar_a(mundo, crear_diagnostico(mundo), "visado")
    client.force_login(mundo.experta)

    with django_capture_on_commit_callbacks(execute=True) as encolados:
        respuesta = client.post(LISTA, {"servicio": mundo.servicio.pk, "ciclo": "2009"})

    d = Dossier.objects.get()
    assert len(encolados) == 1  # enqueued once the row is committed; eager here: it ran
    assert respuesta.status_code == 302 and respuesta["Location"] == reverse(
        "pmggt:dossier", args=[d.pk]
    )
    assert (d.servicio, d.ciclo, d.solicitado_por, d.estado, d.progreso) == (
        mundo.servicio,
        mundo.ciclo,
        mundo.experta,
        Estado.LISTO,
        100,
    )
    pagina = client.get(respuesta["Location"]).content.decode()
    assert 'value="100"' in pagina and "100 %" in pagina and "Listo para descargar" in pagina
    assert 'aria-valuenow="100"' in pagina and 'hx-trigger="every 1s"' not in pagina
    assert d.sha256 in pagina
    url = reverse("pmggt:dossier_descargar", args=[d.pk])
    assert url in pagina

    bajada = client.get(url)
    assert bajada.status_code == 200 and bajada.streaming
    cuerpo = b"".join(bajada.streaming_content)
    with default_storage.open(d.archivo.name, "rb") as f:
        assert cuerpo == f.read() and cuerpo.startswith(b"PK")
    assert bajada["Content-Type"] == "application/zip"
    assert bajada["Content-Disposition"] == 'attachment; filename="SERV-A-2009-expediente.zip"'
    assert bajada["Cache-Control"] == "private, no-store"


def test_el_avance_se_consulta_cada_segundo_mientras_no_termina(client, mundo):
    d = nuevo(mundo, estado=Estado.EN_PROCESO, progreso=40, paso="Etapa I: Cuadro I N°1 (PDF)")
    client.force_login(mundo.jefe)
    url = reverse("pmggt:dossier", args=[d.pk])

    pagina = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in pagina and f'hx-get="{url}"' in pagina
    assert '<progress id="dossier-barra" max="100" value="40"' in pagina
    assert "40 %" in pagina and "Etapa I: Cuadro I N°1 (PDF)" in pagina
    assert "<html" in pagina

    parcial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in parcial and 'id="dossier-progreso"' in parcial
    assert 'hx-trigger="every 1s"' in parcial

    Dossier.objects.filter(pk=d.pk).update(
        estado=Estado.ERROR, error="No se pudo preparar el expediente: falló."
    )
    parcial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' not in parcial
    assert "No se pudo preparar el expediente: falló." in parcial
    assert "Solicitarlo de nuevo" in parcial


def test_no_se_descarga_antes_de_estar_listo(client, mundo):
    d = nuevo(mundo, estado=Estado.EN_PROCESO)
    client.force_login(mundo.encargada)
    assert client.get(reverse("pmggt:dossier_descargar", args=[d.pk])).status_code == 404


def test_un_archivo_que_ya_no_esta_es_404(client, mundo, media):
    d = nuevo(mundo, estado=Estado.LISTO)
    d.archivo.name = "dossieres/no-existe.zip"
    d.save()
    client.force_login(mundo.encargada)
    assert client.get(reverse("pmggt:dossier_descargar", args=[d.pk])).status_code == 404


def test_datos_invalidos_muestran_el_error_junto_al_campo(client, mundo):
    client.force_login(mundo.encargada)
    respuesta = client.post(LISTA, {"servicio": mundo.servicio.pk, "ciclo": "1990"})
    assert respuesta.status_code == 200
    assert "Elija un Ciclo de la lista." in respuesta.content.decode()
    respuesta = client.post(LISTA, {"servicio": "", "ciclo": "2009"})
    assert "Elija el Servicio del expediente." in respuesta.content.decode()
    respuesta = client.post(LISTA, {"servicio": "999999", "ciclo": "2009"})
    assert respuesta.status_code == 200
    assert "Elija un Servicio de la lista." in respuesta.content.decode()
    assert not Dossier.objects.exists()


def test_un_servicio_ajeno_por_post_es_404_y_para_su_gore_403(client, mundo):
    client.force_login(mundo.intruso)
    datos = {"servicio": mundo.servicio.pk, "ciclo": "2009"}
    assert client.post(LISTA, datos).status_code == 404
    client.force_login(mundo.gore)
    assert client.post(LISTA, datos).status_code == 403
    assert not Dossier.objects.exists()


def test_el_formulario_viene_prellenado_desde_el_tablero(client, mundo):
    client.force_login(mundo.admin)
    pagina = client.get(LISTA, {"servicio": mundo.otro_servicio.pk, "ciclo": "2009"})
    html = pagina.content.decode()
    assert f'<option value="{mundo.otro_servicio.pk}" selected>' in html
    assert '<option value="2009" selected>' in html


def test_solo_los_servicios_que_lee_completos(client, mundo):
    client.force_login(mundo.experta)
    html = client.get(LISTA).content.decode()
    assert f'<option value="{mundo.servicio.pk}">' in html
    assert f'<option value="{mundo.otro_servicio.pk}"' not in html
    client.force_login(mundo.gore)
    html = client.get(LISTA).content.decode()
    assert "Usted no tiene Servicios con ese acceso." in html and "dossier-solicitar" not in html


def test_un_expediente_en_preparacion_no_se_duplica(client, mundo):
    d = nuevo(mundo, estado=Estado.EN_PROCESO)
    client.force_login(mundo.encargada)
    respuesta = client.post(LISTA, {"servicio": mundo.servicio.pk, "ciclo": "2009"})
    assert respuesta["Location"] == reverse("pmggt:dossier", args=[d.pk])
    assert Dossier.objects.count() == 1


def test_si_la_cola_no_responde_queda_en_error(
    client, mundo, monkeypatch, django_capture_on_commit_callbacks
):
    def delay(*args, **kwargs):
        raise ConnectionError("broker caído")

    monkeypatch.setattr(tareas.construir_dossier, "delay", delay)
    client.force_login(mundo.encargada)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LISTA, {"servicio": mundo.servicio.pk, "ciclo": "2009"})
    d = Dossier.objects.get()
    assert d.estado == Estado.ERROR and "cola de tareas no disponible" in d.error


def _expedientes(m, n):
    for _ in range(n):
        nuevo(m, estado=Estado.LISTO)
        nuevo(m, servicio=m.otro_servicio, estado=Estado.LISTO)


@pytest.mark.parametrize(
    "persona, propios, ajenos",
    [("admin", True, True), ("experta", True, False), ("centro_i", True, False)],
)
def test_la_lista_muestra_lo_que_cada_uno_puede_ver(client, mundo, persona, propios, ajenos):
    _expedientes(mundo, 1)
    client.force_login(mundo.personas[persona])
    html = client.get(LISTA).content.decode()
    assert ("Servicio A</span>" in html) is propios
    assert ("Servicio B</span>" in html) is ajenos


@pytest.mark.parametrize("n", [1, 20])
def test_la_lista_hace_las_mismas_consultas(client, mundo, n, django_assert_max_num_queries):
    _expedientes(mundo, n)
    client.force_login(mundo.admin)
    client.get(LISTA)  # warm: session, grants
    with django_assert_max_num_queries(12):
        respuesta = client.get(LISTA)
    assert respuesta.content.decode().count("Descargar<span") == min(2 * n, 25)
