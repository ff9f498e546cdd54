"""Views of pmggt.urls_calendario (being built: issue 11)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def calendario(request):
    return render(request, "pmggt/rendimiento_vacia.html")
