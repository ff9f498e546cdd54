from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory

from pmggt.forms import EstiloGobMixin
from pmggt.texto import normalizar

from .models import (
    Causal,
    Cliente,
    Diagnostico,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
)
from .services import validar_numero_producto

AREA = {"rows": 3}


class TextoNormalizadoMixin:
    """Pasted text keeps paragraphs and bullets and loses everything else (pmggt.texto)."""

    def clean(self):
        datos = super().clean()
        for nombre, campo in self.fields.items():
            if isinstance(campo.widget, forms.Textarea) and isinstance(datos.get(nombre), str):
                datos[nombre] = normalizar(datos[nombre])
        return datos


class DefinicionesForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = Diagnostico
        fields = ["presentacion", "mision", "cuadro2_no_pertinente", "cuadro2_motivo"]
        widgets = {
            "presentacion": forms.Textarea(attrs={"rows": 6}),
            "mision": forms.Textarea(attrs={"rows": 5}),
            "cuadro2_motivo": forms.Textarea(attrs=AREA),
        }
        help_texts = {
            "mision": "Misión institucional según las definiciones estratégicas vigentes."
        }

    def clean(self):
        datos = super().clean()
        if datos.get("cuadro2_no_pertinente") and not datos.get("cuadro2_motivo"):
            self.add_error(
                "cuadro2_motivo", "Indique por qué el Cuadro I N°2 no es pertinente al Servicio."
            )
        return datos


class NumerosUnicosFormSet(BaseInlineFormSet):
    campo_numero = "numero"

    def formularios_vigentes(self):
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            if not form.has_changed() and not form.instance.pk:
                continue
            yield form

    def clean(self):
        super().clean()
        vistos = set()
        for form in self.formularios_vigentes():
            numero = form.cleaned_data.get(self.campo_numero)
            if numero in vistos:
                form.add_error(self.campo_numero, f"El número {numero} está repetido.")
            vistos.add(numero)


class ObjetivoForm(TextoNormalizadoMixin, forms.ModelForm):
    class Meta:
        model = ObjetivoEstrategico
        fields = ["numero", "descripcion"]
        widgets = {
            "numero": forms.NumberInput(attrs={"min": 1, "class": "form-control campo-numero"}),
            "descripcion": forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        }


ObjetivosFormSet = inlineformset_factory(
    Diagnostico,
    ObjetivoEstrategico,
    form=ObjetivoForm,
    formset=NumerosUnicosFormSet,
    extra=2,
    can_delete=True,
)


class ProductoForm(TextoNormalizadoMixin, forms.ModelForm):
    numero = forms.CharField(
        label="N°",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control campo-numero"}),
    )

    class Meta:
        model = ProductoEstrategico
        fields = [
            "numero",
            "nombre",
            "objetivos",
            "aplica_pt",
            "causal_diseno",
            "causal_acceso",
            "causal_coordinacion",
            "causal_texto",
            "fundamento",
        ]
        widgets = {
            "nombre": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "objetivos": forms.CheckboxSelectMultiple,
            "aplica_pt": forms.Select(attrs={"class": "form-control"}),
            "causal_texto": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "fundamento": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        }

    def __init__(self, *args, diagnostico=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objetivos"].queryset = ObjetivoEstrategico.objects.filter(
            diagnostico=diagnostico
        )
        self.fields["objetivos"].label_from_instance = lambda o: str(o.numero)
        self.fields["objetivos"].required = False

    def clean(self):
        datos = super().clean()
        aplica = datos.get("aplica_pt")
        causales = [datos.get(c) for c in ("causal_diseno", "causal_acceso", "causal_coordinacion")]
        if aplica == ProductoEstrategico.Aplica.NO_APLICA and not datos.get("fundamento"):
            self.add_error(
                "fundamento",
                "Cuando el producto no aplica la perspectiva territorial, fundaméntelo.",
            )
        if aplica == ProductoEstrategico.Aplica.APLICA and not any(causales):
            self.add_error("aplica_pt", "Marque al menos una causal de aplicación.")
        if aplica == ProductoEstrategico.Aplica.NO_APLICA and any(causales):
            self.add_error("aplica_pt", "Un producto que no aplica no lleva causales.")
        return datos


class ProductosFormSet(NumerosUnicosFormSet):
    def clean(self):
        super().clean()
        vigentes = list(self.formularios_vigentes())
        numeros = {f.cleaned_data.get("numero") for f in vigentes}
        eliminados = {
            f.instance.numero
            for f in self.forms
            if getattr(f, "cleaned_data", None) and f.cleaned_data.get("DELETE") and f.instance.pk
        }
        for form in vigentes:
            numero = form.cleaned_data.get("numero")
            if not numero:
                continue
            error = validar_numero_producto(numero, numeros - {numero})
            if error and "repetido" not in error:
                form.add_error("numero", error)
        for numero in eliminados:
            hijos = sorted(n for n in numeros if n and n.startswith(numero + "."))
            if hijos:
                raise forms.ValidationError(
                    f"No se puede eliminar el producto {numero}: de él dependen {', '.join(hijos)}."
                )


def productos_formset(diagnostico, datos=None):
    Formset = inlineformset_factory(
        Diagnostico,
        ProductoEstrategico,
        form=ProductoForm,
        formset=ProductosFormSet,
        extra=3,
        can_delete=True,
    )
    return Formset(
        datos,
        instance=diagnostico,
        prefix="prod",
        queryset=ProductoEstrategico.objects.filter(diagnostico=diagnostico).prefetch_related(
            "objetivos"
        ),
        form_kwargs={"diagnostico": diagnostico},
    )


class ClienteForm(TextoNormalizadoMixin, forms.ModelForm):
    class Meta:
        model = Cliente
        fields = ["numero", "nombre", "productos"]
        widgets = {
            "numero": forms.NumberInput(attrs={"min": 1, "class": "form-control campo-numero"}),
            "nombre": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "productos": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, diagnostico=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["productos"].queryset = ProductoEstrategico.objects.filter(
            diagnostico=diagnostico, padre__isnull=True
        )
        self.fields["productos"].label_from_instance = lambda p: f"{p.numero} {p.nombre[:40]}"
        self.fields["productos"].required = False


def clientes_formset(diagnostico, datos=None):
    Formset = inlineformset_factory(
        Diagnostico,
        Cliente,
        form=ClienteForm,
        formset=NumerosUnicosFormSet,
        extra=2,
        can_delete=True,
    )
    return Formset(
        datos,
        instance=diagnostico,
        prefix="cli",
        queryset=Cliente.objects.filter(diagnostico=diagnostico).prefetch_related("productos"),
        form_kwargs={"diagnostico": diagnostico},
    )


class FacultadForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = FacultadDesconcentrada
        fields = ["ambito", "situacion", "descripcion"]
        widgets = {"descripcion": forms.Textarea(attrs=AREA)}


class SistemaForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = SistemaInformacion
        fields = ["nombre", "datos_regionales"]
        widgets = {"datos_regionales": forms.Textarea(attrs=AREA)}


FacultadesFormSet = inlineformset_factory(
    Diagnostico, FacultadDesconcentrada, form=FacultadForm, extra=2, can_delete=True
)
SistemasFormSet = inlineformset_factory(
    Diagnostico, SistemaInformacion, form=SistemaForm, extra=2, can_delete=True
)


class EncargadoForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = EncargadoRed
        fields = ["centro", "unidad", "nombres", "correos"]
        widgets = {"nombres": forms.Textarea(attrs=AREA), "correos": forms.Textarea(attrs=AREA)}
        labels = {"centro": "Región (Centro)"}

    def __init__(self, *args, servicio=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centro"].queryset = servicio.centros.select_related("region").order_by(
            "region__orden"
        )
        self.fields["centro"].empty_label = "Nivel central"
        self.fields["centro"].required = False


def encargados_formset(diagnostico, datos=None):
    Formset = inlineformset_factory(
        Diagnostico, EncargadoRed, form=EncargadoForm, extra=2, can_delete=True
    )
    return Formset(
        datos,
        instance=diagnostico,
        prefix="enc",
        form_kwargs={"servicio": diagnostico.documento.servicio},
    )


class FilaCuadro1Form(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = FilaCuadro1
        fields = ["productos", "causal", "avance", "mejora", "medidas", "objetivo"]
        widgets = {
            "productos": forms.SelectMultiple(attrs={"size": 8}),
            "avance": forms.Textarea(attrs={"rows": 4}),
            "mejora": forms.Textarea(attrs={"rows": 4}),
            "medidas": forms.Textarea(attrs={"rows": 4}),
            "objetivo": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "avance": "Avance existente aplicando la PT (2)",
            "mejora": "Mejora prevista que se proyecta lograr (3)",
            "medidas": "Medidas necesarias que acompañen las mejoras (4)",
            "objetivo": "Objetivo recomendado al Plan GT (5)",
            "productos": "Producto/subproductos estratégicos (1)",
        }
        error_messages = {
            "productos": {"required": "Indique al menos un producto o subproducto."},
        }

    def __init__(self, *args, diagnostico=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["productos"].queryset = ProductoEstrategico.objects.filter(
            diagnostico=diagnostico
        )
        self.fields["productos"].label_from_instance = lambda p: f"{p.numero} {p.nombre[:60]}"
        self.fields["causal"].choices = Causal.choices


class Cuadro2Form(TextoNormalizadoMixin, EstiloGobMixin, forms.Form):
    """One row of Cuadro I N°2 (one type of information)."""

    medidas_jefatura = forms.CharField(
        label="Medidas para proveer información a la jefatura regional",
        required=False,
        widget=forms.Textarea(attrs=AREA),
    )
    medidas_gore = forms.CharField(
        label="Medidas para proveer información al GORE",
        required=False,
        widget=forms.Textarea(attrs=AREA),
    )
    objetivo = forms.CharField(
        label="Objetivo recomendado al plan", required=False, widget=forms.Textarea(attrs=AREA)
    )


def cuadro2_formularios(filas_existentes: dict, datos=None) -> list[tuple[str, str, Cuadro2Form]]:
    resultado = []
    for clave, etiqueta in FilaCuadro2.Informacion.choices:
        fila = filas_existentes.get(clave)
        inicial = (
            {c: getattr(fila, c) for c in ("medidas_jefatura", "medidas_gore", "objetivo")}
            if fila
            else {}
        )
        resultado.append(
            (clave, etiqueta, Cuadro2Form(datos, prefix=f"c2-{clave}", initial=inicial))
        )
    return resultado
