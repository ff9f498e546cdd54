"""Countdowns in templates: ``{% vence v %}`` (a precomputed ``calendario.Vencimiento``) and
``{% vence_documento documento plazo %}`` (a document page's header)."""

from django import template
from django.utils.safestring import mark_safe

from pmggt import calendario
from pmggt.models import Transicion

register = template.Library()


@register.simple_tag
def vence(v, con_fecha=False):
    """The countdown's markup (``calendario.html_vence``: every text escaped there)."""
    return mark_safe(calendario.html_vence(v, con_fecha=con_fecha))


@register.simple_tag
def vence_documento(documento, plazo, hoy=None):
    """A document's countdown from its effective deadline (``calendario.plazo_de``); once
    visado, «visado» or «visado con N días de atraso» from its first «visar» (one query)."""
    if plazo is None:
        return ""
    visado = documento.version_visada is not None
    visado_el = None
    if visado:
        visado_el = (
            Transicion.objects.filter(documento=documento, accion=Transicion.Accion.VISAR)
            .order_by("fecha", "pk")
            .values_list("fecha", flat=True)
            .first()
        )
    v = calendario.vencimiento(plazo, visado=visado, visado_el=visado_el, hoy_=hoy)
    return mark_safe(calendario.html_vence(v))
