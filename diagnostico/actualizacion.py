"""Next year starts from this one: copy the last visado Diagnóstico into a new Borrador."""

from pmggt import services as pmggt_services
from pmggt.models import Ciclo, Documento, VersionDocumento
from pmggt.workflow import DatosInvalidos, EstadoInvalido

from .models import Diagnostico


def diagnostico_actualizar(*, documento: Documento, actor) -> Documento:
    from .carga import cargar_contenido

    if documento.version_visada is None:
        raise EstadoInvalido("Solo se actualiza un Diagnóstico que tenga una versión visada.")
    siguiente = Ciclo.objects.filter(anio=documento.ciclo.anio + 1).first()
    if siguiente is None:
        raise DatosInvalidos(
            f"Aún no existe el Ciclo {documento.ciclo.anio + 1}: SUBDERE debe abrirlo primero."
        )
    version = VersionDocumento.objects.get(documento=documento, numero=documento.version_visada)
    nuevo = pmggt_services.documento_crear(
        servicio=documento.servicio, ciclo=siguiente, etapa=documento.etapa, actor=actor
    )
    diagnostico = Diagnostico.objects.get(documento=nuevo)
    cargar_contenido(diagnostico=diagnostico, datos=version.contenido, actor=actor)
    return nuevo


def anterior_visado(documento: Documento) -> VersionDocumento | None:
    """The visado version of the same Servicio's previous-year document, if any."""
    previo = (
        Documento.objects.filter(
            servicio_id=documento.servicio_id,
            etapa=documento.etapa,
            ciclo__anio__lt=documento.ciclo.anio,
            version_visada__isnull=False,
        )
        .order_by("-ciclo__anio")
        .first()
    )
    if previo is None:
        return None
    return VersionDocumento.objects.filter(documento=previo, numero=previo.version_visada).first()
