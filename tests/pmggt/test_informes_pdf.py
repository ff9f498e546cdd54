"""PDF renders in their own process (pmggt.informes.pdf / render): time, memory and parallel caps.

No database: these tests render raw HTML. A slow document is a long table (it takes tens of
seconds); the caps are set to a few seconds so it is always stopped.
"""

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as ajustes

from pmggt.informes import pdf

CHICO = (
    '<html><head><link rel="stylesheet" href="pmggt/informe.css"></head>'
    "<body><h1>Informe de prueba</h1><p>Una página.</p></body></html>"
)


def lento(filas=20000):
    celdas = "".join(f"<tr><td>{i}</td><td>Fila {i} del cuadro</td></tr>" for i in range(filas))
    return f"<html><body><table>{celdas}</table></body></html>"


@pytest.fixture(scope="module", autouse=True)
def servidor_listo():
    """Start this process's fork server before timing anything."""
    pdf.renderizar(CHICO)


@pytest.fixture
def pids(monkeypatch):
    """The pid of every render child, recorded when the parent ends it."""
    vistos = []
    original = pdf._terminar

    def terminar(proceso, matar):
        vistos.append(proceso.pid)
        return original(proceso, matar)

    monkeypatch.setattr(pdf, "_terminar", terminar)
    return vistos


def sin_hijos(pids):
    assert multiprocessing.active_children() == []
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), pid


class EnHilo(threading.Thread):
    """A render in another thread (as another gunicorn/runserver thread would do)."""

    def __init__(self, html):
        super().__init__(daemon=True)
        self.html = html
        self.error = None
        self.resultado = None
        self.fin = None

    def run(self):
        try:
            self.resultado = pdf.renderizar(self.html)
        except Exception as exc:
            self.error = exc
        self.fin = time.monotonic()


def esperar_turnos(ocupados, segundos=10):
    fin = time.monotonic() + segundos
    while pdf._TURNOS.ocupados < ocupados:
        assert time.monotonic() < fin, "the render never started"
        time.sleep(0.02)
    time.sleep(0.3)  # the child is rendering by now


# ----------------------------------------------------------------------------------------------
# Time


def test_render_pasado_el_maximo_se_detiene_y_su_proceso_desaparece(settings, pids):
    settings.PMGGT_PDF_TIEMPO_MAXIMO = 2
    inicio = time.monotonic()
    with pytest.raises(pdf.InformeDemasiadoLento, match="tardó más de 2 s en generarse"):
        pdf.renderizar(lento())
    duracion = time.monotonic() - inicio
    assert 2 <= duracion < 3, duracion
    assert len(pids) == 1
    sin_hijos(pids)


def test_pdf_lento_no_bloquea_a_otro(settings, pids):
    settings.PMGGT_PDF_TIEMPO_MAXIMO = 4
    settings.PMGGT_PDF_PARALELOS = 2
    hilo = EnHilo(lento())
    hilo.start()
    esperar_turnos(1)
    inicio = time.monotonic()
    chico = pdf.renderizar(CHICO)
    listo = time.monotonic()
    assert chico.contenido.startswith(b"%PDF") and chico.paginas == 1
    assert listo - inicio < 3, listo - inicio  # it did not wait for the slow one
    hilo.join(15)
    assert not hilo.is_alive()
    assert isinstance(hilo.error, pdf.InformeDemasiadoLento), hilo.error
    assert hilo.fin > listo
    sin_hijos(pids)


def test_sin_turno_libre_responde_pronto_y_un_render_detenido_libera_el_suyo(settings, monkeypatch):
    settings.PMGGT_PDF_TIEMPO_MAXIMO = 3
    settings.PMGGT_PDF_PARALELOS = 1
    monkeypatch.setattr(pdf, "ESPERA_TURNO", 0.5)
    hilo = EnHilo(lento())
    hilo.start()
    esperar_turnos(1)
    inicio = time.monotonic()
    with pytest.raises(pdf.InformeDemasiadoLento) as error:
        pdf.renderizar(CHICO)
    assert str(error.value) == (
        "El servidor está generando muchos informes; intente nuevamente en unos minutos."
    )
    assert time.monotonic() - inicio < 2
    hilo.join(15)
    assert isinstance(hilo.error, pdf.InformeDemasiadoLento)
    assert pdf._TURNOS.ocupados == 0
    assert pdf.renderizar(CHICO).contenido.startswith(b"%PDF")  # no wait after the kill


# ----------------------------------------------------------------------------------------------
# Memory


def test_hijo_sin_memoria_da_un_error_claro(settings, pids):
    settings.PMGGT_PDF_MEMORIA_MAXIMA_MB = 1
    inicio = time.monotonic()
    with pytest.raises(pdf.InformeError) as error:
        pdf.renderizar(lento(3000))
    assert isinstance(error.value, pdf.InformeDemasiadoGrande)
    assert "memoria" in str(error.value) and "(1 MB)" in str(error.value)
    assert time.monotonic() - inicio < 30
    sin_hijos(pids)
    settings.PMGGT_PDF_MEMORIA_MAXIMA_MB = 1536
    assert pdf.renderizar(CHICO).contenido.startswith(b"%PDF")


# ----------------------------------------------------------------------------------------------
# The fetcher, in the child


ATAQUE = (
    '<link rel="stylesheet" href="pmggt/informe.css">'
    '<link rel="stylesheet" href="file:///etc/passwd">'
    '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    '<link rel="stylesheet" href="data:text/css,body{color:red}">'
    '<link rel="stylesheet" href="../pmggt/settings.py">'
    '<link rel="stylesheet" href="%2e%2e/%2e%2e/etc/passwd">'
)
CUERPO = '<img src="file:///etc/passwd"><div style="background:url(http://127.0.0.1:9/f)">x</div>'
CRUDO = f"<html><head>{ATAQUE}</head><body>{CUERPO}</body></html>"


class FetcherEspia(pdf.FetcherEstatico):
    """Lives outside pmggt.informes.render: the child loads Django to import it."""

    instancias: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.llamadas = []
        FetcherEspia.instancias.append(self)

    def fetch(self, url, headers=None):
        self.llamadas.append(url)
        return super().fetch(url, headers)


class FetcherQueFallaEnElHijo(pdf.FetcherEstatico):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if multiprocessing.parent_process() is not None:
            raise ValueError("falla en el proceso de render")


def comprobar_rechazos(fetcher, resultado):
    assert fetcher.servidas == [f"{pdf.BASE_URL}pmggt/informe.css"]
    rechazadas = " ".join(fetcher.rechazadas)
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "http://127.0.0.1:9/f",
        "data:text/css",
        "https://pmggt-static.invalid/pmggt/settings.py",
        "%2e%2e/%2e%2e/etc/passwd",
    ):
        assert url in rechazadas, url
    assert resultado.contenido.startswith(b"%PDF")
    assert b"root:x:0:0" not in resultado.contenido


def test_fetcher_del_hijo_rechaza_todo_menos_static(caplog):
    fetcher = pdf.FetcherEstatico()
    resultado = pdf.renderizar(CRUDO, fetcher=fetcher)
    comprobar_rechazos(fetcher, resultado)
    # WeasyPrint's complaints in the child are logged here.
    assert any("127.0.0.1:9" in r.getMessage() for r in caplog.records if r.name == "weasyprint")


def test_fetcher_sustituido_por_una_prueba_registra_lo_del_hijo(monkeypatch):
    FetcherEspia.instancias = []
    monkeypatch.setattr(pdf, "FetcherEstatico", FetcherEspia)
    resultado = pdf.renderizar(CRUDO)
    (fetcher,) = FetcherEspia.instancias  # the parent's; the child's are not seen here
    comprobar_rechazos(fetcher, resultado)
    assert fetcher.llamadas[0] == f"{pdf.BASE_URL}pmggt/informe.css"
    assert len(fetcher.llamadas) == len(fetcher.servidas) + len(fetcher.rechazadas)


def test_error_del_hijo_se_relanza_con_su_traza():
    fetcher = FetcherQueFallaEnElHijo()
    with pytest.raises(ValueError, match="falla en el proceso de render") as error:
        pdf.renderizar(CHICO, fetcher=fetcher)
    assert "En el proceso de render PDF" in "".join(error.value.__notes__)


def test_el_proceso_hijo_no_necesita_django():
    """The fork server imports pmggt.informes.render before any Django app is loaded."""
    codigo = (
        "import sys\n"
        "import pmggt.informes.render\n"
        "from django.apps import apps\n"
        "assert not apps.ready\n"
        "assert not [m for m in sys.modules if m.startswith(('pmggt.models', 'django.db'))]\n"
    )
    entorno = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    salida = subprocess.run(
        [sys.executable, "-c", codigo],
        cwd=ajustes.BASE_DIR,
        env=entorno,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert salida.returncode == 0, salida.stderr
