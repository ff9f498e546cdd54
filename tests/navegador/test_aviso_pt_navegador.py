"""The document page warns about products «Sin definir» that Cuadro I N°1 rows point at (issue 9,
item 4), as the Informe Etapa I's PT table does. SERVIU Antofagasta's 2009 Diagnóstico of the demo
(Borrador) with its product 2 and subproducts left «Sin definir»: the warning shows next to
them and under the table; axe-core finds no WCAG 2.1 AA violation; full-page screenshots at 1366
and 820 px in ``$PMGGT_CAPTURAS/aviso-pt`` (or pytest's tmp)."""

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones, carpeta_capturas
from tests.navegador.test_cadena_navegador import CLAVE_DEMO

pytestmark = pytest.mark.browser


def test_productos_sin_definir_con_filas_en_la_pagina_del_documento(
    live_server, page: Page, tmp_path_factory
):
    from diagnostico.models import ProductoEstrategico
    from pmggt.historia import actuando_como
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    productos = ProductoEstrategico.objects.filter(diagnostico__documento=documento)
    with actuando_como(None):
        for p in productos.filter(numero__startswith="2"):
            p.aplica_pt = ""
            p.save()
    carpeta = carpeta_capturas(tmp_path_factory, "aviso-pt")
    base = live_server.url
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/cuentas/ingresar/")
    page.fill("#id_username", "encargado.serviu")
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/documentos/{documento.pk}/")
    fila = page.locator("#fila-producto-2")
    expect(fila).to_contain_text("Sin definir")
    expect(fila.locator(".aviso-pt")).to_have_text("(!) con filas en el Cuadro I N°1")
    expect(page.locator("#fila-producto-1 .aviso-pt")).to_have_count(0)
    expect(page.locator(".aviso-pt-nota")).to_contain_text(
        "Filas del Cuadro I N°1 apuntan a productos que siguen «Sin definir»"
    )
    afirmar_sin_violaciones(page, "documento con productos sin definir")
    for ancho in (1366, 820):
        page.set_viewport_size({"width": ancho, "height": 900})
        page.locator("#productos").scroll_into_view_if_needed()
        page.screenshot(path=str(carpeta / f"documento-aviso-pt-{ancho}.png"), full_page=True)
        page.locator("#productos").screenshot(path=str(carpeta / f"productos-aviso-pt-{ancho}.png"))
