import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmggt.settings")
application = get_wsgi_application()

# Start-up's long-lived objects (modules, settings, the URL patterns) are moved out of the
# garbage collector's reach, so its full collections during requests no longer walk them all.
get_resolver().url_patterns  # noqa: B018 (imports every view module now)
gc.freeze()
