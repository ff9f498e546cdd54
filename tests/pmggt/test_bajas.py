"""Deactivate, never delete: no delete or revert in the admin, history keeps its attribution,
and a removed Centro or role takes its grants along."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from guardian.models import GroupObjectPermission

from pmggt import services
from pmggt.historia import actuando_como
from pmggt.models import (
    Centro,
    CentroGroupObjectPermission,
    CentroUserObjectPermission,
    Ciclo,
    GobiernoRegional,
    GrupoRol,
    Region,
    Servicio,
    ServicioGroupObjectPermission,
)
from tests.fabricas import UsuarioFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
SIN_BORRADO = [User, Servicio, Centro, GobiernoRegional, Region, Ciclo]


@pytest.fixture
def superusuario(db):
    return User.objects.create_superuser("raiz", "raiz@prueba.pmggt.cl", "clave-prueba")


def _objeto(modelo, mundo):
    return {
        User: mundo.jefe,
        Servicio: mundo.servicio,
        Centro: mundo.centro_region_i,
        GobiernoRegional: mundo.centro_region_i.region.gore,
        Region: mundo.regiones[0],
        Ciclo: mundo.ciclo,
    }[modelo]


def _url(modelo, vista, *args):
    return reverse(f"admin:{modelo._meta.app_label}_{modelo._meta.model_name}_{vista}", args=args)


# --- The admin offers no delete and no revert ---


@pytest.mark.parametrize("modelo", SIN_BORRADO, ids=lambda m: m.__name__)
@pytest.mark.parametrize("quien", ["admin", "superusuario"])
def test_admin_sin_eliminar(client, mundo, superusuario, modelo, quien):
    usuario = superusuario if quien == "superusuario" else mundo.admin
    objeto = _objeto(modelo, mundo)
    modelo_admin = admin.site._registry[modelo]
    solicitud = RequestFactory().get("/admin/")
    solicitud.user = usuario
    assert modelo_admin.has_delete_permission(solicitud) is False
    assert modelo_admin.has_delete_permission(solicitud, objeto) is False
    assert "delete_selected" not in modelo_admin.get_actions(solicitud)

    client.force_login(usuario)
    lista = client.get(_url(modelo, "changelist"))
    assert lista.status_code == 200
    assert "delete_selected" not in lista.content.decode()
    ficha = client.get(_url(modelo, "change", objeto.pk))
    assert ficha.status_code == 200
    assert _url(modelo, "delete", objeto.pk) not in ficha.content.decode()
    assert client.get(_url(modelo, "delete", objeto.pk)).status_code == 403
    assert client.post(_url(modelo, "delete", objeto.pk), {"post": "yes"}).status_code == 403
    # The bulk action is refused too.
    client.post(
        _url(modelo, "changelist"),
        {"action": "delete_selected", "_selected_action": [objeto.pk], "post": "yes"},
    )
    assert modelo.objects.filter(pk=objeto.pk).exists()


def test_centros_en_linea_sin_eliminar(client, mundo):
    client.force_login(mundo.admin)
    html = client.get(_url(Servicio, "change", mundo.servicio.pk)).content.decode()
    assert "centros-0-DELETE" not in html
    assert "centros-0-region" in html


@pytest.mark.parametrize("modelo", [*SIN_BORRADO, GrupoRol], ids=lambda m: m.__name__)
def test_historial_sin_revertir(client, mundo, superusuario, modelo):
    objeto = _objeto(modelo, mundo) if modelo is not GrupoRol else mundo.servicio.grupos_rol.first()
    historico = objeto.history.order_by("history_date").first()
    client.force_login(superusuario)
    url = _url(modelo, "simple_history", objeto.pk, historico.history_id)
    r = client.get(url)
    assert r.status_code == 200
    assert r.context["revert_disabled"] is True
    antes = objeto.history.count()
    r = client.post(url, {})
    assert r.status_code == 403
    assert objeto.history.count() == antes


def test_revertir_desactivado_en_la_configuracion(settings):
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


# --- Deactivating keeps the history's attribution ---


def test_desactivar_usuario_conserva_la_autoria_del_historial(mundo):
    autora = UsuarioFactory(username="autora")
    with actuando_como(autora):
        servicio = mundo.otro_servicio
        servicio.nombre = "Servicio B renombrado"
        servicio.save()
    filas = list(servicio.history.filter(history_user=autora).values_list("history_id", flat=True))
    assert filas

    with actuando_como(mundo.admin):
        autora.is_active = False
        autora.save()

    assert set(
        servicio.history.filter(history_user=autora).values_list("history_id", flat=True)
    ) == set(filas)
    assert User.objects.filter(pk=autora.pk, is_active=False).exists()


def test_desactivar_usuario_le_impide_ingresar(client, mundo):
    with actuando_como(mundo.admin):
        mundo.jefe.is_active = False
        mundo.jefe.save()
    r = client.post(reverse("login"), {"username": "jefe", "password": "clave-prueba"})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


# --- A removed Centro or role takes its grants along ---


def _sin_permisos_del_centro(centro_pk: int, grupo: Group, servicio: Servicio):
    assert not ServicioGroupObjectPermission.objects.filter(group=grupo).exists()
    assert not ServicioGroupObjectPermission.objects.filter(
        content_object=servicio, group__rol__centro_id=centro_pk
    ).exists()
    assert not CentroGroupObjectPermission.objects.filter(content_object_id=centro_pk).exists()
    assert not CentroGroupObjectPermission.objects.filter(group=grupo).exists()
    assert not CentroUserObjectPermission.objects.filter(content_object_id=centro_pk).exists()
    assert not GroupObjectPermission.objects.filter(group=grupo).exists()


def _grupo_del_centro(centro) -> Group:
    return GrupoRol.objects.get(centro=centro, tipo=GrupoRol.Tipo.ENCARGADO_CENTRO).grupo


def test_borrar_centro_retira_sus_permisos(client, mundo, documento_en):
    doc = documento_en()
    centro, encargada = mundo.centro_region_ii, mundo.centro_ii
    grupo = _grupo_del_centro(centro)
    url = reverse("pmggt:documento", args=[doc.pk])
    client.force_login(encargada)
    assert client.get(url).status_code == 200
    assert ServicioGroupObjectPermission.objects.filter(group=grupo).exists()

    centro_pk = centro.pk
    with actuando_como(mundo.admin):
        # A Centro whose region has cuadro rows cannot be deleted (PROTECT): empty it first.
        doc.diagnostico.filas_cuadro1.filter(centro=centro).delete()
        centro.delete()

    _sin_permisos_del_centro(centro_pk, grupo, mundo.servicio)
    assert not GrupoRol.objects.filter(grupo=grupo).exists()
    assert client.get(url).status_code == 404
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200
    # The other Centro's Encargada keeps reading.
    client.force_login(mundo.centro_i)
    assert client.get(url).status_code == 200


def test_desactivar_centro_retira_sus_permisos(client, mundo, documento_en):
    doc = documento_en()
    centro, encargada = mundo.centro_region_ii, mundo.centro_ii
    grupo = _grupo_del_centro(centro)
    url = reverse("pmggt:documento", args=[doc.pk])
    client.force_login(encargada)
    assert client.get(url).status_code == 200

    services.centro_desactivar(centro=centro, actor=mundo.admin)

    centro.refresh_from_db()
    assert centro.activo is False
    _sin_permisos_del_centro(centro.pk, grupo, mundo.servicio)
    assert encargada.groups.filter(pk=grupo.pk).exists()  # the group stays, granting nothing
    assert client.get(url).status_code == 404
    ultimo = centro.history.latest()
    assert (ultimo.activo, ultimo.history_user) == (False, mundo.admin)

    # Reactivated: the same group reads again.
    services.centro_activar(centro=centro, actor=mundo.admin)
    assert client.get(url).status_code == 200
    assert CentroGroupObjectPermission.objects.filter(group=grupo, content_object=centro).exists()


def test_desactivar_centro_desde_el_admin(client, mundo, documento_en):
    doc = documento_en()
    centro = mundo.centro_region_ii
    grupo = _grupo_del_centro(centro)
    client.force_login(mundo.admin)
    r = client.post(
        _url(Centro, "change", centro.pk),
        {"servicio": centro.servicio_id, "region": centro.region_id, "nombre": centro.nombre},
    )
    assert r.status_code == 302, r.content[:800]
    centro.refresh_from_db()
    assert centro.activo is False
    _sin_permisos_del_centro(centro.pk, grupo, mundo.servicio)
    assert centro.history.latest().history_user == mundo.admin
    client.force_login(mundo.centro_ii)
    assert client.get(reverse("pmggt:documento", args=[doc.pk])).status_code == 404


def test_borrar_grupo_de_rol_retira_sus_permisos(client, mundo, documento_en):
    doc = documento_en()
    rol = GrupoRol.objects.get(servicio=mundo.servicio, tipo=GrupoRol.Tipo.JEFE, centro=None)
    grupo = rol.grupo
    url = reverse("pmggt:documento", args=[doc.pk])
    client.force_login(mundo.jefe)
    assert client.get(url).status_code == 200

    rol.delete()

    assert not ServicioGroupObjectPermission.objects.filter(group=grupo).exists()
    assert client.get(url).status_code == 404


def test_borrar_grupo_del_centro_retira_el_permiso_sobre_el_servicio(client, mundo, documento_en):
    doc = documento_en()
    grupo = _grupo_del_centro(mundo.centro_region_i)
    GrupoRol.objects.get(grupo=grupo).delete()
    assert not ServicioGroupObjectPermission.objects.filter(group=grupo).exists()
    assert not CentroGroupObjectPermission.objects.filter(group=grupo).exists()
    client.force_login(mundo.centro_i)
    assert client.get(reverse("pmggt:documento", args=[doc.pk])).status_code == 404


def test_borrar_rol_de_administradores_retira_sus_permisos_de_modelo(mundo):
    grupo = services.grupo_administradores()
    assert grupo.permissions.exists()
    GrupoRol.objects.get(grupo=grupo).delete()
    assert not grupo.permissions.exists()
