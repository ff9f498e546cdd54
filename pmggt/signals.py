"""Reactions to authentication events and to deletions that must take their grants along."""

from axes.signals import user_locked_out
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, pre_delete
from django.dispatch import receiver

from . import permisos, seguridad, services
from .middleware import registrar_ingreso
from .models import Centro, GrupoRol


@receiver(user_logged_in)
def anotar_ingreso(sender, request, user, **kwargs):
    # The absolute session lifetime counts from here (pmggt.middleware.SesionMiddleware).
    if request is not None and hasattr(request, "session"):
        registrar_ingreso(request)


@receiver(user_logged_out)
def avisar_sesion_cerrada(sender, request, user, **kwargs):
    # A session closed for reaching its maximum gets its own message instead.
    if request is not None and not getattr(request, "_pmggt_sesion_vencida", False):
        messages.info(request, "Sesión cerrada. Hasta pronto.")


@receiver(user_login_failed)
def registrar_ingreso_fallido(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    intentado = str((credentials or {}).get("username") or "") or seguridad.ANONIMO
    # django-axes (whose receiver runs first) marks attempts refused by, or causing, a lockout.
    motivo = (
        "acceso bloqueado por ingresos fallidos"
        if getattr(request, "axes_locked_out", False)
        else "usuario o contraseña incorrectos"
    )
    seguridad.registrar("ingreso_fallido", request, motivo, usuario=intentado)


@receiver(user_locked_out)
def registrar_bloqueo(sender, request=None, username=None, ip_address=None, **kwargs):
    if request is None:
        return
    seguridad.registrar(
        "bloqueo",
        request,
        "demasiados ingresos fallidos: acceso bloqueado temporalmente",
        usuario=str(username or "") or seguridad.ANONIMO,
    )


@receiver(pre_delete, sender=Centro)
def revocar_permisos_centro(sender, instance, **kwargs):
    # Before the cascade: the Centro's role groups still say which grants on the Servicio
    # were theirs.
    services.centro_permisos_revocar(instance)


@receiver(post_delete, sender=GrupoRol)
def revocar_permisos_rol(sender, instance, **kwargs):
    services.rol_permisos_revocar(grupo_id=instance.grupo_id, tipo=instance.tipo)


@receiver(m2m_changed, sender=get_user_model().groups.through)
def olvidar_permisos(sender, instance, **kwargs):
    # A user object whose groups change reads its grants again (permisos.concedidos).
    if isinstance(instance, get_user_model()):
        permisos.olvidar(instance)
