"""URLs of pmggt.views_subrogancia, inside the pmggt namespace (included by pmggt.urls)."""

urlpatterns = []
