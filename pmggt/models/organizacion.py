"""Organisations: regions, regional governments, Servicios, their Centros, and the yearly Ciclo."""

from django.db import models
from django.db.models.functions import Lower

from pmggt.historia import Historial


class Region(models.Model):
    codigo = models.CharField("código", max_length=4, unique=True)
    nombre = models.CharField(max_length=120, unique=True)
    nombre_corto = models.CharField("nombre corto", max_length=60)
    orden = models.PositiveSmallIntegerField(
        help_text="Posición de norte a sur (1 = Arica y Parinacota)."
    )
    history = Historial()

    class Meta:
        ordering = ["orden"]
        verbose_name = "región"
        verbose_name_plural = "regiones"
        constraints = [models.UniqueConstraint(fields=["orden"], name="region_orden_unico")]

    def __str__(self):
        return f"{self.codigo} – {self.nombre}"


class GobiernoRegional(models.Model):
    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="gore")
    nombre = models.CharField(max_length=150)
    history = Historial()

    class Meta:
        ordering = ["region__orden"]
        verbose_name = "gobierno regional"
        verbose_name_plural = "gobiernos regionales"
        permissions = [
            ("ver_region", "Ver los documentos visados que conciernen a la región (GORE)"),
        ]

    def __str__(self):
        return self.nombre


class Servicio(models.Model):
    nombre = models.CharField(max_length=200)
    sigla = models.SlugField(
        max_length=40,
        unique=True,
        allow_unicode=False,
        help_text="Identificador corto, en mayúsculas (p. ej. SERVIU-ANTOFAGASTA).",
    )
    ministerio = models.CharField(max_length=200)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="servicios_regionales",
        verbose_name="región",
        help_text="Solo para servicios regionales (p. ej. un SERVIU). Vacío si es nacional.",
    )
    activo = models.BooleanField(default=True)
    history = Historial()

    class Meta:
        ordering = ["nombre"]
        verbose_name = "servicio"
        verbose_name_plural = "servicios"
        constraints = [
            models.UniqueConstraint(Lower("sigla"), name="servicio_sigla_unica_ci"),
        ]
        permissions = [
            ("ver_documentos", "Ver los documentos del Servicio"),
            ("editar_documentos", "Redactar y enviar los documentos del Servicio (Encargado/a GT)"),
            ("aprobar_documentos", "Aprobar o devolver documentos (Jefe/a de Servicio)"),
            ("visar_documentos", "Visar o devolver documentos (Experto/a SUBDERE)"),
        ]

    def __str__(self):
        return f"{self.nombre} ({self.sigla})"


class Centro(models.Model):
    """Centro de Responsabilidad: a Servicio's unit in one Región (e.g. a SERPLAC)."""

    servicio = models.ForeignKey(Servicio, on_delete=models.PROTECT, related_name="centros")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="centros", verbose_name="región"
    )
    nombre = models.CharField(max_length=200)
    activo = models.BooleanField(
        default=True,
        help_text=(
            "Un Centro con historial no se elimina: se desactiva. Al desactivarlo, su grupo de "
            "rol deja de tener permisos (su Encargado/a ya no lee los documentos)."
        ),
    )
    history = Historial()

    class Meta:
        ordering = ["servicio__nombre", "region__orden"]
        verbose_name = "centro de responsabilidad"
        verbose_name_plural = "centros de responsabilidad"
        constraints = [
            models.UniqueConstraint(fields=["servicio", "region"], name="centro_uno_por_region"),
        ]
        permissions = [
            ("editar_centro", "Redactar las secciones regionales del Centro"),
        ]

    def __str__(self):
        return f"{self.nombre} – {self.servicio.sigla} ({self.region.codigo})"


class Ciclo(models.Model):
    anio = models.PositiveSmallIntegerField("año", unique=True)
    # Deadlines: pmggt.models.calendario.Plazo (per stage and reporting period).
    abierto = models.BooleanField(
        default=True, help_text="Solo en ciclos abiertos se pueden crear documentos."
    )
    history = Historial()

    class Meta:
        ordering = ["-anio"]
        verbose_name = "ciclo"
        verbose_name_plural = "ciclos"

    def __str__(self):
        return f"Ciclo {self.anio}"
