"""URLs of pmggt.views_avisos, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_avisos

urlpatterns = [
    path("", views_avisos.avisos, name="avisos"),
]
