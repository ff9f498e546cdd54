from django import forms
from django.db import models
from django.forms import formset_factory

from . import etapas
from .models import Ciclo, Documento, Region, Servicio


class EstiloGobMixin:
    """Bootstrap/gob.cl classes on every widget, so forms render full width and styled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            if isinstance(campo.widget, forms.HiddenInput | forms.CheckboxInput):
                continue
            clases = campo.widget.attrs.get("class", "")
            if "form-control" not in clases:
                campo.widget.attrs["class"] = (clases + " form-control").strip()


class ComentarioForm(EstiloGobMixin, forms.Form):
    comentario = forms.CharField(
        label="Comentario (opcional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccionVersionForm(ComentarioForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class SolicitarModificacionForm(EstiloGobMixin, forms.Form):
    comentario = forms.CharField(
        label="Motivo de la modificación",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indique el motivo de la modificación."},
    )


class ObservacionForm(EstiloGobMixin, forms.Form):
    campo = forms.ChoiceField(label="Apunta a", required=False)
    texto = forms.CharField(
        label="Observación",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, campos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campo"].choices = list(campos)


class ObservacionRequeridaForm(ObservacionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["texto"].required = True
        self.fields["texto"].error_messages["required"] = "Escriba el texto de la observación."


class BaseObservacionesFormSet(forms.BaseFormSet):
    """At least one observación is required, here or pinned to a cell: workflow.devolver says."""


ObservacionesFormSet = formset_factory(
    ObservacionForm, formset=BaseObservacionesFormSet, extra=3, max_num=10
)


class DevolverForm(AccionVersionForm):
    pass


class CrearDocumentoForm(EstiloGobMixin, forms.Form):
    servicio = forms.ModelChoiceField(
        queryset=Servicio.objects.filter(activo=True), label="Servicio"
    )
    ciclo = forms.ModelChoiceField(queryset=Ciclo.objects.filter(abierto=True), label="Ciclo")
    etapa = forms.TypedChoiceField(choices=(), coerce=int, label="Etapa")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stages registered now (the registry fills in as stage apps load).
        self.fields["etapa"].choices = [(e.numero, e.titulo) for e in etapas.todas()]

    def servicio_elegido(self) -> Servicio | None:
        """The Servicio named in the data, before validation (for the access check)."""
        try:
            return Servicio.objects.get(pk=int(self.data.get("servicio", "")))
        except (TypeError, ValueError, Servicio.DoesNotExist):
            return None


class FiltroDocumentosForm(EstiloGobMixin, forms.Form):
    ORDENES = {
        "reciente": ("-ciclo__anio", "etapa", "servicio__nombre", "pk"),
        "servicio": ("servicio__nombre", "-ciclo__anio", "etapa", "pk"),
        "estado": ("estado", "-ciclo__anio", "servicio__nombre", "pk"),
        "espera": ("estado_desde", "pk"),
    }

    texto = forms.CharField(
        label="Servicio (nombre o sigla)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Buscar Servicio por nombre o sigla"}),
    )
    ciclo = forms.ModelChoiceField(
        queryset=Ciclo.objects.all(), required=False, empty_label="Todos los ciclos"
    )
    etapa = forms.TypedChoiceField(
        choices=(), coerce=int, required=False, empty_value=None, label="Etapa"
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), required=False, empty_label="Todas las regiones"
    )
    estado = forms.ChoiceField(
        choices=[("", "Todos los estados"), *Documento.Estado.choices], required=False
    )
    orden = forms.ChoiceField(
        choices=[
            ("reciente", "Más recientes primero"),
            ("servicio", "Por Servicio"),
            ("estado", "Por estado"),
            ("espera", "Más tiempo en su estado"),
        ],
        required=False,
        label="Orden",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etapa"].choices = [("", "Todas las etapas")] + [
            (e.numero, e.titulo) for e in etapas.todas()
        ]

    def filtrar(self, documentos):
        """The documents that match the valid filters, in the chosen order."""
        datos = self.cleaned_data if self.is_valid() else {}
        if datos.get("texto"):
            texto = datos["texto"].strip()
            documentos = documentos.filter(
                models.Q(servicio__sigla__icontains=texto)
                | models.Q(servicio__nombre__icontains=texto)
            )
        if datos.get("ciclo"):
            documentos = documentos.filter(ciclo=datos["ciclo"])
        if datos.get("etapa"):
            documentos = documentos.filter(etapa=datos["etapa"])
        if datos.get("region"):
            region = datos["region"]
            # The Servicio's own region, or one of its Centros' (without duplicate rows).
            documentos = documentos.filter(
                models.Q(servicio__region=region)
                | models.Q(servicio__in=Servicio.objects.filter(centros__region=region))
            )
        if datos.get("estado"):
            documentos = documentos.filter(estado=datos["estado"])
        return documentos.order_by(*self.ORDENES.get(datos.get("orden") or "reciente"))
