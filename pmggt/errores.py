"""The site's own 404 and 500 pages also under DEBUG (the demo), instead of Django's technical ones.

Without DEBUG, Django already renders templates/404.html and 500.html (and 403.html always). With
DEBUG it renders its technical pages, which show code and settings and confuse demo users. While
``PMGGT_PAGINAS_DE_ERROR_EN_DEBUG`` is on (the default), this middleware swaps those for the
responses the production handlers give (``handler404``, ``handler500``), with the same status.

Django still handles the exception first, as always: the ``django.request`` log line with the
traceback (the runserver console), the ``got_request_exception`` signal, and the test client's
re-raising. Only the page is replaced. Set ``PMGGT_PAGINAS_DE_ERROR_EN_DEBUG=0`` to see the
technical pages with the traceback.
"""

import logging

from csp.constants import HEADER as CSP
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import get_resolver, get_urlconf

logger = logging.getLogger(__name__)

# The exception the view raised, kept on the request until the response comes back.
ATRIBUTO = "_pmggt_excepcion"


def activas() -> bool:
    return bool(settings.DEBUG and getattr(settings, "PMGGT_PAGINAS_DE_ERROR_EN_DEBUG", False))


class PaginasDeErrorMiddleware:
    """Under DEBUG, the production 404/500 pages in place of Django's technical pages.

    A page is replaced only when it comes from an error, never when a view returns a 404 or 500
    of its own: a 404 from an ``Http404`` the view raised or from a URL that matched nothing
    (``request.resolver_match`` unset), a 500 from any other exception the view raised.

    It sits inside the security middleware (pmggt.middleware.SeguridadMiddleware, CSP,
    X-Frame-Options), so the new page gets their headers and the 404 is logged once, as in
    production; django-csp skips 404/500 under DEBUG, so the policy is set here. An exception
    raised by a middleware outside this one keeps Django's page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        respuesta = self.get_response(request)
        if not activas() or respuesta.status_code not in (404, 500):
            return respuesta
        excepcion = getattr(request, ATRIBUTO, None)
        if respuesta.status_code == 404:
            if isinstance(excepcion, Http404):
                return self._reemplazar(respuesta, request, 404, excepcion)
            if excepcion is None and getattr(request, "resolver_match", None) is None:
                return self._reemplazar(respuesta, request, 404, Http404())
        elif excepcion is not None and not isinstance(excepcion, Http404 | PermissionDenied):
            return self._reemplazar(respuesta, request, 500)
        return respuesta

    def process_exception(self, request, exception):
        # Only noted: Django goes on to handle (and log) it as usual.
        if activas():
            setattr(request, ATRIBUTO, exception)
        return None

    def _reemplazar(self, tecnica, request, estado, excepcion=None):
        resolver = get_resolver(get_urlconf())
        try:
            if estado == 404:
                nueva = resolver.resolve_error_handler(404)(request, exception=excepcion)
            else:
                # templates/500.html: no request, no context, no database.
                nueva = resolver.resolve_error_handler(500)(request)
        except Exception:
            if estado == 500:
                logger.exception("No se pudo mostrar la página de error 500")
                return tecnica
            # As in production: an error page that fails to render becomes a 500.
            logger.exception("No se pudo mostrar la página de error 404")
            return self._reemplazar(tecnica, request, 500)
        # Django already logged the technical response (django.request): not twice.
        nueva._has_been_logged = getattr(tecnica, "_has_been_logged", False)
        # django-csp leaves every 404/500 without a policy under DEBUG (for the technical
        # pages' inline code); this page has none, so it gets the production header.
        politica = build_policy()
        if politica and CSP not in nueva:
            nueva[CSP] = politica
        return nueva
