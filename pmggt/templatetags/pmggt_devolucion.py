"""``{% aviso_devolucion documento %}``: the returned-document banner on a stage's part pages
(the cuadro pages of Etapa I); the document page draws the same template from its own data."""

from django import template

from pmggt import devolucion

register = template.Library()


@register.inclusion_tag("pmggt/_devuelto.html", takes_context=True)
def aviso_devolucion(context, documento):
    request = context.get("request")
    if request is None or documento is None:
        return {"aviso": None}
    return {"aviso": devolucion.aviso(request, documento)}
