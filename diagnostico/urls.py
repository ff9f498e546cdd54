from django.urls import path

from pmggt.informes.views import descargar
from pmggt.models import Documento

from . import views, views_excel

app_name = "diagnostico"
ETAPA = Documento.Etapa.DIAGNOSTICO


urlpatterns = [
    path("<int:pk>/definiciones/", views.editar, name="editar"),
    path("<int:pk>/productos/", views.productos, name="productos"),
    path("<int:pk>/clientes/", views.clientes, name="clientes"),
    path("<int:pk>/otros/", views.otros, name="otros"),
    path("<int:pk>/actualizar/", views.actualizar, name="actualizar"),
    path("<int:pk>/cuadros/<str:region>/", views.cuadro, name="cuadro"),
    path("<int:pk>/cuadros/<str:region>/filas/", views.fila_nueva, name="fila_nueva"),
    path(
        "<int:pk>/cuadros/<str:region>/filas/<int:fila_pk>/",
        views.fila_editar,
        name="fila_editar",
    ),
    path(
        "<int:pk>/cuadros/<str:region>/filas/<int:fila_pk>/eliminar/",
        views.fila_eliminar,
        name="fila_eliminar",
    ),
    path(
        "<int:pk>/cuadros/<str:region>/filas/<int:fila_pk>/mover/",
        views.fila_mover,
        name="fila_mover",
    ),
    path("<int:pk>/cuadros/<str:region>/cuadro2/", views.cuadro2_guardar, name="cuadro2_guardar"),
    # The stage's reports are served by the core's one download view.
    path("<int:pk>/pdf/<slug:informe>/", descargar, {"etapa": ETAPA, "formato": "pdf"}, name="pdf"),
    path(
        "<int:pk>/excel/", descargar, {"etapa": ETAPA, "informe": "cuadros"}, name="excel_exportar"
    ),
    path("<int:pk>/excel/importar/", views_excel.importar, name="excel_importar"),
]
