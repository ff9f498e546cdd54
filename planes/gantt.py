"""The programa de trabajo as a Gantt chart: server-side SVG, no script, no CSS.

``svg(contenido, hoy=…, ancho=…)`` draws the whole programme of a (possibly cut) canonical
content as one ``<svg>`` (the document page); ``svgs(contenido, filas_por_pagina=N, …)`` cuts it
into page-sized charts for the PDF, each with the axis and, where a group goes on from the
previous chart, its heading again («(cont.)»).

Drawing
    Rows are grouped by objective (objetivos específicos by N°, then objetivos del sistema de
    información, then the rows linked to none), and inside a group by region: national rows
    («Nacional») first, then north to south as ``contenido["regiones"]`` lists them, each in
    the Servicio's order. The axis shows the months of the Ciclo's year (``anio``; when not
    given, the year most plazos fall in), widened by whole months when an activity starts
    before or ends after it, but never beyond January of the year before nor December of two
    years after (``ANIOS_ANTES``, ``ANIOS_DESPUES``): a date far away (a typo such as 9999, or
    one stored before the forms checked the range) neither breaks the chart nor draws
    thousands of months. An actividad is a bar from inicio to plazo (both days included); a
    hito, a diamond at its plazo with its date. What goes beyond the axis is cut at its edge
    and marked there with an arrow pointing out (a hito outside: the arrow and its date); the
    description says how many rows are cut. Today's line is drawn only when ``hoy`` falls
    inside the axis.

It renders the same in Chromium and WeasyPrint: only rect, line, polygon and text with
presentation attributes (``fill``, ``font-size``…), never a ``style`` attribute (the page's
CSP forbids inline styles) nor CSS that WeasyPrint's SVG lacks. Every user text is escaped;
labels too long for their column are wrapped to two lines and cut with «…», the full text stays
in the row's ``<title>`` (a tooltip in a browser) and in the programme's table. Accessible:
``role="img"`` named by its ``<title>`` and ``<desc>`` (a summary for screen readers; the page and
the PDF also print the activities as a table).
"""

from __future__ import annotations

import functools
import textwrap
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString

MESES = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]
MESES_LARGOS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
NACIONAL = "Nacional"
SIN_OBJETIVO = "Sin objetivo vinculado"

FUENTE = "Liberation Sans, DejaVu Sans, Arial, Helvetica, sans-serif"
TEXTO = "#111111"
SUAVE = "#555555"
REJILLA = "#c8d0d8"
FONDO_GRUPO = "#e4ebf2"
FONDO_PAR = "#f6f8fa"
BARRA = "#0f69b4"
BARRA_BORDE = "#0b3d6e"
HITO = "#d6283a"
HITO_BORDE = "#7a1020"
HOY = "#b00020"

MARGEN = 6
COLUMNA_REGION = 64
CABECERA = 40  # year line and month line
ALTO_GRUPO = 22
ALTO_FILA = 28  # room for two lines of label
PIE = 30  # today's label and the legend
TAMANO = 10  # font size of the labels
ANCHO_LETRA = 4.9  # average advance of a letter at TAMANO (Liberation Sans), for wrapping
FILAS_POR_PAGINA = 18  # rows of one landscape A4 page below the section heading
ANIOS_ANTES = 1  # the axis starts at most in January of the Ciclo's year − 1 …
ANIOS_DESPUES = 2  # … and ends at most in December of the Ciclo's year + 2
FLECHA = 7  # length of the arrow marking a row cut at the axis' edge


@dataclass(frozen=True)
class Fila:
    """One drawn row: a group heading (``actividad`` None) or an activity."""

    grupo: str
    actividad: dict | None = None
    region: str = ""
    cont: bool = False


@dataclass(frozen=True)
class Eje:
    inicio: date  # first day shown
    fin: date  # day after the last one shown
    anio: int

    @property
    def dias(self) -> int:
        return (self.fin - self.inicio).days


def _fecha(iso) -> date | None:
    if not iso:
        return None
    try:
        return date.fromisoformat(str(iso))
    except ValueError:
        return None


def _dmy(d: date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def _fechas(a: dict) -> tuple[date | None, date | None]:
    """(start, end) of an activity as drawn: a hito, or an actividad without inicio, is its
    plazo; an inverted range is drawn the right way round."""
    plazo = _fecha(a.get("plazo"))
    inicio = _fecha(a.get("inicio")) if a.get("tipo") != "hito" else None
    inicio = inicio or plazo
    if inicio and plazo and inicio > plazo:
        inicio, plazo = plazo, inicio
    return inicio, plazo


def anio_de(contenido: dict, hoy: date | None = None) -> int:
    """The year most plazos fall in (the Ciclo's, when the page does not say), else hoy's."""
    anios = Counter(
        d.year for a in contenido.get("actividades") or [] if (d := _fecha(a.get("plazo")))
    )
    if anios:
        return max(anios.items(), key=lambda x: (x[1], -x[0]))[0]
    return (hoy or date.today()).year


def _mes_siguiente(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def limites(anio: int) -> tuple[date, date]:
    """(first day, day after the last) the axis may show for the Ciclo's year ``anio``: from
    January of anio − ANIOS_ANTES to December of anio + ANIOS_DESPUES (inside what ``date``
    holds, whatever ``anio`` is)."""
    anio = min(max(int(anio), date.min.year + ANIOS_ANTES), date.max.year - ANIOS_DESPUES - 1)
    return date(anio - ANIOS_ANTES, 1, 1), date(anio + ANIOS_DESPUES + 1, 1, 1)


def eje(contenido: dict, anio: int) -> Eje:
    """The Ciclo's year, widened by whole months to every activity, within ``limites``."""
    minimo, maximo = limites(anio)
    base = minimo.year + ANIOS_ANTES  # anio, or the nearest year ``date`` can draw around
    inicio, fin = date(base, 1, 1), date(base + 1, 1, 1)
    for a in contenido.get("actividades") or []:
        for d in _fechas(a):
            if d is None:
                continue
            if d < inicio:
                inicio = max(minimo, date(d.year, d.month, 1))
            if d >= fin:
                fin = maximo if d >= maximo else _mes_siguiente(d)
    return Eje(inicio, fin, anio)


def _cortada(a: dict, e: Eje) -> bool:
    """Whether the activity goes beyond the axis (drawn cut at its edge)."""
    inicio, plazo = _fechas(a)
    return bool(inicio and plazo and (inicio < e.inicio or plazo >= e.fin))


def _meses(e: Eje) -> list[date]:
    meses, d = [], e.inicio
    while d < e.fin:
        meses.append(d)
        d = _mes_siguiente(d)
    return meses


def texto_region(codigo) -> str:
    return f"Región {codigo}" if codigo else NACIONAL


def filas(contenido: dict) -> list[Fila]:
    """Group headings and activities in drawing order (module doc)."""
    actividades = contenido.get("actividades") or []
    orden_region = {r["codigo"]: i for i, r in enumerate(contenido.get("regiones") or [])}
    objetivos = {o["numero"]: o for o in contenido.get("objetivos") or []}
    informacion = {o["numero"]: o for o in contenido.get("objetivos_informacion") or []}

    def grupo_de(a):
        if a.get("objetivo") is not None:
            return (0, a["objetivo"])
        if a.get("objetivo_informacion") is not None:
            return (1, a["objetivo_informacion"])
        return (2, 0)

    def titulo(clave):
        tipo, numero = clave
        if tipo == 0:
            o = objetivos.get(numero)
            base = f"Objetivo específico {numero}"
        elif tipo == 1:
            o = informacion.get(numero)
            base = f"Objetivo del sistema de información {numero}"
        else:
            return SIN_OBJETIVO
        descripcion = " ".join(((o or {}).get("descripcion") or "").split())
        return f"{base}. {descripcion}" if descripcion else base

    def region(a):
        codigo = a.get("region")
        return (codigo is not None, orden_region.get(codigo, len(orden_region)))

    por_grupo: dict = {}
    for posicion, a in enumerate(actividades):
        por_grupo.setdefault(grupo_de(a), []).append((region(a), posicion, a))
    resultado = []
    for clave in sorted(por_grupo):
        nombre = titulo(clave)
        resultado.append(Fila(nombre))
        for _, _, a in sorted(por_grupo[clave], key=lambda x: (x[0], x[1])):
            resultado.append(Fila(nombre, a, texto_region(a.get("region"))))
    return resultado


def paginas(lista: list[Fila], filas_por_pagina: int) -> list[list[Fila]]:
    """Cut into charts of at most ``filas_por_pagina`` rows: a group going on from the previous
    chart opens with its heading again, and a heading never ends a chart."""
    n = max(2, int(filas_por_pagina))
    trozos: list[list[Fila]] = []
    actual: list[Fila] = []
    for i, f in enumerate(lista):
        lleno = len(actual) >= n or (
            f.actividad is None and len(actual) >= n - 1 and i + 1 < len(lista)
        )
        if lleno:
            trozos.append(actual)
            actual = []
            if f.actividad is not None:
                actual.append(Fila(f.grupo, cont=True))
        actual.append(f)
    if actual:
        trozos.append(actual)
    return trozos


# --- Drawing ----------------------------------------------------------------------------------


def _n(valor: float) -> str:
    return f"{valor:.1f}".rstrip("0").rstrip(".")


def _texto(x, y, contenido, *, tamano=TAMANO, color=TEXTO, negrita=False, ancla="start") -> str:
    extra = ' font-weight="bold"' if negrita else ""
    if ancla != "start":
        extra += f' text-anchor="{ancla}"'
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FUENTE}" font-size="{tamano}" '
        f'fill="{color}"{extra}>{escape(contenido)}</text>'
    )


def _cortar(texto: str, ancho: float, lineas: int, tamano: float = TAMANO) -> list[str]:
    return list(_cortado(texto or "", ancho, lineas, tamano))


@functools.lru_cache(maxsize=4096)
def _cortado(texto: str, ancho: float, lineas: int, tamano: float) -> tuple[str, ...]:
    """``texto`` wrapped to ``lineas`` lines of the width (textwrap is the Gantt's costliest
    step, and a Plan's labels repeat from page to page: kept, pure, per text and width)."""
    letras = max(4, int(ancho / (ANCHO_LETRA * tamano / TAMANO)))
    partes = textwrap.wrap(" ".join((texto or "").split()), letras, break_long_words=True)
    if len(partes) > lineas:
        partes = partes[:lineas]
        ultima = partes[-1]
        partes[-1] = (ultima[: letras - 1].rstrip() if len(ultima) >= letras else ultima) + "…"
    return tuple(partes or [""])


def _resumen(contenido: dict, e: Eje, hoy: date | None, parte: str = "") -> str:
    actividades = contenido.get("actividades") or []
    hitos = sum(1 for a in actividades if a.get("tipo") == "hito")
    n = len(actividades) - hitos
    desde = f"{MESES_LARGOS[e.inicio.month - 1]} de {e.inicio.year}"
    ultimo = e.fin - timedelta(days=1)
    hasta = f"{MESES_LARGOS[ultimo.month - 1]} de {ultimo.year}"
    texto = (
        f"Programa de trabajo{parte}: {n} {'actividad' if n == 1 else 'actividades'} y "
        f"{hitos} {'hito' if hitos == 1 else 'hitos'}, agrupados por objetivo y región, en un "
        f"eje de {desde} a {hasta}."
    )
    cortadas = sum(1 for a in actividades if _cortada(a, e))
    if cortadas:
        texto += (
            f" {cortadas} {'fila excede' if cortadas == 1 else 'filas exceden'} el eje: "
            "se dibujan cortadas en su borde, con una flecha."
        )
    if hoy is not None and e.inicio <= hoy < e.fin:
        texto += f" Una línea vertical marca hoy, {_dmy(hoy)}."
    return texto


def _flecha(x: float, centro: float, hacia: int, color: str, borde: str) -> str:
    """A triangle with its tip at ``x`` pointing out of the axis (hacia −1: left, 1: right)."""
    base = x - hacia * FLECHA
    puntos = f"{_n(x)},{_n(centro)} {_n(base)},{_n(centro - 6)} {_n(base)},{_n(centro + 6)}"
    corte = "antes" if hacia < 0 else "despues"
    return (
        f'<polygon data-corte="{corte}" points="{puntos}" fill="{color}" stroke="{borde}" '
        'stroke-width="1"/>'
    )


def _dibujar(
    lista: list[Fila],
    e: Eje,
    *,
    ancho: int,
    hoy: date | None,
    ident: str,
    titulo: str,
    desc: str,
) -> SafeString:
    ancho = max(480, int(ancho))
    etiquetas = max(200, round(ancho * 0.34))
    x0 = MARGEN + etiquetas + 8  # where the timeline starts
    x1 = ancho - MARGEN
    escala = (x1 - x0) / max(1, e.dias)
    alto_filas = sum(ALTO_FILA if f.actividad else ALTO_GRUPO for f in lista)
    alto = CABECERA + alto_filas + PIE
    descripcion_x = MARGEN + COLUMNA_REGION
    ancho_descripcion = etiquetas - COLUMNA_REGION - 4

    def x(d: date) -> float:
        return x0 + (d - e.inicio).days * escala

    partes = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" '
        f'aria-labelledby="{ident}-titulo {ident}-desc" width="{ancho}" height="{alto}" '
        f'viewBox="0 0 {ancho} {alto}">',
        f'<title id="{ident}-titulo">{escape(titulo)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]
    # Header: column heads, years, months.
    partes.append(_texto(MARGEN, CABECERA - 8, "Región", negrita=True))
    partes.append(_texto(descripcion_x, CABECERA - 8, "Actividad o hito", negrita=True))
    meses = _meses(e)
    ancho_mes = (x1 - x0) / max(1, len(meses))
    por_anio: dict[int, list[date]] = {}
    for m in meses:
        por_anio.setdefault(m.year, []).append(m)
    for anio, lista_meses in por_anio.items():
        inicio = x(lista_meses[0])
        fin = min(x(date(anio + 1, 1, 1)), x1)
        partes.append(_texto((inicio + fin) / 2, 14, str(anio), negrita=True, ancla="middle"))
    for m in meses:
        etiqueta = MESES[m.month - 1] if ancho_mes >= 20 else MESES[m.month - 1][0].upper()
        medio = x(m) + ancho_mes / 2
        partes.append(_texto(medio, CABECERA - 8, etiqueta, tamano=9, ancla="middle"))
    fondo = CABECERA + alto_filas
    partes.append(
        f'<line x1="{MARGEN}" y1="{CABECERA}" x2="{x1}" y2="{CABECERA}" stroke="{SUAVE}" '
        'stroke-width="1"/>'
    )
    # Rows: even backgrounds under the month grid, everything else (group headings too) over it.
    fondos: list[str] = []
    frente: list[str] = []
    y = CABECERA
    par = False
    for f in lista:
        if f.actividad is None:
            frente.append(
                f'<rect x="{MARGEN}" y="{y}" width="{x1 - MARGEN}" height="{ALTO_GRUPO}" '
                f'fill="{FONDO_GRUPO}"/>'
            )
            texto = f"{f.grupo} (cont.)" if f.cont else f.grupo
            linea = _cortar(texto, x1 - MARGEN - 8, 1)[0]
            frente.append(_texto(MARGEN + 4, y + 15, linea, negrita=True))
            y += ALTO_GRUPO
            par = False
            continue
        a = f.actividad
        inicio, plazo = _fechas(a)
        hito = a.get("tipo") == "hito"
        descripcion = " ".join((a.get("descripcion") or "").split())
        if hito:
            cuando = _dmy(plazo) if plazo else "sin fecha"
        elif inicio and plazo:
            cuando = f"{_dmy(inicio)} a {_dmy(plazo)}"
        else:
            cuando = "sin fechas"
        completo = f"{'Hito' if hito else 'Actividad'} · {f.region} · {descripcion} · {cuando}"
        frente.append(
            f'<g data-actividad="{escape(a.get("id", ""))}"><title>{escape(completo)}</title>'
        )
        if par:
            fondos.append(
                f'<rect x="{MARGEN}" y="{y}" width="{x1 - MARGEN}" height="{ALTO_FILA}" '
                f'fill="{FONDO_PAR}"/>'
            )
        frente.append(_texto(MARGEN + 2, y + 17, f.region, color=SUAVE))
        lineas = _cortar(descripcion, ancho_descripcion, 2)
        arriba = y + (17 if len(lineas) == 1 else 12)
        for i, linea in enumerate(lineas):
            frente.append(_texto(descripcion_x, arriba + i * 11, linea))
        centro = y + ALTO_FILA / 2
        if hito and plazo and not e.inicio <= plazo < e.fin:
            # Outside the axis: an arrow at the edge it lies beyond, its date inside.
            hacia = -1 if plazo < e.inicio else 1
            borde_x = x0 if hacia < 0 else x1
            frente.append(_flecha(borde_x, centro, hacia, HITO, HITO_BORDE))
            ancla = "start" if hacia < 0 else "end"
            frente.append(
                _texto(
                    borde_x - hacia * (FLECHA + 3), centro + 3.5, _dmy(plazo), tamano=9, ancla=ancla
                )
            )
        elif hito and plazo:
            cx = x(plazo) + escala / 2
            r = 6
            puntos = " ".join(
                f"{_n(px)},{_n(py)}"
                for px, py in (
                    (cx, centro - r),
                    (cx + r, centro),
                    (cx, centro + r),
                    (cx - r, centro),
                )
            )
            frente.append(
                f'<polygon points="{puntos}" fill="{HITO}" stroke="{HITO_BORDE}" stroke-width="1"/>'
            )
            fecha = _dmy(plazo)
            if cx + r + 4 + len(fecha) * 5 <= x1:
                frente.append(_texto(cx + r + 3, centro + 3.5, fecha, tamano=9))
            else:
                frente.append(_texto(cx - r - 3, centro + 3.5, fecha, tamano=9, ancla="end"))
        elif inicio and plazo:
            # Cut at the axis' edges (never a date beyond it: it may not even have a next day).
            antes, despues = inicio < e.inicio, plazo >= e.fin
            desde = max(inicio, e.inicio)
            hasta = e.fin if despues else plazo + timedelta(days=1)
            if desde < hasta:
                bx = x(desde)
                bw = max(3.0, x(hasta) - bx)
                frente.append(
                    f'<rect x="{_n(bx)}" y="{_n(centro - 5)}" width="{_n(bw)}" height="10" '
                    f'rx="2" fill="{BARRA}" stroke="{BARRA_BORDE}" stroke-width="0.5"/>'
                )
            if antes:
                frente.append(_flecha(x0, centro, -1, BARRA_BORDE, BARRA_BORDE))
            if despues:
                frente.append(_flecha(x1, centro, 1, BARRA_BORDE, BARRA_BORDE))
        frente.append("</g>")
        y += ALTO_FILA
        par = not par
    partes.extend(fondos)
    for m in meses:
        xm = x(m)
        fuerte = m.month == 1
        partes.append(
            f'<line x1="{_n(xm)}" y1="{4 if fuerte else CABECERA - 20}" x2="{_n(xm)}" '
            f'y2="{fondo}" stroke="{SUAVE if fuerte else REJILLA}" stroke-width="'
            f'{"1" if fuerte else "0.6"}"/>'
        )
    partes.extend(frente)
    partes.append(
        f'<line x1="{_n(x1)}" y1="{CABECERA - 20}" x2="{_n(x1)}" y2="{fondo}" stroke="{REJILLA}" '
        'stroke-width="0.6"/>'
    )
    partes.append(
        f'<line x1="{MARGEN}" y1="{fondo}" x2="{x1}" y2="{fondo}" stroke="{SUAVE}" '
        'stroke-width="1"/>'
    )
    # Today's line, only inside the axis.
    leyenda_y = fondo + 20
    if hoy is not None and e.inicio <= hoy < e.fin:
        xh = x(hoy) + escala / 2
        partes.append(
            f'<line x1="{_n(xh)}" y1="{CABECERA}" x2="{_n(xh)}" y2="{fondo + 4}" stroke="{HOY}" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    # Legend.
    lx = MARGEN
    partes.append(
        f'<rect x="{lx}" y="{leyenda_y - 8}" width="18" height="8" rx="2" fill="{BARRA}" '
        f'stroke="{BARRA_BORDE}" stroke-width="0.5"/>'
    )
    partes.append(_texto(lx + 22, leyenda_y, "Actividad (de inicio a plazo)", tamano=9))
    lx += 170
    partes.append(
        f'<polygon points="{lx + 5},{leyenda_y - 9} {lx + 10},{leyenda_y - 4} {lx + 5},'
        f'{leyenda_y + 1} {lx},{leyenda_y - 4}" fill="{HITO}" stroke="{HITO_BORDE}" '
        'stroke-width="1"/>'
    )
    partes.append(_texto(lx + 14, leyenda_y, "Hito (con su fecha)", tamano=9))
    lx += 120
    if hoy is not None and e.inicio <= hoy < e.fin:
        partes.append(
            f'<line x1="{lx}" y1="{leyenda_y - 4}" x2="{lx + 18}" y2="{leyenda_y - 4}" '
            f'stroke="{HOY}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        partes.append(_texto(lx + 22, leyenda_y, f"Hoy, {_dmy(hoy)}", tamano=9, color=HOY))
        lx += 110
    if any(f.actividad is not None and _cortada(f.actividad, e) for f in lista):
        partes.append(_flecha(lx + FLECHA, leyenda_y - 4, 1, BARRA_BORDE, BARRA_BORDE))
        partes.append(_texto(lx + FLECHA + 4, leyenda_y, "Sigue fuera del eje", tamano=9))
    partes.append("</svg>")
    return SafeString("".join(partes))


def _vacio(ancho: int, ident: str, titulo: str) -> SafeString:
    ancho = max(480, int(ancho))
    mensaje = "El programa de trabajo no tiene actividades ni hitos."
    return SafeString(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" '
        f'aria-labelledby="{ident}-titulo {ident}-desc" width="{ancho}" height="40" '
        f'viewBox="0 0 {ancho} 40"><title id="{ident}-titulo">{escape(titulo)}</title>'
        f'<desc id="{ident}-desc">{escape(mensaje)}</desc>'
        f"{_texto(MARGEN, 24, mensaje, color=SUAVE)}</svg>"
    )


def _titulo(e: Eje) -> str:
    return f"Carta Gantt del programa de trabajo {e.anio}"


def svg(
    contenido: dict,
    *,
    hoy: date | None = None,
    ancho: int = 1000,
    anio: int | None = None,
    ident: str = "gantt",
) -> SafeString:
    """The work programme of this (canonical, possibly cut) content as one <svg> element.
    ``anio``: the Ciclo's year (else the year of most plazos); ``ident``: prefix of the ids of
    its title and description (unique in the page)."""
    e = eje(contenido, anio or anio_de(contenido, hoy))
    lista = filas(contenido)
    if not lista:
        return _vacio(ancho, ident, _titulo(e))
    return _dibujar(
        lista,
        e,
        ancho=ancho,
        hoy=hoy,
        ident=ident,
        titulo=_titulo(e),
        desc=_resumen(contenido, e, hoy),
    )


def svgs(
    contenido: dict,
    *,
    filas_por_pagina: int = FILAS_POR_PAGINA,
    hoy: date | None = None,
    ancho: int = 1000,
    anio: int | None = None,
    ident: str = "gantt",
) -> list[SafeString]:
    """The chart cut into page-sized <svg>s (same axis on all; headings repeated)."""
    e = eje(contenido, anio or anio_de(contenido, hoy))
    lista = filas(contenido)
    if not lista:
        return [_vacio(ancho, f"{ident}-1", _titulo(e))]
    trozos = paginas(lista, filas_por_pagina)
    total = len(trozos)
    resultado = []
    for i, trozo in enumerate(trozos, start=1):
        parte = f" (parte {i} de {total})" if total > 1 else ""
        resultado.append(
            _dibujar(
                trozo,
                e,
                ancho=ancho,
                hoy=hoy,
                ident=f"{ident}-{i}",
                titulo=f"{_titulo(e)}{parte}",
                desc=_resumen(contenido, e, hoy, parte),
            )
        )
    return resultado
