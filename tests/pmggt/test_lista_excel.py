"""The documents list as Excel (``?formato=xlsx``): every filtered row (not only a page), in the
list's order, with the list's visibility rules (a GORE gets no observaciones count and no draft
version), formula-safe text, Spanish headers, a dated filename, in constant queries."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pmggt.informes import TIPOS
from pmggt.informes.excel import FILA_ENCABEZADO
from pmggt.models import Ciclo, Documento
from tests.conftest import PERSONAS, crear_diagnostico
from tests.fabricas import CicloFactory, ServicioFactory
from tests.pmggt.test_lista_documentos import VE, _mundo_de_tres, _pares
from tests.pmggt.test_pendientes import (
    LOGIN,
    PERSONAS_CONSULTAS,
    ampliar,
    contar_consultas,
    filas_de,
)

Estado = Documento.Estado
URL = "pmggt:documento_lista"
ENCABEZADOS = [
    "Servicio",
    "Sigla",
    "Ciclo",
    "Etapa",
    "Estado",
    "Versión vigente",
    "Versión visada",
    "Observaciones abiertas",
    "En este estado desde",
    "Enlace",
    "Plazo",
    "Vence",
]


def _descargar(client, **filtros):
    respuesta = client.get(reverse(URL), {**filtros, "formato": "xlsx"})
    assert respuesta.status_code == 200
    assert respuesta["Content-Type"] == TIPOS["xlsx"]
    return respuesta


def _hoja(respuesta):
    wb = load_workbook(io.BytesIO(respuesta.content))
    assert wb.sheetnames == ["Documentos"]
    return wb["Documentos"]


def _filas(client, **filtros) -> list[list]:
    """The data rows (values), after checking the header row."""
    ws = _hoja(_descargar(client, **filtros))
    assert [c.value for c in ws[FILA_ENCABEZADO]] == ENCABEZADOS
    return [list(fila) for fila in ws.iter_rows(min_row=FILA_ENCABEZADO + 1, values_only=True)]


def test_anonimo_va_al_ingreso(client):
    respuesta = client.get(reverse(URL), {"formato": "xlsx"})
    assert respuesta.status_code == 302
    assert respuesta["Location"].startswith(f"{LOGIN}?next=")


def test_archivo_con_fecha_titulo_y_cabeceras(client, mundo):
    crear_diagnostico(mundo)
    client.force_login(mundo.admin)
    respuesta = _descargar(client, ciclo=mundo.ciclo.pk, estado="borrador")
    hoy = timezone.localdate()
    assert respuesta["Content-Disposition"] == (
        f'attachment; filename="documentos-pmggt-{hoy:%Y-%m-%d}.xlsx"'
    )
    assert "no-store" in respuesta["Cache-Control"]
    ws = _hoja(respuesta)
    assert ws["A1"].value == "Documentos PMG-GT"
    assert ws["A2"].value == "Filtros: Ciclo 2009 · Estado: Borrador"
    assert ws["A3"].value.startswith(f"Descargado el {hoy:%d-%m-%Y}")
    assert [c.value for c in ws[FILA_ENCABEZADO]] == ENCABEZADOS
    assert ws.freeze_panes == f"A{FILA_ENCABEZADO + 1}"
    assert ws.auto_filter.ref == f"A{FILA_ENCABEZADO}:L{FILA_ENCABEZADO + 1}"


def test_todas_las_filas_no_solo_la_pagina_y_en_el_orden_de_la_lista(client, mundo):
    creados = [crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010 + i)) for i in range(30)]
    client.force_login(mundo.admin)
    filas = _filas(client)
    assert len(filas) == 30
    assert [f[2] for f in filas] == list(range(2039, 2009, -1))  # -ciclo, as the list
    # With filters and an order: exactly the list's rows, in its order, page after page.
    filtros = {"texto": "serv-a", "orden": "ciclo", "estado": "borrador"}
    pagina_1 = filas_de(client.get(reverse(URL), filtros).content.decode())
    pagina_2 = filas_de(client.get(reverse(URL), {**filtros, "pagina": 2}).content.decode())
    filas = _filas(client, **filtros)
    assert [(f[1], str(f[2])) for f in filas] == _pares(pagina_1 + pagina_2)
    assert [f[2] for f in filas] == [d.ciclo.anio for d in creados]
    # The list's own «Descargar Excel» link gives the same rows.
    html = client.get(reverse(URL), {**filtros, "pagina": 2}).content.decode()
    enlace = re.search(r'href="\?([^"]*formato=xlsx)"', html)[1].replace("&amp;", "&")
    assert "pagina" not in enlace
    respuesta = client.get(f"{reverse(URL)}?{enlace}")
    assert respuesta["Content-Type"] == TIPOS["xlsx"]
    assert len(list(_hoja(respuesta).iter_rows(min_row=FILA_ENCABEZADO + 1))) == 30


@pytest.mark.parametrize("persona", PERSONAS)
def test_cada_persona_descarga_exactamente_sus_filas(client, mundo, persona):
    _mundo_de_tres(mundo)
    client.force_login(mundo.personas[persona])
    filas = _filas(client)
    assert sorted((f[1], str(f[2])) for f in filas) == sorted(VE[persona])
    # And with filters that would reach other Servicios, still only hers.
    for filtros in ({"texto": "serv"}, {"etapa": 1}, {"region": mundo.regiones[0].pk}):
        assert {(f[1], str(f[2])) for f in _filas(client, **filtros)} <= VE[persona]


def test_celdas_de_cada_fila_y_lo_que_un_gore_no_ve(client, mundo):
    visado, borrador, _otro = _mundo_de_tres(mundo)  # visado has one open observación
    visado.refresh_from_db()
    client.force_login(mundo.encargada)
    filas = {f[2]: f for f in _filas(client)}
    url_visado = f"http://testserver{reverse('pmggt:documento', args=[visado.pk])}"
    url_borrador = f"http://testserver{reverse('pmggt:documento', args=[borrador.pk])}"
    desde = timezone.localtime(visado.estado_desde).replace(tzinfo=None, second=0, microsecond=0)
    fila = filas[2009]
    assert fila[:8] == [
        "Servicio A",
        "SERV-A",
        2009,
        "Etapa I – Diagnóstico",
        "Visado",
        1,
        1,
        1,
    ]
    assert isinstance(fila[8], datetime.datetime)
    assert fila[8].replace(second=0, microsecond=0) == desde
    assert fila[9] == url_visado
    assert filas[2010][4:8] == ["Borrador", None, None, 0]
    assert filas[2010][9] == url_borrador
    # A GORE: the visado record only; no observaciones count, no draft version, and no link to
    # what it cannot open yet.
    client.force_login(mundo.gore)
    filas = {f[2]: f for f in _filas(client)}
    assert filas[2009][4:8] == ["Visado", None, 1, None]
    assert filas[2009][9] == url_visado
    assert filas[2010][4:8] == ["Borrador", None, None, None]
    assert filas[2010][9] is None


def test_texto_que_parece_formula_queda_como_texto(client, mundo):
    ServicioFactory(sigla="SERV-F", nombre='=HYPERLINK("http://x","y")', region=mundo.regiones[0])
    ServicioFactory(sigla="SERV-G", nombre="+56 9 1234\x07")
    client.force_login(mundo.admin)
    ws = _hoja(_descargar(client, estado="no_iniciado", orden="-servicio"))
    celdas = {f[1].value: f[0] for f in ws.iter_rows(min_row=FILA_ENCABEZADO + 1)}
    formula = celdas["SERV-F"]
    assert formula.data_type == "s" and formula.value == '=HYPERLINK("http://x","y")'
    assert formula.quotePrefix
    assert celdas["SERV-G"].data_type == "s" and celdas["SERV-G"].value == "+56 9 1234"


def test_no_iniciado_en_excel(client, mundo):
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    CicloFactory(anio=2010)
    ServicioFactory(sigla="SERV-INACTIVO", activo=False)
    client.force_login(mundo.admin)
    filas = _filas(client, estado="no_iniciado", etapa=1)
    assert [f[:5] for f in filas] == [
        ["Servicio A", "SERV-A", 2010, "Etapa I – Diagnóstico", "No iniciado"],
        ["Servicio B", "SERV-B", 2010, "Etapa I – Diagnóstico", "No iniciado"],
        ["Servicio A", "SERV-A", 2009, "Etapa I – Diagnóstico", "No iniciado"],
    ]
    assert all(f[5:] == [None] * 5 + [None, "Sin plazo"] for f in filas)
    ws = _hoja(_descargar(client, estado="no_iniciado"))
    assert (
        ws["A2"].value
        == "Filtros: Ciclos abiertos (2010, 2009) · Estado: No iniciado (Servicios sin documento)"
    )
    # A GORE gets the Servicios of her region only.
    client.force_login(mundo.gore)
    assert {f[1] for f in _filas(client, estado="no_iniciado")} == {"SERV-A"}
    client.force_login(mundo.gore_ajeno)
    assert _filas(client, estado="no_iniciado") == []


def test_lista_vacia_da_un_libro_con_encabezados(client, mundo):
    client.force_login(mundo.gore_ajeno)
    assert _filas(client) == []


# --- Constant queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS_CONSULTAS)
def test_excel_en_consultas_constantes(client, mundo, django_assert_max_num_queries, persona):
    """The same number of queries with 2 and with 12 Servicios, documents and observaciones;
    at most MAXIMO_CONSULTAS."""
    urls = {
        "excel": reverse(URL) + "?formato=xlsx",
        "excel_filtrado": reverse(URL)
        + f"?formato=xlsx&region={mundo.regiones[0].pk}&orden=-estado",
        "excel_no_iniciado": reverse(URL) + "?formato=xlsx&estado=no_iniciado",
    }
    ampliar(mundo, 0, 2)
    client.force_login(mundo.personas[persona])
    pequeno = {
        k: contar_consultas(client, u, django_assert_max_num_queries) for k, u in urls.items()
    }
    ampliar(mundo, 2, 12)
    Ciclo.objects.create(anio=2010)
    grande = {
        k: contar_consultas(client, u, django_assert_max_num_queries) for k, u in urls.items()
    }
    print(f"\nconsultas excel {persona}: {pequeno} (2) / {grande} (12)")
    assert pequeno == grande
    if persona == "admin":
        assert len(_filas(client)) == Documento.objects.count() == 10


def test_excel_de_una_lista_grande_tiene_todas_las_filas(client, mundo):
    documentos = ampliar(mundo, 0, 40, observaciones=1)
    client.force_login(mundo.experta)
    filas = _filas(client)
    assert len(filas) == len(documentos) == 32  # one Servicio in five has no document
    assert sorted(f[1] for f in filas) == sorted(d.servicio.sigla for d in documentos)
    assert {f[4] for f in filas} == {e.label for e in Estado}
