"""Refusals hold in every state: each URL of the permission matrix, for every persona it refuses,
in Borrador, En revisión, En visación, Visado and with a modification in progress, answers
403/404/login and changes no row of any table (history included).

The matrix (test_matriz_permisos) proves who may do what in each case's own state; this proves
that the refusals do not depend on the state. One document is built per case and state and
every refused persona tries it in turn (a refusal leaves the document as it was).

Outsiders always get 404 and anonymous visitors the login page. An insider refused in the
matrix gets 403 — or, where she holds the right for this action in another state (the Experta
returns documents, but only En visación), the state's refusal: 400/409 with its message.
"""

import pytest
from django.test import Client

from pmggt import workflow
from pmggt.models import Documento, Observacion
from tests.conftest import crear_diagnostico, huella_bd, llevar_a
from tests.pmggt.test_matriz_permisos import CASOS, LOGIN, _url

Estado = Documento.Estado
MODIFICACION = "modificacion"
ESTADOS = [
    Estado.BORRADOR,
    Estado.EN_REVISION_JEFE,
    Estado.EN_VISACION,
    Estado.VISADO,
    MODIFICACION,
]
RECHAZOS = (403, 404, LOGIN)
# Pages that are not about the document (lists, creating one): the matrix's own answer holds.
SIN_DOCUMENTO = {"pmggt:mis_pendientes", "pmggt:documento_lista", "pmggt:documento_crear"}
LISTAS = {"pmggt:mis_pendientes", "pmggt:documento_lista"}  # they refuse nobody signed in
CASOS_CON_DOCUMENTO = [c for c in CASOS if c.estado is not None and c.nombre not in LISTAS]
EXTERNOS = {"intruso", "experta_ajena", "gore_ajeno"}
POR_ESTADO = (400, 403, 409)


def _documento_en(mundo, estado, *, plan=False):
    from tests.planes.fabricas import crear_plan

    documento = crear_plan(mundo) if plan else crear_diagnostico(mundo)
    if estado == MODIFICACION:
        llevar_a(mundo, documento, Estado.VISADO)
        workflow.solicitar_modificacion(
            documento=documento, actor=mundo.encargada, comentario="Ajuste."
        )
        documento.refresh_from_db()
        return documento
    return llevar_a(mundo, documento, estado)


def _preparar(caso, mundo, documento):
    if caso.nombre == "pmggt:observacion_resolver":
        # An open observación in any state (a return needs a state that allows it).
        Observacion.objects.create(
            documento=documento, version=documento.version_actual, autor=mundo.experta, texto="X"
        )
    elif caso.preparar:
        caso.preparar(mundo, documento)
    documento.refresh_from_db()


def _esperado(caso, persona, estado):
    """The refusal expected in this state, or None if this persona is not refused here."""
    base = caso.esperado[persona]
    if persona == "gore" and caso.nombre not in SIN_DOCUMENTO:
        visado = estado in (Estado.VISADO, MODIFICACION)
        if not visado:
            return 403  # nothing of a document is a GORE's before its first V°B°
        if caso.metodo == "post" or (caso.estado == Estado.VISADO and base == 403):
            return 403
        return None
    return base if base in RECHAZOS else None


def _permitida_aqui(caso, documento, usuario) -> bool:
    """A chain action refused in the matrix's state may be this persona's in this one (the
    Experta returns En visación what the Jefe returns En revisión)."""
    if usuario is None or caso.nombre != "pmggt:documento_accion":
        return False
    documento.refresh_from_db()
    return caso.kwargs["accion"] in workflow.acciones_disponibles(documento, usuario)


@pytest.mark.parametrize("estado", ESTADOS)
@pytest.mark.parametrize("caso", CASOS_CON_DOCUMENTO, ids=lambda c: c.id)
def test_rechazos_en_todo_estado(mundo, caso, estado):
    documento = _documento_en(mundo, estado, plan=caso.plan)
    _preparar(caso, mundo, documento)
    url = _url(caso, mundo, documento)
    datos = caso.datos(mundo, documento) if callable(caso.datos) else (caso.datos or {})
    probados = 0
    for persona in [*mundo.personas, "anonimo"]:
        esperado = _esperado(caso, persona, estado)
        if esperado is None or _permitida_aqui(caso, documento, mundo.personas.get(persona)):
            continue
        cliente = Client()
        if persona != "anonimo":
            cliente.force_login(mundo.personas[persona])
        antes = huella_bd()
        respuesta = getattr(cliente, caso.metodo)(url, datos)
        if esperado == LOGIN:
            assert respuesta.status_code == 302, persona
            assert "/cuentas/ingresar/" in respuesta["Location"], persona
        elif esperado == 403 and persona not in EXTERNOS:
            assert respuesta.status_code in POR_ESTADO, (persona, respuesta.content[:300])
        else:
            assert respuesta.status_code == esperado, (persona, respuesta.content[:300])
        assert huella_bd() == antes, f"{persona}: una solicitud rechazada cambió la base de datos"
        probados += 1
    assert probados >= 4  # at least the outsiders and the anonymous visitor
