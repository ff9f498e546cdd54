"""The Plan's section pages. Placeholder until the pages land."""

from django.http import Http404


def _pendiente(request, pk, region=None):
    raise Http404("Página en construcción.")


objetivos = informacion = indicadores = programa = region = _pendiente
