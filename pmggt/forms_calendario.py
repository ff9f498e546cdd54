"""Forms of the Ciclo's calendar: the stage deadlines, Etapa III's reporting periods and the
extensions (pmggt.views_calendario). Rules a form cannot see (an extension's reason, a deadline
with extensions) are re-checked by the services in pmggt.calendario."""

from django import forms
from django.forms import formset_factory

from . import calendario
from .forms import EstiloGobMixin
from .models import Documento, Plazo, Servicio

FORMATO_FECHA = "dd-mm-aaaa"
ERROR_FECHA = f"Ingrese una fecha válida ({FORMATO_FECHA})."


def campo_fecha(label: str, *, required: bool = False, **kwargs) -> forms.DateField:
    """A date as the browser's date picker sends it (aaaa-mm-dd) or typed as dd-mm-aaaa."""
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        error_messages={"invalid": ERROR_FECHA, "required": "Indique la fecha."},
        **kwargs,
    )


class PlazosForm(EstiloGobMixin, forms.Form):
    """The deadline of each stage, I to IV (blank: no deadline)."""

    def __init__(self, *args, ciclo, **kwargs):
        self.ciclo = ciclo
        super().__init__(*args, **kwargs)
        for etapa, titulo in Documento.Etapa.choices:
            self.fields[f"etapa_{etapa}"] = campo_fecha(
                titulo, help_text="En blanco: sin plazo para esta etapa."
            )
        for campo in self.fields.values():
            campo.widget.attrs["class"] = "form-control"
        self.order_fields(f"etapa_{e}" for e in Documento.Etapa.values)

    def clean(self):
        datos = super().clean()
        inicio = calendario.inicio_del_ciclo(self.ciclo)
        for etapa in Documento.Etapa.values:
            vence = datos.get(f"etapa_{etapa}")
            if vence is not None and vence < inicio:
                self.add_error(
                    f"etapa_{etapa}",
                    "El plazo no puede ser anterior al inicio del ciclo "
                    f"({calendario.fecha(inicio)}).",
                )
        return datos

    def etapas(self) -> dict:
        return {e: self.cleaned_data.get(f"etapa_{e}") for e in Documento.Etapa.values}


class PeriodoForm(EstiloGobMixin, forms.Form):
    """One of Etapa III's reporting periods: its name and date."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nombre = forms.CharField(label="Nombre del período", max_length=150, required=False, strip=True)
    vence = campo_fecha("Fecha")

    def clean(self):
        datos = super().clean()
        nombre, vence = datos.get("nombre"), datos.get("vence")
        if vence is not None and not nombre:
            self.add_error("nombre", "Indique el nombre del período (p. ej. «Primer informe»).")
        if nombre and vence is None and "vence" not in self.errors:
            self.add_error("vence", "Indique la fecha del período.")
        return datos

    def vacio(self) -> bool:
        datos = getattr(self, "cleaned_data", {})
        return not datos.get("nombre") and datos.get("vence") is None


class BasePeriodosFormSet(forms.BaseFormSet):
    def __init__(self, *args, ciclo, **kwargs):
        self.ciclo = ciclo
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        anterior = None
        inicio = calendario.inicio_del_ciclo(self.ciclo)
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) or form.vacio():
                continue
            vence = form.cleaned_data["vence"]
            if vence < inicio:
                form.add_error(
                    "vence",
                    "La fecha no puede ser anterior al inicio del ciclo "
                    f"({calendario.fecha(inicio)}).",
                )
            elif anterior is not None and vence <= anterior:
                form.add_error(
                    "vence",
                    "Los períodos van en orden: esta fecha debe ser posterior a la del período "
                    f"anterior ({calendario.fecha(anterior)}).",
                )
            anterior = vence

    def periodos(self) -> list[calendario.PeriodoNuevo]:
        return [
            calendario.PeriodoNuevo(
                f.cleaned_data.get("id"), f.cleaned_data["nombre"], f.cleaned_data["vence"]
            )
            for f in self.forms
            if not (self._should_delete_form(f) or f.vacio())
        ]


PeriodosFormSet = formset_factory(
    PeriodoForm, formset=BasePeriodosFormSet, extra=1, can_delete=True, max_num=24
)


def _etiqueta_plazo(plazo: Plazo) -> str:
    etapa = calendario.ETAPAS[plazo.etapa]
    texto = f"{etapa} – {plazo.nombre or f'período {plazo.periodo}'}" if plazo.periodo else etapa
    return f"{texto} (vence el {calendario.fecha(plazo.vence)})"


class PlazoChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _etiqueta_plazo(obj)


class ProrrogaForm(EstiloGobMixin, forms.Form):
    """A new extension (or a change of the one the Servicio has for that Plazo)."""

    servicio = forms.ModelChoiceField(
        label="Servicio",
        queryset=Servicio.objects.filter(activo=True).order_by("nombre"),
        error_messages={
            "required": "Elija el Servicio.",
            "invalid_choice": "Elija un Servicio de la lista.",
        },
    )
    plazo = PlazoChoiceField(
        label="Etapa o período",
        queryset=Plazo.objects.none(),
        error_messages={
            "required": "Elija la etapa o el período.",
            "invalid_choice": "Elija un plazo de este ciclo.",
        },
    )
    vence = campo_fecha("Nuevo plazo", required=True)
    motivo = forms.CharField(
        label="Motivo",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indique el motivo de la prórroga."},
    )

    def __init__(self, *args, ciclo, editar=False, **kwargs):
        self.ciclo = ciclo
        super().__init__(*args, **kwargs)
        self.fields["plazo"].queryset = Plazo.objects.filter(ciclo=ciclo).order_by(
            "etapa", "periodo"
        )
        if editar:
            # Editing: the Servicio and the Plazo stay; only the date and the reason change.
            del self.fields["servicio"]
            del self.fields["plazo"]

    def clean_motivo(self):
        motivo = self.cleaned_data["motivo"].strip()
        if not motivo:
            raise forms.ValidationError("Indique el motivo de la prórroga.")
        return motivo

    def clean_vence(self):
        vence = self.cleaned_data["vence"]
        inicio = calendario.inicio_del_ciclo(self.ciclo)
        if vence < inicio:
            raise forms.ValidationError(
                "La nueva fecha no puede ser anterior al inicio del ciclo "
                f"({calendario.fecha(inicio)})."
            )
        return vence


class EliminarProrrogaForm(EstiloGobMixin, forms.Form):
    motivo = forms.CharField(
        label="Motivo de la eliminación",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indique por qué se elimina la prórroga."},
    )

    def clean_motivo(self):
        motivo = self.cleaned_data["motivo"].strip()
        if not motivo:
            raise forms.ValidationError("Indique por qué se elimina la prórroga.")
        return motivo
