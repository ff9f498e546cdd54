"""Reference and demo data."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from pmggt import acceso, permisos, selectors
from pmggt.models import Centro, Ciclo, Documento, GobiernoRegional, Region, Servicio
from tests.fabricas import UsuarioFactory

NORTE_A_SUR = [
    "XV",
    "I",
    "II",
    "III",
    "IV",
    "V",
    "RM",
    "VI",
    "VII",
    "XVI",
    "VIII",
    "IX",
    "XIV",
    "X",
    "XI",
    "XII",
]


# The demo's Encargada de Centro of each of MIDEPLAN's 15 SERPLAC (north to south).
SERPLAC = {
    "XV": "serplac.arica",
    "I": "serplac.tarapaca",
    "II": "serplac.antofagasta",
    "III": "serplac.atacama",
    "IV": "serplac.coquimbo",
    "V": "serplac.valparaiso",
    "RM": "serplac.metropolitana",
    "VI": "serplac.ohiggins",
    "VII": "serplac.maule",
    "VIII": "serplac.biobio",
    "IX": "serplac.araucania",
    "XIV": "serplac.losrios",
    "X": "serplac.loslagos",
    "XI": "serplac.aysen",
    "XII": "serplac.magallanes",
}
POR_ROL = {
    "admin",
    "encargado.serviu",
    "jefe.serviu",
    "encargado.mideplan",
    "jefe.mideplan",
    "encargado.dgop",
    "jefe.dgop",
    "experto.subdere",
    "gore.antofagasta",
    "subdirector.serviu",  # no role: SERVIU's Jefe/a may designate him subrogante
}


@pytest.fixture
def demo(db):
    call_command("cargar_demo", "--forzar", stdout=io.StringIO())


def test_cargar_regiones_exige_un_usuario_existente(db):
    with pytest.raises(CommandError, match="No existe el usuario activo"):
        call_command("cargar_regiones", "--usuario", "nadie", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_cargar_demo_se_niega_sin_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo-pmggt"):
        call_command("cargar_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_regiones_de_norte_a_sur_con_su_gore(db):
    UsuarioFactory(username="operador")
    call_command("cargar_regiones", "--usuario", "operador", stdout=io.StringIO())
    assert list(Region.objects.values_list("codigo", flat=True)) == NORTE_A_SUR
    assert Region.objects.get(codigo="RM").nombre == "Región Metropolitana de Santiago"
    assert GobiernoRegional.objects.count() == 16
    assert GobiernoRegional.objects.get(region__codigo="II").nombre == (
        "Gobierno Regional de Antofagasta"
    )


def test_demo_servicios_centros_ciclo_y_usuarios(demo):
    siglas = set(Servicio.objects.values_list("sigla", flat=True))
    assert siglas == {"SERVIU-ANTOFAGASTA", "MIDEPLAN", "DGOP", "SEGPRES"}
    assert Centro.objects.filter(servicio__sigla="MIDEPLAN").count() == 15
    assert not Centro.objects.filter(servicio__sigla="MIDEPLAN", region__codigo="XVI").exists()
    assert Ciclo.objects.filter(anio=2009).exists()
    User = get_user_model()
    # One user per role (and the DGOP's Encargado/a GT and Jefe/a) and one Encargada de Centro
    # per SERPLAC, and SERVIU's subdirector: the demo's 25, no other.
    nombres = POR_ROL | set(SERPLAC.values())
    assert set(User.objects.values_list("username", flat=True)) == nombres
    assert User.objects.count() == 25
    for usuario in User.objects.filter(username__in=nombres):
        assert usuario.check_password("demo-pmggt")
        assert usuario.is_active and usuario.email == f"{usuario.username}@demo.pmggt.cl"
    # Real-looking names for the SERPLAC and DGOP people (the header shows them).
    for usuario in User.objects.filter(username__in=[*SERPLAC.values(), "encargado.dgop"]):
        assert usuario.first_name and usuario.last_name
        assert "SERPLAC" not in usuario.get_full_name()
    for username in ("encargado.dgop", "jefe.dgop"):
        nombre = User.objects.get(username=username).get_full_name()
        assert "DGOP" not in nombre and "/" not in nombre


def test_cada_serplac_tiene_su_encargada_que_edita_solo_su_region(demo):
    mideplan = Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=Documento.Etapa.DIAGNOSTICO)
    centros = {c.region.codigo: c for c in Centro.objects.filter(servicio__sigla="MIDEPLAN")}
    assert set(centros) == set(SERPLAC)
    User = get_user_model()
    for codigo, username in SERPLAC.items():
        usuario = User.objects.get(username=username)
        # Granted as the product grants her: the Centro's role group, nothing else.
        assert [g.rol.centro for g in usuario.groups.all()] == [centros[codigo]]
        assert set(permisos.centros_editables(usuario)) == {centros[codigo]}
        assert not permisos.tiene(usuario, "editar_documentos", mideplan.servicio)
        assert acceso.centros_editables(usuario, mideplan, en_cualquier_estado=True) == {
            centros[codigo].pk
        }
        assert acceso.es_lector_interno(usuario, mideplan)
        # Nothing in the other Servicios.
        serviu = Documento.objects.get(
            servicio__sigla="SERVIU-ANTOFAGASTA", etapa=Documento.Etapa.DIAGNOSTICO
        )
        assert acceso.centros_editables(usuario, serviu, en_cualquier_estado=True) == set()
        assert selectors.documentos_seguidos_por(usuario).filter(pk=mideplan.pk).exists()


def test_el_resumen_de_la_carga_nombra_a_cada_usuario(db):
    salida = io.StringIO()
    call_command("cargar_demo", "--forzar", stdout=salida)
    texto = salida.getvalue()
    assert "Demo lista: 16 regiones, 25 usuarios" in texto
    assert "contraseña de todos: demo-pmggt" in texto
    for username in POR_ROL:
        assert f"\n  {username} " in texto
    for codigo, username in SERPLAC.items():
        assert f"{username} ({codigo})" in texto
    # Short: a line per role, a few for the 15 Encargadas de Centro; no e-mail, no banner.
    # (the summary, the heading, a line per other user and at most 6 for the Encargadas).
    assert len(texto.splitlines()) <= len(POR_ROL) + 8
    assert "AXES" not in texto and "Subject:" not in texto


def test_demo_textos_reales_y_cada_persona_tiene_algo(demo):
    serviu = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", etapa=Documento.Etapa.DIAGNOSTICO
    )
    assert serviu.diagnostico.mision.startswith("Contribuir a mejorar la calidad de vida")
    assert serviu.diagnostico.objetivos.count() == 6
    mideplan = Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=Documento.Etapa.DIAGNOSTICO)
    assert mideplan.estado == Documento.Estado.EN_VISACION
    # Visado (version 2) and reopened: version 3 is with SUBDERE (tests/diagnostico/
    # test_carga_demo.py); the Plans (tests/planes/test_demo.py) read the visado versions.
    assert (mideplan.version_actual, mideplan.version_visada) == (3, 2)
    User = get_user_model()
    pendientes = {
        "encargado.serviu": 1,
        "experto.subdere": 2,  # MIDEPLAN's Diagnóstico and the DGOP's Plan (Etapa II)
        "jefe.serviu": 1,  # SERVIU's Plan (Etapa II)
        "jefe.mideplan": 0,
        "encargado.dgop": 0,  # the DGOP's Diagnóstico is visado, its Plan with SUBDERE
        "jefe.dgop": 0,
    }
    for username, n in pendientes.items():
        usuario = User.objects.get(username=username)
        assert selectors.documentos_pendientes_para(usuario).count() == n, username
    for username in [
        "jefe.serviu",
        "encargado.mideplan",
        *SERPLAC.values(),
        "jefe.mideplan",
        "encargado.dgop",
        "jefe.dgop",
        "gore.antofagasta",
    ]:
        usuario = User.objects.get(username=username)
        assert selectors.documentos_seguidos_por(usuario).exists(), username


def test_crear_administrador_y_cargar_regiones_en_una_instalacion_nueva(db):
    call_command(
        "crear_administrador", "ana.rojas", "--email", "ana@subdere.gob.cl", stdout=io.StringIO()
    )
    ana = get_user_model().objects.get(username="ana.rojas")
    assert ana.is_staff and not ana.is_superuser and not ana.has_usable_password()
    assert ana.has_perm("pmggt.administrar_pmggt")
    call_command("cargar_regiones", "--usuario", "ana.rojas", stdout=io.StringIO())
    assert Region.objects.count() == 16
    assert Region.history.filter(history_user=ana).count() == 16
