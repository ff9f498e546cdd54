"""URLs of pmggt.views_dossier, inside the pmggt namespace (included by pmggt.urls)."""

urlpatterns = []
