"""A Cuadro I N°1 row as the Servicio writes it, in the browser (issue 9, items 1–2).

serplac.tarapaca adds two rows to región I of MIDEPLAN's 2010 Diagnóstico: column (1) as
written (two paragraphs, a remark), two linked products, two causales, the same causales on
both rows: the causal heading shows once. A row without its product is refused with the message
next to the field, and what was typed stays. Editing the first row in place (htmx) to another
causal moves the heading to the second row without reloading. No console error; axe-core
(WCAG 2.1 AA) finds no violation on the form and the cuadro; full-page screenshots at 1366 and
820 px in ``$PMGGT_CAPTURAS/fila-cuadro1`` (or pytest's tmp).
"""

import pytest
from playwright.sync_api import Page, expect

from tests.navegador.accesibilidad import afirmar_sin_violaciones, carpeta_capturas
from tests.navegador.test_cadena_navegador import ARTEFACTOS, Capturas, _ingresar
from tests.navegador.test_cuadros_navegador import _preparar

pytestmark = pytest.mark.browser

ANCHOS = (1366, 820)
COLUMNA_1 = (
    "Producto: 1. Sistema de Protección Social.\n"
    "Subproducto: 1.1 Chile Solidario y 1.2 Chile Crece Contigo\n\n"
    "(Se informan en conjunto con la red comunal.)"
)
COORDINACION = "En materia de coordinación y/o complementariedad"
ACCESO = "Asociados a la reducción de inequidad territorial en el acceso a productos"
DISENO = "Asociados al diseño y/o características del producto"


def _capturar(page: Page, carpeta, nombre: str) -> None:
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        page.screenshot(path=str(carpeta / f"{nombre}-{ancho}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _llenar(page: Page, formulario, producto_texto: str, avance: str) -> None:
    formulario.get_by_label("Producto/subproductos estratégicos (1)").fill(producto_texto)
    formulario.get_by_label("1.1 Programa Chile Solidario").check()
    formulario.get_by_label("1.2 Programa Chile Crece Contigo").check()
    formulario.get_by_label(COORDINACION).check()
    formulario.get_by_label(ACCESO).check()
    formulario.get_by_label("Avance existente aplicando la PT (2)").fill(avance)
    formulario.get_by_label("Mejora prevista que se proyecta lograr (3)").fill(
        "Fortalecer la coordinación entre el nivel local y el sectorial."
    )
    formulario.get_by_label("Medidas necesarias que acompañen las mejoras (4)").fill(
        "• Oficiar a los municipios\n• Convocar al Gabinete Social"
    )
    formulario.get_by_label("Objetivo recomendado al Plan GT (5)").fill(
        "Fortalecer el rol de las redes comunales."
    )


def test_fila_con_dos_causales_y_columna_1_como_se_escribe(
    live_server, page: Page, tmp_path_factory
):
    from diagnostico.models import FilaCuadro1, ProductoEstrategico
    from pmggt.historia import actuando_como

    documento = _preparar()
    with actuando_como(documento.creado_por):
        for orden, (numero, nombre) in enumerate(
            [("1.1", "Programa Chile Solidario"), ("1.2", "Programa Chile Crece Contigo")], 2
        ):
            ProductoEstrategico.objects.create(
                diagnostico=documento.diagnostico, numero=numero, nombre=nombre, orden=orden
            )
    base = live_server.url
    carpeta = carpeta_capturas(tmp_path_factory, "fila-cuadro1")
    captura = Capturas(page, ARTEFACTOS.parent / "navegador-fila-cuadro1")
    page.set_default_timeout(15_000)
    _ingresar(page, base, captura, "serplac.tarapaca", "serplac")
    url = f"{base}/diagnostico/{documento.pk}/cuadros/I/"
    page.goto(url)
    page.evaluate("window.sinRecargar = true")

    # 1. The form: column (1), the linked products, the causales, then (2)–(5).
    page.locator("summary", has_text="Agregar una fila").click()
    formulario = page.locator("form", has=page.get_by_role("button", name="Agregar fila"))
    expect(formulario.get_by_role("group", name="Causales que cubre la fila")).to_be_visible()
    _llenar(page, formulario, COLUMNA_1, "Se constituyeron las redes comunales.")
    afirmar_sin_violaciones(page, "formulario de una fila del Cuadro I N°1")
    _capturar(page, carpeta, "fila-formulario")
    formulario.get_by_role("button", name="Agregar fila").click()
    expect(page.locator("#cuadro1 tbody tr.fila-cuadro")).to_have_count(1)

    # 2. A second row with the same causales: the heading once, on the first row.
    page.locator("summary", has_text="Agregar una fila").click()
    formulario = page.locator("form", has=page.get_by_role("button", name="Agregar fila"))
    _llenar(page, formulario, "Subproducto: 1.2 Chile Crece Contigo (rural)", "Llega a todas.")
    formulario.get_by_role("button", name="Agregar fila").click()
    filas = page.locator("#cuadro1 tbody tr.fila-cuadro")
    expect(filas).to_have_count(2)
    primera, segunda = FilaCuadro1.objects.filter(
        diagnostico__documento=documento, centro__region__codigo="I"
    ).order_by("orden")
    assert primera.lista_causales == ["coordinacion", "acceso"]
    assert sorted(primera.productos.values_list("numero", flat=True)) == ["1.1", "1.2"]
    assert primera.producto_texto == COLUMNA_1
    titulos = page.locator("#cuadro1 p.causal:visible")
    expect(titulos).to_have_count(1)
    expect(titulos.first).to_have_text(f"{COORDINACION} · {ACCESO}:")
    celda = page.locator(f"#celda-c1-{primera.pk}-producto")
    expect(celda).to_contain_text("(Se informan en conjunto con la red comunal.)")
    expect(celda).to_contain_text("Productos vinculados: 1.1, 1.2")
    afirmar_sin_violaciones(page, "cuadro con dos filas de las mismas causales")
    # On a tablet each row is a block of its cells, each under its column's name.
    page.set_viewport_size({"width": 820, "height": 900})
    ancho = page.evaluate("document.querySelector('#cuadro1 .table-responsive').scrollWidth")
    assert ancho <= page.evaluate("document.querySelector('#cuadro1').clientWidth")
    afirmar_sin_violaciones(page, "cuadro con dos filas a 820 px")
    _capturar(page, carpeta, "fila-dos-causales")

    # 3. A row without its product: the message next to the field, the text kept.
    page.locator("summary", has_text="Agregar una fila").click()
    formulario = page.locator("form", has=page.get_by_role("button", name="Agregar fila"))
    formulario.get_by_label("Avance existente aplicando la PT (2)").fill("Sin producto")
    formulario.get_by_role("button", name="Agregar fila").click()
    campo = page.get_by_label("Producto/subproductos estratégicos (1)")
    expect(campo).to_have_attribute("aria-invalid", "true")
    error = page.locator("[id$='producto_texto_error']")
    expect(error).to_contain_text("Escriba el producto/subproducto (1)")
    expect(page.get_by_label("Avance existente aplicando la PT (2)")).to_have_value("Sin producto")
    afirmar_sin_violaciones(page, "fila sin producto rechazada")
    _capturar(page, carpeta, "fila-sin-producto")
    en_i_y_ii = FilaCuadro1.objects.filter(
        diagnostico__documento=documento, centro__region__codigo__in=["I", "II"]
    )
    assert en_i_y_ii.count() == 3  # the two rows of región I and the one of región II

    # 4. Edit the first row in place: another causal; the heading moves to the second row.
    page.goto(url)
    page.evaluate("window.sinRecargar = true")
    page.locator(f"#fila-c1-{primera.pk}").get_by_role("link", name="Editar").click()
    edicion = page.locator(f"#fila-c1-{primera.pk}.fila-edicion form")
    expect(edicion).to_be_visible()
    afirmar_sin_violaciones(page, "fila en edición en su lugar")
    _capturar(page, carpeta, "fila-en-linea")
    edicion.get_by_label(COORDINACION).uncheck()
    edicion.get_by_label(ACCESO).uncheck()
    edicion.get_by_label(DISENO).check()
    edicion.get_by_role("button", name="Guardar fila").click()
    expect(page.locator(f"#causal-c1-{primera.pk}")).to_have_text(f"{DISENO}:")
    expect(page.locator(f"#causal-c1-{segunda.pk}")).to_have_text(f"{COORDINACION} · {ACCESO}:")
    expect(page.locator("#cuadro1 p.causal:visible")).to_have_count(2)
    assert page.evaluate("window.sinRecargar") is True
    primera.refresh_from_db()
    assert primera.lista_causales == ["diseno"]
