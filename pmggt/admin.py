"""Spanish admin for the Administrador/a SUBDERE: organisations, cycles, users and roles.

Nothing with history is deleted here: users, Servicios and Centros are deactivated (their
history keeps its attribution), and history is read-only (no "revert").
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .historia import actuando_como
from .models import Centro, Ciclo, GobiernoRegional, GrupoRol, Region, Servicio, Subrogancia
from .models.cuentas import Perfil


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


class PerfilForm(forms.ModelForm):
    """The RUN, typed with or without dots, kept as «12345678-5» (K upper-case)."""

    # Longer than the column: «12.345.678 - 5» is typed, «12345678-5» kept.
    run = forms.CharField(
        label="RUN",
        max_length=20,
        required=False,
        error_messages={"unique": "Ese RUN ya está registrado para otra persona."},
        help_text="Para ingresar con ClaveÚnica: con o sin puntos, con el dígito verificador "
        "(p. ej. 12.345.678-5). Déjelo vacío si la persona no ingresará con ClaveÚnica.",
    )

    class Meta:
        model = Perfil
        fields = ["run"]

    def clean_run(self):
        texto = (self.cleaned_data.get("run") or "").strip()
        if not texto:
            return None  # several people may have no RUN (unique, so NULL rather than "")
        # Here, not at the top: with ClaveÚnica off nothing of it is imported until a RUN is
        # registered.
        from .claveunica import run_desde_texto

        return run_desde_texto(texto)


class PerfilFormSet(forms.BaseInlineFormSet):
    """A change posted without this section (a script, an older form) leaves the RUN as is."""

    def __init__(self, data=None, *args, **kwargs):
        prefijo = kwargs.get("prefix") or self.get_default_prefix()
        total = f"{prefijo}-TOTAL_FORMS"
        if data is not None and total not in data:
            data = data.copy()
            data[total] = "0"
            data[f"{prefijo}-INITIAL_FORMS"] = "0"
        super().__init__(data, *args, **kwargs)


class PerfilInline(admin.StackedInline):
    """The RUN with which the person signs in with ClaveÚnica (pmggt.claveunica)."""

    model = Perfil
    form = PerfilForm
    formset = PerfilFormSet
    fields = ["run"]
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = "ClaveÚnica"
    verbose_name_plural = "ClaveÚnica"

    def has_delete_permission(self, request, obj=None):
        return False

    # The RUN is part of the account: whoever may change users may register it.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("auth.view_user") or self.has_change_permission(request)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("auth.change_user")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UsuarioAdmin(SinEliminar, UserAdmin, HistorialSoloLectura):
    filter_horizontal = ["groups"]
    inlines = [PerfilInline]  # the RUN for ClaveÚnica
    search_fields = [*UserAdmin.search_fields, "perfil__run"]
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


# --- Subrogancia (issue 11): read-only here; designated and revoked on pmggt:subrogancias ---


@admin.register(Subrogancia)
class SubroganciaAdmin(HistorialSoloLectura):
    """The administrator reads every subrogancia and its history here; designating and
    revoking go through their page (``pmggt.subrogancia``'s rules, notices and e-mail)."""

    list_display = [
        "servicio",
        "titular",
        "subrogante",
        "desde",
        "hasta",
        "revocada_en",
        "designada_por",
    ]
    list_filter = ["servicio"]
    list_select_related = ["servicio", "titular", "subrogante", "designada_por"]
    search_fields = [
        "titular__username",
        "titular__last_name",
        "subrogante__username",
        "subrogante__last_name",
        "servicio__sigla",
    ]
    date_hierarchy = "desde"

    def has_view_permission(self, request, obj=None):
        from . import permisos

        return permisos.es_administrador(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Calendario (issue 11): deadlines and extensions; the same rules as pmggt:calendario_editar ---

from .models import Plazo, Prorroga  # noqa: E402 (this block's own import)


class _SoloAdministradorPMGGT:
    """Open to the Administrador/a SUBDERE whatever the model permissions of the role group."""

    def _es_administrador(self, request) -> bool:
        from . import permisos

        return permisos.es_administrador(request.user)

    def has_module_permission(self, request):
        return self._es_administrador(request)

    def has_view_permission(self, request, obj=None):
        return self._es_administrador(request)

    def has_add_permission(self, request):
        return self._es_administrador(request)

    def has_change_permission(self, request, obj=None):
        return self._es_administrador(request)


class ProrrogaInline(admin.TabularInline):
    model = Prorroga
    extra = 0
    fields = ["servicio", "vence", "motivo", "otorgada_por", "otorgada_en"]
    readonly_fields = ["servicio", "vence", "motivo", "otorgada_por", "otorgada_en"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Plazo)
class PlazoAdmin(_SoloAdministradorPMGGT, HistorialSoloLectura):
    """Deadlines; the administrator's page is pmggt:calendario_editar (same rows, history)."""

    list_display = ["ciclo", "etapa", "periodo", "nombre", "vence"]
    list_filter = ["ciclo", "etapa"]
    list_select_related = ["ciclo"]
    inlines = [ProrrogaInline]

    def has_delete_permission(self, request, obj=None):
        # A deadline with extensions is not removed with them: remove those first.
        if obj is not None and obj.prorrogas.exists():
            return False
        return self._es_administrador(request)


@admin.register(Prorroga)
class ProrrogaAdmin(_SoloAdministradorPMGGT, HistorialSoloLectura):
    list_display = ["servicio", "plazo", "vence", "otorgada_por", "otorgada_en"]
    list_filter = ["plazo__ciclo", "plazo__etapa"]
    list_select_related = ["servicio", "plazo__ciclo", "otorgada_por"]
    search_fields = ["servicio__sigla", "servicio__nombre", "motivo"]
    readonly_fields = ["otorgada_por", "otorgada_en"]

    def has_delete_permission(self, request, obj=None):
        return self._es_administrador(request)

    def save_model(self, request, obj, form, change):
        if obj.otorgada_por_id is None or change:
            obj.otorgada_por = request.user
        obj._change_reason = (obj.motivo or "")[:100]
        with actuando_como(request.user):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with actuando_como(request.user):
            super().delete_model(request, obj)


from .models import avisos as _models_avisos  # noqa: E402

# --- avisos (issue 11) ---------------------------------------------------------------------------
# Read-only: avisos are written by pmggt.recordatorios and pmggt.notificaciones, and the offsets
# are edited (with their Spanish checks and history) at /avisos/ajustes/.


@admin.register(_models_avisos.Aviso)
class AvisoAdmin(_SoloAdministradorPMGGT, admin.ModelAdmin):
    list_display = ["asunto", "usuario", "tipo", "creado_en", "leido_en", "correo_enviado_en"]
    list_filter = ["tipo", ("leido_en", admin.EmptyFieldListFilter)]
    list_select_related = ["usuario"]
    search_fields = ["asunto", "clave", "usuario__username", "usuario__email"]
    date_hierarchy = "creado_en"
    raw_id_fields = ["usuario", "documento", "servicio"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
