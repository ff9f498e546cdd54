"""Etapa II – Plan y Programa de Trabajo (Guía 6.2.2, lines 841–890 of seeds/003).

The Plan is built from the *visado* Diagnóstico of the same Servicio and Ciclo, which it reads
through the core (``pmggt.versiones.contenido_visado``) and never by importing ``diagnostico``:
links to Cuadro I rows are the row ids of that canonical content (``"cuadro1"[i]["id"]``,
``"cuadro2"["filas"][i]["id"]``), kept as integers.

Rows that belong to a region carry their ``centro`` (activities, indicators, PROPIR
commitments: an Encargada de Centro writes her region's); ``centro`` None is the Servicio's own
(national) row. The procedures agreed with each GORE carry the GORE's ``region``.
"""

from django.core.exceptions import ValidationError
from django.db import models

from pmggt.historia import Historial
from pmggt.models import Centro, Documento, Region


class Plan(models.Model):
    documento = models.OneToOneField(Documento, on_delete=models.CASCADE, related_name="plan")
    objetivo_general_pt = models.TextField(
        "objetivo general de la perspectiva territorial en los productos",
        blank=True,
        help_text="Incorporación o profundización de la Perspectiva Territorial a sus "
        "productos en cada región o territorio subnacional.",
    )
    objetivo_general_informacion = models.TextField(
        "objetivo general de la información regional en los sistemas de información",
        blank=True,
        help_text="Incorporación de información por región a los sistemas de información.",
    )
    history = Historial()

    class Meta:
        verbose_name = "plan y programa de trabajo"
        verbose_name_plural = "planes y programas de trabajo"

    def __str__(self):
        return f"Plan {self.documento.ciclo.anio} – {self.documento.servicio.sigla}"


def validar_lista_enteros(valor):
    if not isinstance(valor, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in valor
    ):
        raise ValidationError("Debe ser una lista de números de fila.")


def validar_lista_codigos(valor):
    if not isinstance(valor, list) or not all(isinstance(v, str) and v for v in valor):
        raise ValidationError("Debe ser una lista de códigos de región.")


class ObjetivoEspecifico(models.Model):
    """An objective of the Plan for the products, from one or more Cuadro I N°1 rows."""

    class Ambito(models.TextChoices):
        CARACTERISTICAS = (
            "caracteristicas",
            "Características del producto, modo de acceso o provisión",
        )
        COMPLEMENTARIEDAD = "complementariedad", "Complementariedad con otros servicios"
        DISTRIBUCION = (
            "distribucion",
            "Distribución en zonas extremas, de difícil acceso o vulnerables",
        )
        PROPIR = "propir", "Compromisos del PROPIR"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objetivos")
    numero = models.PositiveSmallIntegerField("N°")
    descripcion = models.TextField("objetivo específico")
    ambito = models.CharField("ámbito", max_length=20, choices=Ambito.choices, blank=True)
    # Ids of the visado Diagnóstico's Cuadro I N°1 rows this objective takes up.
    filas_cuadro1 = models.JSONField(
        "filas del Cuadro I N°1", default=list, blank=True, validators=[validar_lista_enteros]
    )
    # Region codes it applies to ([]: every region of the Servicio).
    regiones = models.JSONField(
        "regiones", default=list, blank=True, validators=[validar_lista_codigos]
    )
    fundamento = models.TextField(
        "por qué se seleccionó el producto",
        blank=True,
        help_text="Mayor valor estratégico o aporte a la complementariedad con otras "
        "instituciones (Guía 6.2.2).",
    )
    history = Historial()

    class Meta:
        ordering = ["plan", "numero", "id"]
        verbose_name = "objetivo específico"
        verbose_name_plural = "objetivos específicos"
        constraints = [
            models.UniqueConstraint(fields=["plan", "numero"], name="plan_objetivo_numero_unico")
        ]

    def __str__(self):
        return f"Objetivo {self.numero}. {self.descripcion[:60]}"


class ObjetivoNoAbordado(models.Model):
    """A recommended objective of the visado Cuadro I N°1 not taken up this year, and why."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="no_abordados")
    fila_cuadro1 = models.PositiveIntegerField("fila del Cuadro I N°1")
    motivo = models.TextField("motivo por el que no se aborda este año")
    history = Historial()

    class Meta:
        ordering = ["plan", "fila_cuadro1"]
        verbose_name = "objetivo recomendado no abordado"
        verbose_name_plural = "objetivos recomendados no abordados"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "fila_cuadro1"], name="plan_no_abordado_una_vez_por_fila"
            )
        ]

    def __str__(self):
        return f"No abordado: fila {self.fila_cuadro1}"


class Informacion(models.TextChoices):
    """The four kinds of regional information (Guía 6.2.2; the rows of Cuadro I N°2)."""

    OFERTA = "oferta", "Oferta de productos en cada región"
    CLIENTES = "clientes", "Localización y características de clientes, usuarios o beneficiarios"
    GASTO = "gasto", "Gasto anual programado por región, incluidas las inversiones"
    CONVENIOS = "convenios", "Compromisos de gasto o inversión en convenios de complementariedad"


class ObjetivoInformacion(models.Model):
    """An objective of the information system, from Cuadro I N°2 rows."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objetivos_informacion")
    numero = models.PositiveSmallIntegerField("N°")
    informacion = models.CharField("información", max_length=20, choices=Informacion.choices)
    descripcion = models.TextField("objetivo específico")
    # Ids of the visado Diagnóstico's Cuadro I N°2 rows it takes up.
    filas_cuadro2 = models.JSONField(
        "filas del Cuadro I N°2", default=list, blank=True, validators=[validar_lista_enteros]
    )
    history = Historial()

    class Meta:
        ordering = ["plan", "numero", "id"]
        verbose_name = "objetivo del sistema de información"
        verbose_name_plural = "objetivos del sistema de información"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "numero"], name="plan_objetivo_informacion_numero_unico"
            )
        ]

    def __str__(self):
        return f"Objetivo de información {self.numero}"


class Medida(models.Model):
    """A medida de la autoridad (Guía 109, 861–863) or a variable externa de riesgo (107, 859)."""

    class Tipo(models.TextChoices):
        MEDIDA = "medida", "Medida de la autoridad"
        VARIABLE = "variable", "Variable externa de riesgo"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="medidas")
    tipo = models.CharField(max_length=10, choices=Tipo.choices)
    objetivo = models.ForeignKey(
        ObjetivoEspecifico,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="medidas",
        verbose_name="objetivo específico",
    )
    descripcion = models.TextField("descripción")
    orden = models.PositiveIntegerField(default=0)
    history = Historial()

    class Meta:
        ordering = ["plan", "tipo", "orden", "id"]
        verbose_name = "medida o variable externa"
        verbose_name_plural = "medidas y variables externas"

    def __str__(self):
        return f"{self.get_tipo_display()}: {self.descripcion[:60]}"


class CompromisoPropir(models.Model):
    """An annual commitment of activities and investment of the PROPIR in a region."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="compromisos_propir")
    centro = models.ForeignKey(
        Centro, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    objetivo = models.ForeignKey(
        ObjetivoEspecifico,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compromisos_propir",
        verbose_name="objetivo específico",
    )
    descripcion = models.TextField("compromiso (actividad o inversión)")
    monto = models.DecimalField(
        "monto comprometido (M$)", max_digits=14, decimal_places=0, null=True, blank=True
    )
    orden = models.PositiveIntegerField(default=0)
    history = Historial()

    class Meta:
        ordering = ["plan", "orden", "id"]
        verbose_name = "compromiso PROPIR"
        verbose_name_plural = "compromisos PROPIR"

    def __str__(self):
        return f"PROPIR: {self.descripcion[:60]}"


class ProcedimientoGore(models.Model):
    """The procedure agreed with one GORE to provide one type of regional information."""

    class Periodicidad(models.TextChoices):
        MENSUAL = "mensual", "Mensual"
        BIMENSUAL = "bimensual", "Bimensual"
        TRIMESTRAL = "trimestral", "Trimestral"
        CUATRIMESTRAL = "cuatrimestral", "Cuatrimestral"
        SEMESTRAL = "semestral", "Semestral"
        ANUAL = "anual", "Anual"
        A_SOLICITUD = "a_solicitud", "A solicitud del GORE"

    class Canal(models.TextChoices):
        OFICIO = "oficio", "Oficio"
        CORREO = "correo", "Correo electrónico"
        PLATAFORMA = "plataforma", "Plataforma del GORE"
        REUNION = "reunion", "Reunión o mesa de trabajo"
        OTRO = "otro", "Otro"

    class Instrumento(models.TextChoices):
        OFICIO = "oficio", "Oficio"
        CONVENIO = "convenio", "Convenio"
        PROTOCOLO = "protocolo", "Protocolo"
        ACTA = "acta", "Acta de acuerdo"

    class Estado(models.TextChoices):
        VIGENTE = "vigente", "Vigente"
        POR_FORMALIZAR = "por_formalizar", "Por formalizar"
        NO_APLICA = "no_aplica", "No aplica"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="procedimientos")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="GORE (región)"
    )
    informacion = models.CharField("información", max_length=20, choices=Informacion.choices)
    objetivo_informacion = models.ForeignKey(
        ObjetivoInformacion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="procedimientos",
        verbose_name="objetivo del sistema de información",
    )
    formato = models.TextField("formato", blank=True)
    contenido = models.TextField("contenido", blank=True)
    periodicidad = models.CharField(
        "periodicidad", max_length=20, choices=Periodicidad.choices, blank=True
    )
    periodicidad_detalle = models.CharField(
        "detalle de la periodicidad", max_length=200, blank=True
    )
    canal = models.CharField("canal", max_length=20, choices=Canal.choices, blank=True)
    canal_detalle = models.CharField(
        "detalle del canal (y alternativo)", max_length=300, blank=True
    )
    responsable_servicio = models.CharField("responsable del Servicio", max_length=300, blank=True)
    responsable_gore = models.CharField("responsable del GORE", max_length=300, blank=True)
    instrumento = models.CharField(
        "instrumento", max_length=20, choices=Instrumento.choices, blank=True
    )
    instrumento_numero = models.CharField("N° del instrumento", max_length=60, blank=True)
    instrumento_fecha = models.DateField("fecha del instrumento", null=True, blank=True)
    estado = models.CharField(
        "estado", max_length=20, choices=Estado.choices, default=Estado.POR_FORMALIZAR
    )
    motivo_no_aplica = models.TextField("motivo (no aplica)", blank=True)
    history = Historial()

    class Meta:
        ordering = ["plan", "region__orden", "informacion", "id"]
        verbose_name = "procedimiento acordado con el GORE"
        verbose_name_plural = "procedimientos acordados con los GORE"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "region", "informacion"],
                name="plan_procedimiento_uno_por_gore_e_informacion",
            )
        ]

    def __str__(self):
        return f"Procedimiento GORE {self.region.codigo} · {self.get_informacion_display()}"


class Indicador(models.Model):
    """A performance indicator of the Plan (Guía 882–887; DIPRES's indicator sheet)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicadores")
    centro = models.ForeignKey(
        Centro,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vacío: indicador nacional.",
    )
    numero = models.PositiveSmallIntegerField("N°")
    nombre = models.TextField("nombre del indicador")
    formula = models.TextField(
        "fórmula de cálculo", help_text="Por ejemplo: (numerador / denominador) * 100"
    )
    numerador = models.TextField("numerador (variable)", blank=True)
    denominador = models.TextField("denominador (variable)", blank=True)
    unidad = models.CharField("unidad de medida", max_length=60, blank=True)
    meta = models.DecimalField("meta", max_digits=14, decimal_places=2, null=True, blank=True)
    meta_numerador = models.DecimalField(
        "numerador de la meta", max_digits=14, decimal_places=2, null=True, blank=True
    )
    meta_denominador = models.DecimalField(
        "denominador de la meta", max_digits=14, decimal_places=2, null=True, blank=True
    )
    medio_verificacion = models.TextField("medio de verificación", blank=True)
    instrumento_recoleccion = models.TextField("instrumento de recolección", blank=True)
    instrumento_sistematizacion = models.TextField("instrumento de sistematización", blank=True)
    nota_tecnica = models.TextField("nota técnica", blank=True)
    objetivo = models.ForeignKey(
        ObjetivoEspecifico,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicadores",
        verbose_name="objetivo específico",
    )
    objetivo_informacion = models.ForeignKey(
        ObjetivoInformacion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicadores",
        verbose_name="objetivo del sistema de información",
    )
    se_mide = models.BooleanField("se mide este año", default=True)
    history = Historial()

    class Meta:
        ordering = ["plan", "numero", "id"]
        verbose_name = "indicador"
        verbose_name_plural = "indicadores"
        constraints = [
            models.UniqueConstraint(fields=["plan", "numero"], name="plan_indicador_numero_unico")
        ]

    def __str__(self):
        return f"Indicador {self.numero}. {self.nombre[:60]}"


class Actividad(models.Model):
    """A hito or actividad of the programa de trabajo (Guía 888–889)."""

    class Tipo(models.TextChoices):
        ACTIVIDAD = "actividad", "Actividad"
        HITO = "hito", "Hito"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actividades")
    centro = models.ForeignKey(
        Centro,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Vacío: actividad nacional (del Servicio).",
    )
    tipo = models.CharField(max_length=10, choices=Tipo.choices, default=Tipo.ACTIVIDAD)
    descripcion = models.TextField("descripción")
    inicio = models.DateField("inicio", null=True, blank=True)
    plazo = models.DateField("plazo (término)")
    responsable = models.CharField("responsable", max_length=300, blank=True)
    objetivo = models.ForeignKey(
        ObjetivoEspecifico,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actividades",
        verbose_name="objetivo específico",
    )
    objetivo_informacion = models.ForeignKey(
        ObjetivoInformacion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actividades",
        verbose_name="objetivo del sistema de información",
    )
    medio_verificacion = models.TextField("medio de verificación", blank=True)
    orden = models.PositiveIntegerField(default=0)
    history = Historial()

    class Meta:
        ordering = ["plan", "orden", "id"]
        verbose_name = "actividad o hito"
        verbose_name_plural = "actividades e hitos"
        indexes = [models.Index(fields=["plan", "centro", "orden"], name="actividad_region")]

    def __str__(self):
        return f"{self.get_tipo_display()}: {self.descripcion[:60]}"

    def clean(self):
        if self.inicio and self.plazo and self.inicio > self.plazo:
            raise ValidationError({"plazo": "El plazo no puede ser anterior al inicio."})
