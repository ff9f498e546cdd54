"""Regional work in the browser: an Encargada de Centro goes from her inbox straight to her
region's cuadros, walks to the next region and back with the region navigation, and sees when
her part is complete. MIDEPLAN's 2009 Diagnóstico of the demo (15 SERPLAC), returned to
Borrador by SUBDERE. Full-page screenshots at 1366 and 820 px in ``artefactos/``."""

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import cargar_demo
from tests.navegador.accesibilidad import fuente_axe
from tests.navegador.test_cadena_navegador import ARTEFACTOS, Capturas, _ingresar, _salir

pytestmark = pytest.mark.browser

ANCHOS = (1366, 820)
# axe-core (WCAG 2.1 AA) on the blocks this feature adds.
_AXE_EN = r"""([selectores, etiquetas]) => axe.run({include: selectores.map((s) => [s])}, {
  runOnly: {type: 'tag', values: etiquetas},
}).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.html).join(' | ')))"""


def _devuelto():
    """MIDEPLAN's Diagnóstico back in Borrador (SUBDERE returns it), and what each region's
    part lacks by the document page's rules."""
    from django.contrib.auth import get_user_model

    from diagnostico.contenido import contenido, faltantes_por_region
    from diagnostico.models import FilaCuadro1
    from pmggt import workflow
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    # Atacama's part still lacks a cell (the seed's cuadro is complete: its first row covers
    # the three causales in one row), so its Encargada's inbox has something to list.
    ultima = (
        FilaCuadro1.objects.filter(diagnostico__documento=documento, centro__region__codigo="III")
        .order_by("orden")
        .last()
    )
    FilaCuadro1.objects.filter(pk=ultima.pk).update(medidas="")
    workflow.devolver(
        documento=documento,
        actor=get_user_model().objects.get(username="experto.subdere"),
        version=documento.version_actual,
        observaciones=[{"texto": "Complete el Cuadro I N°2 de su región."}],
    )
    documento.refresh_from_db()
    return documento, faltantes_por_region(contenido(documento))


def _sin_violaciones(page: Page, *selectores: str) -> None:
    from tests.navegador.accesibilidad import ETIQUETAS_WCAG_21_AA

    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(fuente_axe() + "\n;0")
    assert page.evaluate(_AXE_EN, [list(selectores), ETIQUETAS_WCAG_21_AA]) == []


def _titulo(page: Page):
    return page.get_by_role("heading", level=1)


def test_de_la_bandeja_a_su_region_y_a_la_siguiente_y_de_vuelta(live_server, page: Page):
    documento, faltan = _devuelto()
    assert faltan["III"] and not faltan["I"], "la demo ya no tiene una región incompleta"
    base = live_server.url
    cuadro = f"{base}/diagnostico/{documento.pk}/cuadros"
    page.set_default_timeout(15_000)
    captura = Capturas(page, ARTEFACTOS.parent / "navegador-regiones")

    # 1. serplac.atacama (región III): her inbox links to her region and counts only its part.
    _ingresar(page, base, captura, "serplac.atacama", "atacama")
    fila = page.locator("section[aria-labelledby='t-pendientes'] tr", has_text="(MIDEPLAN)")
    fila = fila.filter(has_text="Diagnóstico")  # her other row is the Plan (Etapa II)
    expect(fila).to_have_count(1)
    n = len(faltan["III"])
    resumen = fila.locator("summary")
    expect(resumen).to_have_text(f"Su parte (Región III): {n} pendiente{'' if n == 1 else 's'}")
    resumen.click()
    for falta in faltan["III"]:
        expect(fila).to_contain_text(falta)
    _sin_violaciones(page, ".parte-centro")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        captura(f"atacama-pendientes-{ancho}")
    page.set_viewport_size({"width": 1366, "height": 900})
    fila.get_by_role("link", name="Cuadros de su región: III Atacama").click()
    page.wait_for_url(f"{cuadro}/III/")
    expect(_titulo(page)).to_have_text("Cuadros del Diagnóstico · Región de Atacama")
    navegacion = page.get_by_role("navigation", name="Regiones", exact=True)
    expect(navegacion.get_by_role("link", name="Región anterior: II Antofagasta")).to_be_visible()
    expect(navegacion.locator("[aria-current='page']")).to_have_text("III Atacama (su región)")
    _sin_violaciones(page, ".navegacion-regiones")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        captura(f"atacama-cuadro-III-{ancho}")
    page.set_viewport_size({"width": 1366, "height": 900})

    # 2. To the next region (she reads every region of her Servicio), and back to hers.
    navegacion.get_by_role("link", name="Región siguiente: IV Coquimbo").click()
    page.wait_for_url(f"{cuadro}/IV/")
    expect(_titulo(page)).to_have_text("Cuadros del Diagnóstico · Región de Coquimbo")
    expect(page.get_by_role("button", name="Agregar fila")).to_have_count(0)  # not hers
    volver = page.get_by_role("navigation", name="Regiones (al pie de la página)")
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        captura(f"atacama-cuadro-IV-{ancho}")
    page.set_viewport_size({"width": 1366, "height": 900})
    volver.get_by_role("link", name="Región anterior: III Atacama (su región)").click()
    page.wait_for_url(f"{cuadro}/III/")
    expect(_titulo(page)).to_have_text("Cuadros del Diagnóstico · Región de Atacama")

    # 3. The ends: the northernmost region has no previous one, the southernmost no next one.
    navegacion = page.get_by_role("navigation", name="Regiones", exact=True)
    navegacion.get_by_role("link", name="XV Arica y Parinacota").click()
    page.wait_for_url(f"{cuadro}/XV/")
    expect(_titulo(page)).to_have_text("Cuadros del Diagnóstico · Región de Arica y Parinacota")
    expect(page.get_by_role("link", name="Región anterior", exact=False)).to_have_count(0)
    expect(navegacion).to_contain_text("Primera región")
    navegacion.get_by_role("link", name="XII Magallanes", exact=False).click()
    page.wait_for_url(f"{cuadro}/XII/")
    expect(_titulo(page)).to_contain_text("Magallanes")
    expect(page.get_by_role("link", name="Región siguiente", exact=False)).to_have_count(0)
    expect(navegacion).to_contain_text("Última región")
    navegacion.get_by_role("link", name="Ir a su región: III Atacama").click()
    page.wait_for_url(f"{cuadro}/III/")
    navegacion.get_by_role("link", name="Volver al documento").click()
    page.wait_for_url(f"{base}/documentos/{documento.pk}/")
    _salir(page, base, captura, "atacama")

    # 4. serplac.tarapaca (región I): her part is complete, and the row says so.
    _ingresar(page, base, captura, "serplac.tarapaca", "tarapaca")
    fila = page.locator("section[aria-labelledby='t-pendientes'] tr", has_text="(MIDEPLAN)")
    fila = fila.filter(has_text="Diagnóstico")
    expect(fila).to_contain_text("Su parte (Región I) está completa")
    expect(fila).not_to_contain_text("pendiente")
    expect(fila.get_by_role("link", name="Cuadros de su región: I Tarapacá")).to_have_attribute(
        "href", f"/diagnostico/{documento.pk}/cuadros/I/"
    )
    captura("tarapaca-pendientes-completa")
