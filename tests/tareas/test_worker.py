"""A task through the real queue: ``construir_dossier.delay()`` goes to Redis, a real Celery
worker (in a thread, pool "solo") takes it and builds the dossier in the test database.

The test is transactional: the worker's thread opens its own database connection, which sees
only committed rows (on SQLite the test database is in memory with a shared cache, as
Django's live server uses it; on PostgreSQL it is the test database).
"""

import hashlib
import io
import threading
import zipfile

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.files.storage import default_storage

from pmggt import tareas
from pmggt.models import Documento, Dossier
from tests.conftest import construir_mundo, crear_diagnostico, llevar_a

ESPERA = 15  # seconds


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_construir_dossier_pasa_por_redis_y_un_worker(app_con_broker, media, pdf_simulado):
    m = construir_mundo()
    llevar_a(m, crear_diagnostico(m), Documento.Estado.VISADO)
    d = Dossier.objects.create(servicio=m.servicio, ciclo=m.ciclo, solicitado_por=m.experta)
    terminadas = []
    listo = threading.Event()

    def al_terminar(sender=None, task_id=None, retval=None, **kwargs):
        terminadas.append((sender.name, threading.current_thread().name, retval))
        listo.set()

    task_postrun.connect(al_terminar, weak=False)
    try:
        with start_worker(app_con_broker, pool="solo", perform_ping_check=False):
            resultado = tareas.construir_dossier.delay(d.pk)
            # The worker runs it in its own thread; the test's thread does not touch the
            # database meanwhile (SQLite's shared cache locks tables, it does not wait).
            assert listo.wait(ESPERA), "el worker no terminó la tarea a tiempo"
    finally:
        task_postrun.disconnect(al_terminar)

    nombre, hilo, estado = terminadas[0]
    assert (nombre, estado) == ("pmggt.tareas.construir_dossier", Dossier.Estado.LISTO)
    assert hilo != threading.current_thread().name  # not eager: the worker ran it
    assert resultado.id
    d.refresh_from_db()
    assert (d.estado, d.progreso, d.error) == (Dossier.Estado.LISTO, 100, "")
    with default_storage.open(d.archivo.name, "rb") as f:
        datos = f.read()
    assert hashlib.sha256(datos).hexdigest() == d.sha256
    nombres = zipfile.ZipFile(io.BytesIO(datos)).namelist()
    assert "SERV-A-2009/etapa-1-diagnostico/SERV-A-2009-etapa1.pdf" in nombres
    assert "SERV-A-2009/indice.csv" in nombres
    assert len(pdf_simulado) == 4  # cuadro1, cuadro2, etapa1, observaciones
