"""Excel (openpyxl) toolkit shared by every stage: styles, formula-safe cells, title and header
rows, a sheet per region plus a consolidated one, and the all-or-nothing import framework
(upload guards, header location, bounded row reading, Spanish errors naming sheet, row and
column).

User text is always written as a string cell (never a formula), even when it starts with
"=", "+", "-" or "@" (or a tab, CR or NUL before them), and read back as plain text through
``pmggt.texto.normalizar``. Uploads are read in bounded memory and time (see the import limits).
"""

import contextlib
import datetime
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.parsers import expat

from django import forms
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.packaging.workbook import WorkbookPackage
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
from openpyxl.xml.functions import fromstring

from pmggt.models import Documento
from pmggt.texto import NO_XML, es_formula
from pmggt.workflow import DatosInvalidos

Estado = Documento.Estado
TIPO_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Sheet layout -----------------------------------------------------------------------------

FILA_ENCABEZADO = 5  # rows 1-3: title; row 4: a remark; row 5: column names; data from row 6
FILAS_EDITABLES = 500  # rows below the data where validation lists apply
MAX_FILAS_HOJA = 2000  # data rows read per sheet at most
MAX_DESCOMPRIMIDO = 30 * 1024 * 1024  # bytes; refuses "zip bombs" before openpyxl parses them
MAX_BYTES_ARCHIVO = 5 * 1024 * 1024  # an uploaded workbook

# Import limits: what an uploaded workbook may claim is never trusted. The zip and every XML part
# are checked (streamed through expat, nothing built) before openpyxl parses anything, and the
# sheets are read in read-only mode within MAX_FILA x MAX_COLUMNAS only.
MAX_FILA = 2600  # last Excel row read (>= FILA_ENCABEZADO + MAX_FILAS_HOJA + FILAS_EDITABLES)
MAX_COLUMNAS = 30  # columns read: A to AD
MAX_CARACTERES_CELDA = 20_000  # a longer text is an error of its cell
MAX_HOJAS = 60
MAX_ENTRADAS = 1000  # files inside the zip
MAX_BYTES_PARTE = 10 * 1024 * 1024  # one file inside the zip, uncompressed
# XML elements (openpyxl's time and memory grow with them, whatever the bytes).
MAX_ELEMENTOS = 1_000_000  # the whole workbook
MAX_ELEMENTOS_HOJA = 300_000  # one worksheet (2600 rows x 30 cells of inline text: 240k)
MAX_ELEMENTOS_CADENAS = 200_000  # the shared strings
MAX_ELEMENTOS_PARTE = 50_000  # any other part (workbook, styles…: openpyxl builds them whole)
MAX_ELEMENTOS_FUERA_DE_DATOS = 20_000  # worksheet elements outside its rows (openpyxl keeps them)
MAX_CELDAS_FILA = 16_384  # cells of one row (Excel's last column, XFD)

HOJA_INSTRUCCIONES = "Instrucciones"
CONSOLIDADO = "Consolidado"
SERVICIO = "Servicio"  # sheet suffix of the part of a Servicio without Centros
ID = "ID"

FUENTE_TITULO = Font(bold=True, size=13)
FUENTE_ENCABEZADO = Font(bold=True, color="FFFFFF")
RELLENO_ENCABEZADO = PatternFill("solid", fgColor="0F69C4")  # gob.cl primary blue
BORDE = Border(*(Side(style="thin", color="A6A6A6"),) * 4)
AJUSTE = Alignment(wrap_text=True, vertical="top")
AJUSTE_ENCABEZADO = Alignment(wrap_text=True, vertical="center", horizontal="center")

ESTILO_TEXTO = "PMG-GT texto"
ESTILO_ID = "PMG-GT ID"

# (column name, content key, width)
Columna = tuple[str, str, int]


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


def error_general(mensaje: str, _tipo=None) -> ErrorImportacion:
    """A refusal of the whole file (e.g. from the edit guard), as an import error."""
    return ErrorImportacion([ErrorCelda("", None, "", mensaje)])


# --- Writing ----------------------------------------------------------------------------------


class _HojaSoloEscritura(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, taking the cells it is given (``celda``) as they are.

    openpyxl's own sheet first tries each appended value as a cell's value and, for a cell,
    gets a ValueError (its message formats the cell's repr) before using it: per cell, an
    exception. ``en_memoria``: the sheet's XML is written to memory instead of a temporary file
    (created, written, read back and deleted per sheet); for workbooks whose sheets are small
    (the Cuadros), not for exports of whole lists, which stream to keep memory bounded."""

    en_memoria = False

    def _get_writer(self):
        if self._writer is None and self.en_memoria:
            self._writer = WorksheetWriter(self, out=io.BytesIO())
            self._writer.write_top()
        super()._get_writer()

    def _values_to_row(self, values, row_idx):
        libre = None  # one cell for the plain values, as openpyxl's sheet does
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                if libre is None:
                    libre = WriteOnlyCell(self)
                cell = libre
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
            yield cell
            if cell is libre and (cell.has_style or cell.hyperlink):
                libre = None


class _Libro(Workbook):
    """A workbook whose write-only sheets are ``_HojaSoloEscritura``."""

    hojas_en_memoria = False

    def create_sheet(self, title=None, index=None):
        if not self.write_only:
            return super().create_sheet(title, index)
        hoja = _HojaSoloEscritura(parent=self, title=title)
        hoja.en_memoria = self.hojas_en_memoria
        self._add_sheet(sheet=hoja, index=index)
        return hoja


class _Escritor(ExcelWriter):
    """openpyxl's writer, for sheets written to memory (``_HojaSoloEscritura.en_memoria``):
    their XML goes into the zip as it is (openpyxl's own writer copies a temporary file)."""

    def write_worksheet(self, ws):
        if not getattr(ws, "en_memoria", False):
            return super().write_worksheet(ws)
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if not ws.closed:
            ws.close()
        ws._rels = ws._writer._rels
        self._archive.writestr(ws.path[1:], ws._writer.out.getvalue())
        self.manifest.append(ws)


def libro(*, solo_escritura: bool = False, en_memoria: bool = False) -> Workbook:
    """An empty workbook with the shared named styles registered. ``solo_escritura``: rows are
    streamed (bounded memory, for exports of whole lists); cells come from ``celda``.
    ``en_memoria`` (with ``solo_escritura``): each sheet's XML is kept in memory instead of a
    temporary file, for workbooks of small sheets (see ``_HojaSoloEscritura``)."""
    wb = _Libro(write_only=solo_escritura)
    wb.hojas_en_memoria = solo_escritura and en_memoria
    if not solo_escritura:
        wb.remove(wb.active)
    # Named styles: one assignment per cell (setting font/border/alignment one by one is slow).
    # Text cells use the "@" (Text) format so what is typed later in Excel stays text too
    # ("1.1" is not a number, "=x" is not a formula).
    wb.add_named_style(
        NamedStyle(name=ESTILO_TEXTO, alignment=AJUSTE, border=BORDE, number_format="@")
    )
    wb.add_named_style(NamedStyle(name=ESTILO_ID, alignment=AJUSTE, border=BORDE))
    return wb


def guardar(wb: Workbook, titulo: str) -> bytes:
    if not wb.write_only:
        wb.active = 0
    wb.properties.title = titulo
    wb.properties.creator = "PMG-GT"
    salida = io.BytesIO()
    if getattr(wb, "hojas_en_memoria", False):
        # What Workbook.save does, with the writer that takes sheets written to memory.
        wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _Escritor(wb, zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    else:
        wb.save(salida)
    return salida.getvalue()


def _poner(celda, valor, estilo: str | None):
    """The one rule for a cell's value: text is always a string cell, never a formula."""
    if estilo:
        celda.style = estilo
    if isinstance(valor, str):
        valor = NO_XML.sub("", valor)  # what an xlsx cannot hold (NUL, U+FFFF…) is dropped
        celda.value = valor
        if es_formula(valor):
            celda.data_type = "s"
            celda.quotePrefix = True
    else:
        celda.value = valor
    return celda


def escribir(ws, fila: int, columna: int, valor, *, estilo: str | None = ESTILO_TEXTO):
    """Write one cell; text is always a string cell, never a formula."""
    return _poner(ws.cell(row=fila, column=columna), valor, estilo)


def celda(ws, valor, estilo: str | None = ESTILO_TEXTO):
    """A cell of a write-only sheet (``libro(solo_escritura=True)``), with ``escribir``'s rule.

    ``estilo``: a named style of the workbook (the shared ones, or one the caller registered);
    the cell takes a copy of that style's prebuilt array (``_plantilla``), as assigning the
    name would give it, without looking the style up again for every cell."""
    if estilo is None:
        return _poner(WriteOnlyCell(ws), valor, None)
    return _poner(Cell(ws, 1, 1, style_array=_plantilla(ws, estilo)), valor, None)


# Direct formats of write-only cells (no named style): {attribute: value}, applied once per
# workbook to a sample cell whose style array the cells then copy (``_formato``).
_FORMATOS = {
    "titulo": {"font": FUENTE_TITULO},
    "ajuste": {"alignment": AJUSTE},
    "negrita": {"font": Font(bold=True)},
    "columna_texto": {"number_format": "@", "alignment": AJUSTE},  # a column's own format
}
_PLANTILLAS = "_pmggt_plantillas"  # attribute of a workbook: {style key: StyleArray}


def _plantillas(wb) -> dict:
    plantillas = getattr(wb, _PLANTILLAS, None)
    if plantillas is None:
        plantillas = {}
        setattr(wb, _PLANTILLAS, plantillas)
    return plantillas


def _plantilla(ws, estilo: str):
    """The style array of the named style ``estilo`` in ``ws``'s workbook, built once.

    openpyxl keeps every cell's style as an array of indexes into the workbook's fonts, fills,
    borders…; naming a style looks the name up, and setting the font or the border of a cell
    looks that object up again (a hash of the whole object). A cell built with
    ``Cell(ws, 1, 1, style_array=plantilla)`` gets a copy of the array instead: the same style."""
    plantillas = _plantillas(ws.parent)
    plantilla = plantillas.get(("estilo", estilo))
    if plantilla is None:
        muestra = WriteOnlyCell(ws)
        muestra.style = estilo  # the whole array, as naming the style gives it
        plantilla = plantillas[("estilo", estilo)] = muestra._style
    return plantilla


def _formato(ws, clave, formato: dict | None = None):
    """The style array of a direct format ({attribute: value}; by default ``_FORMATOS[clave]``)
    on a cell without a named style, built once per workbook (see ``_plantilla``)."""
    plantillas = _plantillas(ws.parent)
    plantilla = plantillas.get(("formato", clave))
    if plantilla is None:
        muestra = WriteOnlyCell(ws)
        for atributo, valor in (formato or _FORMATOS[clave]).items():
            setattr(muestra, atributo, valor)
        plantilla = plantillas[("formato", clave)] = muestra._style
    return plantilla


def _celda_con(ws, valor, plantilla):
    """A write-only cell with a prebuilt style array (``_plantilla``) and ``escribir``'s rule."""
    return _poner(Cell(ws, 1, 1, style_array=plantilla), valor, None)


def texto_version(documento: Documento) -> str:
    if documento.estado == Estado.BORRADOR:
        if documento.version_actual:
            return f"contenido en edición (última versión enviada: {documento.version_actual})"
        return "contenido en edición (sin versiones enviadas)"
    return f"versión {documento.version_actual}"


class _ComoVisado:
    """The document as a reader of its visado record sees it: Visado, at that version."""

    def __init__(self, documento, version):
        self._documento = documento
        self.estado = Estado.VISADO
        self.version_actual = version.numero

    def get_estado_display(self):
        return Estado.VISADO.label

    def __getattr__(self, nombre):
        return getattr(self._documento, nombre)


def como_leido(documento: Documento, version) -> object:
    """What the title rows describe: the visado record for a reader of it (a GORE while a new
    version is under way), else the document as it is."""
    visada = version is not None and version.numero == documento.version_visada
    if visada and (documento.estado != Estado.VISADO or documento.version_actual != version.numero):
        return _ComoVisado(documento, version)
    return documento


def _lineas_titulo(documento: Documento) -> tuple[str, str]:
    servicio = documento.servicio
    return (
        f"Servicio: {servicio.nombre} ({servicio.sigla})",
        f"Año: {documento.ciclo.anio} · Estado: {documento.get_estado_display()} · "
        f"Versión: {texto_version(documento)}",
    )


def _solo_escritura(ws) -> bool:
    return ws.parent.write_only  # a sheet of ``libro(solo_escritura=True)``


def titulo(ws, documento: Documento, texto: str, extra: str = ""):
    """Rows 1-4: what the sheet is, the Servicio, year, state and version, a remark.

    On a write-only sheet these are its first four rows (append them before any other)."""
    servicio_txt, linea = _lineas_titulo(documento)
    if _solo_escritura(ws):
        ws.append([_celda_con(ws, texto, _formato(ws, "titulo"))])
        ws.append([celda(ws, servicio_txt, None)])
        ws.append([celda(ws, linea, None)])
        ws.append([celda(ws, extra, None)] if extra else [])
        return
    escribir(ws, 1, 1, texto, estilo=None).font = FUENTE_TITULO
    escribir(ws, 2, 1, servicio_txt, estilo=None)
    escribir(ws, 3, 1, linea, estilo=None)
    if extra:
        escribir(ws, 4, 1, extra, estilo=None)


def _preparar(ws, columnas: list[Columna], *, formato_columnas: bool):
    """What a sheet with a header must say before its first row (a write-only sheet writes it
    first): column widths (and, with ``formato_columnas``, the text format and wrapping of the
    columns other than "id", for rows typed later in Excel), the frozen header row, its height,
    the print titles and A4 landscape."""
    texto = _formato(ws, "columna_texto") if formato_columnas else None
    for i, (_nombre, clave, ancho) in enumerate(columnas, start=1):
        letra = get_column_letter(i)
        ws.column_dimensions[letra] = ColumnDimension(
            ws, index=letra, width=ancho, style=None if clave == "id" else texto
        )
    ws.row_dimensions[FILA_ENCABEZADO].height = 45
    pagina_apaisada(ws)


def pagina_apaisada(ws, anchos=None) -> None:
    """The frozen header row, its print titles, A4 landscape fitted to the page width, and
    (``anchos``) the column widths, first column first: every list's sheet before its rows."""
    for i, ancho in enumerate(anchos or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = ancho
    ws.freeze_panes = f"A{FILA_ENCABEZADO + 1}"
    ws.print_title_rows = f"{FILA_ENCABEZADO}:{FILA_ENCABEZADO}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fila_encabezado(ws, columnas: list[Columna], relleno=RELLENO_ENCABEZADO) -> list:
    """The header cells of a write-only sheet (row FILA_ENCABEZADO)."""
    formato = {
        "font": FUENTE_ENCABEZADO,
        "fill": relleno,
        "alignment": AJUSTE_ENCABEZADO,
        "border": BORDE,
    }
    plantilla = _formato(ws, ("encabezado", relleno), formato)
    return [_celda_con(ws, nombre, plantilla) for nombre, _clave, _ancho in columnas]


def encabezado(ws, columnas: list[Columna], relleno=RELLENO_ENCABEZADO):
    """The column names in row FILA_ENCABEZADO, frozen and repeated when printed (A4 landscape).

    A write-only sheet needs ``_preparar`` before its first row and ``_fila_encabezado`` as its
    row FILA_ENCABEZADO instead (``hoja_tabla`` does both)."""
    for i, (nombre, _clave, ancho) in enumerate(columnas, start=1):
        celda = ws.cell(row=FILA_ENCABEZADO, column=i, value=nombre)
        celda.font = FUENTE_ENCABEZADO
        celda.fill = relleno
        celda.alignment = AJUSTE_ENCABEZADO
        celda.border = BORDE
        ws.column_dimensions[get_column_letter(i)].width = ancho
    ws.row_dimensions[FILA_ENCABEZADO].height = 45
    ws.freeze_panes = ws.cell(row=FILA_ENCABEZADO + 1, column=1)
    ws.print_title_rows = f"{FILA_ENCABEZADO}:{FILA_ENCABEZADO}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def hoja_tabla(
    wb,
    documento: Documento,
    nombre: str,
    texto_titulo: str,
    columnas: list[Columna],
    filas: list,
    valor: Callable,
    *,
    extra: str = "",
    color: str | None = None,
) -> tuple:
    """A sheet with one table: title rows, header, one Excel row per item of ``filas``.

    ``valor(fila, clave)`` gives each cell. Columns other than "id" keep the text style for rows
    typed later in Excel. ``color``: of the sheet's tab. Returns (worksheet, last Excel row
    written). On a write-only workbook (``libro(solo_escritura=True)``) the rows are streamed
    with the same cells, styles and sheet settings; what a write-only sheet writes after its
    rows (data validations, auto filter) may still be added to the returned worksheet.
    """
    ws = wb.create_sheet(nombre)
    if color is not None:
        ws.sheet_properties.tabColor = color
    if _solo_escritura(ws):
        return ws, _tabla_solo_escritura(ws, documento, texto_titulo, columnas, filas, valor, extra)
    titulo(ws, documento, texto_titulo, extra)
    encabezado(ws, columnas)
    ultima = FILA_ENCABEZADO
    for ultima, fila in enumerate(filas, start=FILA_ENCABEZADO + 1):
        for i, (_nombre, clave, _ancho) in enumerate(columnas, start=1):
            escribir(
                ws,
                ultima,
                i,
                valor(fila, clave),
                estilo=ESTILO_ID if clave == "id" else ESTILO_TEXTO,
            )
    for i, (_nombre, clave, _ancho) in enumerate(columnas, start=1):
        if clave != "id":
            dimension = ws.column_dimensions[get_column_letter(i)]
            dimension.number_format = "@"
            dimension.alignment = AJUSTE
    return ws, ultima


def _tabla_solo_escritura(ws, documento, texto_titulo, columnas, filas, valor, extra) -> int:
    _preparar(ws, columnas, formato_columnas=True)
    if hasattr(filas, "__len__"):
        # As a normal sheet: the freeze pane's cell (row FILA_ENCABEZADO + 1) is in the range.
        _dimension(ws, len(columnas), FILA_ENCABEZADO + max(len(filas), 1))
    titulo(ws, documento, texto_titulo, extra)
    ws.append(_fila_encabezado(ws, columnas))
    texto, ident = _plantilla(ws, ESTILO_TEXTO), _plantilla(ws, ESTILO_ID)
    estilos = [(clave, ident if clave == "id" else texto) for _n, clave, _a in columnas]
    ultima = FILA_ENCABEZADO
    for fila in filas:
        ws.append([_celda_con(ws, valor(fila, clave), estilo) for clave, estilo in estilos])
        ultima += 1
    return ultima


def hoja_consolidada(
    wb,
    documento: Documento,
    nombre: str,
    texto_titulo: str,
    columnas: list[Columna],
    filas: list,
    valor: Callable,
    nombres_region: dict,
) -> object:
    """Every region's rows in one sheet, a "Región" column first, for reading (not imported).

    ``filas`` carry their region code in ``fila["region"]``; ``nombres_region`` (code → label)
    gives the order and the labels.
    """
    posicion = {codigo: i for i, codigo in enumerate(nombres_region)}
    ordenadas = sorted(filas, key=lambda f: posicion.get(f.get("region"), len(posicion)))
    ws, ultima = hoja_tabla(
        wb,
        documento,
        nombre,
        texto_titulo,
        [("Región", "region", 22), *columnas],
        ordenadas,
        lambda f, clave: (
            nombres_region.get(f.get("region"), f.get("region") or SERVICIO)
            if clave == "region"
            else valor(f, clave)
        ),
        extra="Hoja de consulta: no se importa. Edite las hojas de cada región.",
        color="A6A6A6",
    )
    ultima = max(ultima, FILA_ENCABEZADO + 1)
    ws.auto_filter.ref = f"A{FILA_ENCABEZADO}:{get_column_letter(len(columnas) + 1)}{ultima}"
    return ws


def hoja_instrucciones(
    wb, documento: Documento, texto_titulo: str, instrucciones: list[str], listas=()
):
    """The "Instrucciones" sheet; returns a ``lista(titulo, valores, nombre, primera)`` helper
    that appends a list of values (optionally a defined name used by data validations).

    ``listas``: (titulo, valores, nombre, primera) of lists written at once after the
    instructions. On a write-only workbook give every list here: the sheet then declares its
    size (``_dimension``) and the returned helper refuses to append more."""
    ws = wb.create_sheet(HOJA_INSTRUCCIONES)
    if _solo_escritura(ws):
        return _instrucciones_solo_escritura(wb, ws, documento, texto_titulo, instrucciones, listas)
    titulo(ws, documento, texto_titulo)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 100
    fila = FILA_ENCABEZADO
    for n, texto in enumerate(instrucciones, start=1):
        ws.cell(row=fila, column=1, value=n).alignment = AJUSTE
        ws.cell(row=fila, column=2, value=texto).alignment = AJUSTE
        fila += 1

    def lista(texto: str, valores: list[str], nombre: str | None = None, primera=None):
        nonlocal fila
        fila += 1
        ws.cell(row=fila, column=1, value=texto).font = Font(bold=True)
        fila += 1
        inicio = fila
        for i, valor in enumerate(valores):
            if primera is not None:
                escribir(ws, fila, 1, primera[i])
            escribir(ws, fila, 2, valor)
            fila += 1
        if nombre and valores:
            wb.defined_names[nombre] = DefinedName(
                nombre, attr_text=f"{HOJA_INSTRUCCIONES}!$B${inicio}:$B${fila - 1}"
            )

    for argumentos in listas:
        lista(*argumentos)
    return lista


def _instrucciones_solo_escritura(wb, ws, documento, texto_titulo, instrucciones, listas):
    """``hoja_instrucciones`` on a write-only sheet: the same rows, appended in order."""
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 100
    listas = [_lista_completa(*argumentos) for argumentos in listas]
    ultima = FILA_ENCABEZADO + len(instrucciones) - 1
    ultima += sum(2 + len(valores) for _t, valores, _n, _p in listas)
    _dimension(ws, 2, ultima)
    titulo(ws, documento, texto_titulo)  # rows 1-4 (4 empty)
    ajuste = _formato(ws, "ajuste")
    for n, texto in enumerate(instrucciones, start=1):
        ws.append([Cell(ws, 1, 1, n, ajuste), Cell(ws, 1, 1, texto, ajuste)])
    fila = FILA_ENCABEZADO + len(instrucciones)  # the next row to append
    texto_celda = _plantilla(ws, ESTILO_TEXTO)
    for texto, valores, nombre, primera in listas:
        ws.append([])
        ws.append([Cell(ws, 1, 1, texto, _formato(ws, "negrita"))])
        fila += 2
        inicio = fila
        for i, valor in enumerate(valores):
            ws.append(
                [
                    None if primera is None else _celda_con(ws, primera[i], texto_celda),
                    _celda_con(ws, valor, texto_celda),
                ]
            )
            fila += 1
        if nombre and valores:
            wb.defined_names[nombre] = DefinedName(
                nombre, attr_text=f"{HOJA_INSTRUCCIONES}!$B${inicio}:$B${fila - 1}"
            )

    def lista(*_argumentos, **_opciones):
        raise TypeError(
            "En un libro de solo escritura, las listas de la hoja de instrucciones se pasan en "
            "«listas» (la hoja declara su tamaño antes de escribirse)."
        )

    return lista


def _lista_completa(texto, valores, nombre=None, primera=None) -> tuple:
    return texto, list(valores), nombre, primera


def _dimension(ws, columnas: int, filas: int) -> None:
    """Declare a write-only sheet's used range (A1 to the last column and row), as a normal
    sheet writes it in its <dimension>: openpyxl's writer asks the sheet for
    ``calculate_dimension`` before the first row, and a read-only reader that finds no
    dimension parses the whole sheet once more just to size it. Call it before any row."""
    referencia = f"A1:{get_column_letter(columnas)}{filas}"
    ws.calculate_dimension = lambda: referencia


# --- Reading ----------------------------------------------------------------------------------


class _SinMarcas(dict):
    """``str.translate`` table dropping combining marks (accents once NFKD splits them off):
    filled as code points are met, and for at most 4096 of them (the rest is looked up
    again each time), so no text can make it grow without bound."""

    def __missing__(self, codigo):
        valor = None if unicodedata.combining(chr(codigo)) else codigo
        if len(self) < 4096:
            self[codigo] = valor
        return valor


_SIN_MARCAS = _SinMarcas()


def clave(texto) -> str:
    """Comparison key: no accents, case-folded, single spaces."""
    texto = str(texto or "")
    if not texto.isascii():  # NFKD leaves ASCII as it is
        texto = unicodedata.normalize("NFKD", texto).translate(_SIN_MARCAS)
    return " ".join(texto.casefold().split()).strip(" .")


_NOTA = re.compile(r"\s*\(\d\)$")


def clave_columna(nombre) -> str:
    # "Avance existente aplicando la PT (2)" and "Avance existente aplicando la PT" both match.
    return _NOTA.sub("", clave(nombre))


@functools.lru_cache(maxsize=256)
def _clave_de_columna(nombre: str) -> str:
    """``clave_columna`` of a column name the code declares (a constant: cached)."""
    return clave_columna(nombre)


def texto_celda(valor) -> str:
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


def _mb(n: int) -> str:
    mb = n / 1024 / 1024
    return f"{mb:.0f} MB" if mb >= 10 or mb.is_integer() else f"{mb:.1f} MB".replace(".", ",")


def _miles(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _letra(columna: int) -> str:
    return get_column_letter(columna) if columna <= 18_278 else _miles(columna)


def _rechazo(mensaje: str, hoja: str = "", fila: int | None = None) -> ErrorImportacion:
    return ErrorImportacion([ErrorCelda(hoja, fila, "", mensaje)])


@dataclass(frozen=True)
class Extension:
    """Where a worksheet's data ends, as the scan of its XML found it (before any reading)."""

    ultima_fila: int = 0  # last row holding a value
    ultima_columna: int = 0  # last column holding a value
    ultima_fila_xml: int = 0  # last row element within MAX_FILA (reading stops there)


def _campos(extension: Extension) -> tuple:
    return extension.ultima_fila, extension.ultima_columna, extension.ultima_fila_xml


_EXTENSION = "_pmggt_extension"  # attribute of each worksheet returned by ``abrir``


class _Excedido(Exception):
    """A part goes beyond a limit (``mensaje``, and the row if it is a row's)."""

    def __init__(self, mensaje: str, fila: int | None = None):
        super().__init__(mensaje)
        self.mensaje, self.fila = mensaje, fila


class _Danada(Exception):
    """A worksheet whose structure openpyxl would not read as the scan does."""


def _numero_fila(valor: str | None, siguiente: int) -> int:
    # As openpyxl: "r" is optional (the next row) and may be written as a float ("7.0").
    if valor is None:
        return siguiente
    try:
        return int(valor)
    except ValueError:
        try:
            numero = float(valor)
        except ValueError:
            raise _Danada from None
        if not numero.is_integer():
            raise _Danada from None
        return int(numero)


_REFERENCIA = re.compile(r"\$?([A-Za-z]+)\$?\d+")


def _numero_columna(referencia: str | None, siguiente: int) -> int:
    # As openpyxl: a cell without "r" is the one after the previous cell of its row.
    if referencia is None:
        return siguiente
    m = _REFERENCIA.fullmatch(referencia)
    if not m:
        raise _Danada
    return _numero_letras(m[1])


@functools.lru_cache(maxsize=1024)
def _numero_letras(letras: str) -> int:
    columna = 0
    for letra in letras.upper():
        columna = columna * 26 + ord(letra) - 64
    return columna


class _Escaneo:
    """expat handlers for one XML part: no tree is built, memory stays constant whatever the
    part holds. Counts elements (``limite``); for a worksheet (``hoja``), also checks what
    openpyxl keeps in memory while reading it (elements outside the rows, cells per row) and
    records where its data ends. Rows and cells are counted as openpyxl's read-only reader does.
    """

    def __init__(self, hoja: str | None, limite: int):
        self.hoja = hoja
        self.limite = limite
        self.elementos = 0
        self.profundidad = 0
        self.fuera = 0  # worksheet elements outside <sheetData>
        self.nivel_datos = 0  # depth of the open <sheetData>
        self.vista_datos = False
        self.fila = self.columna = self.celdas = 0
        self.nivel_celda = 0  # depth of the open cell
        self.con_valor = self.en_texto = False
        self.ultima_fila = self.ultima_columna = self.ultima_fila_xml = 0

    def recorrer(self, fuente) -> None:
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._sin_dtd  # an xlsx has no DTD (nor entities)
        parser.EntityDeclHandler = self._sin_dtd
        if self.hoja is None:  # any other part: its elements are only counted
            parser.StartElementHandler = self._contar
        else:
            parser.StartElementHandler = self._inicio
            parser.EndElementHandler = self._fin
            parser.CharacterDataHandler = self._texto
        parser.ParseFile(fuente)

    def extension(self) -> Extension:
        return Extension(self.ultima_fila, self.ultima_columna, self.ultima_fila_xml)

    def _sin_dtd(self, *_args):
        raise _Danada

    def _contar(self, _nombre, _atributos):
        self.elementos += 1
        if self.elementos > self.limite:
            raise _Excedido("")

    def _inicio(self, nombre, atributos):
        self.elementos += 1
        if self.elementos > self.limite:
            raise _Excedido("")
        self.profundidad = profundidad = self.profundidad + 1
        local = nombre.rpartition("}")[2]
        if self.nivel_celda:  # inside a cell: its value
            if local == "f":
                self.con_valor = True
            elif local == "v" or local == "t":
                self.en_texto = True
            elif local == "row":
                raise _Danada
            return
        nivel_datos = self.nivel_datos
        if nivel_datos:
            if profundidad == nivel_datos + 1:  # a row
                if local != "row":
                    raise _Danada
                self.fila = _numero_fila(atributos.get("r"), self.fila + 1)
                self.columna = self.celdas = 0
            else:  # a cell (openpyxl reads every child of a row as one)
                self.celdas += 1
                if self.celdas > MAX_CELDAS_FILA:
                    raise _Excedido(
                        f"La fila tiene más de {_miles(MAX_CELDAS_FILA)} celdas.", self.fila
                    )
                self.columna = _numero_columna(atributos.get("r"), self.columna + 1)
                self.nivel_celda = profundidad
                self.con_valor = False
            return
        if local == "row":  # openpyxl would read it as a row wherever it is
            raise _Danada
        if local == "sheetData" and profundidad == 2 and not self.vista_datos:
            self.nivel_datos, self.vista_datos = profundidad, True
            return
        self.fuera += 1
        if self.fuera > MAX_ELEMENTOS_FUERA_DE_DATOS:
            raise _Excedido(
                f"La hoja tiene más de {_miles(MAX_ELEMENTOS_FUERA_DE_DATOS)} elementos fuera "
                "de sus filas (formatos, combinaciones, validaciones…)."
            )

    def _fin(self, _nombre):
        profundidad = self.profundidad
        self.profundidad = profundidad - 1
        nivel_celda = self.nivel_celda
        if nivel_celda:
            if profundidad == nivel_celda:
                if self.con_valor:
                    if self.fila > self.ultima_fila:
                        self.ultima_fila = self.fila
                    if self.columna > self.ultima_columna:
                        self.ultima_columna = self.columna
                self.nivel_celda = 0
            self.en_texto = False
            return
        nivel_datos = self.nivel_datos
        if profundidad == nivel_datos:
            self.nivel_datos = 0
        elif nivel_datos and profundidad == nivel_datos + 1:  # the end of a row
            fila = self.fila
            self.ultima_fila_xml = (
                fila if self.ultima_fila_xml < fila <= MAX_FILA else self.ultima_fila_xml
            )

    def _texto(self, texto):
        if self.en_texto and not self.con_valor and texto.strip():
            self.con_valor = True


# The quick scan (``_escaneo_rapido``): parts up to this size, read whole, are checked without a
# Python call per element; anything it cannot decide goes through ``_Escaneo``.
MAX_BYTES_ESCANEO_RAPIDO = 1024 * 1024
# Start tags of rows and of cells by local name (any prefix, as ``_Escaneo`` reads them), and
# the same with a plain "r" as their first attribute (a row number; a cell reference without
# "$"), as Excel, LibreOffice and openpyxl write them.
_PREFIJO = rb"<(?:[A-Za-z_][\w.\-]*:)?"
_ATRIBUTOS_ANTES = rb"\s+r\s*=\s*([\"'])"
_INICIO_FILA = re.compile(_PREFIJO + rb"row[\s/>]")
_INICIO_CELDA = re.compile(_PREFIJO + rb"c[\s/>]")
_FILA_CON_R = re.compile(_PREFIJO + rb"row" + _ATRIBUTOS_ANTES + rb"(\d{1,7})\1")
_CELDA_CON_R = re.compile(_PREFIJO + rb"c" + _ATRIBUTOS_ANTES + rb"([A-Za-z]{1,3})(\d{1,7})\1")
_DATOS_DE_HOJA = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?sheetData[\s/>]")


def _escaneo_rapido(z, info, hoja: str | None, limite: int):
    """(elements, Extension) of a small part whose check needs no Python call per element, or
    None: then ``_Escaneo`` decides (and words any refusal) exactly as without this.

    The part (at most MAX_BYTES_ESCANEO_RAPIDO, read whole) must parse as XML with expat alone
    (no handlers: C speed) and hold no "<!" (no DTD, comment or CDATA) and no processing
    instruction but the XML declaration: then every "<" opens a tag, and its elements are the
    "<" that do not open an end tag (or the declaration): an exact count. A worksheet must
    also be within every per-sheet limit by that count alone (at most MAX_CELDAS_FILA
    elements: no row can have more cells, nor the sheet more elements outside its rows), all
    its rows inside its one <sheetData>, and every row and cell must carry a plain "r" within
    MAX_FILA and MAX_COLUMNAS. Its Extension is then the last row and column any row or cell
    names: the same answer to ``revisar_hoja`` (no refusal either way) and the same last row to
    read (``ultima_fila_xml``) as the full scan gives."""
    if info.file_size > MAX_BYTES_ESCANEO_RAPIDO or not info.filename.endswith((".xml", ".rels")):
        return None
    try:
        with z.open(info) as fuente:
            datos = fuente.read(MAX_BYTES_ESCANEO_RAPIDO + 1)
    except Exception:
        return None
    if len(datos) > MAX_BYTES_ESCANEO_RAPIDO or b"<!" in datos:
        return None
    instrucciones = datos.count(b"<?")
    if instrucciones:
        inicio = 3 if datos.startswith(b"\xef\xbb\xbf") else 0
        fin = datos.find(b"?>")
        if instrucciones > 1 or not datos.startswith(b"<?xml", inicio):
            return None
        if fin < 0 or datos.find(b"<", inicio + 1) < fin:
            return None
    try:
        expat.ParserCreate(namespace_separator="}").Parse(datos, True)
    except Exception:
        return None
    elementos = datos.count(b"<") - datos.count(b"</") - instrucciones
    if elementos > limite:
        return None
    if hoja is None:
        return elementos, Extension()
    if elementos > min(MAX_CELDAS_FILA, MAX_ELEMENTOS_FUERA_DE_DATOS):
        return None
    marcas = list(_DATOS_DE_HOJA.finditer(datos))
    if [m[1] for m in marcas] != [b"", b"/"]:
        return None  # not one <sheetData> with its rows
    desde, hasta = marcas[0].end(), marcas[1].start()
    filas = _FILA_CON_R.findall(datos)
    celdas = _CELDA_CON_R.findall(datos)
    if not (
        len(filas)
        == len(_INICIO_FILA.findall(datos))
        == len(_INICIO_FILA.findall(datos, desde, hasta))
        and len(celdas) == len(_INICIO_CELDA.findall(datos))
    ):
        return None  # a row outside <sheetData>, or a row or cell numbered by its position
    ultima_fila = max(map(int, (numero for _q, numero in filas)), default=0)
    fila_celdas = max(map(int, (numero for _q, _letras, numero in celdas)), default=0)
    ultima_columna = max(
        (_numero_letras(letras.decode()) for letras in {letras for _q, letras, _n in celdas}),
        default=0,
    )
    if max(ultima_fila, fila_celdas) > MAX_FILA or ultima_columna > MAX_COLUMNAS:
        return None
    return elementos, Extension(ultima_fila, ultima_columna, ultima_fila)


def _revisar_paquete(z: zipfile.ZipFile) -> dict[str, Extension]:
    """Check the zip and every part against the limits before openpyxl reads anything.

    Returns {sheet name: Extension}; raises ErrorImportacion (naming the sheet when it is a
    sheet's problem). Declared sizes can be trusted: zipfile stops at the declared size (and
    fails on a mismatch), so a part cannot inflate beyond it.
    """
    entradas = [i for i in z.infolist() if not i.is_dir()]
    if len(entradas) > MAX_ENTRADAS:
        raise error_general(
            f"El archivo tiene {_miles(len(entradas))} partes internas y el máximo es "
            f"{_miles(MAX_ENTRADAS)}: no parece un libro exportado por el sistema."
        )
    if ARC_CONTENT_TYPES not in {i.filename for i in entradas}:
        raise error_general("El archivo no es un libro Excel .xlsx válido.")
    presupuesto = [MAX_ELEMENTOS]  # elements still allowed in the workbook

    def revisar_tamano(info, hoja: str | None = None):
        if info.file_size <= MAX_BYTES_PARTE:
            return
        if hoja is not None:
            raise _rechazo(
                f"La hoja ocupa {_mb(info.file_size)} sin comprimir y el máximo es "
                f"{_mb(MAX_BYTES_PARTE)}: no parece una hoja exportada por el sistema.",
                hoja,
            )
        raise error_general(
            f"La parte «{info.filename}» del archivo ocupa {_mb(info.file_size)} sin comprimir "
            f"y el máximo es {_mb(MAX_BYTES_PARTE)}."
        )

    def escanear(info, hoja: str | None = None, limite: int = MAX_ELEMENTOS_PARTE) -> Extension:
        if hoja is not None:
            limite = MAX_ELEMENTOS_HOJA
        rapido = _escaneo_rapido(z, info, hoja, min(limite, presupuesto[0]))
        if rapido is not None:
            elementos, extension = rapido
            presupuesto[0] -= elementos
            return extension
        escaneo = _Escaneo(hoja, min(limite, presupuesto[0]))
        try:
            with z.open(info) as fuente:
                escaneo.recorrer(fuente)
        except _Excedido as exc:
            if exc.mensaje:
                raise _rechazo(exc.mensaje, hoja or "", exc.fila) from None
            if escaneo.limite < limite:
                raise error_general(
                    f"El archivo tiene más de {_miles(MAX_ELEMENTOS)} elementos XML: no parece "
                    "un libro exportado por el sistema."
                ) from None
            if hoja is not None:
                raise _rechazo(
                    f"La hoja tiene más de {_miles(limite)} elementos XML: no parece una hoja "
                    "exportada por el sistema.",
                    hoja,
                ) from None
            raise error_general(
                f"La parte «{info.filename}» del archivo tiene más de {_miles(limite)} elementos "
                "XML: no parece un libro exportado por el sistema."
            ) from None
        except Exception:
            if hoja is not None:
                raise _rechazo("La hoja está dañada y no se puede leer.", hoja) from None
            # Not XML (an image…): openpyxl does not parse it, or fails on it if it must.
        presupuesto[0] -= escaneo.elementos
        return escaneo.extension()

    # 1. The parts that tell where the sheets are (openpyxl parses them whole): checked first.
    revisadas = set()
    for info in entradas:
        if info.filename == ARC_CONTENT_TYPES or info.filename.endswith(".rels"):
            revisar_tamano(info)
            escanear(info)
            revisadas.add(info.filename)
    try:
        manifiesto = Manifest.from_tree(fromstring(z.read(ARC_CONTENT_TYPES)))
        libro_xml = _find_workbook_part(manifiesto).PartName[1:]
        if libro_xml not in revisadas:
            info = z.getinfo(libro_xml)
            revisar_tamano(info)
            escanear(info)
            revisadas.add(libro_xml)
        paquete = WorkbookPackage.from_tree(fromstring(z.read(libro_xml)))
        relaciones = get_dependents(z, get_rels_path(libro_xml)).to_dict()
        hojas = [(h.name, relaciones[h.id].target) for h in paquete.sheets if h.id]
        cadenas = manifiesto.find(SHARED_STRINGS)
        parte_cadenas = cadenas.PartName[1:] if cadenas is not None else None
    except ErrorImportacion:
        raise
    except Exception as exc:
        raise error_general("El archivo no es un libro Excel .xlsx válido.") from exc
    if len(hojas) > MAX_HOJAS:
        raise error_general(
            f"El archivo tiene {_miles(len(hojas))} hojas y el máximo es {MAX_HOJAS}."
        )
    # 2. Sizes, each sheet named.
    hojas_de: dict[str, list[str]] = {}  # part: the names of the sheets it holds
    for nombre, parte in hojas:
        hojas_de.setdefault(parte, []).append(nombre)
    for info in entradas:
        revisar_tamano(info, next(iter(hojas_de.get(info.filename, [])), None))
    total = sum(i.file_size for i in entradas)
    if total > MAX_DESCOMPRIMIDO:
        raise error_general(
            f"El archivo ocupa {_mb(total)} sin comprimir y el máximo es "
            f"{_mb(MAX_DESCOMPRIMIDO)}: es demasiado grande para importarlo."
        )
    # 3. Every other part; the sheets also with their own limits and where their data ends.
    extensiones: dict[str, Extension] = {}
    for info in entradas:
        if info.filename in revisadas:
            continue
        nombres = hojas_de.get(info.filename, [])
        es_cadenas = info.filename == parte_cadenas
        extension = escanear(
            info,
            nombres[0] if nombres else None,
            MAX_ELEMENTOS_CADENAS if es_cadenas else MAX_ELEMENTOS_PARTE,
        )
        for nombre in nombres:  # a name repeated in the workbook keeps the largest extent
            previa = extensiones.get(nombre, Extension())
            extensiones[nombre] = Extension(*map(max, _campos(previa), _campos(extension)))
    return extensiones


def abrir(archivo):
    """The workbook, read-only, or ErrorImportacion if the file is not a readable xlsx or goes
    beyond a limit (checked before openpyxl parses anything). Close it after reading
    (``with cerrando(wb)``): a read-only workbook keeps its archive open."""
    if hasattr(archivo, "seek"):
        archivo.seek(0)
    contenido = archivo.read() if hasattr(archivo, "read") else archivo
    if len(contenido) > MAX_BYTES_ARCHIVO:
        raise error_general(f"El archivo supera el tamaño máximo de {_mb(MAX_BYTES_ARCHIVO)}.")
    no_legible = error_general("El archivo no es un libro Excel .xlsx válido.")
    try:
        with zipfile.ZipFile(io.BytesIO(contenido)) as z:
            extensiones = _revisar_paquete(z)
        wb = load_workbook(io.BytesIO(contenido), read_only=True, data_only=False, keep_links=False)
    except ErrorImportacion:
        raise
    except Exception as exc:  # zipfile/openpyxl raise many kinds on malformed files
        raise no_legible from exc
    for ws in wb.worksheets:
        setattr(ws, _EXTENSION, extensiones.get(ws.title, Extension()))
    return wb


def cerrando(wb):
    """``with cerrando(wb):`` closes a workbook from ``abrir`` when the block ends."""
    return contextlib.closing(wb)


def _extension(ws) -> Extension:
    extension = getattr(ws, _EXTENSION, None)
    if extension is None:  # not from ``abrir``: no scan, the reading stays within the limits
        return Extension(0, 0, MAX_FILA)
    return extension


def _no_legible(ws) -> ErrorCelda:
    return ErrorCelda(ws.title, None, "", "La hoja está dañada y no se puede leer.")


def _valores(ws, desde: int, hasta: int, ancho: int, errores: list) -> Iterator[tuple[int, tuple]]:
    """(Excel row, values of columns 1..ancho) of each row from ``desde`` to ``hasta``, never
    past MAX_FILA, MAX_COLUMNAS nor the last row the sheet has. A read error is an error of the
    sheet (appended) and ends the rows."""
    hasta = min(hasta, MAX_FILA, _extension(ws).ultima_fila_xml)
    ancho = min(ancho, MAX_COLUMNAS)
    if desde > hasta or ancho < 1:
        return
    filas = ws.iter_rows(min_row=desde, max_row=hasta, max_col=ancho, values_only=True)
    try:
        # openpyxl yields every row from ``desde`` (empty ones too): the position is the row.
        for numero, valores in enumerate(filas, start=desde):
            yield numero, valores
            if numero >= hasta:
                break  # without asking openpyxl for more: it would parse the rest of the sheet
    except Exception:
        errores.append(_no_legible(ws))
    finally:
        filas.close()


def revisar_hoja(ws, errores: list) -> bool:
    """False (and a sheet-level error) if the sheet has data beyond MAX_FILA or MAX_COLUMNAS:
    it is not read then (``columnas_de_hoja`` checks it first)."""
    extension = _extension(ws)
    correcta = True
    if extension.ultima_fila > MAX_FILA:
        errores.append(
            ErrorCelda(
                ws.title,
                None,
                "",
                f"La hoja tiene datos hasta la fila {_miles(extension.ultima_fila)} y el máximo "
                f"es {_miles(MAX_FILA)}: borre las filas que sobran.",
            )
        )
        correcta = False
    if extension.ultima_columna > MAX_COLUMNAS:
        errores.append(
            ErrorCelda(
                ws.title,
                None,
                "",
                f"La hoja tiene datos hasta la columna {_letra(extension.ultima_columna)} y el "
                f"máximo es {_letra(MAX_COLUMNAS)}: borre las columnas que sobran.",
            )
        )
        correcta = False
    return correcta


FILAS_BUSCAR_ENCABEZADO = 30  # the header row is looked for in rows 1 to 30


def columnas_de_hoja(
    ws,
    columnas: list[Columna],
    errores: list,
    *,
    alternativas: dict | None = None,
    opcionales=frozenset(),
) -> tuple[int, dict] | None:
    """(header row, {clave: (index, column name)}) of a sheet with a column named "ID".

    The header row is the first row (of the first 30) with an "ID" cell, wherever that column
    is. Columns are found by name (accents, case and the note number ignored), in any order;
    ``alternativas`` ({clave: other names}) are names an earlier layout gave a column (the name
    found is the one reported), and the columns in ``opcionales`` (claves) may be missing
    (absent from the result). Appends an ErrorCelda for a missing header or column, for a sheet
    with data beyond the limits (``revisar_hoja``: nothing of it is read) or unreadable, and
    returns None then.
    """
    if not revisar_hoja(ws, errores):
        return None
    with contextlib.closing(
        _valores(ws, 1, FILAS_BUSCAR_ENCABEZADO, MAX_COLUMNAS, errores)
    ) as filas:
        return _encabezado(ws, filas, columnas, errores, alternativas, opcionales)


def tabla_de_hoja(
    ws,
    columnas: list[Columna],
    errores: list,
    *,
    alternativas: dict | None = None,
    opcionales=frozenset(),
) -> tuple[int, dict, Iterator[tuple[int, list]]] | None:
    """``columnas_de_hoja`` and then ``filas_con_datos`` of the rows below the header, reading
    the sheet once: (header row, {clave: (index, column name)}, the data rows) or None (and the
    errors ``columnas_de_hoja`` appends). A read-only sheet parses its XML from the start at
    every ``iter_rows``: here the header and the data come from one pass. The data rows (an
    iterator to consume right away, before reading another sheet) are those of
    ``filas_con_datos(ws, header row + 1, ancho, errores, nombres)``, with the same limits and
    errors, ``ancho`` and ``nombres`` being the columns found."""
    if not revisar_hoja(ws, errores):
        return None
    filas = _valores(ws, 1, MAX_FILA, MAX_COLUMNAS, errores)
    encontrado = _encabezado(ws, filas, columnas, errores, alternativas, opcionales)
    if encontrado is None:
        filas.close()
        return None
    fila_encabezado, indices = encontrado
    ancho = max(i for i, _ in indices.values()) + 1
    datos = _con_datos(ws, filas, ancho, errores, dict(indices.values()))
    return fila_encabezado, indices, datos


def _encabezado(
    ws, filas: Iterator, columnas: list[Columna], errores: list, alternativas=None, opcionales=()
):
    """The header row and columns (``columnas_de_hoja``) from ``filas`` (rows from row 1),
    which are read up to the header (at most FILAS_BUSCAR_ENCABEZADO)."""
    nombre_hoja = ws.title
    antes = len(errores)
    fila_encabezado = encabezado_ws = None
    for numero, valores in filas:
        if valores and any(isinstance(v, str) and clave(v) == "id" for v in valores):
            fila_encabezado, encabezado_ws = numero, valores
            break
        if numero >= FILAS_BUSCAR_ENCABEZADO:
            break
    if len(errores) > antes:
        return None
    if encabezado_ws is None:
        errores.append(
            ErrorCelda(
                nombre_hoja,
                None,
                "",
                "No se encontró la fila de encabezados (una columna debe llamarse «ID»).",
            )
        )
        return None
    posicion = {}
    for i, valor in enumerate(encabezado_ws):
        k = clave_columna(valor) if valor is not None else ""
        if k and k not in posicion:
            posicion[k] = i
    indices = {}
    faltan = False
    for nombre, k, _ancho in columnas:
        for candidato in (nombre, *((alternativas or {}).get(k) or ())):
            i = posicion.get(_clave_de_columna(candidato))
            if i is not None:
                indices[k] = (i, candidato)
                break
        else:
            if k not in opcionales:
                faltan = True
                errores.append(
                    ErrorCelda(
                        nombre_hoja, fila_encabezado, nombre, "Falta esta columna en el encabezado."
                    )
                )
    if faltan:
        return None
    return fila_encabezado, indices


def filas_con_datos(
    ws, desde: int, ancho: int, errores: list, nombres: dict | None = None
) -> Iterator[tuple[int, list]]:
    """(Excel row, values) of the non-empty rows from ``desde``, at most MAX_FILAS_HOJA.

    A text longer than MAX_CARACTERES_CELDA is an error of its row and column (``nombres``:
    {column index: column name}; else the column letter); the row is still yielded.
    """
    yield from _con_datos(
        ws, _valores(ws, desde, MAX_FILA, ancho, errores), ancho, errores, nombres
    )


def _con_datos(ws, filas: Iterator, ancho: int, errores: list, nombres: dict | None):
    """``filas_con_datos`` of the rows ``filas`` yields (cut to ``ancho`` columns); closes it."""
    ancho = min(ancho, MAX_COLUMNAS)
    leidas = 0
    with contextlib.closing(filas):
        for numero, todos in filas:
            valores = todos[:ancho]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in valores):
                continue
            if leidas >= MAX_FILAS_HOJA:
                errores.append(
                    ErrorCelda(ws.title, numero, "", f"La hoja supera las {MAX_FILAS_HOJA} filas.")
                )
                return
            leidas += 1
            for i, valor in enumerate(valores):
                texto = valor if isinstance(valor, str) else getattr(valor, "text", None)
                if isinstance(texto, str) and len(texto) > MAX_CARACTERES_CELDA:
                    errores.append(
                        ErrorCelda(
                            ws.title,
                            numero,
                            (nombres or {}).get(i) or get_column_letter(i + 1),
                            f"El texto tiene {_miles(len(texto))} caracteres y el máximo es "
                            f"{_miles(MAX_CARACTERES_CELDA)}.",
                        )
                    )
            yield numero, list(valores)


def leer_id(texto: str, numero: int, vistos: dict, error: Callable) -> int | None:
    """The row ID of an ID cell (empty: a new row); duplicates and non-numbers are errors."""
    if not texto:
        return None
    if not re.fullmatch(r"\d+", texto):
        error("id", f"ID no válido: «{texto}». Déjelo vacío para agregar una fila.")
        return None
    id_fila = int(texto)
    if id_fila in vistos:
        error("id", f"El ID {id_fila} ya aparece en la fila {vistos[id_fila]}.")
    vistos.setdefault(id_fila, numero)
    return id_fila


def region_de_hoja(titulo_hoja: str, clave_region: str, centros: dict):
    """(codigo, centro_id, texto) of the part a per-region sheet writes to, or an ErrorCelda.

    ``centros``: {region code (upper): Centro} of the Servicio. The code and Centro are None for
    the own part of a Servicio without Centros (sheet suffix "Servicio").
    """
    if clave(clave_region) == clave(SERVICIO):
        if centros:
            # Pages and reports show a Servicio with Centros region by region only.
            return ErrorCelda(
                titulo_hoja,
                None,
                "",
                "Este Servicio tiene Centros regionales: use las hojas de cada región.",
            )
        return None, None, "la parte del Servicio"
    codigo = clave_region.upper()
    centro = centros.get(codigo)
    if centro is None:
        return ErrorCelda(
            titulo_hoja,
            None,
            "",
            f"La región «{clave_region}» no corresponde a un Centro del Servicio.",
        )
    return codigo, centro.pk, f"la región {codigo}"


def sin_permiso_hoja(titulo_hoja: str, centro_id, texto: str, editables: set):
    """An ErrorCelda if the importer may not edit this sheet's part (None if she may)."""
    if centro_id in editables:
        return None
    return ErrorCelda(titulo_hoja, None, "", f"No tiene permiso para editar {texto}.")


def ordenar_errores(wb, errores: list) -> None:
    posicion = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    errores.sort(key=lambda e: (posicion.get(e.hoja, -1), e.fila or 0))


class ImportarForm(forms.Form):
    """Upload of a workbook exported by the system (any stage)."""

    archivo = forms.FileField(
        label="Archivo Excel (.xlsx)",
        help_text="El archivo descargado desde el sistema, con sus cambios. Máximo 5 MB.",
        error_messages={
            "required": "Seleccione el archivo Excel que desea importar.",
            "empty": "El archivo está vacío.",
        },
    )

    def clean_archivo(self):
        archivo = self.cleaned_data["archivo"]
        if not archivo.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("Solo se aceptan archivos Excel con extensión .xlsx.")
        if archivo.size > MAX_BYTES_ARCHIVO:
            raise forms.ValidationError("El archivo supera el tamaño máximo de 5 MB.")
        archivo.seek(0)
        inicio = archivo.read(4)
        archivo.seek(0)
        if inicio != b"PK\x03\x04":
            raise forms.ValidationError("El archivo no es un libro Excel .xlsx válido.")
        return archivo


# --- Optimistic concurrency of imports ----------------------------------------------------------

PROPIEDAD_HUELLAS = "pmggt_huellas"


def escribir_huellas(wb, huellas: dict[str, str]) -> None:
    """Each exported sheet's huella (``pmggt.concurrencia``), as a custom document property (no
    cell a user could edit by mistake): on import, a sheet whose part changed in the system
    after the export is refused, not overwritten."""
    import json

    from openpyxl.packaging.custom import StringProperty

    valor = json.dumps(huellas, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    wb.custom_doc_props.append(StringProperty(name=PROPIEDAD_HUELLAS, value=valor))


def leer_huellas(wb) -> dict[str, str]:
    """{sheet title: huella} of a workbook exported by the system ({} for any other file)."""
    import json

    for propiedad in getattr(wb, "custom_doc_props", None) or []:
        if propiedad.name == PROPIEDAD_HUELLAS:
            try:
                datos = json.loads(str(propiedad.value))
            except ValueError:
                return {}
            if isinstance(datos, dict):
                return {str(k): str(v) for k, v in datos.items() if isinstance(v, str)}
    return {}


def error_por_cambios(titulo_hoja: str, texto: str, cambios: list) -> ErrorCelda:
    """The sheet-level refusal of an import made from a stale export, naming who changed what."""
    detalle = (
        "; ".join(f"{e.nombre} {e.texto} el {e.fecha:%d-%m-%Y %H:%M}" for e in cambios[:5])
        or "otra persona guardó cambios"
    )
    if len(cambios) > 5:
        detalle += f" y {len(cambios) - 5} cambio(s) más"
    return ErrorCelda(
        titulo_hoja,
        None,
        "",
        f"{texto[:1].upper()}{texto[1:]} cambió en el sistema después de descargar este archivo "
        f"({detalle}): no se importa para no borrar esos cambios. Descargue el archivo de nuevo "
        "y copie en él sus cambios.",
    )
