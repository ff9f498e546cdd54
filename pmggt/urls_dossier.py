"""URLs of pmggt.views_dossier, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_dossier

urlpatterns = [
    path("", views_dossier.lista, name="dossier_lista"),
    path("<int:pk>/", views_dossier.detalle, name="dossier"),
    path("<int:pk>/descargar/", views_dossier.descargar, name="dossier_descargar"),
]
