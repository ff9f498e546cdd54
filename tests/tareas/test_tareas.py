"""The tasks and their settings, without a broker (eager, as in the demo and the tests)."""

from celery.schedules import crontab
from django.conf import settings

from pmggt import recordatorios, tareas
from pmggt.celery import app


def test_sin_broker_las_tareas_corren_en_el_mismo_proceso(monkeypatch):
    llamadas = []
    monkeypatch.setattr(recordatorios, "ejecutar", lambda: llamadas.append("hoy") or {"n": 0})
    tareas.recordatorios_diarios.delay()
    assert llamadas == ["hoy"]
    assert settings.CELERY_BROKER_URL == "" and app.conf.task_always_eager


def test_beat_encola_los_recordatorios_a_las_7_de_chile():
    programa = settings.CELERY_BEAT_SCHEDULE["recordatorios-diarios"]
    assert programa["task"] == tareas.recordatorios_diarios.name
    assert programa["task"] in app.tasks
    assert programa["schedule"] == crontab(hour=7, minute=0)
    assert app.conf.timezone == "America/Santiago"


def test_configuracion_de_los_workers():
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
    assert {"pmggt.tareas.construir_dossier", "pmggt.tareas.generar_informes_visados"} <= set(
        app.tasks
    )
