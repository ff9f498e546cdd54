"""Etapa I – Diagnóstico: the content of the stage document (first part: definiciones)."""

from django.db import models

from pmggt.historia import Historial
from pmggt.models import Documento


class Diagnostico(models.Model):
    documento = models.OneToOneField(
        Documento, on_delete=models.CASCADE, related_name="diagnostico"
    )
    mision = models.TextField("misión institucional", blank=True)
    history = Historial()

    class Meta:
        verbose_name = "diagnóstico"
        verbose_name_plural = "diagnósticos"

    def __str__(self):
        return f"Diagnóstico {self.documento.ciclo.anio} – {self.documento.servicio.sigla}"


class ObjetivoEstrategico(models.Model):
    diagnostico = models.ForeignKey(Diagnostico, on_delete=models.CASCADE, related_name="objetivos")
    numero = models.PositiveSmallIntegerField("N°")
    descripcion = models.TextField("descripción")
    history = Historial()

    class Meta:
        ordering = ["diagnostico", "numero"]
        verbose_name = "objetivo estratégico"
        verbose_name_plural = "objetivos estratégicos"
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostico", "numero"], name="objetivo_numero_unico_por_diagnostico"
            ),
        ]

    def __str__(self):
        return f"{self.numero}. {self.descripcion[:60]}"
