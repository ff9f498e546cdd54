"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without Chromium the tests marked ``browser`` are skipped with a visible reason, unless
``PMGGT_EXIGIR_NAVEGADOR=1`` is set (as in CI), in which case they fail.

Every browser test fails if a page it opened logged a console error or threw an uncaught
exception (``consola``; CSP violations are console errors). Accessibility checks with axe-core
are in ``tests/navegador/accesibilidad.py``.
"""

import os
import re
import shutil

import pytest

# pytest-playwright's sync API runs an event loop in the main thread; the test body still uses
# the ORM (loading the demo, asserting outcomes), which Django refuses there unless allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_DEBIAN = "/usr/bin/chromium"


def _con_reintento(captura):
    """Chromium on a loaded machine now and then answers a screenshot with «Unable to capture
    screenshot» (a compositor timeout, seen in CI with nothing wrong on the page): every
    screenshot of the browser tests is taken once more after half a second before failing."""

    def screenshot(self, *args, **kwargs):
        from playwright.sync_api import Error

        try:
            return captura(self, *args, **kwargs)
        except Error as exc:
            if "Unable to capture screenshot" not in str(exc):
                raise
            self.wait_for_timeout(500)
            return captura(self, *args, **kwargs)

    return screenshot


try:
    from playwright.sync_api import Page as _Page
except ImportError:  # pragma: no cover - the browser tests are skipped then
    _Page = None
if _Page is not None and not getattr(_Page.screenshot, "_pmggt_reintento", False):
    _Page.screenshot = _con_reintento(_Page.screenshot)
    _Page.screenshot._pmggt_reintento = True


def _ruta_chromium() -> str | None:
    if os.path.isfile(CHROMIUM_DEBIAN) and os.access(CHROMIUM_DEBIAN, os.X_OK):
        return CHROMIUM_DEBIAN
    return shutil.which("chromium")


def _motivo_sin_chromium() -> str:
    return (
        f"Chromium no está instalado: no se encontró {CHROMIUM_DEBIAN} ni «chromium» en el PATH "
        "(instálelo con `apt-get install chromium`)."
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip (or, with PMGGT_EXIGIR_NAVEGADOR=1, fail) browser tests before Chromium is launched."""
    if item.get_closest_marker("browser") is None or _ruta_chromium() is not None:
        return
    if os.environ.get("PMGGT_EXIGIR_NAVEGADOR") == "1":
        pytest.fail(
            f"{_motivo_sin_chromium()} PMGGT_EXIGIR_NAVEGADOR=1 exige correr las pruebas de "
            "navegador.",
            pytrace=False,
        )
    pytest.skip(_motivo_sin_chromium())


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": _ruta_chromium() or CHROMIUM_DEBIAN,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# ----------------------------------------------------------------------------------------------
# No console error in any browser test


class ErroresDeConsola:
    """What the browser reported as an error while a test ran: console messages of type
    "error" (CSP violations, failed requests, htmx errors, ``console.error``) and uncaught
    exceptions ("pageerror"), in every page of every context the test opened.

    A page the test opened on purpose with an error status (a 404 or 403 page: the test asserts
    what it says) makes Chromium log "Failed to load resource" for the document itself; that
    one line is not a page error and is left out. A failed sub-resource (a style sheet, a
    script, an htmx request) is. ``permitir(patron)`` accepts other messages a test expects
    (a regular expression searched in "url: text").
    """

    FALLO_DE_CARGA = "Failed to load resource"

    def __init__(self):
        self._mensajes: list[tuple[str, str]] = []  # (url, text)
        self._documentos_con_error: set[str] = set()
        self._permitidos: list[re.Pattern] = []

    def vigilar(self, contexto) -> None:
        contexto.on("console", self._consola)
        contexto.on("weberror", self._excepcion)
        contexto.on("response", self._respuesta)

    def permitir(self, patron: str) -> None:
        self._permitidos.append(re.compile(patron))

    def _consola(self, mensaje) -> None:
        if mensaje.type == "error":
            self._mensajes.append(((mensaje.location or {}).get("url", ""), mensaje.text))

    def _excepcion(self, error) -> None:
        url = error.page.url if error.page else ""
        self._mensajes.append((url, f"Excepción no capturada: {error.error}"))

    def _respuesta(self, respuesta) -> None:
        peticion = respuesta.request
        if (
            respuesta.status >= 400
            and peticion.is_navigation_request()
            and peticion.frame.parent_frame is None
        ):
            self._documentos_con_error.add(respuesta.url)

    @property
    def errores(self) -> list[str]:
        errores = []
        for url, texto in self._mensajes:
            if texto.startswith(self.FALLO_DE_CARGA) and url in self._documentos_con_error:
                continue
            linea = f"{url}: {texto}" if url else texto
            if not any(p.search(linea) for p in self._permitidos):
                errores.append(linea)
        return errores


@pytest.fixture
def consola():
    """The console errors of this test's pages; the test fails at teardown if there is any."""
    vigia = ErroresDeConsola()
    yield vigia
    errores = vigia.errores
    if errores:
        lista = "\n".join(f"  - {e}" for e in errores)
        pytest.fail(
            f"El navegador registró {len(errores)} error(es) en la consola durante la prueba "
            f"(las pruebas de navegador no admiten ninguno):\n{lista}",
            pytrace=False,
        )


@pytest.fixture
def new_context(consola, new_context):
    """pytest-playwright's context factory (used by ``context`` and ``page``), with every
    context it creates watched by ``consola``. (``consola`` is set up first, so that it is
    checked after pytest-playwright has closed the contexts and delivered their last events.)"""

    def crear(**kwargs):
        contexto = new_context(**kwargs)
        consola.vigilar(contexto)
        return contexto

    return crear
