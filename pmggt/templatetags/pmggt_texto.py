from django import template

from pmggt import texto as texto_mod

register = template.Library()


@register.inclusion_tag("pmggt/_texto.html")
def texto(valor, vacio="—"):
    """Paragraphs and bullet lists of user text, escaped (see pmggt.texto)."""
    return {"bloques": texto_mod.bloques(valor), "vacio": vacio}
