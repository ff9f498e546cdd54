"""In-app notifications (``Aviso``): the navbar's unread count, marking them read, and the
avisos of a transition of the chain.

The unread count of the request's user comes with the user itself (``pmggt.autenticacion``):
the navbar adds no query. The day's reminders and the digest: ``pmggt.recordatorios``.
"""

from django.urls import reverse
from django.utils import timezone

from .autenticacion import AVISOS_NO_LEIDOS
from .models import Aviso


def num_no_leidos(usuario) -> int:
    # getattr/setattr, not ``__dict__``: request.user is a SimpleLazyObject, whose own
    # ``__dict__`` is not the user's (the annotation would never be found).
    n = getattr(usuario, AVISOS_NO_LEIDOS, None)
    if n is None:
        n = Aviso.objects.filter(usuario_id=usuario.pk, leido_en__isnull=True).count()
        setattr(usuario, AVISOS_NO_LEIDOS, n)
    return n


def de_usuario(usuario):
    """This person's avisos, newest first."""
    return Aviso.objects.filter(usuario_id=usuario.pk).order_by("-creado_en", "-id")


def marcar_leidos(usuario, avisos=None) -> int:
    """Mark this person's unread avisos (all, or those of the queryset/ids given) as read;
    returns how many. The navbar count kept on the user object is updated too."""
    qs = Aviso.objects.filter(usuario_id=usuario.pk, leido_en__isnull=True)
    if avisos is not None:
        qs = qs.filter(pk__in=avisos)
    n = qs.update(leido_en=timezone.now())
    actual = getattr(usuario, AVISOS_NO_LEIDOS, None)
    if n and actual is not None:
        setattr(usuario, AVISOS_NO_LEIDOS, max(0, actual - n))
    return n


def destino(aviso: Aviso) -> str:
    """Where opening an aviso leads: its page, else the list of avisos."""
    return aviso.url or reverse("pmggt:avisos")


def crear(
    *,
    usuarios,
    clave: str,
    tipo: str,
    asunto: str,
    texto: str = "",
    url: str = "",
    documento=None,
    servicio=None,
    correo_enviado: bool = False,
) -> int:
    """One aviso per person (user ids or users) with this clave, unless they already have it
    (idempotent: ``clave`` is unique per person); returns how many were recorded.
    ``correo_enviado``: its content already went by e-mail, so the digest leaves it out."""
    ids = sorted({getattr(u, "pk", u) for u in usuarios})
    if not ids:
        return 0
    ya = set(
        Aviso.objects.filter(usuario_id__in=ids, clave=clave).values_list("usuario_id", flat=True)
    )
    ahora = timezone.now() if correo_enviado else None
    nuevos = [
        Aviso(
            usuario_id=u,
            clave=clave,
            tipo=tipo,
            asunto=asunto[:200],
            texto=texto,
            url=url[:300],
            documento=documento,
            servicio=servicio if servicio is not None else getattr(documento, "servicio", None),
            correo_enviado_en=ahora,
        )
        for u in ids
        if u not in ya
    ]
    Aviso.objects.bulk_create(nuevos, ignore_conflicts=True)
    return len(nuevos)


def de_transicion(transicion, usuario_ids, asunto: str, *, correo_enviado: bool = True) -> int:
    """The in-app aviso of a transition for the people ``pmggt.notificaciones.personas``
    chose (by user id), marked as already mailed when the transition's own mail went
    (``correo_enviado``), so the daily digest does not repeat it; otherwise the digest
    carries it."""
    usuarios = sorted(set(usuario_ids) - {transicion.actor_id})
    if not usuarios:
        return 0
    documento = transicion.documento
    actor = transicion.actor.get_full_name() or transicion.actor.get_username()
    if transicion.subrogancia_id:
        titular = transicion.subrogancia.titular
        actor += f" (por subrogancia de {titular.get_full_name() or titular.get_username()})"
    texto = (
        f"{actor} realizó la acción «{transicion.get_accion_display()}» sobre "
        f"{documento.titulo} de {documento.servicio.nombre}. Estado actual: "
        f"{documento.get_estado_display()} (versión {documento.version_actual})."
    )
    if transicion.comentario:
        texto += f" Comentario: {transicion.comentario}"
    return crear(
        usuarios=usuarios,
        clave=f"transicion:{transicion.pk}",
        tipo=Aviso.Tipo.TRANSICION,
        asunto=asunto.removeprefix("[PMG-GT] "),
        texto=texto,
        url=reverse("pmggt:documento", kwargs={"pk": documento.pk}),
        documento=documento,
        servicio=documento.servicio,
        correo_enviado=correo_enviado,
    )
