"""Stage documents on the approval chain: versions, transitions and observaciones.

Only ``pmggt.workflow`` assigns ``Documento.estado``; versions and transitions are immutable.
"""

from django.conf import settings
from django.db import models

from pmggt.historia import Historial

from .organizacion import Ciclo, Servicio


class Inmutable(models.Model):
    """Rows written once: any later save or delete is a programming error."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{self._meta.verbose_name} es inmutable una vez registrada.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} es inmutable y no se elimina.")


class DocumentoQuerySet(models.QuerySet):
    def del_ciclo(self, ciclo):
        return self.filter(ciclo=ciclo)

    def de_etapa(self, etapa):
        return self.filter(etapa=etapa)


class Documento(models.Model):
    class Etapa(models.IntegerChoices):
        DIAGNOSTICO = 1, "Etapa I – Diagnóstico"
        PLAN = 2, "Etapa II – Plan y Programa de Trabajo"
        IMPLEMENTACION = 3, "Etapa III – Implementación"
        EVALUACION = 4, "Etapa IV – Evaluación y Programa de Seguimiento"

    class Estado(models.TextChoices):
        BORRADOR = "borrador", "Borrador"
        EN_REVISION_JEFE = "revision_jefe", "En revisión del Jefe"
        EN_VISACION = "visacion", "En visación SUBDERE"
        VISADO = "visado", "Visado"

    servicio = models.ForeignKey(Servicio, on_delete=models.PROTECT, related_name="documentos")
    ciclo = models.ForeignKey(Ciclo, on_delete=models.PROTECT, related_name="documentos")
    etapa = models.PositiveSmallIntegerField(choices=Etapa.choices)
    # Only pmggt.workflow writes this field.
    estado = models.CharField(
        max_length=20, choices=Estado.choices, default=Estado.BORRADOR, db_index=True
    )
    version_actual = models.PositiveIntegerField(
        "versión vigente", default=0, help_text="Última versión enviada (0: nunca enviado)."
    )
    version_visada = models.PositiveIntegerField(
        "versión visada", null=True, blank=True, help_text="Registro oficial vigente."
    )
    creado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    creado_en = models.DateTimeField(auto_now_add=True)
    estado_desde = models.DateTimeField("en este estado desde", auto_now_add=True)
    history = Historial()

    objects = DocumentoQuerySet.as_manager()

    class Meta:
        ordering = ["-ciclo__anio", "etapa", "servicio__nombre"]
        verbose_name = "documento de etapa"
        verbose_name_plural = "documentos de etapa"
        constraints = [
            models.UniqueConstraint(
                fields=["servicio", "ciclo", "etapa"], name="documento_uno_por_servicio_ciclo_etapa"
            ),
        ]

    def __str__(self):
        return f"{self.get_etapa_display()} {self.ciclo.anio} – {self.servicio.sigla}"

    @property
    def titulo(self):
        return f"{self.get_etapa_display()} {self.ciclo.anio}"


class VersionDocumento(Inmutable):
    """What was sent: the frozen canonical content, numbered, with its sha256."""

    documento = models.ForeignKey(Documento, on_delete=models.PROTECT, related_name="versiones")
    numero = models.PositiveIntegerField("número")
    contenido = models.JSONField()
    sha256 = models.CharField(max_length=64)
    creada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    creada_en = models.DateTimeField(auto_now_add=True)
    history = Historial()

    class Meta:
        ordering = ["documento", "numero"]
        verbose_name = "versión"
        verbose_name_plural = "versiones"
        constraints = [
            models.UniqueConstraint(fields=["documento", "numero"], name="version_numero_unico"),
        ]

    def __str__(self):
        return f"v{self.numero} de {self.documento}"


class Transicion(Inmutable):
    class Accion(models.TextChoices):
        CREAR = "crear", "Creó el documento"
        ENVIAR = "enviar", "Envió al Jefe/a de Servicio"
        APROBAR = "aprobar", "Aprobó y envió a SUBDERE"
        DEVOLVER = "devolver", "Devolvió con observaciones"
        VISAR = "visar", "Visó (V°B° técnico)"
        SOLICITAR_MODIFICACION = "solicitar_modificacion", "Solicitó modificación"

    documento = models.ForeignKey(Documento, on_delete=models.PROTECT, related_name="transiciones")
    accion = models.CharField("acción", max_length=30, choices=Accion.choices)
    estado_origen = models.CharField(max_length=20, choices=Documento.Estado.choices, blank=True)
    estado_destino = models.CharField(max_length=20, choices=Documento.Estado.choices)
    version = models.PositiveIntegerField("versión", default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    fecha = models.DateTimeField(auto_now_add=True)
    comentario = models.TextField(blank=True)
    # Set when the actor acted as the Jefe/a's substitute: records say «por subrogancia de …».
    subrogancia = models.ForeignKey(
        "Subrogancia",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transiciones",
    )
    # Approving or visar a version does not resolve the observaciones still open on it: they
    # are carried into the next step (and a later Borrador), and the transition records which.
    # Written once, when the transition is registered (pmggt.workflow).
    arrastradas = models.ManyToManyField(
        "Observacion",
        blank=True,
        related_name="arrastrada_en",
        verbose_name="observaciones abiertas arrastradas",
        help_text="Observaciones sin resolver cuando se aprobó o visó: siguieron abiertas.",
    )
    history = Historial()

    class Meta:
        ordering = ["documento", "fecha", "id"]
        verbose_name = "transición"
        verbose_name_plural = "transiciones"

    def __str__(self):
        return f"{self.get_accion_display()} ({self.documento})"


class Observacion(models.Model):
    documento = models.ForeignKey(Documento, on_delete=models.CASCADE, related_name="observaciones")
    version = models.PositiveIntegerField("versión observada", default=0)
    autor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texto = models.TextField()
    # Where it points: a field key ("mision") and optionally a row key ("objetivo:3").
    campo = models.CharField(max_length=80, blank=True)
    fila = models.CharField(max_length=80, blank=True)
    transicion = models.ForeignKey(
        Transicion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observaciones",
        help_text="La devolución con la que se registró, si la hubo.",
    )
    creada_en = models.DateTimeField(auto_now_add=True)
    resuelta = models.BooleanField(default=False, db_index=True)
    resuelta_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resuelta_en = models.DateTimeField(null=True, blank=True)
    history = Historial()

    class Meta:
        ordering = ["documento", "creada_en", "id"]
        verbose_name = "observación"
        verbose_name_plural = "observaciones"

    def __str__(self):
        return self.texto[:60]
