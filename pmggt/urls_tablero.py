"""URLs of pmggt.views_tablero, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_tablero

urlpatterns = [
    # ?formato=xlsx: every filtered row as an Excel workbook, same filters.
    path("", views_tablero.tablero_vista, name="tablero"),
]
