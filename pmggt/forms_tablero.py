"""The Tablero's filters (GET): Ciclo, región, ministerio, Experto/a, situación, etapa.

The choices come from ``tablero.opciones`` (read once per request). A value that is not among
them is shown as an error next to its field and left out; the other filters still apply.
"""

from django import forms

from . import etapas, tablero
from .forms import EstiloGobMixin


def _invalido(texto: str) -> dict:
    return {"invalid_choice": texto, "invalid": texto}


class FiltroTableroForm(EstiloGobMixin, forms.Form):
    ciclo = forms.TypedChoiceField(
        label="Ciclo",
        choices=(),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages=_invalido("Ese ciclo no existe: se muestra el más reciente abierto."),
    )
    region = forms.TypedChoiceField(
        label="Región",
        choices=(),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages=_invalido("Elija una región de la lista."),
    )
    ministerio = forms.ChoiceField(
        label="Ministerio",
        choices=(),
        required=False,
        error_messages=_invalido("Elija un ministerio de la lista."),
    )
    experto = forms.TypedChoiceField(
        label="Experto/a SUBDERE",
        choices=(),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages=_invalido("Elija un Experto/a de la lista."),
    )
    situacion = forms.ChoiceField(
        label="Situación",
        choices=tablero.SITUACIONES,
        required=False,
        error_messages=_invalido("Elija una situación de la lista."),
    )
    etapa = forms.TypedChoiceField(
        label="Etapa",
        choices=(),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages=_invalido("Elija una etapa de la lista."),
    )

    def __init__(self, *args, opciones: tablero.Opciones, **kwargs):
        super().__init__(*args, **kwargs)
        self.opciones = opciones
        self._ciclos = {c.pk: c for c in opciones.ciclos}
        self._regiones = {r.pk: r for r in opciones.regiones}
        self.fields["ciclo"].choices = [
            (c.pk, f"{c.anio}{' (abierto)' if c.abierto else ''}") for c in opciones.ciclos
        ]
        por_defecto = opciones.ciclo_por_defecto
        if por_defecto is not None:
            self.fields["ciclo"].initial = por_defecto.pk
        self.fields["region"].choices = [("", "Todas las regiones")] + [
            (r.pk, f"{r.codigo} – {r.nombre}") for r in opciones.regiones
        ]
        self.fields["ministerio"].choices = [("", "Todos los ministerios")] + [
            (m, m) for m in opciones.ministerios
        ]
        if opciones.administrador:
            self.fields["experto"].choices = [("", "Todos los Expertos/as")] + [
                (e.id, e.nombre) for e in opciones.expertos
            ]
        else:
            # An Experto/a sees their own Servicios: no choice to make.
            del self.fields["experto"]
        self.fields["etapa"].choices = [("", "Todas las etapas")] + [
            (e.numero, e.titulo) for e in etapas.todas()
        ]
        self.fields["situacion"].initial = tablero.TODOS

    def _valor(self, nombre):
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(nombre) if nombre not in self.errors else None

    def filtros(self) -> tablero.Filtros:
        if self.is_bound and not self.is_valid():
            # The message next to the field (tablero.html) describes it.
            for nombre in self.errors:
                if nombre in self.fields:
                    self.fields[nombre].widget.attrs.update(
                        {"aria-invalid": "true", "aria-describedby": f"id_{nombre}-error"}
                    )
        ciclo = self._ciclos.get(self._valor("ciclo")) or self.opciones.ciclo_por_defecto
        etapa = self._valor("etapa")
        return tablero.Filtros(
            ciclo=ciclo,
            region=self._regiones.get(self._valor("region")),
            ministerio=self._valor("ministerio") or "",
            experto=self._valor("experto") if "experto" in self.fields else None,
            situacion=self._valor("situacion") or tablero.TODOS,
            etapa=etapa if etapa and etapas.disponible(etapa) else None,
        )

    def descripcion(self, filtros: tablero.Filtros) -> str:
        """The filters in words (the Excel's title rows)."""
        partes = [f"Ciclo {filtros.ciclo.anio}" if filtros.ciclo else "Sin ciclo"]
        if filtros.region is not None:
            partes.append(filtros.region.nombre)
        if filtros.ministerio:
            partes.append(filtros.ministerio)
        if filtros.experto is not None:
            nombre = next((e.nombre for e in self.opciones.expertos if e.id == filtros.experto), "")
            partes.append(f"Experto/a: {nombre}")
        if filtros.situacion != tablero.TODOS:
            partes.append(dict(tablero.SITUACIONES)[filtros.situacion])
        if filtros.etapa is not None:
            partes.append(etapas.de(filtros.etapa).titulo)
        return " · ".join(partes)
