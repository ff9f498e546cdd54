from django.urls import path

from . import views

app_name = "diagnostico"
urlpatterns = [
    path("<int:pk>/definiciones/", views.editar, name="editar"),
]
