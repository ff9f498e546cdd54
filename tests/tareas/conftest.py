"""Task tests against a real Redis broker and a real Celery worker.

The broker is ``PMGGT_REDIS_PRUEBAS`` (``.ci/run`` exports ``redis://127.0.0.1:6379/15``), or
that same address when unset. When Redis does not answer, the tests are skipped with the
reason, except in CI (``PMGGT_REDIS_PRUEBAS`` set), where they fail: CI must run them.
"""

import logging
import os
import uuid

import pytest

REDIS_POR_OMISION = "redis://127.0.0.1:6379/15"


def _redis_responde(url: str) -> str | None:
    """None if Redis answers at url, else why not."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping()
    except Exception as exc:  # connection refused, DNS, auth…
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def redis_pruebas() -> str:
    url = os.environ.get("PMGGT_REDIS_PRUEBAS", "").strip()
    exigido = bool(url)
    url = url or REDIS_POR_OMISION
    motivo = _redis_responde(url)
    if motivo is not None:
        mensaje = f"Redis no responde en {url} ({motivo})"
        if exigido:
            pytest.fail(f"{mensaje}: PMGGT_REDIS_PRUEBAS está definida, la prueba debe correr.")
        pytest.skip(f"{mensaje}: defina PMGGT_REDIS_PRUEBAS o levante redis-server.")
    return url


@pytest.fixture
def app_con_broker(redis_pruebas):
    """pmggt's Celery app sending to the real Redis, not eager, on a queue of this test only
    (pytest-xdist workers share the Redis database: none takes another's tasks)."""
    from pmggt.celery import app

    cola = f"pmggt-pruebas-{uuid.uuid4().hex}"
    cambios = {
        "broker_url": redis_pruebas,
        "task_always_eager": False,
        "task_default_queue": cola,
        "broker_connection_retry_on_startup": False,
    }
    anteriores = {clave: app.conf.get(clave) for clave in cambios}
    app.conf.update(cambios)
    _olvidar_conexiones(app)
    # The embedded worker sets up Celery's logging (the root logger's level and handlers):
    # leave them as they were for the tests that follow (caplog).
    raiz = logging.getLogger()
    nivel, manejadores = raiz.level, list(raiz.handlers)
    try:
        yield app
    finally:
        raiz.setLevel(nivel)
        raiz.handlers[:] = manejadores
        with app.connection_for_write() as conexion:
            conexion.default_channel.queue_delete(cola)
        app.conf.update(anteriores)
        _olvidar_conexiones(app)


def _olvidar_conexiones(app) -> None:
    """Drop the app's broker connection pools: the next use opens them with the new URL."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps its own registry of connection and producer pools per broker URL: a pool
    # closed above must not be handed out again (the eager tasks of later tests acquire one).
    from kombu import pools

    pools.reset()
