from django import forms
from django.forms import inlineformset_factory

from pmggt.forms import EstiloGobMixin

from .models import Diagnostico, ObjetivoEstrategico


class DefinicionesForm(EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = Diagnostico
        fields = ["mision"]
        widgets = {"mision": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "mision": "Misión institucional según las definiciones estratégicas vigentes."
        }


class BaseObjetivosFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        numeros = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            numero = form.cleaned_data.get("numero")
            if numero in numeros:
                form.add_error("numero", f"El número {numero} está repetido.")
            numeros.add(numero)


ObjetivosFormSet = inlineformset_factory(
    Diagnostico,
    ObjetivoEstrategico,
    formset=BaseObjetivosFormSet,
    fields=["numero", "descripcion"],
    widgets={
        "numero": forms.NumberInput(attrs={"min": 1, "class": "form-control campo-numero"}),
        "descripcion": forms.Textarea(attrs={"rows": 3}),
    },
    extra=2,
    can_delete=True,
)
