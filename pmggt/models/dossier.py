"""The auditor's dossier: one ZIP per Servicio and Ciclo with every stage's visado record,
built in the background (``pmggt.tareas``) with visible progress."""

from django.conf import settings
from django.db import models

from .organizacion import Ciclo, Servicio


class Dossier(models.Model):
    class Estado(models.TextChoices):
        PENDIENTE = "pendiente", "En cola"
        EN_PROCESO = "en_proceso", "En preparación"
        LISTO = "listo", "Listo para descargar"
        ERROR = "error", "No se pudo preparar"

    servicio = models.ForeignKey(Servicio, on_delete=models.CASCADE, related_name="dossieres")
    ciclo = models.ForeignKey(Ciclo, on_delete=models.CASCADE, related_name="dossieres")
    solicitado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    solicitado_en = models.DateTimeField(auto_now_add=True)
    estado = models.CharField(max_length=20, choices=Estado.choices, default=Estado.PENDIENTE)
    progreso = models.PositiveSmallIntegerField(default=0)  # 0–100
    paso = models.CharField("paso en curso", max_length=200, blank=True)
    archivo = models.FileField(upload_to="dossieres/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    tamano = models.PositiveBigIntegerField("tamaño (bytes)", null=True, blank=True)
    terminado_en = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-solicitado_en", "-id"]
        verbose_name = "expediente de auditoría"
        verbose_name_plural = "expedientes de auditoría"

    def __str__(self):
        return f"Expediente {self.servicio.sigla} {self.ciclo.anio}"
