"""The lists: Mis pendientes and the documents list (with its Excel export).

Each page makes the same number of queries whatever the number of documents, Servicios and
observaciones: the rows come from the selectors' permission filters, every list is paged in
the database (its total read with the page, or from a per-Ciclo count) and nothing is read row
by row.

The rows are dicts of the columns they show (``selectors.filas``), and their HTML is written
here, every value escaped as ``{{ }}`` does: a table of 150 rows costs one template include,
not a template pass per cell.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from openpyxl import Workbook
from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter

from . import calendario, etapas, selectors
from .forms import FiltroDocumentosForm
from .informes import TIPOS, Archivo
from .informes import excel as xl
from .informes.views import respuesta_archivo
from .models import Documento
from .tablero import resumen_inicio
from .widgets import acelerar, escapar

POR_PAGINA = 25  # rows of a list page
ULTIMA_PAGINA = 10**6  # a page number past this is out of range (the paginator's last page)
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
    ("Plazo", None, None),  # pmggt.calendario: the effective deadline and its countdown
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


def _cabecera(columnas):
    """The header cells of ``_columnas``: the markup the table template wrote for them."""
    celdas = []
    for c in columnas:
        aria = format_html(' aria-sort="{}"', c["aria_sort"]) if c.get("aria_sort") else ""
        if c.get("url"):
            actual = ""
            if c.get("actual"):
                flecha = "▲" if c.get("aria_sort") == "ascending" else "▼"
                actual = format_html(' <span aria-hidden="true">{}</span>', flecha)
            contenido = format_html(
                '<a href="{}">{}{}<span class="sr-only"> (ordenar {})</span></a>',
                c["url"],
                c["titulo"],
                actual,
                c["siguiente"],
            )
        else:
            contenido = c["titulo"]
        celdas.append(format_html('<th scope="col"{}>{}</th>', aria, contenido))
    return mark_safe("".join(celdas))  # each cell from format_html


# Mis pendientes' headers never change: written once.
CABECERA_DOCUMENTOS = _cabecera(_columnas(COLUMNAS_DOCUMENTOS))
_COLUMNAS_NO_INICIADOS_ACCION = _columnas(COLUMNAS_NO_INICIADOS) + [
    {"titulo": "Acción"},
    {"titulo": "Plazo"},
]
CABECERA_NO_INICIADOS = _cabecera(_COLUMNAS_NO_INICIADOS_ACCION)


def _no_iniciados(pagina):
    pagina.object_list = [selectors.NoIniciado.de(fila) for fila in pagina.object_list]
    return pagina


def _pagina_documentos(request, documentos, usuario, parametro: str = "pagina"):
    """A page of these documents as ``selectors.resumir`` rows, in one query: each row brings
    the list's total (``COUNT(*) OVER ()``), so the page needs no COUNT of its own. A page
    number past the end (or below 1) finds no rows: then the paginator counts, as ``get_page``
    always does, and the page it falls back to (the last) is read."""
    paginador = Paginator(documentos, POR_PAGINA)
    try:
        numero = int(request.GET.get(parametro) or 1)
    except ValueError:
        numero = 1  # get_page: not a number, the first page
    filas = []
    if 1 <= numero <= ULTIMA_PAGINA:
        inicio = (numero - 1) * POR_PAGINA
        filas = list(
            selectors.filas(documentos).annotate(_total=Window(Count("*")))[
                inicio : inicio + POR_PAGINA
            ]
        )
    if filas:
        # Paginator.count is a cached property: set, the paginator does not COUNT.
        paginador.count = filas[0]["_total"]
    elif numero == 1:
        paginador.count = 0
    pagina = paginador.get_page(numero)  # with no rows: the COUNT, and the page to show
    if not filas and pagina.paginator.count:
        inicio = (pagina.number - 1) * POR_PAGINA
        filas = list(selectors.filas(documentos)[inicio : inicio + POR_PAGINA])
    pagina.object_list = list(selectors.resumir(filas, usuario))
    return pagina


def _pagina_seguidos(request, ciclos, usuario):
    """The page of what a person follows (``selectors.documentos_seguidos_por``), as rows.
    ``ciclos`` (every Ciclo, with ``seguidos``) give the total without a COUNT and the Ciclos
    the page spans, and the page reads only those: the database sorts the documents of a Ciclo
    or two, not all of them."""
    paginador = Paginator([], POR_PAGINA)
    paginador.count = sum(c.seguidos for c in ciclos)  # set: no COUNT (a cached property)
    pagina = paginador.get_page(request.GET.get("pagina"))
    inicio = (pagina.number - 1) * POR_PAGINA
    fin = min(inicio + POR_PAGINA, paginador.count)
    tramo, desde = selectors.tramo_seguidos(ciclos, inicio, fin)
    filas = []
    if tramo:
        filas = selectors.filas_seguidas(usuario, tramo, desde, fin - inicio)
    pagina.object_list = list(selectors.resumir(filas, usuario))
    return pagina


# --- Rows as HTML ------------------------------------------------------------------------------

# The labels of the stages and states, escaped once.
ETAPAS = dict(Documento.Etapa.choices)
ESTADOS = dict(Documento.Estado.choices)
_ETAPAS_HTML = {clave: escape(texto) for clave, texto in ETAPAS.items()}


def _pildora(estado) -> str:
    """pmggt/_estado.html: the state pill."""
    etiqueta = escape(ESTADOS.get(estado, estado))
    return f'<span class="estado estado-{escape(estado)}">{etiqueta}</span>'


_PILDORAS = {estado: _pildora(estado) for estado in ESTADOS}
_CENTINELA = 987654321
_NO_VISADO = '<br><small class="text-muted">Se podrá consultar cuando esté visado.</small>'


def _url_por_pk(nombre: str, request=None):
    """``reverse(nombre, args=[pk])`` for many pks with a single reverse (with ``request``:
    ``request.build_absolute_uri`` of it)."""
    url = reverse(nombre, args=[_CENTINELA])
    if request is not None:
        url = request.build_absolute_uri(url)
    antes, despues = url.split(str(_CENTINELA))
    return lambda pk: f"{antes}{pk}{despues}"


def _html_documentos(filas):
    """The body rows of a documents table (``selectors.resumir`` rows): the cells, texts,
    links and classes the row template wrote. Every text from the database goes through
    ``escapar`` (Django's escaping, ``widgets.escapar``); numbers are ``int``s (a document's, a
    Ciclo's, a version's, a count) and the stage and state labels are escaped above. A table
    of 150 rows costs well under a millisecond."""
    url = _url_por_pk("pmggt:documento")
    zona = timezone.get_current_timezone()  # the |date filter's: the active time zone
    plazos = {}  # rows of one stage and Ciclo share their countdown: its markup written once
    partes = []
    for fila in filas:
        anio = int(fila["ciclo__anio"])
        etapa = _ETAPAS_HTML.get(fila["etapa"]) or escapar(fila["etapa"])
        if fila["puede_abrir"]:
            etapa = f'<a href="{url(int(fila["pk"]))}">{etapa} {anio}</a>'
        else:
            etapa = f"{etapa} {anio}{_NO_VISADO}"
        if fila.get("partes"):
            etapa += _html_partes(fila["partes"])
        interno = fila["interno"]
        if not interno:
            # Outside the Servicio (a GORE), only the visado record: no draft versions, no review.
            visada = fila["version_visada"]
            version = f"v{int(visada)} (visada)" if visada else "—"
        else:
            actual = fila["version_actual"]
            version = f"v{int(actual)}" if actual else "—"
        abiertas = fila["observaciones_pendientes"]
        if interno and abiertas:
            abiertas = f'<span class="badge badge-danger">{int(abiertas)}</span>'
        else:
            abiertas = "—"
        desde = fila["estado_desde"].astimezone(zona).strftime("%d-%m-%Y %H:%M")
        vencimiento = fila.get("vencimiento")
        if vencimiento not in plazos:
            plazos[vencimiento] = calendario.html_vence(vencimiento, con_fecha=True)
        partes.append(
            f'<tr><td>{escapar(fila["servicio__nombre"])} <small class="text-muted">'
            f"({escapar(fila['servicio__sigla'])})</small></td><td>{anio}</td><td>{etapa}</td>"
            f"<td>{_PILDORAS.get(fila['estado']) or _pildora(fila['estado'])}</td>"
            f"<td>{version}</td><td>{abiertas}</td><td><small>{desde}</small></td>"
            f'<td class="celda-plazo">{plazos[vencimiento]}</td></tr>\n'
        )
    return mark_safe("".join(partes))  # every value escaped or an int, above


def _html_partes(partes) -> str:
    """An Encargada de Centro's part of a pending document (``selectors.partes_de_centro``):
    the link to her region's page and what it still lacks (the document page's per-region
    list), or that it is complete. Every text escaped."""
    bloques = []
    for parte in partes:
        codigo, nombre = escapar(parte["codigo"]), escapar(parte["nombre"])
        enlace = ""
        if parte["url"]:
            enlace = (
                f'<div><a href="{escapar(parte["url"])}">{escapar(parte["enlace"])}: '
                f"{codigo} {nombre}"
                "</a></div>"
            )
        faltan = parte["faltan"]
        if faltan:
            n = len(faltan)
            lista = "".join(f"<li>{escapar(f)}</li>" for f in faltan)
            estado = (
                f"<details><summary>Su parte (Región {codigo}): {n} pendiente"
                f'{"" if n == 1 else "s"}</summary><ul class="small mb-0">{lista}</ul></details>'
            )
        else:
            estado = (
                f'<div><span aria-hidden="true">✓</span> Su parte (Región {codigo}) está '
                "completa</div>"
            )
        bloques.append(f'<div class="parte-centro mt-1">{enlace}{estado}</div>')
    return "".join(bloques)


FILA_NO_INICIADO = (
    '<tr><td>{} <small class="text-muted">({})</small></td><td>{}</td><td>{}</td>'
    '<td><span class="estado estado-no_iniciado">No iniciado</span></td><td>{}</td>'
    '<td class="celda-plazo">{}</td></tr>\n'
)
FORMULARIO_INICIAR = (
    '<form method="post" action="{}" class="d-inline">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '<input type="hidden" name="servicio" value="{}">'
    '<input type="hidden" name="ciclo" value="{}">'
    '<input type="hidden" name="etapa" value="{}">'
    '<button type="submit" class="btn btn-outline-primary btn-sm">Iniciar {} {}'
    '<span class="sr-only"> de {}</span></button></form>'
)


def _html_no_iniciados(request, filas, vencimientos=None):
    """The body rows of a «No iniciado» table (``selectors.NoIniciado``), with the Encargado/a
    GT's «Iniciar …» form where she may start the document now; ``vencimientos``: their
    countdowns (``calendario.anotar_filas``)."""
    vencimientos = vencimientos or {}
    token = url = None
    celdas = []
    for fila in filas:
        accion = "—"
        if fila.puede_iniciar:
            if token is None:
                token, url = get_token(request), reverse("pmggt:documento_crear")
            accion = format_html(
                FORMULARIO_INICIAR,
                url,
                token,
                fila.servicio_id,
                fila.ciclo_id,
                fila.etapa.numero,
                fila.etapa.nombre or fila.etapa.titulo,
                fila.anio,
                fila.sigla,
            )
        plazo = vencimientos.get((fila.servicio_id, fila.ciclo_id, fila.etapa.numero))
        plazo = mark_safe(calendario.html_vence(plazo, con_fecha=True))  # escaped there
        celdas.append((fila.nombre, fila.sigla, fila.anio, fila.etapa.titulo, accion, plazo))
    return format_html_join("", FILA_NO_INICIADO, celdas)


# --- Mis pendientes ----------------------------------------------------------------------------


@login_required
def mis_pendientes(request):
    usuario = request.user
    # What waits for me is small by nature: all of it, oldest first (each row with its
    # deadline, as the rows of what I follow: the page reads no Plazo of its own).
    pendientes = list(selectors.resumir(selectors.filas_pendientes(usuario), usuario))
    # An Encargada de Centro: her region's page and what it still lacks, for every row at once.
    selectors.partes_de_centro(usuario, pendientes)
    # Every Ciclo, in one query, with how many of what I follow it has (the count and place of
    # each Ciclo's rows, for the page of what I follow) and how many «No iniciado» rows: the
    # Servicios I oversee without a document they may start now (open Ciclos, requisite met).
    ciclos = selectors.ciclos_con_cuentas(usuario)
    seguidos = _pagina_seguidos(request, ciclos, usuario)
    paginador = Paginator([], POR_PAGINA)
    paginador.count = sum(c.sin_iniciar for c in ciclos)  # set: no COUNT (a cached property)
    if paginador.count:
        paginador.object_list = selectors.no_iniciados(
            usuario,
            selectors.servicios_supervisados_por(usuario),
            [c for c in ciclos if c.abierto],
            etapas.todas(),
            solo_iniciables=True,
        ).order_by("-anio", "etapa_num", "nombre", "sigla", "id")
    no_iniciados = _no_iniciados(paginador.get_page(request.GET.get("pagina_no_iniciados")))
    # Every row's deadline, in one query (pmggt.calendario).
    plazos_no_iniciados = calendario.anotar_filas(
        [*pendientes, *seguidos.object_list], no_iniciados.object_list
    )
    return render(
        request,
        "pmggt/mis_pendientes.html",
        {
            "filas_pendientes": _html_documentos(pendientes),
            "seguidos": seguidos,
            "filas_seguidos": _html_documentos(seguidos.object_list),
            "no_iniciados": no_iniciados,
            "filas_no_iniciados": _html_no_iniciados(
                request, no_iniciados.object_list, plazos_no_iniciados
            ),
            "consulta_seguidos": _consulta(request, "pagina"),
            "consulta_no_iniciados": _consulta(request, "pagina_no_iniciados"),
            "columnas": COLUMNAS_DOCUMENTOS,
            "cabecera": CABECERA_DOCUMENTOS,
            "columnas_no_iniciados": _COLUMNAS_NO_INICIADOS_ACCION,
            "cabecera_no_iniciados": CABECERA_NO_INICIADOS,
            # The badge is the list above: no second count.
            "num_pendientes": len(pendientes),
            # The administrator's summary (pmggt/_inicio_administrador.html): lazy, 3 queries.
            "resumen_administrador": resumen_inicio,
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
    acelerar(filtro)  # its selects drawn in Python, not an <option> template each
    filas = _filas(filtro, request.user)
    if request.GET.get("formato") == FORMATO_EXCEL:
        return _excel(request, filtro, filas)
    if filtro.no_iniciado:
        pagina = _no_iniciados(_pagina(request, filas))
        plazos = calendario.anotar_filas([], pagina.object_list)  # one query (pmggt.calendario)
        cuerpo = _html_no_iniciados(request, pagina.object_list, plazos)
    else:
        pagina = _pagina_documentos(request, filas, request.user)
        calendario.anotar_filas(pagina.object_list)  # one query (pmggt.calendario)
        cuerpo = _html_documentos(pagina.object_list)
    consulta = _consulta(request, "pagina", "formato")
    columnas = _columnas(
        COLUMNAS_NO_INICIADOS if filtro.no_iniciado else COLUMNAS_DOCUMENTOS,
        filtro.orden_elegido,
        _consulta(request, "pagina", "formato", "orden"),
    ) + ([{"titulo": "Acción"}, {"titulo": "Plazo"}] if filtro.no_iniciado else [])
    return render(
        request,
        "pmggt/documento_lista.html",
        {
            "filas": cuerpo,
            "pagina": pagina,
            "filtro": filtro,
            "no_iniciado": filtro.no_iniciado,
            "consulta": consulta,
            "columnas": columnas,
            "cabecera": _cabecera(columnas),
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
    ("Plazo", 12),  # the effective deadline (the Servicio's extension, if any)
    ("Vence", 30),  # its countdown on the day of the download (pmggt.calendario)
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
    "PMG-GT día",
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
    wb.add_named_style(
        NamedStyle(
            name="PMG-GT día", alignment=xl.AJUSTE, border=xl.BORDE, number_format="DD-MM-YYYY"
        )
    )
    return wb


_celda = xl.celda


def _plazo_excel(v) -> list:
    """The «Plazo» and «Vence» cells of a countdown (``calendario.Vencimiento`` or None)."""
    if v is None:
        return [None, "Sin plazo"]
    texto = v.texto + (f" (prórroga al {calendario.fecha(v.prorroga)})" if v.prorroga else "")
    return [v.vence, texto]


def _fila_documento(fila, url, plazos=None, hoy=None) -> list:
    """A ``selectors.resumir`` row; ``url(pk)``: the document's absolute address; ``plazos``:
    every deadline (``calendario.tabla_plazos``)."""
    interno = fila["interno"]
    v = None
    if plazos is not None:
        v = calendario.vencimiento(
            plazos.de(fila["servicio_id"], fila["ciclo_id"], fila["etapa"]),
            visado=fila["version_visada"] is not None,
            visado_el=fila["visado_primero"],
            hoy_=hoy,
        )
    return [
        fila["servicio__nombre"],
        fila["servicio__sigla"],
        fila["ciclo__anio"],
        ETAPAS.get(fila["etapa"], fila["etapa"]),
        ESTADOS.get(fila["estado"], fila["estado"]),
        # Outside the Servicio (a GORE), only the visado record: no draft versions, no review.
        (fila["version_actual"] or None) if interno else None,
        fila["version_visada"],
        fila["observaciones_pendientes"] if interno else None,
        timezone.localtime(fila["estado_desde"]).replace(tzinfo=None),
        url(fila["pk"]) if fila["puede_abrir"] else "",
        *_plazo_excel(v),
    ]


def _fila_no_iniciado(fila, plazos=None, hoy=None) -> list:
    v = None
    if plazos is not None:
        v = calendario.vencimiento(
            plazos.de(fila.servicio_id, fila.ciclo_id, fila.etapa.numero), hoy_=hoy
        )
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
        *_plazo_excel(v),
    ]


def _excel(request, filtro, filas):
    """Every filtered row (not only a page) as an xlsx, streamed through a write-only sheet."""
    ahora = timezone.localtime()
    usuario = request.user
    wb = _libro_solo_escritura()
    ws = wb.create_sheet("Documentos")
    xl.pagina_apaisada(ws, [ancho for _titulo, ancho in COLUMNAS_EXCEL])

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
    # The rows stream: every deadline with its extensions, read at once (one query).
    plazos, hoy = calendario.tabla_plazos(), calendario.hoy()
    if filtro.no_iniciado:
        valores = (
            _fila_no_iniciado(selectors.NoIniciado.de(f), plazos, hoy)
            for f in filas.iterator(chunk_size=500)
        )
    else:
        url = _url_por_pk("pmggt:documento", request)
        valores = (
            _fila_documento(f, url, plazos, hoy)
            for f in selectors.resumir(selectors.filas(filas).iterator(chunk_size=500), usuario)
        )
    for fila in valores:
        ws.append([_celda(ws, v, e) for v, e in zip(fila, ESTILOS_EXCEL, strict=True)])
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
