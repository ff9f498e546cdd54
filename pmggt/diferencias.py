"""Word-level differences between two flattened contents (versions or the current draft)."""

import difflib
import re
from dataclasses import dataclass, field

_PALABRAS = re.compile(r"\s+|[^\s]+")


@dataclass
class FilaDiferencia:
    clave: str
    etiqueta: str
    estado: str  # igual | cambiado | agregado | eliminado
    antes: str = ""
    despues: str = ""
    segmentos: list[tuple[str, str]] = field(
        default_factory=list
    )  # (igual|agregado|eliminado, texto)


def _segmentos(antes: str, despues: str) -> list[tuple[str, str]]:
    a, b = _PALABRAS.findall(antes), _PALABRAS.findall(despues)
    comparador = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if comparador.ratio() < 0.5:
        # A rewrite: word-by-word marks would only shred both texts.
        return [("eliminado", antes), ("agregado", despues)]
    resultado: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in comparador.get_opcodes():
        if op == "equal":
            resultado.append(("igual", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            resultado.append(("eliminado", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            resultado.append(("agregado", "".join(b[j1:j2])))
    return resultado


def comparar(
    filas_a: list[tuple[str, str, str]], filas_b: list[tuple[str, str, str]]
) -> list[FilaDiferencia]:
    """Compare [(clave, etiqueta, texto)] lists, keeping B's order and then A's removed rows."""
    previas = {clave: (etiqueta, texto) for clave, etiqueta, texto in filas_a}
    claves_b = set()
    resultado = []
    for clave, etiqueta, texto in filas_b:
        claves_b.add(clave)
        if clave not in previas:
            resultado.append(
                FilaDiferencia(clave, etiqueta, "agregado", "", texto, [("agregado", texto)])
            )
            continue
        antes = previas[clave][1]
        if antes == texto:
            resultado.append(
                FilaDiferencia(clave, etiqueta, "igual", antes, texto, [("igual", texto)])
            )
        else:
            resultado.append(
                FilaDiferencia(clave, etiqueta, "cambiado", antes, texto, _segmentos(antes, texto))
            )
    for clave, etiqueta, texto in filas_a:
        if clave not in claves_b:
            resultado.append(
                FilaDiferencia(clave, etiqueta, "eliminado", texto, "", [("eliminado", texto)])
            )
    return resultado
