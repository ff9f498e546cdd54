"""Comparing versions in the browser (issue 9, item 8): MIDEPLAN's 2009 Diagnóstico of the demo
is returned by SUBDERE, one Cuadro I N°1 cell is changed in region I, a row removed in another
region and one added in region III, and it is sent again as version 3. The Jefe/a opens the
comparison: only the changes, counted, with a jump link to each one that scrolls to it; the
toggle shows everything; the document page's timeline shows the transitions first and the
edits grouped. axe-core finds nothing; no console error; screenshots at 1366 and 820 px."""

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones, carpeta_capturas
from tests.navegador.test_cadena_navegador import _ingresar

pytestmark = pytest.mark.browser

ANCHOS = (1366, 820)
AGREGADO_AL_AVANCE = " Se suma la mesa comunal de Alto Hospicio."
FILA_NUEVA = "Fila nueva de Atacama: catastro de la oferta regional"


class _SinCaptura:
    def __call__(self, nombre):
        return None


def _tercera_version():
    """MIDEPLAN's Diagnóstico returned by SUBDERE, changed and sent again (version 3); what
    the comparison 2 → 3 must list."""
    from diagnostico.models import FilaCuadro1
    from pmggt import etapas, services, workflow
    from pmggt.carga import usuario_con_rol
    from pmggt.historia import actuando_como
    from pmggt.models import Documento, GrupoRol

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    servicio = documento.servicio
    encargado = usuario_con_rol(servicio, GrupoRol.Tipo.ENCARGADO_GT)
    jefe = usuario_con_rol(servicio, GrupoRol.Tipo.JEFE)
    experto = usuario_con_rol(servicio, GrupoRol.Tipo.EXPERTO)
    workflow.devolver(
        documento=documento,
        actor=experto,
        version=documento.version_actual,
        observaciones=[{"texto": "Actualice el Cuadro I N°1 de Tarapacá.", "campo": ""}],
    )
    filas = FilaCuadro1.objects.filter(diagnostico__documento=documento).select_related(
        "centro__region"
    )
    por_region = {}
    for fila in filas:
        por_region.setdefault(fila.centro.region.codigo if fila.centro else None, []).append(fila)
    cambia = por_region["I"][0]
    region_sale = next(r for r, lista in por_region.items() if r != "I" and len(lista) >= 2)
    sale = por_region[region_sale][-1]
    centro_iii = next(f.centro for f in filas if f.centro and f.centro.region.codigo == "III")
    with actuando_como(encargado):
        cambia.avance += AGREGADO_AL_AVANCE
        cambia.save()
        sale_id = sale.pk
        sale.delete()
        FilaCuadro1.objects.create(
            diagnostico=documento.diagnostico,
            centro=centro_iii,
            avance=FILA_NUEVA,
            mejora="Mejora de Atacama",
            medidas="Medidas de Atacama",
            objetivo="Objetivo de Atacama",
        )
    for obs in documento.observaciones.filter(resuelta=False):
        services.observacion_resolver(observacion=obs, actor=encargado)
    workflow.enviar(documento=documento, actor=encargado, comentario="Cuadros actualizados.")
    documento.refresh_from_db()
    # The demo's version 2 was visado; version 3 (a correction after the V°B°) is returned.
    assert documento.version_actual == 4
    v2 = etapas.de(documento.etapa).aplanar(documento.versiones.get(numero=3).contenido)
    eliminadas = sum(1 for clave, _, _ in v2 if clave.startswith(f"c1:{sale_id}:"))
    return documento, jefe, region_sale, eliminadas


def test_diferencias_solo_cambios_enlaces_y_todo(live_server, page: Page, tmp_path_factory):
    documento, jefe, region_sale, eliminadas = _tercera_version()
    carpeta = carpeta_capturas(tmp_path_factory, "navegador-diferencias")
    base = live_server.url
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    _ingresar(page, base, _SinCaptura(), jefe.username, "jefe")

    # The document page: transitions first (newest first), then the grouped edits.
    page.goto(f"{base}/documentos/{documento.pk}/")
    linea = page.locator("section[aria-labelledby='t-linea']")
    eventos = linea.locator("ol.linea-tiempo > li")
    expect(eventos.first).to_contain_text("envió la versión 4 al Jefe/a de Servicio")
    expect(eventos.nth(1)).to_contain_text("devolvió la versión 3 con observaciones")
    agrupadas = linea.locator("li.evento-ediciones")
    # The Encargado/a GT loaded and edited the cuadros of the 15 regions: one line, not 15.
    expect(agrupadas.filter(has_text="editó")).not_to_have_count(0)
    expect(agrupadas.filter(has_text="Filas del Cuadro I N°1 · 15 regiones")).to_have_count(1)
    assert agrupadas.count() <= 12, agrupadas.all_inner_texts()
    afirmar_sin_violaciones(page, "documento con línea de tiempo agrupada")
    linea.scroll_into_view_if_needed()
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        linea.screenshot(path=str(carpeta / f"linea-de-tiempo-{ancho}.png"))
    page.set_viewport_size({"width": 1366, "height": 900})

    # The comparison: version 3 → 4 by default, only the changes.
    page.get_by_role("link", name="Comparar versiones").first.click()
    page.wait_for_url(f"{base}/documentos/{documento.pk}/diferencias/")
    total = 1 + eliminadas + 4
    resumen = (
        f"Versión 3 → Versión 4: {total} cambios: 4 agregados, {eliminadas} eliminados, "
        "1 modificado."
    )
    expect(page.locator(".resumen-diferencias")).to_contain_text(resumen)
    expect(page.locator("tr.diferencia-igual")).to_have_count(0)
    expect(page.locator("tr[class^='diferencia-']")).to_have_count(total)
    cambiada = page.locator("tr.diferencia-cambiado")
    expect(cambiada).to_have_count(1)
    expect(cambiada.locator("ins.agregado")).to_contain_text("Alto Hospicio")
    indice = page.get_by_role("navigation", name="Ir a cada cambio")
    expect(indice.locator("a[href^='#cambio-']")).to_have_count(total)
    for region in ("I", region_sale, "III"):
        expect(
            indice.get_by_role("link", name=f"Cuadro I N°1 · región {region}", exact=True)
        ).to_be_visible()
    afirmar_sin_violaciones(page, "diferencias, solo cambios")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        page.screenshot(path=str(carpeta / f"diferencias-solo-cambios-{ancho}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 600})

    # A jump link scrolls its change into view (the last one: the new row, far down).
    page.evaluate("window.scrollTo(0, 0)")
    ultimo = indice.locator("a[href^='#cambio-']").last
    destino = ultimo.get_attribute("href")
    objetivo = page.locator(destino)
    expect(objetivo).not_to_be_in_viewport()
    ultimo.click()
    expect(page).to_have_url(f"{base}/documentos/{documento.pk}/diferencias/{destino}")
    expect(objetivo).to_be_in_viewport()
    expect(objetivo).to_contain_text("Agregado")
    page.screenshot(path=str(carpeta / "diferencias-salto-1366.png"))
    # And the section's link, to its heading row.
    indice_link = page.get_by_role("link", name="Volver a la lista de cambios").first
    indice_link.click()
    expect(indice).to_be_in_viewport()

    # "Mostrar también lo que no cambió": everything, the same count.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Mostrar también lo que no cambió").click()
    page.wait_for_url(f"{base}/documentos/{documento.pk}/diferencias/?a=3&b=4&todo=1")
    expect(page.locator(".resumen-diferencias")).to_contain_text(resumen)
    expect(page.locator("tr.diferencia-igual").first).to_be_visible()
    assert page.locator("tr.diferencia-igual").count() > total
    expect(page.locator("tr.diferencia-cambiado")).to_have_count(1)
    afirmar_sin_violaciones(page, "diferencias, todo")
    page.screenshot(path=str(carpeta / "diferencias-todo-1366.png"))
    page.get_by_role("link", name="Mostrar solo los cambios").click()
    expect(page.locator("tr.diferencia-igual")).to_have_count(0)


def test_diferencias_sin_versiones(live_server, page: Page, tmp_path_factory):
    """SERVIU Antofagasta's demo Diagnóstico has never been sent: the page says so."""
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    carpeta = carpeta_capturas(tmp_path_factory, "navegador-diferencias-sin-versiones")
    base = live_server.url
    page.set_default_timeout(15_000)
    _ingresar(page, base, _SinCaptura(), "encargado.serviu", "encargado")
    page.goto(f"{base}/documentos/{documento.pk}/diferencias/")
    expect(page.get_by_role("status")).to_contain_text("Aún no hay dos versiones que comparar")
    expect(page.locator("table")).to_have_count(0)
    afirmar_sin_violaciones(page, "diferencias sin versiones")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 700})
        page.screenshot(path=str(carpeta / f"diferencias-sin-versiones-{ancho}.png"))
