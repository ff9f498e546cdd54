"""Optimistic concurrency: a save made from a stale state is refused, and nothing is lost.

Every edit form, htmx row and import carries the *huella* of the part it edits: the time of the
newest history record of that part (django-simple-history), taken when the form was drawn (or
the workbook exported). The edit guard (``pmggt.acceso.edicion``) recomputes it under the
document's row lock; if someone saved that part in between, the write is refused with
``EdicionConcurrente``, which lists who changed what and when. Views then show the user's typed
text again next to that list, with the new huella, so a second save is a knowing one.

A request without a huella (a scripted client) is not checked: the pages always send one.
"""

from datetime import datetime

from django.db.models import DateTimeField, F, Func
from django.utils.dateparse import parse_datetime

from .workflow import ErrorFlujo

CAMPO = "huella"  # name of the hidden field in every edit form


class EdicionConcurrente(ErrorFlujo):
    """The part changed after the user opened it; ``cambios`` are timeline events."""

    def __init__(self, cambios: list):
        self.cambios = cambios
        quienes = sorted({e.nombre for e in cambios}) or ["otra persona"]
        super().__init__(
            f"{', '.join(quienes)} guardó cambios en esta parte después de que usted la abrió: "
            "no se guardó lo suyo para no borrar lo de otros. Su texto sigue en el formulario; "
            "revise los cambios y vuelva a guardar."
        )


def _mas_reciente(qs):
    # MAX as a plain function, not Django's aggregate: one row per part, no GROUP BY.
    return qs.order_by().values(
        m=Func(F("history_date"), function="MAX", output_field=DateTimeField())
    )


def huella(historiales: list) -> str:
    """The huella of a part: the newest history_date among these history querysets ("" if none).
    One query whatever the number of history tables (UNION ALL of each one's MAX)."""
    if not historiales:
        return ""
    primera, *resto = (_mas_reciente(qs) for qs in historiales)
    consulta = primera.union(*resto, all=True) if resto else primera
    fechas = [fila["m"] for fila in consulta if fila["m"] is not None]
    return max(fechas).isoformat() if fechas else ""


def _fecha(valor: str) -> datetime | None:
    """The huella's time; None if empty or unreadable (a tampered form or workbook)."""
    try:
        return parse_datetime(valor) if valor else None
    except (TypeError, ValueError):
        return None


def cambios_desde(valor: str, historiales: list) -> list:
    """Timeline events (who, when, what) of the part's records newer than the huella ``valor``."""
    from .linea_tiempo import ediciones

    desde = _fecha(valor)
    registros = []
    for qs in historiales:
        nuevos = qs if desde is None else qs.filter(history_date__gt=desde)
        registros.extend(nuevos.select_related("history_user"))
    eventos = ediciones(registros, previos=_previos(registros, historiales))
    return sorted(eventos, key=lambda e: e.fecha)


def _previos(registros, historiales) -> dict:
    """For each changed object, its record just before the first newer one (to name fields)."""
    previos = {}
    for qs in historiales:
        modelo = qs.model
        ids = {r.id for r in registros if r.instance_type is modelo.instance_type}
        for id_ in ids:
            primero = min(
                (r for r in registros if r.instance_type is modelo.instance_type and r.id == id_),
                key=lambda r: (r.history_date, r.history_id),
            )
            anterior = (
                qs.filter(id=id_, history_date__lt=primero.history_date)
                .order_by("-history_date", "-history_id")
                .first()
            )
            if anterior is not None:
                previos[(modelo.instance_type, id_)] = anterior
    return previos


def verificar(valor: str | None, historiales: list) -> None:
    """Refuse (EdicionConcurrente) if the part changed after huella ``valor`` (None: no check)."""
    if valor is None:
        return
    if valor and _fecha(valor) is None:
        # Unreadable: nothing says what the user saw, so the save is refused as stale.
        raise EdicionConcurrente([])
    actual = huella(historiales)
    if actual and (not valor or _fecha(actual) > _fecha(valor)):
        raise EdicionConcurrente(cambios_desde(valor, historiales))
