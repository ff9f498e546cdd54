"""UI feedback tied to authentication events (no business logic here)."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def avisar_sesion_cerrada(sender, request, user, **kwargs):
    if request is not None:
        messages.info(request, "Sesión cerrada. Hasta pronto.")
