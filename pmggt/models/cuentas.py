"""What a user account carries besides Django's: the RUN, for signing in with ClaveÚnica."""

from django.conf import settings
from django.db import models

from pmggt.historia import Historial


class Perfil(models.Model):
    usuario = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="perfil"
    )
    # «12345678-5»: digits without dots, a hyphen, the check digit (K upper-case).
    run = models.CharField(
        "RUN",
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text="Para ingresar con ClaveÚnica: sin puntos, con guion (p. ej. 12345678-5).",
    )
    history = Historial()

    class Meta:
        verbose_name = "perfil"
        verbose_name_plural = "perfiles"

    def __str__(self):
        return f"Perfil de {self.usuario}"
