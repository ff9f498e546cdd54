"""The lists: Mis pendientes and the documents list (with its Excel export).

Each page makes the same number of queries whatever the number of documents, Servicios and
observaciones: the rows come from the selectors' permission subqueries, every list is paged
in the database (a bare COUNT and one page of rows) and nothing is read row by row.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import etapas, selectors
from .forms import FiltroDocumentosForm
from .informes import TIPOS, Archivo
from .informes import excel as xl
from .informes.views import respuesta_archivo
from .models import Ciclo

POR_PAGINA = 25  # rows of a list page
FORMATO_EXCEL = "xlsx"  # ?formato=xlsx: the documents list as a workbook, same filters


# --- Paging and sorting helpers ----------------------------------------------------------------


def _pagina(request, filas, parametro: str = "pagina"):
    return Paginator(filas, POR_PAGINA).get_page(request.GET.get(parametro))


def _consulta(request, *quitar: str) -> str:
    """The query string of this request without the given parameters (for page links)."""
    consulta = request.GET.copy()
    for nombre in quitar:
        consulta.pop(nombre, None)
    return consulta.urlencode()


# (column title, sort key or None, the sort that a first click asks for)
COLUMNAS_DOCUMENTOS = [
    ("Servicio", "servicio", "servicio"),
    ("Ciclo", "ciclo", "-ciclo"),
    ("Etapa", "etapa", "etapa"),
    ("Estado", "estado", "estado"),
    ("Versión", None, None),
    ("Observaciones abiertas", None, None),
    ("En este estado desde", "fecha", "fecha"),
]
COLUMNAS_NO_INICIADOS = [
    ("Servicio", "servicio", "servicio"),
    ("Ciclo", "ciclo", "-ciclo"),
    ("Etapa", "etapa", "etapa"),
    ("Estado", None, None),
]
SENTIDOS = {True: ("ascending", "ascendente"), False: ("descending", "descendente")}


def _columnas(definicion, orden: str | None = None, consulta: str = "") -> list[dict]:
    """Table headers; with ``orden`` (the documents list), sort links with aria-sort."""
    columnas = []
    for titulo, clave, primero in definicion:
        columna = {"titulo": titulo}
        if orden is not None and clave is not None:
            activa = orden.lstrip("-") == clave
            siguiente = (clave if orden.startswith("-") else f"-{clave}") if activa else primero
            columna["url"] = f"?{consulta}{'&' if consulta else ''}orden={siguiente}"
            columna["siguiente"] = SENTIDOS[not siguiente.startswith("-")][1]
            if activa:
                columna["aria_sort"], columna["actual"] = SENTIDOS[not orden.startswith("-")]
        columnas.append(columna)
    return columnas


def _no_iniciados(pagina):
    pagina.object_list = [selectors.NoIniciado.de(fila) for fila in pagina.object_list]
    return pagina


# --- Mis pendientes ----------------------------------------------------------------------------


@login_required
def mis_pendientes(request):
    usuario = request.user
    # What waits for me is small by nature: all of it, oldest first.
    pendientes = list(selectors.documentos_pendientes_para(usuario))
    seguidos = _pagina(request, selectors.documentos_seguidos_por(usuario))
    # Servicios I oversee without a document they may start now (open Ciclos, requisite met).
    sin_iniciar = selectors.no_iniciados(
        usuario,
        selectors.servicios_supervisados_por(usuario),
        list(Ciclo.objects.filter(abierto=True)),
        etapas.todas(),
        solo_iniciables=True,
    ).order_by("-anio", "etapa_num", "nombre", "sigla", "id")
    no_iniciados = _no_iniciados(_pagina(request, sin_iniciar, "pagina_no_iniciados"))
    return render(
        request,
        "pmggt/mis_pendientes.html",
        {
            "pendientes": pendientes,
            "seguidos": seguidos,
            "no_iniciados": no_iniciados,
            "consulta_seguidos": _consulta(request, "pagina"),
            "consulta_no_iniciados": _consulta(request, "pagina_no_iniciados"),
            "columnas": _columnas(COLUMNAS_DOCUMENTOS),
            "columnas_no_iniciados": _columnas(COLUMNAS_NO_INICIADOS) + [{"titulo": "Acción"}],
            # The badge is the list above: no second count.
            "num_pendientes": len(pendientes),
        },
    )


# --- The documents list ------------------------------------------------------------------------


def _filas(filtro, usuario):
    if filtro.no_iniciado:
        return filtro.no_iniciados(usuario, selectors.servicios_visibles_para(usuario))
    return filtro.filtrar(selectors.documentos_visibles_para(usuario))


@login_required
def documento_lista(request):
    filtro = FiltroDocumentosForm(request.GET or None)
    filas = _filas(filtro, request.user)
    if request.GET.get("formato") == FORMATO_EXCEL:
        return _excel(request, filtro, filas)
    pagina = _pagina(request, filas)
    if filtro.no_iniciado:
        _no_iniciados(pagina)
    consulta = _consulta(request, "pagina", "formato")
    return render(
        request,
        "pmggt/documento_lista.html",
        {
            "documentos": pagina.object_list,
            "pagina": pagina,
            "filtro": filtro,
            "no_iniciado": filtro.no_iniciado,
            "consulta": consulta,
            "columnas": _columnas(
                COLUMNAS_NO_INICIADOS if filtro.no_iniciado else COLUMNAS_DOCUMENTOS,
                filtro.orden_elegido,
                _consulta(request, "pagina", "formato", "orden"),
            )
            + ([{"titulo": "Acción"}] if filtro.no_iniciado else []),
            "url_excel": f"?{consulta}{'&' if consulta else ''}formato={FORMATO_EXCEL}",
        },
    )


# --- Excel export of the documents list --------------------------------------------------------

# (header, width); data rows from excel.FILA_ENCABEZADO + 1, as in every workbook of the system.
COLUMNAS_EXCEL = [
    ("Servicio", 40),
    ("Sigla", 18),
    ("Ciclo", 8),
    ("Etapa", 34),
    ("Estado", 20),
    ("Versión vigente", 10),
    ("Versión visada", 10),
    ("Observaciones abiertas", 14),
    ("En este estado desde", 17),
    ("Enlace", 45),
]
ESTILO_NUMERO = xl.ESTILO_ID  # bordered, wrapped, general format (numbers stay numbers)
ESTILO_FECHA = "PMG-GT fecha"
ESTILOS_EXCEL = [
    xl.ESTILO_TEXTO,
    xl.ESTILO_TEXTO,
    ESTILO_NUMERO,
    xl.ESTILO_TEXTO,
    xl.ESTILO_TEXTO,
    ESTILO_NUMERO,
    ESTILO_NUMERO,
    ESTILO_NUMERO,
    ESTILO_FECHA,
    xl.ESTILO_TEXTO,
]


def _libro_solo_escritura() -> Workbook:
    """The shared styles (``excel.libro``) on a write-only workbook, plus a date style."""
    wb = xl.libro(solo_escritura=True)
    wb.add_named_style(
        NamedStyle(
            name=ESTILO_FECHA,
            alignment=xl.AJUSTE,
            border=xl.BORDE,
            number_format="DD-MM-YYYY HH:MM",
        )
    )
    return wb


_celda = xl.celda


def _fila_documento(request, documento) -> list:
    interno = bool(documento.interno)
    desde = timezone.localtime(documento.estado_desde).replace(tzinfo=None)
    enlace = (
        request.build_absolute_uri(reverse("pmggt:documento", args=[documento.pk]))
        if documento.puede_abrir
        else ""
    )
    return [
        documento.servicio.nombre,
        documento.servicio.sigla,
        documento.ciclo.anio,
        documento.get_etapa_display(),
        documento.get_estado_display(),
        # Outside the Servicio (a GORE), only the visado record: no draft versions, no review.
        (documento.version_actual or None) if interno else None,
        documento.version_visada,
        documento.observaciones_pendientes if interno else None,
        desde,
        enlace,
    ]


def _fila_no_iniciado(fila) -> list:
    return [
        fila.nombre,
        fila.sigla,
        fila.anio,
        fila.etapa.titulo,
        "No iniciado",
        None,
        None,
        None,
        None,
        "",
    ]


def _excel(request, filtro, filas):
    """Every filtered row (not only a page) as an xlsx, streamed through a write-only sheet."""
    ahora = timezone.localtime()
    usuario = request.user
    wb = _libro_solo_escritura()
    ws = wb.create_sheet("Documentos")
    for i, (_titulo, ancho) in enumerate(COLUMNAS_EXCEL, start=1):
        ws.column_dimensions[get_column_letter(i)].width = ancho
    ws.freeze_panes = f"A{xl.FILA_ENCABEZADO + 1}"
    ws.print_title_rows = f"{xl.FILA_ENCABEZADO}:{xl.FILA_ENCABEZADO}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    titulo = _celda(ws, "Documentos PMG-GT", estilo=None)
    titulo.font = xl.FUENTE_TITULO
    ws.append([titulo])
    ws.append([_celda(ws, f"Filtros: {filtro.descripcion()}", estilo=None)])
    quien = usuario.get_full_name() or usuario.get_username()
    ws.append([_celda(ws, f"Descargado el {ahora:%d-%m-%Y %H:%M} por {quien}", estilo=None)])
    ws.append([])
    encabezados = []
    for nombre, _ancho in COLUMNAS_EXCEL:
        celda = _celda(ws, nombre, estilo=None)
        celda.font = xl.FUENTE_ENCABEZADO
        celda.fill = xl.RELLENO_ENCABEZADO
        celda.alignment = xl.AJUSTE_ENCABEZADO
        celda.border = xl.BORDE
        encabezados.append(celda)
    ws.append(encabezados)

    ultima = xl.FILA_ENCABEZADO
    for fila in filas.iterator(chunk_size=500):
        valores = (
            _fila_no_iniciado(selectors.NoIniciado.de(fila))
            if filtro.no_iniciado
            else _fila_documento(request, fila)
        )
        ws.append([_celda(ws, v, e) for v, e in zip(valores, ESTILOS_EXCEL, strict=True)])
        ultima += 1
    ws.auto_filter.ref = (
        f"A{xl.FILA_ENCABEZADO}:{get_column_letter(len(COLUMNAS_EXCEL))}"
        f"{max(ultima, xl.FILA_ENCABEZADO + 1)}"
    )
    archivo = Archivo(
        nombre=f"documentos-pmggt-{ahora:%Y-%m-%d}.xlsx",
        contenido=xl.guardar(wb, "Documentos PMG-GT"),
        tipo=TIPOS["xlsx"],
    )
    return respuesta_archivo(archivo)
