"""URLs of pmggt.views_subrogancia, inside the pmggt namespace (included by pmggt.urls)."""

from django.urls import path

from . import views_subrogancia

urlpatterns = [
    path("", views_subrogancia.subrogancias, name="subrogancias"),
    path(
        "<int:pk>/revocar/",
        views_subrogancia.subrogancia_revocar,
        name="subrogancia_revocar",
    ),
]
