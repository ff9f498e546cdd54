"""Etapa II walked in a real browser by every actor of MIDEPLAN's 2009 Plan (left in Borrador
by the demo, returned by the Jefe/a with one observación).

serplac.tarapaca adds an activity of región I → encargado.mideplan resolves the Jefe's
observación, adds an indicator linked to objetivo 1 and sends → jefe.mideplan approves →
experto.subdere returns it with an observación on that indicator's fórmula → the Encargado
fixes the fórmula, resolves and re-sends → approved and visado → gore.antofagasta downloads the
Plan PDF from «Mi región» and reads only región II's part and its GORE procedures. Every page
visited is saved as a full-page screenshot in ``artefactos/navegador-plan/``; the region page,
the programa and the document page are checked with axe.
"""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones
from tests.navegador.test_cadena_navegador import RAIZ, Capturas, _ingresar, _salir

pytestmark = pytest.mark.browser

ARTEFACTOS = RAIZ / "artefactos" / "navegador-plan"
ACTIVIDAD_I = "Taller con los municipios de Iquique y Alto Hospicio sobre la oferta de Chile Crece"
NOMBRE_INDICADOR = "Porcentaje de comunas con la oferta de Chile Crece Contigo informada al GORE"
NUMERADOR = "N° de comunas con la oferta informada"
DENOMINADOR = "N° de comunas de la región"
FORMULA_MALA = f"({NUMERADOR} / {DENOMINADOR})"
FORMULA_BUENA = f"({NUMERADOR} / {DENOMINADOR}) * 100"
OBSERVACION = "La fórmula debe multiplicar por 100: la unidad es porcentaje."


def _estado(page: Page):
    return page.locator("h1 ~ p .estado").first


def _abrir_plan(page: Page, base: str, pk: int, captura: Capturas, etiqueta: str) -> None:
    pendientes = page.locator("section[aria-labelledby='t-pendientes']")
    fila = pendientes.locator("tr", has_text="(MIDEPLAN)").filter(has_text="Plan y Programa")
    expect(fila).to_have_count(1)
    fila.get_by_role("link", name="Etapa II – Plan y Programa de Trabajo 2009").click()
    page.wait_for_url(f"{base}/documentos/{pk}/")
    captura(f"{etiqueta}-plan")


def _accion(page: Page, base: str, pk: int, boton: str) -> None:
    page.get_by_role("button", name=boton).click()
    page.wait_for_url(f"{base}/documentos/{pk}/")
    expect(page.locator(".alert-success")).to_be_visible()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) no está")
def test_plan_de_mideplan_por_toda_la_cadena(live_server, page: Page, tmp_path):
    from planes.models import Actividad, Indicador
    from pmggt.models import Documento, Observacion

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.PLAN
    )
    assert documento.estado == Documento.Estado.BORRADOR
    version_inicial = documento.version_actual
    base = live_server.url
    url_doc = f"{base}/documentos/{documento.pk}/"
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    captura = Capturas(page, ARTEFACTOS)

    # 1. serplac.tarapaca adds an activity of región I from her inbox's link.
    _ingresar(page, base, captura, "serplac.tarapaca", "serplac")
    pendientes = page.locator("section[aria-labelledby='t-pendientes']")
    fila = pendientes.locator("tr", has_text="Plan y Programa")
    fila.get_by_role("link", name=re.compile(r"^Programa de trabajo de su región: I ")).click()
    page.wait_for_url(f"{base}/planes/{documento.pk}/regiones/I/")
    captura("serplac-region-i")
    page.locator("summary", has_text="Agregar una actividad o hito").click()
    formulario = page.locator(f"form[action='/planes/{documento.pk}/regiones/I/actividades/']")
    formulario.get_by_label("Descripción").fill(ACTIVIDAD_I)
    formulario.get_by_label("Inicio").fill("2009-04-01")
    formulario.get_by_label("Plazo (término)").fill("2009-05-29")
    formulario.get_by_label("Responsable").fill("Encargada SERPLAC Tarapacá")
    formulario.get_by_label("Objetivo específico").select_option(index=1)
    formulario.get_by_label("Medio de verificación").fill("Acta del taller y lista de asistencia.")
    captura("serplac-actividad-formulario")
    formulario.get_by_role("button", name="Agregar").click()
    page.wait_for_url(re.compile(rf"/planes/{documento.pk}/regiones/I/"))
    expect(
        page.locator("#tabla-actividades, table").filter(has_text=ACTIVIDAD_I)
    ).not_to_have_count(0)
    expect(page.locator("figure.gantt-plan svg")).to_contain_text("Taller con los municipios")
    captura("serplac-actividad-agregada")
    afirmar_sin_violaciones(page, "Región I del Plan (Encargada de Centro)")
    # Another region's page is hers to read, not to edit.
    page.goto(f"{base}/planes/{documento.pk}/regiones/II/")
    expect(page.locator("summary", has_text="Agregar una actividad o hito")).to_have_count(0)
    _salir(page, base, captura, "serplac")
    actividad = Actividad.objects.get(plan__documento=documento, descripcion=ACTIVIDAD_I)
    assert actividad.centro.region.codigo == "I"
    assert actividad.history.latest().history_user.username == "serplac.tarapaca"

    # 2. encargado.mideplan resolves the Jefe's observación, adds an indicator on objetivo 1
    #    (a national one, in the Servicio's part) and sends the whole Plan.
    _ingresar(page, base, captura, "encargado.mideplan", "encargado")
    _abrir_plan(page, base, documento.pk, captura, "encargado")
    resolver = page.get_by_role("button", name="Marcar como resuelta")
    # The Jefe's observación is on the document in general (shown twice: in the content and
    # beside it); resolving it once resolves it.
    for _ in range(5):
        if resolver.count() == 0:
            break
        resolver.first.click()
        page.wait_for_url(url_doc)
        expect(page.locator(".alert-success")).to_contain_text("resuelta")
    expect(page.get_by_role("button", name="Marcar como resuelta")).to_have_count(0)
    page.goto(f"{base}/planes/{documento.pk}/regiones/servicio/")
    page.locator("summary", has_text="Agregar un indicador").click()
    formulario = page.locator(
        f"form[action='/planes/{documento.pk}/regiones/servicio/indicadores/']"
    )
    formulario.get_by_label("Nombre del indicador").fill(NOMBRE_INDICADOR)
    # A fórmula that does not name the numerador as written.
    formulario.get_by_label("Fórmula de cálculo").fill(f"(N° de comunas / {DENOMINADOR})")
    formulario.get_by_label("Numerador (variable)", exact=True).fill(NUMERADOR)
    formulario.get_by_label("Denominador (variable)", exact=True).fill(DENOMINADOR)
    formulario.get_by_label("Unidad de medida").fill("%")
    formulario.get_by_label("Meta", exact=True).fill("75")
    formulario.get_by_label("Numerador de la meta").fill("6")
    formulario.get_by_label("Denominador de la meta").fill("8")
    formulario.get_by_label("Medio de verificación").fill("Oficios conductores al GORE.")
    formulario.get_by_label("Objetivo específico").select_option(index=1)
    formulario.get_by_role("button", name="Agregar indicador").click()
    # Refused, in Spanish, next to the field; nothing saved, nothing typed lost.
    expect(
        page.get_by_text("La fórmula no contiene el numerador tal como está escrito.")
    ).to_be_visible()
    captura("encargado-indicador-rechazado")
    assert not Indicador.objects.filter(nombre=NOMBRE_INDICADOR).exists()
    formulario = page.locator(
        f"form[action='/planes/{documento.pk}/regiones/servicio/indicadores/']"
    )
    expect(formulario.get_by_label("Nombre del indicador")).to_have_value(NOMBRE_INDICADOR)
    formulario.get_by_label("Fórmula de cálculo").fill(FORMULA_MALA)
    formulario.get_by_role("button", name="Agregar indicador").click()
    page.wait_for_url(re.compile(rf"/planes/{documento.pk}/regiones/servicio/"))
    expect(page.locator("table").filter(has_text=NOMBRE_INDICADOR)).not_to_have_count(0)
    captura("encargado-indicador-agregado")
    indicador = Indicador.objects.get(plan__documento=documento, nombre=NOMBRE_INDICADOR)
    assert indicador.centro is None and indicador.objetivo.numero == 1

    page.goto(url_doc)
    expect(page.locator("#indicadores")).to_contain_text(NOMBRE_INDICADOR)
    afirmar_sin_violaciones(page, "Plan (Encargado/a GT)")
    _accion(page, base, documento.pk, "Enviar al Jefe/a de Servicio")
    expect(_estado(page)).to_have_text("En revisión del Jefe")
    captura("encargado-enviado")
    _salir(page, base, captura, "encargado")

    # 3. jefe.mideplan approves.
    documento.refresh_from_db()
    enviada = documento.version_actual
    assert enviada == version_inicial + 1
    _ingresar(page, base, captura, "jefe.mideplan", "jefe")
    _abrir_plan(page, base, documento.pk, captura, "jefe")
    _accion(page, base, documento.pk, f"Aprobar versión {enviada} y enviar a SUBDERE")
    expect(_estado(page)).to_have_text("En visación SUBDERE")
    _salir(page, base, captura, "jefe")

    # 4. experto.subdere returns it with an observación on the new indicator's fórmula.
    _ingresar(page, base, captura, "experto.subdere", "experto")
    _abrir_plan(page, base, documento.pk, captura, "experto")
    page.locator("summary", has_text="Devolver con observaciones").click()
    formulario = page.locator(f"form[action='/documentos/{documento.pk}/acciones/devolver/']")
    primera = formulario.locator("fieldset").first
    primera.get_by_label("Apunta a").select_option(
        label=f"Indicador {indicador.numero} (nacional) · Fórmula de cálculo"
    )
    primera.get_by_label("Observación").fill(OBSERVACION)
    captura("experto-devolver")
    formulario.get_by_role("button", name="Devolver al Encargado/a GT").click()
    page.wait_for_url(url_doc)
    expect(_estado(page)).to_have_text("Borrador")
    _salir(page, base, captura, "experto")
    observacion = Observacion.objects.get(documento=documento, texto=OBSERVACION)
    assert observacion.campo == f"ind:{indicador.pk}:formula"

    # 5. The Encargado/a sees it on the indicator's row, fixes the fórmula, resolves, re-sends.
    _ingresar(page, base, captura, "encargado.mideplan", "encargado-2")
    _abrir_plan(page, base, documento.pk, captura, "encargado-2")
    fila_indicador = page.locator(f"#indicadores #indicador-{indicador.pk}")
    expect(fila_indicador).to_have_class(re.compile(r"\bcon-observacion\b"))
    expect(fila_indicador).to_contain_text(OBSERVACION)
    page.goto(f"{base}/planes/{documento.pk}/regiones/servicio/indicadores/{indicador.pk}/")
    page.get_by_label("Fórmula de cálculo").fill(FORMULA_BUENA)
    captura("encargado-2-formula")
    page.get_by_role("button", name=re.compile("^Guardar")).click()
    page.wait_for_url(re.compile(rf"/planes/{documento.pk}/"))
    indicador.refresh_from_db()
    assert indicador.formula == FORMULA_BUENA
    page.goto(url_doc)
    fila_indicador.get_by_role("button", name="Marcar como resuelta").click()
    page.wait_for_url(url_doc)
    _accion(page, base, documento.pk, "Enviar al Jefe/a de Servicio")
    captura("encargado-2-reenviado")
    _salir(page, base, captura, "encargado-2")

    # 6. Approved and visado.
    documento.refresh_from_db()
    final = documento.version_actual
    for usuario, boton, etiqueta in [
        ("jefe.mideplan", f"Aprobar versión {final} y enviar a SUBDERE", "jefe-2"),
        ("experto.subdere", f"Dar V°B° a la versión {final}", "experto-2"),
    ]:
        _ingresar(page, base, captura, usuario, etiqueta)
        page.goto(url_doc)
        _accion(page, base, documento.pk, boton)
        captura(f"{etiqueta}-hecho")
        _salir(page, base, captura, etiqueta)
    documento.refresh_from_db()
    assert documento.estado == Documento.Estado.VISADO and documento.version_visada == final

    # 7. gore.antofagasta downloads the Plan's PDF from «Mi región»: región II's part only.
    _ingresar(page, base, captura, "gore.antofagasta", "gore")
    page.goto(f"{base}/mi-region/")
    fila = (
        page.locator("table.tabla-mi-region tbody tr")
        .filter(has_text="Plan y Programa de Trabajo 2009")
        .filter(has_text="MIDEPLAN")
    )
    expect(fila).to_have_count(1)
    captura("gore-mi-region")
    enlace = fila.get_by_role("link", name="Plan y Programa de Trabajo (PDF)")
    with page.expect_download() as info:
        enlace.click()
    ruta = tmp_path / "plan-II.pdf"
    info.value.save_as(ruta)
    assert ruta.read_bytes().startswith(b"%PDF")
    texto = subprocess.run(
        ["pdftotext", "-layout", str(ruta), "-"], capture_output=True, check=True, text=True
    ).stdout
    plano = " ".join(texto.split())
    assert "Plan y Programa de Trabajo" in plano and "Página 1 de" in plano
    region_ii = Actividad.objects.filter(plan__documento=documento, centro__region__codigo="II")
    for a in region_ii:
        assert " ".join(a.descripcion.split())[:40] in plano, a.descripcion
    assert "Taller con los municipios de Iquique" not in plano  # región I's
    for otra in ("Tarapacá", "Magallanes", "Región I ", "Región XII"):
        assert otra not in plano, plano[max(0, plano.find(otra) - 200) : plano.find(otra) + 100]
    # Its GORE's procedures only.
    assert "GORE II" in plano or "Antofagasta" in plano
    # The document page: the visado content, cut to región II, with its GORE's procedures.
    page.goto(url_doc)
    expect(page.locator("main")).not_to_contain_text(ACTIVIDAD_I)
    expect(page.locator("main")).not_to_contain_text(OBSERVACION)
    captura("gore-plan")
    afirmar_sin_violaciones(page, "Plan visado (GORE)")
    _salir(page, base, captura, "gore")
