"""Roles as per-object groups: grants, administration from the browser, immediate effect."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from guardian.shortcuts import get_perms

from pmggt import services, workflow
from pmggt.models import Documento, GrupoRol, Servicio
from tests.conftest import crear_diagnostico, llevar_a
from tests.fabricas import UsuarioFactory

Tipo = GrupoRol.Tipo


def test_grupos_por_objeto_con_sus_permisos(mundo):
    grupos = {
        r.tipo: r.grupo for r in GrupoRol.objects.filter(servicio=mundo.servicio, centro=None)
    }
    assert set(grupos) == {Tipo.ENCARGADO_GT, Tipo.JEFE, Tipo.EXPERTO}
    assert set(get_perms(grupos[Tipo.JEFE], mundo.servicio)) == {
        "ver_documentos",
        "aprobar_documentos",
    }
    assert set(get_perms(grupos[Tipo.ENCARGADO_GT], mundo.servicio)) == {
        "ver_documentos",
        "editar_documentos",
    }
    assert get_perms(grupos[Tipo.JEFE], mundo.otro_servicio) == []
    centro = GrupoRol.objects.get(tipo=Tipo.ENCARGADO_CENTRO, centro=mundo.centro_region_i).grupo
    assert get_perms(centro, mundo.centro_region_i) == ["editar_centro"]
    assert get_perms(centro, mundo.centro_region_ii) == []
    assert get_perms(centro, mundo.servicio) == ["ver_documentos"]
    assert grupos[Tipo.JEFE].name == "SERV-A · Jefe/a de Servicio"


def test_cambio_de_rol_vale_desde_la_siguiente_solicitud(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Documento.Estado.EN_REVISION_JEFE)
    nueva = UsuarioFactory(username="nueva.jefa")
    client.force_login(nueva)
    url = reverse("pmggt:documento", args=[doc.pk])
    assert client.get(url).status_code == 404
    grupo = services.rol_grupo(tipo=Tipo.JEFE, objeto=mundo.servicio)
    nueva.groups.add(grupo)
    respuesta = client.get(url)
    assert respuesta.status_code == 200
    assert "Aprobar versión 1" in respuesta.content.decode()
    nueva.groups.remove(grupo)
    assert client.get(url).status_code == 404


def test_superusuario_no_actua_en_la_cadena(mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Documento.Estado.EN_REVISION_JEFE)
    root = UsuarioFactory(username="root", is_superuser=True, is_staff=True)
    assert workflow.acciones_disponibles(doc, root) == []
    with pytest.raises(workflow.SinPermiso):
        workflow.aprobar(documento=doc, actor=root, version=1)


def test_administrador_gestiona_servicios_y_roles_desde_el_navegador(client, mundo):
    client.force_login(mundo.admin)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:pmggt_servicio_add")).status_code == 200
    r = client.post(
        reverse("admin:pmggt_servicio_add"),
        {
            "nombre": "Servicio Nuevo",
            "sigla": "nuevo",
            "ministerio": "Ministerio X",
            "activo": "on",
            "centros-TOTAL_FORMS": "1",
            "centros-INITIAL_FORMS": "0",
            "centros-0-region": mundo.regiones[0].pk,
            "centros-0-nombre": "Oficina Tarapacá",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    servicio = Servicio.objects.get(sigla="NUEVO")
    assert GrupoRol.objects.filter(servicio=servicio, centro=None).count() == 3
    assert (
        GrupoRol.objects.filter(centro__servicio=servicio, tipo=Tipo.ENCARGADO_CENTRO).count() == 1
    )
    assert servicio.history.latest().history_user == mundo.admin

    # Give a person the Jefe/a role by group membership, from the user admin.
    persona = UsuarioFactory(username="persona.nueva")
    grupo = Group.objects.get(rol__servicio=servicio, rol__tipo=Tipo.JEFE)
    formulario = client.get(reverse("admin:auth_user_change", args=[persona.pk]))
    assert formulario.status_code == 200
    html = formulario.content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    r = client.post(
        reverse("admin:auth_user_change", args=[persona.pk]),
        {
            "username": persona.username,
            "first_name": "Persona",
            "last_name": "Nueva",
            "email": "p@x.cl",
            "is_active": "on",
            "groups": [grupo.pk],
            "date_joined_0": "2009-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    persona.refresh_from_db()
    assert list(persona.groups.all()) == [grupo]
    assert persona.history.latest().history_user == mundo.admin
    assert not persona.is_staff


def test_administrador_crea_otro_administrador_y_no_toca_superusuarios(client, mundo):
    from pmggt.services import grupo_administradores

    root = UsuarioFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(mundo.admin)
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 302
    assert client.get(reverse("admin:auth_user_password_change", args=[root.pk])).status_code == 404
    persona = UsuarioFactory(username="nueva.admin")
    r = client.post(
        reverse("admin:auth_user_change", args=[persona.pk]),
        {
            "username": persona.username,
            "is_active": "on",
            "groups": [grupo_administradores().pk],
            "date_joined_0": "2009-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert r.status_code == 302
    persona.refresh_from_db()
    assert persona.is_staff
    client.force_login(persona)
    assert client.get(reverse("admin:index")).status_code == 200


def test_personas_sin_rol_de_administrador_no_entran_al_admin(client, mundo):
    client.force_login(mundo.jefe)
    assert client.get(reverse("admin:index")).status_code == 302
