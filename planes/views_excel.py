"""Import of the Plan's Excel template. Placeholder until the import lands."""

from django.http import Http404


def importar(request, pk):
    raise Http404("Página en construcción.")
