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

Styles, formula-safe cells, title/header rows, the consolidated sheet, upload guards, header
location, bounded reading and the error types are the core's (``pmggt.informes.excel``); the
import writes through the core's edit guard (``pmggt.acceso.edicion``). The export is declared
as the stage's report "cuadros" (``EXPORTACION``), served by the core's download view.
"""

import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pmggt import acceso, concurrencia
from pmggt.etapas import Informe
from pmggt.informes import excel as x
from pmggt.informes.excel import ID, ErrorCelda, ErrorImportacion
from pmggt.informes.pdf import RegionNoEncontrada
from pmggt.models import Centro, Documento
from pmggt.texto import normalizar
from pmggt.versiones import contenido_para, contenido_publicado

from .contenido import CAMPOS_CUADRO2
from .models import Causal, Diagnostico, FilaCuadro1, FilaCuadro2

Estado = Documento.Estado
Informacion = FilaCuadro2.Informacion

__all__ = ["ErrorCelda", "ErrorImportacion", "exportar_cuadros", "importar_cuadros"]

# --- Sheet layout -----------------------------------------------------------------------------

FILA_ENCABEZADO = x.FILA_ENCABEZADO
SERVICIO = x.SERVICIO
CONSOLIDADO = x.CONSOLIDADO

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


# --- Writing ---------------------------------------------------------------------------------


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
    etiquetas = _etiquetas(cuadro)
    ws, ultima = x.hoja_tabla(
        wb,
        documento,
        _hoja(cuadro, region["codigo"]),
        f"{TITULOS[cuadro]} · {lugar}",
        COLUMNAS[cuadro],
        [f for f in _filas(datos, cuadro) if f.get("region") == region["codigo"]],
        lambda fila, clave: _valor_celda(cuadro, clave, fila, etiquetas),
        extra=extra,
    )
    _validacion(ws, cuadro, FILA_ENCABEZADO + 1, ultima + x.FILAS_EDITABLES)
    return ws


def _hoja_consolidada(wb, documento, datos, cuadro: str, regiones: list[dict]):
    etiquetas = _etiquetas(cuadro)
    return x.hoja_consolidada(
        wb,
        documento,
        _hoja(cuadro, CONSOLIDADO),
        f"{TITULOS[cuadro]} · Consolidado de todas las regiones",
        COLUMNAS[cuadro],
        _filas(datos, cuadro),
        lambda fila, clave: _valor_celda(cuadro, clave, fila, etiquetas),
        {r["codigo"]: _nombre_region(r) for r in regiones},
    )


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
    lista = x.hoja_instrucciones(wb, documento, "Instrucciones: Cuadros I N°1 y N°2", INSTRUCCIONES)
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
    if region is not None:
        regiones = [r for r in regiones if _codigo_efectivo(r, documento) == region]
        if not regiones:
            raise RegionNoEncontrada(f"La región {region} no corresponde a este documento.")
    wb = x.libro()
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
    if version is None:  # the live draft: its import is checked against later edits
        x.escribir_huellas(wb, _huellas(documento, regiones))
    servicio = documento.servicio
    return x.guardar(wb, f"Cuadros I N°1 y N°2 · {servicio.sigla} {documento.ciclo.anio}")


def _historiales_hoja(diagnostico_id: int, cuadro: str, centro_id) -> list:
    modelo = FilaCuadro1 if cuadro == "C1" else FilaCuadro2
    return [modelo.history.filter(diagnostico_id=diagnostico_id, centro_id=centro_id)]


def _huellas(documento, regiones: list[dict]) -> dict[str, str]:
    """{sheet title: huella of that region's cuadro} for the exported per-region sheets."""
    diagnostico_id = Diagnostico.objects.filter(documento_id=documento.pk).values_list(
        "pk", flat=True
    )[0]
    centros = dict(
        Centro.objects.filter(servicio_id=documento.servicio_id).values_list("region__codigo", "pk")
    )
    return {
        _hoja(cuadro, r["codigo"]): concurrencia.huella(
            _historiales_hoja(diagnostico_id, cuadro, centros.get(r["codigo"]))
        )
        for r in regiones
        for cuadro in ("C1", "C2")
    }


def _construir(documento, region=None, usuario=None) -> bytes:
    # Readers of one region only (a GORE) get only the products their rows mention.
    parcial = usuario is not None and acceso.regiones_legibles(usuario, documento) is not None
    return exportar_cuadros(
        documento, region=region, solo_productos_usados=parcial, usuario=usuario
    )


def _codigo_efectivo(region: dict, documento) -> str | None:
    """A region's code; the part of a regional Servicio without Centros has its region's code
    (the same code the PDF reports use)."""
    servicio = documento.servicio
    if region["codigo"] is None and servicio.region_id and not servicio.centros.exists():
        return servicio.region.codigo
    return region["codigo"]


def _codigos(documento) -> set[str]:
    datos, _version = contenido_publicado(documento)
    return {c for r in _regiones(datos) if (c := _codigo_efectivo(r, documento)) is not None}


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
    encontrado = x.columnas_de_hoja(ws, columnas, errores)
    if encontrado is None:
        return []
    fila_encabezado, indices = encontrado
    etiquetas = {}
    for valor, etiqueta in _etiquetas(cuadro).items():
        etiquetas[x.clave(etiqueta)] = valor
        etiquetas[x.clave(valor)] = valor
    ancho = max(i for i, _ in indices.values()) + 1
    leidas = []
    vistos_id = {}
    vistos_info = {}
    nombres = dict(indices.values())
    for numero, valores in x.filas_con_datos(ws, fila_encabezado + 1, ancho, errores, nombres):

        def valor(clave, valores=valores):
            return valores[indices[clave][0]]

        def error(clave, mensaje, numero=numero):
            errores.append(ErrorCelda(titulo, numero, indices[clave][1] if clave else "", mensaje))

        id_fila = x.leer_id(x.texto_celda(valor("id")).strip(), numero, vistos_id, error)
        datos = {}
        for _nombre, clave, _a in columnas:
            if clave in ("id", "productos", "causal", "informacion"):
                continue
            datos[clave] = normalizar(x.texto_celda(valor(clave)))
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
        texto = normalizar(x.texto_celda(valor(campo)))
        if not texto:
            error(campo, f"Indique {nombre_campo}.")
        elif x.clave(texto) not in etiquetas:
            error(
                campo,
                f"Valor no válido: «{texto[:80]}». Elija uno de la lista: "
                + "; ".join(_etiquetas(cuadro).values())
                + ".",
            )
        else:
            datos[campo] = etiquetas[x.clave(texto)]
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


def importar_cuadros(*, documento: Documento, archivo, actor) -> dict:
    """Import the per-region sheets of the workbook; all or nothing (see the module doc).

    Returns {"hojas": [...], "creadas": n, "actualizadas": n, "eliminadas": n, "sin_cambios": n}.
    Raises ErrorImportacion (with .errores) and changes nothing if anything is wrong.
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
        diagnostico = Diagnostico.objects.get(documento=doc)
        hojas, errores = _validar(wb, doc, diagnostico, editables)
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
        for hoja in hojas:
            if hoja.cuadro == "C1":
                _aplicar_c1(diagnostico, hoja, productos, resumen)
            else:
                _aplicar_c2(diagnostico, hoja, resumen)
    return resumen


def _validar(
    wb, documento, diagnostico, editables: set
) -> tuple[list[HojaLeida], list[ErrorCelda]]:
    errores: list[ErrorCelda] = []
    huellas = x.leer_huellas(wb)
    centros = {
        c.region.codigo.upper(): c
        for c in Centro.objects.filter(servicio=documento.servicio).select_related("region")
    }
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
        huella = huellas.get(titulo)
        if huella is not None:
            historiales = _historiales_hoja(diagnostico.pk, cuadro, centro_id)
            try:
                concurrencia.verificar(huella, historiales)
            except concurrencia.EdicionConcurrente as exc:
                errores.append(x.error_por_cambios(titulo, region_txt, exc.cambios))
                continue
        hojas.append(HojaLeida(titulo, cuadro, codigo, centro_id, filas))
    x.ordenar_errores(wb, errores)
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
