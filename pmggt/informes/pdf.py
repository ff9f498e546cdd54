"""PDF rendering shared by every stage: restricted URL fetcher, isolated renders with time and
memory caps, PDF/A-3b, and the identification, V°B° and version block every stage report prints.

Security
    - User text only reaches the HTML through Django templates with autoescaping, split into
      paragraphs and bullet lists by ``pmggt.texto.bloques``; nothing is marked safe.
    - WeasyPrint fetches resources only through ``FetcherEstatico`` (``pmggt.informes.render``):
      it serves files under ``BASE_DIR/static`` addressed as
      ``https://pmggt-static.invalid/static/…`` (the document's base URL; ``.invalid`` can never
      resolve, see RFC 2606) and refuses everything else — ``file:``, ``http(s):`` to any other
      host, ``data:`` and any other scheme — so a document can neither read local files nor make
      network requests. ``data:`` is refused too: our own templates never need it, and refusing
      it keeps the fetcher to a single, auditable source.

Rendering: one OS process per PDF, with limits
    ``renderizar`` runs each render in its own process (``pmggt.informes.render.hijo``), forked
    from a ``multiprocessing`` fork server that each process starts on its first PDF (a gunicorn
    worker, runserver, a management command, a pytest or pytest-xdist worker) and that lives as
    long as that process (about 65 MB of RSS). The server preloads ``pmggt.informes.render``,
    which imports WeasyPrint and renders one small document, so a child starts in milliseconds
    with fonts and stylesheets loaded and without Django's apps. Starting the server costs about
    0.6 s of CPU once; each render then costs some 20-30 ms more than WeasyPrint in-process
    (fork, copy-on-write faults, exit), and the 48-page demo Informe Etapa I renders as fast as
    in-process. The parent waits for the answer on a pipe, and one slow or huge render never
    blocks the others:

    - **Time** ``settings.PMGGT_PDF_TIEMPO_MAXIMO`` (seconds, default 120), counted from the
      child's start: past it the child is killed (SIGKILL), its CPU and memory are released at
      once and ``InformeDemasiadoLento`` says so. The child also gets ``RLIMIT_CPU`` = cap +
      10 s, so it stops on its own even if the process that asked for it dies first.
    - **Memory** ``settings.PMGGT_PDF_MEMORIA_MAXIMA_MB`` (default 1536; ``None`` or 0: no
      limit) is the child's ``RLIMIT_AS``: address space, of which about 235 MB are libraries
      mapped before the render starts; the demo Informe Etapa I peaks at about 390 MB (130 MB
      of RSS). A child that runs out of it ends with ``InformeDemasiadoGrande`` (a
      ``MemoryError``, an error raised near the cap, or a death by SIGTRAP/SIGABRT/SIGSEGV/
      SIGBUS, which is how GLib and C code react to a refused allocation), never a hang.
    - **Parallel renders** at most ``settings.PMGGT_PDF_PARALELOS`` (default
      ``os.cpu_count()``) per process; a request waits ``ESPERA_TURNO`` seconds (5) at most for
      a free slot, then gets ``InformeDemasiadoLento`` ("El servidor está generando muchos
      informes…"). A slot is freed as soon as its child ends or is killed.

    So a request spends at most ``ESPERA_TURNO`` + ``PMGGT_PDF_TIEMPO_MAXIMO`` seconds in
    ``renderizar`` (plus building the HTML): gunicorn's ``--timeout`` (and the proxy's) must be
    above that, e.g. 130 s with the default 120 s cap (docs/despliegue.md). The views answer
    ``InformeDemasiadoLento`` (and so ``InformeDemasiadoGrande``) with a 503 and the message.

    The fetcher is created here (``FetcherEstatico`` is looked up at call time, so tests can
    monkeypatch ``pmggt.informes.pdf.FetcherEstatico``); the child rebuilds it from its class
    (``module:qualname``, imported after ``django.setup()`` only when it lives outside
    ``pmggt.informes.render``) and ``raiz``; the fetcher's own list attributes (``servidas``,
    ``rechazadas``, a subclass's) travel to the child and back onto this instance. WeasyPrint's
    warnings in the child are logged here under the same logger names; an exception in the
    child is raised here with the child's traceback as a note.

    Caveats: the fork server imports this package, so ``pmggt.informes`` and this module import
    no models at module level (``tests/pmggt/test_informes_pdf.py`` checks it). It also preloads
    the main module, as ``multiprocessing`` does for every child: a script that renders PDFs
    needs the ``if __name__ == "__main__":`` guard (manage.py, gunicorn and pytest have it). It
    imports the project from the working directory: started elsewhere, each PDF takes about a
    second more (a warning is logged once).

Layout
    ``templates/pmggt/informes/base.html`` is the print base every stage report extends: running
    header (Servicio, año, etapa, estado, región), "Página X de Y", the BORRADOR watermark until
    Visado; ``_vobo.html`` is the V°B° block with version and hash. ``static/pmggt/informe.css``
    holds the shared page rules; each stage adds its own classes in ``static/<etapa>/informe.css``.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing import connection

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from . import render
from .render import BASE_URL, ORIGEN_ESTATICO, PDF_VARIANTE, FetcherEstatico, RecursoRechazado

__all__ = [
    "BASE_URL",
    "ORIGEN_ESTATICO",
    "PDF",
    "PDF_VARIANTE",
    "FetcherEstatico",
    "InformeDemasiadoGrande",
    "InformeDemasiadoLento",
    "InformeError",
    "RecursoRechazado",
    "RegionNoEncontrada",
    "datos_documento",
    "identificacion",
    "renderizar",
]

logger = logging.getLogger(__name__)


class InformeError(Exception):
    """A report that cannot be produced; the message is for the user (Spanish)."""


class RegionNoEncontrada(InformeError, LookupError, ValueError):
    """A report filtered by a region the document does not have."""


class InformeDemasiadoLento(InformeError):
    """The server could not produce the report within its limits (time, memory, parallel
    renders); the views answer 503 with the message."""


class InformeDemasiadoGrande(InformeDemasiadoLento):
    """The render needed more memory than ``PMGGT_PDF_MEMORIA_MAXIMA_MB``."""


# ---------------------------------------------------------------------------------------------
# Rendering in a separate process, with limits


@dataclass
class PDF:
    contenido: bytes
    paginas: int
    segundos: float


ESPERA_TURNO = 5.0  # seconds a render waits for a free slot
ESPERA_FIN = 5.0  # seconds to wait for a child to be gone after its answer or SIGKILL
PRECARGA = ["__main__", render.__name__]


def _tiempo_maximo() -> float:
    return float(getattr(settings, "PMGGT_PDF_TIEMPO_MAXIMO", 120))


def _paralelos() -> int:
    return max(1, int(getattr(settings, "PMGGT_PDF_PARALELOS", None) or os.cpu_count() or 1))


def _memoria_maxima_mb() -> int | None:
    valor = getattr(settings, "PMGGT_PDF_MEMORIA_MAXIMA_MB", 1536)
    return int(valor) if valor else None


def _segundos(valor: float) -> str:
    return f"{round(valor, 1):g}".replace(".", ",")


class _Turnos:
    """At most ``limite`` renders at once in this process; the limit is read on each call."""

    def __init__(self):
        self._condicion = threading.Condition()
        self.ocupados = 0

    def tomar(self, limite: int, espera: float) -> bool:
        fin = time.monotonic() + espera
        with self._condicion:
            while self.ocupados >= limite:
                resto = fin - time.monotonic()
                if resto <= 0:
                    return False
                self._condicion.wait(resto)
            self.ocupados += 1
            return True

    def soltar(self) -> None:
        with self._condicion:
            self.ocupados -= 1
            self._condicion.notify()


_TURNOS = _Turnos()
# multiprocessing's bookkeeping of children (start, poll, join) is not thread-safe.
_PROCESOS = threading.Lock()
_contexto_forkserver = None
_aviso_precarga = False


def _contexto():
    global _contexto_forkserver
    with _PROCESOS:
        if _contexto_forkserver is None:
            contexto = multiprocessing.get_context("forkserver")
            contexto.set_forkserver_preload(PRECARGA)
            _contexto_forkserver = contexto
        return _contexto_forkserver


def _trabajo(html: str, fetcher, limite: float) -> dict:
    clase = type(fetcher)
    if "<locals>" in clase.__qualname__:
        raise TypeError(f"The fetcher's class must be importable: {render.nombre_clase(clase)}")
    memoria = _memoria_maxima_mb()
    trabajo = {
        "html": html,
        "clase": render.nombre_clase(clase),
        "raiz": str(fetcher.raiz),
        "listas": render.listas(fetcher),
        "segundos": limite,
        "memoria": memoria * 1024 * 1024 if memoria else None,
    }
    if clase.__module__ != render.__name__:
        trabajo["ajustes"] = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get(
            "DJANGO_SETTINGS_MODULE"
        )
        trabajo["sys_path"] = list(sys.path)
    return trabajo


def _terminar(proceso, matar: bool) -> int | None:
    """Make sure the child is gone (SIGKILL now if ``matar``, else if it lingers past
    ``ESPERA_FIN``); its exit code."""
    if proceso.pid is None:
        return None
    if not connection.wait([proceso.sentinel], 0 if matar else ESPERA_FIN):
        proceso.kill()
        if not connection.wait([proceso.sentinel], ESPERA_FIN):
            logger.error("El proceso de render PDF %s no terminó tras SIGKILL.", proceso.pid)
            return None
    with _PROCESOS:
        proceso.join(0)
        codigo = proceso.exitcode
    with contextlib.suppress(ValueError):
        proceso.close()
    return codigo


def _en_proceso_aparte(html: str, fetcher, limite: float):
    """(answer of the child or None, its exit code, whether it ran out of time)."""
    trabajo = _trabajo(html, fetcher, limite)
    contexto = _contexto()
    recibir, enviar = contexto.Pipe(duplex=False)
    proceso = contexto.Process(
        target=render.hijo, args=(enviar, trabajo), name="pmggt-pdf", daemon=True
    )
    respuesta = None
    vencido = False
    try:
        try:
            with _PROCESOS:
                proceso.start()
        finally:
            enviar.close()
        pid = proceso.pid
        vencido = not connection.wait([recibir, proceso.sentinel], timeout=limite)
        if not vencido and recibir.poll():
            with contextlib.suppress(EOFError):  # EOF: the child ended without answering
                respuesta = recibir.recv()
    finally:
        recibir.close()
        codigo = _terminar(proceso, matar=vencido)
    if vencido:
        logger.warning("Render PDF detenido (proceso %s) tras %s s, el máximo.", pid, limite)
    return respuesta, codigo, vencido


def _devolver(fetcher, listas: dict, registros: list) -> None:
    for nombre, valor in listas.items():
        actual = getattr(fetcher, nombre, None)
        if isinstance(actual, list):
            actual[:] = valor
        else:
            setattr(fetcher, nombre, valor)
    for nombre, nivel, mensaje in registros:
        logging.getLogger(nombre).log(nivel, "%s", mensaje)


# Deaths by these signals under RLIMIT_AS are how GLib (g_error: SIGTRAP), abort() and code
# that does not check malloc react to an allocation the kernel refused.
_SENALES_SIN_MEMORIA = {signal.SIGTRAP, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS}


def _sin_memoria(seguro: bool = True) -> InformeDemasiadoGrande:
    maximo = _memoria_maxima_mb()
    if seguro:
        motivo = f"El informe necesitó más memoria que el máximo permitido ({maximo} MB)"
    else:
        motivo = (
            "El proceso que generaba el informe se detuvo, probablemente por superar el máximo "
            f"de memoria permitido ({maximo} MB)"
        )
    return InformeDemasiadoGrande(
        f"{motivo} y no se pudo generar. Si necesita este informe, avise a la administración "
        "del sistema."
    )


def _cerca_del_maximo(pico: int | None) -> bool:
    """An error in a child whose address space reached (almost) the cap: a failed allocation
    that C code reported as some other error (SystemError, cairo or Pango errors)."""
    maximo = _memoria_maxima_mb()
    if not maximo or not pico:
        return False
    maximo *= 1024 * 1024
    return pico >= maximo - max(64 * 1024 * 1024, maximo // 10)


def _sin_respuesta(codigo: int | None, vencido: bool, limite: float) -> InformeError:
    """What to raise for a child that never answered."""
    if vencido or codigo == -signal.SIGXCPU:
        return InformeDemasiadoLento(
            f"El informe tardó más de {_segundos(limite)} s en generarse y se canceló su descarga."
        )
    if codigo == render.SALIDA_SIN_MEMORIA:
        return _sin_memoria()
    senal = None
    if codigo is not None and codigo < 0:
        with contextlib.suppress(ValueError):
            senal = signal.Signals(-codigo)
    logger.error(
        "El proceso de render PDF terminó sin responder (código %s%s).",
        codigo,
        f", {senal.name}" if senal else "",
    )
    if senal in _SENALES_SIN_MEMORIA and _memoria_maxima_mb():
        return _sin_memoria(seguro=False)
    return InformeError(
        "El proceso que generaba el informe terminó inesperadamente. Intente nuevamente y, si "
        "se repite, avise a la administración del sistema."
    )


def renderizar(html: str, *, fetcher: FetcherEstatico | None = None) -> PDF:
    """HTML (already escaped) → PDF/A-3b, in a separate process with time and memory caps."""
    global _aviso_precarga
    if fetcher is None:
        fetcher = FetcherEstatico()
    limite = _tiempo_maximo()
    inicio = time.monotonic()
    if not _TURNOS.tomar(_paralelos(), ESPERA_TURNO):
        raise InformeDemasiadoLento(
            "El servidor está generando muchos informes; intente nuevamente en unos minutos."
        )
    try:
        respuesta, codigo, vencido = _en_proceso_aparte(html, fetcher, limite)
    finally:
        _TURNOS.soltar()
    if respuesta is None:
        raise _sin_respuesta(codigo, vencido, limite)
    _devolver(fetcher, respuesta["listas"], respuesta["registros"])
    if respuesta["tipo"] == "ok":
        if not respuesta["precargado"] and not _aviso_precarga:
            _aviso_precarga = True
            logger.warning(
                "El servidor de procesos de PDF no precargó %s (¿el directorio de trabajo no es "
                "la raíz del proyecto?): cada informe tarda alrededor de un segundo más.",
                render.__name__,
            )
        return PDF(respuesta["pdf"], respuesta["paginas"], time.monotonic() - inicio)
    if respuesta["tipo"] == "memoria":
        raise _sin_memoria()
    try:
        error = pickle.loads(respuesta["excepcion"])
    except Exception:  # None (not picklable) or not importable here
        error = RuntimeError(respuesta["resumen"])
    error.add_note(f"En el proceso de render PDF:\n{respuesta['traza']}")
    if _cerca_del_maximo(respuesta["pico"]):
        logger.warning("Render PDF sin memoria: %s", respuesta["resumen"])
        raise _sin_memoria() from error
    raise error


# ---------------------------------------------------------------------------------------------
# What every report prints: identification, state, version and V°B°


def _fecha(valor) -> str:
    return date_format(timezone.localtime(valor), "j \\d\\e F \\d\\e Y, H:i")


def _firma(transicion) -> dict | None:
    if transicion is None:
        return None
    actor = transicion.actor
    nombre = actor.get_full_name() or actor.get_username()
    # A step taken by the Jefe/a's substitute says so in the V°B° block (pmggt.subrogancia);
    # plain strings: the signature is part of the stored PDF's cache key.
    subrogancia_de = ""
    if transicion.subrogancia_id:
        titular = transicion.subrogancia.titular
        subrogancia_de = titular.get_full_name() or titular.get_username()
        nombre = f"{nombre} (por subrogancia de {subrogancia_de})"
    return {
        "nombre": nombre,
        "subrogancia_de": subrogancia_de,
        "fecha": _fecha(transicion.fecha),
        "fecha_iso": transicion.fecha.isoformat(),
    }


def datos_documento(documento, usuario=None) -> dict:
    """Content, identification and V°B° of a stage document as this user must see it printed.

    The content is ``versiones.contenido_para``: for the Servicio's people the live draft in
    Borrador, otherwise the frozen version under review or visado, so a PDF shows exactly what
    was approved or visado; a GORE always gets the last visado version, cut to its regions.
    """
    from pmggt import versiones  # not at module level: see the module docstring
    from pmggt.models import Documento

    doc = Documento.objects.select_related("servicio__region", "ciclo").get(pk=documento.pk)
    datos, version = versiones.contenido_para(doc, usuario)
    return {"documento": doc, **identificacion(doc, version), "contenido": datos}


def identificacion(doc, version) -> dict:
    """What a report prints of ``doc`` printed at ``version`` (None: the live draft) besides its
    content: Servicio, year, stage, state, version and hash, and the V°B° signatures.

    JSON-serialisable: ``pmggt.informes.cache`` hashes it into the key of a stored PDF, so a
    stored PDF is never served once any of this would print differently.
    """
    from pmggt import etapas  # not at module level: see the module docstring
    from pmggt.models import Documento, Transicion

    Estado = Documento.Estado
    aprobacion = visacion = None
    # A reader of the visado record sees it as Visado even while a new version is under way.
    visada = version is not None and version.numero == doc.version_visada
    if version is not None:
        ultimas = {}
        for t in (
            Transicion.objects.filter(
                documento=doc,
                version=version.numero,
                accion__in=[Transicion.Accion.APROBAR, Transicion.Accion.VISAR],
            )
            .select_related("actor", "subrogancia__titular")
            .order_by("fecha", "id")
        ):
            ultimas[t.accion] = t
        aprobacion = _firma(ultimas.get(Transicion.Accion.APROBAR))
        visacion = _firma(ultimas.get(Transicion.Accion.VISAR))
    servicio = doc.servicio
    if version is not None:
        version_texto = f"Versión {version.numero} · sha256 {version.sha256[:12]}"
    else:
        version_texto = "Borrador sin versión"
    estado = Estado.VISADO if visada else doc.estado
    return {
        "servicio": {
            "sigla": servicio.sigla,
            "nombre": servicio.nombre,
            "ministerio": servicio.ministerio,
            "region_codigo": servicio.region.codigo if servicio.region_id else None,
            "region_nombre": servicio.region.nombre if servicio.region_id else "",
        },
        "anio": doc.ciclo.anio,
        "etapa": etapas.de(doc.etapa).titulo,
        "estado": estado,
        "estado_texto": Estado(estado).label,
        "version": version.numero if version else None,
        "sha256": version.sha256 if version else None,
        "version_texto": version_texto,
        "borrador": estado != Estado.VISADO,
        "aprobacion": aprobacion,
        "visacion": visacion,
    }
