"""The Plan's forms: plain forms whose choices come from the page's content (loaded once), so
a formset of any size draws and checks its choices without a query per row. The services
(planes.services) write; these only validate, with Spanish messages next to each field."""

import copy

from django import forms
from django.forms import formset_factory
from django.utils.choices import BaseChoiceIterator, normalize_choices

from pmggt import widgets as widgets_rapidos
from pmggt.forms import EstiloGobMixin as _EstiloGob
from pmggt.widgets import acelerar

from . import contenido as contenido_mod
from .models import (
    Actividad,
    Informacion,
    Medida,
    ObjetivoEspecifico,
    ProcedimientoGore,
)
from .services import error_fecha

AREA = {"rows": 2}
# Django's DateInput drawn in Python like the other widgets (its template, date.html, only
# includes input.html): a procedure's instrument date is a widget per row.
DateInput = widgets_rapidos._rapido(forms.DateInput, widgets_rapidos._input)
VACIO = [("", "—")]


_COPIA_CAMPO = (forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__)
_COPIA_WIDGET = (forms.Widget.__deepcopy__, forms.widgets.ChoiceWidget.__deepcopy__)


def _copia(campo):
    """``copy.deepcopy(campo)`` of a stock field and widget (their own attrs, error messages
    and validators), sharing their choices: a list of pairs a form replaces and never changes,
    that deepcopy would copy pair by pair and the widget's setter normalize again, per form."""
    widget = campo.widget
    if type(campo).__deepcopy__ not in _COPIA_CAMPO or type(widget).__deepcopy__ not in (
        _COPIA_WIDGET
    ):
        return copy.deepcopy(campo)
    nuevo = object.__new__(type(campo))
    nuevo.__dict__.update(campo.__dict__)
    nuevo.widget = object.__new__(type(widget))
    nuevo.widget.__dict__.update(widget.__dict__)
    nuevo.widget.attrs = widget.attrs.copy()
    nuevo.error_messages = campo.error_messages.copy()
    nuevo.validators = campo.validators[:]
    return nuevo


class _Campos(dict):
    """A form class's ``base_fields``, which each form copies (``BaseForm.__init__``) with
    ``_copia``."""

    def __deepcopy__(self, memo):
        return {nombre: _copia(campo) for nombre, campo in self.items()}


class EstiloGobMixin(_EstiloGob):
    """The core's gob.cl classes, with the widgets drawn in Python (``pmggt.widgets``): the
    section pages draw hundreds of fields (a select per procedure, a row per activity), and
    build a form per row: its fields are copied without deep-copying their choices
    (``_copia``)."""

    def __init__(self, *args, **kwargs):
        clase = type(self)
        if type(clase.__dict__.get("base_fields")) is not _Campos:
            clase.base_fields = _Campos(clase.base_fields)
        super().__init__(*args, **kwargs)
        acelerar(self)


def _entero_o_none(valor):
    return int(valor) if valor not in (None, "") else None


class Elecciones(BaseChoiceIterator):
    """A list of choices normalized once and shared by every form of a page: Django's
    ``normalize_choices`` keeps a choice iterator as it is, instead of rebuilding the list for
    each field and again for its widget, per form."""

    fijas = True  # never change: pmggt.widgets keeps their drawn options on them

    def __init__(self, pares):
        self.origen = pares
        self.pares = normalize_choices(pares)

    def __iter__(self):
        return iter(self.pares)

    def __len__(self):
        return len(self.pares)


class Opciones:
    """The choices of a page's forms, from its canonical content (live in Borrador), and the
    Ciclo's year ``anio`` the dates are checked around (None: not checked).

    The forms take each list through ``elecciones(nombre)`` (normalized once per page)."""

    def __init__(self, contenido: dict, centros=(), regiones_gore=(), anio: int | None = None):
        c = contenido_mod.completo(contenido)
        self.anio = anio
        self._elecciones: dict = {}
        self._nombres: dict = {}
        self.objetivos = VACIO + [
            (o["id"], f"{o['numero']}. {contenido_mod._recorte(o['descripcion'], 70)}")
            for o in c["objetivos"]
        ]
        self.objetivos_informacion = VACIO + [
            (o["id"], f"{o['numero']}. {contenido_mod._recorte(o['descripcion'], 70)}")
            for o in c["objetivos_informacion"]
        ]
        self.centros = [("", "Nacional (del Servicio)")] + [
            (centro.pk, f"{centro.region.codigo} · {centro.region.nombre}") for centro in centros
        ]
        self.regiones = [
            (r["codigo"], f"{r['codigo']} · {r['nombre']}") for r in c["regiones"] if r["codigo"]
        ]
        self.gores = VACIO + [(r.pk, f"GORE {r.codigo} · {r.nombre}") for r in regiones_gore]
        self.filas1 = []
        self.filas2 = []

    def elecciones(self, nombre: str) -> Elecciones:
        """The choices ``self.<nombre>`` (the views set ``filas1``/``filas2`` afterwards)."""
        lista = getattr(self, nombre)
        hechas = self._elecciones.get(nombre)
        if hechas is None or hechas.origen is not lista:
            hechas = self._elecciones[nombre] = Elecciones(lista)
        return hechas

    def nombre(self, lista: str, valor) -> str:
        """The label of ``valor`` among the choices ``self.<lista>`` ("" if none)."""
        nombres = self._nombres.get(lista)
        if nombres is None or nombres[0] is not getattr(self, lista):
            nombres = self._nombres[lista] = (getattr(self, lista), dict(getattr(self, lista)))
        return nombres[1].get(valor, "")


def sin_form_control(form) -> None:
    """Lists of checkboxes are not text inputs: no «form-control» on each box."""
    for campo in form.fields.values():
        if isinstance(campo.widget, forms.CheckboxSelectMultiple):
            campo.widget.attrs.pop("class", None)


class _Base(EstiloGobMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, opciones: Opciones, **kwargs):
        self.opciones = opciones
        super().__init__(*args, **kwargs)
        sin_form_control(self)

    @property
    def resumen(self) -> str:
        """What the row is, for its folded heading (from the saved values)."""
        i = self.initial
        if "numero" in i:
            return f"N° {i['numero']}: {contenido_mod._recorte(i.get('descripcion', ''), 80)}"
        return contenido_mod._recorte(i.get("descripcion", ""), 80)

    def datos(self) -> dict:
        d = dict(self.cleaned_data)
        d["eliminar"] = bool(d.pop("DELETE", False))
        return d


def _choice(label, choices, required=False):
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, empty_value=None, required=required
    )


class ObjetivoForm(_Base):
    numero = forms.IntegerField(label="N°", min_value=1, max_value=999)
    descripcion = forms.CharField(label="Objetivo específico", widget=forms.Textarea(attrs=AREA))
    ambito = forms.ChoiceField(
        label="Ámbito", choices=VACIO + ObjetivoEspecifico.Ambito.choices, required=False
    )
    filas_cuadro1 = forms.TypedMultipleChoiceField(
        label="Objetivos recomendados del Cuadro I N°1 que aborda",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regiones = forms.MultipleChoiceField(
        label="Regiones (ninguna marcada: todas)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fundamento = forms.CharField(
        label="Por qué se seleccionó el producto",
        required=False,
        widget=forms.Textarea(attrs=AREA),
        help_text="Mayor valor estratégico o aporte a la complementariedad.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filas_cuadro1"].choices = self.opciones.elecciones("filas1")
        self.fields["regiones"].choices = self.opciones.elecciones("regiones")


class MedidaForm(_Base):
    # The first choice as initial: the new row a browser posts with that choice selected is
    # unchanged (left out), not a row missing its description.
    tipo = forms.ChoiceField(label="Tipo", choices=Medida.Tipo.choices, initial=Medida.Tipo.MEDIDA)
    objetivo_id = forms.TypedChoiceField(
        label="Objetivo específico", coerce=int, empty_value=None, required=False
    )
    descripcion = forms.CharField(label="Descripción", widget=forms.Textarea(attrs=AREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objetivo_id"].choices = self.opciones.elecciones("objetivos")


class PropirForm(_Base):
    centro_id = forms.TypedChoiceField(label="Región", coerce=int, empty_value=None, required=False)
    objetivo_id = forms.TypedChoiceField(
        label="Objetivo específico", coerce=int, empty_value=None, required=False
    )
    descripcion = forms.CharField(
        label="Compromiso (actividad o inversión)", widget=forms.Textarea(attrs=AREA)
    )
    monto = forms.DecimalField(
        label="Monto (M$)", required=False, min_value=0, max_digits=14, decimal_places=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centro_id"].choices = self.opciones.elecciones("centros")
        self.fields["objetivo_id"].choices = self.opciones.elecciones("objetivos")


class ObjetivoInformacionForm(_Base):
    numero = forms.IntegerField(label="N°", min_value=1, max_value=999)
    informacion = forms.ChoiceField(
        label="Información", choices=Informacion.choices, initial=Informacion.OFERTA
    )  # the first choice: a new row posted as drawn is unchanged
    descripcion = forms.CharField(label="Objetivo específico", widget=forms.Textarea(attrs=AREA))
    filas_cuadro2 = forms.TypedMultipleChoiceField(
        label="Objetivos recomendados del Cuadro I N°2 que aborda",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filas_cuadro2"].choices = self.opciones.elecciones("filas2")


P = ProcedimientoGore
_INFORMACION = dict(Informacion.choices)
_ESTADOS = dict(P.Estado.choices)


class ProcedimientoForm(_Base):
    region_id = forms.TypedChoiceField(label="GORE", coerce=int, empty_value=None)
    informacion = forms.ChoiceField(
        label="Información", choices=Informacion.choices, initial=Informacion.OFERTA
    )  # the first choice: a new row posted as drawn is unchanged
    objetivo_informacion_id = forms.TypedChoiceField(
        label="Objetivo del sistema de información", coerce=int, empty_value=None, required=False
    )
    formato = forms.CharField(label="Formato", required=False, widget=forms.Textarea(attrs=AREA))
    contenido = forms.CharField(
        label="Contenido", required=False, widget=forms.Textarea(attrs=AREA)
    )
    periodicidad = forms.ChoiceField(
        label="Periodicidad", choices=VACIO + P.Periodicidad.choices, required=False
    )
    periodicidad_detalle = forms.CharField(
        label="Detalle de la periodicidad", required=False, max_length=200
    )
    canal = forms.ChoiceField(label="Canal", choices=VACIO + P.Canal.choices, required=False)
    canal_detalle = forms.CharField(
        label="Detalle del canal (y alternativo)", required=False, max_length=300
    )
    responsable_servicio = forms.CharField(
        label="Responsable del Servicio", required=False, max_length=300
    )
    responsable_gore = forms.CharField(label="Responsable del GORE", required=False, max_length=300)
    instrumento = forms.ChoiceField(
        label="Instrumento", choices=VACIO + P.Instrumento.choices, required=False
    )
    instrumento_numero = forms.CharField(label="N° del instrumento", required=False, max_length=60)
    instrumento_fecha = forms.DateField(
        label="Fecha del instrumento",
        required=False,
        widget=DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
    )
    estado = forms.ChoiceField(
        label="Estado", choices=P.Estado.choices, initial=P.Estado.POR_FORMALIZAR
    )
    motivo_no_aplica = forms.CharField(
        label="Motivo (si no aplica)", required=False, widget=forms.Textarea(attrs=AREA)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_id"].choices = self.opciones.elecciones("gores")
        self.fields["objetivo_informacion_id"].choices = self.opciones.elecciones(
            "objetivos_informacion"
        )

    @property
    def resumen(self) -> str:
        i = self.initial
        return " · ".join(
            [
                self.opciones.nombre("gores", i.get("region_id")),
                _INFORMACION.get(i.get("informacion"), ""),
                _ESTADOS.get(i.get("estado"), ""),
            ]
        )

    def clean(self):
        datos = super().clean()
        if (
            datos.get("estado") == P.Estado.NO_APLICA
            and not (datos.get("motivo_no_aplica") or "").strip()
        ):
            self.add_error("motivo_no_aplica", "Indique por qué no aplica.")
        if datos.get("estado") == P.Estado.VIGENTE and not datos.get("instrumento"):
            self.add_error("instrumento", "Un procedimiento vigente indica su instrumento.")
        error = error_fecha(datos.get("instrumento_fecha"), self.opciones.anio, instrumento=True)
        if error:
            self.add_error("instrumento_fecha", error)
        return datos


class _FormsetBase(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Eliminar"
        acelerar(form)  # the id and DELETE fields the formset adds


class _FormsetNumerado(_FormsetBase):
    """Each N° at most once among the rows kept."""

    def clean(self):
        if any(self.errors):
            return
        vistos = set()
        for form in self.forms:
            datos = getattr(form, "cleaned_data", None) or {}
            if not datos or datos.get("DELETE") or not datos.get("numero"):
                continue
            numero = datos["numero"]  # add_error takes it out of cleaned_data
            if numero in vistos:
                form.add_error("numero", f"El N° {numero} está repetido.")
            vistos.add(numero)


class _FormsetGore(_FormsetBase):
    """One procedure per GORE and type of information."""

    def clean(self):
        if any(self.errors):
            return
        vistos = set()
        for form in self.forms:
            datos = getattr(form, "cleaned_data", None) or {}
            if not datos or datos.get("DELETE") or not datos.get("region_id"):
                continue
            clave = (datos["region_id"], datos["informacion"])
            if clave in vistos:
                form.add_error(
                    "informacion", "Ya hay un procedimiento con este GORE para esta información."
                )
            vistos.add(clave)


ObjetivosFormSet = formset_factory(
    ObjetivoForm, formset=_FormsetNumerado, extra=1, can_delete=True, max_num=200
)
MedidasFormSet = formset_factory(
    MedidaForm, formset=_FormsetBase, extra=1, can_delete=True, max_num=500
)
PropirFormSet = formset_factory(
    PropirForm, formset=_FormsetBase, extra=1, can_delete=True, max_num=500
)
ObjetivosInformacionFormSet = formset_factory(
    ObjetivoInformacionForm, formset=_FormsetNumerado, extra=1, can_delete=True, max_num=200
)
ProcedimientosFormSet = formset_factory(
    ProcedimientoForm, formset=_FormsetGore, extra=1, can_delete=True, max_num=400
)


class ObjetivoGeneralPTForm(EstiloGobMixin, forms.Form):
    objetivo_general_pt = forms.CharField(
        label="Objetivo general de la perspectiva territorial en los productos",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Incorporación o profundización de la Perspectiva Territorial a sus productos "
        "en cada región o territorio subnacional.",
    )


class ObjetivoGeneralInformacionForm(EstiloGobMixin, forms.Form):
    objetivo_general_informacion = forms.CharField(
        label="Objetivo general de la información regional en los sistemas de información",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Incorporación de información por región a los sistemas de información.",
    )


class NoAbordadoForm(EstiloGobMixin, forms.Form):
    motivo = forms.CharField(
        label="Motivo por el que no se aborda este año",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IndicadorForm(EstiloGobMixin, forms.Form):
    numero = forms.IntegerField(
        label="N°", min_value=1, max_value=999, required=False, help_text="Vacío: el siguiente."
    )
    nombre = forms.CharField(label="Nombre del indicador", widget=forms.Textarea(attrs=AREA))
    formula = forms.CharField(
        label="Fórmula de cálculo",
        widget=forms.Textarea(attrs=AREA),
        help_text="Por ejemplo: (numerador / denominador) * 100, con las variables tal como "
        "las escribe abajo.",
    )
    numerador = forms.CharField(label="Numerador (variable)", widget=forms.Textarea(attrs=AREA))
    denominador = forms.CharField(label="Denominador (variable)", widget=forms.Textarea(attrs=AREA))
    unidad = forms.CharField(label="Unidad de medida", required=False, max_length=60)
    meta = forms.DecimalField(label="Meta", required=False, max_digits=14, decimal_places=2)
    meta_numerador = forms.DecimalField(
        label="Numerador de la meta", required=False, max_digits=14, decimal_places=2
    )
    meta_denominador = forms.DecimalField(
        label="Denominador de la meta", required=False, max_digits=14, decimal_places=2
    )
    medio_verificacion = forms.CharField(
        label="Medio de verificación", required=False, widget=forms.Textarea(attrs=AREA)
    )
    instrumento_recoleccion = forms.CharField(
        label="Instrumento de recolección", required=False, widget=forms.Textarea(attrs=AREA)
    )
    instrumento_sistematizacion = forms.CharField(
        label="Instrumento de sistematización", required=False, widget=forms.Textarea(attrs=AREA)
    )
    nota_tecnica = forms.CharField(
        label="Nota técnica", required=False, widget=forms.Textarea(attrs=AREA)
    )
    objetivo_id = forms.TypedChoiceField(
        label="Objetivo específico", coerce=int, empty_value=None, required=False
    )
    objetivo_informacion_id = forms.TypedChoiceField(
        label="Objetivo del sistema de información", coerce=int, empty_value=None, required=False
    )
    se_mide = forms.BooleanField(label="Se mide este año", required=False, initial=True)

    def __init__(self, *args, opciones: Opciones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objetivo_id"].choices = opciones.elecciones("objetivos")
        self.fields["objetivo_informacion_id"].choices = opciones.elecciones(
            "objetivos_informacion"
        )

    def clean(self):
        datos = super().clean()
        if self.errors:
            return datos
        for error in contenido_mod.revisar_formula(
            datos.get("formula", ""), datos.get("numerador", ""), datos.get("denominador", "")
        ):
            self.add_error("formula", error)
        texto = {
            k: "" if datos.get(k) is None else str(datos.get(k))
            for k in ("meta", "meta_numerador", "meta_denominador", "unidad", "formula")
        }
        error = contenido_mod.revisar_meta(texto)
        if error:
            self.add_error("meta", error)
        return datos


class ActividadForm(EstiloGobMixin, forms.Form):
    tipo = forms.ChoiceField(label="Tipo", choices=Actividad.Tipo.choices)
    descripcion = forms.CharField(label="Descripción", widget=forms.Textarea(attrs=AREA))
    inicio = forms.DateField(
        label="Inicio",
        required=False,
        widget=DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
    )
    plazo = forms.DateField(
        label="Plazo (término)",
        widget=DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
    )
    responsable = forms.CharField(label="Responsable", max_length=300)
    objetivo_id = forms.TypedChoiceField(
        label="Objetivo específico", coerce=int, empty_value=None, required=False
    )
    objetivo_informacion_id = forms.TypedChoiceField(
        label="Objetivo del sistema de información", coerce=int, empty_value=None, required=False
    )
    medio_verificacion = forms.CharField(
        label="Medio de verificación", required=False, widget=forms.Textarea(attrs=AREA)
    )

    def __init__(self, *args, opciones: Opciones, **kwargs):
        super().__init__(*args, **kwargs)
        self.anio = opciones.anio
        self.fields["objetivo_id"].choices = opciones.elecciones("objetivos")
        self.fields["objetivo_informacion_id"].choices = opciones.elecciones(
            "objetivos_informacion"
        )

    def clean(self):
        datos = super().clean()
        for campo in ("inicio", "plazo"):
            error = error_fecha(datos.get(campo), self.anio)
            if error:
                self.add_error(campo, error)
        inicio, plazo = datos.get("inicio"), datos.get("plazo")
        if inicio and plazo and inicio > plazo:
            self.add_error("plazo", "El plazo no puede ser anterior al inicio.")
        return datos


def inicial_indicador(fila) -> dict:
    return {c: getattr(fila, c) for c in IndicadorForm.base_fields}


def inicial_actividad(fila) -> dict:
    return {c: getattr(fila, c) for c in ActividadForm.base_fields}
