"""Spanish admin for the Administrador/a SUBDERE: organisations, cycles, users and roles.

Nothing with history is deleted here: users, Servicios and Centros are deactivated (their
history keeps its attribution), and history is read-only (no "revert").
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .historia import actuando_como
from .models import Centro, Ciclo, GobiernoRegional, GrupoRol, Region, Servicio


class HistorialSoloLectura(SimpleHistoryAdmin):
    """The history pages show past versions but never restore one."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POST to this page even with the revert button hidden.
        if request.method != "GET":
            raise PermissionDenied("El historial es de solo lectura.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class SinEliminar:
    """Deactivate instead of deleting: no delete permission, no bulk delete action."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        acciones = super().get_actions(request)
        acciones.pop("delete_selected", None)
        return acciones


@admin.register(Region)
class RegionAdmin(SinEliminar, HistorialSoloLectura):
    list_display = ["codigo", "nombre", "orden"]
    ordering = ["orden"]


@admin.register(GobiernoRegional)
class GobiernoRegionalAdmin(SinEliminar, HistorialSoloLectura):
    list_display = ["nombre", "region"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        with actuando_como(request.user):
            services.roles_asegurar(obj)


class CentroInline(admin.TabularInline):
    model = Centro
    extra = 0
    fields = ["region", "nombre", "activo"]
    # Deactivated from the Centro's own page (CentroAdmin), which withdraws its grants.
    readonly_fields = ["activo"]
    can_delete = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Servicio)
class ServicioAdmin(SinEliminar, HistorialSoloLectura):
    list_display = ["nombre", "sigla", "ministerio", "region", "activo"]
    list_filter = ["activo", "ministerio"]
    search_fields = ["nombre", "sigla", "ministerio"]
    inlines = [CentroInline]

    def save_model(self, request, obj, form, change):
        obj.sigla = obj.sigla.upper()
        super().save_model(request, obj, form, change)
        with actuando_como(request.user):
            services.roles_asegurar(obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        with actuando_como(request.user):
            for centro in Centro.objects.filter(servicio=form.instance):
                # An inactive Centro keeps its group but loses its grants.
                services.centro_permisos_sincronizar(centro)


@admin.register(Centro)
class CentroAdmin(SinEliminar, HistorialSoloLectura):
    list_display = ["nombre", "servicio", "region", "activo"]
    list_filter = ["activo", "servicio", "region"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        with actuando_como(request.user):
            services.centro_permisos_sincronizar(obj)


@admin.register(Ciclo)
class CicloAdmin(SinEliminar, HistorialSoloLectura):
    list_display = [
        "anio",
        "abierto",
    ]


@admin.register(GrupoRol)
class GrupoRolAdmin(HistorialSoloLectura):
    list_display = ["grupo", "tipo", "servicio", "centro", "gore", "miembros"]
    list_filter = ["tipo", "servicio"]
    search_fields = ["grupo__name"]
    readonly_fields = ["grupo", "tipo", "servicio", "centro", "gore"]

    def has_add_permission(self, request):
        # Role groups are created with their Servicio, Centro or GORE.
        return False

    @admin.display(description="miembros")
    def miembros(self, obj):
        return ", ".join(u.username for u in obj.grupo.user_set.all()) or "—"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("grupo", "servicio", "centro__region", "centro__servicio", "gore")
            .prefetch_related("grupo__user_set")
        )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UsuarioAdmin(SinEliminar, UserAdmin, HistorialSoloLectura):
    filter_horizontal = ["groups"]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "roles"]

    @admin.display(description="roles")
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all()) or "—"

    def get_queryset(self, request):
        qs = super().get_queryset(request).prefetch_related("groups")
        if not request.user.is_superuser:
            # Technical superuser accounts are out of reach (no password resets, no edits).
            qs = qs.filter(is_superuser=False)
        return qs

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if request.user.is_superuser:
            return
        # Admin-site access follows membership of the administrators' group.
        usuario = form.instance
        es_admin = usuario.groups.filter(name=services.NOMBRE_GRUPO_ADMINISTRADORES).exists()
        if usuario.is_staff != es_admin:
            usuario.is_staff = es_admin
            usuario.save(update_fields=["is_staff"])

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Non-superuser administrators manage roles (groups), never raw privileges.
        ocultos = {"is_superuser", "user_permissions", "is_staff"}
        return [
            (nombre, {**opciones, "fields": [f for f in opciones["fields"] if f not in ocultos]})
            for nombre, opciones in fieldsets
        ]
