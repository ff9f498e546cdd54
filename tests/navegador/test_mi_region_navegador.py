"""«Mi región» in the browser (issue 9, item 12): the Funcionario/a GORE of Antofagasta opens
its page from the navigation bar once SUBDERE visó MIDEPLAN's 2009 Diagnóstico (15 SERPLAC,
one in region II), and downloads its region's PDF and Excel in one click each. The PDF's text
(pdftotext) names the region; the workbook has the region's sheets and no other region's.
axe-core finds no WCAG 2.1 AA violation; screenshots at 1366 and 820 px in
``$PMGGT_CAPTURAS/mi-region`` (or pytest's tmp)."""

import io
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import CLAVE_DEMO, cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones, carpeta_capturas

pytestmark = pytest.mark.browser

ANCHOS = (1366, 820)
TIPO_PDF = "application/pdf"
TIPO_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visar_mideplan():
    from django.contrib.auth import get_user_model

    from pmggt import workflow
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    assert documento.estado == Documento.Estado.EN_VISACION, "la demo cambió"
    workflow.visar(
        documento=documento,
        actor=get_user_model().objects.get(username="experto.subdere"),
        version=documento.version_actual,
    )
    documento.refresh_from_db()
    return documento


def _descargar(page: Page, base: str, fila, nombre: str, tipo: str) -> bytes:
    """Click the link (a real download) and read it; the same URL through the browser's
    session tells the content type."""
    enlace = fila.get_by_role("link", name=nombre, exact=True)
    with page.expect_download() as info:
        enlace.click()
    descarga = info.value
    assert descarga.failure() is None
    with open(descarga.path(), "rb") as archivo:
        contenido = archivo.read()
    respuesta = page.request.get(base + enlace.get_attribute("href"))
    assert respuesta.status == 200
    assert respuesta.headers["content-type"] == tipo
    assert respuesta.body() == contenido or tipo == TIPO_XLSX  # xlsx: built each time
    return contenido


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) no está")
def test_el_gore_descarga_el_pdf_y_el_excel_de_su_region(
    live_server, page: Page, tmp_path_factory, tmp_path
):
    from openpyxl import load_workbook

    documento = _visar_mideplan()
    carpeta = carpeta_capturas(tmp_path_factory, "mi-region")
    base = live_server.url
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/cuentas/ingresar/")
    page.fill("#id_username", "gore.antofagasta")
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator("main").get_by_role("link", name="Mi región")).to_be_visible()

    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Mi región"
    ).click()
    page.wait_for_url(f"{base}/mi-region/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi región")
    expect(page.locator("main")).to_contain_text("Región de Antofagasta (II)")
    filas = page.locator("table.tabla-mi-region tbody tr")
    # The demo's visado documents concerning region II: SERVIU's Diagnóstico and Plan (each
    # visado once, then reopened) and MIDEPLAN's Diagnóstico.
    expect(filas).to_have_count(3)
    fila = filas.filter(has_text="MIDEPLAN")
    expect(fila).to_have_count(1)
    expect(fila).to_contain_text("MIDEPLAN")
    expect(fila.get_by_role("link", name="Etapa I – Diagnóstico 2009")).to_have_attribute(
        "href", f"/documentos/{documento.pk}/"
    )
    afirmar_sin_violaciones(page, "Mi región")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        anchos = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert anchos[0] <= anchos[1], anchos
        page.screenshot(path=str(carpeta / f"mi-region-{ancho}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    # The region's PDF: a real PDF whose text names the region, and only it.
    pdf = _descargar(page, base, fila, "Cuadro I N°1 (PDF)", TIPO_PDF)
    assert pdf.startswith(b"%PDF")
    ruta = tmp_path / "cuadro1-II.pdf"
    ruta.write_bytes(pdf)
    texto = subprocess.run(
        ["pdftotext", "-layout", str(ruta), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Antofagasta" in texto
    assert "Tarapacá" not in texto and "Magallanes" not in texto

    # The region's Excel: its Cuadro I N°1 and N°2 sheets, no other region's.
    xlsx = _descargar(page, base, fila, "Excel de los Cuadros I N°1 y N°2", TIPO_XLSX)
    libro = load_workbook(io.BytesIO(xlsx), read_only=True)
    hojas = libro.sheetnames
    assert "C1 II" in hojas and "C2 II" in hojas, hojas
    assert not [h for h in hojas if h.startswith("C1 ") and h != "C1 II"], hojas

    # The filters keep the list (Ciclo 2009, Etapa I) and say what is filtered.
    page.get_by_label("Ciclo").select_option(label="Ciclo 2009")
    page.get_by_label("Etapa").select_option(label="Etapa I – Diagnóstico")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url(f"{base}/mi-region/?ciclo=2009&etapa=1")
    expect(filas).to_have_count(2)  # SERVIU's and MIDEPLAN's Diagnósticos
    expect(page.get_by_role("link", name="Ver todos")).to_be_visible()
    afirmar_sin_violaciones(page, "Mi región filtrada")
    page.screenshot(path=str(carpeta / "mi-region-filtrada-1366.png"), full_page=True)
