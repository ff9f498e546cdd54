"""Reference and demo data."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from pmggt import selectors
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
    nombres = {
        "admin",
        "encargado.serviu",
        "jefe.serviu",
        "encargado.mideplan",
        "serplac.tarapaca",
        "jefe.mideplan",
        "experto.subdere",
        "gore.antofagasta",
    }
    assert nombres <= set(User.objects.values_list("username", flat=True))
    for usuario in User.objects.filter(username__in=nombres):
        assert usuario.check_password("demo-pmggt")


def test_demo_textos_reales_y_cada_persona_tiene_algo(demo):
    serviu = Documento.objects.get(servicio__sigla="SERVIU-ANTOFAGASTA")
    assert serviu.diagnostico.mision.startswith("Contribuir a mejorar la calidad de vida")
    assert serviu.diagnostico.objetivos.count() == 6
    mideplan = Documento.objects.get(servicio__sigla="MIDEPLAN")
    assert mideplan.estado == Documento.Estado.EN_VISACION
    assert mideplan.version_actual == 2
    User = get_user_model()
    pendientes = {
        "encargado.serviu": 1,
        "experto.subdere": 1,
        "jefe.serviu": 0,
        "jefe.mideplan": 0,
    }
    for username, n in pendientes.items():
        usuario = User.objects.get(username=username)
        assert selectors.documentos_pendientes_para(usuario).count() == n, username
    for username in [
        "jefe.serviu",
        "encargado.mideplan",
        "serplac.tarapaca",
        "jefe.mideplan",
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
