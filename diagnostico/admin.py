"""What the Administrador/a SUBDERE edits of Etapa I in /admin/: the wording of the printed
cuadros per Ciclo (titles, Cuadro I N°2's reference, notes (1)–(5)), as SUBDERE rewords its
forms from one year to the next (``diagnostico.formato``)."""

from django import forms
from django.contrib import admin
from django.db import models

from pmggt.admin import HistorialSoloLectura, SinEliminar

from .models import FormatoCuadros


def _administra(request) -> bool:
    """The Administradores/as SUBDERE (their group holds the core's global permission): the
    core grants its group the model permissions of the core's models only, and a stage app's
    models are the stage's business."""
    usuario = request.user
    return usuario.is_active and usuario.is_staff and usuario.has_perm("pmggt.administrar_pmggt")


@admin.register(FormatoCuadros)
class FormatoCuadrosAdmin(SinEliminar, HistorialSoloLectura):
    list_display = ["ciclo", "titulo_cuadro1", "referencia_cuadro2"]
    list_select_related = ["ciclo"]
    ordering = ["-ciclo__anio"]
    # Wide boxes that still fit a tablet (the admin's textareas shrink to the column there).
    formfield_overrides = {
        models.CharField: {"widget": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})},
        models.TextField: {
            "widget": forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField"})
        },
    }
    fieldsets = [
        (None, {"fields": ["ciclo"]}),
        (
            "Cuadro I N°1",
            {
                "fields": ["titulo_cuadro1", "referencia_cuadro1", "notas_cuadro1"],
                "description": "Los PDF de los Diagnósticos de este ciclo imprimen este título "
                "y estas notas bajo cada Cuadro I N°1. Un ciclo sin formato propio imprime los "
                "textos de los formularios de SUBDERE (los que este formulario trae por "
                "omisión).",
            },
        ),
        ("Cuadro I N°2", {"fields": ["titulo_cuadro2", "referencia_cuadro2", "notas_cuadro2"]}),
    ]

    def has_module_permission(self, request):
        return _administra(request)

    def has_view_permission(self, request, obj=None):
        return _administra(request)

    def has_add_permission(self, request):
        return _administra(request)

    def has_change_permission(self, request, obj=None):
        return _administra(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ciclo":
            # One wording per Ciclo: offer the Ciclos that have none yet.
            from pmggt.models import Ciclo

            kwargs["queryset"] = Ciclo.objects.filter(formato_cuadros__isnull=True)
            kwargs["empty_label"] = "Elija el ciclo"
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A wording belongs to its Ciclo: moving it to another one would silently reword both.
        return ["ciclo"] if obj is not None else []
