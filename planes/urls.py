from django.urls import path

from pmggt.informes.views import descargar
from pmggt.models import Documento

from . import views, views_excel

app_name = "planes"
ETAPA = Documento.Etapa.PLAN

urlpatterns = [
    path("<int:pk>/objetivos/", views.objetivos, name="objetivos"),
    path("<int:pk>/informacion/", views.informacion, name="informacion"),
    path("<int:pk>/indicadores/", views.indicadores, name="indicadores"),
    path("<int:pk>/programa/", views.programa, name="programa"),
    path("<int:pk>/objetivos/cobertura/<int:fila>/", views.no_abordado, name="no_abordado"),
    path("<int:pk>/regiones/<str:region>/", views.region, name="region"),
    path(
        "<int:pk>/regiones/<str:region>/actividades/",
        views.actividad_nueva,
        name="actividad_nueva",
    ),
    path(
        "<int:pk>/regiones/<str:region>/actividades/<int:fila_pk>/",
        views.actividad_editar,
        name="actividad_editar",
    ),
    path(
        "<int:pk>/regiones/<str:region>/actividades/<int:fila_pk>/eliminar/",
        views.actividad_eliminar,
        name="actividad_eliminar",
    ),
    path(
        "<int:pk>/regiones/<str:region>/indicadores/",
        views.indicador_nuevo,
        name="indicador_nuevo",
    ),
    path(
        "<int:pk>/regiones/<str:region>/indicadores/<int:fila_pk>/",
        views.indicador_editar,
        name="indicador_editar",
    ),
    path(
        "<int:pk>/regiones/<str:region>/indicadores/<int:fila_pk>/eliminar/",
        views.indicador_eliminar,
        name="indicador_eliminar",
    ),
    # The stage's reports are served by the core's one download view.
    path("<int:pk>/pdf/<slug:informe>/", descargar, {"etapa": ETAPA, "formato": "pdf"}, name="pdf"),
    path("<int:pk>/excel/", descargar, {"etapa": ETAPA, "informe": "plan-excel"}, name="excel"),
    path("<int:pk>/excel/importar/", views_excel.importar, name="excel_importar"),
]
