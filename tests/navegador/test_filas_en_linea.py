"""Rows of a Cuadro I N°1 are added, moved and deleted without leaving the page (htmx)."""

import pytest
from playwright.sync_api import Page, expect

from tests.navegador.test_cadena_navegador import ARTEFACTOS, Capturas, _ingresar
from tests.navegador.test_cuadros_navegador import _preparar

pytestmark = pytest.mark.browser


def test_agregar_mover_y_eliminar_sin_recargar(live_server, page: Page):
    from diagnostico.models import FilaCuadro1

    documento = _preparar()
    base = live_server.url
    captura = Capturas(page, ARTEFACTOS.parent / "navegador-filas")
    page.set_default_timeout(15_000)
    _ingresar(page, base, captura, "serplac.tarapaca", "serplac")
    url = f"{base}/diagnostico/{documento.pk}/cuadros/I/"
    page.goto(url)
    # A marker that a full page load would erase.
    page.evaluate("window.sinRecargar = true")

    for texto in ("Primera fila", "Segunda fila"):
        page.locator("summary", has_text="Agregar una fila").click()
        page.get_by_label("1 Sistema de Protección Social").check()
        page.get_by_label("Avance existente aplicando la PT (2)").fill(texto)
        page.get_by_role("button", name="Agregar fila").click()
        expect(page.locator("#cuadro1 tbody")).to_contain_text(texto)
    captura("dos-filas")
    filas = page.locator("#cuadro1 tbody tr.fila-cuadro")
    expect(filas).to_have_count(2)
    segunda = FilaCuadro1.objects.get(avance="Segunda fila")
    page.locator(f"#fila-c1-{segunda.pk}").get_by_role("button", name="Subir fila").click()
    expect(filas.first).to_contain_text("Segunda fila")
    page.once("dialog", lambda dialogo: dialogo.accept())
    page.locator(f"#fila-c1-{segunda.pk}").get_by_role("button", name="Eliminar").click()
    expect(filas).to_have_count(1)
    captura("una-fila")
    assert page.evaluate("window.sinRecargar") is True
    assert page.url == url
    assert list(
        FilaCuadro1.objects.filter(
            diagnostico__documento=documento, centro__region__codigo="I"
        ).values_list("avance", flat=True)
    ) == ["Primera fila"]
