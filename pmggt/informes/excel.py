"""Excel (openpyxl) toolkit shared by every stage: styles, formula-safe cells, title and header
rows, a sheet per region plus a consolidated one, and the all-or-nothing import framework
(upload guards, header location, bounded row reading, Spanish errors naming sheet, row and
column).

User text is always written as a string cell (never a formula), even when it starts with
"=", "+", "-" or "@", and read back as plain text through ``pmggt.texto.normalizar``.
"""

import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django import forms
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from pmggt.models import Documento
from pmggt.texto import es_formula
from pmggt.workflow import DatosInvalidos

Estado = Documento.Estado
TIPO_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Sheet layout -----------------------------------------------------------------------------

FILA_ENCABEZADO = 5  # rows 1-3: title; row 4: a remark; row 5: column names; data from row 6
FILAS_EDITABLES = 500  # rows below the data where validation lists apply
MAX_FILAS_HOJA = 2000  # data rows read per sheet at most
MAX_DESCOMPRIMIDO = 30 * 1024 * 1024  # bytes; refuses "zip bombs" before openpyxl parses them
MAX_BYTES_ARCHIVO = 5 * 1024 * 1024  # an uploaded workbook

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


def libro() -> Workbook:
    """An empty workbook with the shared named styles registered."""
    wb = Workbook()
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
    wb.active = 0
    wb.properties.title = titulo
    wb.properties.creator = "PMG-GT"
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def escribir(ws, fila: int, columna: int, valor, *, estilo: str | None = ESTILO_TEXTO):
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


def texto_version(documento: Documento) -> str:
    if documento.estado == Estado.BORRADOR:
        if documento.version_actual:
            return f"contenido en edición (última versión enviada: {documento.version_actual})"
        return "contenido en edición (sin versiones enviadas)"
    return f"versión {documento.version_actual}"


def titulo(ws, documento: Documento, texto: str, extra: str = ""):
    """Rows 1-4: what the sheet is, the Servicio, year, state and version, a remark."""
    servicio = documento.servicio
    escribir(ws, 1, 1, texto, estilo=None).font = FUENTE_TITULO
    escribir(ws, 2, 1, f"Servicio: {servicio.nombre} ({servicio.sigla})", estilo=None)
    linea = (
        f"Año: {documento.ciclo.anio} · Estado: {documento.get_estado_display()} · "
        f"Versión: {texto_version(documento)}"
    )
    escribir(ws, 3, 1, linea, estilo=None)
    if extra:
        escribir(ws, 4, 1, extra, estilo=None)


def encabezado(ws, columnas: list[Columna], relleno=RELLENO_ENCABEZADO):
    """The column names in row FILA_ENCABEZADO, frozen and repeated when printed (A4 landscape)."""
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
) -> tuple:
    """A sheet with one table: title rows, header, one Excel row per item of ``filas``.

    ``valor(fila, clave)`` gives each cell. Columns other than "id" keep the text style for rows
    typed later in Excel. Returns (worksheet, last Excel row written).
    """
    ws = wb.create_sheet(nombre)
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
    )
    ultima = max(ultima, FILA_ENCABEZADO + 1)
    ws.auto_filter.ref = f"A{FILA_ENCABEZADO}:{get_column_letter(len(columnas) + 1)}{ultima}"
    ws.sheet_properties.tabColor = "A6A6A6"
    return ws


def hoja_instrucciones(wb, documento: Documento, texto_titulo: str, instrucciones: list[str]):
    """The "Instrucciones" sheet; returns a ``lista(titulo, valores, nombre, primera)`` helper
    that appends a list of values (optionally a defined name used by data validations)."""
    ws = wb.create_sheet(HOJA_INSTRUCCIONES)
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

    return lista


# --- Reading ----------------------------------------------------------------------------------


def clave(texto) -> str:
    """Comparison key: no accents, case-folded, single spaces."""
    texto = unicodedata.normalize("NFKD", str(texto or ""))
    texto = "".join(c for c in texto if not unicodedata.combining(c))
    return " ".join(texto.casefold().split()).strip(" .")


def clave_columna(nombre) -> str:
    # "Avance existente aplicando la PT (2)" and "Avance existente aplicando la PT" both match.
    return re.sub(r"\s*\(\d\)$", "", clave(nombre))


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


def abrir(archivo):
    """The workbook, or ErrorImportacion if the file is not a readable xlsx (or too big)."""
    if hasattr(archivo, "seek"):
        archivo.seek(0)
    contenido = archivo.read() if hasattr(archivo, "read") else archivo
    no_legible = error_general("El archivo no es un libro Excel .xlsx válido.")
    try:
        with zipfile.ZipFile(io.BytesIO(contenido)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_DESCOMPRIMIDO:
                raise error_general("El archivo es demasiado grande para importarlo.")
        return load_workbook(io.BytesIO(contenido), data_only=False, keep_links=False)
    except ErrorImportacion:
        raise
    except Exception as exc:  # zipfile/openpyxl raise many kinds on malformed files
        raise no_legible from exc


def columnas_de_hoja(ws, columnas: list[Columna], errores: list) -> tuple[int, dict] | None:
    """(header row, {clave: (index, column name)}) of a sheet whose first column is "ID".

    Columns are found by name (accents, case and the note number ignored), in any order.
    Appends an ErrorCelda for a missing header or column and returns None then.
    """
    nombre_hoja = ws.title
    encabezado_ws = None
    for fila in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 30)):
        if fila and clave(fila[0].value) == "id":
            encabezado_ws = fila
            break
    if encabezado_ws is None:
        errores.append(
            ErrorCelda(
                nombre_hoja,
                None,
                "",
                "No se encontró la fila de encabezados (la primera columna debe llamarse «ID»).",
            )
        )
        return None
    fila_encabezado = encabezado_ws[0].row
    posicion = {}
    for celda in encabezado_ws:
        k = clave_columna(celda.value)
        if k and k not in posicion:
            posicion[k] = celda.column - 1
    indices = {}
    for nombre, k, _ancho in columnas:
        i = posicion.get(clave_columna(nombre))
        if i is None:
            errores.append(
                ErrorCelda(
                    nombre_hoja, fila_encabezado, nombre, "Falta esta columna en el encabezado."
                )
            )
        else:
            indices[k] = (i, nombre)
    if len(indices) != len(columnas):
        return None
    return fila_encabezado, indices


def filas_con_datos(ws, desde: int, ancho: int, errores: list) -> Iterator[tuple[int, list]]:
    """(Excel row, values) of the non-empty rows from ``desde``, at most MAX_FILAS_HOJA."""
    leidas = 0
    for celdas in ws.iter_rows(min_row=desde, max_col=ancho):
        valores = [c.value for c in celdas]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in valores):
            continue
        numero = celdas[0].row
        if leidas >= MAX_FILAS_HOJA:
            errores.append(
                ErrorCelda(ws.title, numero, "", f"La hoja supera las {MAX_FILAS_HOJA} filas.")
            )
            return
        leidas += 1
        yield numero, valores


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
