"""The products page in the browser (issue 9, item 5): the Encargado/a GT adds three products
in place with «Agregar producto» (no save-and-return for more rows), fills them and saves once.
SERVIU Antofagasta's 2009 Diagnóstico of the demo (Borrador, 17 products). The page fits
1366 px and a tablet (820 px) without scrolling sideways; axe-core finds no WCAG 2.1 AA
violation; full-page screenshots at both widths in ``$PMGGT_CAPTURAS/productos`` (or pytest's
tmp)."""

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones, carpeta_capturas
from tests.navegador.test_cadena_navegador import CLAVE_DEMO

pytestmark = pytest.mark.browser

ANCHOS = (1366, 820)
NUEVOS = [
    # (número, nombre, ¿aplica?, causal o fundamento)
    ("3", "Programa de Asentamientos Precarios", "Aplica", "acceso"),
    ("3.1", "Campamentos de la región", "Aplica", "coordinacion"),
    ("3.2", "Atención de emergencias habitacionales", "No aplica", "Lo define el nivel central."),
]


def _sin_desplazamiento_lateral(page: Page) -> None:
    anchos = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert anchos[0] <= anchos[1], f"la página se desplaza hacia el lado: {anchos}"


def test_agregar_tres_productos_en_su_lugar_y_guardar_una_vez(
    live_server, page: Page, tmp_path_factory
):
    from diagnostico.models import ProductoEstrategico
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    antes = ProductoEstrategico.objects.filter(diagnostico__documento=documento).count()
    carpeta = carpeta_capturas(tmp_path_factory, "productos")
    base = live_server.url
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/cuentas/ingresar/")
    page.fill("#id_username", "encargado.serviu")
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")

    url = f"{base}/diagnostico/{documento.pk}/productos/"
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Productos estratégicos y perspectiva territorial"
    )
    filas = page.locator("table[data-formset='prod'] > tbody > tr")
    iniciales = filas.count()  # the saved products and the page's three empty rows
    assert iniciales == antes + 3
    page.evaluate("window.sinRecargar = true")  # a full page load would erase it
    agregar = page.get_by_role("button", name="Agregar producto")
    for _ in NUEVOS:
        agregar.click()
    expect(filas).to_have_count(iniciales + len(NUEVOS))
    assert page.locator("#id_prod-TOTAL_FORMS").input_value() == str(iniciales + len(NUEVOS))
    # The focus goes to the first field of the row just added.
    assert page.evaluate("document.activeElement.id") == f"id_prod-{iniciales + 2}-numero"
    assert page.evaluate("window.sinRecargar") is True
    expect(page.get_by_role("status").filter(has_text="Se agregó una fila vacía")).to_have_count(1)

    # Only the added rows are filled: the page's own empty rows stay empty (not saved).
    for i, (numero, nombre, aplica, extra) in enumerate(NUEVOS):
        fila = filas.nth(iniciales + i)
        fila.get_by_label("N°").fill(numero)
        fila.get_by_label("Nombre").fill(nombre)
        fila.get_by_label("¿aplica perspectiva territorial?").select_option(label=aplica)
        if aplica == "Aplica":
            fila.locator(f"input[name$='-causal_{extra}']").check()
        else:
            fila.get_by_label("Fundamento (si no aplica)").fill(extra)
    filas.nth(iniciales).get_by_label("2", exact=True).check()  # objetivo 2

    afirmar_sin_violaciones(page, "productos con tres filas agregadas")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        _sin_desplazamiento_lateral(page)
        page.screenshot(path=str(carpeta / f"productos-agregados-{ancho}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(f"{base}/documentos/{documento.pk}/")
    expect(page.locator("#mensajes .alert-success")).to_contain_text(
        "Productos estratégicos y perspectiva territorial: cambios guardados."
    )

    productos = ProductoEstrategico.objects.filter(diagnostico__documento=documento)
    assert productos.count() == antes + len(NUEVOS)
    tres, tres_uno, tres_dos = (productos.get(numero=n) for n, *_ in NUEVOS)
    assert tres.nombre == NUEVOS[0][1] and tres.causal_acceso and tres.padre is None
    assert list(tres.objetivos.values_list("numero", flat=True)) == [2]
    assert tres_uno.padre == tres and tres_uno.causal_coordinacion
    assert tres_dos.aplica_pt == "no_aplica" and tres_dos.fundamento == NUEVOS[2][3]

    # Back on the page: the saved products and three empty rows again; fits both widths.
    page.goto(url)
    expect(filas).to_have_count(antes + len(NUEVOS) + 3)
    afirmar_sin_violaciones(page, "productos guardados")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        _sin_desplazamiento_lateral(page)
        page.screenshot(path=str(carpeta / f"productos-{ancho}.png"), full_page=True)
