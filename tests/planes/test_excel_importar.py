"""Excel import of the Plan's indicators and work programme (planes.excel.importar and the
upload page): the round trip, exact changes, all-or-nothing with Spanish errors naming sheet,
row and column, each person's parts, Borrador only, the core's limits, optimistic
concurrency and queries constant in the rows."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from planes import carga, excel
from planes import contenido as c
from planes.models import Actividad, Indicador
from pmggt.historia import actuando_como
from pmggt.informes import excel as x
from pmggt.informes.excel import FILA_ENCABEZADO, TIPO_XLSX, ErrorImportacion
from pmggt.models import Documento
from tests.conftest import Estado, huella_bd, llevar_a
from tests.planes.fabricas import crear_plan
from tests.planes.test_excel import (
    HYPERLINK,
    VINETAS,
    celda,
    columna,
    dos_tamanos,  # noqa: F401 (fixture)
    enriquecer,
    guardar,
    libro,
)

NOMBRE = "Nombre del indicador"
FORMULA = "Fórmula de cálculo"
DESCRIPCION = "Descripción"
INICIO = "Inicio (dd-mm-aaaa)"
PLAZO = "Plazo (dd-mm-aaaa)"
PRIMERA = FILA_ENCABEZADO + 1
INDICADOR_NUEVO = {
    NOMBRE: "Indicador nuevo",
    FORMULA: "(A / B) * 100",
    "Numerador (variable)": "A",
    "Denominador (variable)": "B",
}


@pytest.fixture
def plan(mundo):
    return enriquecer(crear_plan(mundo), mundo.encargada)


def fresco(documento):
    return Documento.objects.get(pk=documento.pk)


def estado(documento) -> tuple:
    """What a refused import must leave as it was: the canonical content, the history of
    every planes model and the row counts of the core and Etapa I."""
    historia = {
        m.__name__: m.history.count()
        for m in apps.get_app_config("planes").get_models()
        if hasattr(m, "history")
    }
    return c.contenido(fresco(documento)), historia, huella_bd()


def importar(documento, wb_o_bytes, actor):
    datos = wb_o_bytes if isinstance(wb_o_bytes, bytes) else guardar(wb_o_bytes)
    return excel.importar(documento=fresco(documento), archivo=io.BytesIO(datos), actor=actor)


def rechazo(documento, wb, actor) -> list:
    antes = estado(documento)
    with pytest.raises(ErrorImportacion) as exc:
        importar(documento, wb, actor)
    assert estado(documento) == antes
    return exc.value.errores


def sin_ids(datos: dict) -> dict:
    return {
        clave: [{k: v for k, v in f.items() if k != "id"} for f in datos[clave]]
        for clave in ("indicadores", "actividades")
    }


# --- Round trip ----------------------------------------------------------------------------------


def test_ida_y_vuelta_sin_cambios_no_escribe_nada(mundo, plan):
    antes = estado(plan)
    resumen = importar(plan, excel.exportar(plan), mundo.encargada)
    assert estado(plan) == antes
    assert resumen["sin_cambios"] == 7
    assert resumen["creadas"] == resumen["actualizadas"] == resumen["eliminadas"] == 0
    assert resumen["hojas"] == excel_hojas_de_partes()


def excel_hojas_de_partes():
    return [
        "Indicadores Nacional",
        "Programa Nacional",
        "Indicadores Región I",
        "Programa Región I",
        "Indicadores Región II",
        "Programa Región II",
    ]


def test_ida_y_vuelta_tras_borrar_todo_recrea_el_mismo_contenido(mundo, plan):
    """Rows without ID are added: the file with its IDs removed, imported into the Plan
    emptied, gives the same canonical content (but the ids)."""
    datos = c.contenido(plan)
    wb = libro(excel.exportar(plan))
    wb.custom_doc_props.props.clear()  # a file of its own: no huellas (the rows go below)
    for titulo in excel_hojas_de_partes():
        ws = wb[titulo]
        for fila in range(PRIMERA, ws.max_row + 1):
            celda(ws, fila, "ID").value = None
    with actuando_como(mundo.encargada):
        Indicador.objects.filter(plan=plan.plan).delete()
        Actividad.objects.filter(plan=plan.plan).delete()
    resumen = importar(plan, wb, mundo.encargada)
    assert resumen["creadas"] == 7
    assert sin_ids(c.contenido(fresco(plan))) == sin_ids(datos)


# --- Exact changes -------------------------------------------------------------------------------


def test_cambios_de_celdas_cambian_exactamente_esas_filas(mundo, plan):
    antes = c.contenido(plan)
    wb = libro(excel.exportar(plan))
    ind = wb["Indicadores Región II"]
    celda(ind, PRIMERA, NOMBRE).value = "Comunas con oferta publicada en el sitio"
    celda(ind, PRIMERA, "Meta").value = "62,5"
    prog = wb["Programa Región I"]
    # A real Excel date in «Plazo»; a new hito below; the second row deleted (row 7 cleared).
    celda(prog, PRIMERA, PLAZO).value = datetime.datetime(2009, 7, 15)
    for nombre in [n for n, _k, _a in excel.COLUMNAS["prog"]]:
        celda(prog, PRIMERA + 1, nombre).value = None
    nueva = PRIMERA + 2
    celda(prog, nueva, "Tipo").value = "hito"
    celda(prog, nueva, DESCRIPCION).value = "Entrega del informe regional"
    celda(prog, nueva, PLAZO).value = "30/09/2009"
    celda(prog, nueva, "Responsable").value = "Director/a regional"
    celda(prog, nueva, "Objetivo específico (N°)").value = "1"
    nacional = wb["Indicadores Nacional"]
    nuevo = PRIMERA + 1  # a new national indicator, N° left empty: the next free one
    for nombre, valor in [
        (NOMBRE, "Tasa de respuesta del GORE"),
        (FORMULA, "(Respuestas / Oficios) * 100"),
        ("Numerador (variable)", "Respuestas"),
        ("Denominador (variable)", "Oficios"),
        ("Unidad de medida", "%"),
        ("Meta", 75),
        ("Numerador de la meta", 3),
        ("Denominador de la meta", 4),
    ]:
        celda(nacional, nuevo, nombre).value = valor
    historia = {m: m.history.filter(plan=plan.plan).count() for m in (Indicador, Actividad)}

    resumen = importar(plan, wb, mundo.encargada)

    assert (resumen["creadas"], resumen["actualizadas"], resumen["eliminadas"]) == (2, 2, 1)
    despues = c.contenido(fresco(plan))
    ind_antes = {i["id"]: i for i in antes["indicadores"]}
    ind_despues = {i["id"]: i for i in despues["indicadores"]}
    cambiado = next(i for i in antes["indicadores"] if i["numero"] == 3)
    assert ind_despues[cambiado["id"]] == {
        **cambiado,
        "nombre": "Comunas con oferta publicada en el sitio",
        "meta": "62.5",
    }
    [agregado] = [i for pk, i in ind_despues.items() if pk not in ind_antes]
    assert (agregado["numero"], agregado["region"], agregado["meta"]) == (4, None, "75")
    assert (agregado["meta_numerador"], agregado["se_mide"]) == ("3", True)
    for pk, i in ind_antes.items():
        if pk != cambiado["id"]:
            assert ind_despues[pk] == i
    act_antes = {a["id"]: a for a in antes["actividades"]}
    region_i = [a for a in despues["actividades"] if a["region"] == "I"]
    assert [(a["tipo"], a["descripcion"], a["inicio"], a["plazo"]) for a in region_i] == [
        ("actividad", "Informar la oferta al GORE de la región I", "2009-03-01", "2009-07-15"),
        ("hito", "Entrega del informe regional", "", "2009-09-30"),
    ]
    assert region_i[1]["objetivo"] == 1
    borrada = next(a for a in antes["actividades"] if a["descripcion"] == VINETAS)
    assert not Actividad.objects.filter(pk=borrada["id"]).exists()
    for a in despues["actividades"]:
        if a["region"] != "I":
            assert act_antes[a["id"]] == a
    # One history record per changed row (2 updated, 2 created, 1 deleted), by the importer.
    nuevos = {
        m: list(m.history.filter(plan=plan.plan).order_by("-history_id")[:n_nuevos])
        for m, n_nuevos in ((Indicador, 2), (Actividad, 3))
    }
    assert {m: m.history.filter(plan=plan.plan).count() - historia[m] for m in historia} == {
        Indicador: 2,
        Actividad: 3,
    }
    tipos = sorted(h.history_type for lista in nuevos.values() for h in lista)
    assert tipos == ["+", "+", "-", "~", "~"]
    assert {h.history_user for lista in nuevos.values() for h in lista} == {mundo.encargada}


def test_orden_de_la_hoja_es_el_del_programa(mundo, plan):
    wb = libro(excel.exportar(plan))
    prog = wb["Programa Región I"]
    primera = [c.value for c in prog[PRIMERA]]
    segunda = [c.value for c in prog[PRIMERA + 1]]
    for i, valor in enumerate(segunda, start=1):
        prog.cell(row=PRIMERA, column=i).value = valor
    for i, valor in enumerate(primera, start=1):
        prog.cell(row=PRIMERA + 1, column=i).value = valor
    resumen = importar(plan, wb, mundo.encargada)
    assert resumen["actualizadas"] == 2
    region_i = [a for a in c.contenido(fresco(plan))["actividades"] if a["region"] == "I"]
    assert [a["descripcion"] for a in region_i] == [VINETAS, primera[1]]


def test_intercambio_de_numeros_de_indicadores(mundo, plan):
    """A swap has no order of row updates that keeps the N° unique: the two are deleted and
    inserted again (planes.carga), with their ids and an update («~») in their history."""
    antes = {i.numero: i.pk for i in Indicador.objects.filter(plan=plan.plan)}
    wb = libro(excel.exportar(plan))
    celda(wb["Indicadores Nacional"], PRIMERA, "N°").value = 2
    celda(wb["Indicadores Región I"], PRIMERA, "N°").value = "1"
    historia = Indicador.history.filter(plan=plan.plan).count()
    assert importar(plan, wb, mundo.encargada)["actualizadas"] == 2
    numeros = {i["region"]: i["numero"] for i in c.contenido(fresco(plan))["indicadores"]}
    assert numeros == {None: 2, "I": 1, "II": 3}
    despues = {i.numero: i.pk for i in Indicador.objects.filter(plan=plan.plan)}
    assert despues == {1: antes[2], 2: antes[1], 3: antes[3]}
    nuevos = Indicador.history.filter(plan=plan.plan).order_by("-history_id")[:2]
    assert Indicador.history.filter(plan=plan.plan).count() == historia + 2
    assert sorted((h.id, h.numero, h.history_type) for h in nuevos) == sorted(
        [(antes[1], 2, "~"), (antes[2], 1, "~")]
    )


def test_fila_nueva_toma_el_numero_que_deja_otra(mundo, plan):
    """A new row takes the N° an indicator leaves, in the same statement that moves it."""
    antes = {i.numero: i.pk for i in Indicador.objects.filter(plan=plan.plan)}
    wb = libro(excel.exportar(plan))
    nacional = wb["Indicadores Nacional"]
    celda(nacional, PRIMERA, "N°").value = 9
    for nombre, valor in {**INDICADOR_NUEVO, "N°": 1}.items():
        celda(nacional, PRIMERA + 1, nombre).value = valor
    resumen = importar(plan, wb, mundo.encargada)
    assert (resumen["actualizadas"], resumen["creadas"]) == (1, 1)
    despues = {i.numero: (i.pk, i.nombre) for i in Indicador.objects.filter(plan=plan.plan)}
    assert despues[9][0] == antes[1] and despues[1][1] == "Indicador nuevo"
    assert sorted(despues) == [1, 2, 3, 9]


def test_formulas_y_textos_vuelven_como_texto(mundo, plan):
    wb = libro(excel.exportar(plan))
    ws = wb["Indicadores Región I"]
    celda(ws, PRIMERA, "Nota técnica").value = "=SUM(A1:A3)"
    importar(plan, wb, mundo.encargada)
    indicador = Indicador.objects.get(plan=plan.plan, numero=2)
    assert indicador.nombre == HYPERLINK and indicador.nota_tecnica == "=SUM(A1:A3)"
    assert Actividad.objects.filter(plan=plan.plan, descripcion=VINETAS).exists()


# --- All or nothing ------------------------------------------------------------------------------


def _poner(hoja, fila, columna_nombre, valor):
    def cambiar(wb):
        celda(wb[hoja], fila, columna_nombre).value = valor

    return cambiar


def _nueva_actividad(hoja, **valores):
    def cambiar(wb):
        ws = wb[hoja]
        fila = ws.max_row + 1
        for nombre, valor in {
            DESCRIPCION: "Nueva",
            PLAZO: "31-12-2009",
            "Responsable": "Equipo GT",
            **valores,
        }.items():
            celda(ws, fila, nombre).value = valor

    return cambiar


CASOS_INVALIDOS = [
    (
        _poner(
            "Indicadores Región I", PRIMERA, FORMULA, "(Oficios comprometidos / Oficios enviados)"
        ),
        "Indicadores Región I",
        PRIMERA,
        FORMULA,
        "numerador debe ir antes",
    ),
    (
        _poner("Indicadores Región I", PRIMERA, "Meta", "90"),
        "Indicadores Región I",
        PRIMERA,
        "Meta",
        "no corresponde a numerador/denominador",
    ),
    (
        _poner("Indicadores Nacional", PRIMERA, NOMBRE, None),
        "Indicadores Nacional",
        PRIMERA,
        NOMBRE,
        "Indique el nombre del indicador",
    ),
    (
        _poner("Indicadores Región II", PRIMERA, "Objetivo específico (N°)", 7),
        "Indicadores Región II",
        PRIMERA,
        "Objetivo específico (N°)",
        "no tiene el objetivo específico N° 7",
    ),
    (
        _poner("Indicadores Región II", PRIMERA, "N°", 1),
        "Indicadores Región II",
        PRIMERA,
        "N°",
        "El N° 1 ya lo tiene la hoja «Indicadores Nacional», fila 6",
    ),
    (
        _poner("Indicadores Región II", PRIMERA, "Meta", "muchos"),
        "Indicadores Región II",
        PRIMERA,
        "Meta",
        "Número no válido",
    ),
    (
        _poner("Indicadores Región II", PRIMERA, "Se mide este año", "quizás"),
        "Indicadores Región II",
        PRIMERA,
        "Se mide este año",
        "Escriba Sí o No",
    ),
    (
        _poner("Programa Región II", PRIMERA, INICIO, "01-08-2009"),
        "Programa Región II",
        PRIMERA,
        PLAZO,
        "El plazo no puede ser anterior al inicio",
    ),
    (
        _poner("Programa Región II", PRIMERA, PLAZO, "31-02-2009"),
        "Programa Región II",
        PRIMERA,
        PLAZO,
        "Fecha no válida",
    ),
    (
        _nueva_actividad("Programa Nacional", **{PLAZO: None}),
        "Programa Nacional",
        PRIMERA + 1,
        PLAZO,
        "Indique el plazo",
    ),
    (
        _nueva_actividad("Programa Nacional", Responsable=None),
        "Programa Nacional",
        PRIMERA + 1,
        "Responsable",
        "Indique el responsable",
    ),
    (
        _poner("Indicadores Región I", PRIMERA, "Denominador (variable)", ""),
        "Indicadores Región I",
        PRIMERA,
        "Denominador (variable)",
        "Indique el denominador",
    ),
    (
        _poner("Indicadores Región I", PRIMERA, "N°", 1000),
        "Indicadores Región I",
        PRIMERA,
        "N°",
        "entre 1 y 999",
    ),
    (
        _nueva_actividad("Programa Nacional", Tipo="Tarea"),
        "Programa Nacional",
        PRIMERA + 1,
        "Tipo",
        "Escriba Actividad o Hito",
    ),
    (
        _nueva_actividad("Programa Nacional", **{"Objetivo de información (N°)": "dos"}),
        "Programa Nacional",
        PRIMERA + 1,
        "Objetivo de información (N°)",
        "N° no válido",
    ),
    (
        _poner("Programa Región II", PRIMERA, "ID", 999999),
        "Programa Región II",
        PRIMERA,
        "ID",
        "no corresponde a ninguna fila",
    ),
    # Dates far from the Ciclo's year (2009 ± 5), text or real Excel dates.
    (
        _poner("Programa Región II", PRIMERA, PLAZO, "31-12-9999"),
        "Programa Región II",
        PRIMERA,
        PLAZO,
        "entre el 01-01-2004 y el 31-12-2014",
    ),
    (
        _nueva_actividad("Programa Nacional", **{INICIO: "01-01-0001"}),
        "Programa Nacional",
        PRIMERA + 1,
        INICIO,
        "Revise el año",
    ),
    (
        _nueva_actividad("Programa Nacional", **{PLAZO: datetime.datetime(2015, 1, 1)}),
        "Programa Nacional",
        PRIMERA + 1,
        PLAZO,
        "el año del Ciclo (2009) ± 5 años",
    ),
]


@pytest.mark.parametrize(
    ("cambiar", "hoja", "fila", "columna_nombre", "texto"),
    CASOS_INVALIDOS,
    ids=[caso[-1][:30] for caso in CASOS_INVALIDOS],
)
def test_una_fila_invalida_y_nada_cambia(mundo, plan, cambiar, hoja, fila, columna_nombre, texto):
    wb = libro(excel.exportar(plan))
    # A valid change elsewhere in the same file is not written either.
    celda(wb["Programa Región I"], PRIMERA, DESCRIPCION).value = "Cambio válido"
    cambiar(wb)
    errores = rechazo(plan, wb, mundo.encargada)
    assert any(
        (e.hoja, e.fila, e.columna) == (hoja, fila, columna_nombre) and texto in e.mensaje
        for e in errores
    ), errores
    assert f"Hoja {hoja}, fila {fila}, columna {columna_nombre}:" in " ".join(map(str, errores))


def test_fila_sin_cambios_no_se_revisa_otra_vez(mundo, plan):
    """A row saved before with what the forms' checks refuse imports unchanged (it is not
    written); the same row changed must pass them."""
    with actuando_como(mundo.encargada):
        Indicador.objects.filter(plan=plan.plan, numero=3).update(numerador="")
    wb = libro(excel.exportar(plan))
    assert importar(plan, wb, mundo.encargada)["actualizadas"] == 0
    celda(wb["Indicadores Región II"], PRIMERA, NOMBRE).value = "Otro nombre"
    errores = rechazo(plan, wb, mundo.encargada)
    assert [(e.hoja, e.columna) for e in errores] == [
        ("Indicadores Región II", "Numerador (variable)")
    ]


def test_fecha_lejana_guardada_antes_se_importa_sin_cambios(mundo, plan):
    """A plazo in 9999 stored before the range check exports and imports unchanged; the row
    changed must bring its plazo within the Ciclo's year ± 5."""
    fila = Actividad.objects.filter(plan=plan.plan, centro__isnull=True).first()
    with actuando_como(mundo.encargada):
        Actividad.objects.filter(pk=fila.pk).update(plazo=datetime.date(9999, 12, 31))
    wb = libro(excel.exportar(plan))
    assert importar(plan, wb, mundo.encargada)["actualizadas"] == 0
    celda(wb["Programa Nacional"], PRIMERA, DESCRIPCION).value = "Otra descripción"
    errores = rechazo(plan, wb, mundo.encargada)
    assert [(e.hoja, e.columna) for e in errores] == [("Programa Nacional", PLAZO)]
    celda(wb["Programa Nacional"], PRIMERA, PLAZO).value = "31-12-2009"
    assert importar(plan, wb, mundo.encargada)["actualizadas"] == 1


def test_fila_de_otra_region_en_la_hoja(mundo, plan):
    wb = libro(excel.exportar(plan))
    ajena = celda(wb["Programa Región II"], PRIMERA, "ID").value
    celda(wb["Programa Región I"], PRIMERA, "ID").value = ajena
    errores = rechazo(plan, wb, mundo.encargada)
    assert any(
        e.hoja == "Programa Región I"
        and e.columna == "ID"
        and "pertenece a la región II" in e.mensaje
        for e in errores
    )


def test_sin_hojas_del_plan(mundo, plan):
    wb = libro(excel.exportar(plan))
    for titulo in excel_hojas_de_partes():
        del wb[titulo]
    [error] = rechazo(plan, wb, mundo.encargada)
    assert "no tiene hojas de indicadores ni de programa" in error.mensaje


def test_hoja_de_una_region_sin_centro_o_repetida(mundo, plan):
    wb = libro(excel.exportar(plan))
    wb["Programa Región II"].title = "Programa Región III"
    wb.copy_worksheet(wb["Programa Región I"]).title = "programa region i"
    errores = rechazo(plan, wb, mundo.encargada)
    assert [(e.hoja, e.mensaje) for e in errores] == [
        ("Programa Región III", "La región «III» no corresponde a un Centro del Servicio."),
        ("programa region i", "Repite la hoja «Programa Región I»."),
    ]


def test_falta_una_columna(mundo, plan):
    wb = libro(excel.exportar(plan))
    celda(wb["Programa Región I"], FILA_ENCABEZADO, PLAZO).value = "Término"
    [error] = rechazo(plan, wb, mundo.encargada)
    assert (error.hoja, error.columna) == ("Programa Región I", PLAZO)
    assert "Falta esta columna" in error.mensaje


# --- Each person's parts -----------------------------------------------------------------------


def test_centro_importa_su_region_y_las_demas_hojas_sin_cambios_se_ignoran(mundo, plan):
    wb = libro(excel.exportar(plan))
    celda(wb["Programa Región I"], PRIMERA, DESCRIPCION).value = "Taller regional"
    resumen = importar(plan, wb, mundo.centro_i)
    assert resumen["hojas"] == ["Indicadores Región I", "Programa Región I"]
    assert resumen["ignoradas"] == [
        "Indicadores Nacional",
        "Programa Nacional",
        "Indicadores Región II",
        "Programa Región II",
    ]
    assert resumen["actualizadas"] == 1
    act = Actividad.objects.filter(plan=plan.plan, descripcion="Taller regional").get()
    assert act.centro.region.codigo == "I"
    assert act.history.first().history_user == mundo.centro_i


@pytest.mark.parametrize(
    ("hoja", "columna_nombre", "valor"),
    [
        ("Programa Región II", DESCRIPCION, "Cambio de otra región"),
        ("Indicadores Nacional", NOMBRE, "Cambio del nivel nacional"),
    ],
)
def test_centro_con_cambios_en_otra_parte_y_nada_cambia(mundo, plan, hoja, columna_nombre, valor):
    wb = libro(excel.exportar(plan))
    celda(wb["Programa Región I"], PRIMERA, DESCRIPCION).value = "Taller regional"
    celda(wb[hoja], PRIMERA, columna_nombre).value = valor
    [error] = rechazo(plan, wb, mundo.centro_i)
    assert error.hoja == hoja and "No tiene permiso para editar" in error.mensaje
    assert "no coincide con lo guardado" in error.mensaje


def test_centro_no_agrega_filas_en_otra_region(mundo, plan):
    wb = libro(excel.exportar(plan))
    _nueva_actividad("Programa Región II")(wb)
    [error] = rechazo(plan, wb, mundo.centro_i)
    assert error.hoja == "Programa Región II" and "la región II" in error.mensaje


def test_centro_no_trae_filas_de_otra_region_a_la_suya(mundo, plan):
    wb = libro(excel.exportar(plan, "I"))
    ajena = Actividad.objects.get(plan=plan.plan, centro__region__codigo="II")
    celda(wb["Programa Región I"], PRIMERA, "ID").value = ajena.pk
    errores = rechazo(plan, wb, mundo.centro_i)
    assert any("pertenece a la región II" in e.mensaje for e in errores)


def test_encargada_importa_todas_las_partes(mundo, plan):
    wb = libro(excel.exportar(plan))
    for titulo in excel_hojas_de_partes():
        if titulo.startswith("Programa"):
            celda(wb[titulo], PRIMERA, "Responsable").value = f"Responsable de {titulo}"
    resumen = importar(plan, wb, mundo.encargada)
    assert resumen["actualizadas"] == 3 and resumen["ignoradas"] == []


def test_sin_permiso_de_edicion(mundo, plan):
    wb = libro(excel.exportar(plan))
    for persona in (mundo.jefe, mundo.gore, mundo.intruso):
        [error] = rechazo(plan, wb, persona)
        assert "No tiene permiso" in error.mensaje


def test_fuera_de_borrador(mundo, plan):
    wb = libro(excel.exportar(plan))
    enviado = llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)
    [error] = rechazo(enviado, wb, mundo.encargada)
    assert "solo se importa en Borrador" in error.mensaje


# --- Limits and concurrency ----------------------------------------------------------------------


def test_archivo_demasiado_grande(mundo, plan):
    [error] = rechazo(plan, b"PK\x03\x04" + b"0" * (x.MAX_BYTES_ARCHIVO + 1), mundo.encargada)
    assert "supera el tamaño máximo de 5 MB" in error.mensaje


def test_demasiadas_filas(mundo, plan):
    wb = libro(excel.exportar(plan))
    ws = wb["Programa Nacional"]
    descripcion, plazo = columna(ws, DESCRIPCION), columna(ws, PLAZO)
    for fila in range(PRIMERA + 1, PRIMERA + 1 + x.MAX_FILAS_HOJA):
        ws.cell(row=fila, column=descripcion, value=f"Actividad {fila}")
        ws.cell(row=fila, column=plazo, value="31-12-2009")
    errores = rechazo(plan, wb, mundo.encargada)
    assert any(f"supera las {x.MAX_FILAS_HOJA} filas" in e.mensaje for e in errores)


def test_no_es_un_xlsx(mundo, plan):
    [error] = rechazo(plan, b"no es un libro", mundo.encargada)
    assert "no es un libro Excel" in error.mensaje


def test_parte_cambiada_despues_de_exportar(mundo, plan):
    wb = libro(excel.exportar(plan))
    with actuando_como(mundo.centro_ii):
        actividad = Actividad.objects.get(plan=plan.plan, centro__region__codigo="II")
        actividad.responsable = "Otra persona"
        actividad.save()
    celda(wb["Programa Región II"], PRIMERA, DESCRIPCION).value = "Cambio sobre lo viejo"
    errores = rechazo(plan, wb, mundo.encargada)
    assert [e.hoja for e in errores] == ["Programa Región II"]
    assert "cambió en el sistema después de descargar este archivo" in errores[0].mensaje
    # The other parts, unchanged since, import from the same file.
    del wb["Programa Región II"]
    celda(wb["Programa Región I"], PRIMERA, DESCRIPCION).value = "Cambio válido"
    assert importar(plan, wb, mundo.encargada)["actualizadas"] == 1


def test_nada_apunta_a_indicadores_ni_actividades():
    """The import deletes rows without per-row signals, and deletes and inserts again the
    indicators of a N° swap (planes.carga): nothing may hang from them."""
    assert Indicador._meta.related_objects == () and Actividad._meta.related_objects == ()


# --- Queries ---------------------------------------------------------------------------------


def _cambios_fijos(wb):
    """One row updated, one deleted and one added in each programme sheet, whatever the rows."""
    for titulo in excel_hojas_de_partes():
        if not titulo.startswith("Programa"):
            continue
        ws = wb[titulo]
        celda(ws, PRIMERA, DESCRIPCION).value = "Actividad cambiada"
        ws.delete_rows(PRIMERA + 1)
        _nueva_actividad(titulo)(wb)
    celda(wb["Indicadores Región I"], PRIMERA, NOMBRE).value = "Indicador cambiado"


def _cambios_todos(wb):
    """Every kind of write in both tables: in each sheet one row updated, one deleted and one
    added, and the first national and regional indicators swap their N° (deleted first and
    inserted again with the rows added)."""
    _cambios_fijos(wb)
    for titulo in excel_hojas_de_partes():
        if not titulo.startswith("Indicadores"):
            continue
        ws = wb[titulo]
        celda(ws, PRIMERA, "Nota técnica").value = "Nota cambiada"
        ws.delete_rows(PRIMERA + 1)
        fila = ws.max_row + 1
        for nombre, valor in INDICADOR_NUEVO.items():
            celda(ws, fila, nombre).value = valor
    nacional, region = wb["Indicadores Nacional"], wb["Indicadores Región I"]
    n_nacional, n_region = celda(nacional, PRIMERA, "N°").value, celda(region, PRIMERA, "N°").value
    celda(nacional, PRIMERA, "N°").value = n_region
    celda(region, PRIMERA, "N°").value = n_nacional


# Writes of each change (planes.carga.Escritura): per table, the delete (with the swapped
# indicators), one INSERT … ON CONFLICT that updates and adds, and the history insert.
# _cambios_fijos deletes, updates and adds activities (2) and updates an indicator (1), plus
# the history of both tables; _cambios_todos does everything in both tables.
ESCRITURAS = {None: 0, _cambios_fijos: 5, _cambios_todos: 6}


@pytest.mark.parametrize(
    "cambiar", [None, _cambios_fijos, _cambios_todos], ids=["sin_cambios", "fijos", "todos"]
)
def test_consultas_de_la_importacion_no_crecen(
    mundo,
    cambiar,
    dos_tamanos,  # noqa: F811 (the fixture imported above)
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    # The document locked (in its savepoint: 3), the Centros, and the Plan with its rows, its
    # objectives' N°s and the parts' huellas in one query; then the writes (ESCRITURAS).
    maximo = 5 + ESCRITURAS[cambiar]
    contadas = None
    for n in (5, 50):
        doc = dos_tamanos[n]
        wb = libro(excel.exportar(fresco(doc)))
        if cambiar:
            cambiar(wb)
        datos = guardar(wb)
        documento = fresco(doc)
        if contadas is None:
            with django_assert_max_num_queries(maximo) as consultas:
                resumen = excel.importar(
                    documento=documento, archivo=io.BytesIO(datos), actor=mundo.encargada
                )
            contadas = len(consultas)
        else:
            with django_assert_num_queries(contadas):
                resumen = excel.importar(
                    documento=documento, archivo=io.BytesIO(datos), actor=mundo.encargada
                )
        if cambiar is _cambios_fijos:
            assert (resumen["creadas"], resumen["eliminadas"]) == (3, 3)
            assert resumen["actualizadas"] == 4
            assert resumen["sin_cambios"] == 6 * n - 3 - 4
            assert (
                Actividad.objects.filter(plan=doc.plan, descripcion="Actividad cambiada").count()
                == 3
            )
        elif cambiar is _cambios_todos:
            assert (resumen["creadas"], resumen["eliminadas"]) == (6, 6)
            assert resumen["actualizadas"] == 6
            numeros = list(Indicador.objects.filter(plan=doc.plan).values_list("numero", flat=True))
            assert len(numeros) == len(set(numeros)) == 3 * n
            assert max(numeros) == 3 * n + 3  # the new ones: the next free N°s
            assert (
                Indicador.objects.filter(plan=doc.plan, nota_tecnica="Nota cambiada").count() == 3
            )
        else:
            assert resumen["sin_cambios"] == 6 * n


@pytest.mark.parametrize(
    "cambiar", [None, _cambios_fijos, _cambios_todos], ids=["sin_cambios", "fijos", "todos"]
)
def test_consultas_de_la_pagina_de_importacion_no_crecen(
    client,
    mundo,
    cambiar,
    dos_tamanos,  # noqa: F811 (the fixture imported above)
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    """The upload's POST, session, permissions and redirect included: the same number of
    queries at 5 and 50 rows per part, within 15 (a file that writes everything at once,
    ``_cambios_todos``, included)."""
    # The user (with the navbar's count), the document and the permissions, then the import's
    # own (test_consultas_de_la_importacion_no_crecen).
    maximo = 3 + 5 + ESCRITURAS[cambiar]
    assert maximo <= 15
    client.force_login(mundo.encargada)
    client.get(reverse("planes:excel_importar", args=[dos_tamanos[5].pk]))
    contadas = None
    for n in (5, 50):
        doc = dos_tamanos[n]
        wb = libro(excel.exportar(fresco(doc)))
        if cambiar:
            cambiar(wb)
        datos = guardar(wb)
        if contadas is None:
            with django_assert_max_num_queries(maximo) as consultas:
                r = _subir(client, doc, datos)
            contadas = len(consultas)
        else:
            with django_assert_num_queries(contadas):
                r = _subir(client, doc, datos)
        assert r.status_code == 302
        assert r.url == reverse("pmggt:documento", args=[doc.pk])
        actualizadas = Actividad.objects.filter(plan=doc.plan, descripcion="Actividad cambiada")
        assert actualizadas.count() == (3 if cambiar else 0)


@pytest.mark.parametrize("devuelve", [True, False], ids=["returning", "sin_returning"])
def test_escritura_con_y_sin_filas_devueltas_por_el_insert(monkeypatch, mundo, plan, devuelve):
    """New rows get their ids from the INSERT's RETURNING; on a backend without it (SQLite
    before 3.35) simple-history inserts them and reads them back: the same rows and history."""
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", devuelve)
    assert connection.features.can_return_rows_from_bulk_insert is devuelve
    antes = {i.numero: i.pk for i in Indicador.objects.filter(plan=plan.plan)}
    historia = {m: m.history.filter(plan=plan.plan).count() for m in (Indicador, Actividad)}
    wb = libro(excel.exportar(plan))
    celda(wb["Indicadores Nacional"], PRIMERA, "N°").value = 2
    celda(wb["Indicadores Región I"], PRIMERA, "N°").value = 1
    for nombre, valor in INDICADOR_NUEVO.items():
        celda(wb["Indicadores Región II"], PRIMERA + 1, nombre).value = valor
    celda(wb["Programa Región I"], PRIMERA, DESCRIPCION).value = "Actividad cambiada"
    _nueva_actividad("Programa Región I")(wb)
    resumen = importar(plan, wb, mundo.encargada)
    assert (resumen["actualizadas"], resumen["creadas"], resumen["eliminadas"]) == (3, 2, 0)
    despues = {i.numero: i for i in Indicador.objects.filter(plan=plan.plan)}
    assert {n: i.pk for n, i in despues.items() if n != 4} == {
        1: antes[2],
        2: antes[1],
        3: antes[3],
    }
    assert (despues[4].nombre, despues[4].centro.region.codigo) == ("Indicador nuevo", "II")
    nueva = Actividad.objects.get(plan=plan.plan, descripcion="Nueva")
    assert nueva.centro.region.codigo == "I"
    registros = {
        m: list(m.history.filter(plan=plan.plan).order_by("-history_id")[:n])
        for m, n in ((Indicador, 3), (Actividad, 2))
    }
    assert {m: m.history.filter(plan=plan.plan).count() - historia[m] for m in historia} == {
        Indicador: 3,
        Actividad: 2,
    }
    assert sorted((h.id, h.history_type) for h in registros[Indicador]) == sorted(
        [(antes[1], "~"), (antes[2], "~"), (despues[4].pk, "+")]
    )
    assert sorted(h.history_type for h in registros[Actividad]) == ["+", "~"]
    assert nueva.pk in {h.id for h in registros[Actividad]}
    usuarios = {h.history_user for lista in registros.values() for h in lista}
    assert usuarios == {mundo.encargada}
    assert len({h.history_date for lista in registros.values() for h in lista}) == 1


def test_lectura_de_una_consulta_es_la_del_orm(mundo, plan):
    """``carga.leer`` builds the rows from one UNION ALL (texts, decimals, dates and booleans
    read as text or integers): the same instances, huellas and objectives as the ORM reads."""
    with actuando_como(mundo.encargada):
        actividad = Actividad.objects.filter(plan=plan.plan).first()
        actividad.inicio = None
        actividad.save()
        indicador = Indicador.objects.filter(plan=plan.plan).first()
        indicador.se_mide, indicador.meta, indicador.meta_numerador = False, Decimal("33.33"), None
        indicador.save()
    leido = carga.leer(fresco(plan))
    assert leido.plan_id == plan.plan.pk
    for modelo, filas, orden in (
        (Indicador, leido.indicadores, ("numero", "id")),
        (Actividad, leido.actividades, ("orden", "id")),
    ):
        orm = list(modelo.objects.filter(plan=plan.plan).order_by(*orden))
        assert list(filas) == [f.pk for f in orm]
        for fila in orm:
            for campo in modelo._meta.concrete_fields:
                esperado, valor = (
                    getattr(fila, campo.attname),
                    getattr(filas[fila.pk], campo.attname),
                )
                assert (type(valor), valor) == (type(esperado), esperado), campo.attname
    assert leido.ultimas == carga.ultimas_ediciones(plan.plan.pk)
    assert leido.ultimas and all(f.tzinfo is not None for f in leido.ultimas.values())
    assert leido.objetivos == dict(plan.plan.objetivos.values_list("numero", "pk"))


# --- The upload page ---------------------------------------------------------------------------


def _subir(client, documento, contenido_xlsx, nombre="plan.xlsx"):
    archivo = SimpleUploadedFile(nombre, contenido_xlsx, content_type=TIPO_XLSX)
    return client.post(reverse("planes:excel_importar", args=[documento.pk]), {"archivo": archivo})


def test_pagina_segun_quien(client, mundo, plan):
    url = reverse("planes:excel_importar", args=[plan.pk])
    client.force_login(mundo.encargada)
    r = client.get(url)
    assert r.status_code == 200
    texto = r.content.decode()
    assert "la parte del Servicio (hojas «Nacional»)" in texto
    assert "I – Región de Tarapacá" in texto
    assert reverse("planes:excel", args=[plan.pk]) in texto
    client.force_login(mundo.centro_i)
    r = client.get(url)
    assert r.status_code == 200
    assert f"{reverse('planes:excel', args=[plan.pk])}?region=I" in r.content.decode()
    assert "la parte del Servicio" not in r.content.decode()
    for persona, codigo in ((mundo.jefe, 403), (mundo.gore, 403), (mundo.intruso, 404)):
        client.force_login(persona)
        assert client.get(url).status_code == codigo


def test_pagina_importa_y_dice_que_cambio(client, mundo, plan):
    wb = libro(excel.exportar(plan))
    celda(wb["Programa Región I"], PRIMERA, DESCRIPCION).value = "Taller regional"
    client.force_login(mundo.centro_i)
    r = _subir(client, plan, guardar(wb))
    assert r.status_code == 302 and r.url == reverse("pmggt:documento", args=[plan.pk])
    r = client.get(r.url)
    texto = r.content.decode()
    assert "1 actualizada(s)" in texto and "«Programa Región II»" in texto
    assert Actividad.objects.filter(plan=plan.plan, descripcion="Taller regional").exists()


def test_pagina_muestra_los_errores_y_nada_cambia(client, mundo, plan):
    wb = libro(excel.exportar(plan))
    celda(wb["Programa Región I"], PRIMERA, PLAZO).value = "mañana <b>"
    client.force_login(mundo.encargada)
    antes = estado(plan)
    r = _subir(client, plan, guardar(wb))
    assert r.status_code == 400 and estado(plan) == antes
    texto = r.content.decode()
    assert "Errores encontrados (1)" in texto and "Programa Región I" in texto
    assert PLAZO in texto and "Fecha no válida: «mañana &lt;b&gt;»" in texto


def test_pagina_rechaza_archivos_que_no_son_xlsx_o_grandes(client, mundo, plan):
    client.force_login(mundo.encargada)
    antes = estado(plan)
    r = _subir(client, plan, b"hola", nombre="plan.csv")
    assert r.status_code == 400 and "Solo se aceptan archivos Excel" in r.content.decode()
    r = _subir(client, plan, b"PK\x03\x04" + b"0" * (x.MAX_BYTES_ARCHIVO + 1))
    assert r.status_code == 400 and "supera el tamaño máximo de 5 MB" in r.content.decode()
    assert estado(plan) == antes


def test_pagina_fuera_de_borrador(client, mundo, plan):
    enviado = llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)
    client.force_login(mundo.encargada)
    r = client.get(reverse("planes:excel_importar", args=[enviado.pk]))
    assert r.status_code == 302
    assert "solo se importa en Borrador" in client.get(r.url).content.decode()
    client.force_login(mundo.centro_i)
    assert client.get(reverse("planes:excel_importar", args=[enviado.pk])).status_code == 302


def test_meta_con_decimales():
    leer = excel._leer_decimal
    assert leer("87,5") == (Decimal("87.5"), None)
    assert leer("1.000") == (Decimal("1000"), None)
    assert leer("12.5") == (Decimal("12.5"), None)
    assert leer(0.75) == (Decimal("0.75"), None)
    assert leer("")[0] is None and leer("1,234")[1]
