from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

from pmggt import texto as texto_mod
from pmggt.widgets import escapar

register = template.Library()


def _parrafo(texto: str) -> str:
    # ``{{ texto|linebreaksbr }}`` under autoescape (the text is already normalised).
    if not isinstance(texto, SafeData):
        texto = escape(texto)
    return '<p class="texto-parrafo">' + texto.replace("\n", "<br>") + "</p>"


@register.simple_tag
def texto(valor, vacio="—"):
    """Paragraphs and bullet lists of user text, escaped (see pmggt.texto). Drawn in Python:
    the same HTML the former ``pmggt/_texto.html`` gave, without a template per call (it
    runs for every cell of a cuadro)."""
    if texto_mod.es_simple(valor):  # one plain paragraph (most texts): no blocks to build
        return SafeString('<p class="texto-parrafo">' + escapar(valor) + "</p>")
    partes = []
    for b in texto_mod.bloques(valor):
        if b.tipo == "ul":
            items = "".join(f"<li>{conditional_escape(item)}</li>" for item in b.items)
            partes.append(f'<ul class="texto-lista">{items}</ul>')
        else:
            partes.append(_parrafo(b.texto))
    if not partes:
        return mark_safe(f'<span class="text-muted">{conditional_escape(vacio)}</span>')
    return mark_safe("".join(partes))
