"""URLs of pmggt.views_avisos, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_avisos

urlpatterns = [
    # GET: the person's avisos; POST: «Marcar todos como leídos».
    path("", views_avisos.avisos, name="avisos"),
    path("<int:pk>/abrir/", views_avisos.aviso_abrir, name="aviso_abrir"),
    path("ajustes/", views_avisos.avisos_ajustes, name="avisos_ajustes"),
]
