"""The returned document and the send checklist in the browser (issue 9, items 6 and 7).

SERVIU Antofagasta's 2009 Diagnóstico of the demo, sent: the Jefe/a returns it with two
observaciones; the Encargado/a GT sees the banner «Devuelto por … con 2 observaciones» at the
top of the document page, follows its link to the observación on the misión, and finds the
checklist «Antes de enviar» in the Acciones panel with the Enviar button disabled while
something blocks (the open observaciones, then a misión left empty), enabled once everything
is fixed; she sends. axe-core (WCAG 2.1 AA) finds no violation on these screens; full-page
screenshots at 1366 and 820 px in ``$PMGGT_CAPTURAS/devuelto`` (or pytest's tmp).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import CLAVE_DEMO, cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones, carpeta_capturas

pytestmark = pytest.mark.browser

ANCHOS = (1366, 820)
OBS_MISION = "La misión no menciona el territorio regional: precise la cobertura en Antofagasta."
OBS_GENERAL = "Revise la concordancia entre productos y objetivos."


def _ingresar(page: Page, base: str, usuario: str) -> None:
    page.goto(f"{base}/cuentas/ingresar/")
    page.fill("#id_username", usuario)
    page.fill("#id_password", CLAVE_DEMO)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"{base}/")


def _salir(page: Page, base: str) -> None:
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{base}/cuentas/ingresar/")


def _capturas(page: Page, carpeta, nombre: str) -> None:
    for ancho in ANCHOS:
        page.set_viewport_size({"width": ancho, "height": 900})
        page.wait_for_load_state("load")
        page.screenshot(path=str(carpeta / f"{nombre}-{ancho}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _acciones_antes_del_contenido_en_tableta(page: Page) -> None:
    """At 820 px the Acciones panel is above the content; at 1366 px beside it."""
    acciones = page.locator("section[aria-labelledby='t-acciones']")
    contenido = page.locator(".documento-contenido")
    page.set_viewport_size({"width": 820, "height": 900})
    caja_a, caja_c = acciones.bounding_box(), contenido.bounding_box()
    assert caja_a["y"] + caja_a["height"] <= caja_c["y"] + 1, (caja_a, caja_c)
    page.set_viewport_size({"width": 1366, "height": 900})
    caja_a, caja_c = acciones.bounding_box(), contenido.bounding_box()
    assert caja_a["x"] >= caja_c["x"] + caja_c["width"] - 1, (caja_a, caja_c)
    assert abs(caja_a["y"] - caja_c["y"]) < 40, (caja_a, caja_c)


def test_devuelto_con_aviso_y_lista_antes_de_enviar(live_server, page: Page, tmp_path_factory):
    from django.contrib.auth import get_user_model

    from pmggt import workflow
    from pmggt.models import Documento, Observacion

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    encargado = get_user_model().objects.get(username="encargado.serviu")
    workflow.enviar(documento=documento, actor=encargado)
    carpeta = carpeta_capturas(tmp_path_factory, "devuelto")
    base = live_server.url
    url = f"{base}/documentos/{documento.pk}/"
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})

    # 1. The Jefe/a returns version 1 with two observaciones and a general comment.
    _ingresar(page, base, "jefe.serviu")
    page.goto(url)
    page.locator("summary", has_text="Devolver con observaciones").click()
    formulario = page.locator(f"form[action='/documentos/{documento.pk}/acciones/devolver/']")
    primera, segunda = formulario.locator("fieldset").nth(0), formulario.locator("fieldset").nth(1)
    primera.get_by_label("Apunta a").select_option(label="Misión institucional")
    primera.get_by_label("Observación").fill(OBS_MISION)
    segunda.get_by_label("Observación").fill(OBS_GENERAL)
    formulario.get_by_label("Comentario general de la devolución (opcional)").fill(
        "Dos ajustes antes de enviar a SUBDERE."
    )
    formulario.get_by_role("button", name="Devolver al Encargado/a GT").click()
    page.wait_for_url(url)
    _salir(page, base)

    # 2. The Encargado/a GT: the banner at the top, with a link to each observación.
    _ingresar(page, base, "encargado.serviu")
    page.goto(url)
    aviso = page.locator("section.aviso-devuelto")
    expect(aviso.get_by_role("heading", level=2)).to_contain_text(
        "Devuelto por Jefe/a de Servicio SERVIU Antofagasta (Jefe/a de Servicio) el "
    )
    expect(aviso.get_by_role("heading", level=2)).to_contain_text("con 2 observaciones")
    expect(aviso).to_contain_text("Dos ajustes antes de enviar a SUBDERE.")
    assert aviso.bounding_box()["y"] < page.locator(".documento-rejilla").bounding_box()["y"]
    afirmar_sin_violaciones(page, "documento devuelto")
    _capturas(page, carpeta, "01-documento-devuelto")
    _acciones_antes_del_contenido_en_tableta(page)

    obs = Observacion.objects.get(documento=documento, campo="mision")
    aviso.get_by_role("link", name="Misión institucional").click()
    page.wait_for_url(f"{url}#observacion-{obs.pk}")
    destino = page.locator(f"#campo-mision #observacion-{obs.pk}")
    expect(destino).to_contain_text(OBS_MISION)
    expect(destino).to_be_in_viewport()

    # 3. The checklist before Enviar: the open observaciones block, so the button is disabled.
    lista = page.locator("#lista-envio")
    enviar = page.get_by_role("button", name="Enviar al Jefe/a de Servicio")
    expect(lista).to_contain_text("Quedan 2 observación(es) sin resolver")
    expect(enviar).to_be_disabled()
    expect(page.locator("#razon-envio")).to_contain_text("No se puede enviar todavía")
    caja_lista, caja_boton = lista.bounding_box(), enviar.bounding_box()
    assert caja_lista["y"] < caja_boton["y"]
    lista.scroll_into_view_if_needed()
    afirmar_sin_violaciones(page, "lista antes de enviar")
    _capturas(page, carpeta, "02-lista-antes-de-enviar")

    # 4. She empties the misión by mistake: it blocks too, linked to the field to fix.
    page.locator("#campo-mision").get_by_role("link", name="Editar").click()
    page.wait_for_url(f"{base}/diagnostico/{documento.pk}/definiciones/")
    mision = page.locator("#id_def-mision")
    texto_mision = mision.input_value()
    mision.fill("")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(url)
    expect(lista).to_contain_text("Falta la misión institucional.")
    expect(lista).to_contain_text("2 impiden enviar")
    expect(enviar).to_be_disabled()
    _capturas(page, carpeta, "03-lista-mision-vacia")
    lista.get_by_role("link", name="Falta la misión institucional.").click()
    page.wait_for_url(f"{base}/diagnostico/{documento.pk}/definiciones/#id_def-mision")
    expect(mision).to_be_in_viewport()
    mision.fill(texto_mision + " Con cobertura en toda la Región de Antofagasta.")
    page.get_by_role("button", name="Guardar").click()
    # (The browser keeps the fragment of the page it came from across the redirect.)
    page.wait_for_url(re.compile(re.escape(url) + r"(#.*)?$"))
    page.goto(url)
    expect(lista).not_to_contain_text("Falta la misión institucional.")

    # 5. Resolving both observaciones leaves only warnings (or nothing): Enviar is enabled.
    for texto in (OBS_MISION, OBS_GENERAL):
        observacion = page.locator(".documento-contenido .observacion", has_text=texto).first
        observacion.get_by_role("button", name="Marcar como resuelta").click()
        page.wait_for_url(url)
    expect(lista).not_to_contain_text("Impide enviar")
    expect(enviar).to_be_enabled()
    expect(page.locator("#razon-envio")).to_have_count(0)
    afirmar_sin_violaciones(page, "lista sin bloqueos")
    _capturas(page, carpeta, "04-lista-sin-bloqueos")
    enviar.click()
    page.wait_for_url(url)
    expect(page.locator("h1 ~ p .estado").first).to_have_text("En revisión del Jefe")
    expect(page.locator("section.aviso-devuelto")).to_have_count(0)
    documento.refresh_from_db()
    assert (documento.estado, documento.version_actual) == (
        Documento.Estado.EN_REVISION_JEFE,
        3,  # the demo's version 1 was visado and reopened; version 2 was returned
    )


def test_la_encargada_de_centro_ve_el_aviso_de_su_region(live_server, page: Page, tmp_path_factory):
    """MIDEPLAN's Diagnóstico (demo, En visación): the Experto/a observes a cell of region III
    and one of region I, then returns it with a general observación. The Encargada de Centro of
    Atacama (III) sees, on her cuadro page, the banner counting her region's and the general
    one, and its link takes her to the observed cell."""
    from django.contrib.auth import get_user_model

    from diagnostico.models import FilaCuadro1
    from pmggt import services, workflow
    from pmggt.models import Documento, Observacion

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    experto = get_user_model().objects.get(username="experto.subdere")
    filas = {
        codigo: FilaCuadro1.objects.filter(
            diagnostico__documento=documento, centro__region__codigo=codigo
        ).first()
        for codigo in ("I", "III")
    }
    for codigo, fila in filas.items():
        services.observacion_crear(
            documento=documento,
            autor=experto,
            texto=f"Cuantifique la mejora prevista en la región {codigo}.",
            campo=f"c1:{fila.pk}:mejora",
        )
    workflow.devolver(
        documento=documento,
        actor=experto,
        version=documento.version_actual,
        observaciones=[{"texto": "Revise la coherencia con el Plan regional.", "campo": ""}],
    )
    celda = Observacion.objects.get(campo=f"c1:{filas['III'].pk}:mejora")
    carpeta = carpeta_capturas(tmp_path_factory, "devuelto-centro")
    base = live_server.url
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    _ingresar(page, base, "serplac.atacama")
    cuadro = f"{base}/diagnostico/{documento.pk}/cuadros/III/"
    page.goto(cuadro)
    aviso = page.locator("section.aviso-devuelto")
    expect(aviso.get_by_role("heading", level=2)).to_contain_text("(Experto/a SUBDERE) el ")
    expect(aviso.get_by_role("heading", level=2)).to_contain_text("con 2 observaciones")
    expect(aviso).to_contain_text("Se cuentan las observaciones de su parte (región III)")
    expect(aviso).to_contain_text("la devolución tiene 3 en total")
    expect(aviso).not_to_contain_text("región I.")
    afirmar_sin_violaciones(page, "cuadro de la región III devuelto")
    _capturas(page, carpeta, "01-cuadro-region-devuelto")
    aviso.get_by_role("link", name="Celda de los cuadros · región III").click()
    page.wait_for_url(f"{cuadro}#observacion-{celda.pk}")
    destino = page.locator(f"#celda-c1-{filas['III'].pk}-mejora #observacion-{celda.pk}")
    expect(destino).to_contain_text("Cuantifique la mejora prevista en la región III.")
    expect(destino).to_be_in_viewport()


def test_aprobar_con_una_observacion_abierta_la_arrastra(live_server, page: Page, tmp_path_factory):
    """The Jefe/a observes without returning and approves: the approve form says the open
    observación is carried; the Experto/a then finds it under «Observaciones abiertas al
    aprobar/visar (arrastradas)», and the timeline says «con 1 observación abierta»."""
    from django.contrib.auth import get_user_model

    from pmggt import workflow
    from pmggt.models import Documento, Transicion

    cargar_demo()
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    workflow.enviar(
        documento=documento, actor=get_user_model().objects.get(username="encargado.serviu")
    )
    carpeta = carpeta_capturas(tmp_path_factory, "arrastradas")
    base = live_server.url
    url = f"{base}/documentos/{documento.pk}/"
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1366, "height": 900})

    _ingresar(page, base, "jefe.serviu")
    page.goto(url)
    page.locator("summary", has_text="Agregar observación sin devolver").click()
    observar = page.locator(f"form[action='/documentos/{documento.pk}/observaciones/']")
    observar.get_by_label("Apunta a").select_option(label="Misión institucional")
    observar.get_by_label("Observación").fill(
        "Para la próxima versión: cite la fuente de la misión."
    )
    observar.get_by_role("button", name="Registrar observación").click()
    page.wait_for_url(url)
    aprobar = page.locator(f"form[action='/documentos/{documento.pk}/acciones/aprobar/']")
    expect(aprobar).to_contain_text("Observaciones abiertas: 1. Al aprobar no se resuelven")
    expect(aprobar.get_by_role("link", name="Misión institucional")).to_be_visible()
    afirmar_sin_violaciones(page, "aprobar con una observación abierta")
    _capturas(page, carpeta, "01-aprobar-con-abierta")
    # The demo's version 1 was visado and reopened: this is version 2.
    aprobar.get_by_role("button", name="Aprobar versión 2 y enviar a SUBDERE").click()
    page.wait_for_url(url)
    _salir(page, base)
    aprobacion = Transicion.objects.filter(documento=documento, accion="aprobar").latest("pk")
    assert aprobacion.arrastradas.count() == 1

    _ingresar(page, base, "experto.subdere")
    page.goto(url)
    seccion = page.locator("#arrastradas")
    expect(seccion.get_by_role("heading", level=2)).to_have_text(
        "Observaciones abiertas al aprobar/visar (arrastradas)"
    )
    expect(seccion).to_contain_text("cite la fuente de la misión. — sigue abierta")
    linea = page.locator("section[aria-labelledby='t-linea']")
    expect(linea).to_contain_text(
        "aprobó la versión 2 y la envió a SUBDERE con 1 observación abierta"
    )
    visar = page.locator(f"form[action='/documentos/{documento.pk}/acciones/visar/']")
    expect(visar).to_contain_text("Al dar el V°B° no se resuelven")
    afirmar_sin_violaciones(page, "documento con una observación arrastrada")
    _capturas(page, carpeta, "02-experto-arrastradas")
