"""The administrator's form of the reminders' offsets (``AjustesAvisos``)."""

from django import forms

from .models import AjustesAvisos
from .models.avisos import dias, validar_dias

MAXIMO_DIAS = 10


class AjustesAvisosForm(forms.ModelForm):
    class Meta:
        model = AjustesAvisos
        fields = ["activos", "dias_antes", "dias_despues", "dias_devuelto"]
        widgets = {
            "activos": forms.CheckboxInput(
                attrs={"class": "form-check-input", "aria-describedby": "id_activos_ayuda"}
            ),
        }
        help_texts = {
            "activos": "Si se desactivan, no se calculan recordatorios ni se envían resúmenes "
            "con ellos (los avisos de la cadena siguen llegando).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in ("dias_antes", "dias_despues", "dias_devuelto"):
            self.fields[campo].required = False  # empty: no reminder of that kind

    def _dias(self, campo: str) -> str:
        texto = self.cleaned_data.get(campo, "")
        validar_dias(texto)
        valores = dias(texto)
        if len(valores) > MAXIMO_DIAS:
            raise forms.ValidationError(f"Indique a lo más {MAXIMO_DIAS} días distintos.")
        # Written back the way it is read: without repeats, largest first.
        return ", ".join(str(n) for n in valores)

    def clean_dias_antes(self):
        return self._dias("dias_antes")

    def clean_dias_despues(self):
        return self._dias("dias_despues")

    def clean_dias_devuelto(self):
        return self._dias("dias_devuelto")

    def clean(self):
        datos = super().clean()
        if (
            datos.get("activos")
            and not any(datos.get(c) for c in ("dias_antes", "dias_despues", "dias_devuelto"))
            and not self.errors
        ):
            raise forms.ValidationError(
                "Con los recordatorios activos, indique al menos un día en algún campo "
                "(o desactívelos)."
            )
        return datos
