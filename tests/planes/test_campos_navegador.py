"""The Plan's «Información regional» page, whose fields and formsets are drawn in Python
(``planes/templatetags/planes_campos.py``), in a real browser: the saved procedures are folded
(their heading names the GORE, the information and the state), «Agregar …» copies the empty
row with the next index (pmggt.js), a wrong row comes back open with its error next to the
field (``aria-describedby`` → ``<id>_error``), and a good one is saved."""

import pytest
from playwright.sync_api import Page, expect

# The browser tests' own fixtures: Debian's Chromium, and no console error allowed.
from tests.navegador.conftest import (  # noqa: F401
    _ruta_chromium,
    browser_type_launch_args,
    consola,
    new_context,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_ruta_chromium() is None, reason="Chromium no está instalado"),
]

OBJETIVO = "Publicar por región el gasto «ejecutado» & comprometido"


def test_informacion_plegar_agregar_y_error_junto_al_campo(live_server, page: Page, settings):
    from planes.models import ObjetivoInformacion
    from pmggt.carga import cargar_demo
    from pmggt.models import Documento
    from tests.navegador.test_cadena_navegador import ARTEFACTOS, Capturas, _ingresar

    # The demo's MIDEPLAN page posts some 1,170 fields (61 procedures): more than Django's
    # default DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000); pmggt/settings.py allows 10,000.
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS >= 10_000
    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.PLAN
    )
    base = live_server.url
    page.set_default_timeout(30_000)
    captura = Capturas(page, ARTEFACTOS.parent / "navegador-campos-plan")
    _ingresar(page, base, captura, "encargado.mideplan", "encargado")
    page.goto(f"{base}/planes/{documento.pk}/informacion/")

    # The saved procedures are folded; their heading says which one each is.
    procedimientos = page.locator("table[data-formset='gore'] details.fila-formset")
    assert procedimientos.count() > 10
    expect(procedimientos.first).not_to_have_attribute("open", "")
    expect(procedimientos.first.locator("summary")).to_contain_text("Procedimiento · GORE ")
    expect(procedimientos.first.get_by_label("GORE", exact=True)).to_be_hidden()
    procedimientos.first.locator("summary").click()
    expect(procedimientos.first.get_by_label("GORE", exact=True)).to_be_visible()

    # «Agregar objetivo de información» copies the empty row with the next index.
    total = page.locator("#id_oi-TOTAL_FORMS")
    antes = int(total.input_value())
    page.get_by_role("button", name="Agregar objetivo de información").click()
    assert int(total.input_value()) == antes + 1
    nueva = page.locator(f"#id_oi-{antes}-descripcion")
    expect(nueva).to_be_visible()
    expect(page.locator(f"#id_oi-{antes}-numero")).to_be_focused()  # the row's first field
    numero_repetido = page.locator("#id_oi-0-numero").input_value()
    page.locator(f"#id_oi-{antes}-numero").fill(numero_repetido)
    page.locator(f"#id_oi-{antes}-informacion").select_option("gasto")
    nueva.fill(OBJETIVO)
    captura("informacion-fila-agregada")
    page.get_by_role("button", name="Guardar").click()

    # The repeated N° comes back next to its field, described by its error.
    error = page.locator(f"#id_oi-{antes}-numero_error")
    expect(error).to_contain_text(f"El N° {numero_repetido} está repetido.")
    campo = page.locator(f"#id_oi-{antes}-numero")
    expect(campo).to_have_attribute("aria-invalid", "true")
    expect(campo).to_have_attribute("aria-describedby", f"id_oi-{antes}-numero_error")
    expect(page.locator(f"#id_oi-{antes}-descripcion")).to_have_value(OBJETIVO)
    captura("informacion-error")
    assert not ObjetivoInformacion.objects.filter(descripcion=OBJETIVO).exists()

    campo.fill("99")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator(".alert-success")).to_contain_text("cambios guardados")
    assert ObjetivoInformacion.objects.filter(descripcion=OBJETIVO, numero=99).exists()
    expect(page.get_by_text(OBJETIVO).first).to_be_attached()
