"""Excel (xlsx) export and import of Cuadro I N°1 and Cuadro I N°2, with openpyxl.

Export: one sheet per region and cuadro ("C1 I", "C2 I"…, "C1 Servicio" for a Servicio without
Centros), two consolidated sheets with every region and an "Instrucciones" sheet (last) that
also holds the lists used by the data validations. The content read is the live content in
Borrador, else the frozen content of the current version (as the PDF does).

Import reads only the per-region sheets and is all-or-nothing: every row of every sheet is
validated first; any error raises ``ErrorImportacion`` with the list of errors (hoja, fila,
columna, mensaje) and nothing changes. For each imported sheet, rows with ID update that row,
rows without ID are created and rows of that region absent from the sheet are deleted; the
order of Cuadro I N°1 follows the sheet. Writes are row by row (``save()``) so the history
records every change and its actor.

User text is always written as a string cell (never a formula), even when it starts with
"=", "+", "-" or "@", and read back as plain text through ``pmggt.texto.normalizar``.
"""

import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from pmggt.historia import actuando_como
from pmggt.models import Centro, Documento
from pmggt.texto import es_formula, normalizar
from pmggt.workflow import DatosInvalidos

from . import acceso
from .contenido import CAMPOS_CUADRO2, contenido_publicado
from .models import Causal, Diagnostico, FilaCuadro1, FilaCuadro2

Estado = Documento.Estado
Informacion = FilaCuadro2.Informacion

# --- Sheet layout -----------------------------------------------------------------------------

FILA_ENCABEZADO = 5  # rows 1-3: title; row 5: column names; data from row 6
FILAS_EDITABLES = 500  # rows below the data where the validation lists apply
MAX_FILAS_HOJA = 2000  # data rows read per sheet at most
MAX_DESCOMPRIMIDO = 30 * 1024 * 1024  # bytes; refuses "zip bombs" before openpyxl parses them

HOJA_INSTRUCCIONES = "Instrucciones"
CONSOLIDADO = "Consolidado"
SERVICIO = "Servicio"

ID = "ID"
C1_PRODUCTOS = "Productos (N°, separados por coma)"
C1_CAUSAL = "Causal"
# (column name, content key, width)
COLUMNAS_C1 = [
    (ID, "id", 8),
    (C1_PRODUCTOS, "productos", 16),
    (C1_CAUSAL, "causal", 30),
    ("Avance existente aplicando la PT (2)", "avance", 45),
    ("Mejora prevista que se proyecta lograr (3)", "mejora", 45),
    ("Medidas necesarias que acompañen las mejoras (4)", "medidas", 45),
    ("Objetivo recomendado al Plan GT (5)", "objetivo", 45),
]
C2_INFORMACION = "Información"
COLUMNAS_C2 = [
    (ID, "id", 8),
    (C2_INFORMACION, "informacion", 32),
    ("Medidas para proveer información a la jefatura regional", "medidas_jefatura", 50),
    ("Medidas para proveer información al GORE", "medidas_gore", 50),
    ("Objetivo recomendado al plan", "objetivo", 50),
]
TITULOS = {"C1": "Cuadro I N°1", "C2": "Cuadro I N°2"}
COLUMNAS = {"C1": COLUMNAS_C1, "C2": COLUMNAS_C2}
NOMBRE_LISTA = {"C1": "Lista_Causales", "C2": "Lista_Informacion"}

_FUENTE_TITULO = Font(bold=True, size=13)
_FUENTE_ENCABEZADO = Font(bold=True, color="FFFFFF")
_RELLENO_ENCABEZADO = PatternFill("solid", fgColor="0F69C4")  # gob.cl primary blue
_RELLENO_CONSOLIDADO = PatternFill("solid", fgColor="EEEEEE")
_BORDE = Border(*(Side(style="thin", color="A6A6A6"),) * 4)
_AJUSTE = Alignment(wrap_text=True, vertical="top")
_AJUSTE_ENCABEZADO = Alignment(wrap_text=True, vertical="center", horizontal="center")


# --- Errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCelda:
    """One problem found in the file. ``fila`` is the Excel row number (None: the whole sheet)."""

    hoja: str
    fila: int | None
    columna: str
    mensaje: str

    def __str__(self):
        partes = []
        if self.hoja:
            partes.append(f"Hoja {self.hoja}")
        if self.fila:
            partes.append(f"fila {self.fila}")
        if self.columna:
            partes.append(f"columna {self.columna}")
        return f"{', '.join(partes)}: {self.mensaje}" if partes else self.mensaje


class ErrorImportacion(DatosInvalidos):
    """The file cannot be imported; ``errores`` lists every problem found. Nothing changed."""

    def __init__(self, errores: list[ErrorCelda]):
        self.errores = list(errores)
        n = len(self.errores)
        super().__init__(
            f"El archivo tiene {n} error{'es' if n != 1 else ''}: no se importó ningún cambio."
        )


# --- Content to export -------------------------------------------------------------------------


def _texto_version(documento: Documento) -> str:
    if documento.estado == Estado.BORRADOR:
        if documento.version_actual:
            return f"contenido en edición (última versión enviada: {documento.version_actual})"
        return "contenido en edición (sin versiones enviadas)"
    return f"versión {documento.version_actual}"


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


# --- Writing helpers ---------------------------------------------------------------------------


ESTILO_TEXTO = "PMG-GT texto"
ESTILO_ID = "PMG-GT ID"


def _registrar_estilos(wb):
    # Named styles: one assignment per cell (setting font/border/alignment one by one is slow).
    # Text cells use the "@" (Text) format so what is typed later in Excel stays text too
    # ("1.1" is not a number, "=x" is not a formula).
    wb.add_named_style(
        NamedStyle(name=ESTILO_TEXTO, alignment=_AJUSTE, border=_BORDE, number_format="@")
    )
    wb.add_named_style(NamedStyle(name=ESTILO_ID, alignment=_AJUSTE, border=_BORDE))


def _escribir(ws, fila: int, columna: int, valor, *, estilo: str | None = ESTILO_TEXTO):
    """Write one cell; text is always a string cell, never a formula."""
    celda = ws.cell(row=fila, column=columna)
    if estilo:
        celda.style = estilo
    if isinstance(valor, str):
        valor = ILLEGAL_CHARACTERS_RE.sub("", valor)
        celda.value = valor
        if es_formula(valor):
            celda.data_type = "s"
            celda.quotePrefix = True
    else:
        celda.value = valor
    return celda


def _titulo(ws, documento: Documento, titulo: str, extra: str = ""):
    servicio = documento.servicio
    _escribir(ws, 1, 1, titulo, estilo=None).font = _FUENTE_TITULO
    _escribir(ws, 2, 1, f"Servicio: {servicio.nombre} ({servicio.sigla})", estilo=None)
    linea = (
        f"Año: {documento.ciclo.anio} · Estado: {documento.get_estado_display()} · "
        f"Versión: {_texto_version(documento)}"
    )
    _escribir(ws, 3, 1, linea, estilo=None)
    if extra:
        _escribir(ws, 4, 1, extra, estilo=None)


def _encabezado(ws, columnas: list[tuple[str, str, int]], relleno=_RELLENO_ENCABEZADO):
    for i, (nombre, _clave, ancho) in enumerate(columnas, start=1):
        celda = ws.cell(row=FILA_ENCABEZADO, column=i, value=nombre)
        celda.font = _FUENTE_ENCABEZADO
        celda.fill = relleno
        celda.alignment = _AJUSTE_ENCABEZADO
        celda.border = _BORDE
        ws.column_dimensions[get_column_letter(i)].width = ancho
    ws.row_dimensions[FILA_ENCABEZADO].height = 45
    ws.freeze_panes = ws.cell(row=FILA_ENCABEZADO + 1, column=1)
    ws.print_title_rows = f"{FILA_ENCABEZADO}:{FILA_ENCABEZADO}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _valor_celda(cuadro: str, clave: str, fila: dict, etiquetas: dict):
    valor = fila.get(clave)
    if clave == "id":
        return valor
    if clave == "productos":
        return ", ".join(valor or [])
    if clave in ("causal", "informacion"):
        return etiquetas.get(valor, valor or "")
    return valor or ""


def _etiquetas(cuadro: str) -> dict:
    return dict(Causal.choices) if cuadro == "C1" else dict(Informacion.choices)


def _filas(datos: dict, cuadro: str) -> list[dict]:
    if cuadro == "C1":
        return list(datos.get("cuadro1", []))
    return list((datos.get("cuadro2") or {}).get("filas", []))


def _validacion(ws, cuadro: str, desde: int, hasta: int):
    columna = 3 if cuadro == "C1" else 2
    letra = get_column_letter(columna)
    nombre = "causal" if cuadro == "C1" else "tipo de información"
    dv = DataValidation(
        type="list",
        formula1=NOMBRE_LISTA[cuadro],
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valor no válido",
        error=f"Elija un valor de la lista ({nombre}).",
        showInputMessage=True,
        promptTitle=nombre.capitalize(),
        prompt="Elija un valor de la lista.",
    )
    dv.add(f"{letra}{desde}:{letra}{hasta}")
    ws.add_data_validation(dv)


def _hoja_region(wb, documento, datos, cuadro: str, region: dict):
    ws = wb.create_sheet(_hoja(cuadro, region["codigo"]))
    columnas = COLUMNAS[cuadro]
    etiquetas = _etiquetas(cuadro)
    if region["codigo"] is None:
        lugar = f"{documento.servicio.nombre} (cuadro del Servicio)"
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
    _titulo(ws, documento, f"{TITULOS[cuadro]} · {lugar}", extra)
    _encabezado(ws, columnas)
    filas = [f for f in _filas(datos, cuadro) if f.get("region") == region["codigo"]]
    fila_excel = FILA_ENCABEZADO
    for fila_excel, fila in enumerate(filas, start=FILA_ENCABEZADO + 1):
        for i, (_nombre, clave, _ancho) in enumerate(columnas, start=1):
            _escribir(
                ws,
                fila_excel,
                i,
                _valor_celda(cuadro, clave, fila, etiquetas),
                estilo=ESTILO_ID if clave == "id" else ESTILO_TEXTO,
            )
    # Rows typed later in Excel: the columns' own style (wrapped text, "@" Text format).
    for i, (_nombre, clave, _ancho) in enumerate(columnas, start=1):
        if clave != "id":
            dimension = ws.column_dimensions[get_column_letter(i)]
            dimension.number_format = "@"
            dimension.alignment = _AJUSTE
    _validacion(ws, cuadro, FILA_ENCABEZADO + 1, fila_excel + FILAS_EDITABLES)
    return ws


def _hoja_consolidada(wb, documento, datos, cuadro: str, regiones: list[dict]):
    ws = wb.create_sheet(_hoja(cuadro, CONSOLIDADO))
    columnas = [("Región", "region", 22), *COLUMNAS[cuadro]]
    etiquetas = _etiquetas(cuadro)
    _titulo(
        ws,
        documento,
        f"{TITULOS[cuadro]} · Consolidado de todas las regiones",
        "Hoja de consulta: no se importa. Edite las hojas de cada región.",
    )
    _encabezado(ws, columnas)
    nombres = {r["codigo"]: _nombre_region(r) for r in regiones}
    posicion = {r["codigo"]: i for i, r in enumerate(regiones)}
    filas = sorted(
        _filas(datos, cuadro), key=lambda f: posicion.get(f.get("region"), len(posicion))
    )
    for fila_excel, fila in enumerate(filas, start=FILA_ENCABEZADO + 1):
        region = fila.get("region")
        _escribir(ws, fila_excel, 1, nombres.get(region, region or SERVICIO))
        for i, (_nombre, clave, _ancho) in enumerate(columnas[1:], start=2):
            _escribir(
                ws,
                fila_excel,
                i,
                _valor_celda(cuadro, clave, fila, etiquetas),
                estilo=ESTILO_ID if clave == "id" else ESTILO_TEXTO,
            )
    ultima = FILA_ENCABEZADO + max(len(filas), 1)
    ws.auto_filter.ref = f"A{FILA_ENCABEZADO}:{get_column_letter(len(columnas))}{ultima}"
    ws.sheet_properties.tabColor = "A6A6A6"
    return ws


INSTRUCCIONES = [
    "Cada región tiene una hoja «C1 <región>» (Cuadro I N°1) y otra «C2 <región>» (Cuadro I "
    "N°2); un Servicio sin Centros regionales tiene las hojas «C1 Servicio» y «C2 Servicio».",
    "Las hojas «C1 Consolidado» y «C2 Consolidado» reúnen todas las regiones solo para consulta: "
    "no se importan.",
    "Al importar, cada hoja de región reemplaza el cuadro de esa región: las filas con ID "
    "actualizan esa fila, las filas sin ID se agregan y las filas existentes de la región que no "
    "aparezcan en la hoja se eliminan. Las regiones cuyas hojas no estén en el archivo no cambian: "
    "puede eliminar del archivo las hojas que no edite.",
    "No modifique la columna ID. Para agregar una fila, escríbala con el ID vacío; para eliminar "
    "una fila, borre la fila completa de la hoja.",
    "Productos: escriba los N° de los productos del Diagnóstico separados por coma (por "
    "ejemplo: 1, 1.1, 2). La lista de productos está al final de esta hoja.",
    "Causal (Cuadro I N°1) e Información (Cuadro I N°2): elija uno de los valores de la lista. "
    "El Cuadro I N°2 admite una sola fila por tipo de información en cada región.",
    "El orden de las filas del Cuadro I N°1 será el de la hoja.",
    "Textos: para un salto de línea dentro de una celda use Alt+Enter; para una viñeta inicie la "
    "línea con «• ». Los textos se guardan tal cual (nunca como fórmulas).",
    "Las Encargadas y los Encargados de Centro solo pueden importar las hojas de su región: "
    "descargue el archivo de su región o elimine las demás hojas.",
    "Solo se puede importar mientras el documento está en Borrador. Si el archivo tiene algún "
    "error no se importa nada, y se indica la hoja, la fila y la columna de cada error.",
]


def _hoja_instrucciones(wb, documento, datos, productos_usados: set | None):
    ws = wb.create_sheet(HOJA_INSTRUCCIONES)
    _titulo(ws, documento, "Instrucciones: Cuadros I N°1 y N°2")
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 100
    fila = FILA_ENCABEZADO
    for n, texto in enumerate(INSTRUCCIONES, start=1):
        ws.cell(row=fila, column=1, value=n).alignment = _AJUSTE
        ws.cell(row=fila, column=2, value=texto).alignment = _AJUSTE
        fila += 1

    def lista(titulo: str, valores: list[str], nombre: str | None = None, primera=None):
        nonlocal fila
        fila += 1
        ws.cell(row=fila, column=1, value=titulo).font = Font(bold=True)
        fila += 1
        inicio = fila
        for i, valor in enumerate(valores):
            if primera is not None:
                _escribir(ws, fila, 1, primera[i])
            _escribir(ws, fila, 2, valor)
            fila += 1
        if nombre and valores:
            wb.defined_names[nombre] = DefinedName(
                nombre, attr_text=f"{HOJA_INSTRUCCIONES}!$B${inicio}:$B${fila - 1}"
            )

    lista("Valores de «Causal» (Cuadro I N°1)", list(Causal.labels), NOMBRE_LISTA["C1"])
    lista("Valores de «Información» (Cuadro I N°2)", list(Informacion.labels), NOMBRE_LISTA["C2"])
    productos = [
        p
        for p in datos.get("productos", [])
        if productos_usados is None or p["numero"] in productos_usados
    ]
    if productos:
        lista(
            "Productos estratégicos del Diagnóstico (N° y nombre)",
            [p["nombre"] for p in productos],
            primera=[p["numero"] for p in productos],
        )
    return ws


def exportar_cuadros(
    documento: Documento, region: str | None = None, *, solo_productos_usados: bool = False
) -> bytes:
    """The xlsx of both cuadros; with ``region`` (a region code) only that region's sheets.

    ``solo_productos_usados`` (for readers of one region only, e.g. a GORE) lists in the
    instructions only the products that the exported rows mention, not the whole tree.
    Raises ValueError if ``region`` is not one of the document's regions.
    """
    datos, _version = contenido_publicado(documento)
    regiones = _regiones(datos)
    if region is not None:
        regiones = [r for r in regiones if r["codigo"] == region]
        if not regiones:
            raise ValueError(f"La región {region} no corresponde a este documento.")
    wb = Workbook()
    wb.remove(wb.active)
    _registrar_estilos(wb)
    for r in regiones:
        for cuadro in ("C1", "C2"):
            _hoja_region(wb, documento, datos, cuadro, r)
    if region is None:
        for cuadro in ("C1", "C2"):
            _hoja_consolidada(wb, documento, datos, cuadro, regiones)
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
    wb.active = 0
    servicio = documento.servicio
    wb.properties.title = f"Cuadros I N°1 y N°2 · {servicio.sigla} {documento.ciclo.anio}"
    wb.properties.creator = "PMG-GT"
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def nombre_archivo(documento: Documento, region: str | None = None) -> str:
    sufijo = f"-{region}" if region else ""
    return f"{documento.servicio.sigla}-{documento.ciclo.anio}-cuadros{sufijo}.xlsx"


# --- Reading ---------------------------------------------------------------------------------


def _clave(texto) -> str:
    """Comparison key: no accents, case-folded, single spaces."""
    texto = unicodedata.normalize("NFKD", str(texto or ""))
    texto = "".join(c for c in texto if not unicodedata.combining(c))
    return " ".join(texto.casefold().split()).strip(" .")


def _clave_columna(nombre) -> str:
    # "Avance existente aplicando la PT (2)" and "Avance existente aplicando la PT" both match.
    return re.sub(r"\s*\(\d\)$", "", _clave(nombre))


def _texto_celda(valor) -> str:
    """A cell's value as text, whatever type Excel stored it as."""
    if valor is None:
        return ""
    if isinstance(valor, bool):
        return "VERDADERO" if valor else "FALSO"
    if isinstance(valor, int):
        return str(valor)
    if isinstance(valor, float):
        return str(int(valor)) if valor.is_integer() else repr(valor)
    if isinstance(valor, datetime.datetime):
        if valor.time() == datetime.time(0):
            return valor.strftime("%d-%m-%Y")
        return valor.strftime("%d-%m-%Y %H:%M")
    if isinstance(valor, datetime.date):
        return valor.strftime("%d-%m-%Y")
    if isinstance(valor, datetime.time):
        return valor.strftime("%H:%M")
    texto = getattr(valor, "text", None)  # ArrayFormula
    return str(texto if isinstance(texto, str) else valor)


_SEPARADORES = re.compile(r"[;,\n]+")


def _productos_celda(valor, existentes: set) -> list[str]:
    """Product numbers of a cell. Accepts numbers Excel turned into floats (1.1) and a decimal
    comma ("1,1") when it cannot be a list (1 twice, or an unknown product) but is a product."""
    if isinstance(valor, (int, float)) and not isinstance(valor, bool):
        partes = [_texto_celda(valor)]
    else:
        texto = normalizar(_texto_celda(valor)).replace("•", "")
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


def _leer_hoja(ws, cuadro: str, errores: list, existentes_productos: set) -> list[FilaLeida]:
    titulo = ws.title
    columnas = COLUMNAS[cuadro]
    filas_ws = ws.iter_rows(min_row=1, max_row=min(ws.max_row, 30))
    encabezado = None
    for fila in filas_ws:
        if fila and _clave(fila[0].value) == "id":
            encabezado = fila
            break
    if encabezado is None:
        errores.append(
            ErrorCelda(
                titulo,
                None,
                "",
                "No se encontró la fila de encabezados (la primera columna debe llamarse «ID»).",
            )
        )
        return []
    fila_encabezado = encabezado[0].row
    posicion = {}
    for celda in encabezado:
        clave = _clave_columna(celda.value)
        if clave and clave not in posicion:
            posicion[clave] = celda.column - 1
    indices = {}
    for nombre, clave, _ancho in columnas:
        i = posicion.get(_clave_columna(nombre))
        if i is None:
            errores.append(
                ErrorCelda(titulo, fila_encabezado, nombre, "Falta esta columna en el encabezado.")
            )
        else:
            indices[clave] = (i, nombre)
    if len(indices) != len(columnas):
        return []
    etiquetas = {}
    for valor, etiqueta in _etiquetas(cuadro).items():
        etiquetas[_clave(etiqueta)] = valor
        etiquetas[_clave(valor)] = valor
    ancho = max(i for i, _ in indices.values()) + 1
    leidas = []
    vistos_id = {}
    vistos_info = {}
    for celdas in ws.iter_rows(min_row=fila_encabezado + 1, max_col=ancho):
        valores = [c.value for c in celdas]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in valores):
            continue
        numero = celdas[0].row
        if len(leidas) >= MAX_FILAS_HOJA:
            errores.append(
                ErrorCelda(titulo, numero, "", f"La hoja supera las {MAX_FILAS_HOJA} filas.")
            )
            break

        def valor(clave, valores=valores):
            return valores[indices[clave][0]]

        def error(clave, mensaje, numero=numero):
            errores.append(ErrorCelda(titulo, numero, indices[clave][1] if clave else "", mensaje))

        # ID
        id_fila = None
        bruto = valor("id")
        texto_id = _texto_celda(bruto).strip()
        if texto_id:
            if re.fullmatch(r"\d+", texto_id):
                id_fila = int(texto_id)
                if id_fila in vistos_id:
                    error("id", f"El ID {id_fila} ya aparece en la fila {vistos_id[id_fila]}.")
                vistos_id.setdefault(id_fila, numero)
            else:
                error("id", f"ID no válido: «{texto_id}». Déjelo vacío para agregar una fila.")
        datos = {}
        for _nombre, clave, _a in columnas:
            if clave in ("id", "productos", "causal", "informacion"):
                continue
            datos[clave] = normalizar(_texto_celda(valor(clave)))
        if cuadro == "C1":
            numeros = _productos_celda(valor("productos"), existentes_productos)
            faltan = [n for n in numeros if n not in existentes_productos]
            if not numeros:
                error("productos", "Indique al menos un producto o subproducto.")
            elif len(faltan) == 1:
                error("productos", f"El producto {faltan[0]} no existe en el Diagnóstico.")
            elif faltan:
                error(
                    "productos",
                    f"Los productos {', '.join(faltan)} no existen en el Diagnóstico.",
                )
            datos["productos"] = numeros
            campo, nombre_campo = "causal", "la causal"
        else:
            campo, nombre_campo = "informacion", "el tipo de información"
        texto = normalizar(_texto_celda(valor(campo)))
        if not texto:
            error(campo, f"Indique {nombre_campo}.")
        elif _clave(texto) not in etiquetas:
            error(
                campo,
                f"Valor no válido: «{texto[:80]}». Elija uno de la lista: "
                + "; ".join(_etiquetas(cuadro).values())
                + ".",
            )
        else:
            datos[campo] = etiquetas[_clave(texto)]
            if cuadro == "C2":
                previo = vistos_info.setdefault(datos[campo], numero)
                if previo != numero:
                    error(
                        campo,
                        f"«{Informacion(datos[campo]).label}» ya aparece en la fila {previo}: "
                        "el Cuadro I N°2 admite una fila por tipo de información.",
                    )
        if cuadro == "C2" and id_fila is None and not any(datos[c] for c in CAMPOS_CUADRO2):
            continue  # a new row with nothing written is not a row (as in the web editor)
        leidas.append(FilaLeida(numero, id_fila, datos))
    return leidas


def _abrir(archivo):
    """The workbook, or ErrorImportacion if the file is not a readable xlsx."""
    if hasattr(archivo, "seek"):
        archivo.seek(0)
    contenido = archivo.read() if hasattr(archivo, "read") else archivo
    no_legible = ErrorImportacion(
        [ErrorCelda("", None, "", "El archivo no es un libro Excel .xlsx válido.")]
    )
    try:
        with zipfile.ZipFile(io.BytesIO(contenido)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_DESCOMPRIMIDO:
                raise ErrorImportacion(
                    [ErrorCelda("", None, "", "El archivo es demasiado grande para importarlo.")]
                )
        return load_workbook(io.BytesIO(contenido), data_only=False, keep_links=False)
    except ErrorImportacion:
        raise
    except Exception as exc:  # zipfile/openpyxl raise many kinds on malformed files
        raise no_legible from exc


_HOJA = re.compile(r"\s*(C[12])\s+(\S.*?)\s*", re.I)


def _hojas(wb) -> list[tuple[object, str, str]]:
    """(worksheet, cuadro, region key) of the per-region sheets."""
    resultado = []
    for ws in wb.worksheets:
        m = _HOJA.fullmatch(ws.title)
        if not m or _clave(m[2]) == _clave(CONSOLIDADO):
            continue
        resultado.append((ws, m[1].upper(), m[2]))
    return resultado


def importar_cuadros(*, documento: Documento, archivo, actor) -> dict:
    """Import the per-region sheets of the workbook; all or nothing (see the module doc).

    Returns {"hojas": [...], "creadas": n, "actualizadas": n, "eliminadas": n, "sin_cambios": n}.
    Raises ErrorImportacion (with .errores) and changes nothing if anything is wrong.
    """
    wb = _abrir(archivo)
    with transaction.atomic():
        # Lock the document: it cannot be sent while the import runs (PostgreSQL).
        doc = (
            Documento.objects.select_for_update()
            .select_related("servicio", "ciclo")
            .get(pk=documento.pk)
        )
        if doc.estado != Estado.BORRADOR:
            raise ErrorImportacion(
                [
                    ErrorCelda(
                        "",
                        None,
                        "",
                        f"El documento está «{doc.get_estado_display()}»: solo se importa en "
                        "Borrador.",
                    )
                ]
            )
        diagnostico = Diagnostico.objects.get(documento=doc)
        hojas, errores = _validar(wb, doc, diagnostico, actor)
        if errores:
            raise ErrorImportacion(errores)
        resumen = {
            "hojas": [h.titulo for h in hojas],
            "creadas": 0,
            "actualizadas": 0,
            "eliminadas": 0,
            "sin_cambios": 0,
        }
        productos = {p.numero: p for p in diagnostico.productos.all()}
        with actuando_como(actor):
            for hoja in hojas:
                if hoja.cuadro == "C1":
                    _aplicar_c1(diagnostico, hoja, productos, resumen)
                else:
                    _aplicar_c2(diagnostico, hoja, resumen)
    return resumen


def _validar(wb, documento, diagnostico, actor) -> tuple[list[HojaLeida], list[ErrorCelda]]:
    errores: list[ErrorCelda] = []
    centros = {
        c.region.codigo.upper(): c
        for c in Centro.objects.filter(servicio=documento.servicio).select_related("region")
    }
    editables = acceso.centros_editables(actor, documento)
    productos = set(diagnostico.productos.values_list("numero", flat=True))
    c1 = {
        f.pk: f.centro_id
        for f in FilaCuadro1.objects.filter(diagnostico=diagnostico).only("centro")
    }
    c2 = {
        f.pk: f.centro_id
        for f in FilaCuadro2.objects.filter(diagnostico=diagnostico).only("centro")
    }
    codigo_de = {c.pk: codigo for codigo, c in centros.items()}
    hojas = []
    vistas = {}
    for ws, cuadro, clave_region in _hojas(wb):
        titulo = ws.title
        if _clave(clave_region) == _clave(SERVICIO):
            if centros:
                # Pages and reports show a Servicio with Centros region by region only.
                errores.append(
                    ErrorCelda(
                        titulo,
                        None,
                        "",
                        "Este Servicio tiene Centros regionales: use las hojas de cada región.",
                    )
                )
                continue
            codigo, centro_id = None, None
            region_txt = "la parte del Servicio"
        else:
            codigo = clave_region.upper()
            centro = centros.get(codigo)
            if centro is None:
                errores.append(
                    ErrorCelda(
                        titulo,
                        None,
                        "",
                        f"La región «{clave_region}» no corresponde a un Centro del Servicio.",
                    )
                )
                continue
            centro_id = centro.pk
            region_txt = f"la región {codigo}"
        if (cuadro, centro_id) in vistas:
            errores.append(
                ErrorCelda(titulo, None, "", f"Repite la hoja «{vistas[(cuadro, centro_id)]}».")
            )
            continue
        vistas[(cuadro, centro_id)] = titulo
        if centro_id not in editables:
            errores.append(
                ErrorCelda(titulo, None, "", f"No tiene permiso para editar {region_txt}.")
            )
            continue
        filas = _leer_hoja(ws, cuadro, errores, productos)
        existentes = c1 if cuadro == "C1" else c2
        for fila in filas:
            if fila.id is None:
                continue
            if fila.id not in existentes:
                errores.append(
                    ErrorCelda(
                        titulo,
                        fila.fila,
                        ID,
                        f"El ID {fila.id} no corresponde a ninguna fila del {TITULOS[cuadro]} de "
                        "este documento. Déjelo vacío para agregar una fila.",
                    )
                )
            elif existentes[fila.id] != centro_id:
                otra = codigo_de.get(existentes[fila.id])
                donde = f"la región {otra}" if otra else "el cuadro del Servicio"
                errores.append(
                    ErrorCelda(
                        titulo,
                        fila.fila,
                        ID,
                        f"La fila con ID {fila.id} pertenece a {donde}, no a esta hoja.",
                    )
                )
        hojas.append(HojaLeida(titulo, cuadro, codigo, centro_id, filas))
    posicion = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    errores.sort(key=lambda e: (posicion.get(e.hoja, -1), e.fila or 0))
    if not hojas and not errores:
        errores.append(
            ErrorCelda(
                "",
                None,
                "",
                "El archivo no tiene hojas de cuadros por región («C1 <región>» o "
                "«C2 <región>»). Use el archivo exportado desde el sistema.",
            )
        )
    return hojas, errores


def _aplicar_c1(diagnostico, hoja: HojaLeida, productos: dict, resumen: dict):
    existentes = {
        f.pk: f
        for f in FilaCuadro1.objects.filter(
            diagnostico=diagnostico, centro_id=hoja.centro_id
        ).prefetch_related("productos")
    }
    en_hoja = {f.id for f in hoja.filas if f.id is not None}
    for pk, fila in existentes.items():
        if pk not in en_hoja:
            fila.delete()
            resumen["eliminadas"] += 1
    ordenes = _ordenes(hoja.filas, existentes)
    for fila, orden in zip(hoja.filas, ordenes, strict=True):
        datos = {k: v for k, v in fila.datos.items() if k != "productos"}
        datos["orden"] = orden
        numeros = fila.datos["productos"]
        if fila.id is None:
            obj = FilaCuadro1(diagnostico=diagnostico, centro_id=hoja.centro_id, **datos)
            obj.save()
            obj.productos.set([productos[n] for n in numeros])
            resumen["creadas"] += 1
            continue
        obj = existentes[fila.id]
        cambios = {k: v for k, v in datos.items() if getattr(obj, k) != v}
        actuales = {p.numero for p in obj.productos.all()}
        if not cambios and actuales == set(numeros):
            resumen["sin_cambios"] += 1
            continue
        for k, v in cambios.items():
            setattr(obj, k, v)
        if cambios:
            obj.save()
        if actuales != set(numeros):
            obj.productos.set([productos[n] for n in numeros])
        resumen["actualizadas"] += 1


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


def _aplicar_c2(diagnostico, hoja: HojaLeida, resumen: dict):
    existentes = {
        f.pk: f
        for f in FilaCuadro2.objects.filter(diagnostico=diagnostico, centro_id=hoja.centro_id)
    }
    en_hoja = {f.id for f in hoja.filas if f.id is not None}
    for pk in list(existentes):
        if pk not in en_hoja:
            existentes.pop(pk).delete()
            resumen["eliminadas"] += 1
    # Updates first (one row per información: a change of información must not collide with
    # a row that still holds it, so those wait for it), then the new rows.
    pendientes = []
    for fila in hoja.filas:
        if fila.id is None:
            continue
        obj = existentes[fila.id]
        cambios = {k: v for k, v in fila.datos.items() if getattr(obj, k) != v}
        if not cambios:
            resumen["sin_cambios"] += 1
        else:
            pendientes.append((obj, cambios))
    while pendientes:
        ocupadas = {o.informacion: o.pk for o in existentes.values()}
        libre = next(
            (
                (obj, cambios)
                for obj, cambios in pendientes
                if ocupadas.get(cambios.get("informacion", obj.informacion), obj.pk) == obj.pk
            ),
            None,
        )
        if libre is None:
            # A cycle (rows exchange their información): park one on a temporary value so the
            # others can move; it moves on a later pass.
            obj = pendientes[0][0]
            obj.informacion = f"_{obj.pk}"[:20]
            obj.save()
            continue
        pendientes.remove(libre)
        obj, cambios = libre
        for k, v in cambios.items():
            setattr(obj, k, v)
        obj.save()
        resumen["actualizadas"] += 1
    for fila in hoja.filas:
        if fila.id is None:
            FilaCuadro2(diagnostico=diagnostico, centro_id=hoja.centro_id, **fila.datos).save()
            resumen["creadas"] += 1
