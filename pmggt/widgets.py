"""Form widgets that draw their HTML in Python instead of through a template.

Django renders every widget, and every ``<option>`` and checkbox of a choice widget, through the
template engine: a formset of twenty rows with a select of twenty options is several hundred
template renders. These widgets are Django's own (same ``get_context``: same attributes, values,
``selected``/``checked``, ``required``, ``id``, ``aria-*``) and write the markup of Django's
default templates (``django/forms/widgets/*.html``) byte for byte, escaping names, values and
labels as the templates do (``escapar``: Django's ``conditional_escape``).
``tests/pmggt/test_widgets.py`` compares both on every widget.

Selects and checkbox/radio lists draw their options straight from ``choices`` (no dict per
option), and a select's plain-text option is escaped once per process (a bounded cache).

A widget whose ``template_name``/``option_template_name`` was changed, whose options are built
by an overridden ``optgroups``/``create_option``, or that is rendered with a renderer other than
Django's default, falls back to Django's path.

``acelerar(form)`` swaps the stock widgets of a form's fields (declared, from the model, or added
by a formset: ``id``, ``DELETE``) for these: same class plus the fast ``render``.
"""

import functools
import html

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import ChoiceWidget
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeData, mark_safe


def escapar(valor) -> str:
    """``django.utils.html.conditional_escape`` without the lazy-string check wrapped around
    ``escape`` on every call (a good part of drawing a formset): ``html.escape``, the same
    entities as Django's, unless the value is already safe (``__html__``). Also the escaping
    of ``pmggt.fragmentos``."""
    tipo = type(valor)
    if tipo is str:  # the usual case first: plain text
        return html.escape(valor)
    if tipo is int:  # nothing to escape in a number
        return str(valor)
    if isinstance(valor, Promise):
        valor = str(valor)
    if hasattr(valor, "__html__"):
        return valor.__html__()
    return html.escape(str(valor))


def _texto(valor) -> str:
    """``{{ valor }}`` in a template: localized, then escaped unless already safe."""
    if type(valor) is str:
        return html.escape(valor)
    if not isinstance(valor, str):
        valor = str(localize(valor))
    return escapar(valor)


def _valor_s(valor) -> str:
    """``{{ valor|stringformat:'s' }}``: the filter keeps a safe value safe."""
    if type(valor) is str:
        return html.escape(valor)
    if type(valor) is int:
        return str(valor)
    texto = "%s" % (str(valor) if isinstance(valor, tuple) else valor)
    return texto if isinstance(valor, SafeData) else html.escape(texto)


_NOMBRES = {}  # attribute name -> escaped (names come from code: a handful)


def atributos(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    partes = []
    for nombre, valor in attrs.items():
        if valor is False:
            continue
        escapado = _NOMBRES.get(nombre) if type(nombre) is str else None
        if escapado is None:
            escapado = _texto(nombre)
            if type(nombre) is str and len(_NOMBRES) < 512:
                _NOMBRES[nombre] = escapado
        if valor is True:
            partes.append(" " + escapado)
        else:
            partes.append(f' {escapado}="{_valor_s(valor)}"')
    return "".join(partes)


def _input(w: dict) -> str:
    """``django/forms/widgets/input.html``."""
    valor = w["value"]
    texto_valor = f' value="{_valor_s(valor)}"' if valor != None else ""  # noqa: E711 (as the template)
    return (
        f'<input type="{_texto(w["type"])}" name="{_texto(w["name"])}"'
        f"{texto_valor}{atributos(w['attrs'])}>"
    )


def _textarea(w: dict) -> str:
    """``django/forms/widgets/textarea.html``."""
    valor = _texto(w["value"]) if w["value"] else ""
    return f'<textarea name="{_texto(w["name"])}"{atributos(w["attrs"])}>\n{valor}</textarea>'


def _option(o: dict) -> str:
    """``django/forms/widgets/select_option.html`` (included: its final newline stays)."""
    return (
        f'<option value="{_valor_s(o["value"])}"{atributos(o["attrs"])}>'
        f"{_texto(o['label'])}</option>\n"
    )


def _select(w: dict) -> str:
    """``django/forms/widgets/select.html``."""
    partes = [f'<select name="{_texto(w["name"])}"{atributos(w["attrs"])}>']
    for grupo, opciones, _indice in w["optgroups"]:
        if grupo:
            partes.append(f'\n  <optgroup label="{_texto(grupo)}">')
        for opcion in opciones:
            partes.append("\n  " + _option(opcion))
        if grupo:
            partes.append("\n  </optgroup>")
    partes.append("\n</select>")
    return "".join(partes)


def _input_option(o: dict) -> str:
    """``checkbox_option.html``/``radio_option.html``: ``input_option.html``, which includes
    ``input.html``; each included template keeps its final newline."""
    if not o["wrap_label"]:
        return _input(o) + "\n\n\n"
    ident = o["attrs"].get("id")
    para = f' for="{_texto(ident)}"' if ident else ""
    return f"<label{para}>{_input(o)}\n {_texto(o['label'])}</label>\n\n"


def _multiple_input(w: dict) -> str:
    """``django/forms/widgets/multiple_input.html`` (CheckboxSelectMultiple, RadioSelect)."""
    ident = w["attrs"].get("id")
    clase = w["attrs"].get("class")
    partes = ["<div"]
    if ident:
        partes.append(f' id="{_texto(ident)}"')
    if clase:
        partes.append(f' class="{_texto(clase)}"')
    partes.append(">")
    for grupo, opciones, _indice in w["optgroups"]:
        if grupo:
            partes.append(f"\n  <div><label>{_texto(grupo)}</label>")
        for opcion in opciones:
            partes.append("<div>\n    " + _input_option(opcion) + "</div>")
        if grupo:
            partes.append("\n  </div>")
    partes.append("\n</div>")
    return "".join(partes)


class RenderRapido:
    """Mixin: ``render`` writes the default template's HTML in Python."""

    _dibujar = None  # function(context["widget"]) -> str
    _plantilla = None  # the template it replaces
    _plantilla_opcion = None

    def render(self, name, value, attrs=None, renderer=None):
        if (
            self.template_name != self._plantilla
            or getattr(self, "option_template_name", None) != self._plantilla_opcion
            or (renderer is not None and type(renderer) is not DjangoTemplates)
        ):
            return super().render(name, value, attrs, renderer)
        contexto = self.get_context(name, value, attrs)
        return mark_safe(type(self)._dibujar(contexto["widget"]))


@functools.lru_cache(maxsize=4096)
def _opcion_texto(valor: str, etiqueta: str) -> tuple[str, str]:
    """An ``<option>`` of a plain-text value and label: (not selected, selected)."""
    valor, etiqueta = html.escape(valor), html.escape(etiqueta)
    return (
        f'<option value="{valor}">{etiqueta}</option>\n',
        f'<option value="{valor}" selected>{etiqueta}</option>\n',
    )


class _SelectDirecto(RenderRapido):
    """Select and SelectMultiple: the options are drawn straight from ``choices`` (what
    ``optgroups``/``create_option`` would give: no option attributes but ``selected``), and an
    option of plain text is escaped once per process, not once per form. A subclass that changes
    how options are built falls back to the dict-per-option path."""

    def render(self, name, value, attrs=None, renderer=None):
        cls = type(self)
        if (
            cls.get_context is not forms.Select.get_context
            or cls.optgroups is not ChoiceWidget.optgroups
            or cls.create_option is not ChoiceWidget.create_option
            or self.option_inherits_attrs
            or self.checked_attribute != {"selected": True}
            or self.template_name != self._plantilla
            or self.option_template_name != self._plantilla_opcion
            or (renderer is not None and type(renderer) is not DjangoTemplates)
        ):
            return super().render(name, value, attrs, renderer)
        w = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            w["attrs"]["multiple"] = True
        valores = w["value"]
        varias = self.allow_multiple_selected
        partes = [f'<select name="{_texto(name)}"{atributos(w["attrs"])}>']
        hay_elegida = False
        for valor, etiqueta in self.choices:
            if valor is None:
                valor = ""
            if isinstance(etiqueta, list | tuple):
                grupo, opciones = valor, etiqueta
            else:
                grupo, opciones = None, ((valor, etiqueta),)
            if grupo:
                partes.append(f'\n  <optgroup label="{_texto(grupo)}">')
            for subvalor, subetiqueta in opciones:
                clave = str(subvalor)
                elegida = (not hay_elegida or varias) and clave in valores
                hay_elegida |= elegida
                if type(subetiqueta) is str and not isinstance(subvalor, SafeData):
                    opcion = _opcion_texto(clave, subetiqueta)[elegida]
                else:
                    opcion = _option(
                        {
                            "value": subvalor,
                            "label": subetiqueta,
                            "attrs": {"selected": True} if elegida else {},
                        }
                    )
                partes.append("\n  " + opcion)
            if grupo:
                partes.append("\n  </optgroup>")
        partes.append("\n</select>")
        return mark_safe("".join(partes))


class _CasillasDirectas(RenderRapido):
    """CheckboxSelectMultiple and RadioSelect: the options are drawn straight from ``choices``
    (what ``optgroups``/``create_option`` would give: the widget's attributes with the option's
    own id, and ``checked``), without a dict of attributes per option. A subclass that changes
    how options are built falls back to the dict-per-option path."""

    def render(self, name, value, attrs=None, renderer=None):
        cls = type(self)
        if (
            cls.get_context is not ChoiceWidget.get_context
            or cls.optgroups is not ChoiceWidget.optgroups
            or cls.create_option is not ChoiceWidget.create_option
            or not self.option_inherits_attrs
            or self.checked_attribute != {"checked": True}
            or self.template_name != self._plantilla
            or self.option_template_name != self._plantilla_opcion
            or (renderer is not None and type(renderer) is not DjangoTemplates)
        ):
            return super().render(name, value, attrs, renderer)
        w = forms.Widget.get_context(self, name, value, attrs)["widget"]
        base = w["attrs"]  # what create_option starts each option's attributes from
        if "checked" in base:
            return super().render(name, value, attrs, renderer)
        valores = w["value"]
        varias = self.allow_multiple_selected
        claves = list(base)
        if "id" in base:
            posicion = claves.index("id")
            antes = atributos({k: base[k] for k in claves[:posicion]})
            despues = atributos({k: base[k] for k in claves[posicion + 1 :]})
        else:
            antes, despues = atributos(base), ""
        inicio = f'<input type="{_texto(self.input_type)}" name="{_texto(name)}"'
        ident, clase = base.get("id"), base.get("class")
        partes = ["<div"]
        if ident:
            partes.append(f' id="{_texto(ident)}"')
        if clase:
            partes.append(f' class="{_texto(clase)}"')
        partes.append(">")
        hay_elegida = False
        con_id = "id" in base
        # id_for_label as ChoiceWidget's: "<id>_<n>" (kept as is by a subclass that changes it).
        ids_directos = con_id and type(self).id_for_label is ChoiceWidget.id_for_label
        for grupo, opciones in _casillas(self.choices):
            if grupo is not None:
                partes.append(f"\n  <div><label>{grupo}</label>")
            for numero, clave, valor_html, etiqueta_html in opciones:
                elegida = (not hay_elegida or varias) and clave in valores
                hay_elegida |= elegida
                if ids_directos and ident:
                    propio = html.escape(f"{ident}_{numero}")
                    del_id, para = f' id="{propio}"', f' for="{propio}"'
                elif con_id:
                    propio = self.id_for_label(ident, numero)
                    del_id = atributos({"id": propio})
                    para = f' for="{_texto(propio)}"' if propio else ""
                else:
                    del_id, para = "", ""
                marcada = " checked" if elegida else ""
                partes.append(
                    f"<div>\n    <label{para}>{inicio}{valor_html}{antes}{del_id}{despues}"
                    f"{marcada}>\n {etiqueta_html}</label>\n\n</div>"
                )
            if grupo is not None:
                partes.append("\n  </div>")
        partes.append("\n</div>")
        return mark_safe("".join(partes))


def _casillas(choices) -> list:
    """[(group label HTML or None, [(number, str(value), ' value="…"', label HTML)])] of a
    choice list as ``_CasillasDirectas`` draws it. Kept on a choice iterator that says its
    choices never change (``fijas = True``: ``planes.forms.Elecciones``, shared by the forms of
    a page, where each of a Plan's objectives lists every Cuadro I N°1 row), worked out once for
    all of them; anything else is worked out each time."""
    hecho = getattr(choices, "_pmggt_casillas", None)
    if hecho is not None:
        return hecho
    hecho = []
    for indice, (valor, etiqueta) in enumerate(choices):
        if valor is None:
            valor = ""
        if isinstance(etiqueta, list | tuple):
            grupo, opciones, subindice = valor, etiqueta, 0
        else:
            grupo, opciones, subindice = None, ((valor, etiqueta),), None
        filas = []
        for subvalor, subetiqueta in opciones:
            numero = str(indice) if subindice is None else f"{indice}_{subindice}"
            valor_html = (
                f' value="{_valor_s(subvalor)}"'
                if subvalor != None  # noqa: E711 (as the template)
                else ""
            )
            filas.append((numero, str(subvalor), valor_html, _texto(subetiqueta)))
            if subindice is not None:
                subindice += 1
        hecho.append((_texto(grupo) if grupo else None, filas))
    if getattr(choices, "fijas", False):
        choices._pmggt_casillas = hecho
    return hecho


def _rapido(base, dibujar, mixin=RenderRapido):
    return type(
        base.__name__,
        (mixin, base),
        {
            "__module__": __name__,
            "__doc__": f"Django's ``{base.__name__}`` drawn in Python.",
            "_dibujar": staticmethod(dibujar),
            "_plantilla": base.template_name,
            "_plantilla_opcion": getattr(base, "option_template_name", None),
        },
    )


TextInput = _rapido(forms.TextInput, _input)
NumberInput = _rapido(forms.NumberInput, _input)
EmailInput = _rapido(forms.EmailInput, _input)
HiddenInput = _rapido(forms.HiddenInput, _input)
CheckboxInput = _rapido(forms.CheckboxInput, _input)
Textarea = _rapido(forms.Textarea, _textarea)
Select = _rapido(forms.Select, _select, _SelectDirecto)
SelectMultiple = _rapido(forms.SelectMultiple, _select, _SelectDirecto)
CheckboxSelectMultiple = _rapido(forms.CheckboxSelectMultiple, _multiple_input, _CasillasDirectas)
RadioSelect = _rapido(forms.RadioSelect, _multiple_input, _CasillasDirectas)

RAPIDOS = {
    forms.TextInput: TextInput,
    forms.NumberInput: NumberInput,
    forms.EmailInput: EmailInput,
    forms.HiddenInput: HiddenInput,
    forms.CheckboxInput: CheckboxInput,
    forms.Textarea: Textarea,
    forms.Select: Select,
    forms.SelectMultiple: SelectMultiple,
    forms.CheckboxSelectMultiple: CheckboxSelectMultiple,
    forms.RadioSelect: RadioSelect,
}


def acelerar(form) -> None:
    """Give each field of ``form`` whose widget is exactly a stock Django widget its fast twin.

    The widget object keeps its state (attrs, choices, input type): only its class changes to the
    subclass that adds the fast ``render``."""
    for campo in form.fields.values():
        rapido = RAPIDOS.get(type(campo.widget))
        if rapido is not None:
            campo.widget.__class__ = rapido
