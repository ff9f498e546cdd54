"""No console errors: what the ``consola`` fixture catches, and the htmx "Agregar fila" after a
textarea was resized, which used to break the CSP (htmx settled the ``style`` attribute)."""

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import CLAVE_DEMO, cargar_demo

pytestmark = pytest.mark.browser


def _ingresar(page: Page, base: str, usuario: str) -> None:
    page.goto(f"{base}/cuentas/ingresar/")
    page.fill("#id_username", usuario)
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")


def test_la_consola_registra_errores_excepciones_y_recursos_fallidos(
    live_server, page: Page, consola
):
    base = live_server.url
    page.goto(f"{base}/cuentas/ingresar/")
    assert consola.errores == []
    page.evaluate("console.error('error de prueba')")
    page.evaluate("setTimeout(() => { throw new Error('excepción de prueba'); }, 0)")
    # A sub-resource that does not exist, and an inline style that the CSP refuses.
    page.evaluate(
        """() => {
          const img = document.createElement('img');
          img.src = '/static/no-existe.png';
          document.body.appendChild(img);
          document.body.setAttribute('style', 'color: red');
        }"""
    )
    page.wait_for_timeout(500)
    errores = consola.errores
    assert any("error de prueba" in e for e in errores), errores
    assert any("Excepción no capturada" in e and "excepción de prueba" in e for e in errores)
    assert any("no-existe.png" in e or "404" in e for e in errores), errores
    assert any("Content Security Policy" in e for e in errores), errores
    # A page opened on purpose with an error status is not a console error.
    antes = len(errores)
    respuesta = page.goto(f"{base}/no-existe/")
    assert respuesta.status == 404
    page.wait_for_timeout(200)
    assert len(consola.errores) == antes
    # This test expected all of them: the fixture's check at teardown must pass.
    consola.permitir(".")


def test_agregar_fila_tras_agrandar_un_cuadro_de_texto_sin_errores_csp(
    live_server, page: Page, consola
):
    from diagnostico.models import FilaCuadro1
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    filas_antes = FilaCuadro1.objects.filter(diagnostico__documento=documento).count()
    base = live_server.url
    url = f"{base}/diagnostico/{documento.pk}/cuadros/servicio/"
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    _ingresar(page, base, "encargado.serviu")
    page.goto(url)
    page.evaluate("window.sinRecargar = true")
    page.locator("summary", has_text="Agregar una fila").click()
    page.get_by_role("group", name="Productos vinculados (N° del Diagnóstico)").get_by_role(
        "checkbox"
    ).first.check()
    avance = page.get_by_label("Avance existente aplicando la PT (2)")
    # The user drags the textarea's resize handle (its bottom-right corner) down and right.
    avance.scroll_into_view_if_needed()
    caja = avance.bounding_box()
    page.mouse.move(caja["x"] + caja["width"] - 3, caja["y"] + caja["height"] - 3)
    page.mouse.down()
    page.mouse.move(caja["x"] + caja["width"] + 60, caja["y"] + caja["height"] + 120, steps=6)
    page.mouse.up()
    assert "height" in (avance.get_attribute("style") or "")
    assert avance.bounding_box()["height"] > caja["height"] + 50
    avance.fill("Fila agregada después de agrandar el cuadro de texto.")
    page.get_by_role("button", name="Agregar fila").click()

    expect(page.locator("#mensajes .alert-success")).to_contain_text("Fila agregada")
    expect(page.locator("#cuadro1 tbody")).to_contain_text(
        "Fila agregada después de agrandar el cuadro de texto."
    )
    assert page.evaluate("window.sinRecargar") is True  # swapped by htmx, not reloaded
    assert page.url == url
    assert FilaCuadro1.objects.filter(diagnostico__documento=documento).count() == filas_antes + 1
    page.wait_for_timeout(300)  # htmx settles 20 ms after the swap
    assert consola.errores == []
