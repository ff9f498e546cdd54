"""A user's grants are read once (one query) and every check after that costs none."""

from django.contrib.auth import get_user_model

from pmggt import permisos, selectors, services
from pmggt.models import Centro, GobiernoRegional, GrupoRol, Servicio
from tests.fabricas import UsuarioFactory

Tipo = GrupoRol.Tipo


def fresco(usuario):
    return get_user_model().objects.get(pk=usuario.pk)


def test_una_consulta_para_todos_los_permisos(mundo, django_assert_num_queries):
    experta = fresco(mundo.experta)
    with django_assert_num_queries(1):
        assert permisos.tiene(experta, "visar_documentos", mundo.servicio)
        assert permisos.tiene(experta, "ver_documentos", mundo.servicio)
        assert not permisos.tiene(experta, "visar_documentos", mundo.otro_servicio)
        assert not permisos.es_administrador(experta)
        assert permisos.permisos_sobre(experta, mundo.servicio) >= {"visar_documentos"}


def test_ids_por_permiso_para_cada_rol(mundo):
    m = mundo
    assert permisos.ids_con(m.encargada, "editar_documentos", Servicio) == {m.servicio.pk}
    assert permisos.ids_con(m.centro_i, "editar_centro", Centro) == {m.centro_region_i.pk}
    assert not permisos.ids_con(m.centro_i, "editar_centro", Servicio)
    gore_i = GobiernoRegional.objects.get(region__codigo="I")
    assert permisos.ids_con(m.gore, "ver_region", GobiernoRegional) == {gore_i.pk}
    assert permisos.es_administrador(m.admin)
    assert not permisos.es_administrador(m.jefe)
    assert list(permisos.objetos_con(m.jefe, "aprobar_documentos", Servicio)) == [m.servicio]
    assert not permisos.objetos_con(m.intruso, "aprobar_documentos", Servicio).exists()


def test_selectores_sin_consultas_de_permisos_repetidas(mundo, django_assert_num_queries):
    experta = fresco(mundo.experta)
    permisos.concedidos(experta)
    # The pending list is one query; no permission table is read again.
    with django_assert_num_queries(1) as consultas:
        list(selectors.documentos_pendientes_para(experta))
    sql = consultas.captured_queries[0]["sql"]
    assert "objectpermission" not in sql.lower()


def test_usuario_inactivo_o_anonimo_no_tiene_nada(mundo):
    jefe = fresco(mundo.jefe)
    jefe.is_active = False
    assert not permisos.tiene(jefe, "aprobar_documentos", mundo.servicio)
    assert permisos.concedidos(jefe) == {}


def test_un_grupo_nuevo_se_ve_en_el_mismo_objeto_usuario(mundo):
    usuario = UsuarioFactory(username="recien.llegada")
    assert not permisos.tiene(usuario, "aprobar_documentos", mundo.servicio)
    services.rol_asignar(usuario=usuario, tipo=Tipo.JEFE, objeto=mundo.servicio)
    assert permisos.tiene(usuario, "aprobar_documentos", mundo.servicio)
