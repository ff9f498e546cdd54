from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from . import cuentas, views, views_gore, views_listas, views_sesion
from .informes import views as informes_views


class Favicon(RedirectView):
    # Resolved per request: the manifest storage needs collectstatic before it can answer.
    def get_redirect_url(self, *args, **kwargs):
        return static("vendor/gob.cl/favicon.ico")


admin.site.site_header = "PMG-GT · Administración SUBDERE"
admin.site.site_title = "PMG-GT"
admin.site.index_title = "Servicios, centros, ciclos, usuarios y roles"

app_patterns = (
    [
        path("", views_listas.mis_pendientes, name="mis_pendientes"),
        # ?formato=xlsx: the same list, with the same filters, as an Excel workbook.
        path("documentos/", views_listas.documento_lista, name="documento_lista"),
        path("documentos/nuevo/", views.documento_crear, name="documento_crear"),
        path("documentos/<int:pk>/", views.documento, name="documento"),
        path(
            "documentos/<int:pk>/diferencias/",
            views.documento_diferencias,
            name="documento_diferencias",
        ),
        path(
            "documentos/<int:pk>/versiones/<int:numero>/",
            views.documento_version,
            name="documento_version",
        ),
        path(
            "documentos/<int:pk>/ediciones/",
            views.documento_ediciones,
            name="documento_ediciones",
        ),
        path(
            "documentos/<int:pk>/campos/",
            views.documento_campos,
            name="documento_campos",
        ),
        path(
            "documentos/<int:pk>/informes/<slug:informe>/",
            informes_views.descargar,
            name="informe",
        ),
        path(
            "documentos/<int:pk>/acciones/<slug:accion>/",
            views.documento_accion,
            name="documento_accion",
        ),
        path(
            "documentos/<int:pk>/observaciones/",
            views.observacion_crear,
            name="observacion_crear",
        ),
        path(
            "observaciones/<int:pk>/resolver/",
            views.observacion_resolver,
            name="observacion_resolver",
        ),
        path("sesion/mantener/", views_sesion.sesion_mantener, name="sesion_mantener"),
        path("mi-region/", views_gore.mi_region, name="mi_region"),
        # Issue 11's modules, each with its own URL list (names stay in the pmggt namespace).
        path("calendario/", include("pmggt.urls_calendario")),
        path("avisos/", include("pmggt.urls_avisos")),
        path("tablero/", include("pmggt.urls_tablero")),
        path("subrogancias/", include("pmggt.urls_subrogancia")),
        path("expedientes/", include("pmggt.urls_dossier")),
    ],
    "pmggt",
)

urlpatterns = [
    path("", include(app_patterns)),
    path("diagnostico/", include("diagnostico.urls")),
    path("planes/", include("planes.urls")),
    path(
        "cuentas/ingresar/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("cuentas/salir/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail (pmggt.cuentas): Django's views, with Django's URL names.
    path(
        "cuentas/contrasena/olvido/",
        cuentas.SolicitarRestablecimiento.as_view(),
        name="password_reset",
    ),
    path(
        "cuentas/contrasena/olvido/enviado/",
        cuentas.RestablecimientoEnviado.as_view(),
        name="password_reset_done",
    ),
    path(
        "cuentas/contrasena/nueva/<uidb64>/<token>/",
        cuentas.NuevaContrasena.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "cuentas/contrasena/cambiada/",
        cuentas.ContrasenaCambiada.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages without a <link rel=icon> (the admin site).
    path("favicon.ico", Favicon.as_view()),
]

# Sign-in with ClaveÚnica (pmggt.claveunica): /oidc/authenticate/, /oidc/callback/, only when on.
if settings.PMGGT_CLAVEUNICA:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
