"""Measuring real renders of the cuadros: where each printed row sits on its page.

WeasyPrint renders the report's HTML here, in the test process (the production render runs in
a child process and returns only bytes), so the layout boxes can be read: each ``tr.fila`` with
its ``data-fila``/``data-trozo``, its page and its position; and how far down each page its
content reaches. Lengths in pt (WeasyPrint's boxes are in CSS px: 0.75 pt each).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pmggt.informes import pdf as informes_pdf

PT = 0.75  # pt per CSS px


@dataclass
class Fila:
    pagina: int  # 0-based
    fila: str
    trozo: int
    clases: tuple[str, ...]
    tabla: str  # "cuadro1" | "cuadro2"
    arriba: float  # pt from the top of the page's content area
    alto: float
    texto: str  # the row's text (for "(cont.)" and product cells)
    primera: bool = False  # the first body row on its page


@dataclass
class Pagina:
    numero: int
    alto: float  # of the content area
    fondo: float  # how far down the content reaches (pt from the top of the content area)
    filas: list[Fila] = field(default_factory=list)
    notas: set[str] = field(default_factory=set)  # the cuadros whose notes are on this page
    region_nueva: bool = False  # a region's section starts here (its heading)

    @property
    def llenado(self) -> float:
        return self.fondo / self.alto


def _texto(caja) -> str:
    partes = []
    for d in caja.descendants():
        texto = getattr(d, "text", None)
        if isinstance(texto, str):
            partes.append(texto)
    return " ".join(" ".join(partes).split())


def _clases(caja) -> tuple[str, ...]:
    elemento = getattr(caja, "element", None)
    if elemento is None:
        return ()
    return tuple((elemento.get("class") or "").split())


def renderizar(html: str):
    from weasyprint import HTML

    return HTML(
        string=html, base_url=informes_pdf.BASE_URL, url_fetcher=informes_pdf.FetcherEstatico()
    ).render()


def _contenido(caja):
    """The page's content boxes: no running header/footer, no fixed watermark."""
    from weasyprint.formatting_structure import boxes

    pila = [(c, "") for c in caja.children if not isinstance(c, boxes.MarginBox)]
    while pila:
        d, tabla = pila.pop()
        if d.style["position"] == "fixed":
            continue
        if isinstance(d, boxes.TableBox):
            tabla = next((c for c in _clases(d) if c.startswith("cuadro")), tabla)
        yield d, tabla
        pila.extend((h, tabla) for h in getattr(d, "children", ()) or ())


def medir(html: str) -> list[Pagina]:
    """Every page of the rendered report with its printed rows."""
    from weasyprint.formatting_structure import boxes

    documento = renderizar(html)
    paginas = []
    for n, pagina in enumerate(documento.pages):
        caja = pagina._page_box
        arriba = caja.content_box_y()
        fondo = 0.0
        medida = Pagina(n, caja.height * PT, 0.0)
        for d, tabla in _contenido(caja):
            if isinstance(d, boxes.LineBox | boxes.TableRowBox | boxes.ReplacedBox):
                fondo = max(fondo, d.position_y + d.height - arriba)
            if isinstance(d, boxes.TableRowBox):
                clases = _clases(d)
                if "fila" in clases:
                    medida.filas.append(
                        Fila(
                            n,
                            d.element.get("data-fila") or "",
                            int(d.element.get("data-trozo") or 0),
                            clases,
                            tabla,
                            (d.position_y - arriba) * PT,
                            d.height * PT,
                            _texto(d),
                        )
                    )
                elif "fila-notas" in clases:
                    medida.notas.add(tabla)
            elif "cabecera-region" in _clases(d):
                medida.region_nueva = True
        medida.filas.sort(key=lambda f: f.arriba)
        if medida.filas:
            medida.filas[0].primera = True
        medida.fondo = fondo * PT
        paginas.append(medida)
    return paginas


def secciones(paginas: list[Pagina]) -> list[list[Pagina]]:
    """The pages grouped by region section (each starts on a page with a region heading)."""
    grupos: list[list[Pagina]] = []
    for p in paginas:
        if p.region_nueva or not grupos:
            grupos.append([])
        grupos[-1].append(p)
    return grupos
