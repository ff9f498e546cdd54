"""Smoke test of the benchmark (manage.py medir_rendimiento, docs/rendimiento.md).

A tiny world: the personas' world (tests/conftest.py) with a Diagnóstico of Servicio A in
Borrador and a visado one of an earlier Ciclo, so that every page of the report has a persona
and a document (the GORE's pages and the diff included). One round, no real PDF, no load run.
"""

import re
from io import StringIO

from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from pmggt.models import Documento
from tests.conftest import (
    construir_mundo,
    crear_diagnostico,
    huella_bd,
    llevar_a,
    mundo_compartido,
)
from tests.fabricas import CicloFactory


def construir_mundo_rendimiento():
    m = construir_mundo()
    m.borrador = crear_diagnostico(m)
    anterior = CicloFactory(anio=2008)
    m.visado = llevar_a(m, crear_diagnostico(m, ciclo=anterior), Documento.Estado.VISADO)
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
    for pagina in PAGINAS:
        fila = next((f for f in consultas.splitlines() if f.startswith(f"| {pagina}")), None)
        assert fila is not None, pagina
        # | página | persona | HTTP | consultas | cumple | KB |
        celdas = [c.strip() for c in fila.strip("|").split("|")]
        assert re.fullmatch(r"[23]\d\d", celdas[2]), fila
        assert re.fullmatch(r"\d+", celdas[3]), fila
    tiempos = texto.split("#### Tiempo de servidor relativo")[1].split("###")[0]
    assert re.search(r"\| Mis pendientes · Experto/a \| [\d.,]+ \| [\d.,]+ \| [\d,]+× \|", tiempos)
    assert "Omitido (--sin-pdf)" in texto
    assert re.search(r"\| exportar ÷ openpyxl write-only .* \| [\d,]+× \|", texto)
    assert re.search(r"\| importar \(POST, deshecho\) .* \| [\d,]+× \|", texto)
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
