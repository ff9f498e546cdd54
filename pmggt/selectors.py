"""Reads of the shared core: what each person must act on, follows, or may see.

Every list is one filtered query built from permission subqueries, never a loop of checks.
"""

from django.db.models import BooleanField, Case, Count, Q, Value, When

from . import permisos
from .models import Centro, Documento, Servicio

Estado = Documento.Estado


def _servicios(usuario, codename: str):
    return permisos.objetos_con(usuario, codename, Servicio).values("pk")


def _con_resumen(qs, usuario):
    if permisos.es_administrador(usuario):
        abrible = interno = Value(True)
    else:
        # Review details (open observaciones) are the Servicio's own business (acceso.lectura_de).
        interno = Case(
            When(servicio__in=_servicios(usuario, "ver_documentos"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        abrible = Case(
            When(servicio__in=_servicios(usuario, "ver_documentos"), then=Value(True)),
            When(version_visada__isnull=False, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    return (
        qs.select_related("servicio", "ciclo")
        .annotate(
            observaciones_pendientes=Count(
                "observaciones", filter=Q(observaciones__resuelta=False), distinct=True
            ),
            puede_abrir=abrible,
            interno=interno,
        )
        .order_by("estado_desde", "pk")
    )


def q_pendientes(usuario) -> Q:
    centros = permisos.objetos_con(usuario, "editar_centro", Centro).values("servicio_id")
    return (
        Q(estado=Estado.BORRADOR, servicio__in=_servicios(usuario, "editar_documentos"))
        # Encargadas de Centro fill their region's cuadros while the document is in Borrador.
        | Q(estado=Estado.BORRADOR, servicio__in=centros)
        | Q(estado=Estado.EN_REVISION_JEFE, servicio__in=_servicios(usuario, "aprobar_documentos"))
        | Q(estado=Estado.EN_VISACION, servicio__in=_servicios(usuario, "visar_documentos"))
    )


def q_seguidos(usuario) -> Q:
    """Documents a person follows: of their Servicios, or concerning their GORE's region."""
    return Q(servicio__in=_servicios(usuario, "ver_documentos")) | Q(
        servicio__in=Servicio.objects.filter(
            permisos.q_concierne_a_gores(permisos.gores_de(usuario))
        ).values("pk")
    )


def documentos_pendientes_para(usuario):
    """Exactly the documents waiting for this person's action."""
    if not usuario.is_authenticated:
        return Documento.objects.none()
    return _con_resumen(Documento.objects.filter(q_pendientes(usuario)), usuario)


def documentos_seguidos_por(usuario):
    """Documents this person follows that are not waiting for them."""
    if not usuario.is_authenticated:
        return Documento.objects.none()
    return _con_resumen(
        Documento.objects.filter(q_seguidos(usuario)).exclude(q_pendientes(usuario)), usuario
    ).order_by("-ciclo__anio", "etapa", "servicio__nombre")


def documentos_visibles_para(usuario):
    if not usuario.is_authenticated:
        return Documento.objects.none()
    if permisos.es_administrador(usuario):
        return _con_resumen(Documento.objects.all(), usuario)
    return _con_resumen(Documento.objects.filter(q_seguidos(usuario)), usuario)


def servicios_donde_puede_crear(usuario):
    return permisos.objetos_con(usuario, "editar_documentos", Servicio).filter(activo=True)
