"""SUBDERE runs the year, in a real browser (issue 11), on the demo:

the administrator sets the 2009 deadlines in the Calendario (Etapa I ten days ago, Etapa II in
five days) → opens the Tablero, filters the late Servicios (SEGPRES, which never started its
Diagnóstico) and exports them to Excel → jefe.serviu designates subdirector.serviu (no role of
his own) as subrogante for a week → subdirector.serviu approves SERVIU's Plan, and the timeline
says «por subrogancia de …» → experto.subdere prepares DGOP's auditor's dossier, waits until its
progress reads 100 % and downloads the ZIP, whose index matches its files. Every page visited is
saved as a full-page screenshot in ``artefactos/navegador-anio/`` (1366 px, and the Tablero also
at 820 px); the Calendario, the Tablero, the Subrogancias and the dossier pages are checked with
axe. Tasks run in-process here (no broker), as in the demo: tests/tareas/ drives a real worker.
"""

import csv
import hashlib
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from pmggt import calendario
from pmggt.carga import cargar_demo
from tests.navegador.accesibilidad import afirmar_sin_violaciones
from tests.navegador.test_cadena_navegador import RAIZ, Capturas, _ingresar, _salir

pytestmark = pytest.mark.browser

ARTEFACTOS = RAIZ / "artefactos" / "navegador-anio"


def test_subdere_conduce_el_anio(live_server, page: Page, pdf_simulado):
    from pmggt.models import Documento, Dossier, Plazo, Subrogancia, Transicion

    cargar_demo()
    hoy = calendario.hoy()
    base = live_server.url
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 1366, "height": 900})
    captura = Capturas(page, ARTEFACTOS)

    # 1. The administrator sets the 2009 deadlines.
    _ingresar(page, base, captura, "admin", "admin")
    page.get_by_role("link", name="Calendario", exact=True).click()
    page.wait_for_url(f"{base}/calendario/")
    captura("admin-calendario")
    afirmar_sin_violaciones(page, "calendario")
    page.get_by_role("link", name=re.compile("Editar plazos")).click()
    page.wait_for_url(f"{base}/calendario/2009/editar/")
    etapa1, etapa2 = hoy - timedelta(days=10), hoy + timedelta(days=5)
    page.get_by_label("Etapa I – Diagnóstico").fill(etapa1.isoformat())
    page.get_by_label("Etapa II – Plan y Programa de Trabajo").fill(etapa2.isoformat())
    captura("admin-calendario-editar")
    afirmar_sin_violaciones(page, "calendario-editar")
    page.get_by_role("button", name="Guardar plazos").click()
    page.wait_for_url(f"{base}/calendario/2009/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("body")).to_contain_text("vencido hace 10 días")
    expect(page.locator("body")).to_contain_text("vence en 5 días")
    captura("admin-calendario-guardado")
    assert Plazo.objects.get(ciclo__anio=2009, etapa=1, periodo=0).vence == etapa1
    assert Plazo.objects.get(ciclo__anio=2009, etapa=2, periodo=0).vence == etapa2
    # The extension granted to MIDEPLAN's Plan stays MIDEPLAN's only.
    assert Plazo.objects.get(ciclo__anio=2009, etapa=2, periodo=0).prorrogas.count() == 1

    # 2. The Tablero: every Servicio, then only the late ones, exported to Excel.
    page.get_by_role("link", name="Tablero", exact=True).click()
    page.wait_for_url(f"{base}/tablero/")
    tabla = page.locator("table.tablero-filas, table").filter(has_text="SEGPRES").first
    expect(tabla).to_contain_text("DGOP")
    captura("admin-tablero")
    afirmar_sin_violaciones(page, "tablero")
    page.get_by_label("Situación").select_option("atrasados")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url(re.compile(r"/tablero/\?.*situacion=atrasados"))
    filas = page.locator("tbody tr", has_text="SEGPRES")
    expect(filas.first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("DGOP-")  # no other Servicio's row
    captura("admin-tablero-atrasados")
    page.set_viewport_size({"width": 820, "height": 1000})
    captura("admin-tablero-atrasados-820")
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_download() as descarga:
        page.get_by_role("link", name=re.compile("Descargar Excel")).click()
    archivo = descarga.value
    assert archivo.suggested_filename.endswith(".xlsx")
    libro = load_workbook(io.BytesIO(Path(archivo.path()).read_bytes()), read_only=True)
    textos = {
        str(celda)
        for hoja in libro.worksheets
        for fila in hoja.iter_rows(values_only=True)
        for celda in fila
        if celda is not None
    }
    assert "SEGPRES" in textos
    assert not {"DGOP", "MIDEPLAN", "SERVIU-ANTOFAGASTA"} & textos, "solo los atrasados"
    _salir(page, base, captura, "admin")

    # 3. SERVIU's Jefe designates his subrogante for a week.
    _ingresar(page, base, captura, "jefe.serviu", "jefe")
    page.get_by_role("link", name="Subrogancias", exact=True).click()
    page.wait_for_url(f"{base}/subrogancias/")
    formulario = page.locator("form", has=page.get_by_role("button", name="Designar subrogante"))
    formulario.get_by_label("u otra persona (usuario o correo)").fill("subdirector.serviu")
    formulario.get_by_label("Desde (inclusive)").fill(hoy.isoformat())
    formulario.get_by_label("Hasta (inclusive)").fill((hoy + timedelta(days=7)).isoformat())
    formulario.get_by_label("Motivo").fill("Feriado legal")
    captura("jefe-subrogancias")
    formulario.get_by_role("button", name="Designar subrogante").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Subdirector/a SERVIU Antofagasta")
    captura("jefe-subrogancia-designada")
    afirmar_sin_violaciones(page, "subrogancias")
    subrogancia = Subrogancia.objects.get(subrogante__username="subdirector.serviu")
    assert subrogancia.titular.username == "jefe.serviu"
    _salir(page, base, captura, "jefe")

    # 4. The subrogante approves SERVIU's Plan, which waits for the Jefe/a.
    plan = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.PLAN
    )
    assert plan.estado == Documento.Estado.EN_REVISION_JEFE
    _ingresar(page, base, captura, "subdirector.serviu", "subrogante")
    pendientes = page.locator("section[aria-labelledby='t-pendientes']")
    pendientes.get_by_role("link", name="Etapa II – Plan y Programa de Trabajo 2009").click()
    page.wait_for_url(f"{base}/documentos/{plan.pk}/")
    captura("subrogante-plan")
    page.get_by_role(
        "button", name=f"Aprobar versión {plan.version_actual} y enviar a SUBDERE"
    ).click()
    page.wait_for_url(f"{base}/documentos/{plan.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("por subrogancia de Jefe/a de Servicio SERVIU")
    captura("subrogante-plan-aprobado")
    aprobacion = Transicion.objects.filter(documento=plan, accion="aprobar").latest("fecha")
    assert aprobacion.actor.username == "subdirector.serviu"
    assert aprobacion.subrogancia_id == subrogancia.pk
    _salir(page, base, captura, "subrogante")

    # 5. The Experto prepares DGOP's dossier and downloads it at 100 %.
    _ingresar(page, base, captura, "experto.subdere", "experto")
    page.get_by_role("link", name="Expedientes", exact=True).click()
    page.wait_for_url(f"{base}/expedientes/")
    formulario = page.locator("form.dossier-solicitar")
    servicio = formulario.get_by_label("Servicio")
    dgop = servicio.locator("option", has_text="DGOP ·").get_attribute("value")
    servicio.select_option(dgop)
    formulario.get_by_label("Ciclo").select_option(label="2009")
    captura("experto-expedientes")
    formulario.get_by_role("button", name="Preparar expediente").click()
    page.wait_for_url(re.compile(r"/expedientes/\d+/$"))
    expect(page.locator("main")).to_contain_text("100 %")
    boton = page.get_by_role("link", name=re.compile("Descargar expediente"))
    expect(boton).to_be_visible()
    captura("experto-expediente-listo")
    afirmar_sin_violaciones(page, "expediente")
    with page.expect_download() as descarga:
        boton.click()
    contenido = Path(descarga.value.path()).read_bytes()
    dossier = Dossier.objects.get(servicio__sigla="DGOP")
    assert dossier.estado == Dossier.Estado.LISTO and dossier.progreso == 100
    assert hashlib.sha256(contenido).hexdigest() == dossier.sha256
    with zipfile.ZipFile(io.BytesIO(contenido)) as zip_:
        nombres = set(zip_.namelist())
        indice = next(n for n in nombres if n.endswith("indice.csv"))
        filas = list(csv.DictReader(io.StringIO(zip_.read(indice).decode("utf-8-sig"))))
        assert filas, "el índice lista los archivos"
        for fila in filas:
            ruta = next(v for k, v in fila.items() if k.lower().startswith(("archivo", "ruta")))
            firma = next(v for k, v in fila.items() if "sha256" in k.lower())
            completa = next(n for n in nombres if n.endswith(ruta))
            assert hashlib.sha256(zip_.read(completa)).hexdigest() == firma
    assert all("DGOP" in n for n in nombres), "nada de otro Servicio"
    _salir(page, base, captura, "experto")
