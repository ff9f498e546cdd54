"""Labels of the Plan's canonical content for templates that get it raw (the GORE's page)."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from planes import contenido as cm

register = template.Library()


@register.filter
def informacion(p: dict) -> str:
    return cm.INFORMACION.get(p.get("informacion", ""), "")


@register.filter
def periodicidad(p: dict) -> str:
    return cm.texto_periodicidad(p)


@register.filter
def canal(p: dict) -> str:
    return cm.texto_canal(p)


@register.filter
def responsables(p: dict) -> str:
    return cm.texto_responsables(p)


@register.filter
def instrumento(p: dict) -> str:
    return cm.texto_instrumento(p)


@register.filter
def estado_procedimiento(p: dict) -> str:
    return cm.texto_estado(p)


@register.filter
def obs(lista) -> str:
    """The open observaciones of a field or row, each as ``pmggt.fragmentos`` drew it
    (``o.html``): what the former ``planes/_obs.html`` include gave, without a template per
    row (the document page has one per objective, measure, procedure, indicator and activity)."""
    if not lista:
        return ""
    return mark_safe("".join(conditional_escape(o.html) for o in lista))
