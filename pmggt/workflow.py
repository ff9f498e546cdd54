"""The approval chain, written once for every stage document.

          enviar            aprobar               visar
Borrador ───────▶ En revisión ───────▶ En visación ───────▶ Visado
   ▲              del Jefe             SUBDERE                │
   └── devolver (observaciones) ─────────┘                    │ solicitar modificación
   ▲                                                          │
   └──────────────────────────────────────────────────────────┘

Each transition locks the document row, checks the current state and the actor's object
permission, records actor, time, version and comment, and e-mails the people who act next.
An approval or a V°B° does not resolve the observaciones still open: it records them as carried
(``Transicion.arrastradas``) and they stay open until the Servicio resolves them in Borrador.
Nothing else assigns ``Documento.estado``.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from . import consultas, etapas, notificaciones, permisos
from .historia import actuando_como
from .models import Documento, Observacion, Transicion, VersionDocumento

Estado = Documento.Estado
Accion = Transicion.Accion


class ErrorFlujo(Exception):
    """A transition that cannot happen; the message is for the user (Spanish)."""


class SinPermiso(ErrorFlujo):
    pass


class EstadoInvalido(ErrorFlujo):
    pass


class VersionObsoleta(ErrorFlujo):
    pass


class DatosInvalidos(ErrorFlujo):
    pass


class MismaPersona(ErrorFlujo):
    """The same person may not act twice on one version (four eyes)."""


@dataclass(frozen=True)
class Regla:
    origen: str
    destino: str
    permiso: str  # codename on the Servicio


REGLAS: dict[str, tuple[Regla, ...]] = {
    Accion.ENVIAR: (Regla(Estado.BORRADOR, Estado.EN_REVISION_JEFE, "editar_documentos"),),
    Accion.APROBAR: (Regla(Estado.EN_REVISION_JEFE, Estado.EN_VISACION, "aprobar_documentos"),),
    Accion.DEVOLVER: (
        Regla(Estado.EN_REVISION_JEFE, Estado.BORRADOR, "aprobar_documentos"),
        Regla(Estado.EN_VISACION, Estado.BORRADOR, "visar_documentos"),
    ),
    Accion.VISAR: (Regla(Estado.EN_VISACION, Estado.VISADO, "visar_documentos"),),
    Accion.SOLICITAR_MODIFICACION: (Regla(Estado.VISADO, Estado.BORRADOR, "editar_documentos"),),
}
# Actions that act on a sent version and so must name it (stale versions are refused).
ACCIONES_SOBRE_VERSION = {Accion.APROBAR, Accion.DEVOLVER, Accion.VISAR}
# Who sent or approved a version may not approve, return or visar that same version: every
# step of the chain is a second person's (a user holding two roles acts in one of them only).
ACCIONES_PREVIAS = {Accion.ENVIAR: "envió", Accion.APROBAR: "aprobó"}


_TRANSICIONES = "_pmggt_transiciones"


def transiciones_de(documento: Documento) -> list[Transicion]:
    """The document's transitions, oldest first, with their actors: read once per document
    object (a page asks for them for the four-eyes rule, the timeline and its notices)."""
    cache = documento.__dict__.get(_TRANSICIONES)
    if cache is None:
        cache = documento.__dict__[_TRANSICIONES] = _TRANSICIONES_DE.lista(documento=documento.pk)
    return cache


def _transiciones(documento):
    return (
        Transicion.objects.filter(documento_id=documento)
        # «por subrogancia de …» (pmggt.subrogancia.por_subrogancia): same query.
        .select_related("actor", "subrogancia__titular")
        # How many open observaciones each approval or V°B° carried (same query).
        .annotate(n_arrastradas=Count("arrastradas"))
        .order_by("fecha", "pk")
    )


_TRANSICIONES_DE = consultas.Compilada(_transiciones, ids=("documento",))


def con_abiertas(transicion: Transicion) -> str:
    """The timeline's « con N observaciones abiertas» of an approval or V°B° that carried
    open ones (``transiciones_de`` counts them), else ""."""
    n = getattr(transicion, "n_arrastradas", 0) or 0
    if not n:
        return ""
    return " con 1 observación abierta" if n == 1 else f" con {n} observaciones abiertas"


def _ya_actuo(documento: Documento, actor) -> str | None:
    """What this actor already did on the version under review ("envió"/"aprobó"), if any."""
    if not documento.version_actual:
        return None
    if _TRANSICIONES in documento.__dict__:
        hechas = [
            t.accion
            for t in documento.__dict__[_TRANSICIONES]
            if t.version == documento.version_actual
            and t.actor_id == actor.pk
            and t.accion in ACCIONES_PREVIAS
        ]
        return ACCIONES_PREVIAS.get(hechas[-1]) if hechas else None
    accion = (
        Transicion.objects.filter(
            documento_id=documento.pk,
            version=documento.version_actual,
            actor_id=actor.pk,
            accion__in=list(ACCIONES_PREVIAS),
        )
        .order_by("-fecha", "-pk")
        .values_list("accion", flat=True)
        .first()
    )
    return ACCIONES_PREVIAS.get(accion)


def _regla(accion: str, estado: str) -> Regla | None:
    return next((r for r in REGLAS.get(accion, ()) if r.origen == estado), None)


def motivo_sin_modificacion(documento: Documento) -> str | None:
    """Why this visado document cannot be reopened now; the stage declares the rule."""
    regla = etapas.de(documento.etapa).puede_solicitar_modificacion
    return regla(documento) if regla else None


def acciones_disponibles(documento: Documento, usuario) -> list[str]:
    """The transitions this user may take on this document now, in chain order."""
    acciones = []
    ya_actuo = None
    for accion in REGLAS:
        regla = _regla(accion, documento.estado)
        if regla and permisos.tiene(usuario, regla.permiso, documento.servicio):
            if accion == Accion.SOLICITAR_MODIFICACION and motivo_sin_modificacion(documento):
                continue
            if accion in ACCIONES_SOBRE_VERSION:
                if ya_actuo is None:
                    ya_actuo = _ya_actuo(documento, usuario) or ""
                if ya_actuo:
                    continue
            acciones.append(accion)
    return acciones


def puede_editar(documento: Documento, usuario) -> bool:
    return documento.estado == Estado.BORRADOR and permisos.tiene(
        usuario, "editar_documentos", documento.servicio
    )


def puede_observar(documento: Documento, usuario) -> bool:
    """An Experto may comment on any field at any time; the Jefe/a while reviewing."""
    if permisos.tiene(usuario, "visar_documentos", documento.servicio):
        return True
    return documento.estado == Estado.EN_REVISION_JEFE and permisos.tiene(
        usuario, "aprobar_documentos", documento.servicio
    )


def puede_resolver(observacion: Observacion, usuario) -> bool:
    """The Encargado/a GT resolves any; a stage may let others resolve theirs (regional rows)."""
    if observacion.resuelta:
        return False
    documento = observacion.documento
    if permisos.tiene(usuario, "editar_documentos", documento.servicio):
        return True
    definicion = etapas.de(documento.etapa)
    return bool(definicion.puede_resolver and definicion.puede_resolver(observacion, usuario))


def _transicionar(
    *,
    documento: Documento,
    accion: str,
    actor,
    version: int | None = None,
    comentario: str = "",
) -> tuple[Documento, Transicion]:
    # Lock the row; a concurrent transition waits here and then sees the new state.
    doc = (
        Documento.objects.select_for_update()
        .select_related("servicio", "ciclo")
        .get(pk=documento.pk)
    )
    regla = _regla(accion, doc.estado)
    if regla is None:
        if not any(permisos.tiene(actor, r.permiso, doc.servicio) for r in REGLAS.get(accion, ())):
            raise SinPermiso("No tiene permiso para realizar esta acción sobre el documento.")
        raise EstadoInvalido(
            f"No se puede «{Accion(accion).label.lower()}» un documento en estado "
            f"«{doc.get_estado_display()}»."
        )
    if not permisos.tiene(actor, regla.permiso, doc.servicio):
        raise SinPermiso(
            motivo_subrogancia(actor, regla, doc)
            or "No tiene permiso para realizar esta acción sobre el documento."
        )
    if accion in ACCIONES_SOBRE_VERSION and version != doc.version_actual:
        raise VersionObsoleta(
            f"La versión {version} ya no es la vigente: el documento está en la versión "
            f"{doc.version_actual}. Revise la versión vigente antes de actuar."
        )
    if accion in ACCIONES_SOBRE_VERSION:
        previa = _ya_actuo(doc, actor)
        if previa:
            verbo = {Accion.APROBAR: "aprobarla", Accion.VISAR: "visarla"}.get(accion, "devolverla")
            raise MismaPersona(
                f"Usted {previa} la versión {doc.version_actual}: debe {verbo} otra persona "
                "con ese rol. Nadie actúa dos veces sobre la misma versión."
            )
    origen = doc.estado
    doc.estado = regla.destino
    doc.estado_desde = timezone.now()
    return doc, Transicion(
        documento=doc,
        accion=accion,
        estado_origen=origen,
        estado_destino=regla.destino,
        version=doc.version_actual,
        actor=actor,
        comentario=comentario.strip(),
        subrogancia=_subrogancia_de(actor, regla, doc),
    )


def _subrogancia_de(actor, regla: Regla, doc: Documento):
    """The subrogancia through which the actor takes a Jefe/a's step (None: their own role)."""
    if regla.permiso != "aprobar_documentos":
        return None
    pk = permisos.subrogancia_en(actor, doc.servicio)
    if pk is None:
        return None
    from . import subrogancia

    # Read again inside the transaction: revoked since this request read the grants, it no
    # longer counts.
    vigente = subrogancia.vigentes().filter(pk=pk).select_related("titular").first()
    if vigente is None:
        raise SinPermiso(
            subrogancia.motivo_sin_subrogancia(actor, doc.servicio)
            or "No tiene permiso para realizar esta acción sobre el documento."
        )
    return vigente


def motivo_subrogancia(actor, regla: Regla, doc: Documento) -> str | None:
    """«Su subrogancia de … terminó el …» when a former (or future) subrogante tries a
    Jefe/a's step: the grant is gone (or not there yet)."""
    if regla.permiso != "aprobar_documentos" or not actor.is_authenticated:
        return None
    from . import subrogancia

    return subrogancia.motivo_sin_subrogancia(actor, doc.servicio)


def _registrar(doc: Documento, transicion: Transicion, actor, *, arrastrar=False) -> Transicion:
    with actuando_como(actor):
        doc.save()
        transicion.version = doc.version_actual
        transicion.save()
        if arrastrar:
            _arrastrar_abiertas(doc, transicion)
    notificaciones.transicion_registrada(transicion)
    return transicion


def abiertas_de(documento: Documento):
    """The observaciones still open on a document (what an approval or V°B° carries)."""
    return Observacion.objects.filter(documento_id=documento.pk, resuelta=False)


def _arrastrar_abiertas(doc: Documento, transicion: Transicion) -> None:
    """Record on an approval or V°B° the observaciones it leaves open: they are not resolved
    by it, they stay open into the next step (resolvable once the document is in Borrador
    again) and the pages say so, instead of silently leaving them behind."""
    ids = list(abiertas_de(doc).order_by("creada_en", "pk").values_list("pk", flat=True))
    if ids:
        transicion.arrastradas.set(ids)
    transicion.n_arrastradas = len(ids)


@transaction.atomic
def enviar(*, documento: Documento, actor, comentario: str = "") -> Transicion:
    """Freeze the current content as a new version and send it to the Jefe/a."""
    doc, transicion = _transicionar(
        documento=documento, accion=Accion.ENVIAR, actor=actor, comentario=comentario
    )
    etapa = etapas.de(doc.etapa)
    errores = etapa.validar_envio(doc)
    pendientes = doc.observaciones.filter(resuelta=False).count()
    if pendientes:
        errores.append(
            f"Quedan {pendientes} observación(es) sin resolver: márquelas como resueltas "
            "antes de enviar."
        )
    if errores:
        raise DatosInvalidos(" ".join(errores))
    contenido = etapa.contenido(doc)
    doc.version_actual += 1
    with actuando_como(actor):
        VersionDocumento.objects.create(
            documento=doc,
            numero=doc.version_actual,
            contenido=contenido,
            sha256=etapas.sha256(contenido),
            creada_por=actor,
        )
    return _registrar(doc, transicion, actor)


@transaction.atomic
def aprobar(*, documento: Documento, actor, version: int, comentario: str = "") -> Transicion:
    doc, transicion = _transicionar(
        documento=documento,
        accion=Accion.APROBAR,
        actor=actor,
        version=version,
        comentario=comentario,
    )
    return _registrar(doc, transicion, actor, arrastrar=True)


@transaction.atomic
def visar(*, documento: Documento, actor, version: int, comentario: str = "") -> Transicion:
    doc, transicion = _transicionar(
        documento=documento,
        accion=Accion.VISAR,
        actor=actor,
        version=version,
        comentario=comentario,
    )
    doc.version_visada = doc.version_actual
    return _registrar(doc, transicion, actor, arrastrar=True)


@transaction.atomic
def devolver(
    *,
    documento: Documento,
    actor,
    version: int,
    observaciones: list[dict],
    comentario: str = "",
) -> Transicion:
    """Return to Borrador; at least one observación (texto, optional campo/fila) is required."""
    doc, transicion = _transicionar(
        documento=documento,
        accion=Accion.DEVOLVER,
        actor=actor,
        version=version,
        comentario=comentario,
    )
    limpias = [o for o in observaciones if (o.get("texto") or "").strip()]
    # Observaciones pinned to cells during the review count too.
    previas = doc.observaciones.filter(
        autor=actor, version=doc.version_actual, resuelta=False, transicion__isnull=True
    )
    if not limpias and not previas.exists():
        raise DatosInvalidos("Para devolver el documento debe escribir al menos una observación.")
    _registrar(doc, transicion, actor)
    with actuando_como(actor):
        for obs in previas:
            obs.transicion = transicion
            obs.save(update_fields=["transicion"])
        for obs in limpias:
            Observacion.objects.create(
                documento=doc,
                version=doc.version_actual,
                autor=actor,
                texto=obs["texto"].strip(),
                campo=obs.get("campo", "") or "",
                fila=obs.get("fila", "") or "",
                transicion=transicion,
            )
    return transicion


@transaction.atomic
def solicitar_modificacion(*, documento: Documento, actor, comentario: str) -> Transicion:
    """Reopen a visado document as a new Borrador; the visado version stays the official one."""
    doc, transicion = _transicionar(
        documento=documento,
        accion=Accion.SOLICITAR_MODIFICACION,
        actor=actor,
        comentario=comentario,
    )
    if not comentario.strip():
        raise DatosInvalidos("Indique el motivo de la modificación.")
    motivo = motivo_sin_modificacion(doc)
    if motivo:
        raise EstadoInvalido(motivo)
    return _registrar(doc, transicion, actor)


EJECUTORES = {
    Accion.ENVIAR: enviar,
    Accion.APROBAR: aprobar,
    Accion.DEVOLVER: devolver,
    Accion.VISAR: visar,
    Accion.SOLICITAR_MODIFICACION: solicitar_modificacion,
}
