"""The Plan's form fields and formsets drawn in Python.

The Plan's section pages draw every row of their formsets (the MIDEPLAN Plan: sixty GORE
procedures of some seventeen fields each): an ``{% include %}`` of ``planes/_campo.html`` per
field, with its ``{% if %}``s and variable lookups, cost far more than the widgets themselves
(already drawn in Python, ``pmggt.widgets``). These functions write what the former templates
wrote (kept in ``tests/planes/plantillas_previas``; ``tests/planes/test_campos.py`` compares
them on every Plan form), escaping as they did (``pmggt.widgets.escapar``):

- ``{% campo campo clase %}``: one field (``_campo.html``): its label (a ``<legend>`` for a list
  of checkboxes), widget (``str(boundfield)``: what ``BoundField.as_widget`` gives, with its id,
  ``required``, ``aria-invalid``, ``aria-describedby``), error (``<id>_error``) and help text;
- ``{% campos form %}``: a form's fields in the responsive grid (``_campos.html``), its
  non-field errors and hidden fields first;
- ``{% formset_plan formset etiqueta plegar %}``: a formset (``_formset.html``): one
  ``<details>``/``<fieldset>`` per row, the empty row's ``<template>`` (``pmggt.js`` copies it:
  ``data-formset``, ``data-agregar-fila``, ``<prefix>-fila-vacia``), the management form and the
  formset's own errors.

Each widget is drawn as ``str(boundfield)`` draws it (``widget_html``: ``BoundField.as_widget``
with the field's errors and id looked up once).
"""

from django import template
from django.forms import BoundField
from django.forms.widgets import MultiWidget
from django.utils.safestring import SafeData, mark_safe

from pmggt.widgets import escapar

register = template.Library()

ANCHO = "col-md-6"  # text areas, selects without an input type, lists of checkboxes
ANGOSTO = "col-sm-6 col-lg-3"  # single-line inputs and selects


def _alerta(errores) -> str:
    """``{% for e in errores %}<div class="alert …">{{ e }}</div>{% endfor %}``."""
    return "".join(
        f'<div class="alert alert-danger" role="alert">{escapar(e)}</div>' for e in errores
    )


def _minusculas(texto) -> str:
    """``{{ texto|lower }}``: a safe text (a template's literal) stays unescaped."""
    minusculas = str(texto).lower()
    return escapar(mark_safe(minusculas) if isinstance(texto, SafeData) else minusculas)


def _errores(campo):
    """``campo.errors`` without building an empty ErrorList for each field without errors."""
    if type(campo) is BoundField:
        return campo.form.errors.get(campo.name) or ()
    return campo.errors


def widget_html(campo, errores=None, auto_id=None) -> str:
    """``str(campo)``: ``BoundField.as_widget`` (the widget drawn with the field's id,
    ``required``, ``disabled``, ``aria-invalid`` and ``aria-describedby``), with the field's
    errors and id looked up once (``errores``, ``auto_id``: already known). A field of another
    kind (a MultiWidget, a hidden initial, localized, a BoundField subclass) goes Django's way."""
    field = campo.field
    widget = field.widget
    if (
        type(campo) is not BoundField
        or field.show_hidden_initial
        or field.localize
        or isinstance(widget, MultiWidget)
    ):
        return str(campo)
    if errores is None:
        errores = _errores(campo)
    if auto_id is None:
        auto_id = campo.auto_id
    form = campo.form
    attrs = {}
    if (
        field.required
        and form.use_required_attribute
        and widget.use_required_attribute(campo.initial)
    ):
        attrs["required"] = True
    if field.disabled:
        attrs["disabled"] = True
    oculto = widget.is_hidden
    if errores and not oculto:
        attrs["aria-invalid"] = "true"
    if (
        auto_id
        and not oculto
        and not widget.use_fieldset
        and not widget.attrs.get("aria-describedby")
    ):
        describe = []
        if campo.help_text:
            describe.append(f"{auto_id}_helptext")
        if errores:
            describe.append(f"{auto_id}_error")
        if describe:
            attrs["aria-describedby"] = " ".join(describe)
    if auto_id and "id" not in widget.attrs:
        attrs["id"] = auto_id
    return widget.render(
        name=campo.html_name, value=campo.value(), attrs=attrs, renderer=form.renderer
    )


def campo_html(campo, clase="") -> str:
    """``planes/_campo.html`` for the bound field ``campo``, in a ``form-group`` of ``clase``."""
    if not isinstance(campo, BoundField):
        return ""  # a missing field: nothing to draw
    widget = campo.field.widget
    tipo = getattr(widget, "input_type", None)
    errores = _errores(campo)
    auto_id = campo.auto_id
    dibujo = widget_html(campo, errores, auto_id)
    para = escapar(widget.id_for_label(widget.attrs.get("id") or auto_id))
    grupo = f' {escapar(clase)}"' if clase else '"'
    partes = [f'\n<div class="form-group{grupo}>\n  ']
    if tipo and getattr(widget, "allow_multiple_selected", False):
        describe = f' aria-describedby="{escapar(auto_id)}_error"' if errores else ""
        sin_opciones = (
            "" if campo.field.choices else '<p class="small text-muted mb-0">Sin opciones.</p>'
        )
        partes.append(
            f'<fieldset{describe}><legend class="col-form-label pt-0">{escapar(campo.label)}'
            f'</legend><div class="casillas-plan">{dibujo}</div>{sin_opciones}</fieldset>'
        )
    elif tipo == "checkbox":
        partes.append(
            f'<div class="form-check">{dibujo} <label class="form-check-label" '
            f'for="{para}">{escapar(campo.label)}</label></div>'
        )
    else:
        partes.append(f'<label for="{para}">{escapar(campo.label)}</label>\n  {dibujo}')
    partes.append("\n  ")
    if errores:
        texto = " ".join(escapar(e) for e in errores)
        partes.append(
            f'<div class="invalid-feedback d-block" id="{escapar(auto_id)}_error">{texto}</div>'
        )
    partes.append("\n  ")
    if campo.help_text:
        partes.append(f'<small class="form-text text-muted">{escapar(campo.help_text)}</small>')
    partes.append("\n</div>\n")
    return "".join(partes)


def campos_html(form) -> str:
    """``planes/_campos.html``: the form's non-field errors, hidden fields and, in the grid,
    each visible field (wide for text areas and lists, narrow for inputs and selects)."""
    partes = [_alerta(form.non_field_errors()), "\n"]
    visibles = []
    for campo in form:
        if campo.field.widget.is_hidden:
            partes.append(widget_html(campo))
        else:
            visibles.append(campo)
    partes.append('\n<div class="form-row">\n')
    for campo in visibles:
        widget = campo.field.widget
        ancho = not getattr(widget, "input_type", None) or getattr(
            widget, "allow_multiple_selected", False
        )
        partes.append(campo_html(campo, ANCHO if ancho else ANGOSTO))
    partes.append("\n</div>\n")
    return "".join(partes)


def formset_html(formset, etiqueta, plegar=False) -> str:
    """``planes/_formset.html``: a row per form (a saved row folds into a ``<details>``, open
    when it has errors or ``plegar`` is false; a new one is a ``<fieldset>``), the empty row to
    copy, the management form and the formset's errors."""
    etiqueta_html = escapar(etiqueta)
    prefijo = escapar(formset.prefix)
    nueva = f'<fieldset class="fila-formset"><legend class="h6">{etiqueta_html} (nueva)</legend>'
    partes = [
        str(formset.management_form),
        "\n",
        _alerta(formset.non_form_errors()),
        f'\n<table class="table table-sm tabla-formset-plan" data-formset="{prefijo}">\n'
        "  <tbody>\n  ",
    ]
    for form in formset:
        partes.append("\n  <tr><td>\n    ")
        if form.initial.get("id"):
            abierta = " open" if form.errors or not plegar else ""
            titulo = f"{etiqueta_html} · {escapar(form.resumen)}"
            partes.append(
                f'\n    <details class="fila-formset"{abierta}><summary>{titulo}</summary>\n'
                f'    <fieldset><legend class="sr-only">{titulo}</legend>\n    '
                f"{campos_html(form)}\n    </fieldset>\n    </details>\n    "
            )
        else:
            partes.append(f"\n    {nueva}\n    {campos_html(form)}\n    </fieldset>\n    ")
        partes.append("\n  </td></tr>\n  ")
    partes.append(
        "\n  </tbody>\n</table>\n"
        f'<template id="{prefijo}-fila-vacia"><tr><td>{nueva}'
        f"{campos_html(formset.empty_form)}</fieldset></td></tr></template>\n"
        '<p class="agregar-fila"><button class="btn btn-outline-primary btn-sm" type="button" '
        f'data-agregar-fila="{prefijo}" hidden>Agregar {_minusculas(etiqueta)}'
        "</button></p>\n"
    )
    return "".join(partes)


@register.simple_tag
def campo(campo, clase=""):
    return mark_safe(campo_html(campo, clase))


@register.simple_tag
def campos(form):
    return mark_safe(campos_html(form))


@register.simple_tag
def formset_plan(formset, etiqueta, plegar=False):
    return mark_safe(formset_html(formset, etiqueta, plegar))
