"""Accessibility: axe-core (WCAG 2.1 AA) finds no violation on the pages each role uses.

On the demo, each role walks its pages as it would: anyone (the login page, with a wrong
password, and the password reset request), the Encargado/a GT of SERVIU Antofagasta
(Mis pendientes, the documents list, the document, the four Etapa I sections, the Servicio-level
Cuadros with and without form errors, the Excel import, a 404), its Jefe/a with the return form
open, the Encargado/a again after the return (observaciones on the document, a field and a
cell), an Encargada de Centro (her inbox), the Experto/a SUBDERE on MIDEPLAN's document in
visación (with its observación), every one of its 15 regional cuadro pages and the diff, and the
GORE of Antofagasta on the visado document and its region's cuadros. Each page is screenshotted
at 1366 px, full page, into ``$PMGGT_CAPTURAS/accesibilidad-*`` (or pytest's tmp), with
``informe.txt`` listing the pages and what axe left for a person to review.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from pmggt.carga import CLAVE_DEMO, cargar_demo
from tests.navegador.accesibilidad import Recorrido, afirmar_sin_violaciones, carpeta_capturas

pytestmark = pytest.mark.browser


def _ingresar(page: Page, base: str, usuario: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/cuentas/ingresar/")
    page.fill("#id_username", usuario)
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("heading", name="Mis pendientes", exact=True)).to_be_visible()


def _usuario(nombre):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=nombre)


def test_axe_senala_cada_infraccion_con_regla_impacto_selector_y_html(live_server, page: Page):
    """The check is not vacuous: a low-contrast text and an image without alt text are reported
    with the rule, its impact, where and the element's HTML."""
    page.goto(f"{live_server.url}/cuentas/ingresar/")
    afirmar_sin_violaciones(page, "ingresar")
    page.evaluate(
        """() => {
          const p = document.createElement('p');
          p.id = 'poco-contraste';
          p.textContent = 'Texto gris claro sobre blanco';
          p.style.color = '#cccccc';  // through the CSSOM, which the CSP allows
          const img = document.createElement('img');
          img.id = 'sin-alt';
          img.src = '/static/vendor/gob.cl/favicon-32x32.png';
          document.querySelector('main').append(p, img);
        }"""
    )
    with pytest.raises(AssertionError) as fallo:
        afirmar_sin_violaciones(page, "ingresar con dos errores")
    mensaje = str(fallo.value)
    assert "ingresar con dos errores: 2 regla(s) incumplida(s)" in mensaje
    assert "color-contrast [serious]" in mensaje and "#poco-contraste" in mensaje
    assert "image-alt [critical]" in mensaje and '<img id="sin-alt"' in mensaje
    assert "insufficient color contrast of 1.6" in mensaje


def test_servicio_encargado_y_jefe_sin_violaciones(live_server, page: Page, tmp_path_factory):
    from diagnostico.models import FilaCuadro1
    from pmggt import workflow
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    assert documento.estado == Documento.Estado.BORRADOR
    assert not documento.servicio.centros.exists()  # its Cuadros are the Servicio's own
    base = live_server.url
    doc = f"{base}/documentos/{documento.pk}/"
    diag = f"{base}/diagnostico/{documento.pk}"
    page.set_default_timeout(15_000)
    r = Recorrido(page, carpeta_capturas(tmp_path_factory, "accesibilidad-serviu"))

    page.goto(f"{base}/cuentas/ingresar/")
    expect(page.get_by_role("heading", name="Ingresar a PMG-GT")).to_be_visible()
    r.revisar("ingresar")
    page.fill("#id_username", "encargado.serviu")
    page.fill("#id_password", "no-es-la-clave")
    page.get_by_role("button", name="Ingresar").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    r.revisar("ingresar-clave-erronea")
    r.visitar(f"{base}{reverse('password_reset')}", "restablecer-contrasena")

    # The Encargado/a GT, with the document in Borrador.
    _ingresar(page, base, "encargado.serviu")
    r.revisar("encargado-mis-pendientes")
    r.visitar(f"{base}/documentos/", "encargado-documentos")
    r.visitar(doc, "encargado-documento-borrador")
    for seccion in ("definiciones", "productos", "clientes", "otros"):
        r.visitar(f"{diag}/{seccion}/", f"encargado-seccion-{seccion}")
    r.visitar(f"{diag}/cuadros/servicio/", "encargado-cuadros-servicio")
    # The new-row form sent empty: its errors in red, in place (htmx).
    page.locator("summary", has_text="Agregar una fila").click()
    page.get_by_role("button", name="Agregar fila").click()
    expect(page.locator("#mensajes .alert-danger")).to_contain_text("no se guardó")
    expect(page.locator("#cuadro1 .text-danger").first).to_be_visible()
    r.revisar("encargado-cuadros-servicio-fila-con-errores")
    r.visitar(f"{diag}/excel/importar/", "encargado-importar-excel")
    page.get_by_role("button", name="Importar").click()
    expect(page.locator(".invalid-feedback")).to_be_visible()
    r.revisar("encargado-importar-excel-sin-archivo")
    r.visitar(f"{doc}diferencias/", "encargado-diferencias-sin-versiones")
    respuesta = page.goto(f"{base}/documentos/999999/")
    assert respuesta.status == 404
    r.revisar("encargado-pagina-404")

    # Sent; the Jefe/a opens the return form.
    workflow.enviar(documento=documento, actor=_usuario("encargado.serviu"))
    _ingresar(page, base, "jefe.serviu")
    r.revisar("jefe-mis-pendientes")
    page.goto(doc)
    page.locator("summary", has_text="Devolver con observaciones").click()
    expect(page.get_by_role("button", name="Devolver al Encargado/a GT")).to_be_visible()
    r.revisar("jefe-documento-devolver")

    # Returned with observaciones on the document, on objetivo 2 and on a cell of the Cuadro.
    documento.refresh_from_db()
    fila = FilaCuadro1.objects.filter(diagnostico__documento=documento).order_by("pk").first()
    workflow.devolver(
        documento=documento,
        actor=_usuario("jefe.serviu"),
        version=documento.version_actual,
        observaciones=[
            {"texto": "Revise la presentación completa antes de reenviar."},
            {"texto": "Agregue una meta verificable por comuna.", "campo": "objetivo:2"},
            {"texto": "La mejora no es medible.", "campo": f"c1:{fila.pk}:mejora"},
        ],
    )
    _ingresar(page, base, "encargado.serviu")
    r.revisar("encargado-mis-pendientes-devuelto")
    r.visitar(f"{base}/documentos/", "encargado-documentos-observaciones-abiertas")
    r.visitar(doc, "encargado-documento-devuelto-con-observaciones")
    expect(page.locator(".observacion").first).to_be_visible()
    r.visitar(f"{diag}/definiciones/", "encargado-definiciones-con-observacion")
    r.visitar(f"{diag}/cuadros/servicio/", "encargado-cuadros-servicio-con-observacion")
    expect(page.locator("#cuadro1 .con-observacion").first).to_be_visible()
    r.visitar(f"{doc}diferencias/", "encargado-diferencias")

    r.verificar(minimo=24)


def test_mideplan_experto_y_gore_sin_violaciones(live_server, page: Page, tmp_path_factory):
    from pmggt import workflow
    from pmggt.models import Documento

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    assert documento.estado == Documento.Estado.EN_VISACION
    assert documento.observaciones.exists()
    regiones = list(
        documento.servicio.centros.order_by("region__orden").values_list(
            "region__codigo", flat=True
        )
    )
    assert len(regiones) == 15
    base = live_server.url
    doc = f"{base}/documentos/{documento.pk}/"
    diag = f"{base}/diagnostico/{documento.pk}"
    page.set_default_timeout(15_000)
    r = Recorrido(page, carpeta_capturas(tmp_path_factory, "accesibilidad-mideplan"))

    # An Encargada de Centro's inbox: her region's part of the document.
    _ingresar(page, base, "serplac.tarapaca")
    r.revisar("centro-mis-pendientes")

    # The Experto/a SUBDERE reviews the version in visación: the document, every regional
    # cuadro page (with the per-cell "observar" forms) and what changed from v1 to v2.
    _ingresar(page, base, "experto.subdere")
    r.revisar("experto-mis-pendientes")
    r.visitar(doc, "experto-documento-en-visacion")
    expect(page.locator(".observacion").first).to_be_visible()
    page.locator("summary", has_text="Devolver con observaciones").click()
    page.locator("summary", has_text="Agregar observación sin devolver").click()
    r.revisar("experto-documento-formularios-abiertos")
    for codigo in regiones:
        r.visitar(f"{diag}/cuadros/{codigo}/", f"experto-cuadros-{codigo}")
        expect(page.get_by_role("heading", name="Cuadro I. N°1", exact=False)).to_be_visible()
    r.visitar(f"{doc}diferencias/?a=1&b=2", "experto-diferencias-v1-v2")
    r.visitar(f"{base}/documentos/", "experto-documentos")

    # Visado: the GORE of Antofagasta reads its region's part.
    workflow.visar(
        documento=documento, actor=_usuario("experto.subdere"), version=documento.version_actual
    )
    _ingresar(page, base, "gore.antofagasta")
    r.revisar("gore-mis-pendientes")
    r.visitar(doc, "gore-documento-visado")
    r.visitar(f"{diag}/cuadros/II/", "gore-cuadros-II")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Antofagasta")
    r.visitar(f"{base}/documentos/", "gore-documentos")

    r.verificar(minimo=25)
