"""Subrogancia: a substitute acts as the Jefe/a de Servicio for a period (issue 11, item 4).

- ``designar``: a Jefe/a designates their own substitute on their Servicio; the administrator
  designates one for any Jefe/a of any Servicio. One person, another than the titular; at most
  a year; never two overlapping (not revoked) ones for the same titular and Servicio.
- ``revocar``: ends one now (the administrator or a Jefe/a of that Servicio).
- While one is in force (``desde`` ≤ today ≤ ``hasta``, not revoked) its subrogante holds the
  Jefe/a's grants on that Servicio: ``pmggt.permisos.concedidos`` reads them in the same query
  as every other grant, so it ends by itself (nothing runs at the end date).
- ``pmggt.workflow`` records on an approval or a devolución taken through it the
  ``Transicion.subrogancia``; every record then says «por subrogancia de …» (``por_subrogancia``).

Every write runs inside ``actuando_como(actor)`` (history names who designated or revoked).
"""

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import calendario, permisos, workflow
from .historia import actuando_como
from .models import Aviso, GrupoRol, Servicio, Subrogancia

logger = logging.getLogger(__name__)
Tipo = GrupoRol.Tipo

DURACION_MAXIMA = 366  # days, both ends included: «a lo más un año»


class SubroganciaInvalida(workflow.DatosInvalidos):
    """A designation that breaks a rule; ``errores`` maps each form field to its message
    (``None``: the whole form)."""

    def __init__(self, errores: dict[str | None, str]):
        self.errores = errores
        super().__init__(" ".join(errores.values()))


class SinPermiso(workflow.SinPermiso):
    pass


def nombre(usuario) -> str:
    return usuario.get_full_name() or usuario.get_username()


def fecha(valor: date) -> str:
    return valor.strftime("%d-%m-%Y")


# --- Reading ----------------------------------------------------------------------------------


def vigentes(servicio_ids=None, hoy: date | None = None):
    """Subrogancias in force on ``hoy`` (of these Servicios, if given)."""
    hoy = hoy or calendario.hoy()
    qs = Subrogancia.objects.en_vigor(hoy)
    if servicio_ids is not None:
        qs = qs.filter(servicio_id__in=list(servicio_ids))
    return qs


VIGENTE, PROGRAMADA, TERMINADA, REVOCADA = "vigente", "programada", "terminada", "revocada"
ESTADOS = {
    VIGENTE: "Vigente",
    PROGRAMADA: "Programada",
    TERMINADA: "Terminada",
    REVOCADA: "Revocada",
}


def estado(subrogancia: Subrogancia, hoy: date | None = None) -> str:
    hoy = hoy or calendario.hoy()
    if subrogancia.revocada_en is not None:
        return REVOCADA
    if subrogancia.hasta < hoy:
        return TERMINADA
    if subrogancia.desde > hoy:
        return PROGRAMADA
    return VIGENTE


def por_subrogancia(transicion) -> str:
    """«por subrogancia de <titular>» for a transition taken through a subrogancia, else "".
    Read ``subrogancia__titular`` with the transition (select_related): no query here."""
    if not getattr(transicion, "subrogancia_id", None):
        return ""
    return f"por subrogancia de {nombre(transicion.subrogancia.titular)}"


def es_jefe_titular(usuario, servicio) -> bool:
    """Whether this user holds the Jefe/a role of this Servicio directly (not by subrogancia),
    from the grants already read for the request (no query)."""
    servicio_id = getattr(servicio, "pk", servicio)
    return servicio_id in servicios_propios(usuario)


def servicios_propios(usuario) -> frozenset[int]:
    """Servicios where this user is Jefe/a in their own right."""
    return permisos.ids_con(usuario, "aprobar_documentos", Servicio) - (
        permisos.servicios_por_subrogancia(usuario)
    )


def servicios_designables(usuario):
    """Servicios on which this user may designate (and revoke) subrogancias."""
    if permisos.es_administrador(usuario):
        return Servicio.objects.filter(activo=True)
    return Servicio.objects.filter(pk__in=sorted(servicios_propios(usuario)))


def puede_designar(usuario) -> bool:
    return permisos.es_administrador(usuario) or bool(servicios_propios(usuario))


def puede_revocar(usuario, subrogancia: Subrogancia) -> bool:
    return permisos.es_administrador(usuario) or es_jefe_titular(usuario, subrogancia.servicio_id)


def jefes_de(servicio) -> "object":
    """Active users holding the Jefe/a role of this Servicio (its role group)."""
    return get_user_model().objects.filter(
        is_active=True,
        groups__rol__tipo=Tipo.JEFE,
        groups__rol__servicio=servicio,
        groups__rol__centro__isnull=True,
    )


def personas_de(servicio_ids):
    """Active people of these Servicios' role groups (also their Centros'): whom a Jefe/a
    designates from."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            is_superuser=False,
            groups__rol__servicio__in=servicio_ids,
            groups__rol__tipo__in=[Tipo.ENCARGADO_GT, Tipo.ENCARGADO_CENTRO, Tipo.JEFE],
        )
        .exclude(groups__rol__tipo__in=ROLES_AJENOS)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def motivo_sin_subrogancia(actor, servicio, hoy: date | None = None) -> str | None:
    """Why a (former or future) subrogante may not act as Jefe/a of this Servicio today:
    «Su subrogancia de … terminó el dd-mm-aaaa». None: they never had one there."""
    hoy = hoy or calendario.hoy()
    servicio_id = getattr(servicio, "pk", servicio)
    lista = list(
        Subrogancia.objects.filter(subrogante_id=actor.pk, servicio_id=servicio_id)
        .select_related("titular")
        .order_by("-desde", "-pk")
    )
    if not lista:
        return None
    iniciadas = [s for s in lista if s.desde <= hoy]
    s = iniciadas[0] if iniciadas else lista[-1]
    de = f"Su subrogancia de {nombre(s.titular)}"
    if s.revocada_en is not None:
        revocada = timezone.localtime(s.revocada_en).date()
        if revocada < s.desde:
            return f"{de} fue revocada antes de comenzar."
        return f"{de} terminó el {fecha(revocada)} (fue revocada)."
    if s.desde > hoy:
        return f"{de} comienza el {fecha(s.desde)}: aún no puede actuar como Jefe/a."
    if s.hasta < hoy:
        return f"{de} terminó el {fecha(s.hasta)}."
    return None


# --- Writing ----------------------------------------------------------------------------------


# Roles of those who review or receive a Servicio's documents: never its Jefe/a's substitute
# (an Experto/a approving as Jefe/a could then not visar, and the chain would stall).
ROLES_AJENOS = (Tipo.EXPERTO, Tipo.GORE, Tipo.ADMINISTRADOR)


def _rol_ajeno(usuario) -> str:
    """The label of a role of ``ROLES_AJENOS`` this user holds ("" if none)."""
    tipo = (
        GrupoRol.objects.filter(grupo__user=usuario, tipo__in=ROLES_AJENOS)
        .values_list("tipo", flat=True)
        .first()
    )
    return Tipo(tipo).label if tipo else ""


def _validar(servicio, titular, subrogante, desde, hasta, motivo, actor, hoy) -> None:
    errores: dict[str | None, str] = {}
    es_admin = permisos.es_administrador(actor)
    if not es_admin and not es_jefe_titular(actor, servicio):
        raise SinPermiso(
            "Solo el Jefe/a del Servicio o el Administrador/a SUBDERE designan subrogantes."
        )
    if not servicio.activo:
        errores["servicio"] = "El Servicio está desactivado."
    if titular is None:
        errores["titular"] = "Indique el Jefe/a titular."
    elif not es_admin and titular.pk != actor.pk:
        errores["titular"] = "Usted designa a quien lo subroga a usted, no a otro Jefe/a."
    elif not jefes_de(servicio).filter(pk=titular.pk).exists():
        errores["titular"] = f"{nombre(titular)} no es Jefe/a de Servicio de {servicio.sigla}."
    if subrogante is None:
        errores["subrogante"] = "Indique quién subroga."
    elif titular is not None and subrogante.pk == titular.pk:
        errores["subrogante"] = "El subrogante debe ser otra persona que el Jefe/a titular."
    elif not subrogante.is_active:
        errores["subrogante"] = f"La cuenta de {nombre(subrogante)} está desactivada."
    elif subrogante.is_superuser:
        errores["subrogante"] = (
            "Una cuenta técnica (superusuario) no actúa en la cadena: elija a una persona."
        )
    else:
        ajeno = _rol_ajeno(subrogante)
        if ajeno:
            errores["subrogante"] = (
                f"{nombre(subrogante)} es {ajeno}: quien subroga al Jefe/a debe ser una persona "
                "del Servicio, no de quienes lo revisan o lo reciben."
            )
    if desde is None:
        errores["desde"] = "Indique desde qué día."
    elif desde < hoy:
        errores["desde"] = "La subrogancia no puede comenzar antes de hoy."
    if hasta is None:
        errores["hasta"] = "Indique hasta qué día."
    elif desde is not None and hasta < desde:
        errores["hasta"] = "La fecha de término debe ser igual o posterior a la de inicio."
    elif desde is not None and (hasta - desde).days + 1 > DURACION_MAXIMA:
        errores["hasta"] = "Una subrogancia dura a lo más un año: acorte el período."
    if len(motivo or "") > 300:
        errores["motivo"] = "El motivo admite hasta 300 caracteres."
    if not errores:
        traslape = (
            Subrogancia.objects.filter(
                servicio=servicio,
                titular=titular,
                revocada_en__isnull=True,
                desde__lte=hasta,
                hasta__gte=desde,
            )
            .select_related("subrogante")
            .first()
        )
        if traslape is not None:
            errores[None] = (
                f"{nombre(titular)} ya tiene una subrogancia en {servicio.sigla} del "
                f"{fecha(traslape.desde)} al {fecha(traslape.hasta)} "
                f"({nombre(traslape.subrogante)}): revóquela o elija otro período."
            )
    if errores:
        raise SubroganciaInvalida(errores)


@transaction.atomic
def designar(
    *,
    servicio,
    titular,
    subrogante,
    desde: date | None,
    hasta: date | None,
    motivo: str = "",
    actor,
    hoy: date | None = None,
) -> Subrogancia:
    """Designate ``subrogante`` to act as ``titular``'s substitute on ``servicio`` from
    ``desde`` to ``hasta`` (inclusive). Raises ``SinPermiso`` or ``SubroganciaInvalida``
    (nothing is saved)."""
    hoy = hoy or calendario.hoy()
    # One designation at a time per Servicio: the overlap check then sees every earlier one.
    servicio = Servicio.objects.select_for_update().get(pk=servicio.pk)
    motivo = (motivo or "").strip()
    _validar(servicio, titular, subrogante, desde, hasta, motivo, actor, hoy)
    with actuando_como(actor):
        subrogancia = Subrogancia.objects.create(
            servicio=servicio,
            titular=titular,
            subrogante=subrogante,
            desde=desde,
            hasta=hasta,
            motivo=motivo,
            designada_por=actor,
        )
    permisos.olvidar(subrogante)
    _avisar(
        subrogancia,
        clave=f"subrogancia:{subrogancia.pk}",
        asunto=f"Subrogancia: Jefe/a de Servicio de {servicio.sigla}",
        texto=(
            f"Del {fecha(desde)} al {fecha(hasta)} (inclusive) usted subroga a "
            f"{nombre(titular)} como Jefe/a de Servicio de {servicio.nombre}: puede aprobar o "
            "devolver los documentos en revisión del Jefe/a, y cada registro dirá «por "
            f"subrogancia de {nombre(titular)}». Designó: {nombre(actor)}."
            + (f" Motivo: {motivo}" if motivo else "")
        ),
    )
    return subrogancia


@transaction.atomic
def revocar(subrogancia: Subrogancia, actor, hoy: date | None = None) -> Subrogancia:
    """End a subrogancia now (a scheduled one never starts)."""
    hoy = hoy or calendario.hoy()
    s = (
        Subrogancia.objects.select_for_update()
        .select_related("servicio", "titular", "subrogante")
        .get(pk=subrogancia.pk)
    )
    if not puede_revocar(actor, s):
        raise SinPermiso(
            "Solo el Jefe/a del Servicio o el Administrador/a SUBDERE revocan una subrogancia."
        )
    if s.revocada_en is not None:
        raise SubroganciaInvalida({None: "Esta subrogancia ya fue revocada."})
    if s.hasta < hoy:
        raise SubroganciaInvalida({None: f"Esta subrogancia ya terminó el {fecha(s.hasta)}."})
    with actuando_como(actor):
        s.revocada_en = timezone.now()
        s.revocada_por = actor
        s.save(update_fields=["revocada_en", "revocada_por"])
    permisos.olvidar(s.subrogante)
    _avisar(
        s,
        clave=f"subrogancia:{s.pk}:revocada",
        asunto=f"Subrogancia revocada: Jefe/a de Servicio de {s.servicio.sigla}",
        texto=(
            f"{nombre(actor)} revocó su subrogancia de {nombre(s.titular)} en "
            f"{s.servicio.nombre} (del {fecha(s.desde)} al {fecha(s.hasta)}): desde ahora ya "
            "no actúa como Jefe/a de Servicio."
        ),
    )
    return s


def _avisar(subrogancia: Subrogancia, *, clave: str, asunto: str, texto: str) -> Aviso:
    """The subrogante's in-app notice, e-mailed at once after the commit (the daily digest
    carries it instead if that mail fails: ``correo_enviado_en`` stays empty)."""
    destinatario = subrogancia.subrogante
    aviso, _ = Aviso.objects.get_or_create(
        usuario=destinatario,
        clave=clave,
        defaults={
            "tipo": Aviso.Tipo.SUBROGANCIA,
            "servicio": subrogancia.servicio,
            "asunto": asunto,
            "texto": texto,
            "url": reverse("pmggt:subrogancias"),
        },
    )
    if destinatario.email:
        transaction.on_commit(lambda: _enviar_correo(aviso, destinatario.email))
    return aviso


def _enviar_correo(aviso: Aviso, correo: str) -> None:
    url = settings.SITIO_URL.rstrip("/") + aviso.url
    cuerpo = (
        f"{aviso.texto}\n\nVea sus subrogancias en: {url}\n\n"
        "—\nPMG-GT · Sistema PMG de Gestión Territorial"
    )
    try:
        send_mail(f"[PMG-GT] {aviso.asunto}", cuerpo, settings.DEFAULT_FROM_EMAIL, [correo])
    except Exception:
        # The designation is committed; the daily digest will carry the notice instead.
        logger.exception("No se pudo enviar el correo del aviso %s", aviso.pk)
        return
    Aviso.objects.filter(pk=aviso.pk, correo_enviado_en__isnull=True).update(
        correo_enviado_en=timezone.now()
    )


def visibles_para(usuario):
    """The subrogancias this user may list: all for administrators; a Jefe/a's Servicios';
    and the ones where they are subrogante or titular."""
    qs = Subrogancia.objects.all()
    if permisos.es_administrador(usuario):
        return qs
    filtro = Q(subrogante_id=usuario.pk) | Q(titular_id=usuario.pk)
    propios = servicios_propios(usuario)
    if propios:
        filtro |= Q(servicio_id__in=sorted(propios))
    return qs.filter(filtro)


def fue_subrogante(usuario) -> bool:
    return Subrogancia.objects.filter(subrogante_id=usuario.pk).exists()
