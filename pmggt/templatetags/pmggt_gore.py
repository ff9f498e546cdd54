"""``{% es_funcionario_gore user as es_gore %}``: whether to offer «Mi región» (navbar, Mis
pendientes). From the grants already read for this request (``permisos.concedidos``): no query
of its own."""

from django import template

from pmggt import permisos
from pmggt.models import GobiernoRegional

register = template.Library()


@register.simple_tag
def es_funcionario_gore(usuario) -> bool:
    if usuario is None or not usuario.is_authenticated:
        return False
    return bool(permisos.ids_con(usuario, "ver_region", GobiernoRegional))
