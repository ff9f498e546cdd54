"""URLs of pmggt.views_calendario, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_calendario

urlpatterns = [
    # The most recent open Ciclo's calendar.
    path("", views_calendario.calendario_actual, name="calendario"),
    path("<int:anio>/", views_calendario.calendario_ciclo, name="calendario_ciclo"),
    path("<int:anio>/editar/", views_calendario.calendario_editar, name="calendario_editar"),
    path("<int:anio>/prorrogas/nueva/", views_calendario.prorroga_nueva, name="prorroga_nueva"),
    path("prorrogas/<int:pk>/", views_calendario.prorroga_editar, name="prorroga_editar"),
    path(
        "prorrogas/<int:pk>/eliminar/",
        views_calendario.prorroga_eliminar,
        name="prorroga_eliminar",
    ),
]
