"""The wording of the printed Cuadros I N°1 and N°2, per Ciclo.

SUBDERE rewords its forms from one year to the next (seed 000 prints "(Objetivos 1, 2 y 3 del
Diagnóstico)" and "(Objetivo 4)", MIDEPLAN's 2009 form in seed 004 "(Objetivo 3 del
Diagnóstico)"), so the titles, Cuadro I N°2's reference and the notes under each cuadro are the
Ciclo's: the Administrador/a edits them in /admin/ (``models.FormatoCuadros``, with history). A
Ciclo without its own wording prints the defaults below, taken from the seeds.

Each title's reference to "the Diagnóstico's objectives" ("(Objetivos 1, 2 y 3 del
Diagnóstico)") names the objectives of the Diagnóstico as the stage's form lists them (what the
Diagnóstico must identify, Guía 6.2.1), not the Servicio's objetivos estratégicos: it is part of
the form's wording, so it is the Ciclo's too.

Notes are one per line; ``{anio}`` is replaced by the Ciclo's year (any other text between
braces is printed as written).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

TITULO_CUADRO1 = "Cuadro I. N°1: Objetivos recomendados al Plan GT como mejoramiento de productos"
TITULO_CUADRO2 = (
    "Cuadro I. N°2: Objetivos recomendados al Plan en materia de mejoras a los sistemas de "
    "información institucional"
)
# As SUBDERE's form prints it after Cuadro I N°1's title (seed 000).
REFERENCIA_CUADRO1 = "(Objetivos 1, 2 y 3 del Diagnóstico)"
# As MIDEPLAN's 2009 form prints it under the title of every region's Cuadro I N°2 (seed 004).
REFERENCIA_CUADRO2 = "(Objetivo 3 del Diagnóstico)"

# Notes (1)–(5) of SUBDERE's form (seed 000), the form's year being the Ciclo's.
NOTAS_CUADRO1 = "\n".join(
    [
        "(1) Usar el listado de productos y subproductos vigentes en el {anio} según A-1 "
        "aprobado por DIPRES.",
        "(2) Señalar el avance existente en la aplicación de la perspectiva territorial para "
        "cada una de las causales por las cuales aplica el producto.",
        "(3) Identificar la mejora prevista que se proyecta viable de incorporar al plan y "
        "programa de trabajo.",
        "(4) Identificar las medidas de la autoridad necesarias de tomar para garantizar la "
        "aplicación de las mejoras (incluye medidas identificadas para objetivo 2 y 3).",
        "(5) Identificar Objetivo Específico que exprese el conjunto de mejoras identificadas "
        "como posibles y convenientes de realizar, asociadas a cada producto/subproducto.",
    ]
)
# What SUBDERE's form prints under its Cuadro N°2 (seed 000; the conversion cut the last word).
NOTAS_CUADRO2 = "\n".join(
    [
        "- Siendo institucionales los sistemas de información que se examinan no es necesario "
        "desagregar la presentación por regiones, pero es pertinente consultar a las sedes "
        "regionales para conocer sus dificultades haciendo uso de cada sistema, y para captar "
        "sus proposiciones y requisitos de soporte informático.",
        "- Interesa que las autoridades institucionales reporten como conclusión si los "
        "sistemas de información y soporte informático están entregando los servicios que "
        "demanda la gestión territorial.",
    ]
)

MARCADOR_ANIO = "{anio}"


def lineas(texto: str, anio) -> list[str]:
    """The notes of a wording: one per non-empty line, with the Ciclo's year in place."""
    return [
        linea.strip().replace(MARCADOR_ANIO, str(anio))
        for linea in (texto or "").splitlines()
        if linea.strip()
    ]


@dataclass(frozen=True)
class Formato:
    titulo_cuadro1: str = TITULO_CUADRO1
    titulo_cuadro2: str = TITULO_CUADRO2
    referencia_cuadro1: str = REFERENCIA_CUADRO1
    referencia_cuadro2: str = REFERENCIA_CUADRO2
    notas_cuadro1: str = NOTAS_CUADRO1
    notas_cuadro2: str = NOTAS_CUADRO2

    def notas1(self, anio) -> list[str]:
        return lineas(self.notas_cuadro1, anio)

    def notas2(self, anio) -> list[str]:
        return lineas(self.notas_cuadro2, anio)

    def huella(self) -> str:
        """Hash of the wording: part of a stored PDF's key (``pmggt.informes.cache``), so a
        reworded Ciclo never serves a PDF printed with the old wording."""
        texto = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(texto.encode("utf-8")).hexdigest()[:16]


POR_OMISION = Formato()

CAMPOS = tuple(Formato.__dataclass_fields__)


def de_ciclo(ciclo_id: int | None) -> Formato:
    """The wording the Ciclo's cuadros print (its own, else the defaults). One query."""
    from .models import FormatoCuadros

    if ciclo_id is None:
        return POR_OMISION
    valores = FormatoCuadros.objects.filter(ciclo_id=ciclo_id).values(*CAMPOS).first()
    return Formato(**valores) if valores else POR_OMISION
