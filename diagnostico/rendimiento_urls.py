"""Bench-only URLconf (``medir_rendimiento``): the product's URLs plus a bare page.

``/_bench/vacia/`` renders ``templates/pmggt/rendimiento_vacia.html``, which extends
``base.html`` with empty content: the cost every authenticated page pays (middleware, session,
the navigation's context processor and the base template). ``diagnostico.rendimiento`` serves
it with ``override_settings(ROOT_URLCONF="diagnostico.rendimiento_urls")`` while it
measures; the product's ``pmggt.urls`` never includes it.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from pmggt import urls as urls_producto

URL_VACIA = "/_bench/vacia/"


@login_required
def vacia(request):
    return render(request, "pmggt/rendimiento_vacia.html")


urlpatterns = [
    path(URL_VACIA.strip("/") + "/", vacia, name="bench_vacia"),
    *urls_producto.urlpatterns,
]
