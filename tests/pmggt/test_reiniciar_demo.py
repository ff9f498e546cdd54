"""``cargar_demo --reiniciar``: the demo back to its starting state, and only on a demo database."""

import io

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from diagnostico.models import Diagnostico, FilaCuadro1, ObjetivoEstrategico
from pmggt import acceso, etapas, services, workflow
from pmggt.carga import cargar_demo, usuario_sistema
from pmggt.historia import actuando_como
from pmggt.models import Centro, Ciclo, Documento, GrupoRol, Observacion, Region, Servicio
from tests.conftest import mundo_compartido
from tests.fabricas import UsuarioFactory

Tipo = GrupoRol.Tipo
demo = mundo_compartido(cargar_demo)  # built once per worker: see tests/conftest.py

# What a reset keeps by design: the history of users and Centros (changed back, not erased),
# the membership history of users and the record of failed logins.
CONSERVADOS = {"HistoricalUser", "HistoricalUser_groups", "HistoricalCentro", "AccessFailureLog"}


def cuentas() -> dict:
    return {m.__name__: m._default_manager.count() for m in apps.get_models()}


def usuario(username):
    return get_user_model().objects.get(username=username)


def sin_ids(valor):
    """Content without database ids (reloaded rows get new ones; a Plan's «fila» is one), nor
    the hash of the visado Diagnóstico a Plan read (its content has the reloaded rows' ids)."""
    if isinstance(valor, dict):
        return {k: sin_ids(v) for k, v in valor.items() if k not in ("id", "fila", "sha256")}
    if isinstance(valor, list):
        return [sin_ids(v) for v in valor]
    return valor


def estado_demo() -> dict:
    """Each demo document as a person sees it: state, versions, observaciones and content."""
    return {
        (d.servicio.sigla, d.etapa): {
            "estado": (d.estado, d.version_actual, d.version_visada),
            "versiones": list(d.versiones.values_list("numero", "creada_por__username")),
            "transiciones": list(
                d.transiciones.order_by("pk").values_list("accion", "actor__username")
            ),
            "observaciones": list(
                d.observaciones.order_by("pk").values_list("texto", "resuelta", "autor__username")
            ),
            "contenido": sin_ids(etapas.de(d.etapa).contenido(d)),
        }
        for d in Documento.objects.select_related("servicio")
    }


def test_reiniciar_vuelve_al_estado_inicial(demo):
    inicio = cuentas()
    inicial = estado_demo()
    encargado = usuario("encargado.mideplan")
    experto = usuario("experto.subdere")
    admin = usuario_sistema()
    mideplan = Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=Documento.Etapa.DIAGNOSTICO)
    grupos_jefe = set(usuario("jefe.serviu").groups.values_list("pk", flat=True))

    # A demo session: SUBDERE returns MIDEPLAN's Diagnóstico, its Encargado/a deletes a row
    # and resolves the observación ...
    workflow.devolver(
        documento=mideplan,
        actor=experto,
        version=mideplan.version_actual,
        observaciones=[{"texto": "Falta la región de Ñuble."}],
    )
    with actuando_como(encargado):
        FilaCuadro1.objects.filter(diagnostico__documento=mideplan).first().delete()
    services.observacion_resolver(
        observacion=mideplan.observaciones.get(texto="Falta la región de Ñuble."), actor=encargado
    )
    # ... the administrator makes jefe.serviu Encargado/a GT of SEGPRES (the demo Servicio
    # without documents), who starts its Diagnóstico (with an objetivo written and deleted:
    # history only) ...
    segpres = Servicio.objects.get(sigla="SEGPRES")
    jefe = usuario("jefe.serviu")
    with actuando_como(admin):
        services.rol_asignar(usuario=jefe, tipo=Tipo.ENCARGADO_GT, objeto=segpres)
    nuevo = services.documento_crear(
        servicio=segpres,
        ciclo=Ciclo.objects.get(anio=2009),
        etapa=Documento.Etapa.DIAGNOSTICO,
        actor=usuario("jefe.serviu"),
    )
    with actuando_como(jefe):
        objetivo = ObjetivoEstrategico.objects.create(
            diagnostico=nuevo.diagnostico, numero=1, descripcion="Borrador"
        )
        objetivo.delete()
    # ... a SERPLAC changes her password, another gets deactivated with her Centro, and
    # someone locks an account.
    maule = usuario("serplac.maule")
    maule.set_password("otra-clave-secreta-9")
    maule.save()
    aysen = usuario("serplac.aysen")
    aysen.is_active = False
    aysen.save()
    services.centro_desactivar(
        centro=Centro.objects.get(servicio=mideplan.servicio, region__codigo="XI"), actor=admin
    )
    AccessAttempt.objects.create(
        username="encargado.serviu", ip_address="127.0.0.1", failures_since_start=5
    )
    assert cuentas() != inicio

    salida = io.StringIO()
    call_command("cargar_demo", "--forzar", "--reiniciar", stdout=salida)

    # The demo's 6 (a Diagnóstico and a Plan of each of its three Servicios) and SEGPRES's.
    assert "Demo reiniciada: se borraron 7 documentos" in salida.getvalue()
    assert "documentos nuevos: SERVIU-ANTOFAGASTA, MIDEPLAN, DGOP" in salida.getvalue()
    # Every row count is that of a fresh load, history of the documents included.
    final = cuentas()
    distintos = {m for m in final if final[m] != inicio[m]}
    assert distintos <= CONSERVADOS, {m: (inicio[m], final[m]) for m in distintos - CONSERVADOS}
    assert estado_demo() == inicial
    assert not Documento.objects.filter(pk__in=[nuevo.pk, mideplan.pk]).exists()
    assert not Diagnostico.history.filter(documento_id__in=[nuevo.pk, mideplan.pk]).exists()
    assert not ObjetivoEstrategico.history.filter(pk=objetivo.pk).exists()
    assert not Observacion.history.filter(texto="Falta la región de Ñuble.").exists()
    assert not Documento.objects.filter(servicio=segpres).exists()
    # Users as loaded: password, active, roles; the Centro active with its grants.
    assert usuario("serplac.maule").check_password("demo-pmggt")
    assert usuario("serplac.aysen").is_active
    assert set(usuario("jefe.serviu").groups.values_list("pk", flat=True)) == grupos_jefe
    assert Centro.objects.get(servicio__sigla="MIDEPLAN", region__codigo="XI").activo
    mideplan = Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=Documento.Etapa.DIAGNOSTICO)
    assert acceso.centros_editables(usuario("serplac.aysen"), mideplan, en_cualquier_estado=True)
    assert not AccessAttempt.objects.filter(username="encargado.serviu").exists()


def test_reiniciar_dos_veces_deja_lo_mismo(demo):
    call_command("cargar_demo", "--forzar", "--reiniciar", stdout=io.StringIO())
    una = (cuentas(), estado_demo())
    call_command("cargar_demo", "--forzar", "--reiniciar", stdout=io.StringIO())
    assert (cuentas(), estado_demo()) == una


def test_sin_reiniciar_una_segunda_carga_no_borra_nada(demo):
    encargado = usuario("encargado.mideplan")
    mideplan = Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=Documento.Etapa.DIAGNOSTICO)
    with actuando_como(encargado):
        FilaCuadro1.objects.filter(diagnostico__documento=mideplan).first().delete()
    antes = cuentas()
    call_command("cargar_demo", "--forzar", stdout=io.StringIO())
    assert cuentas() == antes


def _servicio_real():
    with actuando_como(usuario_sistema()):
        Servicio.objects.create(sigla="SAG", nombre="Servicio Agrícola y Ganadero", ministerio="-")


def _usuario_real():
    UsuarioFactory(username="ana.rojas")


def _ciclo_real():
    with actuando_como(usuario_sistema()):
        Ciclo.objects.create(anio=2010)


def _centro_real():
    with actuando_como(usuario_sistema()):
        Centro.objects.create(
            servicio=Servicio.objects.get(sigla="DGOP"),
            region=Region.objects.get(codigo="XVI"),
            nombre="DGOP Ñuble",
        )


@pytest.mark.parametrize(
    ("agregar", "nombrado"),
    [
        (_servicio_real, "Servicios: SAG"),
        (_usuario_real, "usuarios: ana.rojas"),
        (_ciclo_real, "Ciclos: 2010"),
        (_centro_real, "Centros: DGOP XVI"),
    ],
)
def test_se_niega_en_una_base_con_datos_que_no_son_de_la_demo(demo, agregar, nombrado):
    agregar()
    antes = cuentas()
    with pytest.raises(CommandError, match="no son de la demo") as error:
        call_command("cargar_demo", "--forzar", "--reiniciar", stdout=io.StringIO())
    assert nombrado in str(error.value)
    assert "no borra nada" in str(error.value)
    assert cuentas() == antes


def test_sin_debug_se_niega_sin_borrar(demo, settings):
    settings.DEBUG = False
    antes = cuentas()
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("cargar_demo", "--reiniciar", stdout=io.StringIO())
    assert cuentas() == antes


def test_en_una_base_vacia_reiniciar_carga_la_demo(db):
    call_command("cargar_demo", "--forzar", "--reiniciar", stdout=io.StringIO())
    assert set(Documento.objects.values_list("servicio__sigla", flat=True)) == {
        "SERVIU-ANTOFAGASTA",
        "MIDEPLAN",
        "DGOP",
    }
    assert get_user_model().objects.count() == 25
