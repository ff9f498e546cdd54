"""pmggt.widgets draws exactly the HTML of Django's widget templates, escaping included."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from pmggt import widgets

PELIGROSO = "<script>alert(\"x\")</script> & 'comillas'"

OPCIONES = [
    ("", "---------"),
    ("a", "Opción A"),
    ("b", PELIGROSO),
    (3, gettext_lazy("Yes")),
    ("seguro", mark_safe("<b>ya segura</b>")),
    ("Grupo <1>", [("g1", "Uno"), ("g2", 'Dos "2"')]),
    (None, "Ninguna"),
    (4, 5),
]

ATRIBUTOS = [
    None,
    {"id": "id_campo", "class": "form-control", "required": True},
    {"id": "id_x", "aria-describedby": "id_x_ayuda", "aria-invalid": "true", "disabled": False},
    {"data-x": PELIGROSO, "hx-post": "/a/?b=1&c=2", "size": 8, "autofocus": True},
    {"id": "id_<raro>", "class": 'c"1', "data-seguro": mark_safe("<i>")},
]

VALORES_TEXTO = [None, "", "texto", PELIGROSO, mark_safe("<b>seguro</b>"), 0, 12, Decimal("1.5")]


def _ambos(rapido, base, *args, **kwargs):
    return rapido(*args, **kwargs), base(*args, **kwargs)


def _igual(rapido, base, nombre, valor, attrs):
    html = rapido.render(nombre, valor, attrs=attrs)
    assert html == base.render(nombre, valor, attrs=attrs)
    return html


@pytest.mark.parametrize("attrs", ATRIBUTOS)
@pytest.mark.parametrize("valor", VALORES_TEXTO)
@pytest.mark.parametrize(
    "clase", ["TextInput", "NumberInput", "EmailInput", "HiddenInput", "Textarea"]
)
def test_campos_de_texto(clase, valor, attrs):
    rapido, base = _ambos(
        getattr(widgets, clase), getattr(forms, clase), attrs={"class": "x", "maxlength": 20}
    )
    _igual(rapido, base, "pre-0-nombre", valor, attrs)
    _igual(rapido, base, 'nombre"<>', valor, attrs)


@pytest.mark.parametrize("attrs", ATRIBUTOS)
@pytest.mark.parametrize("valor", [None, "", True, False, "on", "valor <x>", 1])
def test_casilla(valor, attrs):
    rapido, base = _ambos(widgets.CheckboxInput, forms.CheckboxInput)
    _igual(rapido, base, "prod-0-DELETE", valor, attrs)


VALORES_ELECCION = [None, "", "a", "b", 3, "3", "g2", ["a", "g1", 3], ["b", "seguro"], [], 4]


@pytest.mark.parametrize("attrs", ATRIBUTOS)
@pytest.mark.parametrize("valor", VALORES_ELECCION)
@pytest.mark.parametrize(
    "clase", ["Select", "SelectMultiple", "CheckboxSelectMultiple", "RadioSelect"]
)
def test_elecciones(clase, valor, attrs):
    rapido, base = _ambos(
        getattr(widgets, clase), getattr(forms, clase), attrs={"class": "c"}, choices=OPCIONES
    )
    _igual(rapido, base, "enc-1-centro", valor, attrs)


def test_un_widget_con_otra_plantilla_usa_la_plantilla():
    rapido = widgets.Select(choices=OPCIONES)
    rapido.option_template_name = "django/forms/widgets/attrs.html"
    base = forms.Select(choices=OPCIONES)
    base.option_template_name = "django/forms/widgets/attrs.html"
    assert rapido.render("x", "a") == base.render("x", "a")


class _Formulario(forms.Form):
    nombre = forms.CharField(max_length=10, help_text="Ayuda")
    texto = forms.CharField(widget=forms.Textarea, required=False)
    fecha = forms.DateField(required=False, widget=forms.TextInput)
    activo = forms.BooleanField(required=False)
    eleccion = forms.ChoiceField(choices=OPCIONES[:5])
    varias = forms.MultipleChoiceField(
        choices=OPCIONES[:5], widget=forms.CheckboxSelectMultiple, required=False
    )
    lista = forms.MultipleChoiceField(choices=OPCIONES[:5], required=False)
    oculto = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize(
    "datos",
    [
        None,
        {"nombre": PELIGROSO, "texto": PELIGROSO, "eleccion": "zz", "varias": ["b", "zz"]},
        {"nombre": "ok", "activo": "on", "eleccion": "b", "varias": ["a", "b"], "lista": ["b"]},
    ],
)
def test_un_formulario_entero_se_dibuja_igual(datos):
    """Through BoundField (required, aria-describedby, aria-invalid on errors, ids)."""
    inicial = {"fecha": datetime.date(2024, 3, 1), "eleccion": "a", "oculto": PELIGROSO}
    base = _Formulario(datos, initial=inicial)
    rapido = _Formulario(datos, initial=inicial)
    widgets.acelerar(rapido)
    assert all(type(c.widget).__module__ == "pmggt.widgets" for c in rapido.fields.values()), (
        "acelerar cambia todos los widgets de Django"
    )
    if datos:
        assert base.is_valid() == rapido.is_valid()
    for nombre in base.fields:
        assert str(rapido[nombre]) == str(base[nombre]), nombre
    assert "&lt;script&gt;" in str(rapido) and "<script>" not in str(rapido)


def test_acelerar_no_toca_widgets_propios():
    class Propio(forms.TextInput):
        pass

    class F(forms.Form):
        a = forms.CharField(widget=Propio)

    f = F()
    widgets.acelerar(f)
    assert type(f.fields["a"].widget) is Propio


class _Fijas(BaseChoiceIterator):
    """A choice list that says it never changes (as planes.forms.Elecciones)."""

    fijas = True

    def __init__(self, pares):
        self.pares = normalize_choices(pares)

    def __iter__(self):
        return iter(self.pares)


@pytest.mark.parametrize("clase", ["CheckboxSelectMultiple", "RadioSelect"])
def test_opciones_fijas_compartidas_se_dibujan_igual(clase):
    # The drawn options are kept on the shared list: every widget that shares it, with its
    # own value, name and attributes, still draws what Django draws.
    fijas = _Fijas(OPCIONES)
    for valor in VALORES_ELECCION:
        for attrs in ATRIBUTOS:
            for nombre in ("obj-0-filas", "obj-1-filas"):
                rapido = getattr(widgets, clase)(attrs={"class": "c"})
                rapido.choices = fijas
                base = getattr(forms, clase)(attrs={"class": "c"}, choices=OPCIONES)
                _igual(rapido, base, nombre, valor, attrs)
    assert hasattr(fijas, "_pmggt_casillas")
    sin_marca = _Fijas(OPCIONES)
    sin_marca.fijas = False
    widgets.CheckboxSelectMultiple(choices=sin_marca).render("x", None)
    assert not hasattr(sin_marca, "_pmggt_casillas")
