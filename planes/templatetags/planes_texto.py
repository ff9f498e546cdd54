"""Labels of the Plan's canonical content for templates that get it raw (the GORE's page)."""

from django import template

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
