"""Next year starts from this one: copy the last visado Diagnóstico into a new Borrador."""

from django.db.models import Exists

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


def puede_actualizar(documento: Documento, usuario) -> bool:
    """Show "Actualizar diagnóstico" only when it can work (the service re-checks)."""
    from pmggt import permisos

    if documento.version_visada is None or not permisos.tiene(
        usuario, "editar_documentos", documento.servicio
    ):
        return False
    anio = documento.ciclo.anio + 1
    ya_iniciado = Documento.objects.filter(
        servicio_id=documento.servicio_id, etapa=documento.etapa, ciclo__anio=anio
    )
    # One query: next year's Ciclo is open and this Servicio has not started its Diagnóstico.
    return Ciclo.objects.filter(anio=anio, abierto=True).filter(~Exists(ya_iniciado)).exists()
