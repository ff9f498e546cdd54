"""E-mail to the people who must act next (sent after the transaction commits)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import GrupoRol, Transicion

Tipo = GrupoRol.Tipo
Accion = Transicion.Accion

# Who acts (or must know) after each transition.
DESTINATARIOS = {
    Accion.ENVIAR: [Tipo.JEFE],
    Accion.APROBAR: [Tipo.EXPERTO],
    Accion.DEVOLVER: [Tipo.ENCARGADO_GT, Tipo.ENCARGADO_CENTRO],
    Accion.VISAR: [Tipo.ENCARGADO_GT, Tipo.JEFE],
    Accion.SOLICITAR_MODIFICACION: [Tipo.JEFE, Tipo.EXPERTO],
}


def destinatarios(transicion: Transicion) -> list[str]:
    tipos = DESTINATARIOS.get(transicion.accion, [])
    servicio_id = transicion.documento.servicio_id
    usuarios = (
        get_user_model()
        .objects.filter(is_active=True, groups__rol__tipo__in=tipos)
        .filter(
            _q_servicio(servicio_id),
        )
        .exclude(email="")
        .exclude(pk=transicion.actor_id)
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(usuarios))


def _q_servicio(servicio_id):
    from django.db.models import Q

    return Q(groups__rol__servicio_id=servicio_id) | Q(groups__rol__centro__servicio_id=servicio_id)


def transicion_registrada(transicion: Transicion) -> None:
    def _enviar():
        para = destinatarios(transicion)
        if not para:
            return
        documento = transicion.documento
        contexto = {
            "transicion": transicion,
            "documento": documento,
            "url": settings.SITIO_URL.rstrip("/")
            + reverse("pmggt:documento", kwargs={"pk": documento.pk}),
        }
        asunto = (
            f"[PMG-GT] {documento.servicio.sigla} {documento.titulo}: "
            f"{transicion.get_accion_display().lower()}"
        )
        cuerpo = render_to_string("pmggt/correo_transicion.txt", contexto)
        send_mass_mail(
            [(asunto, cuerpo, settings.DEFAULT_FROM_EMAIL, [correo]) for correo in para],
            fail_silently=False,
        )

    transaction.on_commit(_enviar)
