"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without Chromium the tests marked ``browser`` are skipped with a visible reason, unless
``PMGGT_EXIGIR_NAVEGADOR=1`` is set (as in CI), in which case they fail.
"""

import os
import shutil

import pytest

# pytest-playwright's sync API runs an event loop in the main thread; the test body still uses
# the ORM (loading the demo, asserting outcomes), which Django refuses there unless allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_DEBIAN = "/usr/bin/chromium"


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
