"""Nobody acts twice on one version: who sent it does not approve it, who approved it does not
visar it (a user holding two roles acts in one of them on each version)."""

import pytest
from django.urls import reverse

from pmggt import services, workflow
from pmggt.models import Documento, GrupoRol, Transicion
from tests.conftest import crear_diagnostico, estado_documento, huella_bd, llevar_a

Estado = Documento.Estado
Accion = Transicion.Accion
Tipo = GrupoRol.Tipo


@pytest.fixture
def doble_rol(mundo):
    """The Encargada GT of Servicio A is also its Jefa; the Jefe is also its Experto."""
    services.rol_asignar(usuario=mundo.encargada, tipo=Tipo.JEFE, objeto=mundo.servicio)
    services.rol_asignar(usuario=mundo.jefe, tipo=Tipo.EXPERTO, objeto=mundo.servicio)
    return mundo


def _fresco(usuario):
    return type(usuario).objects.get(pk=usuario.pk)  # permission caches live on the instance


def test_quien_envia_no_aprueba_ni_devuelve_su_version(doble_rol, client):
    m = doble_rol
    doc = crear_diagnostico(m)
    workflow.enviar(documento=doc, actor=m.encargada)
    doc.refresh_from_db()
    encargada = _fresco(m.encargada)
    acciones = workflow.acciones_disponibles(doc, encargada)
    assert Accion.APROBAR not in acciones and Accion.DEVOLVER not in acciones
    antes, estado = huella_bd(), estado_documento(doc)
    with pytest.raises(workflow.MismaPersona, match="otra persona"):
        workflow.aprobar(documento=doc, actor=encargada, version=doc.version_actual)
    with pytest.raises(workflow.MismaPersona):
        workflow.devolver(
            documento=doc,
            actor=encargada,
            version=doc.version_actual,
            observaciones=[{"texto": "Me devuelvo a mí misma"}],
        )
    assert huella_bd() == antes and estado_documento(doc) == estado
    # Through the web: refused with the message, nothing changes.
    client.force_login(encargada)
    antes = huella_bd()  # the login itself is recorded
    respuesta = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "aprobar"]),
        {"aprobar-version": str(doc.version_actual)},
        follow=True,
    )
    assert "otra persona" in respuesta.content.decode()
    assert huella_bd() == antes and estado_documento(doc) == estado
    # Another Jefe/a approves it.
    workflow.aprobar(documento=doc, actor=_fresco(m.jefe), version=doc.version_actual)
    doc.refresh_from_db()
    assert doc.estado == Estado.EN_VISACION


def test_quien_aprueba_no_visa_la_misma_version(doble_rol):
    m = doble_rol
    doc = llevar_a(m, crear_diagnostico(m), Estado.EN_VISACION)  # the Jefe approved it
    jefe = _fresco(m.jefe)
    assert Accion.VISAR not in workflow.acciones_disponibles(doc, jefe)
    antes = huella_bd()
    with pytest.raises(workflow.MismaPersona, match="aprobó la versión 1"):
        workflow.visar(documento=doc, actor=jefe, version=doc.version_actual)
    assert huella_bd() == antes
    workflow.visar(documento=doc, actor=_fresco(m.experta), version=doc.version_actual)
    doc.refresh_from_db()
    assert doc.estado == Estado.VISADO


def test_una_version_nueva_vuelve_a_permitir_a_cada_uno_su_paso(doble_rol):
    """The rule is per version: the Jefe who returned v1 approves v2 sent by the Encargada."""
    m = doble_rol
    doc = llevar_a(m, crear_diagnostico(m), Estado.EN_REVISION_JEFE)
    jefe = _fresco(m.jefe)
    workflow.devolver(
        documento=doc, actor=jefe, version=1, observaciones=[{"texto": "Completar la misión."}]
    )
    for obs in doc.observaciones.all():
        services.observacion_resolver(observacion=obs, actor=_fresco(m.encargada))
    workflow.enviar(documento=doc, actor=_fresco(m.encargada))
    doc.refresh_from_db()
    workflow.aprobar(documento=doc, actor=_fresco(m.jefe), version=2)
    doc.refresh_from_db()
    assert doc.estado == Estado.EN_VISACION
