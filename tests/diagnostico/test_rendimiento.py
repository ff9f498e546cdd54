"""Smoke test of the benchmark (manage.py medir_rendimiento, docs/rendimiento.md).

A tiny world: the personas' world (tests/conftest.py) with a Diagnóstico of Servicio A in
Borrador and a visado one of an earlier Ciclo, so that every page of the report has a persona
and a document (the GORE's pages and the diff included); and two Plans (Etapa II) on visado
Diagnósticos of two more Ciclos: one in Borrador, one visado and then modified (a second
version), so that every Plan page has one too. One round, no real PDF, no load run.
"""

import re
from io import StringIO

from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from pmggt import workflow
from pmggt.models import Documento
from tests.conftest import (
    construir_mundo,
    crear_diagnostico,
    huella_bd,
    llevar_a,
    mundo_compartido,
)
from tests.fabricas import CicloFactory
from tests.planes.fabricas import crear_plan


def construir_mundo_rendimiento():
    m = construir_mundo()
    m.borrador = crear_diagnostico(m)
    anterior = CicloFactory(anio=2008)
    m.visado = llevar_a(m, crear_diagnostico(m, ciclo=anterior), Documento.Estado.VISADO)
    m.plan = crear_plan(m, ciclo=CicloFactory(anio=2007))
    plan = llevar_a(m, crear_plan(m, ciclo=CicloFactory(anio=2006)), Documento.Estado.VISADO)
    workflow.solicitar_modificacion(
        documento=plan, actor=m.encargada, comentario="Se agrega un hito."
    )
    plan.refresh_from_db()
    workflow.enviar(documento=plan, actor=m.encargada)
    plan.refresh_from_db()
    m.plan_modificado = plan
    return m


mundo_rendimiento = mundo_compartido(construir_mundo_rendimiento)

SECCIONES = [
    "#### Personas y documentos elegidos",
    "#### Consultas por página",
    "#### Tiempo de servidor relativo a la página vacía",
    "#### PDF",
    "#### Excel",
]
PAGINAS = [
    "Mis pendientes · Encargado/a GT",
    "Mis pendientes · Encargado/a de Centro",
    "Mis pendientes · Jefe/a",
    "Mis pendientes · Experto/a",
    "Mis pendientes · GORE",
    "Mis pendientes · Administrador/a",
    "Documentos, página 1 · Administrador/a",
    "Documentos filtrados, página 2 · Experto/a",
    "Página del documento · lector interno",
    "Página del documento · GORE",
    "Etapa I · Definiciones · Encargado/a GT",
    "Etapa I · Productos · Encargado/a GT",
    "Etapa I · Clientes · Encargado/a GT",
    "Etapa I · Otros · Encargado/a GT",
    "Cuadro región I · Encargado/a GT",
    "Cuadro región I · Encargado/a de Centro",
    "Cuadro región I · GORE",
    "Diferencias entre versiones",
    "PDF Informe Etapa I · Administrador/a",
    "Excel, exportar · Encargado/a GT",
    "Excel, importar (POST) · Encargado/a GT",
]
PAGINAS_PLAN = [
    "Etapa II · Página del documento · Encargado/a GT",
    "Etapa II · Objetivos · Encargado/a GT",
    "Etapa II · Información regional · Encargado/a GT",
    "Etapa II · Indicadores · Encargado/a GT",
    "Etapa II · Programa de trabajo · Encargado/a GT",
    "Etapa II · Región I · Encargado/a de Centro",
    "Etapa II · Parte nacional (servicio) · Encargado/a GT",
    "Etapa II · Página del documento · Experto/a (más observaciones)",
    "Etapa II · Página del documento · GORE",
    "Etapa II · Región I · GORE",
    "Etapa II · Diferencias entre versiones",
    "Etapa II · PDF Plan y Programa de Trabajo · Administrador/a",
    "Etapa II · Excel, exportar · Encargado/a GT",
    "Etapa II · Excel, importar (POST) · Encargado/a GT",
]


def test_informe_con_cada_seccion_y_consultas_por_pagina(mundo_rendimiento, pdf_simulado, tmp_path):
    antes = huella_bd()
    estados = list(Documento.objects.order_by("pk").values_list("estado", "version_actual"))
    salida = tmp_path / "rendimiento.md"
    out = StringIO()
    call_command(
        "medir_rendimiento",
        "--rondas",
        "1",
        "--rondas-pdf",
        "1",
        "--sin-pdf",
        "--salida",
        str(salida),
        stdout=out,
        stderr=StringIO(),
    )
    texto = out.getvalue()
    assert salida.read_text(encoding="utf-8") == texto
    for seccion in SECCIONES:
        assert seccion in texto, seccion
    consultas = texto.split("#### Consultas por página")[1].split("###")[0]
    for pagina in PAGINAS + PAGINAS_PLAN:
        fila = next((f for f in consultas.splitlines() if f.startswith(f"| {pagina} |")), None)
        assert fila is not None, pagina
        # | página | persona | HTTP | consultas | cumple | KB |
        celdas = [c.strip() for c in fila.strip("|").split("|")]
        assert re.fullmatch(r"[23]\d\d", celdas[2]), fila
        assert re.fullmatch(r"\d+", celdas[3]), fila
        if pagina.startswith("Etapa II · Excel, importar"):
            assert celdas[2] == "302", fila  # applied (then undone), not refused
    # Which rows are the Plan's is said, and each Etapa II page was timed against the bare page.
    assert "Las filas «Etapa II · …»" in texto
    assert "Etapa II: Plan en Borrador con más filas" in texto
    tiempos = texto.split("#### Tiempo de servidor relativo")[1].split("###")[0]
    for pagina in PAGINAS_PLAN[:10]:
        assert re.search(
            rf"\| {re.escape(pagina)} \| [\d.,]+ \| [\d.,]+ \| [\d,]+× \| ≤ 3× \|", tiempos
        ), pagina
    tiempos = texto.split("#### Tiempo de servidor relativo")[1].split("###")[0]
    assert re.search(r"\| Mis pendientes · Experto/a \| [\d.,]+ \| [\d.,]+ \| [\d,]+× \|", tiempos)
    assert "Omitido (--sin-pdf)" in texto
    assert re.search(r"\| exportar ÷ openpyxl write-only .* \| [\d,]+× \|", texto)
    assert re.search(r"\| importar \(POST, deshecho\) .* \| [\d,]+× \|", texto)
    assert re.search(r"\| Etapa II · exportar ÷ openpyxl write-only .* \| [\d,]+× \|", texto)
    assert re.search(r"\| Etapa II · importar \(POST, deshecho\) .* \| [\d,]+× \|", texto)
    # The import was rolled back, the logins' sessions too: the database is as it was.
    assert huella_bd() == antes
    assert list(Documento.objects.order_by("pk").values_list("estado", "version_actual")) == (
        estados
    )
    # The bare page is the bench's own: the product's URLconf does not have it.
    try:
        reverse("bench_vacia")
    except NoReverseMatch:
        pass
    else:
        raise AssertionError("/_bench/vacia/ está en las URLs del producto")


def test_las_personas_de_la_carga_leen_planes(mundo_rendimiento, client):
    """The load run's personas (``personas_carga``) browse the Plans they can read: their
    document page and section or regional pages, each answering 200 to that person."""
    from django.contrib.auth import get_user_model

    from diagnostico.rendimiento import personas_carga

    datos = personas_carga("clave-prueba")
    por_usuario = {p["usuario"]: p for p in datos["personas"]}
    encargada = por_usuario["encargada"]
    assert set(encargada["planes"]) >= {
        mundo_rendimiento.plan.pk,
        mundo_rendimiento.plan_modificado.pk,
    }
    assert encargada["secciones_plan"]
    gore = por_usuario["gore.i"]
    # A GORE reads only the Plans with a visado version, on its region's pages.
    assert gore["planes"] == [mundo_rendimiento.plan_modificado.pk]
    assert all("/regiones/I/" in u or u.endswith("/programa/") for u in gore["secciones_plan"])
    User = get_user_model()
    for persona in (encargada, gore):
        client.force_login(User.objects.get(username=persona["usuario"]))
        for pk in persona["planes"]:
            assert client.get(reverse("pmggt:documento", args=[pk])).status_code == 200
        for url in persona["secciones_plan"]:
            assert client.get(url).status_code == 200, url
