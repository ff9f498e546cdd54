"""Who may read or write which region of a Diagnóstico.

- The Encargado/a GT edits every part while the document is in Borrador.
- An Encargado/a de Centro edits only the rows of their own Centro (región), in Borrador.
- Readers of the Servicio's documents (and administrators) read every region.
- A Funcionario/a GORE reads, once the document is Visado, only the regions of their GORE.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from pmggt import permisos
from pmggt.models import Centro, Documento

Estado = Documento.Estado


def centros_editables(usuario, documento: Documento, *, en_cualquier_estado=False) -> set:
    """Centro ids (and None for Servicio-level rows) this user may edit now (or in Borrador)."""
    if documento.estado != Estado.BORRADOR and not en_cualquier_estado:
        return set()
    if permisos.tiene(usuario, "editar_documentos", documento.servicio):
        return {
            None,
            *Centro.objects.filter(servicio=documento.servicio).values_list("pk", flat=True),
        }
    return set(permisos.centros_editables(usuario, documento.servicio).values_list("pk", flat=True))


def puede_editar_region(usuario, documento: Documento, centro_id: int | None) -> bool:
    return centro_id in centros_editables(usuario, documento)


def regiones_legibles(usuario, documento: Documento) -> set | None:
    """Region codes the user may read; None means every region (and Servicio-level parts)."""
    if permisos.es_administrador(usuario) or permisos.tiene(
        usuario, "ver_documentos", documento.servicio
    ):
        return None
    if documento.estado != Estado.VISADO:
        return set()
    legibles = set(permisos.gores_de(usuario).values_list("region__codigo", flat=True))
    servicio = documento.servicio
    if servicio.region_id and servicio.region.codigo in legibles and not servicio.centros.exists():
        legibles.add(None)  # a regional Servicio's own cuadro (no Centros) is its region's
    return legibles


def documento_para_region(request, pk: int, region: str | None) -> Documento:
    """The Diagnóstico's document if this user may read this region (None: the whole document).

    Outsiders get 404; insiders without the right (e.g. a GORE asking for another region, or
    for a document not yet visado) get 403.
    """
    documento = get_object_or_404(
        Documento.objects.select_related("servicio", "ciclo"),
        pk=pk,
        etapa=Documento.Etapa.DIAGNOSTICO,
    )
    nivel = permisos.nivel_acceso_servicio(request.user, documento.servicio)
    if nivel is None:
        raise Http404("Documento no encontrado.")
    legibles = regiones_legibles(request.user, documento)
    if legibles is None:
        return documento
    servicio = documento.servicio
    if region is None and servicio.region_id and not servicio.centros.exists():
        # A regional Servicio without Centros: the whole document is its region's.
        region = servicio.region.codigo
    if region is None or region not in legibles:
        raise PermissionDenied(
            "Su Gobierno Regional accede solo a la parte de su región, una vez visado el documento."
        )
    return documento
