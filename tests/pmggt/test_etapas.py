"""The core carries any stage: registry, gating between stages, read API, reports, layering."""

import ast
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from pmggt import etapas, services, versiones, workflow
from pmggt.models import Documento
from pmggt.workflow import EstadoInvalido
from tests.conftest import crear_diagnostico, llevar_a

Estado = Documento.Estado
APPS_DE_ETAPA = {"diagnostico", "planes", "seguimiento", "gore_info"}


def test_el_nucleo_no_importa_ninguna_app_de_etapa():
    """Every module under pmggt/ reaches stage code only through the registry."""
    raiz = Path(settings.BASE_DIR) / "pmggt"
    infracciones = []
    for ruta in sorted(raiz.rglob("*.py")):
        arbol = ast.parse(ruta.read_text(encoding="utf-8"), filename=str(ruta))
        for nodo in ast.walk(arbol):
            if isinstance(nodo, ast.Import):
                nombres = [a.name for a in nodo.names]
            elif isinstance(nodo, ast.ImportFrom) and nodo.level == 0 and nodo.module:
                nombres = [nodo.module]
            else:
                continue
            for nombre in nombres:
                if nombre.split(".")[0] in APPS_DE_ETAPA:
                    infracciones.append(f"{ruta.relative_to(raiz.parent)}:{nodo.lineno} {nombre}")
        texto = ruta.read_text(encoding="utf-8")
        for app in APPS_DE_ETAPA:
            # import_module("diagnostico…") would hide an import from the check above.
            if f'import_module("{app}' in texto or f"import_module('{app}" in texto:
                infracciones.append(f"{ruta.relative_to(raiz.parent)}: import_module {app}")
    assert infracciones == []


# --- A minimal second stage, registered only for these tests ---------------------------------


def _contenido(documento):
    return {"texto": f"Plan de {documento.servicio.sigla}"}


ETAPA_PRUEBA = etapas.EtapaDef(
    numero=Documento.Etapa.PLAN,
    titulo="Etapa II – Plan y Programa de Trabajo",
    nombre="Plan de prueba",
    requiere=Documento.Etapa.DIAGNOSTICO,
    contenido=_contenido,
    aplanar=lambda c: [("texto", "Texto", c["texto"])],
    validar_envio=lambda documento: [],
    plantilla="pmggt/_texto.html",
    contexto=lambda documento, observaciones, usuario: {},
    puede_solicitar_modificacion=lambda documento: (
        "El plan de prueba no se modifica." if documento.ciclo.anio == 2009 else None
    ),
)


@pytest.fixture
def etapa_dos():
    ya = etapas.disponible(ETAPA_PRUEBA.numero)
    previa = etapas.de(ETAPA_PRUEBA.numero) if ya else None
    etapas.registrar(ETAPA_PRUEBA)
    yield ETAPA_PRUEBA
    if previa is not None:
        etapas.registrar(previa)
    else:
        etapas.quitar(ETAPA_PRUEBA.numero)


def _botones_iniciar(client, usuario) -> str:
    client.force_login(usuario)
    respuesta = client.get(reverse("pmggt:mis_pendientes"))
    assert respuesta.status_code == 200
    return respuesta.content.decode()


def test_etapa_dos_no_se_crea_antes_del_diagnostico_visado(mundo, etapa_dos, client):
    diagnostico = crear_diagnostico(mundo)
    for estado in (Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION):
        llevar_a(mundo, diagnostico, estado)
        with pytest.raises(EstadoInvalido, match="Visada"):
            services.documento_crear(
                servicio=mundo.servicio, ciclo=mundo.ciclo, etapa=2, actor=mundo.encargada
            )
        assert not Documento.objects.filter(servicio=mundo.servicio, etapa=2).exists()
        pagina = _botones_iniciar(client, mundo.encargada)
        assert "Iniciar Plan de prueba" not in pagina
        # Nor through the web form, posted by hand.
        respuesta = client.post(
            reverse("pmggt:documento_crear"),
            {"servicio": mundo.servicio.pk, "ciclo": mundo.ciclo.pk, "etapa": 2},
            follow=True,
        )
        assert "Visada" in respuesta.content.decode()
        assert not Documento.objects.filter(servicio=mundo.servicio, etapa=2).exists()
    llevar_a(mundo, diagnostico, Estado.VISADO)
    assert "Iniciar Plan de prueba 2009" in _botones_iniciar(client, mundo.encargada)
    plan = services.documento_crear(
        servicio=mundo.servicio, ciclo=mundo.ciclo, etapa=2, actor=mundo.encargada
    )
    assert plan.estado == Estado.BORRADOR
    assert "Iniciar Plan de prueba" not in _botones_iniciar(client, mundo.encargada)


def test_modificacion_de_visado_segun_la_regla_de_la_etapa(mundo, etapa_dos):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    plan = services.documento_crear(
        servicio=mundo.servicio, ciclo=mundo.ciclo, etapa=2, actor=mundo.encargada
    )
    plan = llevar_a(mundo, plan, Estado.VISADO)
    # The test stage refuses modifications in 2009: not offered, and refused if posted.
    assert workflow.Accion.SOLICITAR_MODIFICACION not in workflow.acciones_disponibles(
        plan, mundo.encargada
    )
    with pytest.raises(EstadoInvalido, match="no se modifica"):
        workflow.solicitar_modificacion(documento=plan, actor=mundo.encargada, comentario="X")
    plan.refresh_from_db()
    assert plan.estado == Estado.VISADO
    # Etapa I declares no rule: a visado Diagnóstico may always be reopened.
    diagnostico = Documento.objects.get(servicio=mundo.servicio, etapa=1)
    assert workflow.Accion.SOLICITAR_MODIFICACION in workflow.acciones_disponibles(
        diagnostico, mundo.encargada
    )


def test_lectura_del_contenido_visado_de_otra_etapa(mundo):
    documento = crear_diagnostico(mundo, mision="Misión visada.")
    assert versiones.contenido_visado(mundo.servicio, mundo.ciclo, 1) is None  # a draft
    llevar_a(mundo, documento, Estado.EN_VISACION)
    assert versiones.contenido_visado(mundo.servicio, mundo.ciclo, 1) is None  # not visado
    llevar_a(mundo, documento, Estado.VISADO)
    contenido, version = versiones.contenido_visado(mundo.servicio, mundo.ciclo, 1)
    assert contenido["mision"] == "Misión visada."
    assert version.numero == 1
    # A modification in progress does not change what later stages read.
    workflow.solicitar_modificacion(documento=documento, actor=mundo.encargada, comentario="X")
    from diagnostico.models import Diagnostico

    Diagnostico.objects.filter(documento=documento).update(mision="Borrador nuevo.")
    contenido, _ = versiones.contenido_visado(mundo.servicio, mundo.ciclo, 1)
    assert contenido["mision"] == "Misión visada."
    assert versiones.contenido_visado(mundo.otro_servicio, mundo.ciclo, 1) is None


def test_exportar_informe_listar_los_informes_registrados():
    salida = io.StringIO()
    call_command("exportar_informe", "--listar", stdout=salida)
    lineas = salida.getvalue().splitlines()
    nombres = [linea.split()[0] for linea in lineas]
    assert nombres == [i.nombre for _, i in etapas.informes()]
    assert {"cuadro1", "cuadro2", "etapa1", "cuadros"} <= set(nombres)
    assert any("Etapa I – Diagnóstico" in linea and ".pdf" in linea for linea in lineas)
    assert any(linea.startswith("cuadros") and ".xlsx" in linea for linea in lineas)


def test_un_nombre_de_informe_no_se_repite_entre_etapas():
    cuadro1 = etapas.buscar_informe("cuadro1")[1]
    otra = etapas.EtapaDef(
        numero=9,
        titulo="Etapa de prueba",
        contenido=_contenido,
        aplanar=lambda c: [],
        validar_envio=lambda d: [],
        plantilla="pmggt/_texto.html",
        contexto=lambda *a: {},
        informes=(cuadro1,),
    )
    with pytest.raises(ValueError, match="cuadro1"):
        etapas.registrar(otra)
    assert not etapas.disponible(9)
