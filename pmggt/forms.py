from django import forms
from django.forms import formset_factory

from . import etapas
from .models import Ciclo, Documento, Servicio


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
    ciclo = forms.ModelChoiceField(
        queryset=Ciclo.objects.all(), required=False, empty_label="Todos los ciclos"
    )
    estado = forms.ChoiceField(
        choices=[("", "Todos los estados"), *Documento.Estado.choices], required=False
    )
