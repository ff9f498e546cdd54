"""The approval chain: every (state × action × persona) either succeeds and is recorded, or is
refused and changes nothing."""

import pytest
from django.core import mail

from pmggt import workflow
from pmggt.models import Documento, Observacion, Transicion, VersionDocumento
from tests.conftest import (
    PERSONAS,
    crear_diagnostico,
    estado_documento,
    huella_bd,
    llevar_a,
    mundo_con_documento_en,
    mundo_segun_la_prueba,
)
from tests.fabricas import CicloFactory

Estado = Documento.Estado
Accion = Transicion.Accion

PERMITIDAS = {
    (Estado.BORRADOR, Accion.ENVIAR, "encargada"): Estado.EN_REVISION_JEFE,
    (Estado.EN_REVISION_JEFE, Accion.APROBAR, "jefe"): Estado.EN_VISACION,
    (Estado.EN_REVISION_JEFE, Accion.DEVOLVER, "jefe"): Estado.BORRADOR,
    (Estado.EN_VISACION, Accion.VISAR, "experta"): Estado.VISADO,
    (Estado.EN_VISACION, Accion.DEVOLVER, "experta"): Estado.BORRADOR,
    (Estado.VISADO, Accion.SOLICITAR_MODIFICACION, "encargada"): Estado.BORRADOR,
}
ACCIONES = [
    Accion.ENVIAR,
    Accion.APROBAR,
    Accion.DEVOLVER,
    Accion.VISAR,
    Accion.SOLICITAR_MODIFICACION,
]


def _argumentos(accion, documento):
    kwargs = {}
    if accion in workflow.ACCIONES_SOBRE_VERSION:
        kwargs["version"] = documento.version_actual
    if accion == Accion.DEVOLVER:
        kwargs["observaciones"] = [{"texto": "Corregir la misión.", "campo": "mision"}]
    if accion == Accion.SOLICITAR_MODIFICACION:
        kwargs["comentario"] = "Ajuste del plan en Etapa III."
    return kwargs


def _mundo_del_estado(item):
    """The personas' world with documento_en(estado) already made: once per worker and state."""
    return mundo_con_documento_en(item.callspec.params["estado"])


mundo_del_estado = mundo_segun_la_prueba(_mundo_del_estado)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("accion", ACCIONES)
@pytest.mark.parametrize("estado", list(Estado))
def test_cada_estado_accion_persona(mundo_del_estado, estado, accion, persona):
    mundo = mundo_del_estado
    documento = mundo.documento  # documento_en(estado), see _mundo_del_estado
    assert documento.estado == estado
    actor = mundo.personas[persona]
    antes = huella_bd()
    estado_antes = estado_documento(documento)
    destino = PERMITIDAS.get((estado, accion, persona))
    ejecutar = workflow.EJECUTORES[accion]
    mail.outbox.clear()

    if destino is None:
        with pytest.raises(workflow.ErrorFlujo):
            ejecutar(documento=documento, actor=actor, **_argumentos(accion, documento))
        assert estado_documento(documento) == estado_antes
        assert huella_bd() == antes
        assert mail.outbox == []
        return

    transicion = ejecutar(documento=documento, actor=actor, **_argumentos(accion, documento))
    documento.refresh_from_db()
    assert documento.estado == destino
    assert transicion.pk is not None
    registrada = Transicion.objects.get(pk=transicion.pk)
    assert (registrada.accion, registrada.actor, registrada.estado_origen) == (
        accion,
        actor,
        estado,
    )
    assert registrada.estado_destino == destino
    assert registrada.version == documento.version_actual
    assert registrada.fecha is not None
    # The acting user is in the document's history too.
    assert documento.history.latest().history_user == actor


def test_acciones_disponibles_coinciden_con_las_permitidas(mundo):
    for i, estado in enumerate(Estado):
        ciclo = CicloFactory(anio=2010 + i)
        documento = llevar_a(mundo, crear_diagnostico(mundo, ciclo=ciclo), estado)
        for persona in PERSONAS:
            esperadas = {accion for (e, accion, p) in PERMITIDAS if e == estado and p == persona}
            obtenidas = set(workflow.acciones_disponibles(documento, mundo.personas[persona]))
            assert obtenidas == esperadas, (estado, persona)


def test_enviar_congela_una_version_con_hash(mundo):
    documento = crear_diagnostico(mundo, mision="Misión A", objetivos=["Uno", "Dos"])
    workflow.enviar(documento=documento, actor=mundo.encargada)
    version = VersionDocumento.objects.get(documento=documento, numero=1)
    assert version.contenido["mision"] == "Misión A"
    assert version.contenido["objetivos_estrategicos"] == [
        {"numero": 1, "descripcion": "Uno"},
        {"numero": 2, "descripcion": "Dos"},
    ]
    import hashlib
    import json

    canonico = json.dumps(
        version.contenido, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    assert version.sha256 == hashlib.sha256(canonico.encode()).hexdigest()
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(ValueError):
        version.delete()


def test_enviar_exige_contenido_minimo(mundo):
    documento = crear_diagnostico(mundo, mision="  ", objetivos=[])
    with pytest.raises(workflow.DatosInvalidos, match="misión"):
        workflow.enviar(documento=documento, actor=mundo.encargada)
    assert estado_documento(documento) == (Estado.BORRADOR, 0, None)
    assert not VersionDocumento.objects.filter(documento=documento).exists()


def test_devolver_exige_observacion_y_las_adjunta(mundo, documento_en):
    documento = documento_en(Estado.EN_REVISION_JEFE)
    with pytest.raises(workflow.DatosInvalidos, match="al menos una observación"):
        workflow.devolver(documento=documento, actor=mundo.jefe, version=1, observaciones=[])
    with pytest.raises(workflow.DatosInvalidos):
        workflow.devolver(
            documento=documento, actor=mundo.jefe, version=1, observaciones=[{"texto": "   "}]
        )
    assert estado_documento(documento)[0] == Estado.EN_REVISION_JEFE
    transicion = workflow.devolver(
        documento=documento,
        actor=mundo.jefe,
        version=1,
        observaciones=[{"texto": "Precisar el objetivo 1.", "campo": "objetivo:1"}],
    )
    obs = Observacion.objects.get(documento=documento)
    assert (obs.autor, obs.campo, obs.version, obs.transicion) == (
        mundo.jefe,
        "objetivo:1",
        1,
        transicion,
    )
    assert not obs.resuelta


def test_no_se_reenvia_con_observaciones_sin_resolver(mundo, documento_en):
    from pmggt import services

    documento = documento_en(Estado.EN_REVISION_JEFE)
    workflow.devolver(
        documento=documento, actor=mundo.jefe, version=1, observaciones=[{"texto": "Falta X."}]
    )
    with pytest.raises(workflow.DatosInvalidos, match="sin resolver"):
        workflow.enviar(documento=documento, actor=mundo.encargada)
    obs = Observacion.objects.get(documento=documento)
    services.observacion_resolver(observacion=obs, actor=mundo.encargada)
    workflow.enviar(documento=documento, actor=mundo.encargada)
    documento.refresh_from_db()
    assert (documento.estado, documento.version_actual) == (Estado.EN_REVISION_JEFE, 2)


def test_version_obsoleta_rechazada(mundo, documento_en):
    documento = documento_en(Estado.EN_REVISION_JEFE)
    workflow.devolver(
        documento=documento, actor=mundo.jefe, version=1, observaciones=[{"texto": "Revisar."}]
    )
    from pmggt import services

    services.observacion_resolver(
        observacion=Observacion.objects.get(documento=documento), actor=mundo.encargada
    )
    workflow.enviar(documento=documento, actor=mundo.encargada)  # now v2
    antes = huella_bd()
    with pytest.raises(workflow.VersionObsoleta, match="versión 1 ya no es la vigente"):
        workflow.aprobar(documento=documento, actor=mundo.jefe, version=1)
    assert huella_bd() == antes
    workflow.aprobar(documento=documento, actor=mundo.jefe, version=2)
    with pytest.raises(workflow.VersionObsoleta):
        workflow.visar(documento=documento, actor=mundo.experta, version=1)
    assert estado_documento(documento) == (Estado.EN_VISACION, 2, None)


def test_solicitar_modificacion_conserva_la_version_visada(mundo, documento_en):
    documento = documento_en(Estado.VISADO)
    with pytest.raises(workflow.DatosInvalidos, match="motivo"):
        workflow.solicitar_modificacion(documento=documento, actor=mundo.encargada, comentario="")
    workflow.solicitar_modificacion(
        documento=documento, actor=mundo.encargada, comentario="Modificar el programa."
    )
    documento.refresh_from_db()
    assert (documento.estado, documento.version_actual, documento.version_visada) == (
        Estado.BORRADOR,
        1,
        1,
    )
    llevar_a(mundo, documento, Estado.VISADO)
    documento.refresh_from_db()
    assert (documento.version_actual, documento.version_visada) == (2, 2)
    assert VersionDocumento.objects.filter(documento=documento).count() == 2


def test_notifica_a_quien_actua_despues(mundo, documento_en, django_capture_on_commit_callbacks):
    documento = documento_en(Estado.BORRADOR)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.enviar(documento=documento, actor=mundo.encargada)
    assert [m.to for m in mail.outbox] == [[mundo.jefe.email]]
    assert "Diagnóstico 2009" in mail.outbox[0].subject
    assert f"/documentos/{documento.pk}/" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.aprobar(documento=documento, actor=mundo.jefe, version=1)
    assert [m.to for m in mail.outbox] == [[mundo.experta.email]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.devolver(
            documento=documento, actor=mundo.experta, version=1, observaciones=[{"texto": "X"}]
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [mundo.encargada.email, mundo.centro_i.email, mundo.centro_ii.email]
    )
