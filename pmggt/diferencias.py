"""Word-level differences between two flattened contents (versions or the current draft), and
what the comparison page draws of them: the count of changes, their groups and anchors."""

import difflib
import re
from dataclasses import dataclass, field

_PALABRAS = re.compile(r"\s+|[^\s]+")
# "Objetivo estratégico 3", "Producto 1.1": the number names the entry, not its section.
_NUMERO_FINAL = re.compile(r"\s+\d+(?:\.\d+)*$")
SEPARADOR = " · "

ESTADOS = {  # what the page calls each state
    "igual": "Sin cambios",
    "cambiado": "Modificado",
    "agregado": "Agregado",
    "eliminado": "Eliminado",
}


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
    ancla: str = ""  # the id of a change's row ("cambio-3"), for the jump links

    @property
    def cambio(self) -> str:
        return ESTADOS[self.estado]

    @property
    def reescrito(self) -> bool:
        """A rewrite: the old text, then the new one (shown on two lines), not word marks."""
        return self.estado == "cambiado" and self.segmentos == [
            ("eliminado", self.antes),
            ("agregado", self.despues),
        ]

    @property
    def grupo(self) -> str:
        return grupo_de(self.etiqueta)

    @property
    def nombre_corto(self) -> str:
        """The label without its group's heading (what a jump link says under that heading)."""
        resto = self.etiqueta[len(self.grupo) :].lstrip(" ·")
        return resto or self.etiqueta


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
    """Compare [(clave, etiqueta, texto)] lists in B's order; a row of A that B no longer has
    goes right after the row it followed in A (so a removed cuadro row stays in its region)."""
    previas = {clave: (etiqueta, texto) for clave, etiqueta, texto in filas_a}
    claves_b = {clave for clave, _, _ in filas_b}
    # Removed rows, by the nearest earlier key of A that B still has ("" = at the start).
    eliminadas: dict[str, list[FilaDiferencia]] = {}
    anterior = ""
    for clave, etiqueta, texto in filas_a:
        if clave in claves_b:
            anterior = clave
            continue
        eliminadas.setdefault(anterior, []).append(
            FilaDiferencia(clave, etiqueta, "eliminado", texto, "", [("eliminado", texto)])
        )
    resultado = list(eliminadas.get("", []))
    for clave, etiqueta, texto in filas_b:
        if clave not in previas:
            resultado.append(
                FilaDiferencia(clave, etiqueta, "agregado", "", texto, [("agregado", texto)])
            )
        else:
            antes = previas[clave][1]
            if antes == texto:
                resultado.append(
                    FilaDiferencia(clave, etiqueta, "igual", antes, texto, [("igual", texto)])
                )
            else:
                resultado.append(
                    FilaDiferencia(
                        clave, etiqueta, "cambiado", antes, texto, _segmentos(antes, texto)
                    )
                )
        resultado.extend(eliminadas.get(clave, []))
    return resultado


def grupo_de(etiqueta: str) -> str:
    """The section a flattened label belongs to, read from the label itself: a region's part
    ("Cuadro I N°1 · región I …" → "Cuadro I N°1 · región I"), else the label's first part
    without its number ("Objetivo estratégico 3" → "Objetivo estratégico")."""
    partes = etiqueta.split(SEPARADOR)
    if len(partes) >= 2 and (partes[1].startswith("región ") or partes[1] == "Servicio"):
        return SEPARADOR.join(partes[:2])
    return _NUMERO_FINAL.sub("", partes[0])


@dataclass
class Grupo:
    titulo: str
    filas: list[FilaDiferencia]  # the rows the page shows
    cambios: list[FilaDiferencia]  # the changed ones among all of its rows

    @property
    def ancla(self) -> str:
        return f"grupo-{self.cambios[0].ancla}" if self.cambios else ""


def agrupar(filas: list[FilaDiferencia], *, solo_cambios: bool = True) -> list[Grupo]:
    """The rows by section, in order of first appearance; each change numbered ("cambio-1",
    …) in page order. With ``solo_cambios``, sections without a change are left out."""
    grupos: dict[str, Grupo] = {}
    for fila in filas:
        grupo = grupos.setdefault(fila.grupo, Grupo(fila.grupo, [], []))
        if fila.estado != "igual":
            grupo.cambios.append(fila)
        if fila.estado != "igual" or not solo_cambios:
            grupo.filas.append(fila)
    resultado = [g for g in grupos.values() if g.filas]
    n = 0
    for grupo in resultado:
        for fila in grupo.cambios:
            n += 1
            fila.ancla = f"cambio-{n}"
    return resultado


def _contar(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


@dataclass
class Resumen:
    agregados: int = 0
    eliminados: int = 0
    modificados: int = 0

    @property
    def total(self) -> int:
        return self.agregados + self.eliminados + self.modificados

    @property
    def texto(self) -> str:
        """ "12 cambios: 3 agregados, 2 eliminados, 7 modificados" (kinds with none left out)."""
        if not self.total:
            return "Sin cambios"
        partes = [
            _contar(n, singular, plural)
            for n, singular, plural in (
                (self.agregados, "agregado", "agregados"),
                (self.eliminados, "eliminado", "eliminados"),
                (self.modificados, "modificado", "modificados"),
            )
            if n
        ]
        return f"{_contar(self.total, 'cambio', 'cambios')}: {', '.join(partes)}"


def resumir(filas: list[FilaDiferencia]) -> Resumen:
    resumen = Resumen()
    for fila in filas:
        if fila.estado == "agregado":
            resumen.agregados += 1
        elif fila.estado == "eliminado":
            resumen.eliminados += 1
        elif fila.estado == "cambiado":
            resumen.modificados += 1
    return resumen
