"""What the document page shows of the perspectiva territorial besides the content itself."""

from django import template

from diagnostico.informes import sin_definir_con_filas

register = template.Library()


@register.simple_tag
def productos_sin_definir_con_filas(datos) -> set[str]:
    """The products Cuadro I N°1 rows point at while still «Sin definir» (as the PDF warns)."""
    return set(sin_definir_con_filas(datos or {}))
