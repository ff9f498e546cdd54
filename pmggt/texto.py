"""User text: paragraphs and bullet items, never HTML.

Text pasted from Word or PDF arrives with odd bullets ("•", "", "–", "o "), non-breaking
spaces and soft line breaks. ``normalizar`` keeps its structure as plain text (one item per
line starting with "• ") and ``bloques`` turns it into paragraphs and lists for the web page, the
PDF and Excel. Templates render the blocks with autoescaping, so no user text becomes markup.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Bullet marks seen in pasted text: •, ◦, ▪, ■, ●, ·, the Symbol-font bullet, "-", "–", "*".
_VINETA = re.compile(r"^\s*(?:[•◦▪■●·\uf0b7\uf0a7\u2022\u2023\u2043\u25e6]|[-–—*](?=\s))\s*")
_ESPACIOS = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200d\ufeff]")


def normalizar(texto: str | None) -> str:
    """Plain text with paragraphs separated by a blank line and bullets as "• item" lines."""
    if not texto:
        return ""
    texto = unicodedata.normalize("NFC", str(texto))
    texto = texto.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    texto = texto.replace("\u2029", "\n\n")
    texto = _CONTROL.sub("", texto)
    # Bullets glued inside a line ("texto: • uno • dos") become their own lines.
    texto = re.sub(r"\s+([•\uf0b7])\s*", r"\n\1 ", texto)
    lineas = []
    for linea in texto.split("\n"):
        linea = _ESPACIOS.sub(" ", linea).strip()
        if _VINETA.match(linea):
            linea = "• " + _VINETA.sub("", linea)
            if linea == "• ":
                continue
        lineas.append(linea)
    resultado = "\n".join(lineas)
    resultado = re.sub(r"\n{3,}", "\n\n", resultado)
    return resultado.strip()


@dataclass
class Bloque:
    tipo: str  # "p" | "ul"
    texto: str = ""
    items: list[str] = field(default_factory=list)


# A one-line text with none of what ``normalizar`` changes (line breaks, controls, bullets, tabs
# and non-breaking spaces, runs of spaces, spaces at the ends, non-NFC) is its own normal form:
# one paragraph, with no regex work (most cells of a cuadro or a Plan are such texts).
_NO_SIMPLE = re.compile(
    "[\r\n\u2028\u2029\t\u00a0\u2007\u202f\u2022\uf0b7"
    "\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200d\ufeff]|  "
)


def es_simple(texto) -> bool:
    """``normalizar(texto) == texto`` and it is one paragraph (see ``_NO_SIMPLE``)."""
    return (
        type(texto) is str
        and texto != ""
        and _NO_SIMPLE.search(texto) is None
        and texto == texto.strip()
        and _VINETA.match(texto) is None
        and unicodedata.is_normalized("NFC", texto)
    )


def bloques(texto: str | None) -> list[Bloque]:
    """Paragraphs and bullet lists of a (normalised) text."""
    if es_simple(texto):
        return [Bloque("p", texto)]
    resultado: list[Bloque] = []
    for linea in normalizar(texto).split("\n"):
        if not linea:
            resultado.append(Bloque("corte"))
            continue
        if linea.startswith("• "):
            if not resultado or resultado[-1].tipo != "ul":
                resultado.append(Bloque("ul"))
            resultado[-1].items.append(linea[2:])
        elif resultado and resultado[-1].tipo == "p":
            resultado[-1].texto += "\n" + linea
        else:
            resultado.append(Bloque("p", linea))
    return [b for b in resultado if b.tipo != "corte"]


# Characters an xlsx (XML 1.0) cannot hold: C0 controls but tab, LF and CR; surrogates; U+FFFE and
# U+FFFF. They are dropped before writing a cell.
NO_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NO_XML_INICIAL = re.compile(f"^{NO_XML.pattern}+")


def es_formula(texto: str) -> bool:
    """Text a spreadsheet would take as a formula (must be written as a string): it starts with
    "=", "+", "-", "@", a tab or a CR once the leading characters an xlsx cannot hold (NUL…)
    are dropped, as they are when written."""
    texto = _NO_XML_INICIAL.sub("", texto or "", count=1)
    return bool(texto) and texto[0] in "=+-@\t\r"
