"""Excel (xlsx) export and import of Cuadro I N°1 and Cuadro I N°2, with openpyxl.

Export: one sheet per region and cuadro ("C1 I", "C2 I"…; a regional Servicio without Centros
names its part by its region, "C1 II", as its PDFs do; a national one "C1 Servicio"), two
consolidated sheets with every region, an "Identificación" sheet with the Diagnóstico's
Cuadro I N°2 declaration (no pertinente and its motivo) and an "Instrucciones" sheet (last) that
also holds the lists used by the data validations and the Diagnóstico's products. The content
read is the live content in Borrador, else the frozen content of the current version (as the
PDF does).

Each per-region sheet follows the printed cuadro: Cuadro I N°1 has columns A–E = (1)–(5) with
the printed headers (a 5-column table copied from the Servicio's Word cuadro pastes as one
block), then «Causales» (several, separated by «;»), «Productos vinculados» and the row ID last;
Cuadro I N°2 has Información, (1)–(3) and ID. Columns are found by header, so a workbook of the
earlier layout (ID first, one «Causal» column, no column (1)) still imports.

The workbook is written in openpyxl's write-only mode (rows streamed, styles prebuilt once per
workbook) with two queries for its data: the content (one query, ``contenido``) and the huellas
of every part (``_ultimas_ediciones``).

Import reads the per-region sheets and the «Identificación» sheet and is all-or-nothing: every
row of every sheet is validated first; any error raises ``ErrorImportacion`` with the list of
errors (hoja, fila, columna, mensaje) and nothing changes. For each imported sheet, rows with
ID update that row, rows without ID are created (one without its product shares the row
above's, as a merged Word cell) and rows of that region absent from the sheet are deleted; the
order of Cuadro I N°1 follows the sheet. Only rows that change are written, in bulk and with
their history (``_Escritura``): each changed row gets one history record naming the importer,
in a number of queries that does not grow with the rows or the sheets.

Styles, formula-safe cells, title/header rows, the consolidated sheet, upload guards, header
location, bounded reading and the error types are the core's (``pmggt.informes.excel``); the
import writes through the core's edit guard (``pmggt.acceso.edicion``). The export is declared
as the stage's report "cuadros" (``EXPORTACION``), served by the core's download view.
"""

import functools
import re
from dataclasses import dataclass

from django.db.models import IntegerField, Max, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pmggt import acceso, concurrencia
from pmggt.etapas import Informe
from pmggt.informes import excel as x
from pmggt.informes.excel import ID, ErrorCelda, ErrorImportacion
from pmggt.informes.pdf import RegionNoEncontrada
from pmggt.models import Documento
from pmggt.texto import normalizar
from pmggt.versiones import contenido_para, contenido_publicado

from .contenido import CAMPOS_CUADRO2, cargar, causales_de, centros_del_documento
from .models import (
    CAUSALES_ORDEN,
    Causal,
    Diagnostico,
    FilaCuadro1,
    FilaCuadro2,
    unir_causales,
)

Estado = Documento.Estado
Informacion = FilaCuadro2.Informacion

__all__ = ["ErrorCelda", "ErrorImportacion", "exportar_cuadros", "importar_cuadros"]

# --- Sheet layout -----------------------------------------------------------------------------

FILA_ENCABEZADO = x.FILA_ENCABEZADO
SERVICIO = x.SERVICIO
CONSOLIDADO = x.CONSOLIDADO

# The printed cuadro's columns first, in its order and with its headers (a table copied from
# the Servicio's Word cuadro pastes into A–E as one block), then what the print does not show:
# the causales and the linked products; the row ID last (empty: a new row).
C1_PRODUCTO_TEXTO = "Producto/subproductos estratégicos (1)"
C1_CAUSALES = "Causales"
C1_PRODUCTOS = "Productos vinculados (N°, separados por coma)"
# (column name, content key, width)
COLUMNAS_C1 = [
    (C1_PRODUCTO_TEXTO, "producto_texto", 40),
    ("Avance existente aplicando la PT (2)", "avance", 45),
    ("Mejora prevista que se proyecta lograr (3)", "mejora", 45),
    ("Medidas necesarias que acompañen las mejoras (4)", "medidas", 45),
    ("Objetivo recomendado al Plan GT (5)", "objetivo", 45),
    (C1_CAUSALES, "causales", 32),
    (C1_PRODUCTOS, "productos", 18),
    (ID, "id", 8),
]
C2_INFORMACION = "Información"
COLUMNAS_C2 = [
    (C2_INFORMACION, "informacion", 32),
    ("Medidas para proveer información a la jefatura regional (1)", "medidas_jefatura", 50),
    ("Medidas para proveer información al GORE (2)", "medidas_gore", 50),
    ("Objetivo recomendado al plan (3)", "objetivo", 50),
    (ID, "id", 8),
]
# The names an earlier layout (ID first, one "Causal" column, no column (1)) gave the columns:
# a workbook exported before still imports (its rows keep their column (1) text).
ALTERNATIVAS = {
    "C1": {"causales": ("Causal",), "productos": ("Productos (N°, separados por coma)",)},
    "C2": {},
}
OPCIONALES = {"C1": frozenset({"producto_texto"}), "C2": frozenset()}
TITULOS = {"C1": "Cuadro I N°1", "C2": "Cuadro I N°2"}
COLUMNAS = {"C1": COLUMNAS_C1, "C2": COLUMNAS_C2}
NOMBRE_LISTA = {"C1": "Lista_Causales", "C2": "Lista_Informacion"}
# Short names a Servicio may write for a causal (besides its code and its full label).
CAUSALES_CORTAS = {
    "diseno": Causal.DISENO,
    "diseño": Causal.DISENO,
    "coordinacion": Causal.COORDINACION,
    "coordinación": Causal.COORDINACION,
    "complementariedad": Causal.COORDINACION,
    "acceso": Causal.ACCESO,
    "inequidad": Causal.ACCESO,
    "inequidad territorial": Causal.ACCESO,
}

# The sheet with the Diagnóstico's own declarations that the workbook may change: whether
# Cuadro I N°2 is pertinent, and why not (the Servicio's part: the Encargado/a GT's).
HOJA_IDENTIFICACION = "Identificación"
NO_PERTINENTE = "Cuadro I N°2 no pertinente"
MOTIVO = "Motivo de no pertinencia del Cuadro I N°2"
SI, NO = "Sí", "No"
COLUMNAS_IDENTIFICACION = [("Dato", "dato", 45), ("Valor", "valor", 80)]


# --- Content to export -------------------------------------------------------------------------


def _hoja(cuadro: str, codigo: str | None) -> str:
    return f"{cuadro} {codigo or SERVICIO}"


def _nombre_region(region: dict) -> str:
    if region["codigo"] is None:
        return SERVICIO
    return f"{region['codigo']} – {region['nombre']}"


def _regiones(datos: dict) -> list[dict]:
    """The regions of the content, plus the Servicio itself if it has rows of its own."""
    regiones = list(datos.get("regiones") or [])
    codigos = {r["codigo"] for r in regiones}
    filas = list(datos.get("cuadro1", [])) + list((datos.get("cuadro2") or {}).get("filas", []))
    if None not in codigos and any(f.get("region") is None for f in filas):
        regiones.insert(0, {"codigo": None, "nombre": SERVICIO, "centro": ""})
    return regiones


def _codigo_propio(documento, datos: dict) -> str | None:
    """The region code of a regional Servicio without Centros, else None: its only part is that
    region's, and its sheets, downloads and PDFs all name it by that code ("C1 II")."""
    if any(r["codigo"] is not None for r in datos.get("regiones") or []):
        return None
    servicio = documento.servicio
    return servicio.region.codigo if servicio.region_id else None


# --- Writing ---------------------------------------------------------------------------------


def _valor_celda(cuadro: str, clave: str, fila: dict, etiquetas: dict):
    valor = fila.get(clave)
    if clave == "id":
        return valor
    if clave == "productos":
        return ", ".join(valor or [])
    if clave == "causales":
        return "; ".join(etiquetas.get(c, c) for c in causales_de(fila))
    if clave == "informacion":
        return etiquetas.get(valor, valor or "")
    return valor or ""


@functools.cache
def _etiquetas(cuadro: str) -> dict:
    """{value: label} of the cuadro's choice column (read only: shared)."""
    return dict(Causal.choices) if cuadro == "C1" else dict(Informacion.choices)


def _filas(datos: dict, cuadro: str) -> list[dict]:
    if cuadro == "C1":
        return list(datos.get("cuadro1", []))
    return list((datos.get("cuadro2") or {}).get("filas", []))


def _columna(cuadro: str, clave: str) -> int:
    return next(i for i, (_n, k, _a) in enumerate(COLUMNAS[cuadro], start=1) if k == clave)


def _validacion(ws, cuadro: str, desde: int, hasta: int):
    """The list of values of the choice column. Cuadro I N°1's «Causales» may hold several
    (typed, separated by «;»): its list is a hint, not a rule, and the import checks them."""
    if cuadro == "C1":
        letra = get_column_letter(_columna("C1", "causales"))
        dv = DataValidation(
            type="list",
            formula1=NOMBRE_LISTA["C1"],
            allow_blank=True,
            showErrorMessage=False,
            showInputMessage=True,
            promptTitle="Causales (una o varias)",
            prompt=(
                "Elija una de la lista o escriba varias separadas por «;» o en líneas "
                "distintas (Alt+Enter). Déjela vacía si el Servicio no agrupa sus filas por "
                "causal. Vea la hoja Instrucciones."
            ),
        )
    else:
        letra = get_column_letter(_columna("C2", "informacion"))
        dv = DataValidation(
            type="list",
            formula1=NOMBRE_LISTA["C2"],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Valor no válido",
            error="Elija un valor de la lista (tipo de información).",
            showInputMessage=True,
            promptTitle="Tipo de información",
            prompt="Elija un valor de la lista.",
        )
    dv.add(f"{letra}{desde}:{letra}{hasta}")
    ws.data_validations.append(dv)  # what add_data_validation does (absent on write-only sheets)


SIN_PRODUCTOS = (
    "Este Diagnóstico aún no tiene productos estratégicos registrados: escriba el producto en "
    "la columna (1) y deje vacía «Productos vinculados», o registre primero los productos "
    "estratégicos en la sección Productos del Diagnóstico («Productos estratégicos y "
    "perspectiva territorial») y descargue de nuevo este archivo."
)


def _hoja_region(wb, documento, datos, cuadro: str, region: dict, filas: list, propio):
    codigo = region["codigo"] or propio
    if region["codigo"] is None and propio is None:
        lugar = f"{documento.servicio.nombre} (cuadro del Servicio)"
    elif region["codigo"] is None:
        lugar = (
            f"Región {propio} – {documento.servicio.region.nombre} · {documento.servicio.nombre}"
        )
    else:
        lugar = f"Región {region['codigo']} – {region['nombre']}"
        if region.get("centro"):
            lugar += f" · {region['centro']}"
    extra = ""
    cuadro2 = datos.get("cuadro2") or {}
    if cuadro == "C2" and cuadro2.get("no_pertinente"):
        extra = "Cuadro I N°2 declarado no pertinente"
        if cuadro2.get("motivo"):
            extra += f": {cuadro2['motivo']}"
        extra += f" (se declara en la hoja «{HOJA_IDENTIFICACION}»)"
    elif cuadro == "C1" and not datos.get("productos"):
        extra = SIN_PRODUCTOS
    etiquetas = _etiquetas(cuadro)
    ws, ultima = x.hoja_tabla(
        wb,
        documento,
        _hoja(cuadro, codigo),
        f"{TITULOS[cuadro]} · {lugar}",
        COLUMNAS[cuadro],
        filas,
        lambda fila, clave: _valor_celda(cuadro, clave, fila, etiquetas),
        extra=extra,
    )
    _validacion(ws, cuadro, FILA_ENCABEZADO + 1, ultima + x.FILAS_EDITABLES)
    return ws


def _hoja_consolidada(wb, documento, datos, cuadro: str, regiones: list[dict], propio):
    etiquetas = _etiquetas(cuadro)
    nombres = {r["codigo"]: _nombre_region(r) for r in regiones}
    if propio is not None and None in nombres:
        nombres[None] = f"{propio} – {documento.servicio.region.nombre}"
    return x.hoja_consolidada(
        wb,
        documento,
        _hoja(cuadro, CONSOLIDADO),
        f"{TITULOS[cuadro]} · Consolidado de todas las regiones",
        COLUMNAS[cuadro],
        _filas(datos, cuadro),
        lambda fila, clave: _valor_celda(cuadro, clave, fila, etiquetas),
        nombres,
    )


def _hoja_identificacion(wb, documento, datos):
    """The Diagnóstico's declarations the workbook may change (``NO_PERTINENTE``, ``MOTIVO``),
    with the Servicio and year for reference."""
    cuadro2 = datos.get("cuadro2") or {}
    filas = [
        ("Servicio", documento.servicio.nombre),
        ("Año", str(documento.ciclo.anio)),
        (NO_PERTINENTE, SI if cuadro2.get("no_pertinente") else NO),
        (MOTIVO, cuadro2.get("motivo") or ""),
    ]
    ws, _ultima = x.hoja_tabla(
        wb,
        documento,
        HOJA_IDENTIFICACION,
        "Identificación del Diagnóstico",
        COLUMNAS_IDENTIFICACION,
        filas,
        lambda fila, clave: fila[0] if clave == "dato" else fila[1],
        extra=(
            f"Escriba «{SI}» o «{NO}» en «{NO_PERTINENTE}» y, si es «{SI}», su motivo. "
            "Servicio y año son informativos: no se importan."
        ),
    )
    dv = DataValidation(
        type="list",
        formula1=f'"{SI},{NO}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valor no válido",
        error=f"Escriba {SI} o {NO}.",
    )
    dv.add(f"B{FILA_ENCABEZADO + 3}")
    ws.data_validations.append(dv)
    return ws


INSTRUCCIONES = [
    "Cada región tiene una hoja «C1 <región>» (Cuadro I N°1) y otra «C2 <región>» (Cuadro I "
    "N°2). Un Servicio regional sin Centros usa el código de su región (por ejemplo «C1 II», "
    "como en sus PDF); un Servicio nacional sin Centros tiene «C1 Servicio» y «C2 Servicio».",
    "Las hojas «C1 Consolidado» y «C2 Consolidado» reúnen todas las regiones solo para consulta: "
    "no se importan.",
    "Cuadro I N°1: las columnas A a E son las del cuadro impreso, en su orden: (1) Producto/"
    "subproductos estratégicos, (2) Avance existente aplicando la PT, (3) Mejora prevista, "
    "(4) Medidas necesarias y (5) Objetivo recomendado al Plan GT. Puede copiar la tabla de 5 "
    "columnas de su cuadro en Word (sin la fila de títulos) y pegarla desde la celda A6 de la "
    "hoja de su región: cada fila pegada, sin ID, es una fila nueva.",
    "Si una celda de Word tiene varios párrafos, Excel puede repartirlos en filas distintas al "
    "pegar: revise la hoja antes de importar, o pegue ese texto dentro de la celda (doble clic o "
    "F2, y Ctrl+V).",
    "Columna (1): escriba el producto como lo escribe el Servicio, por ejemplo «Producto: 1. "
    "Sistema de Protección Social. Subproducto: 1.1 Chile Crece Contigo», con las "
    "observaciones que quiera agregar. Una fila nueva con la columna (1) y «Productos "
    "vinculados» vacías comparte el producto de la fila anterior (como las celdas combinadas "
    "de un cuadro en Word).",
    "Causales (columna F): una o varias de la lista de abajo, separadas por «;» o en líneas "
    "distintas (también sirven las palabras diseño, coordinación y acceso). Déjela vacía si el "
    "Servicio no agrupa sus filas por causal. El cuadro impreso muestra el título de la causal "
    "una vez por cada grupo de filas seguidas con las mismas causales.",
    "Productos vinculados (columna G): opcional; los N° de los productos del Diagnóstico "
    "separados por coma (por ejemplo: 1, 1.1, 2). La lista de productos está al final de esta "
    "hoja; un N° que no esté en ella es un error de su fila. Cada fila necesita la columna (1) "
    "o al menos un producto vinculado.",
    "ID (última columna): no la modifique. Las filas con ID actualizan esa fila; las filas sin "
    "ID se agregan; para eliminar una fila, borre la fila completa de la hoja. El orden de las "
    "filas del Cuadro I N°1 será el de la hoja.",
    "Al importar, cada hoja de región reemplaza el cuadro de esa región: las filas existentes de "
    "la región que no aparezcan en la hoja se eliminan. Las regiones cuyas hojas no estén en el "
    "archivo no cambian: puede eliminar del archivo las hojas que no edite.",
    "Cuadro I N°2: la columna A es el tipo de información (elija uno de la lista; una sola fila "
    "por tipo en cada región); luego las columnas (1) a (3) del cuadro impreso y el ID.",
    f"Cuadro I N°2 no pertinente: en la hoja «{HOJA_IDENTIFICACION}» escriba «{SI}» en «"
    f"{NO_PERTINENTE}» y su motivo (obligatorio), o «{NO}». Solo el Encargado/a GT del "
    "Servicio puede cambiarlo.",
    "Textos: para un salto de línea dentro de una celda use Alt+Enter; para una viñeta inicie la "
    "línea con «• ». Los textos se guardan tal cual (nunca como fórmulas).",
    "Las Encargadas y los Encargados de Centro solo pueden importar las hojas de su región: "
    "descargue el archivo de su región o elimine las demás hojas.",
    "Solo se puede importar mientras el documento está en Borrador. Si el archivo tiene algún "
    "error no se importa nada, y se indica la hoja, la fila y la columna de cada error.",
]


def _hoja_instrucciones(wb, documento, datos, productos_usados: set | None):
    listas = [
        ("Valores de «Causales» (Cuadro I N°1)", list(Causal.labels), NOMBRE_LISTA["C1"]),
        ("Valores de «Información» (Cuadro I N°2)", list(Informacion.labels), NOMBRE_LISTA["C2"]),
    ]
    todos = datos.get("productos", [])
    productos = [p for p in todos if productos_usados is None or p["numero"] in productos_usados]
    if productos:
        listas.append(
            (
                "Productos estratégicos del Diagnóstico (N° y nombre)",
                [p["nombre"] for p in productos],
                None,
                [p["numero"] for p in productos],
            )
        )
    elif not todos:
        listas.append(("Productos estratégicos del Diagnóstico (N° y nombre)", [SIN_PRODUCTOS]))
    x.hoja_instrucciones(
        wb, documento, "Instrucciones: Cuadros I N°1 y N°2", INSTRUCCIONES, listas=listas
    )


def exportar_cuadros(
    documento: Documento,
    region: str | None = None,
    *,
    solo_productos_usados: bool = False,
    usuario=None,
) -> bytes:
    """The xlsx of both cuadros; with ``region`` (a region code) only that region's sheets.

    ``solo_productos_usados`` (for readers of one region only, e.g. a GORE) lists in the
    instructions only the products that the exported rows mention, not the whole tree.
    Raises RegionNoEncontrada (a ValueError) if ``region`` is not one of the document's regions.
    ``usuario``: the reader (a GORE gets the last visado version, cut to its regions).
    """
    datos, version = contenido_para(documento, usuario)
    documento = x.como_leido(documento, version)
    regiones = _regiones(datos)
    propio = _codigo_propio(documento, datos)
    if region is not None:
        regiones = [r for r in regiones if (r["codigo"] or propio) == region]
        if not regiones:
            raise RegionNoEncontrada(f"La región {region} no corresponde a este documento.")
    # Rows streamed (same cells, styles and settings as a normal workbook), each sheet's XML in
    # memory: a Diagnóstico's sheets are small (its regions' rows).
    wb = x.libro(solo_escritura=True, en_memoria=True)
    por_region = {}
    for cuadro in ("C1", "C2"):
        for fila in _filas(datos, cuadro):
            por_region.setdefault((cuadro, fila.get("region")), []).append(fila)
    for r in regiones:
        for cuadro in ("C1", "C2"):
            filas = por_region.get((cuadro, r["codigo"]), [])
            _hoja_region(wb, documento, datos, cuadro, r, filas, propio)
    if region is None:
        for cuadro in ("C1", "C2"):
            _hoja_consolidada(wb, documento, datos, cuadro, regiones, propio)
    identificacion = region is None or propio is not None
    if identificacion:
        _hoja_identificacion(wb, documento, datos)
    productos_usados = None
    if solo_productos_usados:
        codigos = {r["codigo"] for r in regiones}
        productos_usados = {
            n
            for f in datos.get("cuadro1", [])
            if f.get("region") in codigos
            for n in f["productos"]
        }
    _hoja_instrucciones(wb, documento, datos, productos_usados)
    if version is None:  # the live draft: its import is checked against later edits
        x.escribir_huellas(wb, _huellas_hojas(documento, regiones, propio, identificacion))
    servicio = documento.servicio
    return x.guardar(wb, f"Cuadros I N°1 y N°2 · {servicio.sigla} {documento.ciclo.anio}")


# The part of ``HOJA_IDENTIFICACION`` in the huellas: the Diagnóstico row's own history.
PARTE_DIAGNOSTICO = ("DX", None)


def _historiales_hoja(diagnostico_id: int, cuadro: str, centro_id) -> list:
    if cuadro == PARTE_DIAGNOSTICO[0]:
        return [Diagnostico.history.filter(id=diagnostico_id)]
    modelo = FilaCuadro1 if cuadro == "C1" else FilaCuadro2
    return [modelo.history.filter(diagnostico_id=diagnostico_id, centro_id=centro_id)]


def _ultimas_ediciones(*, documento_id=None, diagnostico_id=None) -> dict:
    """{(cuadro, Centro id or None): newest history_date} of every part of the document (or of
    the Diagnóstico) with history, in one query: ``concurrencia.huella`` of
    ``_historiales_hoja`` for every part at once (a part without history is absent: its
    huella is ""). The Diagnóstico row itself is the part ``PARTE_DIAGNOSTICO``."""
    if diagnostico_id is not None:
        del_documento = {"diagnostico_id": diagnostico_id}
        propio = {"id": diagnostico_id}
    else:
        del_documento = {"diagnostico__documento_id": documento_id}
        propio = {"documento_id": documento_id}
    ramas = [
        _historico(modelo)
        .objects.filter(**del_documento)
        .order_by()
        .values_list(Value(cuadro), "centro_id")
        .annotate(ultima=Max("history_date"))
        for cuadro, modelo in (("C1", FilaCuadro1), ("C2", FilaCuadro2))
    ]
    ramas.append(
        _historico(Diagnostico)
        .objects.filter(**propio)
        .order_by()
        .values_list(Value(PARTE_DIAGNOSTICO[0]), Value(None, output_field=IntegerField()))
        .annotate(ultima=Max("history_date"))
    )
    return {
        (cuadro, centro): ultima for cuadro, centro, ultima in ramas[0].union(*ramas[1:], all=True)
    }


@functools.cache
def _historico(modelo):
    return modelo.history.model  # (each access to ``history`` builds a manager class)


def _huellas_hojas(documento, regiones: list[dict], propio, identificacion) -> dict[str, str]:
    """{sheet title: huella of that part} of the exported per-region sheets (and of the
    «Identificación» sheet). The Centros are those the content loader kept on ``documento``
    (``centros_del_documento``: no query)."""
    ultimas = _ultimas_ediciones(documento_id=documento.pk)
    centro_de = {c.region.codigo: c.pk for c in centros_del_documento(documento)}
    huellas = {}
    for r in regiones:
        centro_id = centro_de.get(r["codigo"]) if r["codigo"] is not None else None
        for cuadro in ("C1", "C2"):
            ultima = ultimas.get((cuadro, centro_id))
            huellas[_hoja(cuadro, r["codigo"] or propio)] = ultima.isoformat() if ultima else ""
    if identificacion:
        ultima = ultimas.get(PARTE_DIAGNOSTICO)
        huellas[HOJA_IDENTIFICACION] = ultima.isoformat() if ultima else ""
    return huellas


def _construir(documento, region=None, usuario=None) -> bytes:
    # Readers of one region only (a GORE) get only the products their rows mention.
    parcial = usuario is not None and acceso.regiones_legibles(usuario, documento) is not None
    return exportar_cuadros(
        documento, region=region, solo_productos_usados=parcial, usuario=usuario
    )


def _codigos(documento) -> set[str]:
    datos, _version = contenido_publicado(documento)
    propio = _codigo_propio(documento, datos)
    return {c for r in _regiones(datos) if (c := r["codigo"] or propio) is not None}


EXPORTACION = Informe(
    "cuadros", "Excel de los Cuadros I N°1 y N°2", "xlsx", _construir, regiones=_codigos
)


# --- Reading ---------------------------------------------------------------------------------


_SEPARADORES = re.compile(r"[;,\n]+")


def _productos_celda(valor, existentes: set) -> list[str]:
    """Product numbers of a cell. Accepts numbers Excel turned into floats (1.1) and a decimal
    comma ("1,1") when it cannot be a list (1 twice, or an unknown product) but is a product."""
    if isinstance(valor, (int, float)) and not isinstance(valor, bool):
        partes = [x.texto_celda(valor)]
    else:
        texto = normalizar(x.texto_celda(valor)).replace("•", "")
        partes = [p for p in (p.strip() for p in _SEPARADORES.split(texto)) if p]
        m = re.fullmatch(r"(\d+),(\d+)", texto.strip())
        if m:
            como_lista = {m[1], m[2]}
            lista_valida = len(como_lista) == 2 and como_lista <= existentes
            if not lista_valida and f"{m[1]}.{m[2]}" in existentes:
                partes = [f"{m[1]}.{m[2]}"]
    numeros = []
    for parte in partes:
        parte = re.sub(r"^(?:n[°º]|nro\.?)\s*", "", parte, flags=re.I).rstrip(".").strip()
        if parte and parte not in numeros:
            numeros.append(parte)
    return numeros


@functools.cache
def _claves_etiquetas(cuadro: str) -> dict:
    """{comparison key of a label or a value: value} of the cuadro's choice column (for the
    causales also the short names of ``CAUSALES_CORTAS``)."""
    etiquetas = {}
    for valor, etiqueta in _etiquetas(cuadro).items():
        etiquetas[x.clave(etiqueta)] = valor
        etiquetas[x.clave(valor)] = valor
    if cuadro == "C1":
        for texto, causal in CAUSALES_CORTAS.items():
            etiquetas[x.clave(texto)] = causal.value
    return etiquetas


# Several causales in one cell: separated by «;», line breaks or «·» (as the page shows them).
_SEPARADORES_CAUSALES = re.compile(r"[;\n·]+")


def _causales_celda(texto: str) -> tuple[list[str], list[str]]:
    """(causal codes in printed order, the parts that are no causal) of a «Causales» cell."""
    claves = _claves_etiquetas("C1")
    elegidas, desconocidas = [], []
    for parte in _SEPARADORES_CAUSALES.split(texto):
        parte = parte.replace("•", "").strip().rstrip(":").strip()
        if not parte:
            continue
        valor = claves.get(x.clave(parte))
        if valor is None:
            desconocidas.append(parte)
        elif valor not in elegidas:
            elegidas.append(valor)
    return [c for c in CAUSALES_ORDEN if c in elegidas], desconocidas


@dataclass
class FilaLeida:
    fila: int  # Excel row
    id: int | None
    datos: dict


@dataclass
class HojaLeida:
    titulo: str
    cuadro: str  # "C1" | "C2"
    codigo: str | None
    centro_id: int | None = None
    filas: list = None
    columnas: dict = None  # {clave: (index, column name)} of the columns found


def _es_encabezado(valores, indices: dict, columnas) -> bool:
    """A row repeating the column names (the title row of a pasted Word table)."""
    textos = [
        (valores[indices[k][0]], nombre) for nombre, k, _a in columnas if k in indices and k != "id"
    ]
    return bool(textos) and all(
        x.clave_columna(x.texto_celda(v)) == x.clave_columna(nombre) for v, nombre in textos[:5]
    )


SIN_PRODUCTO = "Escriba el producto/subproducto (1) o vincule al menos un producto del Diagnóstico."


def _leer_hoja(ws, cuadro: str, errores: list, existentes_productos: set):
    """(rows read, {clave: (index, column name)} of the columns found) of a per-region sheet;
    ([], {}) if its header is not found (the errors say why)."""
    titulo = ws.title
    columnas = COLUMNAS[cuadro]
    encontrado = x.tabla_de_hoja(  # the sheet is parsed once
        ws, columnas, errores, alternativas=ALTERNATIVAS[cuadro], opcionales=OPCIONALES[cuadro]
    )
    if encontrado is None:
        return [], {}
    _fila_encabezado, indices, filas = encontrado
    etiquetas = _claves_etiquetas(cuadro)
    textos = [k for _n, k, _a in columnas if k in indices and k not in _NO_TEXTO]
    con_columna_1 = "producto_texto" in indices
    leidas = []
    vistos_id = {}
    vistos_info = {}
    for numero, valores in filas:

        def valor(clave, valores=valores):
            return valores[indices[clave][0]]

        def error(clave, mensaje, numero=numero):
            errores.append(ErrorCelda(titulo, numero, indices[clave][1] if clave else "", mensaje))

        id_fila = x.leer_id(x.texto_celda(valor("id")).strip(), numero, vistos_id, error)
        if id_fila is None and _es_encabezado(valores, indices, columnas):
            continue  # the title row of a pasted table
        datos = {clave: normalizar(x.texto_celda(valor(clave))) for clave in textos}
        if cuadro == "C1":
            numeros = _productos_celda(valor("productos"), existentes_productos)
            faltan = [n for n in numeros if n not in existentes_productos]
            if faltan:
                cuales = (
                    f"El producto {faltan[0]} no existe"
                    if len(faltan) == 1
                    else f"Los productos {', '.join(faltan)} no existen"
                )
                ayuda = (
                    " Registre primero los productos estratégicos en la sección Productos del "
                    "Diagnóstico, o deje vacía la columna."
                    if not existentes_productos
                    else " Revise la lista de productos en la hoja Instrucciones."
                )
                error("productos", f"{cuales} en el Diagnóstico.{ayuda}")
            datos["productos"] = numeros
            texto = normalizar(x.texto_celda(valor("causales")))
            elegidas, desconocidas = _causales_celda(texto)
            if desconocidas:
                error(
                    "causales",
                    f"Valor no válido: «{desconocidas[0][:80]}». Escriba una o varias de: "
                    + "; ".join(_etiquetas(cuadro).values())
                    + " (o diseño, coordinación, acceso), separadas por «;», o déjela vacía.",
                )
            datos["causales"] = unir_causales(elegidas)
            sin_producto = not numeros and not datos.get("producto_texto")
            seguida = bool(leidas) and leidas[-1].fila == numero - 1
            if id_fila is None and sin_producto and con_columna_1 and seguida:
                # A new row without its product shares the row just above's (a merged cell).
                anterior = leidas[-1].datos
                datos["producto_texto"] = anterior.get("producto_texto", "")
                datos["productos"] = list(anterior["productos"])
                sin_producto = not datos["productos"] and not datos["producto_texto"]
            if id_fila is None and sin_producto:
                error("producto_texto" if con_columna_1 else "productos", SIN_PRODUCTO)
        else:
            texto = normalizar(x.texto_celda(valor("informacion")))
            elegido = etiquetas.get(x.clave(texto)) if texto else None
            if not texto:
                error("informacion", "Indique el tipo de información.")
            elif elegido is None:
                error(
                    "informacion",
                    f"Valor no válido: «{texto[:80]}». Elija uno de la lista: "
                    + "; ".join(_etiquetas(cuadro).values())
                    + ".",
                )
            else:
                datos["informacion"] = elegido
                previo = vistos_info.setdefault(elegido, numero)
                if previo != numero:
                    error(
                        "informacion",
                        f"«{Informacion(elegido).label}» ya aparece en la fila {previo}: "
                        "el Cuadro I N°2 admite una fila por tipo de información.",
                    )
            if id_fila is None and not any(datos[c] for c in CAMPOS_CUADRO2):
                continue  # a new row with nothing written is not a row (as in the web editor)
        leidas.append(FilaLeida(numero, id_fila, datos))
    return leidas, indices


# Columns that are not plain text of the row.
_NO_TEXTO = frozenset({"id", "productos", "causales", "informacion"})

_HOJA = re.compile(r"\s*(C[12])\s+(\S.*?)\s*", re.I)


def _hojas(wb) -> list[tuple[object, str, str]]:
    """(worksheet, cuadro, region key) of the per-region sheets."""
    resultado = []
    for ws in wb.worksheets:
        m = _HOJA.fullmatch(ws.title)
        if not m or x.clave(m[2]) == x.clave(CONSOLIDADO):
            continue
        resultado.append((ws, m[1].upper(), m[2]))
    return resultado


def _hoja_de_identificacion(wb):
    for ws in wb.worksheets:
        if x.clave(ws.title) == x.clave(HOJA_IDENTIFICACION):
            return ws
    return None


def importar_cuadros(*, documento: Documento, archivo, actor) -> dict:
    """Import the per-region sheets of the workbook; all or nothing (see the module doc).

    Returns {"hojas": [...], "creadas": n, "actualizadas": n, "eliminadas": n, "sin_cambios": n,
    "no_pertinente": None | bool (the Cuadro I N°2 declaration, when the workbook changed it)}.
    Raises ErrorImportacion (with .errores) and changes nothing if anything is wrong.

    Queries do not grow with the rows nor the sheets: the document's content in one query
    (``contenido.cargar``: Centros, products, both cuadros and the rows' products), the huellas
    of every part in another, and the writes in bulk (``_Escritura``).
    """
    wb = x.abrir(archivo)  # read-only, within the import limits; closed when the block ends
    # The edit guard locks the document (it cannot be sent while the import runs) and checks
    # Borrador and some editing right; each sheet's region is checked against ``editables``.
    with (
        x.cerrando(wb),
        acceso.edicion(documento, actor, toda=True, errores=x.error_general, verbo="importa") as (
            doc,
            editables,
        ),
    ):
        carga = cargar(doc)  # read under the lock
        hojas, declaracion, errores = _validar(wb, doc, carga, editables)
        if errores:
            raise ErrorImportacion(errores)
        resumen = {
            "hojas": [h.titulo for h in hojas],
            "creadas": 0,
            "actualizadas": 0,
            "eliminadas": 0,
            "sin_cambios": 0,
            "no_pertinente": None,
        }
        escritura = _Escritura(carga, actor, doc)
        for hoja in hojas:
            if hoja.cuadro == "C1":
                escritura.cuadro1(hoja, resumen)
            else:
                escritura.cuadro2(hoja, resumen)
        if declaracion is not None:
            escritura.declaracion = declaracion
            resumen["no_pertinente"] = declaracion[0]
        escritura.guardar()
    return resumen


def _validar(wb, doc, carga, editables: set):
    """(sheets read, the new Cuadro I N°2 declaration or None, errors) of the workbook."""
    errores: list[ErrorCelda] = []
    huellas = x.leer_huellas(wb)
    ultimas = _ultimas_ediciones(diagnostico_id=carga.diagnostico.pk) if huellas else {}
    centros = {c.region.codigo.upper(): c for c in carga.centros}
    # A regional Servicio without Centros names its part by its region («C1 II»).
    servicio = doc.servicio
    propio = servicio.region.codigo if not centros and servicio.region_id else None
    productos = {p.numero for p in carga.productos}
    c1 = {f.pk: f for f in carga.filas_cuadro1}
    c2 = {f.pk: f.centro_id for f in carga.filas_cuadro2}
    codigo_de = {c.pk: codigo for codigo, c in centros.items()}
    hojas = []
    vistas = {}

    def cambio_en_el_sistema(titulo, parte, region_txt, centro_id=None) -> bool:
        """Whether the part changed since the workbook was exported (an error appended)."""
        huella = huellas.get(titulo)
        if huella is None or not _cambio_desde(huella, ultimas.get(parte)):
            return False
        # Someone saved this part after the export: the core's check names who and when.
        historiales = _historiales_hoja(carga.diagnostico.pk, parte[0], centro_id)
        try:
            concurrencia.verificar(huella, historiales)
        except concurrencia.EdicionConcurrente as exc:
            errores.append(x.error_por_cambios(titulo, region_txt, exc.cambios))
            return True
        return False

    for ws, cuadro, clave_region in _hojas(wb):
        titulo = ws.title
        if propio is not None and x.clave(clave_region) == x.clave(propio):
            clave_region = SERVICIO
        destino = x.region_de_hoja(titulo, clave_region, centros)
        if isinstance(destino, ErrorCelda):
            errores.append(destino)
            continue
        codigo, centro_id, region_txt = destino
        if (cuadro, centro_id) in vistas:
            errores.append(
                ErrorCelda(titulo, None, "", f"Repite la hoja «{vistas[(cuadro, centro_id)]}».")
            )
            continue
        vistas[(cuadro, centro_id)] = titulo
        sin_permiso = x.sin_permiso_hoja(titulo, centro_id, region_txt, editables)
        if sin_permiso:
            errores.append(sin_permiso)
            continue
        filas, columnas = _leer_hoja(ws, cuadro, errores, productos)
        for fila in filas:
            if fila.id is None:
                continue
            if cuadro == "C1":
                existente = c1.get(fila.id)
                centro_existente = existente.centro_id if existente else _NINGUNA
            else:
                centro_existente = c2.get(fila.id, _NINGUNA)
            if centro_existente is _NINGUNA:
                errores.append(
                    ErrorCelda(
                        titulo,
                        fila.fila,
                        ID,
                        f"El ID {fila.id} no corresponde a ninguna fila del {TITULOS[cuadro]} de "
                        "este documento. Déjelo vacío para agregar una fila.",
                    )
                )
            elif centro_existente != centro_id:
                otra = codigo_de.get(centro_existente)
                donde = f"la región {otra}" if otra else "el cuadro del Servicio"
                errores.append(
                    ErrorCelda(
                        titulo,
                        fila.fila,
                        ID,
                        f"La fila con ID {fila.id} pertenece a {donde}, no a esta hoja.",
                    )
                )
            elif cuadro == "C1" and not fila.datos["productos"]:
                # A saved row keeps a product: its column (1) text or a linked product.
                texto = fila.datos.get("producto_texto", existente.producto_texto)
                tenia = existente.producto_texto or carga.enlaces.get(("f", fila.id))
                if not texto and tenia:
                    clave = "producto_texto" if "producto_texto" in columnas else "productos"
                    errores.append(ErrorCelda(titulo, fila.fila, columnas[clave][1], SIN_PRODUCTO))
        if cambio_en_el_sistema(titulo, (cuadro, centro_id), region_txt, centro_id):
            continue
        hojas.append(HojaLeida(titulo, cuadro, codigo, centro_id, filas, columnas))
    declaracion = None
    ws = _hoja_de_identificacion(wb)
    if ws is not None:
        declaracion = _leer_identificacion(ws, carga.diagnostico, errores)
        if declaracion is not None:
            if None not in editables:
                errores.append(
                    ErrorCelda(
                        ws.title,
                        None,
                        "",
                        "No tiene permiso para cambiar la declaración del Cuadro I N°2: la "
                        "hace el Encargado/a GT del Servicio. Deje esta hoja como estaba o "
                        "elimínela del archivo.",
                    )
                )
                declaracion = None
            elif cambio_en_el_sistema(ws.title, PARTE_DIAGNOSTICO, "el Diagnóstico"):
                declaracion = None
    x.ordenar_errores(wb, errores)
    if not hojas and declaracion is None and not errores and ws is None:
        errores.append(
            ErrorCelda(
                "",
                None,
                "",
                "El archivo no tiene hojas de cuadros por región («C1 <región>» o "
                "«C2 <región>»). Use el archivo exportado desde el sistema.",
            )
        )
    return hojas, declaracion, errores


_NINGUNA = object()  # no row of the document has this ID
_SI = {"si", "s", "x", "verdadero", "true", "1"}
_NO = {"no", "n", "", "falso", "false", "0"}


def _leer_identificacion(ws, diagnostico, errores: list):
    """The (no_pertinente, motivo) the «Identificación» sheet declares, if it differs from the
    Diagnóstico's (None if it does not, or if it has errors: appended)."""
    antes = len(errores)
    if not x.revisar_hoja(ws, errores):
        return None
    filas = {}
    for numero, valores in x.filas_con_datos(ws, FILA_ENCABEZADO + 1, 2, errores):
        etiqueta = x.clave(x.texto_celda(valores[0]))
        filas.setdefault(etiqueta, (numero, valores[1] if len(valores) > 1 else None))
    encontradas = {}
    for nombre in (NO_PERTINENTE, MOTIVO):
        if x.clave(nombre) not in filas:
            errores.append(ErrorCelda(ws.title, None, "", f"Falta la fila «{nombre}» (columna A)."))
        else:
            encontradas[nombre] = filas[x.clave(nombre)]
    if len(errores) > antes:
        return None
    numero, valor = encontradas[NO_PERTINENTE]
    respuesta = x.clave(x.texto_celda(valor))
    if respuesta not in _SI | _NO:
        errores.append(
            ErrorCelda(
                ws.title,
                numero,
                "Valor",
                f"Valor no válido: «{x.texto_celda(valor)[:40]}». Escriba «{SI}» o «{NO}».",
            )
        )
        return None
    no_pertinente = respuesta in _SI
    numero_motivo, valor_motivo = encontradas[MOTIVO]
    motivo = normalizar(x.texto_celda(valor_motivo))
    if no_pertinente and not motivo:
        errores.append(
            ErrorCelda(
                ws.title,
                numero_motivo,
                "Valor",
                "Indique por qué el Cuadro I N°2 no es pertinente al Servicio.",
            )
        )
        return None
    if (no_pertinente, motivo) == (diagnostico.cuadro2_no_pertinente, diagnostico.cuadro2_motivo):
        return None
    return no_pertinente, motivo


def _cambio_desde(huella: str, ultima) -> bool:
    """Whether ``concurrencia.verificar(huella, …)`` may refuse a part whose newest history
    record is ``ultima`` (None: no history): False only when it surely accepts it, so the
    check (and its queries) runs for the parts that changed, or an unreadable huella."""
    if ultima is None:
        return False
    try:
        fecha = parse_datetime(huella) if huella else None
    except ValueError:
        return True
    return fecha is None or ultima > fecha


# --- Writing the import: in bulk, with history -------------------------------------------------


def _instancia(modelo, fila, diagnostico_id: int, **cambios):
    """A model instance of a row as ``contenido.cargar`` read it, with ``cambios``. Every
    concrete field is taken from the loaded row: a field the loader lacks fails here, it is
    never written (nor recorded in history) with a default value."""
    valores = {"id": fila.pk, "diagnostico_id": diagnostico_id}
    for campo in modelo._meta.concrete_fields:
        if campo.attname not in valores:
            valores[campo.attname] = getattr(fila, campo.attname)
    valores.update(cambios)
    return modelo(**valores)


def _historia_eliminadas(modelo, objetos: list, usuario, fecha) -> list:
    """The "-" history records of deleted rows, as simple-history's post_delete makes them
    (its bulk helpers make "+" and "~" records only)."""
    historico = _historico(modelo)
    return [
        historico(
            history_date=fecha,
            history_type="-",
            history_user=usuario,
            history_change_reason=RAZON_CAMBIO,
            **{campo.attname: getattr(obj, campo.attname) for campo in historico.tracked_fields},
        )
        for obj in objetos
    ]


# The change reason of the history records an import writes: none, as row by row saves wrote.
RAZON_CAMBIO = None


class _Escritura:
    """What the import changes, gathered sheet by sheet and written at the end in bulk: a
    constant number of queries whatever the rows and sheets.

    History (django-simple-history) records each changed row once, with the importer as
    history_user: ``bulk_update_with_history`` / ``bulk_create_with_history`` for the rows
    updated and created, "-" records for the deleted ones (written in bulk too, then the rows
    are deleted without per-row signals), and for Cuadro I N°1 the snapshot of each recorded
    row's products (the m2m history simple-history keeps on every record). Unchanged rows get
    no record. Rows of Cuadro I N°1 and N°2 have no other relation than the products link
    (``tests`` pin it), so deleting them by query leaves nothing behind.
    """

    def __init__(self, carga, actor, documento):
        self.carga = carga
        self.documento_id = documento.pk
        self.declaracion = None  # (no_pertinente, motivo) of Cuadro I N°2, if it changes
        self.diagnostico_id = carga.diagnostico.pk
        self.actor = actor
        self.producto_pk = {p.numero: p.pk for p in carga.productos}
        self.numero_de = {p.pk: p.numero for p in carga.productos}
        self.eliminadas = {FilaCuadro1: [], FilaCuadro2: []}
        self.creadas = {FilaCuadro1: [], FilaCuadro2: []}
        self.cambiadas = {FilaCuadro1: [], FilaCuadro2: []}  # instances, with new values
        self.campos = {FilaCuadro1: set(), FilaCuadro2: set()}  # fields that change
        self.productos = []  # (Cuadro I N°1 row instance, product pks) where they change
        self.por_centro = {}
        for modelo, filas in (
            (FilaCuadro1, carga.filas_cuadro1),
            (FilaCuadro2, carga.filas_cuadro2),
        ):
            for f in filas:
                self.por_centro.setdefault((modelo, f.centro_id), {})[f.pk] = f
        self.aparcadas = []  # Cuadro I N°2 rows parked on a temporary información first

    def cuadro1(self, hoja: HojaLeida, resumen: dict):
        existentes = self.por_centro.get((FilaCuadro1, hoja.centro_id), {})
        en_hoja = {f.id for f in hoja.filas if f.id is not None}
        for pk, fila in existentes.items():
            if pk not in en_hoja:
                self.eliminadas[FilaCuadro1].append(
                    _instancia(FilaCuadro1, fila, self.diagnostico_id)
                )
                resumen["eliminadas"] += 1
        enlaces = self.carga.enlaces
        ordenes = _ordenes(hoja.filas, existentes)
        for fila, orden in zip(hoja.filas, ordenes, strict=True):
            datos = {k: v for k, v in fila.datos.items() if k != "productos"}
            datos["orden"] = orden
            productos = [self.producto_pk[n] for n in fila.datos["productos"]]
            if fila.id is None:
                obj = FilaCuadro1(
                    diagnostico_id=self.diagnostico_id, centro_id=hoja.centro_id, **datos
                )
                self.creadas[FilaCuadro1].append(obj)
                self.productos.append((obj, productos))
                resumen["creadas"] += 1
                continue
            actual = existentes[fila.id]
            cambios = {k: v for k, v in datos.items() if getattr(actual, k) != v}
            actuales = {self.numero_de[p] for p in enlaces.get(("f", fila.id), ())}
            otros_productos = actuales != set(fila.datos["productos"])
            if not cambios and not otros_productos:
                resumen["sin_cambios"] += 1
                continue
            obj = _instancia(FilaCuadro1, actual, self.diagnostico_id, **cambios)
            self.cambiadas[FilaCuadro1].append(obj)
            self.campos[FilaCuadro1].update(cambios)
            if otros_productos:
                self.productos.append((obj, productos))
            resumen["actualizadas"] += 1

    def cuadro2(self, hoja: HojaLeida, resumen: dict):
        existentes = self.por_centro.get((FilaCuadro2, hoja.centro_id), {})
        en_hoja = {f.id for f in hoja.filas if f.id is not None}
        for pk, fila in existentes.items():
            if pk not in en_hoja:
                self.eliminadas[FilaCuadro2].append(
                    _instancia(FilaCuadro2, fila, self.diagnostico_id)
                )
                resumen["eliminadas"] += 1
        cambiadas = []
        for fila in hoja.filas:
            if fila.id is None:
                continue
            actual = existentes[fila.id]
            cambios = {k: v for k, v in fila.datos.items() if getattr(actual, k) != v}
            if not cambios:
                resumen["sin_cambios"] += 1
                continue
            cambiadas.append(
                (actual, _instancia(FilaCuadro2, actual, self.diagnostico_id, **cambios))
            )
            self.campos[FilaCuadro2].update(cambios)
            resumen["actualizadas"] += 1
        # One row per información in each part (a unique constraint, checked row by row): when
        # a row takes the información another changed row still holds (rows exchanging theirs),
        # the rows whose información changes are first parked on a temporary value.
        que_cambian = [(a, o) for a, o in cambiadas if a.informacion != o.informacion]
        dejadas = {a.informacion for a, _o in que_cambian}
        if any(o.informacion in dejadas for _a, o in que_cambian):
            self.aparcadas += [
                FilaCuadro2(pk=a.pk, informacion=f"_{a.pk}"[:20]) for a, _o in que_cambian
            ]
        self.cambiadas[FilaCuadro2] += [o for _a, o in cambiadas]
        for fila in hoja.filas:
            if fila.id is None:
                self.creadas[FilaCuadro2].append(
                    FilaCuadro2(
                        diagnostico_id=self.diagnostico_id, centro_id=hoja.centro_id, **fila.datos
                    )
                )
                resumen["creadas"] += 1

    def guardar(self):
        fecha = timezone.now()  # one instant for every record of the import
        historia = {
            "default_user": self.actor,
            "default_change_reason": RAZON_CAMBIO,
            "default_date": fecha,
        }
        enlace = FilaCuadro1.productos.through
        if self.declaracion is not None:
            d = self.carga.diagnostico
            no_pertinente, motivo = self.declaracion
            bulk_update_with_history(
                [
                    Diagnostico(
                        pk=d.pk,
                        documento_id=self.documento_id,
                        presentacion=d.presentacion,
                        mision=d.mision,
                        cuadro2_no_pertinente=no_pertinente,
                        cuadro2_motivo=motivo,
                    )
                ],
                Diagnostico,
                ["cuadro2_no_pertinente", "cuadro2_motivo"],
                **historia,
            )
        # Deletions: their history, the products links (and those that change), the rows.
        for modelo, objetos in self.eliminadas.items():
            if objetos:
                _historico(modelo).objects.bulk_create(
                    _historia_eliminadas(modelo, objetos, self.actor, fecha)
                )
        sin_enlaces = [o.pk for o in self.eliminadas[FilaCuadro1]]
        sin_enlaces += [o.pk for o, _p in self.productos if o.pk is not None]
        if sin_enlaces:
            enlace.objects.filter(filacuadro1_id__in=sin_enlaces).delete()
        for modelo, objetos in self.eliminadas.items():
            if objetos:
                # No per-row delete signals: the history is written above.
                modelo.objects.filter(pk__in=[o.pk for o in objetos])._raw_delete(modelo.objects.db)
        # Cuadro I N°2: parked rows, updates, new rows.
        if self.aparcadas:
            FilaCuadro2.objects.bulk_update(self.aparcadas, ["informacion"])
        if self.cambiadas[FilaCuadro2]:
            bulk_update_with_history(
                self.cambiadas[FilaCuadro2],
                FilaCuadro2,
                sorted(self.campos[FilaCuadro2]),
                **historia,
            )
        if self.creadas[FilaCuadro2]:
            bulk_create_with_history(self.creadas[FilaCuadro2], FilaCuadro2, **historia)
        # Cuadro I N°1: updates (a change of products only records history), new rows, links.
        cambiadas, creadas = self.cambiadas[FilaCuadro1], self.creadas[FilaCuadro1]
        if cambiadas:
            bulk_update_with_history(
                cambiadas, FilaCuadro1, sorted(self.campos[FilaCuadro1]), **historia
            )
        if creadas:
            bulk_create_with_history(creadas, FilaCuadro1, **historia)
        nuevos = enlace.objects.bulk_create(
            [
                enlace(filacuadro1_id=obj.pk, productoestrategico_id=producto)
                for obj, productos in self.productos
                for producto in productos
            ]
        )
        self._historia_productos(cambiadas + creadas, nuevos, fecha)

    def _historia_productos(self, objetos: list, nuevos: list, fecha):
        """The products snapshot of each new Cuadro I N°1 history record (what simple-history
        copies from the links on every record it makes)."""
        if not objetos:
            return
        enlace = FilaCuadro1.productos.through
        por_fila = {}
        for e in nuevos:
            por_fila.setdefault(e.filacuadro1_id, []).append(e)
        cambian = {id(o) for o, _p in self.productos}
        intactas = [o.pk for o in objetos if id(o) not in cambian]
        if intactas:
            for e in enlace.objects.filter(filacuadro1_id__in=intactas):
                por_fila.setdefault(e.filacuadro1_id, []).append(e)
        historico = _historico(FilaCuadro1)
        registros = historico.objects.filter(
            history_date=fecha, id__in=[o.pk for o in objetos]
        ).values_list("history_id", "id")
        m2m = historico.productos.model
        campos = [f.attname for f in enlace._meta.concrete_fields]
        m2m.objects.bulk_create(
            [
                m2m(history_id=history_id, **{c: getattr(e, c) for c in campos})
                for history_id, fila_id in registros
                for e in sorted(por_fila.get(fila_id, ()), key=lambda e: e.pk)
            ]
        )


def _ordenes(filas: list[FilaLeida], existentes: dict) -> list[int]:
    """Values of ``orden`` that give the sheet's order, keeping the current ones if they do."""
    claves = [(existentes[f.id].orden, f.id) for f in filas if f.id is not None]
    n_existentes = len(claves)
    ya_ordenadas = all(a < b for a, b in zip(claves, claves[1:], strict=False)) and all(
        f.id is not None for f in filas[:n_existentes]
    )
    if ya_ordenadas:
        # New rows come last: they follow the highest current orden (and have higher ids).
        maximo = max((o for o, _ in claves), default=0)
        resultado, extra = [], 0
        for f in filas:
            if f.id is not None:
                resultado.append(existentes[f.id].orden)
            else:
                extra += 1
                resultado.append(maximo + extra)
        return resultado
    return list(range(1, len(filas) + 1))
