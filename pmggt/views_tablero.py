"""Views of pmggt.urls_tablero (being built: issue 11)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def tablero(request):
    return render(request, "pmggt/rendimiento_vacia.html")
