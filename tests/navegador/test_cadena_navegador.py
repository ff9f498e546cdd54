"""The whole approval chain of a Diagnóstico, walked in a real browser by its three actors.

SERVIU Antofagasta's 2009 Diagnóstico (left in Borrador by the demo) is sent, returned by the
Jefe/a with an observación on objetivo 2, corrected and re-sent, approved and visado. Every page
visited is saved as a full-page screenshot in ``artefactos/navegador/``.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import CLAVE_DEMO, cargar_demo

pytestmark = pytest.mark.browser

RAIZ = Path(__file__).resolve().parents[2]
ARTEFACTOS = RAIZ / "artefactos" / "navegador"

ENCARGADO = "encargado.serviu"
JEFE = "jefe.serviu"
EXPERTO = "experto.subdere"

TEXTO_OBSERVACION = (
    "El objetivo 2 no dice cómo se medirá el avance: agregue una meta verificable por comuna."
)
NUEVO_OBJETIVO_2 = (
    "Reducir el déficit habitacional de la Región de Antofagasta, con metas anuales verificables "
    "por comuna informadas al Gobierno Regional."
)


class Capturas:
    """Numbered full-page screenshots, one per page visited, in visiting order."""

    def __init__(self, page: Page, carpeta: Path):
        self.page = page
        self.carpeta = carpeta
        self.numero = 0
        carpeta.mkdir(parents=True, exist_ok=True)
        for anterior in carpeta.glob("*.png"):
            anterior.unlink()

    def __call__(self, nombre: str) -> Path:
        self.page.wait_for_load_state("load")
        self.numero += 1
        ruta = self.carpeta / f"{self.numero:02d}-{nombre}.png"
        self.page.screenshot(path=str(ruta), full_page=True)
        return ruta


def _ingresar(page: Page, base: str, captura: Capturas, usuario: str, etiqueta: str) -> None:
    page.goto(f"{base}/cuentas/ingresar/")
    expect(page.get_by_role("heading", name="Ingresar a PMG-GT")).to_be_visible()
    captura(f"{etiqueta}-ingresar")
    page.fill("#id_username", usuario)
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("heading", name="Mis pendientes", exact=True)).to_be_visible()
    captura(f"{etiqueta}-mis-pendientes")


def _salir(page: Page, base: str, captura: Capturas, etiqueta: str) -> None:
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{base}/cuentas/ingresar/")
    captura(f"{etiqueta}-salir")


def _abrir_desde_pendientes(page: Page, base: str, pk: int, captura: Capturas, etiqueta: str):
    pendientes = page.locator("section[aria-labelledby='t-pendientes']")
    fila = pendientes.locator("tr", has_text="(SERVIU-ANTOFAGASTA)")
    fila = fila.filter(has_text="Diagnóstico")  # not its Plan (Etapa II)
    expect(fila).to_have_count(1)
    fila.get_by_role("link", name="Etapa I – Diagnóstico 2009").click()
    page.wait_for_url(f"{base}/documentos/{pk}/")
    expect(page.get_by_role("heading", name="Etapa I – Diagnóstico", level=1)).to_be_visible()
    captura(f"{etiqueta}-documento")


def _estado(page: Page):
    return page.locator("h1 ~ p .estado").first


def _mensaje_exito(page: Page):
    return page.locator(".alert-success")


def test_cadena_completa_con_devolucion_en_navegador(live_server, page: Page):
    from diagnostico.models import ObjetivoEstrategico
    from pmggt.models import Documento, Observacion, Transicion, VersionDocumento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    assert documento.estado == Documento.Estado.BORRADOR
    # The demo's version 1 was visado and reopened (its Plan reads it): this walk sends 2 and 3.
    assert (documento.version_actual, documento.version_visada) == (1, 1)
    objetivos = ObjetivoEstrategico.objects.filter(diagnostico__documento=documento)
    assert objetivos.count() == 6
    objetivo_2_original = objetivos.get(numero=2).descripcion

    base = live_server.url
    url_documento = f"{base}/documentos/{documento.pk}/"
    page.set_default_timeout(15_000)
    captura = Capturas(page, ARTEFACTOS)

    # 1. The Encargado/a GT sends version 2 to the Jefe/a.
    _ingresar(page, base, captura, ENCARGADO, "encargado")
    _abrir_desde_pendientes(page, base, documento.pk, captura, "encargado")
    expect(_estado(page)).to_have_text("Borrador")
    page.get_by_role("button", name="Enviar al Jefe/a de Servicio").click()
    page.wait_for_url(url_documento)
    expect(_mensaje_exito(page)).to_contain_text("En revisión del Jefe")
    expect(_estado(page)).to_have_text("En revisión del Jefe")
    captura("encargado-enviado-v1")
    _salir(page, base, captura, "encargado")

    # 2. The Jefe/a returns it with an observación on objetivo estratégico 2.
    _ingresar(page, base, captura, JEFE, "jefe")
    _abrir_desde_pendientes(page, base, documento.pk, captura, "jefe")
    page.locator("summary", has_text="Devolver con observaciones").click()
    formulario = page.locator(f"form[action='/documentos/{documento.pk}/acciones/devolver/']")
    expect(formulario).to_be_visible()
    primera = formulario.locator("fieldset").first
    primera.get_by_label("Apunta a").select_option(label="Objetivo estratégico 2")
    primera.get_by_label("Observación").fill(TEXTO_OBSERVACION)
    captura("jefe-devolver-formulario")
    formulario.get_by_role("button", name="Devolver al Encargado/a GT").click()
    page.wait_for_url(url_documento)
    expect(_mensaje_exito(page)).to_contain_text("Borrador")
    expect(_estado(page)).to_have_text("Borrador")
    captura("jefe-devuelto")
    _salir(page, base, captura, "jefe")

    # 3. The Encargado/a sees it on the objetivo 2 row, corrects, resolves and re-sends.
    _ingresar(page, base, captura, ENCARGADO, "encargado-2")
    _abrir_desde_pendientes(page, base, documento.pk, captura, "encargado-2")
    fila_2 = page.locator("#fila-objetivo-2")
    expect(fila_2).to_have_class(re.compile(r"\bcon-observacion\b"))
    expect(fila_2.locator(".observacion")).to_contain_text(TEXTO_OBSERVACION)
    expect(page.locator("#fila-objetivo-1 .observacion")).to_have_count(0)

    page.locator("#campo-mision").get_by_role("link", name="Editar").click()
    page.wait_for_url(f"{base}/diagnostico/{documento.pk}/definiciones/")
    expect(page.get_by_role("heading", name="Definiciones estratégicas")).to_be_visible()
    captura("encargado-2-editar")
    fila_edicion = page.locator("tr", has=page.locator("input.campo-numero[value='2']"))
    descripcion = fila_edicion.locator("textarea")
    expect(descripcion).to_have_value(objetivo_2_original)
    descripcion.fill(NUEVO_OBJETIVO_2)
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url_documento)
    expect(_mensaje_exito(page)).to_contain_text("Definiciones estratégicas: cambios guardados.")
    expect(fila_2).to_contain_text(NUEVO_OBJETIVO_2)
    captura("encargado-2-guardado")

    fila_2.get_by_role("button", name="Marcar como resuelta").click()
    page.wait_for_url(url_documento)
    expect(_mensaje_exito(page)).to_contain_text("Observación marcada como resuelta.")
    expect(fila_2.locator(".observacion")).to_have_count(0)
    captura("encargado-2-resuelta")

    page.get_by_label("Comentario para el Jefe/a (opcional)").fill(
        "Se agrega una meta verificable al objetivo 2."
    )
    page.get_by_role("button", name="Enviar al Jefe/a de Servicio").click()
    page.wait_for_url(url_documento)
    expect(_estado(page)).to_have_text("En revisión del Jefe")
    expect(page.get_by_text("versión vigente")).to_contain_text("v3")
    captura("encargado-2-enviado-v2")
    _salir(page, base, captura, "encargado-2")

    # 4. The Jefe/a approves version 3.
    _ingresar(page, base, captura, JEFE, "jefe-2")
    _abrir_desde_pendientes(page, base, documento.pk, captura, "jefe-2")
    page.get_by_role("button", name="Aprobar versión 3 y enviar a SUBDERE").click()
    page.wait_for_url(url_documento)
    expect(_estado(page)).to_have_text("En visación SUBDERE")
    captura("jefe-2-aprobado")
    _salir(page, base, captura, "jefe-2")

    # 5. The Experto/a SUBDERE gives the V°B°.
    _ingresar(page, base, captura, EXPERTO, "experto")
    _abrir_desde_pendientes(page, base, documento.pk, captura, "experto")
    page.get_by_role("button", name="Dar V°B° a la versión 3").click()
    page.wait_for_url(url_documento)
    captura("experto-visado")

    # 6. Visado, with every step in the timeline, and objetivo 2 shown as changed.
    expect(_estado(page)).to_have_text("Visado")
    expect(page.locator("h1 ~ p").filter(has_text="versión visada")).to_contain_text("v3")
    linea = page.locator("section[aria-labelledby='t-linea'] ol.linea-tiempo")
    encargado_nombre = "Encargado/a GT SERVIU Antofagasta"
    jefe_nombre = "Jefe/a de Servicio SERVIU Antofagasta"
    experto_nombre = "Experto/a Red de Expertos SUBDERE"
    pasos = [
        (encargado_nombre, "creó el documento"),
        (encargado_nombre, "envió la versión 2 al Jefe/a de Servicio"),
        (jefe_nombre, "devolvió la versión 2 con observaciones"),
        (encargado_nombre, "resolvió una observación"),
        (encargado_nombre, "envió la versión 3 al Jefe/a de Servicio"),
        (jefe_nombre, "aprobó la versión 3 y la envió a SUBDERE"),
        (experto_nombre, "visó la versión 3"),
    ]
    for actor, frase in pasos:
        evento = linea.locator("li", has_text=frase)
        expect(evento).to_have_count(1)
        expect(evento).to_contain_text(actor)
    # The transitions first, newest first; then the observación's resolution (grouped lines).
    texto_linea = linea.inner_text()
    transiciones = [frase for _, frase in pasos if "observación" not in frase]
    posiciones = [texto_linea.index(frase) for frase in transiciones]
    assert posiciones == sorted(posiciones, reverse=True), texto_linea
    assert texto_linea.index("resolvió una observación") > max(posiciones), texto_linea

    page.get_by_role("link", name="Comparar versiones").click()
    page.wait_for_url(re.compile(rf"/documentos/{documento.pk}/diferencias/"))
    expect(page.get_by_role("heading", name="Comparar versiones")).to_be_visible()
    expect(page.get_by_text("Versión 2 → Versión 3: 1 cambio: 1 modificado")).to_be_visible()
    captura("experto-comparar-versiones")
    filas = page.locator("table tbody tr")
    cambiada = filas.filter(has=page.get_by_role("rowheader", name="Objetivo estratégico 2"))
    expect(cambiada).to_have_class("diferencia-cambiado")
    expect(cambiada.locator("td").first).to_have_text("Modificado")
    expect(cambiada.locator("ins.agregado").first).to_be_visible()
    expect(page.locator("tr.diferencia-cambiado")).to_have_count(1)
    # Only the change is shown; everything else (presentación, misión, the other objetivos,
    # products, cuadros) is equal, as the full comparison shows.
    expect(page.locator("tr.diferencia-igual")).to_have_count(0)
    page.get_by_role("link", name="Mostrar también lo que no cambió").click()
    expect(page.locator("tr.diferencia-cambiado")).to_have_count(1)
    total = len(documento.versiones.get(numero=3).contenido["objetivos_estrategicos"])
    expect(
        page.locator("tr.diferencia-igual").filter(has_text="Objetivo estratégico")
    ).to_have_count(total - 1)
    expect(page.locator("tr.diferencia-agregado, tr.diferencia-eliminado")).to_have_count(0)

    page.goto(url_documento)
    captura("experto-documento-final")
    _salir(page, base, captura, "experto")

    # Database outcomes.
    documento.refresh_from_db()
    assert documento.estado == Documento.Estado.VISADO
    assert documento.version_actual == 3
    assert documento.version_visada == 3
    Accion = Transicion.Accion
    assert [
        (t.accion, t.version, t.actor.username, t.estado_destino)
        for t in Transicion.objects.filter(documento=documento).select_related("actor")
    ] == [
        (Accion.CREAR, 0, ENCARGADO, Documento.Estado.BORRADOR),
        # The demo's: version 1 visado, then reopened.
        (Accion.ENVIAR, 1, ENCARGADO, Documento.Estado.EN_REVISION_JEFE),
        (Accion.APROBAR, 1, JEFE, Documento.Estado.EN_VISACION),
        (Accion.VISAR, 1, EXPERTO, Documento.Estado.VISADO),
        (Accion.SOLICITAR_MODIFICACION, 1, ENCARGADO, Documento.Estado.BORRADOR),
        # This walk.
        (Accion.ENVIAR, 2, ENCARGADO, Documento.Estado.EN_REVISION_JEFE),
        (Accion.DEVOLVER, 2, JEFE, Documento.Estado.BORRADOR),
        (Accion.ENVIAR, 3, ENCARGADO, Documento.Estado.EN_REVISION_JEFE),
        (Accion.APROBAR, 3, JEFE, Documento.Estado.EN_VISACION),
        (Accion.VISAR, 3, EXPERTO, Documento.Estado.VISADO),
    ]
    devolucion = Transicion.objects.get(documento=documento, accion=Accion.DEVOLVER)
    observacion = Observacion.objects.get(documento=documento)
    assert observacion.campo == "objetivo:2"
    assert observacion.texto == TEXTO_OBSERVACION
    assert observacion.autor.username == JEFE
    assert observacion.version == 2
    assert observacion.transicion == devolucion
    assert observacion.resuelta
    assert observacion.resuelta_por.username == ENCARGADO
    assert objetivos.get(numero=2).descripcion == NUEVO_OBJETIVO_2
    versiones = {
        v.numero: v.contenido for v in VersionDocumento.objects.filter(documento=documento)
    }
    assert sorted(versiones) == [1, 2, 3]

    def objetivo_2(contenido):
        return next(o for o in contenido["objetivos_estrategicos"] if o["numero"] == 2)

    assert objetivo_2(versiones[2])["descripcion"] == objetivo_2_original
    assert objetivo_2(versiones[3])["descripcion"] == NUEVO_OBJETIVO_2
    assert len(list(ARTEFACTOS.glob("*.png"))) == captura.numero
