"""The one download view of every stage's reports and exports.

URL: ``documentos/<pk>/informes/<nombre>/[?region=CODIGO]``, where ``nombre`` is a report the
document's stage declares (``etapas.Informe``); a stage may also route its own URLs here with
``etapa`` (and ``formato``) fixed, as Etapa I's ``diagnostico:pdf`` and ``excel_exportar`` do.

- The Servicio's people and administrators download any report, of every region or one.
- A Funcionario/a GORE downloads the reports of its own region only, once visado, and must
  name the region (``?region=II``) of a Servicio with Centros; complete reports
  (``solo_servicio``) need full access.
- Outsiders get 404 (they do not learn the document exists), as elsewhere.

Once those checks pass, a PDF that is the record of a visado version is rendered once and then
served from storage (``pmggt.informes.cache``); drafts and Excel files are built every time.
"""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET

from pmggt import acceso, etapas

from . import TIPOS, InformeError, RegionNoEncontrada, cache, generar, nombre_archivo

logger = logging.getLogger(__name__)


def _cabeceras(respuesta, nombre: str):
    respuesta["Content-Disposition"] = f'attachment; filename="{nombre}"'
    respuesta["Cache-Control"] = "private, no-store"
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta


def respuesta_archivo(archivo) -> HttpResponse:
    return _cabeceras(HttpResponse(archivo.contenido, content_type=archivo.tipo), archivo.nombre)


def respuesta_guardada(guardado, nombre: str, tipo: str) -> FileResponse:
    """A stored PDF, streamed, with the same headers as a freshly built one."""
    respuesta = FileResponse(guardado, content_type=tipo, as_attachment=True, filename=nombre)
    return _cabeceras(respuesta, nombre)


@login_required
@require_GET
def descargar(request, pk: int, informe: str, etapa: int | None = None, formato: str | None = None):
    region = (request.GET.get("region") or "").strip() or None
    documento = acceso.documento_para_region(request, pk, region, etapa=etapa)
    declarado = etapas.de(documento.etapa).informe(informe)
    if declarado is None or (formato and declarado.formato != formato):
        raise Http404("Informe desconocido.")
    if declarado.solo_servicio or declarado.regiones is None:
        if acceso.regiones_legibles(request.user, documento) is not None:
            raise PermissionDenied(
                f"El {declarado.titulo} completo solo está disponible para el Servicio."
            )
        region = None
    # Every access check is above: only now may a stored PDF be looked up.
    clave = cache.clave(documento, declarado, region, request.user)
    if clave is not None:
        guardado = cache.abrir(clave)
        if guardado is not None:
            nombre = nombre_archivo(documento, declarado, region)
            return respuesta_guardada(guardado, nombre, TIPOS[declarado.formato])
    try:
        archivo = generar(documento, declarado, region, request.user)
    except RegionNoEncontrada as exc:
        raise Http404("El documento no tiene esa región.") from exc
    except InformeError as exc:
        # Too slow, too big, or the render process failed: a clear answer, never a 500.
        logger.warning("Informe %s del documento %s: %s", informe, pk, exc)
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    if clave is not None:
        cache.guardar(clave, archivo.contenido, declarado, region, request.user)
    return respuesta_archivo(archivo)
