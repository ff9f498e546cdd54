"""URLs of pmggt.views_tablero, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_tablero

urlpatterns = [
    path("", views_tablero.tablero, name="tablero"),
]
