"""E-mail to the people who must act next (sent after the transaction commits)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from .models import GrupoRol, Transicion

Tipo = GrupoRol.Tipo
Accion = Transicion.Accion
logger = logging.getLogger(__name__)

ASUNTOS = {
    Accion.ENVIAR: "enviado al Jefe/a de Servicio para su aprobación",
    Accion.APROBAR: "aprobado por el Jefe/a de Servicio, espera visación SUBDERE",
    Accion.DEVOLVER: "devuelto con observaciones",
    Accion.VISAR: "visado por SUBDERE (V°B°)",
    Accion.SOLICITAR_MODIFICACION: "se solicitó modificar la versión visada",
}

# Who acts (or must know) after each transition.
DESTINATARIOS = {
    Accion.ENVIAR: [Tipo.JEFE],
    Accion.APROBAR: [Tipo.EXPERTO],
    Accion.DEVOLVER: [Tipo.ENCARGADO_GT, Tipo.ENCARGADO_CENTRO],
    Accion.VISAR: [Tipo.ENCARGADO_GT, Tipo.JEFE],
    Accion.SOLICITAR_MODIFICACION: [Tipo.JEFE, Tipo.EXPERTO],
}


def personas(transicion: Transicion) -> list[tuple[int, str]]:
    """(user id, e-mail) of who acts next or must know after this transition: active members
    of the role groups ``DESTINATARIOS`` names *of this Servicio* (the role type and the
    Servicio are matched on the same group: a Jefe/a of another Servicio who is also an
    Encargada de Centro here is not a Jefe/a here), and for a sending the Jefe/a's
    subrogantes in force; never the actor. One query."""
    tipos = DESTINATARIOS.get(transicion.accion, [])
    servicio_id = transicion.documento.servicio_id
    filas = (
        get_user_model()
        .objects.filter(Q(groups__rol__tipo__in=tipos) & _q_servicio(servicio_id), is_active=True)
        .exclude(pk=transicion.actor_id)
        .values_list("pk", "email")
        .distinct()
    )
    if transicion.accion == Accion.ENVIAR:
        # The Jefe/a's substitutes in force (pmggt.subrogancia) act on it too: same query.
        from .subrogancia import vigentes

        filas = filas.union(
            vigentes([servicio_id])
            .exclude(subrogante_id=transicion.actor_id)
            .values_list("subrogante_id", "subrogante__email")
            .order_by()
        )
    return sorted(set(filas))


def destinatarios(transicion: Transicion) -> list[str]:
    """The e-mail addresses of ``personas`` (those who have one)."""
    return sorted({correo for _pk, correo in personas(transicion) if correo})


def _q_servicio(servicio_id):
    return Q(groups__rol__servicio_id=servicio_id) | Q(groups__rol__centro__servicio_id=servicio_id)


def transicion_registrada(transicion: Transicion) -> None:
    def _enviar():
        elegidos = personas(transicion)
        if not elegidos:
            return
        para = sorted({correo for _pk, correo in elegidos if correo})
        documento = transicion.documento
        contexto = {
            "transicion": transicion,
            "documento": documento,
            "url": settings.SITIO_URL.rstrip("/")
            + reverse("pmggt:documento", kwargs={"pk": documento.pk}),
        }
        asunto = (
            f"[PMG-GT] {documento.servicio.sigla} {documento.titulo}: {ASUNTOS[transicion.accion]}"
        )
        enviado = True
        if para:
            cuerpo = render_to_string("pmggt/correo_transicion.txt", contexto)
            try:
                send_mass_mail(
                    [(asunto, cuerpo, settings.DEFAULT_FROM_EMAIL, [correo]) for correo in para]
                )
            except Exception:
                # The transition is committed; a mail outage must not turn it into an error
                # page. The avisos below stay unmailed: the daily digest carries them.
                enviado = False
                logger.exception(
                    "No se pudo notificar %s del documento %s", transicion.accion, documento.pk
                )
        # The same news in the app (pmggt.avisos), to the same people (by id, never by
        # address); marked mailed when the mail went, so the digest does not repeat it.
        try:
            from . import avisos

            avisos.de_transicion(
                transicion, [pk for pk, _correo in elegidos], asunto, correo_enviado=enviado
            )
        except Exception:
            logger.exception("No se pudo registrar el aviso de la transición %s", transicion.pk)

    transaction.on_commit(_enviar)
    if transicion.accion == Accion.VISAR:
        transaction.on_commit(lambda: gores_notificar_visado(transicion))


# --- The GOREs, when a document that concerns their region is visado --------------------------

ASUNTO_GORE = "visado por SUBDERE, disponible para su región"


def gores_notificar_visado(transicion: Transicion) -> None:
    """One e-mail per Funcionario/a GORE the document concerns (``pmggt.gore``): what was
    visado, its region's downloads and «Mi región». Never the review's comments or
    observaciones: only what the GORE may read."""
    from . import gore

    documento = transicion.documento
    try:
        para = gore.destinatarios_visado(documento, excluir=transicion.actor_id)
        if not para:
            return
        sitio = settings.SITIO_URL.rstrip("/")
        asunto = f"[PMG-GT] {documento.servicio.sigla} {documento.titulo}: {ASUNTO_GORE}"
        mensajes = []
        for destinatario in para:
            contexto = {
                "documento": documento,
                "transicion": transicion,
                "regiones": destinatario.regiones,
                "descargas": [
                    (d, sitio + d.url) for d in gore.descargas(documento, destinatario.codigos)
                ],
                "url_documento": sitio + reverse("pmggt:documento", kwargs={"pk": documento.pk}),
                "url_mi_region": sitio + reverse("pmggt:mi_region"),
            }
            cuerpo = render_to_string("pmggt/correo_visado_gore.txt", contexto)
            mensajes.append((asunto, cuerpo, settings.DEFAULT_FROM_EMAIL, [destinatario.correo]))
        send_mass_mail(mensajes)
    except Exception:
        # As above: the V°B° is committed; a mail outage must not turn it into an error page.
        logger.exception("No se pudo notificar a los GORE el visado del documento %s", documento.pk)
