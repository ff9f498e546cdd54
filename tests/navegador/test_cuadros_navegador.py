"""Etapa I in the browser: a region's Cuadro I N°1 filled by its Encargada de Centro, returned
by SUBDERE with an observación pinned to one cell, fixed in place, visado, and downloaded by
the GORE of another region, who cannot open region I's part."""

import pytest
from playwright.sync_api import Page, expect

from pmggt.carga import cargar_demo
from tests.navegador.test_cadena_navegador import ARTEFACTOS, Capturas, _ingresar, _salir

pytestmark = pytest.mark.browser

AVANCE = "Se constituyó la mesa técnica regional de Chile Solidario con las municipalidades."
MEJORA_VAGA = "Mejorar la coordinación."
MEJORA_PRECISA = "Reducir a 10 días hábiles la derivación de casos entre comunas de la región."
OBSERVACION = "La mejora no es verificable: indique una meta medible."


def _preparar():
    """MIDEPLAN's 2010 Diagnóstico in Borrador, with its products (from the 2009 demo)."""
    from django.contrib.auth import get_user_model

    from diagnostico.models import (
        Diagnostico,
        FilaCuadro1,
        FilaCuadro2,
        ObjetivoEstrategico,
        ProductoEstrategico,
    )
    from pmggt import services
    from pmggt.historia import actuando_como
    from pmggt.models import Centro, Ciclo, Documento

    cargar_demo()
    encargado = get_user_model().objects.get(username="encargado.mideplan")
    with actuando_como(get_user_model().objects.get(username="admin")):
        ciclo = Ciclo.objects.create(anio=2010)
    mideplan = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    documento = services.documento_crear(
        servicio=mideplan.servicio, ciclo=ciclo, etapa=1, actor=encargado
    )
    with actuando_como(encargado):
        diagnostico = Diagnostico.objects.get(documento=documento)
        diagnostico.mision = mideplan.diagnostico.mision
        diagnostico.save()
        for o in mideplan.diagnostico.objetivos.all():
            ObjetivoEstrategico.objects.create(
                diagnostico=diagnostico, numero=o.numero, descripcion=o.descripcion
            )
        ProductoEstrategico.objects.create(
            diagnostico=diagnostico,
            numero="1",
            nombre="Sistema de Protección Social",
            orden=1,
            aplica_pt="aplica",
            causal_coordinacion=True,
        )
        # Región II already has its part, so the GORE of Antofagasta has something to read.
        centro_ii = Centro.objects.get(servicio=mideplan.servicio, region__codigo="II")
        fila = FilaCuadro1.objects.create(
            diagnostico=diagnostico,
            centro=centro_ii,
            causales="coordinacion",
            avance="Mesa regional de protección social en funcionamiento.",
            mejora="Informes trimestrales al Gabinete Regional.",
            medidas="Oficializar la mesa.",
            objetivo="Coordinar la red de protección social de Antofagasta.",
        )
        fila.productos.set(ProductoEstrategico.objects.filter(diagnostico=diagnostico))
        FilaCuadro2.objects.create(
            diagnostico=diagnostico,
            centro=centro_ii,
            informacion="oferta",
            medidas_gore="Entregar al GORE la oferta programática cada semestre.",
        )
        # Sending requires a Cuadro I N°1 row in every region: región I's is written in the
        # browser below, región II's here; the other regions get a plain one.
        for otro in Centro.objects.filter(servicio=mideplan.servicio).exclude(
            region__codigo__in=["I", "II"]
        ):
            FilaCuadro1.objects.create(
                diagnostico=diagnostico,
                centro=otro,
                producto_texto="Producto: 1. Sistema de Protección Social.",
                avance="Avance regional.",
                mejora="Mejora regional.",
                medidas="Medidas regionales.",
                objetivo="Objetivo regional.",
            )
    return documento


def test_cuadro_regional_observado_en_una_celda_y_visado(live_server, page: Page, pdf_simulado):
    from diagnostico.models import FilaCuadro1
    from pmggt.models import Documento, Observacion

    documento = _preparar()
    base = live_server.url
    url_doc = f"{base}/documentos/{documento.pk}/"
    url_cuadro_i = f"{base}/diagnostico/{documento.pk}/cuadros/I/"
    page.set_default_timeout(15_000)
    captura = Capturas(page, ARTEFACTOS.parent / "navegador-cuadros")

    # 1. serplac.tarapaca fills región I's Cuadro I N°1.
    _ingresar(page, base, captura, "serplac.tarapaca", "serplac")
    pendientes = page.locator("section[aria-labelledby='t-pendientes']")
    pendientes.get_by_role("link", name="Etapa I – Diagnóstico 2010").click()
    page.wait_for_url(url_doc)
    captura("serplac-documento")
    page.locator("#region-I").get_by_role("link", name="Editar cuadros").click()
    page.wait_for_url(url_cuadro_i)
    expect(page.locator("#region-II")).to_have_count(0)
    page.locator("summary", has_text="Agregar una fila").click()
    page.get_by_label("1 Sistema de Protección Social").check()
    page.get_by_label("En materia de coordinación y/o complementariedad").check()
    page.get_by_label("Avance existente aplicando la PT (2)").fill(AVANCE)
    page.get_by_label("Mejora prevista que se proyecta lograr (3)").fill(MEJORA_VAGA)
    page.get_by_label("Medidas necesarias que acompañen las mejoras (4)").fill(
        "• Oficializar la mesa\n• Informar al GORE"
    )
    page.get_by_label("Objetivo recomendado al Plan GT (5)").fill("Coordinar la red regional.")
    captura("serplac-nueva-fila")
    page.get_by_role("button", name="Agregar fila").click()
    expect(page.locator(".alert-success")).to_contain_text("Fila agregada")
    fila = FilaCuadro1.objects.get(diagnostico__documento=documento, centro__region__codigo="I")
    expect(page.locator(f"#fila-c1-{fila.pk}")).to_contain_text(AVANCE)
    captura("serplac-fila-agregada")
    _salir(page, base, captura, "serplac")

    # 2. encargado.mideplan sends; jefe.mideplan approves.
    _ingresar(page, base, captura, "encargado.mideplan", "encargado")
    page.goto(url_doc)
    page.get_by_role("button", name="Enviar al Jefe/a de Servicio").click()
    expect(page.locator(".alert-success")).to_contain_text("En revisión del Jefe")
    captura("encargado-enviado")
    _salir(page, base, captura, "encargado")
    _ingresar(page, base, captura, "jefe.mideplan", "jefe")
    page.goto(url_doc)
    page.get_by_role("button", name="Aprobar versión 1 y enviar a SUBDERE").click()
    expect(page.locator(".alert-success")).to_contain_text("En visación SUBDERE")
    captura("jefe-aprobado")
    _salir(page, base, captura, "jefe")

    # 3. experto.subdere pins an observación to the "mejora" cell and returns the document.
    _ingresar(page, base, captura, "experto.subdere", "experto")
    page.goto(url_cuadro_i)
    celda = page.locator(f"#celda-c1-{fila.pk}-mejora")
    celda.locator("summary", has_text="Observar esta celda").click()
    celda.get_by_label("Observación").fill(OBSERVACION)
    captura("experto-observar-celda")
    celda.get_by_role("button", name="Registrar observación").click()
    page.wait_for_url(url_cuadro_i)
    expect(page.locator(f"#celda-c1-{fila.pk}-mejora .observacion")).to_contain_text(OBSERVACION)
    captura("experto-celda-observada")
    page.goto(url_doc)
    page.locator("summary", has_text="Devolver con observaciones").click()
    page.get_by_role("button", name="Devolver al Encargado/a GT").click()
    expect(page.locator(".alert-success")).to_contain_text("Borrador")
    captura("experto-devuelto")
    _salir(page, base, captura, "experto")

    # 4. serplac.tarapaca sees it on that cell, fixes the cell in place and resolves it.
    _ingresar(page, base, captura, "serplac.tarapaca", "serplac-2")
    page.goto(url_cuadro_i)
    celda = page.locator(f"#celda-c1-{fila.pk}-mejora")
    expect(celda.locator(".observacion")).to_contain_text(OBSERVACION)
    expect(page.locator(f"#celda-c1-{fila.pk}-avance .observacion")).to_have_count(0)
    captura("serplac-ve-observacion")
    page.locator(f"#fila-c1-{fila.pk}").get_by_role("link", name="Editar").click()
    editor = page.locator(f"#fila-c1-{fila.pk} form[hx-post]")
    expect(editor).to_be_visible()  # swapped in place by htmx
    assert page.url == url_cuadro_i
    editor.get_by_label("Mejora prevista que se proyecta lograr (3)").fill(MEJORA_PRECISA)
    captura("serplac-edita-en-linea")
    editor.get_by_role("button", name="Guardar fila").click()
    expect(page.locator(f"#celda-c1-{fila.pk}-mejora")).to_contain_text(MEJORA_PRECISA)
    page.reload()
    page.locator(f"#celda-c1-{fila.pk}-mejora").get_by_role(
        "button", name="Marcar como resuelta"
    ).click()
    expect(page.locator(".alert-success")).to_contain_text("resuelta")
    captura("serplac-resuelta")
    _salir(page, base, captura, "serplac-2")
    assert Observacion.objects.get(documento=documento).resuelta_por.username == "serplac.tarapaca"

    # 5. Sent, approved, visado.
    for usuario, boton, etiqueta in [
        ("encargado.mideplan", "Enviar al Jefe/a de Servicio", "encargado-2"),
        ("jefe.mideplan", "Aprobar versión 2 y enviar a SUBDERE", "jefe-2"),
        ("experto.subdere", "Dar V°B° a la versión 2", "experto-2"),
    ]:
        _ingresar(page, base, captura, usuario, etiqueta)
        page.goto(url_doc)
        if usuario == "experto.subdere":
            expect(page.get_by_text("Usted devolvió la versión 1")).to_be_visible()
        page.get_by_role("button", name=boton).click()
        expect(page.locator(".alert-success")).to_be_visible()
        captura(f"{etiqueta}-hecho")
        _salir(page, base, captura, etiqueta)
    documento.refresh_from_db()
    assert documento.estado == Documento.Estado.VISADO

    # 6. gore.antofagasta downloads región II's cuadro PDF and cannot open región I's.
    _ingresar(page, base, captura, "gore.antofagasta", "gore")
    page.goto(f"{base}/diagnostico/{documento.pk}/cuadros/II/")
    captura("gore-cuadros-region-ii")
    with page.expect_download() as descarga:
        page.get_by_role("link", name="Cuadro I N°1 (PDF)").click()
    ruta = descarga.value.path()
    with open(ruta, "rb") as archivo:
        assert archivo.read(5) == b"%PDF-"
    assert descarga.value.suggested_filename.endswith("-II.pdf")
    # The download is a stub PDF (pdf_simulado): the report printed is region II's Cuadro I N°1.
    assert len(pdf_simulado) == 1
    assert "Cuadro I N°1" in pdf_simulado[0]
    assert "Coordinar la red de protección social de Antofagasta." in pdf_simulado[0]
    assert AVANCE not in pdf_simulado[0]  # región I's row is not in región II's cuadro
    respuesta = page.request.get(f"{base}/diagnostico/{documento.pk}/pdf/cuadro1/?region=I")
    assert respuesta.status == 403
    respuesta = page.goto(url_cuadro_i)
    assert respuesta.status == 403
    captura("gore-region-i-rechazada")
