"""Keep-alive for the session-expiry warning (static/pmggt/pmggt.js)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from .middleware import renovar, sesion_restante


@require_POST
@login_required
def sesion_mantener(request):
    """«Seguir trabajando»: renews the inactivity expiry now; the absolute limit stays where
    it was.

    204 has no body, so the seconds left travel as JSON in the X-Sesion-Restante header.
    """
    renovar(request)
    respuesta = HttpResponse(status=204)
    respuesta["X-Sesion-Restante"] = json.dumps(sesion_restante(request))
    return respuesta
