"""Test settings: development defaults, fast hashing, in-memory e-mail."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "1")

from pmggt.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Stored PDFs of visado versions (pmggt.informes.cache): off, so that each test sees its own
# renders; tests/pmggt/test_cache_pdf.py turns it on with a MEDIA_ROOT of its own.
PMGGT_PDF_CACHE = False
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="pmggt-media-"))
# Tasks run in-process in tests whatever the environment says; tests/tareas/test_worker.py
# drives a real worker on the Redis named by PMGGT_REDIS_PRUEBAS.
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
