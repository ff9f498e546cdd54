"""Etapa I – Diagnóstico: definiciones estratégicas, perspectiva territorial, Cuadros I N°1 y N°2,
facultades desconcentradas and information systems (Guía 6.2.1 and the seed forms).

Rows that belong to a region carry their ``centro``; rows with no centro are the Servicio's own
(a Servicio without Centros has one cuadro for itself).
"""

from django.db import models
from django.db.models import F

from pmggt.historia import Historial
from pmggt.models import Centro, Documento

from . import formato


class Diagnostico(models.Model):
    documento = models.OneToOneField(
        Documento, on_delete=models.CASCADE, related_name="diagnostico"
    )
    presentacion = models.TextField("presentación", blank=True)
    mision = models.TextField("misión institucional", blank=True)
    cuadro2_no_pertinente = models.BooleanField(
        "Cuadro I N°2 no pertinente",
        default=False,
        help_text="Para Servicios sin equipos regionales.",
    )
    cuadro2_motivo = models.TextField("motivo de no pertinencia del Cuadro I N°2", blank=True)
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


class ProductoEstrategico(models.Model):
    """Producto → subproducto → producto específico, numbered like "1.1.2"."""

    class Aplica(models.TextChoices):
        SIN_DEFINIR = "", "Sin definir"
        APLICA = "aplica", "Aplica"
        NO_APLICA = "no_aplica", "No aplica"

    diagnostico = models.ForeignKey(Diagnostico, on_delete=models.CASCADE, related_name="productos")
    padre = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="hijos"
    )
    # Dotted number kept in sync by services (e.g. "1.1.2"); its depth says the level.
    numero = models.CharField("N°", max_length=20)
    orden = models.PositiveIntegerField(default=0, help_text="Orden entre sus hermanos.")
    nombre = models.TextField()
    objetivos = models.ManyToManyField(
        ObjetivoEstrategico, blank=True, related_name="productos", verbose_name="objetivos"
    )
    aplica_pt = models.CharField(
        "¿aplica perspectiva territorial?", max_length=10, choices=Aplica.choices, blank=True
    )
    causal_diseno = models.BooleanField(
        "(a) diseño y/o características del producto", default=False
    )
    causal_acceso = models.BooleanField(
        "(b) acceso y distribución (inequidad territorial)", default=False
    )
    causal_coordinacion = models.BooleanField("(c) complementariedad y coordinación", default=False)
    causal_texto = models.TextField("causal de aplicación (explicación)", blank=True)
    fundamento = models.TextField("fundamento (si no aplica)", blank=True)
    history = Historial(m2m_fields=["objetivos"])

    class Meta:
        ordering = ["diagnostico", "orden", "id"]
        verbose_name = "producto estratégico"
        verbose_name_plural = "productos estratégicos"
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostico", "numero"], name="producto_numero_unico_por_diagnostico"
            ),
            models.CheckConstraint(
                condition=~models.Q(aplica_pt="no_aplica") | ~models.Q(fundamento=""),
                name="producto_no_aplica_exige_fundamento",
            ),
        ]

    def __str__(self):
        return f"{self.numero} {self.nombre[:60]}"

    @property
    def nivel(self) -> int:
        return self.numero.count(".") + 1

    @property
    def nivel_nombre(self) -> str:
        return {1: "Producto", 2: "Subproducto"}.get(self.nivel, "Producto específico")


class Cliente(models.Model):
    """Clientes / usuarios / beneficiarios, and the products that serve them."""

    diagnostico = models.ForeignKey(Diagnostico, on_delete=models.CASCADE, related_name="clientes")
    numero = models.PositiveSmallIntegerField("N°")
    nombre = models.TextField()
    productos = models.ManyToManyField(
        ProductoEstrategico, blank=True, related_name="clientes", verbose_name="productos"
    )
    history = Historial(m2m_fields=["productos"])

    class Meta:
        ordering = ["diagnostico", "numero"]
        verbose_name = "cliente / usuario / beneficiario"
        verbose_name_plural = "clientes / usuarios / beneficiarios"
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostico", "numero"], name="cliente_numero_unico_por_diagnostico"
            ),
        ]

    def __str__(self):
        return f"{self.numero}. {self.nombre[:60]}"


class Causal(models.TextChoices):
    DISENO = "diseno", "Asociados al diseño y/o características del producto"
    COORDINACION = "coordinacion", "En materia de coordinación y/o complementariedad"
    ACCESO = "acceso", "Asociados a la reducción de inequidad territorial en el acceso a productos"


CAUSALES_ORDEN = [c.value for c in Causal]


def lista_causales(valor: str) -> list[str]:
    """The causal codes stored in ``FilaCuadro1.causales`` ("diseno,acceso"), in printed order."""
    elegidas = {c.strip() for c in (valor or "").split(",") if c.strip()}
    return [c for c in CAUSALES_ORDEN if c in elegidas]


def unir_causales(codigos) -> str:
    """The stored form of a set of causal codes (printed order, comma-separated)."""
    elegidas = set(codigos or [])
    return ",".join(c for c in CAUSALES_ORDEN if c in elegidas)


def validar_causales(valor: str):
    from django.core.exceptions import ValidationError

    desconocidas = {c.strip() for c in (valor or "").split(",") if c.strip()} - set(CAUSALES_ORDEN)
    if desconocidas:
        raise ValidationError(f"Causal no válida: {', '.join(sorted(desconocidas))}.")


class FilaCuadro1(models.Model):
    """Cuadro I N°1: one row of a region's cuadro, as the Servicio writes it.

    Column (1) is the Servicio's own text (``producto_texto``, e.g. "Producto: 1. Sistema de
    Protección Social. Subproducto: 1.1 Chile Crece Contigo"), linked to the Diagnóstico's
    products (``productos``) but never forced into them; a row may cover several causales (or
    none, when the Servicio does not group its rows by causal).
    """

    diagnostico = models.ForeignKey(
        Diagnostico, on_delete=models.CASCADE, related_name="filas_cuadro1"
    )
    centro = models.ForeignKey(
        Centro, on_delete=models.PROTECT, null=True, blank=True, related_name="filas_cuadro1"
    )
    producto_texto = models.TextField(
        "producto/subproductos estratégicos (1)",
        blank=True,
        help_text="Como lo escribe el Servicio (si no, se imprimen los productos).",
    )
    productos = models.ManyToManyField(
        ProductoEstrategico,
        blank=True,
        related_name="filas_cuadro1",
        verbose_name="productos vinculados",
    )
    causales = models.CharField(
        "causales",
        max_length=40,
        blank=True,
        validators=[validar_causales],
        help_text="diseno, coordinacion, acceso (separadas por coma) o vacío.",
    )
    avance = models.TextField("avance existente aplicando la PT", blank=True)
    mejora = models.TextField("mejora prevista que se proyecta lograr", blank=True)
    medidas = models.TextField("medidas necesarias que acompañen las mejoras", blank=True)
    objetivo = models.TextField("objetivo recomendado al Plan GT", blank=True)
    orden = models.PositiveIntegerField(default=0)
    history = Historial(m2m_fields=["productos"])

    class Meta:
        ordering = [
            "diagnostico",
            F("centro__region__orden").asc(nulls_first=True),
            "orden",
            "id",
        ]
        verbose_name = "fila del Cuadro I N°1"
        verbose_name_plural = "filas del Cuadro I N°1"
        # Index for the per-region cuadro pages and reports.
        indexes = [models.Index(fields=["diagnostico", "centro", "orden"], name="cuadro1_region")]

    def __str__(self):
        return f"Cuadro I N°1 · fila {self.pk}"

    @property
    def lista_causales(self) -> list[str]:
        return lista_causales(self.causales)


class FilaCuadro2(models.Model):
    """Cuadro I N°2: for one of the four types of information, in one region."""

    class Informacion(models.TextChoices):
        OFERTA = "oferta", "Oferta de productos/subproductos"
        CLIENTES = (
            "clientes",
            ("Localización y características de clientes, usuarios o beneficiarios"),
        )
        GASTO = "gasto", "Programa de gasto o inversión"
        CONVENIOS = (
            "convenios",
            ("Compromisos de gasto o inversión en convenios o programas de complementariedad"),
        )

    diagnostico = models.ForeignKey(
        Diagnostico, on_delete=models.CASCADE, related_name="filas_cuadro2"
    )
    centro = models.ForeignKey(
        Centro, on_delete=models.PROTECT, null=True, blank=True, related_name="filas_cuadro2"
    )
    informacion = models.CharField("información", max_length=20, choices=Informacion.choices)
    medidas_jefatura = models.TextField(
        "medidas para proveer información a la jefatura regional", blank=True
    )
    medidas_gore = models.TextField("medidas para proveer información al GORE", blank=True)
    objetivo = models.TextField("objetivo recomendado al plan", blank=True)
    history = Historial()

    class Meta:
        ordering = [
            "diagnostico",
            F("centro__region__orden").asc(nulls_first=True),
            "id",
        ]
        verbose_name = "fila del Cuadro I N°2"
        verbose_name_plural = "filas del Cuadro I N°2"
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostico", "centro", "informacion"],
                condition=models.Q(centro__isnull=False),
                name="cuadro2_una_fila_por_informacion_y_centro",
            ),
            models.UniqueConstraint(
                fields=["diagnostico", "informacion"],
                condition=models.Q(centro__isnull=True),
                name="cuadro2_una_fila_por_informacion_del_servicio",
            ),
        ]

    def __str__(self):
        return f"Cuadro I N°2 · {self.get_informacion_display()}"


class FacultadDesconcentrada(models.Model):
    class Ambito(models.TextChoices):
        PROGRAMAS = "programas", "Programas"
        PRESUPUESTO = "presupuesto", "Ciclo presupuestario"
        COMPRAS_PERSONAL = "compras_personal", "Compras y personal"
        CONVENIOS = "convenios", "Convenios"

    class Situacion(models.TextChoices):
        DELEGADA_NO_EJERCIDA = "delegada_no_ejercida", "Delegada pero no ejercida"
        NO_DELEGADA_NECESARIA = "no_delegada_necesaria", "No delegada pero necesaria"

    diagnostico = models.ForeignKey(
        Diagnostico, on_delete=models.CASCADE, related_name="facultades"
    )
    ambito = models.CharField("ámbito", max_length=20, choices=Ambito.choices)
    situacion = models.CharField("situación", max_length=25, choices=Situacion.choices)
    descripcion = models.TextField("descripción")
    history = Historial()

    class Meta:
        ordering = ["diagnostico", "ambito", "id"]
        verbose_name = "facultad desconcentrada"
        verbose_name_plural = "facultades desconcentradas"

    def __str__(self):
        return f"{self.get_ambito_display()}: {self.descripcion[:60]}"


class SistemaInformacion(models.Model):
    """An information system where regional (disaggregated) data must be added."""

    diagnostico = models.ForeignKey(
        Diagnostico, on_delete=models.CASCADE, related_name="sistemas_informacion"
    )
    nombre = models.CharField(max_length=200)
    datos_regionales = models.TextField("datos regionales que se deben incorporar")
    history = Historial()

    class Meta:
        ordering = ["diagnostico", "id"]
        verbose_name = "sistema de información"
        verbose_name_plural = "sistemas de información"

    def __str__(self):
        return self.nombre


class EncargadoRed(models.Model):
    """The network of encargados shown in the informe (nivel central and each region)."""

    diagnostico = models.ForeignKey(
        Diagnostico, on_delete=models.CASCADE, related_name="encargados"
    )
    centro = models.ForeignKey(
        Centro, on_delete=models.PROTECT, null=True, blank=True, related_name="encargados_red"
    )
    unidad = models.CharField(max_length=200, blank=True)
    nombres = models.TextField("nombres", help_text="Una persona por línea.")
    correos = models.TextField("correos", blank=True, help_text="Uno por línea.")
    history = Historial()

    class Meta:
        ordering = [
            "diagnostico",
            F("centro__region__orden").asc(nulls_first=True),
            "id",
        ]
        verbose_name = "encargado/a de la red GT"
        verbose_name_plural = "red de encargados GT"

    def __str__(self):
        return self.unidad or self.nombres.split("\n")[0]


def validar_marcadores(valor: str):
    """Only ``{anio}`` is replaced in the wording: any other ``{…}`` is most likely a typo."""
    import re

    from django.core.exceptions import ValidationError

    otros = sorted(set(re.findall(r"\{[^{}]*\}", valor or "")) - {"{anio}"})
    if otros:
        raise ValidationError(
            "Solo se reemplaza el marcador {anio} (el año del ciclo); revise: "
            + ", ".join(otros)
            + "."
        )


class FormatoCuadros(models.Model):
    """The wording a Ciclo's printed Cuadros I N°1 and N°2 use (``diagnostico.formato``):
    SUBDERE rewords its forms from one year to the next. A Ciclo without one prints the
    defaults."""

    ciclo = models.OneToOneField(
        "pmggt.Ciclo", on_delete=models.CASCADE, related_name="formato_cuadros"
    )
    titulo_cuadro1 = models.CharField(
        "título del Cuadro I N°1",
        max_length=300,
        default=formato.TITULO_CUADRO1,
        validators=[validar_marcadores],
        help_text="Se imprime seguido de la referencia a los objetivos del Diagnóstico.",
    )
    referencia_cuadro1 = models.CharField(
        "referencia del Cuadro I N°1",
        max_length=200,
        blank=True,
        default=formato.REFERENCIA_CUADRO1,
        validators=[validar_marcadores],
        help_text="Se imprime tras el título, como en el formulario de la etapa, p. ej. "
        "«(Objetivos 1, 2 y 3 del Diagnóstico)»: los objetivos del Diagnóstico que enumera el "
        "formulario (no los objetivos estratégicos del Servicio). Déjela vacía para no imprimir "
        "ninguna.",
    )
    titulo_cuadro2 = models.CharField(
        "título del Cuadro I N°2",
        max_length=300,
        default=formato.TITULO_CUADRO2,
        validators=[validar_marcadores],
    )
    referencia_cuadro2 = models.CharField(
        "referencia del Cuadro I N°2",
        max_length=200,
        blank=True,
        default=formato.REFERENCIA_CUADRO2,
        validators=[validar_marcadores],
        help_text="Se imprime tras el título, como en el formulario, p. ej. «(Objetivo 3 del "
        "Diagnóstico)». Déjela vacía para no imprimir ninguna.",
    )
    notas_cuadro1 = models.TextField(
        "notas del Cuadro I N°1",
        blank=True,
        default=formato.NOTAS_CUADRO1,
        validators=[validar_marcadores],
        help_text="Una nota por línea, impresas bajo cada Cuadro I N°1 en este orden. "
        "«{anio}» se reemplaza por el año del ciclo.",
    )
    notas_cuadro2 = models.TextField(
        "notas del Cuadro I N°2",
        blank=True,
        default=formato.NOTAS_CUADRO2,
        validators=[validar_marcadores],
        help_text="Una nota por línea, impresas bajo cada Cuadro I N°2 en este orden. "
        "«{anio}» se reemplaza por el año del ciclo.",
    )
    history = Historial()

    class Meta:
        verbose_name = "formato de los cuadros impresos"
        verbose_name_plural = "formatos de los cuadros impresos"

    def __str__(self):
        return f"Formato de los cuadros del {self.ciclo}"
