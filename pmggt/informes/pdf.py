"""PDF rendering shared by every stage: restricted URL fetcher, time cap, PDF/A-3b, and the
identification, V°B° and version block every stage report prints.

Security
    - User text only reaches the HTML through Django templates with autoescaping, split into
      paragraphs and bullet lists by ``pmggt.texto.bloques``; nothing is marked safe.
    - WeasyPrint fetches resources only through ``FetcherEstatico``: it serves files under
      ``BASE_DIR/static`` addressed as ``https://pmggt-static.invalid/static/…`` (the document's
      base URL; ``.invalid`` can never resolve, see RFC 2606) and refuses everything else —
      ``file:``, ``http(s):`` to any other host, ``data:`` and any other scheme — so a document
      can neither read local files nor make network requests. ``data:`` is refused too: our own
      templates never need it, and refusing it keeps the fetcher to a single, auditable source.
    - Render time is capped: rendering happens in a worker thread (one at a time per process,
      WeasyPrint is not guaranteed thread-safe) and the caller gives up after
      ``settings.PMGGT_PDF_TIEMPO_MAXIMO`` seconds (default 120) with ``InformeDemasiadoLento``.
      Python cannot kill a thread: a runaway render keeps its slot until it ends, so at most one
      render per process consumes CPU and later requests fail fast instead of piling up.

Layout
    ``templates/pmggt/informes/base.html`` is the print base every stage report extends: running
    header (Servicio, año, etapa, estado, región), "Página X de Y", the BORRADOR watermark until
    Visado; ``_vobo.html`` is the V°B° block with version and hash. ``static/pmggt/informe.css``
    holds the shared page rules; each stage adds its own classes in ``static/<etapa>/informe.css``.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from pmggt import versiones
from pmggt.models import Documento, Transicion

Estado = Documento.Estado

PDF_VARIANTE = "pdf/a-3b"
ORIGEN_ESTATICO = "https://pmggt-static.invalid"
BASE_URL = f"{ORIGEN_ESTATICO}/static/"


class InformeError(Exception):
    """A report that cannot be produced; the message is for the user (Spanish)."""


class RegionNoEncontrada(InformeError, LookupError, ValueError):
    """A report filtered by a region the document does not have."""


class InformeDemasiadoLento(InformeError):
    pass


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
        self.raiz = Path(raiz or Path(settings.BASE_DIR) / "static").resolve()
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


# ---------------------------------------------------------------------------------------------
# Rendering with a time limit


@dataclass
class PDF:
    contenido: bytes
    paginas: int
    segundos: float


_UN_RENDER = threading.Lock()


def _tiempo_maximo() -> float:
    return float(getattr(settings, "PMGGT_PDF_TIEMPO_MAXIMO", 120))


def renderizar(html: str, *, fetcher: FetcherEstatico | None = None) -> PDF:
    """HTML (already escaped) → PDF/A-3b, in a worker thread with a time limit."""
    fetcher = fetcher or FetcherEstatico()
    limite = _tiempo_maximo()
    inicio = time.monotonic()
    if not _UN_RENDER.acquire(timeout=limite):
        raise InformeDemasiadoLento(
            "El servidor está generando otro informe; intente nuevamente en unos minutos."
        )
    resultado: dict = {}

    def trabajo():
        try:
            documento = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
                pdf_variant=PDF_VARIANTE
            )
            resultado["paginas"] = len(documento.pages)
            resultado["pdf"] = documento.write_pdf(pdf_variant=PDF_VARIANTE)
        except BaseException as exc:  # handed to the caller below
            resultado["error"] = exc
        finally:
            _UN_RENDER.release()

    hilo = threading.Thread(target=trabajo, name="pmggt-pdf", daemon=True)
    try:
        hilo.start()
    except BaseException:
        _UN_RENDER.release()
        raise
    hilo.join(max(0.0, limite - (time.monotonic() - inicio)))
    if hilo.is_alive():
        raise InformeDemasiadoLento(
            f"El informe tardó más de {limite:.0f} s en generarse y se canceló su descarga."
        )
    if "error" in resultado:
        raise resultado["error"]
    return PDF(resultado["pdf"], resultado["paginas"], time.monotonic() - inicio)


# ---------------------------------------------------------------------------------------------
# What every report prints: identification, state, version and V°B°


def _fecha(valor) -> str:
    return date_format(timezone.localtime(valor), "j \\d\\e F \\d\\e Y, H:i")


def _firma(transicion) -> dict | None:
    if transicion is None:
        return None
    actor = transicion.actor
    return {
        "nombre": actor.get_full_name() or actor.get_username(),
        "fecha": _fecha(transicion.fecha),
        "fecha_iso": transicion.fecha.isoformat(),
    }


def datos_documento(documento) -> dict:
    """Content, identification and V°B° of a stage document as it must be printed now.

    The content is ``versiones.contenido_publicado``: the live draft in Borrador, otherwise the
    frozen version under review or visado, so a PDF shows exactly what was approved or visado.
    """
    from pmggt import etapas

    doc = Documento.objects.select_related("servicio__region", "ciclo").get(pk=documento.pk)
    aprobacion = visacion = None
    datos, version = versiones.contenido_publicado(doc)
    if version is not None:
        ultimas = {}
        for t in (
            Transicion.objects.filter(
                documento=doc,
                version=doc.version_actual,
                accion__in=[Transicion.Accion.APROBAR, Transicion.Accion.VISAR],
            )
            .select_related("actor")
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
    return {
        "documento": doc,
        "servicio": {
            "sigla": servicio.sigla,
            "nombre": servicio.nombre,
            "ministerio": servicio.ministerio,
            "region_codigo": servicio.region.codigo if servicio.region_id else None,
            "region_nombre": servicio.region.nombre if servicio.region_id else "",
        },
        "anio": doc.ciclo.anio,
        "etapa": etapas.de(doc.etapa).titulo,
        "estado": doc.estado,
        "estado_texto": doc.get_estado_display(),
        "version": version.numero if version else None,
        "sha256": version.sha256 if version else None,
        "version_texto": version_texto,
        "borrador": doc.estado != Estado.VISADO,
        "aprobacion": aprobacion,
        "visacion": visacion,
        "contenido": datos,
    }


def nombre_archivo(datos: dict, informe: str, region: str | None = None, ext="pdf") -> str:
    partes = [datos["servicio"]["sigla"], str(datos["anio"]), informe]
    if region:
        partes.append(region)
    return "-".join(partes) + f".{ext}"
