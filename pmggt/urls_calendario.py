"""URLs of pmggt.views_calendario, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_calendario

urlpatterns = [
    path("", views_calendario.calendario, name="calendario"),
]
