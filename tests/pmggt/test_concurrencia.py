"""Two concurrent transitions on one document: the row lock lets exactly one through."""

import threading

import pytest
from django.db import connection, connections

from pmggt import workflow
from pmggt.models import Documento, Transicion
from tests.conftest import construir_mundo, crear_diagnostico, llevar_a


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_dos_aprobar_concurrentes_dan_una_sola_transicion():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite ignora select_for_update: la concurrencia se prueba en PostgreSQL")
    mundo = construir_mundo()
    documento = llevar_a(mundo, crear_diagnostico(mundo), Documento.Estado.EN_REVISION_JEFE)
    barrera = threading.Barrier(2)
    resultados = []

    def aprobar():
        try:
            barrera.wait(timeout=10)
            workflow.aprobar(documento=documento, actor=mundo.jefe, version=1)
            resultados.append("ok")
        except workflow.ErrorFlujo as exc:
            resultados.append(type(exc).__name__)
        finally:
            connections.close_all()

    hilos = [threading.Thread(target=aprobar) for _ in range(2)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(timeout=30)

    assert sorted(resultados) == ["EstadoInvalido", "ok"]
    assert Transicion.objects.filter(documento=documento, accion="aprobar").count() == 1
    documento.refresh_from_db()
    assert documento.estado == Documento.Estado.EN_VISACION
