"""Stored PDFs of visado versions (pmggt.informes.cache): rendered once, then served from storage.

Every test gets its own MEDIA_ROOT (``media``). The renderer is a stub that marks each render
(``impresos``: the HTML of every render, in order), except in the one test that reads back a
real WeasyPrint PDF.
"""

import dataclasses
import shutil
import subprocess
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.test import Client
from django.urls import reverse

from diagnostico.models import Diagnostico
from pmggt import etapas, workflow
from pmggt.historia import actuando_como
from pmggt.informes import cache
from pmggt.informes import pdf as informes_pdf
from pmggt.models import Documento, VersionDocumento
from tests.conftest import PDF_MINIMO, RENDERIZADOR, llevar_a

Estado = Documento.Estado


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PMGGT_PDF_CACHE = True
    return settings.MEDIA_ROOT


@pytest.fixture
def impresos(pdf_simulado, monkeypatch):
    """The stub renderer, each PDF marked with its render number (after %%EOF, still a PDF),
    so a test can tell which render a download came from."""
    simulado = informes_pdf.renderizar

    def renderizar(html, *args, **kwargs):
        resultado = simulado(html, *args, **kwargs)
        marca = b"%% impreso %d\n" % len(pdf_simulado)
        return dataclasses.replace(resultado, contenido=resultado.contenido + marca)

    monkeypatch.setattr(RENDERIZADOR, renderizar)
    return pdf_simulado


def impreso(numero: int) -> bytes:
    return PDF_MINIMO + b"%% impreso %d\n" % numero


def guardados(media) -> list[str]:
    if not media.exists():
        return []
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def bajar(usuario, documento, informe="cuadro1", region="I"):
    """(response, body or None): one download by this user (None: anonymous)."""
    cliente = Client()
    if usuario is not None:
        cliente.force_login(usuario)
    url = reverse("pmggt:informe", args=[documento.pk, informe])
    respuesta = cliente.get(url, {"region": region} if region else {})
    # Reading a streamed body to its end closes it (and its file), as a WSGI server would.
    cuerpo = respuesta.getvalue() if respuesta.status_code == 200 else None
    return respuesta, cuerpo


def modificar(mundo, documento, mision):
    """Reopen a visado document and change its content (a new Borrador)."""
    workflow.solicitar_modificacion(documento=documento, actor=mundo.encargada, comentario="Ajuste")
    with actuando_como(mundo.encargada):
        diagnostico = Diagnostico.objects.get(documento=documento)
        diagnostico.mision = mision
        diagnostico.save()
    documento.refresh_from_db()
    return documento


# ----------------------------------------------------------------------------------------------
# Visado: rendered once


def test_segunda_descarga_de_un_visado_sale_guardada_sin_render(
    mundo, documento_en, media, impresos
):
    documento = documento_en(Estado.VISADO)
    version = VersionDocumento.objects.get(documento=documento, numero=1)

    primera, cuerpo1 = bajar(mundo.encargada, documento)
    assert primera.status_code == 200 and not primera.streaming
    assert len(impresos) == 1 and cuerpo1 == impreso(1)
    (nombre,) = guardados(media)
    assert nombre.startswith(f"informes-pdf/{documento.pk}/cuadro1/v1-{version.sha256}/todo_I-")
    assert (media / nombre).read_bytes() == cuerpo1

    segunda, cuerpo2 = bajar(mundo.encargada, documento)
    assert segunda.status_code == 200 and segunda.streaming  # FileResponse from storage
    assert len(impresos) == 1  # no render
    assert cuerpo2 == cuerpo1
    for cabecera in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert segunda[cabecera] == primera[cabecera], cabecera
    assert segunda["Content-Disposition"] == 'attachment; filename="SERV-A-2009-cuadro1-I.pdf"'
    assert segunda["Cache-Control"] == "private, no-store"
    assert segunda["X-Content-Type-Options"] == "nosniff"
    assert segunda["Content-Length"] == str(len(cuerpo1))

    # Everyone who reads the whole document prints the same PDF: one file for them all.
    for persona in ("jefe", "experta", "admin", "centro_ii"):
        respuesta, cuerpo = bajar(mundo.personas[persona], documento)
        assert respuesta.status_code == 200 and cuerpo == cuerpo1, persona
    assert len(impresos) == 1 and guardados(media) == [nombre]


@pytest.mark.parametrize("estado", [Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION])
def test_un_borrador_o_una_version_en_revision_se_genera_cada_vez(
    mundo, documento_en, media, impresos, estado
):
    documento = documento_en(estado)
    for vez in (1, 2, 3):
        respuesta, cuerpo = bajar(mundo.encargada, documento)
        assert respuesta.status_code == 200 and cuerpo == impreso(vez)
    assert len(impresos) == 3
    assert all('data-marca="BORRADOR"' in html for html in impresos)
    assert guardados(media) == []


def test_las_exportaciones_excel_no_se_guardan(mundo, documento_en, media):
    documento = documento_en(Estado.VISADO)
    for _ in range(2):
        respuesta, cuerpo = bajar(mundo.encargada, documento, "cuadros")
        assert respuesta.status_code == 200 and cuerpo.startswith(b"PK")
    assert guardados(media) == []


def test_una_nueva_version_visada_tiene_su_propio_archivo(mundo, documento_en, media, impresos):
    documento = documento_en(Estado.VISADO)
    _, v1 = bajar(mundo.encargada, documento)
    _, v1_gore = bajar(mundo.gore, documento)
    assert len(impresos) == 2 and len(guardados(media)) == 2

    # A modification in progress: the Servicio prints its live draft every time; the GORE keeps
    # reading the visado version 1, from storage.
    modificar(mundo, documento, "Misión modificada.")
    for vez in (3, 4):
        respuesta, cuerpo = bajar(mundo.encargada, documento)
        assert cuerpo == impreso(vez)
    assert 'data-marca="BORRADOR"' in impresos[-1]
    respuesta, cuerpo = bajar(mundo.gore, documento)
    assert respuesta.streaming and cuerpo == v1_gore
    assert len(impresos) == 4 and len(guardados(media)) == 2

    # Version 2 visado: a new file for it, whatever is stored for version 1.
    llevar_a(mundo, documento, Estado.VISADO)
    v2 = VersionDocumento.objects.get(documento=documento, numero=2)
    _, cuerpo = bajar(mundo.encargada, documento)
    assert cuerpo == impreso(5) and cuerpo != v1
    assert "Versión 2 · sha256" in impresos[-1] and 'data-marca=""' in impresos[-1]
    _, cuerpo = bajar(mundo.gore, documento)
    assert cuerpo == impreso(6)  # the GORE too reads version 2 now
    assert "Versión 2 · sha256" in impresos[-1]
    nuevos = [n for n in guardados(media) if f"/v2-{v2.sha256}/" in n]
    assert len(nuevos) == 2 and len(guardados(media)) == 4
    respuesta, cuerpo = bajar(mundo.encargada, documento)
    assert respuesta.streaming and cuerpo == impreso(5) and len(impresos) == 6


def test_gore_y_servicio_no_comparten_archivo(mundo, documento_en, media, impresos):
    documento = documento_en(Estado.VISADO)
    _, servicio = bajar(mundo.encargada, documento, region="I")
    _, gore = bajar(mundo.gore, documento, region="I")
    assert (servicio, gore) == (impreso(1), impreso(2))
    nombres = guardados(media)
    assert len(nombres) == 2
    (del_gore,) = [n for n in nombres if "/regiones-I_I-" in n]
    assert (media / del_gore).read_bytes() == gore
    # Each one gets its own file back, without rendering.
    assert bajar(mundo.gore, documento, region="I")[1] == gore
    assert bajar(mundo.encargada, documento, region="I")[1] == servicio
    # Other cuts of the Servicio's reports are other files.
    assert bajar(mundo.encargada, documento, region="II")[1] == impreso(3)
    assert bajar(mundo.encargada, documento, region=None)[1] == impreso(4)
    assert bajar(mundo.encargada, documento, "cuadro2")[1] == impreso(5)
    assert len(impresos) == 5 and len(guardados(media)) == 5


def test_la_clave_depende_del_alcance_y_de_lo_impreso(mundo, documento_en, media):
    documento = documento_en(Estado.VISADO)
    cuadro1 = etapas.de(documento.etapa).informe("cuadro1")
    etapa1 = etapas.de(documento.etapa).informe("etapa1")
    servicio = cache.clave(documento, cuadro1, "I", mundo.encargada)
    assert servicio == cache.clave(documento, cuadro1, "I", mundo.jefe)
    assert servicio != cache.clave(documento, cuadro1, "I", mundo.gore)
    assert servicio != cache.clave(documento, cuadro1, "II", mundo.encargada)
    # A report without a regional filter ignores ?region=, as generar does.
    assert cache.clave(documento, etapa1, "I", mundo.encargada) == cache.clave(
        documento, etapa1, None, mundo.encargada
    )
    assert cache.clave(documento, cuadro1, "I", None) is None  # the command line
    # What the PDF prints besides the version's content is in the key: a renamed Servicio
    # never gets the old file.
    documento.servicio.nombre = "Servicio A renombrado"
    documento.servicio.save()
    assert cache.clave(documento, cuadro1, "I", mundo.encargada) != servicio
    # A path-like region code stays inside the folder.
    rara = cache.clave(documento, cuadro1, "../../etc", mundo.encargada)
    assert ".." not in rara.nombre and rara.nombre.startswith(f"informes-pdf/{documento.pk}/")


# ----------------------------------------------------------------------------------------------
# Access checks come first


def test_un_lector_rechazado_no_recibe_ni_crea_archivo(
    mundo, documento_en, media, impresos, monkeypatch
):
    documento = documento_en(Estado.VISADO)
    _, guardado = bajar(mundo.encargada, documento)
    antes = guardados(media)
    assert len(antes) == 1 and len(impresos) == 1

    consultas = []
    original = cache.clave

    def clave(*args, **kwargs):
        consultas.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(cache, "clave", clave)
    rechazos = [
        (mundo.intruso, "cuadro1", "I", 404),
        (mundo.experta_ajena, "cuadro1", "I", 404),
        (mundo.gore_ajeno, "cuadro1", "I", 404),  # not concerned by Servicio A
        (mundo.gore_ajeno, "cuadro1", "III", 404),
        (mundo.gore, "cuadro1", "II", 403),  # another region
        (mundo.gore, "cuadro1", None, 403),  # a Servicio with Centros: must name its region
        (mundo.gore, "etapa1", "I", 403),  # the complete report is the Servicio's
        (None, "cuadro1", "I", 302),
    ]
    for usuario, informe, region, esperado in rechazos:
        respuesta, cuerpo = bajar(usuario, documento, informe, region)
        assert respuesta.status_code == esperado, (usuario, informe, region)
        assert not respuesta.streaming and guardado not in respuesta.content
    assert consultas == []  # the store was not even looked at
    assert guardados(media) == antes and len(impresos) == 1


def test_un_gore_antes_del_visado_no_crea_archivo(mundo, documento_en, media, impresos):
    documento = documento_en(Estado.EN_VISACION)
    respuesta, _ = bajar(mundo.gore, documento)
    assert respuesta.status_code == 403
    assert guardados(media) == [] and impresos == []


def test_una_region_que_el_documento_no_tiene_no_crea_archivo(mundo, documento_en, media):
    documento = documento_en(Estado.VISADO)
    for region in ("XII", "../../etc"):
        respuesta, _ = bajar(mundo.encargada, documento, region=region)
        assert respuesta.status_code == 404
    assert guardados(media) == []


# ----------------------------------------------------------------------------------------------
# Damaged, missing or unreadable files; changes while rendering; failing storage


def test_un_archivo_guardado_danado_o_ausente_se_genera_de_nuevo(
    mundo, documento_en, media, impresos, monkeypatch
):
    documento = documento_en(Estado.VISADO)
    bajar(mundo.encargada, documento)
    (nombre,) = guardados(media)
    ruta = media / nombre

    danos = [
        lambda: ruta.write_bytes(b"basura que no es un PDF" * 10),
        lambda: ruta.write_bytes(ruta.read_bytes()[:60]),  # truncated
        lambda: ruta.write_bytes(ruta.read_bytes()[:-30]),  # its end cut off
        lambda: ruta.write_bytes(b""),
        ruta.unlink,
    ]
    for numero, danar in enumerate(danos, start=2):
        danar()
        respuesta, cuerpo = bajar(mundo.encargada, documento)
        assert respuesta.status_code == 200 and not respuesta.streaming
        assert cuerpo == impreso(numero)
        assert ruta.read_bytes() == cuerpo  # stored again, whole
    assert len(impresos) == 6

    # A file that cannot be opened (permissions, a storage error): rendered, served, stored.
    def abrir(self, name, mode="rb"):
        raise PermissionError(13, "Permiso denegado", name)

    monkeypatch.setattr(FileSystemStorage, "open", abrir)
    respuesta, cuerpo = bajar(mundo.encargada, documento)
    assert respuesta.status_code == 200 and cuerpo == impreso(7)
    monkeypatch.undo()
    respuesta, cuerpo = bajar(mundo.encargada, documento)
    assert respuesta.streaming and cuerpo == impreso(7)
    assert [n for n in guardados(media) if ".tmp" in n] == []


def test_si_el_documento_cambia_durante_el_render_no_se_guarda(
    mundo, documento_en, media, impresos, monkeypatch
):
    documento = documento_en(Estado.VISADO)
    simulado = informes_pdf.renderizar

    def renderizar_y_modificar(html, *args, **kwargs):
        modificar(mundo, Documento.objects.get(pk=documento.pk), "Otra misión.")
        return simulado(html, *args, **kwargs)

    monkeypatch.setattr(RENDERIZADOR, renderizar_y_modificar)
    respuesta, cuerpo = bajar(mundo.encargada, documento)
    assert respuesta.status_code == 200 and cuerpo == impreso(1)
    assert 'data-marca=""' in impresos[0]  # what was printed was the visado version...
    assert guardados(media) == []  # ...but the key no longer holds: nothing stored


def test_sin_poder_escribir_la_descarga_sigue(mundo, documento_en, media, impresos, caplog):
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_bytes(b"")  # MEDIA_ROOT is a file: nothing can be written under it
    documento = documento_en(Estado.VISADO)
    for vez in (1, 2):
        respuesta, cuerpo = bajar(mundo.encargada, documento)
        assert respuesta.status_code == 200 and cuerpo == impreso(vez)
    assert any("No se pudo guardar el PDF" in r.getMessage() for r in caplog.records)


def test_desactivado_no_guarda(mundo, documento_en, media, impresos, settings):
    settings.PMGGT_PDF_CACHE = False
    documento = documento_en(Estado.VISADO)
    bajar(mundo.encargada, documento)
    bajar(mundo.encargada, documento)
    assert len(impresos) == 2 and guardados(media) == []


def test_con_otro_almacenamiento(mundo, documento_en, settings, impresos):
    """Any storage backend: storage.save under the key's name (here Django's in-memory one)."""
    settings.PMGGT_PDF_CACHE = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    documento = documento_en(Estado.VISADO)
    informe = etapas.de(documento.etapa).informe("cuadro1")
    nombre = cache.clave(documento, informe, "I", mundo.encargada).nombre
    assert bajar(mundo.encargada, documento)[1] == impreso(1)
    assert default_storage.open(nombre).read() == impreso(1)
    respuesta, cuerpo = bajar(mundo.encargada, documento)
    assert respuesta.streaming and cuerpo == impreso(1)
    # A damaged copy is replaced under the same name (not saved beside it).
    default_storage.delete(nombre)
    default_storage.save(nombre, ContentFile(b"%PDF-roto"))
    assert bajar(mundo.encargada, documento)[1] == impreso(2)
    assert default_storage.open(nombre).read() == impreso(2)
    carpeta = nombre.rsplit("/", 1)[0]
    assert default_storage.listdir(carpeta)[1] == [nombre.rsplit("/", 1)[1]]
    assert len(impresos) == 2


# ----------------------------------------------------------------------------------------------
# Concurrent writes


def test_escrituras_simultaneas_dejan_siempre_un_archivo_entero(media):
    """Many first downloads storing at once while others read: every read is one whole PDF."""
    nombre = "informes-pdf/1/cuadro1/v1-abc/todo_todas-0123.pdf"
    contenidos = [PDF_MINIMO + (b"%% relleno %d\n" % i) * 60000 for i in range(6)]
    ruta = media / nombre
    errores, malas = [], []
    lecturas = 0
    fin = threading.Event()

    def escribir(contenido):
        try:
            for _ in range(5):
                cache._guardar(default_storage, nombre, contenido)
        except Exception as exc:  # pragma: no cover - reported below
            errores.append(exc)

    def leer():
        nonlocal lecturas
        while not fin.is_set():
            try:
                leido = ruta.read_bytes()
            except FileNotFoundError:
                continue
            lecturas += 1
            if leido not in contenidos:
                malas.append(len(leido))

    lector = threading.Thread(target=leer)
    lector.start()
    escritores = [threading.Thread(target=escribir, args=(c,)) for c in contenidos]
    for hilo in escritores:
        hilo.start()
    for hilo in escritores:
        hilo.join()
    fin.set()
    lector.join()
    assert errores == []
    assert ruta.read_bytes() in contenidos
    assert lecturas > 0 and malas == []
    assert [p.name for p in ruta.parent.iterdir()] == [ruta.name]  # no temporary file left


# ----------------------------------------------------------------------------------------------
# A real render


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext no está instalado")
def test_el_pdf_guardado_es_el_pdf_real_del_documento(mundo, documento_en, media, monkeypatch):
    documento = documento_en(Estado.VISADO)
    version = VersionDocumento.objects.get(documento=documento, numero=1)
    llamadas = []
    real = informes_pdf.renderizar

    def renderizar(html, *args, **kwargs):
        llamadas.append(html)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(RENDERIZADOR, renderizar)
    _, primero = bajar(mundo.encargada, documento, "etapa1", region=None)
    respuesta, segundo = bajar(mundo.encargada, documento, "etapa1", region=None)
    assert len(llamadas) == 1 and respuesta.streaming
    assert segundo == primero
    (nombre,) = guardados(media)
    assert (media / nombre).read_bytes() == primero
    texto = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(media / nombre), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    texto = " ".join(texto.split())
    assert "Misión de prueba." in texto and "Objetivo uno" in texto
    assert f"sha256 {version.sha256}" in texto
    assert "Visado por" in texto and "BORRADOR" not in texto
