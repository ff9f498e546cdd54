"""Charts drawn on the server as accessible SVG (no JavaScript library, no CSS).

Each chart is one ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``
(a sentence with every number, for screen readers); the page also prints the same numbers as a
table («Ver datos», ``templates/pmggt/_grafico.html``). Series are told apart by a pattern as
well as a colour (``Serie.patron``), the legend names them, and every number is written as text
(dark on a white chip: readable on any fill, AA contrast) where it fits; each segment also
carries its number in ``data-valor`` and in a ``<title>`` (a tooltip). Only rect, line, path,
pattern and text with presentation attributes are used: never a ``style`` attribute (the
page's CSP forbids inline styles). Every text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FUENTE = "Liberation Sans, DejaVu Sans, Arial, Helvetica, sans-serif"
TEXTO = "#111111"
SUAVE = "#4d4d4d"
REJILLA = "#c8d0d8"
ANCHO = 760
ANCHO_LETRA = 6.6  # average advance of a 12 px letter, for the legend's layout


@dataclass(frozen=True)
class Serie:
    clave: str
    etiqueta: str
    relleno: str  # base colour
    patron: str = "solido"  # solido | diagonal | puntos | horizontal | cuadricula | vacio
    trazo: str = "#ffffff"  # the pattern's lines


def _patron(id_: str, serie: Serie) -> str:
    base = f'<rect width="8" height="8" fill="{serie.relleno}"/>'
    lineas = {
        "solido": "",
        "diagonal": f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{serie.trazo}" '
        'stroke-width="1.6"/>',
        "puntos": f'<circle cx="4" cy="4" r="1.6" fill="{serie.trazo}"/>',
        "horizontal": f'<path d="M0,4 h8" stroke="{serie.trazo}" stroke-width="1.6"/>',
        "cuadricula": f'<path d="M0,4 h8 M4,0 v8" stroke="{serie.trazo}" stroke-width="1"/>',
        "vacio": "",
    }[serie.patron]
    return (
        f'<pattern id="{id_}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f"{base}{lineas}</pattern>"
    )


def _defs(prefijo: str, series) -> str:
    return "<defs>" + "".join(_patron(f"{prefijo}-{s.clave}", s) for s in series) + "</defs>"


def _relleno(prefijo: str, serie: Serie) -> str:
    return f"url(#{prefijo}-{serie.clave})"


def _borde(serie: Serie) -> str:
    if serie.patron == "vacio":
        return 'stroke="#333333" stroke-width="1" stroke-dasharray="3 2"'
    return 'stroke="#1a1a1a" stroke-width="0.6"'


def _texto(x, y, contenido, *, ancla="start", tamano=12, negrita=False, halo=False) -> str:
    extra = ' font-weight="bold"' if negrita else ""
    if halo:
        extra += ' stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FUENTE}" font-size="{tamano}" '
        f'fill="{TEXTO}" text-anchor="{ancla}"{extra}>{escape(contenido)}</text>'
    )


def _leyenda(prefijo: str, series, y: float) -> tuple[str, float]:
    """The legend in rows that fit ``ANCHO``: its markup and its height."""
    partes, x, fila = [], 0.0, 0
    for serie in series:
        ancho = 22 + len(serie.etiqueta) * ANCHO_LETRA + 18
        if x and x + ancho > ANCHO:
            x, fila = 0.0, fila + 1
        yy = y + fila * 22
        partes.append(
            f'<rect x="{x:.1f}" y="{yy:.1f}" width="14" height="14" '
            f'fill="{_relleno(prefijo, serie)}" {_borde(serie)}/>'
            + _texto(x + 20, yy + 11.5, serie.etiqueta)
        )
        x += ancho
    return "".join(partes), (fila + 1) * 22


def _svg(prefijo: str, titulo: str, descripcion: str, alto: float, cuerpo: str) -> SafeString:
    return mark_safe(  # every text escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="grafico" '
        f'width="100%" viewBox="0 0 {ANCHO} {alto:.0f}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{prefijo}-titulo {prefijo}-desc">'
        f'<title id="{prefijo}-titulo">{escape(titulo)}</title>'
        f'<desc id="{prefijo}-desc">{escape(descripcion)}</desc>{cuerpo}</svg>'
    )


def barras_apiladas(
    *,
    prefijo: str,
    titulo: str,
    descripcion: str,
    categorias: list[tuple[str, dict[str, int]]],
    series: list[Serie],
) -> SafeString:
    """One horizontal bar per category (its label above it), split by series: each segment's
    length is its share of the category's total; the total is written at the bar's end."""
    alto_etiqueta, alto_barra, separacion = 18, 26, 14
    largo = ANCHO - 70
    partes = [_defs(prefijo, series)]
    y = 4.0
    for etiqueta, valores in categorias:
        total = sum(valores.get(s.clave, 0) for s in series)
        partes.append(_texto(0, y + 13, etiqueta, negrita=True))
        yb = y + alto_etiqueta
        partes.append(
            f'<rect x="0" y="{yb:.1f}" width="{largo}" height="{alto_barra}" fill="#ffffff" '
            f'stroke="{REJILLA}" stroke-width="1"/>'
        )
        x = 0.0
        for serie in series:
            n = valores.get(serie.clave, 0)
            if not n:
                continue
            ancho = largo * n / total
            partes.append(
                f'<g data-serie="{escape(serie.clave)}" data-valor="{int(n)}">'
                f"<title>{escape(etiqueta)}: {escape(serie.etiqueta)}, {int(n)}</title>"
                f'<rect x="{x:.1f}" y="{yb:.1f}" width="{ancho:.1f}" height="{alto_barra}" '
                f'fill="{_relleno(prefijo, serie)}" {_borde(serie)}/>'
            )
            if ancho >= 30:
                # The number on a white chip: readable on any fill or pattern.
                chip = 8 + 7 * len(str(int(n)))
                partes.append(
                    f'<rect x="{x + ancho / 2 - chip / 2:.1f}" y="{yb + 5:.1f}" '
                    f'width="{chip}" height="16" rx="3" fill="#ffffff" stroke="#1a1a1a" '
                    'stroke-width="0.6"/>'
                    + _texto(x + ancho / 2, yb + 17.5, str(int(n)), ancla="middle")
                )
            partes.append("</g>")
            x += ancho
        partes.append(_texto(largo + 8, yb + 17.5, f"{int(total)}", negrita=True))
        y = yb + alto_barra + separacion
    leyenda, alto_leyenda = _leyenda(prefijo, series, y + 2)
    partes.append(leyenda)
    return _svg(prefijo, titulo, descripcion, y + 2 + alto_leyenda, "".join(partes))


def barras(
    *,
    prefijo: str,
    titulo: str,
    descripcion: str,
    datos: list[tuple[Serie, int]],
) -> SafeString:
    """One horizontal bar per item (its label on the left, its number at its end), the
    longest the largest number, with a pattern per item as the legend would give it."""
    columna, alto_barra, separacion = 200, 24, 10
    largo = ANCHO - columna - 60
    maximo = max((n for _s, n in datos), default=0) or 1
    partes = [_defs(prefijo, [s for s, _n in datos])]
    y = 4.0
    for serie, n in datos:
        ancho = largo * n / maximo
        partes.append(_texto(columna - 8, y + 16.5, serie.etiqueta, ancla="end"))
        partes.append(
            f'<g data-serie="{escape(serie.clave)}" data-valor="{int(n)}">'
            f"<title>{escape(serie.etiqueta)}: {int(n)}</title>"
        )
        if n:
            partes.append(
                f'<rect x="{columna}" y="{y:.1f}" width="{max(ancho, 2):.1f}" '
                f'height="{alto_barra}" fill="{_relleno(prefijo, serie)}" {_borde(serie)}/>'
            )
        partes.append(_texto(columna + max(ancho, 0) + 6, y + 16.5, str(int(n)), negrita=True))
        partes.append("</g>")
        y += alto_barra + separacion
    partes.append(
        f'<line x1="{columna}" y1="0" x2="{columna}" y2="{y:.1f}" stroke="{SUAVE}" '
        'stroke-width="1"/>'
    )
    return _svg(prefijo, titulo, descripcion, y + 4, "".join(partes))
