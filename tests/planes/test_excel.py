"""Excel export of the Plan's indicators and work programme (planes.excel): the workbook's
sheets and cells, the download (who gets what) and its queries (constant in the rows)."""

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from planes import contenido as c
from planes import excel
from planes.models import Actividad, Indicador, ObjetivoInformacion
from pmggt import services
from pmggt.historia import actuando_como
from pmggt.informes.excel import FILA_ENCABEZADO, PROPIEDAD_HUELLAS, TIPO_XLSX
from pmggt.models import Documento, GrupoRol
from tests.conftest import Estado, llevar_a
from tests.fabricas import CicloFactory, UsuarioFactory
from tests.planes.fabricas import crear_plan

HYPERLINK = '=HYPERLINK("http://x")'
VINETAS = "• Taller con los municipios\n• Oficio al GORE"
HOJAS = [
    "Indicadores Nacional",
    "Programa Nacional",
    "Indicadores Región I",
    "Programa Región I",
    "Indicadores Región II",
    "Programa Región II",
    "Indicadores Consolidado",
    "Programa Consolidado",
    "Instrucciones",
]


def enriquecer(documento, encargada):
    """crear_plan's Plan plus an indicator in each region (one a percentage whose name looks
    like a formula), a national hito and a second activity of region I with bullets."""
    plan = documento.plan
    centros = {ct.region.codigo: ct for ct in documento.servicio.centros.all()}
    objetivo = plan.objetivos.get(numero=1)
    info = ObjetivoInformacion.objects.get(plan=plan, numero=1)
    with actuando_como(encargada):
        Indicador.objects.create(
            plan=plan,
            centro=centros["I"],
            numero=2,
            nombre=HYPERLINK,
            formula="(Oficios enviados / Oficios comprometidos) * 100",
            numerador="Oficios enviados",
            denominador="Oficios comprometidos",
            unidad="%",
            meta=Decimal("87.5"),
            meta_numerador=7,
            meta_denominador=8,
            medio_verificacion="Oficios.",
            objetivo_informacion=info,
            se_mide=False,
        )
        Indicador.objects.create(
            plan=plan,
            centro=centros["II"],
            numero=3,
            nombre="Comunas con oferta publicada",
            formula="Comunas con oferta / Comunas de la región",
            numerador="Comunas con oferta",
            denominador="Comunas de la región",
            meta=Decimal("60"),
            medio_verificacion="Sitio web del Servicio.",
            objetivo=objetivo,
        )
        Actividad.objects.create(
            plan=plan,
            tipo=Actividad.Tipo.HITO,
            descripcion="Informe nacional de avance",
            plazo=date(2009, 12, 15),
            responsable="Encargado/a GT",
            objetivo=objetivo,
        )
        Actividad.objects.create(
            plan=plan,
            centro=centros["I"],
            descripcion=VINETAS,
            inicio=date(2009, 7, 1),
            plazo=date(2009, 8, 31),
            responsable="Director/a regional",
            medio_verificacion="+56 9 lista de asistencia",
            orden=5,
        )
    return Documento.objects.get(pk=documento.pk)


@pytest.fixture
def plan(mundo):
    return enriquecer(crear_plan(mundo), mundo.encargada)


def libro(contenido_xlsx):
    return load_workbook(io.BytesIO(contenido_xlsx))


def guardar(wb) -> bytes:
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def columna(ws, nombre) -> int:
    for celda in ws[FILA_ENCABEZADO]:
        if celda.value == nombre:
            return celda.column
    raise AssertionError(nombre)


def celda(ws, fila, nombre):
    return ws.cell(row=fila, column=columna(ws, nombre))


def filas(ws) -> list[dict]:
    """The data rows of a sheet, as {column name: value}."""
    nombres = [c.value for c in ws[FILA_ENCABEZADO]]
    return [
        dict(zip(nombres, valores, strict=False))
        for valores in ws.iter_rows(min_row=FILA_ENCABEZADO + 1, values_only=True)
        if any(v is not None for v in valores)
    ]


def texto_hoja(ws) -> str:
    return " ".join(str(v) for fila in ws.iter_rows(values_only=True) for v in fila if v)


# --- The workbook --------------------------------------------------------------------------------


def test_hojas_encabezados_y_celdas(plan):
    wb = libro(excel.exportar(plan))
    assert wb.sheetnames == HOJAS
    ws = wb["Indicadores Región I"]
    titulo = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, 4))
    assert "Región I – Región de Tarapacá" in titulo and "Centro A Tarapacá" in titulo
    assert "SERV-A" in titulo and "2009" in titulo and "Borrador" in titulo
    assert [c.value for c in ws[FILA_ENCABEZADO]] == [n for n, _k, _a in excel.COLUMNAS["ind"]]
    assert [c.value for c in ws[FILA_ENCABEZADO]][0] == "N°"
    assert [c.value for c in ws[FILA_ENCABEZADO]][-1] == "ID"
    assert ws.freeze_panes == f"A{FILA_ENCABEZADO + 1}"
    [fila] = filas(ws)
    indicador = Indicador.objects.get(plan=plan.plan, numero=2)
    assert fila == {
        "N°": 2,
        "Nombre del indicador": HYPERLINK,
        "Fórmula de cálculo": "(Oficios enviados / Oficios comprometidos) * 100",
        "Numerador (variable)": "Oficios enviados",
        "Denominador (variable)": "Oficios comprometidos",
        "Unidad de medida": "%",
        "Meta": "87,5",
        "Numerador de la meta": "7",
        "Denominador de la meta": "8",
        "Medio de verificación": "Oficios.",
        "Instrumento de recolección": None,
        "Instrumento de sistematización": None,
        "Nota técnica": None,
        "Objetivo específico (N°)": None,
        "Objetivo de información (N°)": 1,
        "Se mide este año": "No",
        "ID": indicador.pk,
    }
    # User text that looks like a formula is a string cell, never a formula.
    nombre = celda(ws, FILA_ENCABEZADO + 1, "Nombre del indicador")
    assert nombre.data_type == "s"
    assert any("P6" in str(v.sqref) for v in ws.data_validations.dataValidation)  # Sí/No

    programa = wb["Programa Región I"]
    assert [c.value for c in programa[FILA_ENCABEZADO]] == [
        "Tipo",
        "Descripción",
        "Inicio (dd-mm-aaaa)",
        "Plazo (dd-mm-aaaa)",
        "Responsable",
        "Objetivo específico (N°)",
        "Objetivo de información (N°)",
        "Medio de verificación",
        "ID",
    ]
    primera, segunda = filas(programa)  # the programme's order
    assert primera["Descripción"] == "Informar la oferta al GORE de la región I"
    assert (primera["Tipo"], primera["Inicio (dd-mm-aaaa)"], primera["Plazo (dd-mm-aaaa)"]) == (
        "Actividad",
        "01-03-2009",
        "30-06-2009",
    )
    assert primera["Objetivo específico (N°)"] == 1
    assert segunda["Descripción"] == VINETAS
    assert celda(programa, FILA_ENCABEZADO + 2, "Medio de verificación").data_type == "s"
    assert celda(programa, FILA_ENCABEZADO + 2, "Descripción").alignment.wrap_text

    [hito] = filas(wb["Programa Nacional"])
    assert (hito["Tipo"], hito["Inicio (dd-mm-aaaa)"], hito["Plazo (dd-mm-aaaa)"]) == (
        "Hito",
        None,
        "15-12-2009",
    )
    assert [f["N°"] for f in filas(wb["Indicadores Nacional"])] == [1]
    assert [f["N°"] for f in filas(wb["Indicadores Región II"])] == [3]


def test_consolidado_e_instrucciones(plan):
    wb = libro(excel.exportar(plan))
    consolidado = wb["Indicadores Consolidado"]
    assert "no se importa" in str(consolidado.cell(row=4, column=1).value)
    assert consolidado.cell(row=FILA_ENCABEZADO, column=1).value == "Región"
    assert [(f["Región"], f["N°"]) for f in filas(consolidado)] == [
        ("Nacional", 1),
        ("Región I – Región de Tarapacá", 2),
        ("Región II – Región de Antofagasta", 3),
    ]
    programa = filas(wb["Programa Consolidado"])
    assert [f["Región"] for f in programa] == ["Nacional"] + [
        "Región I – Región de Tarapacá"
    ] * 2 + ["Región II – Región de Antofagasta"]
    instrucciones = texto_hoja(wb["Instrucciones"])
    assert "Mejorar el acceso a los productos en cada región." in instrucciones
    assert "Registrar la oferta por región." in instrucciones
    assert "no se importan" in instrucciones and "dd-mm-aaaa" in instrucciones


def test_huellas_del_borrador_y_no_de_una_version(mundo, plan):
    wb = libro(excel.exportar(plan))
    nombres = [p.name for p in wb.custom_doc_props]
    assert PROPIEDAD_HUELLAS in nombres
    enviado = llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)
    wb = libro(excel.exportar(enviado))
    assert PROPIEDAD_HUELLAS not in [p.name for p in wb.custom_doc_props]
    assert "En revisión" in str(wb["Indicadores Nacional"].cell(row=3, column=1).value)


def test_una_region(plan):
    wb = libro(excel.exportar(plan, "II"))
    assert wb.sheetnames == ["Indicadores Región II", "Programa Región II", "Instrucciones"]
    from pmggt.informes.pdf import RegionNoEncontrada

    with pytest.raises(RegionNoEncontrada):
        excel.exportar(plan, "III")


def test_registrada_en_la_etapa():
    from pmggt import etapas

    informe = etapas.de(Documento.Etapa.PLAN).informe("plan-excel")
    assert informe is excel.EXPORTACIONES[0] and informe.formato == "xlsx"


# --- The download ----------------------------------------------------------------------------


def test_descarga_segun_quien(client, mundo, plan):
    url = reverse("planes:excel", args=[plan.pk])
    client.force_login(mundo.encargada)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == TIPO_XLSX
    assert libro(r.content).sheetnames == HOJAS
    client.force_login(mundo.centro_i)
    r = client.get(url, {"region": "I"})
    assert r.status_code == 200
    assert libro(r.content).sheetnames[:2] == ["Indicadores Región I", "Programa Región I"]
    client.force_login(mundo.gore)  # not visado yet
    assert client.get(url, {"region": "I"}).status_code == 403
    client.force_login(mundo.intruso)
    assert client.get(url).status_code == 404


def test_gore_descarga_su_region_visada(client, mundo, plan):
    visado = llevar_a(mundo, plan, Estado.VISADO)
    with actuando_como(mundo.encargada):
        Actividad.objects.filter(plan=visado.plan).update(descripcion="NO VISADO")
    client.force_login(mundo.gore)
    url = reverse("planes:excel", args=[visado.pk])
    assert client.get(url).status_code == 403  # the whole Plan: the Servicio's only
    assert client.get(url, {"region": "II"}).status_code == 403
    r = client.get(url, {"region": "I"})
    assert r.status_code == 200
    wb = libro(r.content)
    assert wb.sheetnames == ["Indicadores Región I", "Programa Región I", "Instrucciones"]
    assert [f["Descripción"] for f in filas(wb["Programa Región I"])][1] == VINETAS
    assert "Visado" in str(wb["Programa Región I"].cell(row=3, column=1).value)


# --- Queries ---------------------------------------------------------------------------------


def plan_de_tamano(mundo, n: int, anio: int):
    """A Plan (its own Ciclo) with ``n`` activities and ``n`` indicators in each part."""
    documento = crear_plan(mundo, ciclo=CicloFactory(anio=anio))
    plan = documento.plan
    partes = [None, *documento.servicio.centros.all()]
    with actuando_como(mundo.encargada):
        Actividad.objects.filter(plan=plan).delete()
        Indicador.objects.filter(plan=plan).delete()
        numero = 0
        for centro in partes:
            for i in range(n):
                numero += 1
                Indicador.objects.create(
                    plan=plan,
                    centro=centro,
                    numero=numero,
                    nombre=f"Indicador {numero}",
                    formula="(A / B) * 100",
                    numerador="A",
                    denominador="B",
                    meta=50,
                    meta_numerador=1,
                    meta_denominador=2,
                )
                Actividad.objects.create(
                    plan=plan,
                    centro=centro,
                    descripcion=f"Actividad {i} de {centro or 'nacional'}",
                    inicio=date(2009, 3, 1),
                    plazo=date(2009, 6, 30),
                    responsable="Responsable",
                    orden=i,
                )
    return Documento.objects.get(pk=documento.pk)


@pytest.fixture
def dos_tamanos(mundo):
    """Plans with 5 and 50 activities (and indicators) per part."""
    return {n: plan_de_tamano(mundo, n, 2010 + i) for i, n in enumerate((5, 50))}


def test_consultas_de_la_exportacion_no_crecen(
    client, mundo, dos_tamanos, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(mundo.encargada)
    chico, grande = dos_tamanos[5], dos_tamanos[50]
    # The Plan's content (its rows, objectives, Centros, the visado Diagnóstico…) and the
    # sheets' huellas (one query).
    with django_assert_max_num_queries(15) as consultas:
        excel.exportar(Documento.objects.select_related("plan").get(pk=chico.pk))
    with django_assert_num_queries(len(consultas)):
        wb = libro(excel.exportar(Documento.objects.select_related("plan").get(pk=grande.pk)))
    assert len(filas(wb["Programa Región II"])) == 50
    assert len(filas(wb["Programa Consolidado"])) == 150
    # The download, session and permissions included.
    client.get(reverse("planes:excel", args=[chico.pk]))
    with django_assert_max_num_queries(15) as consultas:
        r = client.get(reverse("planes:excel", args=[chico.pk]))
    assert r.status_code == 200
    with django_assert_num_queries(len(consultas)):
        r = client.get(reverse("planes:excel", args=[grande.pk]))
    assert len(filas(libro(r.content)["Indicadores Consolidado"])) == 150


def test_contenido_exportado_es_el_canonico(plan):
    """Every indicator and activity of the canonical content is in its part's sheet."""
    datos = c.contenido(plan)
    wb = libro(excel.exportar(plan))
    en_libro = {(ws.title, f["ID"]) for ws in wb.worksheets[:6] for f in filas(ws) if f.get("ID")}
    esperado = {(excel.nombre_hoja("ind", i["region"]), i["id"]) for i in datos["indicadores"]} | {
        (excel.nombre_hoja("prog", a["region"]), a["id"]) for a in datos["actividades"]
    }
    assert en_libro == esperado


def test_servicio_regional_sin_centros_nombra_su_parte_por_su_region(mundo):
    """As in Etapa I («C1 II»): its only part is its region's, in the sheets and downloads."""
    servicio = mundo.otro_servicio
    with actuando_como(mundo.admin):
        servicio.region = mundo.regiones[1]
        servicio.save()
        jefe_b = UsuarioFactory(username="jefe.b")
        services.rol_asignar(usuario=jefe_b, tipo=GrupoRol.Tipo.JEFE, objeto=servicio)
    # Servicio B's chain: its Encargado (intruso for Servicio A), Jefe and Experta.
    de_b = SimpleNamespace(
        **{
            **vars(mundo),
            "encargada": mundo.intruso,
            "jefe": jefe_b,
            "experta": mundo.experta_ajena,
        }
    )
    documento = crear_plan(de_b, servicio=servicio)
    wb = libro(excel.exportar(documento))
    assert wb.sheetnames == [
        "Indicadores Región II",
        "Programa Región II",
        "Indicadores Consolidado",
        "Programa Consolidado",
        "Instrucciones",
    ]
    assert "Región II – Región de Antofagasta" in str(wb["Programa Región II"]["A1"].value)
    assert [f["Región"] for f in filas(wb["Programa Consolidado"])] == [
        "Región II – Región de Antofagasta"
    ]
    assert libro(excel.exportar(documento, "II")).sheetnames[:2] == wb.sheetnames[:2]
    celda(wb["Programa Región II"], FILA_ENCABEZADO + 1, "Responsable").value = "Director/a"
    resumen = excel.importar(
        documento=Documento.objects.get(pk=documento.pk),
        archivo=io.BytesIO(guardar(wb)),
        actor=mundo.intruso,  # the Encargado GT of Servicio B
    )
    assert resumen["hojas"] == ["Indicadores Región II", "Programa Región II"]
    assert resumen["actualizadas"] == 1
    assert Actividad.objects.get(plan=documento.plan).responsable == "Director/a"
