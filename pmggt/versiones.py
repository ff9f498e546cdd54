"""What a stage document says, as each reader must see it: live draft, version under review,
or the visado record; and the read API later stages use to cite an earlier stage.

A later stage never imports an earlier stage's models: it reads the earlier stage's *visado*
canonical content (the JSON frozen by ``workflow.enviar``) through ``contenido_visado``.
"""

from . import etapas
from .models import Documento, VersionDocumento

Estado = Documento.Estado


def contenido_publicado(documento: Documento) -> tuple[dict, VersionDocumento | None]:
    """(content, version) that reports and exports show: the live content (version None)
    while in Borrador, otherwise the frozen content of the version under review or visado."""
    if documento.estado != Estado.BORRADOR and documento.version_actual:
        version = VersionDocumento.objects.get(documento=documento, numero=documento.version_actual)
        return version.contenido, version
    return etapas.de(documento.etapa).contenido(documento), None


def version_visada(documento: Documento) -> VersionDocumento | None:
    """The official record of the document (its last visado version), if it has one."""
    if documento.version_visada is None:
        return None
    return VersionDocumento.objects.filter(
        documento=documento, numero=documento.version_visada
    ).first()


def documento_de(servicio, ciclo, etapa: int) -> Documento | None:
    return (
        Documento.objects.select_related("servicio", "ciclo")
        .filter(servicio=servicio, ciclo=ciclo, etapa=etapa)
        .first()
    )


def contenido_visado(servicio, ciclo, etapa: int) -> tuple[dict, VersionDocumento] | None:
    """The visado canonical content of another stage of the same Servicio and Ciclo.

    None when that stage has no visado version (never a draft: a later stage builds only on
    what SUBDERE validated). The content keeps the visado version even while a modification
    of that stage is in progress.
    """
    documento = documento_de(servicio, ciclo, etapa)
    if documento is None:
        return None
    version = version_visada(documento)
    if version is None:
        return None
    return version.contenido, version
