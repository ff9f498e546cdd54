"""The national dashboard (pmggt.tablero): the page and its Excel (``?formato=xlsx``).

Administrators and Expertos/as SUBDERE only (everyone else: 403; the page exists for all, so
there is nothing to hide). The page and the workbook read the same ``tablero.Tablero`` in a
constant number of queries; the workbook has every filtered row, not just the page.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter

from . import calendario, graficos, tablero
from .forms_tablero import FiltroTableroForm
from .informes import TIPOS, Archivo
from .informes import excel as xl
from .informes.views import respuesta_archivo
from .widgets import acelerar

POR_PAGINA = 50  # Servicios per page
FORMATO_EXCEL = "xlsx"

SERIES_ESTADO = {
    "visado": graficos.Serie("visado", "Visado", "#1e7b34"),
    "visacion": graficos.Serie("visacion", "En visación", "#0f69b4", "diagonal"),
    "revision_jefe": graficos.Serie(
        "revision_jefe", "En revisión del Jefe", "#e0a100", "puntos", "#5c4200"
    ),
    "borrador": graficos.Serie("borrador", "Borrador", "#8a939b", "horizontal"),
    tablero.NO_INICIADO: graficos.Serie(tablero.NO_INICIADO, "No iniciado", "#ffffff", "vacio"),
    tablero.BLOQUEADO: graficos.Serie(
        tablero.BLOQUEADO, "Etapa previa sin visar (—)", "#d5dade", "cuadricula", "#6c757d"
    ),
}
SERIES_ATRASO = {
    tablero.AL_DIA: graficos.Serie(tablero.AL_DIA, "Al día", "#1e7b34"),
    "1_7": graficos.Serie("1_7", "1 a 7 días", "#e0a100", "puntos", "#5c4200"),
    "8_30": graficos.Serie("8_30", "8 a 30 días", "#d4621c", "diagonal"),
    "mas_30": graficos.Serie("mas_30", "Más de 30 días", "#b00020", "cuadricula"),
    tablero.NO_INICIADO: graficos.Serie(tablero.NO_INICIADO, "No iniciado", "#ffffff", "vacio"),
}


def _url_expediente() -> str | None:
    """The auditor's dossier list (pmggt.urls_dossier), when that module is installed."""
    try:
        return reverse("pmggt:dossier_lista")
    except NoReverseMatch:
        return None


def _grafico_estados(datos: tablero.Tablero) -> dict:
    por_estado = datos.por_estado()
    series = list(SERIES_ESTADO.values())
    frases = []
    for etapa, cuenta in por_estado:
        detalle = ", ".join(f"{s.etiqueta}: {cuenta.get(s.clave, 0)}" for s in series)
        frases.append(f"{etapa.titulo}: {detalle}.")
    return {
        "id": "grafico-estados",
        "titulo": "Estado de cada etapa",
        "svg": graficos.barras_apiladas(
            prefijo="g-estados",
            titulo="Estado de cada etapa (número de Servicios)",
            descripcion=" ".join(frases) or "Sin Servicios con estos filtros.",
            categorias=[(e.titulo, c) for e, c in por_estado],
            series=series,
        ),
        "columnas": ["Etapa", *(s.etiqueta for s in series), "Total"],
        "filas": [
            [e.titulo, *(c.get(s.clave, 0) for s in series), sum(c.values())] for e, c in por_estado
        ],
        "nota": "Cada barra es una etapa; cada tramo, cuántos Servicios están en ese estado.",
    }


def _grafico_atraso(datos: tablero.Tablero) -> dict:
    cuenta = datos.por_atraso()
    series = list(SERIES_ATRASO.values())
    descripcion = "; ".join(f"{s.etiqueta}: {cuenta[s.clave]}" for s in series)
    return {
        "id": "grafico-atraso",
        "titulo": "Servicios según su atraso",
        "svg": graficos.barras(
            prefijo="g-atraso",
            titulo="Servicios según su mayor atraso",
            descripcion=f"Servicios según los días de atraso de su etapa más atrasada. "
            f"{descripcion}.",
            datos=[(s, cuenta[s.clave]) for s in series],
        ),
        "columnas": ["Atraso", "Servicios"],
        "filas": [[s.etiqueta, cuenta[s.clave]] for s in series],
        "nota": (
            "El atraso de un Servicio es el de su etapa más atrasada (vencida y sin visar). "
            "«No iniciado»: sin documentos en las etapas mostradas y sin atraso aún."
        ),
    }


@login_required
@require_GET
def tablero_vista(request):
    usuario = request.user
    if not tablero.puede_ver(usuario):
        raise PermissionDenied(
            "El Tablero nacional es para el Administrador/a y los Expertos/as SUBDERE."
        )
    opciones = tablero.opciones(usuario)
    filtro = FiltroTableroForm(request.GET or None, opciones=opciones)
    acelerar(filtro)
    filtros = filtro.filtros()
    datos = tablero.construir(usuario, filtros, opciones, hoy=calendario.hoy())
    if request.GET.get("formato") == FORMATO_EXCEL:
        return _excel(request, filtro, filtros, datos)
    pagina = Paginator(datos.filas, POR_PAGINA).get_page(request.GET.get("pagina"))
    consulta = request.GET.copy()
    for nombre in ("pagina", "formato"):
        consulta.pop(nombre, None)
    consulta = consulta.urlencode()
    return render(
        request,
        "pmggt/tablero.html",
        {
            "filtro": filtro,
            "filtros": filtros,
            "datos": datos,
            "pagina": pagina,
            "totales": datos.totales(),
            "graficos": [_grafico_estados(datos), _grafico_atraso(datos)] if datos.filas else [],
            "consulta": consulta,
            "url_excel": f"?{consulta}{'&' if consulta else ''}formato={FORMATO_EXCEL}",
            "url_expediente": _url_expediente(),
            "es_admin": opciones.administrador,
        },
    )


# --- Excel -----------------------------------------------------------------------------------

ESTILO_FECHA = "PMG-GT fecha (día)"
COLUMNAS_SERVICIO = [("Servicio", 40), ("Sigla", 18), ("Ministerio", 30), ("Región", 16)]
COLUMNAS_ETAPA = [
    ("estado", 18),
    ("plazo", 12),
    ("días de atraso", 10),
    ("devuelto", 10),
    ("esperando (días)", 10),
]
COLUMNAS_CARGA = [
    ("Experto/a", 34),
    ("Servicios asignados", 12),
    ("En visación", 12),
    ("Espera más antigua (días)", 14),
    ("Etapas atrasadas", 12),
]


def _hoja(wb, nombre: str, columnas, titulo: str, lineas: list[str]):
    ws = wb.create_sheet(nombre)
    xl.pagina_apaisada(ws, [ancho for _t, ancho in columnas])
    celda = xl.celda(ws, titulo, estilo=None)
    celda.font = xl.FUENTE_TITULO
    ws.append([celda])
    for linea in lineas:
        ws.append([xl.celda(ws, linea, estilo=None)])
    for _ in range(xl.FILA_ENCABEZADO - 2 - len(lineas)):
        ws.append([])
    encabezados = []
    for nombre_columna, _ancho in columnas:
        c = xl.celda(ws, nombre_columna, estilo=None)
        c.font = xl.FUENTE_ENCABEZADO
        c.fill = xl.RELLENO_ENCABEZADO
        c.alignment = xl.AJUSTE_ENCABEZADO
        c.border = xl.BORDE
        encabezados.append(c)
    ws.append(encabezados)
    return ws


def _excel(request, filtro, filtros, datos: tablero.Tablero):
    """Every filtered row as an xlsx (a «Tablero» sheet and a «Carga de Expertos» one)."""
    ahora = timezone.localtime()
    usuario = request.user
    quien = usuario.get_full_name() or usuario.get_username()
    lineas = [
        f"Filtros: {filtro.descripcion(filtros)}",
        f"Descargado el {ahora:%d-%m-%Y %H:%M} por {quien} (días contados al {datos.hoy:%d-%m-%Y})",
    ]
    wb = xl.libro(solo_escritura=True)
    wb.add_named_style(
        NamedStyle(
            name=ESTILO_FECHA, alignment=xl.AJUSTE, border=xl.BORDE, number_format="DD-MM-YYYY"
        )
    )
    numeral = {e.numero: e.titulo.split(" – ")[0] for e in datos.etapas}
    columnas = COLUMNAS_SERVICIO + [("Expertos/as", 30)]
    for etapa in datos.etapas:
        columnas += [(f"{numeral[etapa.numero]}: {t}", a) for t, a in COLUMNAS_ETAPA]
    ws = _hoja(wb, "Tablero", columnas, "Tablero nacional PMG-GT", lineas)
    numeros = datos.numeros
    texto, numero = xl.ESTILO_TEXTO, xl.ESTILO_ID
    for fila in datos.filas:
        valores = [
            xl.celda(ws, fila.nombre, texto),
            xl.celda(ws, fila.sigla, texto),
            xl.celda(ws, fila.ministerio, texto),
            xl.celda(ws, fila.region, texto),
            xl.celda(ws, ", ".join(fila.expertos), texto),
        ]
        for celda in fila.en_vista(numeros):
            valores += [
                xl.celda(ws, celda.etiqueta, texto),
                xl.celda(ws, celda.vence, ESTILO_FECHA),
                xl.celda(ws, celda.atraso, numero),
                xl.celda(ws, "sí" if celda.devuelto else "", texto),
                xl.celda(ws, celda.esperando, numero),
            ]
        ws.append(valores)
    ultima = xl.FILA_ENCABEZADO + max(len(datos.filas), 1)
    ws.auto_filter.ref = f"A{xl.FILA_ENCABEZADO}:{get_column_letter(len(columnas))}{ultima}"

    ws = _hoja(wb, "Carga de Expertos", COLUMNAS_CARGA, "Carga de los Expertos/as", lineas)
    for carga in datos.carga:
        ws.append(
            [
                xl.celda(ws, carga.experto.nombre, texto),
                xl.celda(ws, carga.servicios, numero),
                xl.celda(ws, carga.en_visacion, numero),
                xl.celda(ws, carga.espera_mas_antigua, numero),
                xl.celda(ws, carga.atrasadas, numero),
            ]
        )
    anio = datos.ciclo.anio if datos.ciclo else "sin-ciclo"
    archivo = Archivo(
        nombre=f"tablero-pmggt-{anio}-{ahora:%Y-%m-%d}.xlsx",
        contenido=xl.guardar(wb, "Tablero nacional PMG-GT"),
        tipo=TIPOS["xlsx"],
    )
    return respuesta_archivo(archivo)
