"""The Celery application of PMG-GT: background work (``pmggt.tareas``).

Settings come from Django's (``CELERY_*``, pmggt/settings.py). Without ``CELERY_BROKER_URL``
(the embedded demo, development, tests) every task runs in-process when it is enqueued
(``CELERY_TASK_ALWAYS_EAGER``), so ``make demo`` needs no other service; with a broker
(production: Redis) tasks go to ``celery -A pmggt worker`` processes on any number of machines,
and ``celery -A pmggt beat`` enqueues the daily reminders (docs/despliegue.md).
"""

import copy
import multiprocessing
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmggt.settings")

app = Celery("pmggt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["pmggt"], related_name="tareas")


@worker_process_init.connect
def _permitir_procesos_de_render(**kwargs):
    """A prefork pool's child (billiard) hands ``multiprocessing`` its own record of the current
    process: daemonic, with billiard's authentication key, so ``multiprocessing`` would refuse
    to start (or to pickle) the PDF renders' processes (``pmggt.informes.pdf``). Give
    ``multiprocessing`` a copy of it that is not daemonic and holds a key of its own; billiard
    keeps its record untouched. The pool still ends its children, and each render has its own
    time and memory caps."""
    actual = multiprocessing.current_process()
    propio = copy.copy(actual)
    propio._config = {
        **actual._config,
        "authkey": multiprocessing.process.AuthenticationString(os.urandom(32)),
    }
    propio._config.pop("daemon", None)
    multiprocessing.process._current_process = propio
