"""Reads of the shared core: what each person must act on, follows, or may see.

Every list is one filtered query built from permission subqueries, never a loop of checks. The
lists are paginated in the database: counts are bare ``COUNT(*)`` (the per-row summaries are
correlated subqueries, which a count leaves out) and a page reads only its own rows.
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import etapas, permisos
from .models import Centro, Documento, Observacion, Servicio

Estado = Documento.Estado
NO_INICIADO = "no_iniciado"  # the pseudo-state of a Servicio without a document (lists, filters)


def _servicios(usuario, codename: str):
    return permisos.objetos_con(usuario, codename, Servicio).values("pk")


def _observaciones_abiertas():
    """Open observaciones of the outer document: a correlated subquery (no GROUP BY outside)."""
    return Coalesce(
        Subquery(
            Observacion.objects.filter(documento=OuterRef("pk"), resuelta=False)
            .order_by()
            .values("documento")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _con_resumen(qs, usuario):
    if permisos.es_administrador(usuario):
        abrible = interno = Value(True)
        abiertas = _observaciones_abiertas()
    else:
        # Review details (open observaciones) are the Servicio's own business (acceso.lectura_de):
        # a reader outside it does not even get the number.
        propios = Q(servicio__in=_servicios(usuario, "ver_documentos"))
        interno = Case(
            When(propios, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        abrible = Case(
            When(propios, then=Value(True)),
            When(version_visada__isnull=False, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        abiertas = Case(
            When(propios, then=_observaciones_abiertas()),
            default=Value(None),
            output_field=IntegerField(),
        )
    return (
        qs.select_related("servicio", "ciclo")
        .annotate(observaciones_pendientes=abiertas, puede_abrir=abrible, interno=interno)
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


def _q_servicios_seguidos(usuario, prefijo: str = "") -> Q:
    """Servicios a person follows (or their documents, prefijo="servicio__"): her Servicios,
    or those concerning her GORE's region."""
    campo = f"{prefijo}in" if prefijo else "pk__in"
    return Q(**{campo: _servicios(usuario, "ver_documentos")}) | Q(
        **{
            campo: Servicio.objects.filter(
                permisos.q_concierne_a_gores(permisos.gores_de(usuario))
            ).values("pk")
        }
    )


def q_seguidos(usuario) -> Q:
    """Documents a person follows: of their Servicios, or concerning their GORE's region."""
    return _q_servicios_seguidos(usuario, "servicio__")


def num_pendientes(usuario) -> int:
    """The navbar badge: a bare COUNT over the pending filter (no summary, join or order)."""
    if not usuario.is_authenticated:
        return 0
    return Documento.objects.filter(q_pendientes(usuario)).order_by().count()


def documentos_pendientes_para(usuario):
    """Exactly the documents waiting for this person's action."""
    if not usuario.is_authenticated:
        return Documento.objects.none()
    return _con_resumen(Documento.objects.filter(q_pendientes(usuario)), usuario)


def documentos_seguidos_por(usuario):
    """Documents this person follows that are not waiting for them: the open Ciclos first, then
    the newest."""
    if not usuario.is_authenticated:
        return Documento.objects.none()
    return _con_resumen(
        Documento.objects.filter(q_seguidos(usuario)).exclude(q_pendientes(usuario)), usuario
    ).order_by("-ciclo__abierto", "-ciclo__anio", "etapa", "servicio__nombre", "pk")


def documentos_visibles_para(usuario):
    if not usuario.is_authenticated:
        return Documento.objects.none()
    if permisos.es_administrador(usuario):
        return _con_resumen(Documento.objects.all(), usuario)
    return _con_resumen(Documento.objects.filter(q_seguidos(usuario)), usuario)


def servicios_donde_puede_crear(usuario):
    return permisos.objetos_con(usuario, "editar_documentos", Servicio).filter(activo=True)


def servicios_visibles_para(usuario):
    """Servicios whose documents this person sees in the lists (all for administrators)."""
    if not usuario.is_authenticated:
        return Servicio.objects.none()
    if permisos.es_administrador(usuario):
        return Servicio.objects.all()
    return Servicio.objects.filter(_q_servicios_seguidos(usuario))


def servicios_supervisados_por(usuario):
    """Servicios this person oversees: all for administrators; else those where she drafts,
    approves or vises the documents (Encargado/a GT, Jefe/a, Experto/a SUBDERE)."""
    if not usuario.is_authenticated:
        return Servicio.objects.none()
    if permisos.es_administrador(usuario):
        return Servicio.objects.all()
    return Servicio.objects.filter(
        Q(pk__in=_servicios(usuario, "editar_documentos"))
        | Q(pk__in=_servicios(usuario, "aprobar_documentos"))
        | Q(pk__in=_servicios(usuario, "visar_documentos"))
    )


# --- Servicios without a document ("No iniciado") ----------------------------------------------

# Columns of a "No iniciado" row, in the order every part of the union selects them.
COLUMNAS_NO_INICIADO = ("id", "nombre", "sigla", "ciclo_pk", "anio", "etapa_num", "puede_iniciar")


@dataclass(frozen=True)
class NoIniciado:
    """An active Servicio without the document of a stage in a Ciclo."""

    servicio_id: int
    nombre: str
    sigla: str
    ciclo_id: int
    anio: int
    etapa: etapas.EtapaDef
    puede_iniciar: bool  # the person may start it now (Encargado/a GT, open Ciclo, requisite)

    estado = NO_INICIADO

    @classmethod
    def de(cls, fila: dict) -> "NoIniciado":
        return cls(
            servicio_id=fila["id"],
            nombre=fila["nombre"],
            sigla=fila["sigla"],
            ciclo_id=fila["ciclo_pk"],
            anio=fila["anio"],
            etapa=etapas.de(fila["etapa_num"]),
            puede_iniciar=bool(fila["puede_iniciar"]),
        )


def _requisito(definicion: etapas.EtapaDef, ciclo) -> Q | Exists:
    """Whether the stage may start for the outer Servicio in this Ciclo, as
    services.motivo_no_iniciable decides it: the required stage has a visado version."""
    if definicion.requiere is None:
        return Q()
    return Exists(
        Documento.objects.filter(
            servicio=OuterRef("pk"),
            ciclo=ciclo,
            etapa=definicion.requiere,
            version_visada__isnull=False,
        )
    )


def no_iniciados(usuario, servicios, ciclos, definiciones, *, solo_iniciables: bool = False):
    """(Servicio, Ciclo, stage) without a document, among the active ``servicios`` (a queryset,
    already limited to what the person may see), as one UNION query of ``COLUMNAS_NO_INICIADO``
    dicts (order it, page it, then ``NoIniciado.de`` each row). ``solo_iniciables``: only open
    Ciclos and stages whose requisite is met (what may be started now)."""
    editables = _servicios(usuario, "editar_documentos")
    partes = []
    for ciclo in ciclos:
        if solo_iniciables and not ciclo.abierto:
            continue
        for definicion in definiciones:
            requisito = _requisito(definicion, ciclo)
            parte = servicios.filter(activo=True).exclude(
                Exists(
                    Documento.objects.filter(
                        servicio=OuterRef("pk"), ciclo=ciclo, etapa=definicion.numero
                    )
                )
            )
            if solo_iniciables:
                parte = parte.filter(requisito)
                iniciable = Q(pk__in=editables)
            else:
                iniciable = Q(pk__in=editables) & requisito if ciclo.abierto else None
            puede = (
                Case(When(iniciable, then=Value(True)), default=Value(False))
                if iniciable is not None
                else Value(False)
            )
            partes.append(
                parte.order_by()
                .annotate(
                    ciclo_pk=Value(ciclo.pk, output_field=IntegerField()),
                    anio=Value(ciclo.anio, output_field=IntegerField()),
                    etapa_num=Value(definicion.numero, output_field=IntegerField()),
                    puede_iniciar=puede,
                )
                .values(*COLUMNAS_NO_INICIADO)
            )
    if not partes:
        return Servicio.objects.none().values(*COLUMNAS_NO_INICIADO)
    if len(partes) == 1:
        return partes[0]
    return partes[0].union(*partes[1:], all=True)
