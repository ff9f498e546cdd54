"""Views of pmggt.urls_avisos (being built: issue 11)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def avisos(request):
    return render(request, "pmggt/rendimiento_vacia.html")
