"""The child side of PDF rendering: the restricted URL fetcher and the render process.

``pmggt.informes.pdf.renderizar`` (the parent side: limits, slots, killing) runs ``hijo`` in a
separate OS process started from a ``multiprocessing`` fork server. This module is that fork
server's preload, so it must stay importable **before Django's apps are loaded**: it imports
WeasyPrint and the standard library only (importing it imports the ``pmggt.informes`` package,
whose modules therefore import no models at module level). When the fork server imports it, it
also renders one small document (``_precalentar``) so every child inherits WeasyPrint's fonts,
stylesheets and PDF writer already loaded instead of paying that on each report.

A child loads Django (``django.setup()``) only when the fetcher's class lives outside this
module, i.e. a test's subclass; the default fetcher renders without any Django app.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import mimetypes
import os
import pickle
import resource
import sys
import traceback
from pathlib import Path
from urllib import request
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_VARIANTE = "pdf/a-3b"
ORIGEN_ESTATICO = "https://pmggt-static.invalid"
BASE_URL = f"{ORIGEN_ESTATICO}/static/"

# Exit status of a child that ran out of memory and could not even report it.
SALIDA_SIN_MEMORIA = 86
# Extra CPU seconds over the wall-clock cap before the kernel stops an orphaned child.
HOLGURA_CPU = 10
# Log records of a render handed back to the parent, at most.
MAXIMO_REGISTROS = 200

_CARGADO_EN = os.getpid()  # a child whose pid differs inherited this module from the server


# ---------------------------------------------------------------------------------------------
# URL fetcher: only our own static files


class RecursoRechazado(ValueError):
    """A resource the PDF may not load (WeasyPrint logs it and skips the resource)."""


class FetcherEstatico(URLFetcher):
    """Serves only files under ``BASE_DIR/static``; refuses every other URL.

    Records what it served and refused (``servidas`` / ``rechazadas``) for tests and logs.
    """

    TIPOS = {".css", ".png", ".jpg", ".jpeg", ".svg", ".woff", ".woff2", ".ttf", ".otf"}
    TAMANO_MAXIMO = 5 * 1024 * 1024

    def __init__(self, raiz: Path | None = None):
        # No handlers are ever used: fetch() below never calls urllib.
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        if raiz is None:
            from django.conf import settings  # the parent always has settings; a child gets raiz

            raiz = Path(settings.BASE_DIR) / "static"
        self.raiz = Path(raiz).resolve()
        self.servidas: list[str] = []
        self.rechazadas: list[str] = []

    def ruta(self, url: str) -> Path | None:
        """The static file this URL names, or None if it is not one we serve."""
        prefijo = f"{ORIGEN_ESTATICO}/static/"
        if not isinstance(url, str) or not url.startswith(prefijo):
            return None
        partes = urlsplit(url)
        relativa = unquote(partes.path)[len("/static/") :]
        if not relativa or "\x00" in relativa or "\\" in relativa:
            return None
        try:
            ruta = (self.raiz / relativa).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        if not ruta.is_relative_to(self.raiz) or not ruta.is_file():
            return None
        if ruta.suffix.lower() not in self.TIPOS or ruta.stat().st_size > self.TAMANO_MAXIMO:
            return None
        return ruta

    def fetch(self, url, headers=None):
        ruta = self.ruta(url)
        if ruta is None:
            self.rechazadas.append(str(url))
            raise RecursoRechazado(f"Recurso no permitido en informes PDF: {str(url)[:200]}")
        self.servidas.append(url)
        tipo = mimetypes.guess_type(ruta.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, ruta.read_bytes(), {"Content-Type": tipo})


# urllib's own attributes of every fetcher (``handlers`` point back to the fetcher itself).
_DE_URLLIB = frozenset(vars(request.OpenerDirector()))


def listas(fetcher) -> dict[str, list]:
    """The list attributes of a fetcher (``servidas``, ``rechazadas``, a subclass's own),
    not urllib's."""
    return {
        k: v
        for k, v in vars(fetcher).items()
        if isinstance(v, list) and k not in _DE_URLLIB and not k.startswith("_")
    }


def nombre_clase(clase: type) -> str:
    return f"{clase.__module__}:{clase.__qualname__}"


# ---------------------------------------------------------------------------------------------
# Rendering


def renderizar_aqui(html: str, fetcher) -> tuple[bytes, int]:
    """HTML → (PDF/A-3b bytes, pages), in this process, with no limits."""
    documento = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANTE
    )
    return documento.write_pdf(pdf_variant=PDF_VARIANTE), len(documento.pages)


class _Registros(logging.Handler):
    """Keeps WeasyPrint's log records of a render for the parent to log."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.registros: list[tuple[str, int, str]] = []

    def emit(self, record):
        if len(self.registros) < MAXIMO_REGISTROS:
            self.registros.append((record.name, record.levelno, record.getMessage()[:2000]))


def _clase(ruta: str, ajustes: str | None, ruta_python: list[str]):
    modulo, _, nombre = ruta.partition(":")
    if modulo == __name__:
        objeto = sys.modules[__name__]
    else:
        # A fetcher subclass defined elsewhere (tests): its module may need Django's apps.
        for carpeta in ruta_python:
            if carpeta not in sys.path:
                sys.path.append(carpeta)
        if ajustes:
            os.environ["DJANGO_SETTINGS_MODULE"] = ajustes
        import django
        from django.apps import apps

        if not apps.ready:
            django.setup()
        objeto = importlib.import_module(modulo)
    for parte in nombre.split("."):
        objeto = getattr(objeto, parte)
    return objeto


def _limitar(memoria: int | None, segundos: float) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = int(segundos) + HOLGURA_CPU  # SIGXCPU at the soft limit, SIGKILL 5 s later
    _, duro = resource.getrlimit(resource.RLIMIT_CPU)
    if duro == resource.RLIM_INFINITY or cpu + 5 <= duro:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    if memoria:
        _, duro = resource.getrlimit(resource.RLIMIT_AS)
        if duro != resource.RLIM_INFINITY:
            memoria = min(memoria, duro)
        resource.setrlimit(resource.RLIMIT_AS, (memoria, memoria))


def _error(exc: BaseException) -> dict:
    texto = "".join(traceback.format_exception(exc))
    try:
        datos = pickle.dumps(exc)
        pickle.loads(datos)
    except Exception:  # not picklable: the parent raises a RuntimeError with the summary
        datos = None
    resumen = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    return {"tipo": "error", "excepcion": datos, "resumen": resumen, "traza": texto}


def _pico_memoria() -> int | None:
    """Peak address space of this process (bytes), as ``RLIMIT_AS`` counts it."""
    try:
        with open("/proc/self/status", "rb") as estado:
            for linea in estado:
                if linea.startswith(b"VmPeak:"):
                    return int(linea.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def hijo(conexion, trabajo: dict) -> None:
    """Body of a render process: rebuild the fetcher, apply the limits, render, answer once.

    Answers a dict: ``tipo`` "ok" (with ``pdf``, ``paginas``, ``precargado``), "memoria" (a
    MemoryError) or "error" (``excepcion`` pickled or None, ``resumen``, ``traza``); always
    ``listas`` (the fetcher's list attributes, for the parent's instance), ``registros``
    (WeasyPrint's log records) and ``pico`` (peak address space). A child that cannot even
    answer for lack of memory exits with ``SALIDA_SIN_MEMORIA``.
    """
    reserva = bytearray(2 * 1024 * 1024)  # released to be able to answer after a failure
    registros = _Registros()
    fetcher = None
    try:
        clase = _clase(trabajo["clase"], trabajo.get("ajustes"), trabajo.get("sys_path", []))
        fetcher = clase(trabajo["raiz"])
        for nombre, valor in trabajo.get("listas", {}).items():
            setattr(fetcher, nombre, list(valor))
        registro = logging.getLogger("weasyprint")
        registro.addHandler(registros)
        registro.propagate = False
        _limitar(trabajo.get("memoria"), trabajo["segundos"])
        pdf, paginas = renderizar_aqui(trabajo["html"], fetcher)
        respuesta = {"tipo": "ok", "pdf": pdf, "paginas": paginas}
        respuesta["precargado"] = os.getpid() != _CARGADO_EN
    except BaseException as exc:
        del reserva
        try:
            respuesta = {"tipo": "memoria"} if isinstance(exc, MemoryError) else _error(exc)
        except MemoryError:
            os._exit(SALIDA_SIN_MEMORIA)
    try:
        respuesta["listas"] = listas(fetcher) if fetcher is not None else {}
        respuesta["registros"] = registros.registros
        respuesta["pico"] = _pico_memoria()
        conexion.send(respuesta)
    except MemoryError:
        os._exit(SALIDA_SIN_MEMORIA)
    finally:
        conexion.close()


# ---------------------------------------------------------------------------------------------
# Warm-up of the fork server


def _importado_por_el_servidor() -> bool:
    """True while ``multiprocessing.forkserver.main`` is importing this module (its preload)."""
    servidor = sys.modules.get("multiprocessing.forkserver")
    if servidor is None:
        return False
    codigo = servidor.main.__code__
    marco = sys._getframe(1)
    while marco is not None:
        if marco.f_code is codigo:
            return True
        marco = marco.f_back
    return False


def _precalentar() -> None:
    """Render a small document once: fonts, the shared stylesheet and the PDF/A writer."""
    raiz = Path(__file__).resolve().parent.parent.parent / "static"
    texto = "Presentación Región de Ñuble 0123456789 · V°B°"
    html = (
        '<html><head><link rel="stylesheet" href="pmggt/informe.css"></head><body>'
        f"<h1>{texto}</h1><p>{texto} <b>{texto}</b> <i>{texto}</i></p>"
        f'<table><tr><th>{texto}</th><td class="huella">{texto}</td></tr></table>'
        "</body></html>"
    )
    with contextlib.suppress(Exception):  # the real render reports any problem
        renderizar_aqui(html, FetcherEstatico(raiz))
    # What is loaded now is shared by every child: keep the collector from touching (and so
    # copying) those pages in each of them.
    gc.collect()
    gc.freeze()


if _importado_por_el_servidor():
    _precalentar()
