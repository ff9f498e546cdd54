"""Download of the Diagnóstico's PDF reports (Cuadro I N°1, Cuadro I N°2, Informe Etapa I).

URL (wired in diagnostico/urls.py): ``diagnostico/<pk>/pdf/<informe>/[?region=CODIGO]``.

- The Servicio's people and administrators download any report, of every region or one.
- A Funcionario/a GORE downloads the cuadros of their own region only, once visado, and must
  name the region (``?region=II``); the whole Informe Etapa I needs full access.
- Outsiders get 404 (they do not learn the document exists), as elsewhere.
"""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from . import informes
from .acceso import documento_para_region, regiones_legibles

logger = logging.getLogger(__name__)


@login_required
@require_GET
def pdf(request, pk: int, informe: str):
    if informe not in informes.INFORMES:
        raise Http404("Informe desconocido.")
    region = (request.GET.get("region") or "").strip() or None
    documento = documento_para_region(request, pk, region)
    if informe == "etapa1":
        if regiones_legibles(request.user, documento) is not None:
            raise PermissionDenied(
                "El informe completo de la Etapa I solo está disponible para el Servicio."
            )
        region = None
    datos = informes.datos_informe(documento)
    if region is not None and region not in informes.codigos_region(datos):
        raise Http404("El documento no tiene esa región.")
    html = informes.html_informe(datos, informe, region)
    try:
        resultado = informes.renderizar(html)
    except informes.InformeDemasiadoLento as exc:
        logger.warning("Informe PDF %s del documento %s: %s", informe, pk, exc)
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    respuesta = HttpResponse(resultado.contenido, content_type="application/pdf")
    nombre = informes.nombre_archivo(datos, informe, region)
    respuesta["Content-Disposition"] = f'attachment; filename="{nombre}"'
    respuesta["Cache-Control"] = "private, no-store"
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta
