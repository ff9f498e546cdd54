"""Page plan of the printed Cuadros I N°1 and N°2: where a long row is cut so that no page is
left mostly empty, and which printed rows start a page.

WeasyPrint either keeps a table row whole or splits it anywhere, and it never repeats a cell on
the next page. The printed forms do what Word does: a row longer than what is left of a page
goes on over the next one, and there the product cell is repeated, marked «(cont.)». So rows are
cut here, before rendering. Each region's section is laid out on paper by estimate — text widths
from the metrics of Liberation Sans (the font of the PDFs), Spanish hyphenation with Pyphen as
WeasyPrint does it, and the box sizes of static/pmggt/informe.css and static/diagnostico/
informe.css (``Medidas``: keep both in step) — and a row that does not fit in what is left of a
page (when that is more than ``UMBRAL`` of it) is cut between paragraphs, lines or list items (a
paragraph longer than the space, between words) into printed rows, the *trozos*. Each trozo is
kept whole on its page (``break-inside: avoid``); a continuation starts a new page
(``break-before: page``) and repeats the product cell with «(cont.)». A row whose product cell
is blank because it continues the previous row's product does the same when it starts a page.
The notes under a cuadro are the table's last row, never printed apart from its end
(``break-before: avoid``): the plan keeps room for them.

The estimates err on the tall side (a trozo taller than its room would move whole to the next
page and leave a gap) and ``MARGEN`` is left free at the foot of a page that ends in a cut; the
tests measure real renders (tests/diagnostico/test_impresion_fiel.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pmggt.texto import Bloque

PT_POR_MM = 72 / 25.4


def _tabla(texto: str) -> list[int]:
    return [int(x) for x in texto.split()]


# Advance widths (thousandths of an em) of Liberation Sans Regular and Bold (metric-compatible
# with Arial) for U+0020…U+017F; 0: no glyph. Italic has the regular widths.
_REGULAR = _tabla(
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 "
    "556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 "
    "722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 "
    "556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 "
    "260 334 584 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 278 333 556 "
    "556 556 556 260 556 333 737 370 556 584 333 737 552 400 549 333 333 333 576 537 278 333 333 "
    "365 556 834 834 834 611 667 667 667 667 667 667 1000 722 667 667 667 667 278 278 278 278 722 "
    "722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 556 556 556 556 556 556 889 500 "
    "556 556 556 556 278 278 278 278 556 556 556 556 556 556 556 549 611 556 556 556 556 500 556 "
    "500 667 556 667 556 667 556 722 500 722 500 722 500 722 500 722 615 722 556 667 556 667 556 "
    "667 556 667 556 667 556 778 556 778 556 778 556 778 556 722 556 722 556 278 278 278 278 278 "
    "278 278 222 278 278 735 444 500 222 667 500 500 556 222 556 222 556 292 556 334 556 222 722 "
    "556 722 556 722 556 604 723 556 778 556 778 556 778 556 1000 944 722 333 722 333 722 333 667 "
    "500 667 500 667 500 667 500 611 278 611 375 611 278 722 556 722 556 722 556 722 556 722 556 "
    "722 556 944 722 667 500 667 611 500 611 500 611 500 222 "
)
_NEGRITA = _tabla(
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 "
    "556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 "
    "722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 "
    "556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 "
    "280 389 584 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 278 333 556 "
    "556 556 556 280 556 333 737 370 556 584 333 737 552 400 549 333 333 333 576 556 278 333 333 "
    "365 556 834 834 834 611 722 722 722 722 722 722 1000 722 667 667 667 667 278 278 278 278 722 "
    "722 778 778 778 778 778 584 778 722 722 722 722 667 667 611 556 556 556 556 556 556 889 556 "
    "556 556 556 556 278 278 278 278 611 611 611 611 611 611 611 549 611 611 611 611 611 556 611 "
    "556 722 556 722 556 722 556 722 556 722 556 722 556 722 556 722 719 722 611 667 556 667 556 "
    "667 556 667 556 667 556 778 611 778 611 778 611 778 611 722 611 722 611 278 278 278 278 278 "
    "278 278 278 278 278 785 556 556 278 722 556 556 611 278 611 278 611 385 611 479 611 278 722 "
    "611 722 611 722 611 708 723 611 778 611 778 611 778 611 1000 944 722 389 722 389 722 389 667 "
    "556 667 556 667 556 667 556 611 333 611 479 611 333 722 611 722 611 722 611 722 611 722 611 "
    "722 611 944 778 667 556 667 611 500 611 500 611 500 278 "
)
_EXTRA_REGULAR = {
    0x2010: 333, 0x2013: 556, 0x2014: 1000, 0x2018: 222, 0x2019: 222, 0x201C: 333, 0x201D: 333,
    0x2022: 350, 0x2026: 1000, 0x20AC: 556,
}  # fmt: skip
_EXTRA_NEGRITA = {
    0x2010: 333, 0x2013: 556, 0x2014: 1000, 0x2018: 278, 0x2019: 278, 0x201C: 500, 0x201D: 500,
    0x2022: 350, 0x2026: 1000, 0x20AC: 556,
}  # fmt: skip
# A character outside the tables is drawn from a fallback font: count it as an em (too wide).
_DESCONOCIDO = 1000
GUION = 333  # U+2010, WeasyPrint's hyphenate-character

# ---------------------------------------------------------------------------------------------
# The boxes of the cuadros (pt), as static/pmggt/informe.css and static/diagnostico/informe.css
# draw them: keep both in step (the tests compare this plan with real renders).

ANCHO = (297 - 2 * 15) * PT_POR_MM  # @page cuadro: A4 landscape, margins 2cm 1.5cm 1.6cm 1.5cm
ALTO = (210 - 20 - 16) * PT_POR_MM
TAMANO = 8.5  # table text
LINEA = TAMANO * 1.25  # table line-height
RELLENO_V, RELLENO_H, BORDE = 3.0, 4.0, 0.6  # th, td padding and rules (border-collapse)
MARGEN_P, MARGEN_LI, MARGEN_UL, SANGRIA_UL = 4.0, 2.0, 4.0, 11.0
MARGEN_PRODUCTO = 2.0  # td.productos p
MARGEN_CAUSAL = 3.0  # p.causal
SANGRIA_NIVEL = {1: 0.0, 2: 6.0, 3: 12.0, 4: 12.0}  # td.productos .nivel-N
COLUMNAS_CUADRO1 = (19, 23, 20, 20, 18)  # % (col.productos … col.objetivo)
COLUMNAS_CUADRO2 = (22, 27, 27, 24)
TAMANO_TITULO = 9.5  # tr.titulo-cuadro th
RELLENO_TITULO = 4.0  # its padding-bottom
TAMANO_NOTAS = 7.5  # td.notas
LINEA_NOTAS = TAMANO_NOTAS * 1.25
MARGEN_NOTAS, RELLENO_NOTAS = 2.0, 4.0  # .notas p margin-bottom, td.notas padding-top
MARGEN_TABLA = 6.0  # table margin-bottom
SEPARACION_CUADROS = 10.0  # table.cuadro1 + table.cuadro2 margin-top

# The plan
UMBRAL = 0.3  # a row that does not fit is cut only if more than this share of the page is left
MARGEN = 1.5 * LINEA  # room left free at the foot of a page that ends in a cut
MIN_LINEAS = 3  # a cut leaves at least this many lines in the tallest cell of its first trozo
CONT = "(cont.)"


@lru_cache(maxsize=200_000)
def ancho(texto: str, negrita: bool = False) -> int:
    """Advance width of the text in thousandths of an em."""
    tabla, extra = (_NEGRITA, _EXTRA_NEGRITA) if negrita else (_REGULAR, _EXTRA_REGULAR)
    total = 0
    for caracter in texto:
        codigo = ord(caracter)
        valor = tabla[codigo - 32] if 32 <= codigo < 384 else extra.get(codigo, 0)
        total += valor or _DESCONOCIDO
    return total


_diccionario = None
_PALABRA = re.compile(r"^(\W*)(\w+)", re.S)
MIN_GUIONABLE = 5  # WeasyPrint's hyphenate-limit-chars "auto": 5 letters, 2 before, 2 after


def _guiones():
    global _diccionario
    if _diccionario is None:
        import pyphen  # WeasyPrint's own hyphenation dictionaries

        _diccionario = pyphen.Pyphen(lang="es", left=2, right=2)
    return _diccionario


@lru_cache(maxsize=50_000)
def _posiciones(nucleo: str) -> tuple[int, ...]:
    return tuple(_guiones().positions(nucleo))


def _corte(palabra: str, disponible: float, negrita: bool) -> int | None:
    """Where the word is hyphenated to fit ``disponible`` with its hyphen, as WeasyPrint does:
    the longest first part that fits (None: it cannot be)."""
    m = _PALABRA.match(palabra)
    if not m or len(m.group(2)) < MIN_GUIONABLE:
        return None
    previo, nucleo = m.group(1), m.group(2)
    for posicion in reversed(_posiciones(nucleo)):
        if ancho(previo + nucleo[:posicion], negrita) + GUION <= disponible:
            return len(previo) + posicion
    return None


@lru_cache(maxsize=100_000)
def lineas(
    texto: str, ancho_pt: float, tamano: float = TAMANO, negrita: bool = False, guiones=True
) -> int:
    """How many lines the text takes in a box this wide ("\\n": a forced line break)."""
    limite = ancho_pt * 1000 / tamano
    espacio = ancho(" ", negrita)
    total = 0
    for renglon in texto.split("\n"):
        n, usado = 1, 0.0
        for palabra in renglon.split():
            while True:
                w = ancho(palabra, negrita)
                inicio = usado + espacio if usado else 0.0
                if inicio + w <= limite:
                    usado = inicio + w
                    break
                corte = _corte(palabra, limite - inicio, negrita) if guiones else None
                if corte:
                    palabra = palabra[corte:]
                    n, usado = n + 1, 0.0
                elif not usado:
                    usado = w  # longer than a line and no place to hyphenate: it overflows
                    break
                else:
                    n, usado = n + 1, 0.0
        total += n
    return total


def alto_bloques(
    bloques: list[Bloque], ancho_pt: float, margen_p=MARGEN_P, margen_ultimo=0.0, guiones=True
) -> float:
    """Height of paragraphs and lists in a cell this wide (its text box): ``margen_p`` under
    each paragraph but the last, which keeps ``margen_ultimo``; margins collapse as in CSS."""
    alto = pendiente = final = 0.0
    for b in bloques:
        alto += pendiente
        if b.tipo == "ul":
            items = [lineas(i, ancho_pt - SANGRIA_UL, guiones=guiones) * LINEA for i in b.items]
            alto += sum(items) + MARGEN_LI * (len(items) - 1)
            pendiente, final = max(MARGEN_UL, MARGEN_LI), MARGEN_LI
        else:
            alto += lineas(b.texto, ancho_pt, guiones=guiones) * LINEA
            pendiente, final = margen_p, margen_ultimo
    return alto + final


def alto_lineas(partes: list[tuple[str, bool, float]], ancho_pt: float) -> float:
    """Height of the product cell's own lines: (text, bold, indent), each a paragraph with
    ``MARGEN_PRODUCTO`` under it, not hyphenated (hyphens: manual)."""
    return sum(
        lineas(texto, ancho_pt - sangria, negrita=negrita, guiones=False) * LINEA + MARGEN_PRODUCTO
        for texto, negrita, sangria in partes
    )


def ancho_texto(porcentaje: float) -> float:
    """Width of the text box of a cell in a column of this share of the table."""
    return ANCHO * porcentaje / 100 - 2 * RELLENO_H - BORDE


# ---------------------------------------------------------------------------------------------
# Rows cut into trozos


@dataclass(frozen=True)
class Pieza:
    """What a row can be cut between: one line of a paragraph or one list item."""

    tipo: str  # "p" | "li"
    texto: str
    bloque: int  # the block it comes from: pieces of one block print as one block again
    union: str = "\n"  # how it joins the previous piece of its block


def piezas(bloques: list[Bloque]) -> list[Pieza]:
    resultado = []
    for i, b in enumerate(bloques):
        if b.tipo == "ul":
            resultado += [Pieza("li", item, i) for item in b.items]
        else:
            resultado += [Pieza("p", linea, i) for linea in b.texto.split("\n")]
    return resultado


def a_bloques(partes: list[Pieza]) -> list[Bloque]:
    """The pieces as blocks again. A list whose first item is the rest of an item cut on the
    previous trozo is marked ``sigue`` (the template draws that item without its bullet)."""
    resultado: list[Bloque] = []
    anterior = None
    for p in partes:
        if anterior is not None and (p.bloque, p.tipo) == (anterior.bloque, anterior.tipo):
            if p.tipo == "li":
                resultado[-1].items.append(p.texto)
            else:
                resultado[-1].texto += p.union + p.texto
        else:
            bloque = Bloque("ul", items=[p.texto]) if p.tipo == "li" else Bloque("p", p.texto)
            bloque.sigue = p.union == " "
            resultado.append(bloque)
        anterior = p
    return resultado


@dataclass
class Celda:
    """A cell the plan may cut: its pieces, its text width and what prints above them."""

    partes: list[Pieza]
    ancho: float
    encabezado: str = ""  # the causal heading, bold, on the row's first trozo only
    margen_p: float = MARGEN_P
    margen_ultimo: float = 0.0

    def alto(self, partes: list[Pieza], primero: bool) -> float:
        alto = alto_bloques(a_bloques(partes), self.ancho, self.margen_p, self.margen_ultimo)
        if primero and self.encabezado:
            encabezado = lineas(self.encabezado, self.ancho, negrita=True, guiones=False) * LINEA
            alto += encabezado + (MARGEN_CAUSAL if partes else 0.0)
        return alto


@dataclass
class FilaPlan:
    """One row of a cuadro as the plan sees it."""

    celdas: list[Celda]
    producto: float  # height of the first cell's text (products, or Información) on its first trozo
    producto_cont: float  # … on a continuation: «(cont.)» and the same text
    continua: bool = False  # its first cell is blank: it goes on with the previous row's product


@dataclass
class Trozo:
    """One printed row: the ``numero``-th piece of row ``fila``."""

    fila: int
    numero: int
    partes: list[list[Pieza]]  # per cutable cell
    cont: bool = False  # prints «(cont.)» and the product cell
    salto: bool = False  # starts a page (break-before: page)
    larga: bool = False  # taller than a page and not cut here: WeasyPrint splits it
    # Where the plan put it (the tests compare the plan with real renders).
    pagina: int = 1  # of the region's section
    arriba: float = 0.0
    alto: float = 0.0

    @property
    def bloques(self) -> list[list[Bloque]]:
        return [a_bloques(p) for p in self.partes]


def _producto(fila: FilaPlan, cont: bool) -> float:
    """Height of the first cell's text on a trozo: repeated with «(cont.)», blank, or its own."""
    if cont:
        return fila.producto_cont
    return 0.0 if fila.continua else fila.producto


def _alto_fila(fila: FilaPlan, partes, primero: bool, cont: bool) -> float:
    producto = _producto(fila, cont)
    textos = [c.alto(p, primero) for c, p in zip(fila.celdas, partes, strict=True)]
    return max([producto, *textos]) + 2 * RELLENO_V + BORDE


def _partir(pieza: Pieza, cabe) -> tuple[Pieza, Pieza] | None:
    """The longest first part of a piece, cut between words (at a sentence's end if that keeps
    most of it), that ``cabe``."""
    palabras = pieza.texto.split(" ")
    bajo, alto = 0, len(palabras) - 1  # words that fit: at least bajo, fewer than alto + 1
    while bajo < alto:
        medio = (bajo + alto + 1) // 2
        if cabe(Pieza(pieza.tipo, " ".join(palabras[:medio]), pieza.bloque, pieza.union)):
            bajo = medio
        else:
            alto = medio - 1
    if bajo == 0:
        return None
    for k in range(bajo, max(0, (bajo * 2) // 3), -1):
        if palabras[k - 1].endswith((".", ";", ":")):
            bajo = k
            break
    return (
        Pieza(pieza.tipo, " ".join(palabras[:bajo]), pieza.bloque, pieza.union),
        Pieza(pieza.tipo, " ".join(palabras[bajo:]), pieza.bloque, " "),
    )


def _cortar_celda(celda: Celda, partes: list[Pieza], primero: bool, capacidad: float):
    """The pieces of this cell that fit in ``capacidad`` and the rest."""
    antes: list[Pieza] = []
    for i, pieza in enumerate(partes):
        if celda.alto([*antes, pieza], primero) <= capacidad:
            antes.append(pieza)
            continue
        # Cut inside the piece only when leaving it whole would waste lines of this cell.
        if capacidad - celda.alto(antes, primero) >= MIN_LINEAS * LINEA:
            mitades = _partir(pieza, lambda q: celda.alto([*antes, q], primero) <= capacidad)
            if mitades:
                return [*antes, mitades[0]], [mitades[1], *partes[i + 1 :]]
        return antes, partes[i:]
    return antes, []


def _cortar(fila: FilaPlan, partes, primero: bool, cont: bool, capacidad: float):
    """(first trozo's pieces, the rest's) for this room (a row's height), or None when no
    useful cut fits."""
    interior = capacidad - 2 * RELLENO_V - BORDE
    producto = _producto(fila, cont)
    if producto > interior:
        return None
    cortes = [
        _cortar_celda(c, p, primero, interior) for c, p in zip(fila.celdas, partes, strict=True)
    ]
    antes = [a for a, _ in cortes]
    despues = [d for _, d in cortes]
    if not any(despues):
        return None
    lleno = max(c.alto(a, primero) for c, a in zip(fila.celdas, antes, strict=True))
    if lleno < MIN_LINEAS * LINEA:
        return None
    return antes, despues


class Pliego:
    """A cursor down the pages of one region's section: where the next thing is drawn."""

    def __init__(self, y: float = 0.0):
        self.y = y
        self.paginas = 1
        self.nueva = False  # a page break inside the current table just happened

    def _pagina(self, cabecera: float = 0.0) -> None:
        self.paginas += 1
        self.y = cabecera
        self.nueva = True

    def _trozo(self, fila, numero, partes, cont, salto, alto, larga=False) -> Trozo:
        return Trozo(fila, numero, partes, cont, salto, larga, self.paginas, self.y, alto)

    def bloque(self, alto: float) -> None:
        """Something kept whole (break-inside: avoid), e.g. the «no pertinente» box."""
        if self.y + alto > ALTO and self.y > 0:
            self._pagina()
        self.y += alto

    def tabla(
        self, cabecera: float, filas: list[FilaPlan], pie: float, margen: float = 0.0
    ) -> list[Trozo]:
        """Lay a table out from here: its header (repeated on every page), its rows cut where
        needed and ``pie`` (the notes) kept with its last row. ``margen``: the table's
        margin-top, collapsed with the previous table's margin-bottom and kept when the table
        moves to a new page. Returns the printed rows."""
        trozos: list[Trozo] = []
        if filas:
            primero = _alto_fila(filas[0], [c.partes for c in filas[0].celdas], True, False)
        else:  # the template prints one «Sin filas registradas» row
            primero = LINEA + 2 * RELLENO_V + BORDE
        minimo = min(primero, MIN_LINEAS * LINEA + 2 * RELLENO_V)
        separacion = max(0.0, margen - MARGEN_TABLA) if self.y > 0 else margen
        if self.y > 0 and self.y + separacion + cabecera + minimo > ALTO:
            self._pagina()  # not even the header and a first trozo fit: the table moves on
            separacion = margen
        self.y += separacion + cabecera
        self.nueva = False
        if not filas:
            self.bloque(primero + pie)
            self.y += MARGEN_TABLA
            return trozos
        for i, fila in enumerate(filas):
            pie_aqui = pie if i == len(filas) - 1 else 0.0
            partes = [c.partes for c in fila.celdas]
            numero = 0
            while True:
                inicio = self.nueva
                cont = numero > 0 or (fila.continua and inicio)
                alto = _alto_fila(fila, partes, numero == 0, cont)
                if self.y + alto + pie_aqui <= ALTO:
                    trozos.append(self._trozo(i, numero, partes, cont, cont and inicio, alto))
                    self.y += alto
                    self.nueva = False
                    break
                resto = ALTO - self.y
                if inicio or resto >= UMBRAL * ALTO:
                    capacidad = resto - MARGEN
                    if alto <= capacidad:  # only the notes do not fit: they take some along
                        capacidad = alto - MIN_LINEAS * LINEA
                    corte = _cortar(fila, partes, numero == 0, cont, capacidad)
                    if corte:
                        antes, partes = corte
                        alto = _alto_fila(fila, antes, numero == 0, cont)
                        trozos.append(self._trozo(i, numero, antes, cont, cont and inicio, alto))
                        self._pagina(cabecera)
                        numero += 1
                        continue
                if inicio:  # taller than a page and it cannot be cut: WeasyPrint splits it
                    trozos.append(self._trozo(i, numero, partes, cont, cont, alto, larga=True))
                    self.y = (self.y + alto) % ALTO
                    self.nueva = False
                    break
                # The row moves whole to the next page; a table with no row here yet moves
                # with it, keeping its margin-top.
                self._pagina(cabecera + (margen if not trozos else 0.0))
        self.y += pie + MARGEN_TABLA
        self.nueva = False
        return trozos


# ---------------------------------------------------------------------------------------------
# Heights of what a section prints around its tables


def alto_cabecera(titulo: str, columnas: list[str], porcentajes) -> float:
    """The table's header, repeated on every page: the cuadro's title and its column heads."""
    titulo_alto = lineas(titulo, ANCHO, TAMANO_TITULO, negrita=True, guiones=False)
    cabezas = max(
        lineas(c, ancho_texto(p), negrita=True, guiones=False)
        for c, p in zip(columnas, porcentajes, strict=True)
    )
    return (
        titulo_alto * TAMANO_TITULO * 1.25
        + RELLENO_TITULO
        + cabezas * LINEA
        + 2 * RELLENO_V
        + 1.5 * BORDE  # the heads' rules and half the title's
    )


def alto_notas(notas: list[str]) -> float:
    if not notas:
        return 0.0
    lineas_notas = sum(lineas(n, ANCHO, TAMANO_NOTAS) for n in notas)
    # The last note has no margin-bottom (td p:last-child); half the rule above is the cell's.
    return RELLENO_NOTAS + lineas_notas * LINEA_NOTAS + MARGEN_NOTAS * (len(notas) - 1) + BORDE / 2


# What a section prints above its first table (pt): the report's title on its first page
# (.titulo-informe: h1 15 pt, the subtitle 10 pt, line-height 1.3), the chapter's heading in the
# Informe Etapa I (h2 12 pt) and each region's heading (.cabecera-region: 10.5 pt and 9 pt).
TITULOS_INFORME = {
    "cuadro1": "Cuadro sinóptico para validación del diagnóstico – Cuadro I N°1",
    "cuadro2": "Cuadro sinóptico para validación del diagnóstico – Cuadro I N°2",
}
CAPITULO_CUADROS = "V Cuadros sinópticos del diagnóstico, región por región"
SUBTITULO_REGION = "Cuadro sinóptico que actualiza el diagnóstico GT · Informe de la Etapa I"


def alto_inicio(disposicion: str, primera: bool, nombre: str, centro: str, datos: dict) -> float:
    """Where a region's first table starts on its first page."""
    region = lineas(" · ".join(x for x in (nombre.upper(), centro) if x), ANCHO, 10.5, True, False)
    region += lineas(SUBTITULO_REGION, ANCHO, 9, False, False)
    # Its margin-top (4pt) is kept at the top of a page; below a heading it collapses into
    # that heading's margin-bottom.
    alto = region * 10.5 * 1.3 + 8
    if not primera:
        return alto + 4
    if disposicion == "etapa1":
        return alto + lineas(CAPITULO_CUADROS, ANCHO, 12, True, False) * 12 * 1.3 + 14 + 6
    servicio = datos["servicio"]
    subtitulo = (
        f"{servicio['nombre']} ({servicio['sigla']}) · PMG de Gestión Territorial "
        f"{datos['anio']} · {datos['etapa']} · {datos['estado_texto']}"
    )
    titulo = TITULOS_INFORME.get(disposicion, "")
    return (
        alto
        + lineas(titulo, ANCHO, 15, True, False) * 15 * 1.3
        + 8
        + lineas(subtitulo, ANCHO, 10, False, False) * 10 * 1.3
        + 10
    )
