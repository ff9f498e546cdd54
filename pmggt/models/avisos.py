"""Reminders and in-app notifications.

``Aviso`` is both: one row per person and per reminder, shown in the app (``leido_en``) and
e-mailed once in that person's daily digest (``correo_enviado_en``). ``clave`` identifies the
reminder (which deadline or devolución, which offset, which version), so computing the day's
reminders twice never records or sends the same one twice. ``AjustesAvisos`` (one row) holds the
offsets the administrator configures.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from pmggt.historia import Historial

from .documentos import Documento
from .organizacion import Servicio


def validar_dias(texto: str) -> None:
    """«14, 7, 2»: whole numbers of days between 0 and 365, comma-separated (may be empty)."""
    for parte in (texto or "").split(","):
        parte = parte.strip()
        if not parte:
            continue
        if not (parte.isascii() and parte.isdigit()) or int(parte) > 365:
            raise ValidationError(
                "Escriba números enteros de días entre 0 y 365 separados por comas (p. ej. 7, 2)."
            )


def dias(texto: str) -> list[int]:
    """The offsets written in an ``AjustesAvisos`` field, without repeats, largest first."""
    return sorted(
        {int(p) for p in (texto or "").replace(" ", "").split(",") if p.isascii() and p.isdigit()},
        reverse=True,
    )


class AjustesAvisos(models.Model):
    """The reminders' offsets (one row, pk=1; ``AjustesAvisos.actuales()``)."""

    activos = models.BooleanField("recordatorios activos", default=True)
    dias_antes = models.CharField(
        "días antes del plazo",
        max_length=100,
        default="14, 7, 2",
        validators=[validar_dias],
        help_text="Se recuerda a quien debe actuar estos días antes de que venza el plazo.",
    )
    dias_despues = models.CharField(
        "días después del plazo",
        max_length=100,
        default="1, 7, 14",
        validators=[validar_dias],
        help_text="Y estos días después de vencido, mientras no esté visado.",
    )
    dias_devuelto = models.CharField(
        "días tras una devolución",
        max_length=100,
        default="3, 10",
        validators=[validar_dias],
        help_text="Aviso «devuelto y no reenviado» al Encargado/a GT estos días después.",
    )
    history = Historial()

    class Meta:
        verbose_name = "ajustes de recordatorios"
        verbose_name_plural = "ajustes de recordatorios"

    def __str__(self):
        return "Ajustes de recordatorios"

    @classmethod
    def actuales(cls) -> "AjustesAvisos":
        """The saved settings, or the defaults (unsaved, pk 1) until the administrator saves
        them: reading them never writes a row (nor a history row without an actor)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Aviso(models.Model):
    class Tipo(models.TextChoices):
        PLAZO_ANTES = "plazo_antes", "Plazo por vencer"
        PLAZO_DESPUES = "plazo_despues", "Plazo vencido"
        DEVUELTO = "devuelto", "Devuelto y no reenviado"
        TRANSICION = "transicion", "Movimiento en la cadena"
        SUBROGANCIA = "subrogancia", "Subrogancia"
        DOSSIER = "dossier", "Expediente listo"

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="avisos"
    )
    clave = models.CharField(max_length=200)
    tipo = models.CharField(max_length=20, choices=Tipo.choices)
    documento = models.ForeignKey(
        Documento, on_delete=models.CASCADE, null=True, blank=True, related_name="avisos"
    )
    servicio = models.ForeignKey(
        Servicio, on_delete=models.CASCADE, null=True, blank=True, related_name="avisos"
    )
    asunto = models.CharField(max_length=200)
    texto = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    creado_en = models.DateTimeField(auto_now_add=True, db_index=True)
    leido_en = models.DateTimeField(null=True, blank=True)
    # Set when the person's daily digest carried it (or at once, for mails already sent).
    correo_enviado_en = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-creado_en", "-id"]
        verbose_name = "aviso"
        verbose_name_plural = "avisos"
        constraints = [
            models.UniqueConstraint(fields=["usuario", "clave"], name="aviso_uno_por_clave"),
        ]
        indexes = [
            models.Index(fields=["usuario", "leido_en"], name="aviso_usuario_leido"),
            models.Index(fields=["correo_enviado_en"], name="aviso_correo_pendiente"),
        ]

    def __str__(self):
        return self.asunto
