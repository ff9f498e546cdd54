"""The programa de trabajo as a Gantt chart (server-side SVG). Placeholder until it lands."""

from datetime import date

from django.utils.safestring import SafeString


def svg(contenido: dict, *, hoy: date | None = None, ancho: int = 1000) -> SafeString:
    """The work programme of this (canonical, possibly cut) content as one <svg> element."""
    return SafeString("")
