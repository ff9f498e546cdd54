"""Deadlines as every page and reminder reads them.

A document's deadline is its stage's ``Plazo`` (periodo 0) in its Ciclo, or the Servicio's
``Prorroga`` of it when SUBDERE granted one. It counts until the document has a visado version;
after that the stage is done (on time or with days late). Nothing here moves a date: it only
reads them. ``hoy`` is always a parameter (default ``timezone.localdate()``), so tests and the
reminders run on a fixed clock.

Lists resolve all their rows' deadlines in one query (``plazos_de``).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from .models import Documento, Plazo, Prorroga


def hoy() -> date:
    return timezone.localdate()


@dataclass(frozen=True)
class PlazoEfectivo:
    vence: date
    plazo: Plazo
    prorroga: Prorroga | None = None

    @property
    def original(self) -> date:
        return self.plazo.vence


def plazos_de(pares) -> dict[tuple[int, int, int], PlazoEfectivo]:
    """{(servicio_id, ciclo_id, etapa): PlazoEfectivo} for the (servicio_id, ciclo_id, etapa)
    triples given (documents, or not-started stages of a list), in one query."""
    pares = {(s, c, e) for s, c, e in pares}
    if not pares:
        return {}
    ciclos = {c for _, c, _ in pares}
    etapas_ = {e for _, _, e in pares}
    servicios = {s for s, _, _ in pares}
    plazos = Plazo.objects.filter(
        ciclo_id__in=ciclos, etapa__in=etapas_, periodo=0
    ).prefetch_related(
        Prefetch(
            "prorrogas",
            queryset=Prorroga.objects.filter(servicio_id__in=servicios),
            to_attr="_prorrogas",
        )
    )
    por_clave = {(p.ciclo_id, p.etapa): p for p in plazos}
    resultado = {}
    for s, c, e in pares:
        plazo = por_clave.get((c, e))
        if plazo is None:
            continue
        prorroga = next((p for p in plazo._prorrogas if p.servicio_id == s), None)
        resultado[(s, c, e)] = PlazoEfectivo(
            prorroga.vence if prorroga else plazo.vence, plazo, prorroga
        )
    return resultado


def plazo_de(documento: Documento) -> PlazoEfectivo | None:
    """The document's effective deadline (None: the Ciclo has none for its stage)."""
    clave = (documento.servicio_id, documento.ciclo_id, documento.etapa)
    return plazos_de([clave]).get(clave)


def dias_restantes(vence: date, hoy_: date | None = None) -> int:
    """Days until ``vence`` (0: today; negative: days since it passed)."""
    return (vence - (hoy_ or hoy())).days


def cuenta_regresiva(vence: date | None, hoy_: date | None = None) -> str:
    """«vence hoy», «vence mañana», «vence en N días», «venció ayer», «vencido hace N días»."""
    if vence is None:
        return ""
    n = dias_restantes(vence, hoy_)
    if n == 0:
        return "vence hoy"
    if n == 1:
        return "vence mañana"
    if n > 1:
        return f"vence en {n} días"
    if n == -1:
        return "vencido hace 1 día"
    return f"vencido hace {-n} días"
