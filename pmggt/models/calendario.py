"""The year's calendar: each stage's deadline per Ciclo (and Etapa III's reporting periods),
and the extensions SUBDERE grants one Servicio with a reason.

Deadlines never move by themselves: only the administrator changes a ``Plazo`` (recorded in its
history) and only an explicit ``Prorroga`` moves one Servicio's date. ``pmggt.calendario``
reads them (effective date per document, countdown texts) for every page and reminder.
"""

from django.conf import settings
from django.db import models

from pmggt.historia import Historial

from .documentos import Documento
from .organizacion import Ciclo, Servicio


class Plazo(models.Model):
    ciclo = models.ForeignKey(Ciclo, on_delete=models.CASCADE, related_name="plazos")
    etapa = models.PositiveSmallIntegerField(choices=Documento.Etapa.choices)
    # 0: the stage document itself (its deadline to be Visado); 1, 2, …: a reporting period of
    # the stage (Etapa III's informes de avance), each with its own name and date.
    periodo = models.PositiveSmallIntegerField("período", default=0)
    nombre = models.CharField(
        max_length=150,
        blank=True,
        help_text="Para los períodos de reporte (p. ej. «Primer informe de avance»).",
    )
    vence = models.DateField("vence el")
    history = Historial()

    class Meta:
        ordering = ["ciclo", "etapa", "periodo"]
        verbose_name = "plazo"
        verbose_name_plural = "plazos"
        constraints = [
            models.UniqueConstraint(
                fields=["ciclo", "etapa", "periodo"], name="plazo_uno_por_etapa_periodo"
            ),
        ]

    def __str__(self):
        etapa = Documento.Etapa(self.etapa).label
        if self.periodo:
            return f"{etapa} {self.ciclo.anio} – {self.nombre or f'período {self.periodo}'}"
        return f"{etapa} {self.ciclo.anio}"


class Prorroga(models.Model):
    """One Servicio's extended deadline for one Plazo, granted by SUBDERE with a reason."""

    plazo = models.ForeignKey(Plazo, on_delete=models.CASCADE, related_name="prorrogas")
    servicio = models.ForeignKey(Servicio, on_delete=models.PROTECT, related_name="prorrogas")
    vence = models.DateField("nuevo plazo")
    motivo = models.TextField()
    otorgada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    otorgada_en = models.DateTimeField(auto_now_add=True)
    history = Historial()

    class Meta:
        ordering = ["plazo", "servicio__nombre"]
        verbose_name = "prórroga"
        verbose_name_plural = "prórrogas"
        constraints = [
            models.UniqueConstraint(fields=["plazo", "servicio"], name="prorroga_una_por_servicio"),
        ]

    def __str__(self):
        return f"Prórroga de {self.servicio.sigla} – {self.plazo}"
