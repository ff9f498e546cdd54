"""Request-wide security: refusal logging, no-store HTML, and the absolute session lifetime."""

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.cache import patch_cache_control

from . import seguridad

# Session key holding the login time (a POSIX timestamp), set on user_logged_in (signals.py).
CLAVE_INGRESO = "pmggt_ingreso"
# When the inactivity expiry was last renewed: a request renews it (one session write) only
# when this is older than RENOVAR_CADA seconds, not on every request.
CLAVE_RENOVADA = "pmggt_renovada"
RENOVAR_CADA = 60

MENSAJE_SESION_MAXIMA = (
    "Su sesión se cerró porque alcanzó el tiempo máximo de {horas} horas. Ingrese nuevamente "
    "para continuar."
)
MENSAJE_SESION_EXPIRADA = "Su sesión expiró por inactividad. Ingrese nuevamente para continuar."

MOTIVOS = {403: "acceso denegado", 404: "no encontrado"}


class SeguridadMiddleware:
    """Log every 403/404 on pmggt.seguridad, and keep HTML out of every cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in MOTIVOS:
            motivo = getattr(request, "_pmggt_motivo_rechazo", "") or MOTIVOS[response.status_code]
            seguridad.registrar(
                "acceso_denegado" if response.status_code == 403 else "no_encontrado",
                request,
                motivo,
                status=response.status_code,
            )
        if response.get("Content-Type", "").startswith("text/html"):
            # Pages show documents and names: no browser or proxy may keep a copy (back button
            # after logout, shared computers).
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied | Http404):
            request._pmggt_motivo_rechazo = str(exception)
        return None


def maximo_segundos() -> int:
    return int(float(settings.PMGGT_SESION_MAXIMA_HORAS) * 3600)


def ingreso(request) -> float | None:
    valor = request.session.get(CLAVE_INGRESO)
    return float(valor) if isinstance(valor, int | float) else None


def registrar_ingreso(request) -> None:
    request.session[CLAVE_INGRESO] = timezone.now().timestamp()
    renovar(request)


def renovar(request) -> None:
    """Renew the inactivity expiry: the session is saved (with a new expiry) on the way out."""
    request.session[CLAVE_RENOVADA] = timezone.now().timestamp()


def _renovar_si_toca(request) -> None:
    renovada = request.session.get(CLAVE_RENOVADA)
    if (
        not isinstance(renovada, int | float)
        or timezone.now().timestamp() - renovada >= RENOVAR_CADA
    ):
        renovar(request)


def sesion_restante(request) -> dict:
    """Seconds until each expiry of the current session, and the local time of the last one."""
    inicio = ingreso(request)
    if inicio is None:
        inicio = timezone.now().timestamp()
    ahora = timezone.now().timestamp()
    fin = inicio + maximo_segundos()
    absoluta = max(0, int(fin - ahora))
    renovada = request.session.get(CLAVE_RENOVADA)
    inactividad = request.session.get_expiry_age()
    if isinstance(renovada, int | float):
        inactividad = max(0, round(inactividad - (ahora - renovada)))
    cierre = timezone.localtime(datetime.fromtimestamp(fin, tz=UTC))
    return {
        # Requests renew the inactivity expiry at most once a minute (RENOVAR_CADA).
        "inactividad": min(inactividad, absoluta),
        "absoluta": absoluta,
        "cierre": cierre.strftime("%H:%M"),
        # UTC offset of the site's time zone, so the page tells times as the server does.
        "zona": int(cierre.utcoffset().total_seconds() // 60),
    }


def _es_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _al_ingreso(request):
    """Back to the login page: a redirect, or for htmx a 401 that tells htmx to go there."""
    if _es_htmx(request):
        # Back to the page the htmx request came from, not to the fragment's URL.
        actual = urlsplit(request.headers.get("HX-Current-URL", ""))
        siguiente = actual.path + (f"?{actual.query}" if actual.query else "")
        respuesta = HttpResponse(status=401)
        respuesta["HX-Redirect"] = (
            redirect_to_login(siguiente)["Location"]
            if siguiente
            else resolve_url(settings.LOGIN_URL)
        )
        return respuesta
    if request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    # The URL of a POST is an action, not a page to come back to.
    return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


class SesionMiddleware:
    """Absolute session lifetime (PMGGT_SESION_MAXIMA_HORAS), on top of the inactivity expiry.

    The login time is stored in the session at login. Past the limit the user is logged out
    and sent to the login page with a message, whatever their activity. A session whose cookie
    no longer matches a live session (expired by inactivity) gets a message too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        usuario = getattr(request, "user", None)
        if usuario is not None and usuario.is_authenticated:
            inicio = ingreso(request)
            if inicio is None:  # a session from before this limit existed: count from now
                registrar_ingreso(request)
            elif timezone.now().timestamp() - inicio > maximo_segundos():
                return self._cerrar(request)
            _renovar_si_toca(request)
            request.pmggt_sesion = sesion_restante(request)
        elif self._expirada(request):
            if _es_htmx(request):
                return _al_ingreso(request)
            messages.info(request, MENSAJE_SESION_EXPIRADA)
        return self.get_response(request)

    @staticmethod
    def _expirada(request) -> bool:
        """A session cookie came in but it names no live session."""
        if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            return False
        # Reading the keys loads the session; an expired or unknown one loads empty.
        return not request.session.keys() and request.session.is_empty()

    def _cerrar(self, request):
        seguridad.registrar(
            "sesion_maxima", request, "tiempo máximo de sesión alcanzado", nivel=logging.INFO
        )
        request._pmggt_sesion_vencida = True  # signals.py: no «Sesión cerrada» goodbye
        logout(request)
        horas = float(settings.PMGGT_SESION_MAXIMA_HORAS)
        horas = str(int(horas)) if horas.is_integer() else f"{horas:g}".replace(".", ",")
        messages.warning(request, MENSAJE_SESION_MAXIMA.format(horas=horas))
        return _al_ingreso(request)
