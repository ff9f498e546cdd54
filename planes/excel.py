"""Excel (xlsx) template of the Plan's indicators and work programme: export and import.

Layout (one table per sheet, so rows are added at the bottom and filtered as any list):

- for the national part (rows without Centro) and for each region with a Centro, north to
  south: «Indicadores Nacional» / «Programa Nacional», «Indicadores Región I» / «Programa
  Región I»…;
- «Indicadores Consolidado» and «Programa Consolidado»: every part, a «Región» column first,
  for reading only (the sheet says it is not imported);
- «Instrucciones» (last): how to fill each column, and the N° of the Plan's objectives
  (specific and of the information system) the rows refer to.

Each table has the core's title rows (Servicio, year, state, version), its header in row 5 and
the row ID last (empty: a new row). Indicators: N° (unique in the whole Plan; empty on a new
row: the next free one), nombre, fórmula, numerador, denominador, unidad, meta with its
numerador and denominador, medio de verificación, instrumentos, nota técnica, objectives by
N°, «Se mide este año» (Sí/No). Programme: Tipo (Actividad/Hito), descripción, inicio and
plazo (dd-mm-aaaa text or real Excel dates), responsable, objectives by N°, medio de
verificación; the rows' order is the programme's order in that region.

The content read is the live content in Borrador, else the frozen content of the current
version (``pmggt.versiones.contenido_para``: a GORE reads the visado version cut to its
region). The draft's export carries each sheet's huella (``pmggt.concurrencia``).

Import (``importar``) is all-or-nothing, under the core's edit guard (``acceso.edicion``: the
document locked, in Borrador, the importer's rights): every row of every sheet is read and
checked first — the rules of the forms (required fields, ``contenido.revisar_formula``,
``contenido.revisar_meta``, plazo not before inicio, dates within ``services.rango_fechas``,
objective N° that exist, N° unique) — and any error raises ``ErrorImportacion`` listing hoja,
fila, columna and a Spanish message; then nothing changes. Rows with ID update that row, rows
without ID are added, and rows of the sheet's part that are not in the sheet are deleted; parts
whose sheets are not in the file do not change. A sheet of a part the importer may not edit
(an Encargada de Centro and another region, or the national part) is *ignored* when it matches
what the system holds, and refuses the whole file (nothing changes) when it does not. A row
whose ID belongs to another part is an error. The checks of the forms apply to rows that are
added or changed: an unchanged row is not written, so a file exported and imported unchanged
always imports, and writes nothing.

Writing is ``planes.carga`` (in bulk, with history). Styles, formula-safe cells, title rows,
consolidated sheet, upload limits, header location, bounded reading and error types are the
core's (``pmggt.informes.excel``).
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pmggt import acceso, concurrencia
from pmggt.etapas import Informe
from pmggt.informes import excel as x
from pmggt.informes.excel import ID, ErrorCelda, ErrorImportacion
from pmggt.informes.pdf import RegionNoEncontrada
from pmggt.models import Documento
from pmggt.texto import normalizar
from pmggt.versiones import contenido_para

from . import carga
from .carga import DECIMALES, IND, PROG, TEXTOS
from .contenido import completo, revisar_formula, revisar_meta
from .models import Actividad, Indicador
from .services import error_fecha

__all__ = ["EXPORTACIONES", "ErrorCelda", "ErrorImportacion", "exportar", "importar"]

FILA_ENCABEZADO = x.FILA_ENCABEZADO
TABLAS = {IND: "Indicadores", PROG: "Programa"}
NACIONAL = "Nacional"
CONSOLIDADO = x.CONSOLIDADO
REGION = "Región"

N = "N°"
OBJETIVO = "Objetivo específico (N°)"
OBJETIVO_INFO = "Objetivo de información (N°)"
SE_MIDE = "Se mide este año"
TIPO = "Tipo"
INICIO = "Inicio (dd-mm-aaaa)"
PLAZO = "Plazo (dd-mm-aaaa)"
SI, NO = "Sí", "No"
ACTIVIDAD, HITO = "Actividad", "Hito"

# (column name, field, width). Field names are the models' (objectives by their N°).
COLUMNAS = {
    IND: [
        (N, "numero", 6),
        ("Nombre del indicador", "nombre", 40),
        ("Fórmula de cálculo", "formula", 45),
        ("Numerador (variable)", "numerador", 30),
        ("Denominador (variable)", "denominador", 30),
        ("Unidad de medida", "unidad", 12),
        ("Meta", "meta", 10),
        ("Numerador de la meta", "meta_numerador", 12),
        ("Denominador de la meta", "meta_denominador", 12),
        ("Medio de verificación", "medio_verificacion", 35),
        ("Instrumento de recolección", "instrumento_recoleccion", 30),
        ("Instrumento de sistematización", "instrumento_sistematizacion", 30),
        ("Nota técnica", "nota_tecnica", 35),
        (OBJETIVO, "objetivo", 12),
        (OBJETIVO_INFO, "objetivo_informacion", 14),
        (SE_MIDE, "se_mide", 10),
        (ID, "id", 8),
    ],
    PROG: [
        (TIPO, "tipo", 12),
        ("Descripción", "descripcion", 50),
        (INICIO, "inicio", 13),
        (PLAZO, "plazo", 13),
        ("Responsable", "responsable", 30),
        (OBJETIVO, "objetivo", 12),
        (OBJETIVO_INFO, "objetivo_informacion", 14),
        ("Medio de verificación", "medio_verificacion", 35),
        (ID, "id", 8),
    ],
}
NOMBRE = {t: {k: n for n, k, _a in columnas} for t, columnas in COLUMNAS.items()}
OBLIGATORIOS = {
    IND: {
        "nombre": "Indique el nombre del indicador.",
        "formula": "Indique la fórmula de cálculo.",
        "numerador": "Indique el numerador (la variable que se cuenta).",
        "denominador": "Indique el denominador (la variable con que se compara).",
    },
    PROG: {
        "descripcion": "Indique la descripción.",
        "plazo": "Indique el plazo (dd-mm-aaaa).",
        "responsable": "Indique el responsable.",
    },
}
# Longest text of each CharField (the TextFields are bounded by the core's cell limit).
LARGOS = {
    IND: {"unidad": Indicador._meta.get_field("unidad").max_length},
    PROG: {"responsable": Actividad._meta.get_field("responsable").max_length},
}
MAX_NUMERO = 999  # indicator N°, as the form


# --- Parts and sheet names ----------------------------------------------------------------------


def nombre_hoja(tabla: str, codigo: str | None) -> str:
    """«Indicadores Nacional», «Programa Región I», «Indicadores Consolidado»."""
    if codigo is None:
        return f"{TABLAS[tabla]} {NACIONAL}"
    if codigo == CONSOLIDADO:
        return f"{TABLAS[tabla]} {CONSOLIDADO}"
    return f"{TABLAS[tabla]} {REGION} {codigo}"


_HOJA = re.compile(r"\s*(indicadores|programa)\s+(?:(nacional|consolidado)|region\s+(\S+))\s*")


def _de_hoja(titulo: str):
    """(tabla, "nacional" | "consolidado" | region code) of a sheet title, or None."""
    m = _HOJA.fullmatch(x.clave(titulo))
    if not m:
        return None
    tabla = IND if m[1] == "indicadores" else PROG
    if m[2]:
        return tabla, m[2]
    # The region code as written in the title (its case), without the comparison key's folding.
    return tabla, titulo.split()[-1].upper()


def _partes(datos: dict, documento, propio: str | None) -> list[dict]:
    """The parts of the content, national first: {"codigo": None | code, "hoja": the code its
    sheets carry (a regional Servicio without Centros: its region's, as in Etapa I), "texto":
    label, "centro": the Centro's name}."""
    if propio is not None:
        region = documento.servicio.region
        texto = f"{REGION} {propio} – {region.nombre}"
        return [{"codigo": None, "hoja": propio, "texto": texto, "centro": ""}]
    partes = [{"codigo": None, "hoja": None, "texto": NACIONAL, "centro": ""}]
    for r in datos.get("regiones") or []:
        if r["codigo"] is not None:
            partes.append(
                {
                    "codigo": r["codigo"],
                    "hoja": r["codigo"],
                    "texto": f"{REGION} {r['codigo']} – {r['nombre']}",
                    "centro": r.get("centro", ""),
                }
            )
    return partes


def _codigo_propio(documento) -> str | None:
    """A regional Servicio without Centros names its only (national) part by its region."""
    if acceso.centros_del_servicio(documento):
        return None
    servicio = documento.servicio
    return servicio.region.codigo if servicio.region_id else None


# --- Export ----------------------------------------------------------------------------------


def _fecha_dmy(iso: str) -> str:
    if not iso:
        return ""
    anio, mes, dia = iso.split("-")
    return f"{dia}-{mes}-{anio}"


def _decimal_texto(valor: str) -> str:
    return (valor or "").replace(".", ",")


def _valor(tabla: str, fila: dict, clave: str):
    valor = fila.get(clave)
    if clave in ("id", "numero", "objetivo", "objetivo_informacion"):
        return valor  # integers (None: empty)
    if clave in DECIMALES:
        return _decimal_texto(valor)
    if clave == "se_mide":
        return SI if valor else NO
    if clave == "tipo":
        return HITO if valor == Actividad.Tipo.HITO else ACTIVIDAD
    if clave in ("inicio", "plazo"):
        return _fecha_dmy(valor)
    return valor or ""


def _columna(tabla: str, clave: str) -> str:
    indice = next(i for i, (_n, k, _a) in enumerate(COLUMNAS[tabla], 1) if k == clave)
    return get_column_letter(indice)


def _lista(ws, tabla: str, clave: str, valores: list[str], desde: int, hasta: int):
    letra = _columna(tabla, clave)
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(valores) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valor no válido",
        error=f"Escriba {' o '.join(valores)}.",
    )
    dv.add(f"{letra}{desde}:{letra}{hasta}")
    ws.data_validations.append(dv)  # (add_data_validation is absent on write-only sheets)


EXTRA = {
    IND: "N° único en todo el Plan (vacío en una fila nueva: el siguiente libre). Objetivos por "
    "su N° (vea la hoja Instrucciones). No modifique la columna ID.",
    PROG: "Tipo: Actividad o Hito. Fechas dd-mm-aaaa. El orden de las filas es el del programa. "
    "Objetivos por su N° (vea la hoja Instrucciones). No modifique la columna ID.",
}
TITULOS = {IND: "Indicadores de desempeño", PROG: "Programa de trabajo (actividades e hitos)"}


def _hoja_parte(wb, documento, tabla: str, parte: dict, filas: list):
    lugar = parte["texto"]
    if parte["codigo"] is None:
        lugar = f"{lugar} · {documento.servicio.nombre}"
    elif parte["centro"]:
        lugar += f" · {parte['centro']}"
    ws, ultima = x.hoja_tabla(
        wb,
        documento,
        nombre_hoja(tabla, parte["hoja"]),
        f"{TITULOS[tabla]} · {lugar}",
        COLUMNAS[tabla],
        filas,
        lambda fila, clave: _valor(tabla, fila, clave),
        extra=EXTRA[tabla],
    )
    hasta = ultima + x.FILAS_EDITABLES
    if tabla == IND:
        _lista(ws, IND, "se_mide", [SI, NO], FILA_ENCABEZADO + 1, hasta)
    else:
        _lista(ws, PROG, "tipo", [ACTIVIDAD, HITO], FILA_ENCABEZADO + 1, hasta)
    return ws


INSTRUCCIONES = [
    "Cada parte del Plan tiene dos hojas: «Indicadores» y «Programa» (actividades e hitos). "
    "«Nacional» es la del Servicio (filas sin región); cada región con Centro tiene las suyas "
    "(por ejemplo «Indicadores Región I» y «Programa Región I»).",
    "Las hojas «Indicadores Consolidado» y «Programa Consolidado» reúnen todas las partes solo "
    "para consulta: no se importan.",
    "ID (última columna): no la modifique. Las filas con ID actualizan esa fila; las filas sin "
    "ID se agregan; para eliminar una fila, borre la fila completa de la hoja. Cada hoja "
    "reemplaza su parte: las filas de esa parte que no estén en la hoja se eliminan. Las partes "
    "cuyas hojas no estén en el archivo no cambian: puede eliminar del archivo las hojas que "
    "no edite.",
    "Indicadores: el N° es único en todo el Plan (todas las regiones); en una fila nueva puede "
    "dejarlo vacío y se asigna el siguiente libre. Son obligatorios el nombre, la fórmula de "
    "cálculo, el numerador y el denominador; la fórmula debe dividir el numerador por el "
    "denominador tal como están escritos, por ejemplo «(N° de oficios enviados / N° de "
    "oficios comprometidos) * 100».",
    "Meta, numerador y denominador de la meta: números con coma decimal (por ejemplo 87,5); si "
    "se indican los tres, la meta debe ser numerador / denominador (por 100 si el indicador es "
    "un porcentaje). «Se mide este año»: Sí o No (vacío: Sí).",
    "Programa: «Tipo» es Actividad o Hito (vacío: Actividad). La descripción, el plazo y el "
    "responsable son obligatorios; el plazo no puede ser anterior al inicio, y las fechas "
    "caen como máximo 5 años antes o después del año del Ciclo. Escriba las "
    "fechas como dd-mm-aaaa (por ejemplo 31-03-2009) o como fechas de Excel. El orden de las "
    "filas de la hoja será el del programa de trabajo.",
    "Objetivo específico y objetivo de información: el N° del objetivo del Plan (vea las listas "
    "al final de esta hoja), o vacío.",
    "Textos: para un salto de línea dentro de una celda use Alt+Enter. Los textos se guardan tal "
    "cual (nunca como fórmulas).",
    "Las Encargadas y los Encargados de Centro solo importan las hojas de su región: las hojas "
    "de otras partes se ignoran si no tienen cambios; si los tienen, no se importa nada.",
    "Solo se puede importar mientras el documento está en Borrador. Si el archivo tiene algún "
    "error no se importa nada, y se indica la hoja, la fila y la columna de cada error.",
]


def _hoja_instrucciones(wb, documento, datos: dict):
    listas = [("Valores de «Tipo» (programa)", [ACTIVIDAD, HITO])]
    objetivos = datos.get("objetivos") or []
    listas.append(
        (
            "Objetivos específicos del Plan (N° y objetivo)",
            [o["descripcion"] for o in objetivos]
            or ["El Plan aún no tiene objetivos específicos."],
            None,
            [o["numero"] for o in objetivos] or [""],
        )
    )
    info = datos.get("objetivos_informacion") or []
    listas.append(
        (
            "Objetivos del sistema de información (N° y objetivo)",
            [o["descripcion"] for o in info]
            or ["El Plan aún no tiene objetivos del sistema de información."],
            None,
            [o["numero"] for o in info] or [""],
        )
    )
    x.hoja_instrucciones(
        wb,
        documento,
        "Instrucciones: indicadores y programa de trabajo",
        INSTRUCCIONES,
        listas=listas,
    )


def exportar(documento: Documento, region: str | None = None, *, usuario=None) -> bytes:
    """The xlsx of the Plan's indicators and programme; ``region``: only that region's sheets.

    Raises RegionNoEncontrada (a ValueError) if ``region`` is not one of the document's.
    ``usuario``: the reader (a GORE gets the last visado version, cut to its region)."""
    datos, version = contenido_para(documento, usuario)
    datos = completo(datos)
    propio = _codigo_propio(documento)
    documento = x.como_leido(documento, version)
    todas = _partes(datos, documento, propio)
    partes = todas
    if region is not None:
        partes = [p for p in partes if p["hoja"] == region]
        if not partes:
            raise RegionNoEncontrada(f"La región {region} no corresponde a este documento.")
    por_parte: dict = {}
    for tabla, lista in ((IND, datos["indicadores"]), (PROG, datos["actividades"])):
        for fila in lista:
            por_parte.setdefault((tabla, fila.get("region")), []).append(fila)
    # Rows streamed (same cells, styles and settings as a normal workbook), each sheet's XML in
    # memory: a Plan's sheets are small (one part's indicators or activities each).
    wb = x.libro(solo_escritura=True, en_memoria=True)
    for parte in partes:
        for tabla in (IND, PROG):
            _hoja_parte(wb, documento, tabla, parte, por_parte.get((tabla, parte["codigo"]), []))
    if region is None:
        nombres = {p["codigo"]: p["texto"] for p in todas}
        for tabla, lista in ((IND, datos["indicadores"]), (PROG, datos["actividades"])):
            x.hoja_consolidada(
                wb,
                documento,
                nombre_hoja(tabla, CONSOLIDADO),
                f"{TITULOS[tabla]} · Consolidado de todas las partes",
                COLUMNAS[tabla],
                lista,
                lambda fila, clave, tabla=tabla: _valor(tabla, fila, clave),
                nombres,
            )
    _hoja_instrucciones(wb, documento, datos)
    if version is None:  # the live draft: its import is checked against later edits
        x.escribir_huellas(wb, _huellas(documento, partes))
    servicio = documento.servicio
    return x.guardar(
        wb, f"Indicadores y programa de trabajo · {servicio.sigla} {documento.ciclo.anio}"
    )


def _huellas(documento, partes: list[dict]) -> dict[str, str]:
    """{sheet title: huella of its part} of the exported sheets (one query)."""
    ultimas = carga.ultimas_ediciones(carga.plan_id(documento))
    centro_de = {c.region.codigo: c.pk for c in acceso.centros_del_servicio(documento)}
    huellas = {}
    for parte in partes:
        centro_id = centro_de.get(parte["codigo"]) if parte["codigo"] else None
        for tabla in (IND, PROG):
            ultima = ultimas.get((tabla, centro_id))
            huellas[nombre_hoja(tabla, parte["hoja"])] = ultima.isoformat() if ultima else ""
    return huellas


def _construir(documento, region=None, usuario=None) -> bytes:
    return exportar(documento, region, usuario=usuario)


def _codigos(documento) -> set[str]:
    codigos = {c.region.codigo for c in acceso.centros_del_servicio(documento)}
    propio = _codigo_propio(documento)
    return codigos | ({propio} if propio else set())


EXPORTACIONES = (
    Informe(
        "plan-excel",
        "Excel de indicadores y programa de trabajo",
        "xlsx",
        _construir,
        regiones=_codigos,
    ),
)


# --- Reading -----------------------------------------------------------------------------------


@dataclass
class FilaLeida:
    fila: int  # Excel row
    id: int | None
    datos: dict  # model attnames → values (objectives as N° under "objetivo"…)
    reglas: list = field(default_factory=list)  # the forms' checks (only for new/changed rows)
    defectos: bool = False  # a value could not be read (an error of its own)
    ilegibles: set = field(default_factory=set)  # the fields whose value could not be read


@dataclass
class HojaLeida:
    titulo: str
    tabla: str
    codigo: str | None
    centro_id: int | None
    texto: str  # «la región I», «la parte nacional»
    filas: list
    columnas: dict  # {clave: (index, column name)}
    editable: bool = True


_FECHA = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_FECHA_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ENTERO = re.compile(r"(?:n[°º]\s*)?(\d+)(?:[.,]0+)?")
_MILES = re.compile(r"-?\d{1,3}(\.\d{3})+")
_SI = {"si", "s", "x", "verdadero", "true", "1"}
_NO = {"no", "n", "falso", "false", "0"}


def _leer_fecha(valor):
    """(date | None, error | None) of a cell: dd-mm-aaaa text (also with / or .), aaaa-mm-dd,
    or a real Excel date."""
    if isinstance(valor, datetime.datetime):
        return valor.date(), None
    if isinstance(valor, datetime.date):
        return valor, None
    texto = normalizar(x.texto_celda(valor))
    if not texto:
        return None, None
    m = _FECHA.fullmatch(texto)
    partes = (m[3], m[2], m[1]) if m else None
    if partes is None:
        m = _FECHA_ISO.fullmatch(texto)
        partes = (m[1], m[2], m[3]) if m else None
    if partes is not None:
        try:
            return datetime.date(*map(int, partes)), None
        except ValueError:
            pass
    return None, (
        f"Fecha no válida: «{texto[:40]}». Escríbala como dd-mm-aaaa (por ejemplo 31-03-2009)."
    )


def _leer_decimal(valor):
    """(Decimal | None, error | None): 87,5 · 87.5 · 1.000 (thousands) · a number cell."""
    if isinstance(valor, bool):
        valor = None
    if isinstance(valor, (int, float)):
        texto = str(valor)
    else:
        texto = normalizar(x.texto_celda(valor)).replace(" ", "").replace("%", "")
        if not texto:
            return None, None
        if "," in texto:
            texto = texto.replace(".", "").replace(",", ".")
        elif _MILES.fullmatch(texto):
            texto = texto.replace(".", "")
    try:
        numero = Decimal(texto)
    except InvalidOperation:
        return None, f"Número no válido: «{texto[:40]}». Escríbalo con coma decimal (87,5)."
    if not numero.is_finite():
        return None, "Número no válido."
    if abs(numero) >= 10**12:
        return None, "El número es demasiado grande (máximo 12 cifras enteras)."
    if numero != numero.quantize(Decimal("0.01")):
        return None, "Escriba el número con 2 decimales como máximo."
    return numero, None


def _leer_entero(valor):
    """(int | None, error | None) of a N° cell."""
    if isinstance(valor, bool):
        valor = None
    if isinstance(valor, float) and valor.is_integer():
        return int(valor), None
    if isinstance(valor, int):
        return valor, None
    texto = normalizar(x.texto_celda(valor))
    if not texto:
        return None, None
    m = _ENTERO.fullmatch(x.clave(texto))
    if not m:
        return None, f"N° no válido: «{texto[:40]}». Escriba un número entero."
    return int(m[1]), None


def _leer_hoja(ws, tabla: str, errores: list, objetivos: dict, infos: dict, anio=None):
    """(rows read, {clave: (index, column name)}) of a sheet; ([], {}) if its header is not
    found (the errors say why). ``anio``: the Ciclo's year the dates are checked around."""
    titulo = ws.title
    encontrado = x.tabla_de_hoja(ws, COLUMNAS[tabla], errores)
    if encontrado is None:
        return [], {}
    _fila, indices, filas = encontrado
    leidas = []
    vistos_id: dict = {}
    for numero, valores in filas:

        def valor(clave, valores=valores):
            return valores[indices[clave][0]]

        leida = FilaLeida(numero, None, {})

        def error(clave, mensaje, numero=numero, leida=leida):
            leida.defectos = True
            leida.ilegibles.add(clave)
            errores.append(ErrorCelda(titulo, numero, indices[clave][1] if clave else "", mensaje))

        def regla(clave, mensaje, numero=numero, leida=leida):
            leida.reglas.append(ErrorCelda(titulo, numero, NOMBRE[tabla][clave], mensaje))

        leida.id = x.leer_id(x.texto_celda(valor("id")).strip(), numero, vistos_id, error)
        datos = leida.datos
        for clave in TEXTOS[tabla]:
            datos[clave] = normalizar(x.texto_celda(valor(clave)))
            largo = LARGOS[tabla].get(clave)
            if largo and len(datos[clave]) > largo:
                error(
                    clave, f"El texto tiene {len(datos[clave])} caracteres y el máximo es {largo}."
                )
        for clave, catalogo, que in (
            ("objetivo", objetivos, "objetivo específico"),
            ("objetivo_informacion", infos, "objetivo del sistema de información"),
        ):
            n, problema = _leer_entero(valor(clave))
            if problema:
                error(clave, problema)
            elif n is not None and n not in catalogo:
                regla(
                    clave,
                    f"El Plan no tiene el {que} N° {n}. Vea la lista de objetivos en la hoja "
                    "Instrucciones, o deje la celda vacía.",
                )
            datos[f"{clave}_id"] = catalogo.get(n) if n is not None else None
            datos[clave] = n
        if tabla == IND:
            _leer_indicador(valor, datos, error, regla)
        else:
            _leer_actividad(valor, datos, error, regla, anio)
        for clave, mensaje in OBLIGATORIOS[tabla].items():
            if datos.get(clave) in (None, "") and clave not in leida.ilegibles:
                regla(clave, mensaje)
        leidas.append(leida)
    return leidas, indices


def _leer_indicador(valor, datos: dict, error, regla):
    n, problema = _leer_entero(valor("numero"))
    if problema:
        error("numero", problema)
    elif n is not None and not 1 <= n <= MAX_NUMERO:
        error("numero", f"El N° debe estar entre 1 y {MAX_NUMERO}.")
    datos["numero"] = n
    for clave in DECIMALES:
        numero, problema = _leer_decimal(valor(clave))
        if problema:
            error(clave, problema)
        datos[clave] = numero
    escrito = normalizar(x.texto_celda(valor("se_mide")))
    texto = x.clave(escrito)
    if texto in _SI or not texto:
        datos["se_mide"] = True
    elif texto in _NO:
        datos["se_mide"] = False
    else:
        error("se_mide", f"Valor no válido: «{escrito[:40]}». Escriba {SI} o {NO}.")
    for mensaje in revisar_formula(datos["formula"], datos["numerador"], datos["denominador"]):
        if not mensaje.startswith("Indique"):  # a missing field: the required check says it
            regla("formula", mensaje)
    meta = revisar_meta(
        {
            "meta": _texto_decimal(datos["meta"]),
            "meta_numerador": _texto_decimal(datos["meta_numerador"]),
            "meta_denominador": _texto_decimal(datos["meta_denominador"]),
            "unidad": datos["unidad"],
            "formula": datos["formula"],
        }
    )
    if meta:
        regla("meta", meta)


def _texto_decimal(valor) -> str:
    return "" if valor is None else str(valor)


def _leer_actividad(valor, datos: dict, error, regla, anio=None):
    escrito = normalizar(x.texto_celda(valor("tipo")))
    texto = x.clave(escrito)
    if texto in ("", "actividad"):
        datos["tipo"] = Actividad.Tipo.ACTIVIDAD
    elif texto == "hito":
        datos["tipo"] = Actividad.Tipo.HITO
    else:
        error("tipo", f"Valor no válido: «{escrito[:40]}». Escriba {ACTIVIDAD} o {HITO}.")
    for clave in ("inicio", "plazo"):
        fecha, problema = _leer_fecha(valor(clave))
        if problema:
            error(clave, problema)
        elif mensaje := error_fecha(fecha, anio):
            regla(clave, mensaje)
        datos[clave] = fecha
    if datos["inicio"] and datos["plazo"] and datos["inicio"] > datos["plazo"]:
        regla("plazo", "El plazo no puede ser anterior al inicio.")


# --- Import ------------------------------------------------------------------------------------


def importar(*, documento: Documento, archivo, actor) -> dict:
    """Import the workbook's sheets; all or nothing (see the module doc).

    Returns {"hojas": [imported sheets], "ignoradas": [sheets of parts the importer does not
    edit, unchanged], "creadas", "actualizadas", "eliminadas", "sin_cambios": n}. Raises
    ErrorImportacion (with .errores) and changes nothing if anything is wrong. Queries do not
    grow with the rows, regions or sheets: the Plan's rows, objectives and the parts' huellas
    are read in one query (``carga.leer``) and the changes are written in bulk
    (``carga.Escritura``)."""
    wb = x.abrir(archivo)  # read-only, within the import limits; closed when the block ends
    with (
        x.cerrando(wb),
        acceso.edicion(documento, actor, toda=True, errores=x.error_general, verbo="importa") as (
            doc,
            editables,
        ),
    ):
        estado = carga.leer(doc)  # read under the lock
        hojas, ignoradas, errores = _validar(wb, doc, estado, editables)
        if errores:
            raise ErrorImportacion(errores)
        escritura = carga.Escritura(estado, actor)
        for hoja in hojas:
            escritura.hoja(hoja.tabla, hoja.centro_id, hoja.filas)
        escritura.guardar()
        return {"hojas": [h.titulo for h in hojas], "ignoradas": ignoradas, **escritura.resumen}


def _validar(wb, doc, estado: carga.Actual, editables: set):
    """(sheets to import, titles of the ignored sheets, errors) of the workbook."""
    errores: list[ErrorCelda] = []
    huellas = x.leer_huellas(wb)
    ultimas = estado.ultimas
    centros = {c.region.codigo.upper(): c for c in estado.centros}
    codigo_de = {c.pk: c.region.codigo for c in estado.centros}
    propio = _codigo_propio(doc)
    hojas: list[HojaLeida] = []
    ignoradas: list[str] = []
    vistas: dict = {}
    for ws in wb.worksheets:
        leido = _de_hoja(ws.title)
        if leido is None or leido[1] == "consolidado":
            continue  # Consolidado, Instrucciones and any sheet of the user's own
        tabla, parte = leido
        titulo = ws.title
        if parte == "nacional" or (propio is not None and parte == propio.upper()):
            centro_id, codigo, texto = None, None, "la parte nacional"
        elif parte in centros:
            centro = centros[parte]
            centro_id, codigo, texto = centro.pk, centro.region.codigo, f"la región {parte}"
        else:
            errores.append(
                ErrorCelda(
                    titulo,
                    None,
                    "",
                    f"La región «{parte}» no corresponde a un Centro del Servicio.",
                )
            )
            continue
        if (tabla, centro_id) in vistas:
            errores.append(
                ErrorCelda(titulo, None, "", f"Repite la hoja «{vistas[(tabla, centro_id)]}».")
            )
            continue
        vistas[(tabla, centro_id)] = titulo
        antes = len(errores)
        filas, columnas = _leer_hoja(
            ws, tabla, errores, estado.objetivos, estado.infos, doc.ciclo.anio
        )
        if len(errores) > antes and not columnas:
            continue  # no header: the errors say why
        existentes = estado.filas(tabla)
        for fila in filas:
            if fila.id is None:
                continue
            actual = existentes.get(fila.id)
            if actual is None:
                fila.defectos = True
                errores.append(
                    ErrorCelda(
                        titulo,
                        fila.fila,
                        ID,
                        f"El ID {fila.id} no corresponde a ninguna fila de {TABLAS[tabla].lower()} "
                        "de este Plan. Déjelo vacío para agregar una fila.",
                    )
                )
            elif actual.centro_id != centro_id:
                otra = codigo_de.get(actual.centro_id)
                donde = f"la región {otra}" if otra else "la parte nacional"
                fila.defectos = True
                errores.append(
                    ErrorCelda(
                        titulo,
                        fila.fila,
                        ID,
                        f"La fila con ID {fila.id} pertenece a {donde}, no a esta hoja.",
                    )
                )
        hoja = HojaLeida(titulo, tabla, codigo, centro_id, texto, filas, columnas)
        if centro_id not in editables:
            # Ignored if it is what the system holds; refused (the whole file) if not.
            distinta = _primera_diferencia(tabla, filas, estado.de_parte(tabla, centro_id))
            del errores[antes:]  # its cells are not imported: only the refusal counts
            if distinta is not False:
                donde = f" (fila {distinta})" if distinta else ""
                errores.append(
                    ErrorCelda(
                        titulo,
                        None,
                        "",
                        f"No tiene permiso para editar {texto} y esta hoja no coincide con lo "
                        f"guardado en el sistema{donde}: elimine la hoja del archivo o deshaga "
                        "sus cambios. No se importó nada.",
                    )
                )
            else:
                ignoradas.append(titulo)
            continue
        huella = huellas.get(titulo)
        if huella is not None and _cambio_desde(huella, ultimas.get((tabla, centro_id))):
            try:
                concurrencia.verificar(huella, [estado.historial(tabla, centro_id)])
            except concurrencia.EdicionConcurrente as exc:
                errores.append(x.error_por_cambios(titulo, texto, exc.cambios))
                continue
        for fila in filas:
            if not fila.reglas:
                continue
            actual = existentes.get(fila.id) if fila.id is not None else None
            if actual is None or fila.defectos or _cambia(tabla, fila, actual):
                errores.extend(fila.reglas)
        hojas.append(hoja)
    _numeros(hojas, estado, errores)
    x.ordenar_errores(wb, errores)
    if not hojas and not ignoradas and not errores:
        errores.append(
            ErrorCelda(
                "",
                None,
                "",
                "El archivo no tiene hojas de indicadores ni de programa de trabajo "
                "(«Indicadores Nacional», «Programa Región I»…). Use el archivo exportado desde "
                "el sistema.",
            )
        )
    return hojas, ignoradas, errores


def _cambio_desde(huella: str, ultima) -> bool:
    """Whether the part may have changed after the huella (False only when it surely did not:
    the check, and its queries, run only then)."""
    if ultima is None:
        return False
    try:
        fecha = parse_datetime(huella) if huella else None
    except ValueError:
        return True
    return fecha is None or ultima > fecha


def _cambia(tabla: str, fila: FilaLeida, actual) -> bool:
    if tabla == IND and fila.datos.get("numero") is None:
        return True  # a saved indicator keeps a N°: an empty one is a change (and an error)
    return bool(carga.cambios(tabla, fila.datos, actual))


def _primera_diferencia(tabla: str, filas: list, actuales: list):
    """False if the sheet's rows are the part's rows, as the system holds them and in their
    order; else the Excel row of the first difference (None: rows missing from the sheet)."""
    ids = [f.id for f in filas]
    for fila in filas:
        if fila.defectos or fila.id is None:
            return fila.fila
    por_id = {a.pk: a for a in actuales}
    for fila in filas:
        actual = por_id.get(fila.id)
        if actual is None or _cambia(tabla, fila, actual):
            return fila.fila
    if set(ids) != set(por_id):
        return None
    if tabla == PROG and ids != [a.pk for a in actuales]:
        return filas[0].fila if filas else None
    return False


def _numeros(hojas: list[HojaLeida], estado, errores: list) -> None:
    """Indicator N°s unique in the whole Plan (the imported sheets' rows and the rows of the
    parts not imported); new rows without N° get the next free ones, in the file's order."""
    importadas = {h.centro_id for h in hojas if h.tabla == IND}
    duenos: dict = {}  # N° → (description, sheet, Excel row or None)
    for ind in estado.indicadores.values():
        if ind.centro_id not in importadas:
            duenos[ind.numero] = (estado.texto_parte(ind.centro_id), None, None)
    sin_numero = []
    for hoja in hojas:
        if hoja.tabla != IND:
            continue
        for fila in hoja.filas:
            n = fila.datos.get("numero")
            if n is None:
                if fila.id is not None:
                    errores.append(
                        ErrorCelda(
                            hoja.titulo, fila.fila, N, "Indique el N° del indicador (no lo borre)."
                        )
                    )
                else:
                    sin_numero.append(fila)
                continue
            previo = duenos.get(n)
            if previo is not None:
                donde, titulo, numero = previo
                otro = (
                    f"la fila {numero}"
                    if titulo == hoja.titulo
                    else f"la hoja «{titulo}», fila {numero}"
                    if titulo
                    else f"un indicador de {donde} que no está en este archivo"
                )
                errores.append(
                    ErrorCelda(
                        hoja.titulo,
                        fila.fila,
                        N,
                        f"El N° {n} ya lo tiene {otro}: cada indicador del Plan tiene su N°.",
                    )
                )
                continue
            duenos[n] = (hoja.texto, hoja.titulo, fila.fila)
    siguiente = max(duenos, default=0)
    for fila in sin_numero:
        siguiente += 1
        fila.datos["numero"] = siguiente
    if siguiente > MAX_NUMERO:
        errores.append(
            ErrorCelda("", None, N, f"El N° de un indicador no puede pasar de {MAX_NUMERO}.")
        )
