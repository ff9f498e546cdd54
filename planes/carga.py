"""What an Excel import (planes.excel) writes: the Plan's indicators and activities brought to
the imported sheets, in bulk and with their history.

``leer`` loads what the system holds (under the edit guard's lock, in a constant number of
queries); ``cambios`` says which fields a sheet's row changes; ``Escritura`` gathers the
changes sheet by sheet and writes them at the end: rows of the sheet's part that are not in it
are deleted, rows with ID updated (only those that change), rows without ID created, and the
programme's order follows the sheet. Each changed row gets one history record naming the
importer (``bulk_*_with_history``; "-" records for deletions, written in bulk before the rows
are deleted without per-row signals: nothing else points at an indicator or an activity, see
``tests/planes/test_excel_importar.py``). Unchanged rows get no record.
"""

from dataclasses import dataclass

from django.db.models import Max, Value
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pmggt import acceso
from pmggt.texto import normalizar

from .contenido import plan_de
from .models import Actividad, Indicador, ObjetivoEspecifico, ObjetivoInformacion

IND, PROG = "ind", "prog"  # the two tables of the template: indicators, work programme
MODELOS = {IND: Indicador, PROG: Actividad}
# The plain texts of each table, and every field a sheet's row sets (objectives by their pk).
TEXTOS = {
    IND: [
        "nombre",
        "formula",
        "numerador",
        "denominador",
        "unidad",
        "medio_verificacion",
        "instrumento_recoleccion",
        "instrumento_sistematizacion",
        "nota_tecnica",
    ],
    PROG: ["descripcion", "responsable", "medio_verificacion"],
}
DECIMALES = ["meta", "meta_numerador", "meta_denominador"]
CAMPOS = {
    IND: [*TEXTOS[IND], "objetivo_id", "objetivo_informacion_id", "numero", *DECIMALES, "se_mide"],
    PROG: [*TEXTOS[PROG], "objetivo_id", "objetivo_informacion_id", "tipo", "inicio", "plazo"],
}
# Indicators whose N° changes are first parked above every real N° (planes.excel.MAX_NUMERO)
# when one takes a N° another row still holds (the N° is unique in the Plan, row by row).
APARCAR_DESDE = 10_000


def plan_id(documento) -> int:
    return plan_de(documento).pk


@dataclass
class Actual:
    """What the system holds of the Plan, read once per import."""

    plan: object
    centros: list
    indicadores: dict  # {pk: Indicador}, by N°
    actividades: dict  # {pk: Actividad}, in the programme's order
    objetivos: dict  # {N°: pk} of the specific objectives
    infos: dict  # {N°: pk} of the information-system objectives

    def filas(self, tabla: str) -> dict:
        return self.indicadores if tabla == IND else self.actividades

    def de_parte(self, tabla: str, centro_id) -> list:
        return [f for f in self.filas(tabla).values() if f.centro_id == centro_id]

    def historial(self, tabla: str, centro_id):
        """The history of one part (a sheet): its huella's records."""
        return MODELOS[tabla].history.filter(plan_id=self.plan.pk, centro_id=centro_id)

    def texto_parte(self, centro_id) -> str:
        for c in self.centros:
            if c.pk == centro_id:
                return f"la región {c.region.codigo}"
        return "la parte nacional"


def leer(documento) -> Actual:
    plan = plan_de(documento)
    return Actual(
        plan=plan,
        centros=acceso.centros_del_servicio(documento),
        indicadores={i.pk: i for i in Indicador.objects.filter(plan=plan).order_by("numero", "id")},
        actividades={a.pk: a for a in Actividad.objects.filter(plan=plan).order_by("orden", "id")},
        objetivos=dict(ObjetivoEspecifico.objects.filter(plan=plan).values_list("numero", "pk")),
        infos=dict(ObjetivoInformacion.objects.filter(plan=plan).values_list("numero", "pk")),
    )


def ultimas_ediciones(plan_pk: int) -> dict:
    """{(tabla, Centro id or None): newest history_date} of every part with history, in one
    query (the huella of each sheet; a part without history is absent: its huella is "")."""
    ramas = [
        modelo.history.model.objects.filter(plan_id=plan_pk)
        .order_by()
        .values_list(Value(tabla), "centro_id")
        .annotate(ultima=Max("history_date"))
        for tabla, modelo in MODELOS.items()
    ]
    return {(t, centro): ultima for t, centro, ultima in ramas[0].union(ramas[1], all=True)}


def cambios(tabla: str, datos: dict, actual) -> dict:
    """{field: new value} of what a sheet's row (``datos``: CAMPOS values) changes in the row
    ``actual``. Texts compare as normalised (``pmggt.texto.normalizar``, as the import reads
    them) and numbers by value: a file exported and imported unchanged changes nothing."""
    resultado = {}
    for campo in CAMPOS[tabla]:
        nuevo = datos.get(campo)
        viejo = getattr(actual, campo)
        if campo in TEXTOS[tabla]:
            igual = normalizar(viejo) == nuevo
        elif campo in DECIMALES:
            igual = (viejo is None) == (nuevo is None) and (viejo is None or viejo == nuevo)
        else:
            igual = viejo == nuevo
        if not igual:
            resultado[campo] = nuevo
    return resultado


def _ordenes(filas: list, existentes: dict) -> list[int]:
    """``orden`` values giving the sheet's order, keeping the current ones when they do."""
    actuales = [existentes[f.id].orden for f in filas if f.id is not None]
    n = len(actuales)
    en_orden = all(a < b for a, b in zip(actuales, actuales[1:], strict=False))
    if en_orden and all(f.id is not None for f in filas[:n]):
        siguiente = max(actuales, default=0)
        resultado = []
        for f in filas:
            if f.id is not None:
                resultado.append(existentes[f.id].orden)
            else:
                siguiente += 1
                resultado.append(siguiente)
        return resultado
    return list(range(1, len(filas) + 1))


def _historia_eliminadas(modelo, objetos: list, usuario, fecha) -> list:
    """The "-" history records of deleted rows, as simple-history's post_delete makes them."""
    historico = modelo.history.model
    return [
        historico(
            history_date=fecha,
            history_type="-",
            history_user=usuario,
            history_change_reason=None,
            **{campo.attname: getattr(obj, campo.attname) for campo in historico.tracked_fields},
        )
        for obj in objetos
    ]


class Escritura:
    """The import's changes, gathered sheet by sheet (``hoja``) and written by ``guardar`` in
    a number of queries that does not grow with the rows nor the sheets."""

    def __init__(self, actual: Actual, actor):
        self.actual = actual
        self.actor = actor
        self.resumen = {"creadas": 0, "actualizadas": 0, "eliminadas": 0, "sin_cambios": 0}
        self.eliminadas = {m: [] for m in MODELOS.values()}
        self.creadas = {m: [] for m in MODELOS.values()}
        self.cambiadas = {m: [] for m in MODELOS.values()}
        self.campos = {m: set() for m in MODELOS.values()}
        self.renumeradas = []  # indicators whose N° changes
        self.numeros_previos = {}  # {pk: N° before the import} of those

    def hoja(self, tabla: str, centro_id, filas: list) -> None:
        """Bring one part (``centro_id``) of one table to the sheet's rows (``FilaLeida``)."""
        modelo = MODELOS[tabla]
        existentes = {f.pk: f for f in self.actual.de_parte(tabla, centro_id)}
        en_hoja = {f.id for f in filas if f.id is not None}
        for pk, fila in existentes.items():
            if pk not in en_hoja:
                self.eliminadas[modelo].append(fila)
                self.resumen["eliminadas"] += 1
        ordenes = _ordenes(filas, existentes) if tabla == PROG else [None] * len(filas)
        for fila, orden in zip(filas, ordenes, strict=True):
            datos = {campo: fila.datos.get(campo) for campo in CAMPOS[tabla]}
            if fila.id is None:
                if tabla == PROG:
                    datos["orden"] = orden
                self.creadas[modelo].append(
                    modelo(plan_id=self.actual.plan.pk, centro_id=centro_id, **datos)
                )
                self.resumen["creadas"] += 1
                continue
            actual = existentes[fila.id]
            cambio = cambios(tabla, datos, actual)
            if tabla == PROG and actual.orden != orden:
                cambio["orden"] = orden
            if not cambio:
                self.resumen["sin_cambios"] += 1
                continue
            if "numero" in cambio:
                self.renumeradas.append(actual)
                self.numeros_previos[actual.pk] = actual.numero
            for campo, valor in cambio.items():
                setattr(actual, campo, valor)
            self.cambiadas[modelo].append(actual)
            self.campos[modelo].update(cambio)
            self.resumen["actualizadas"] += 1

    def _aparcar(self) -> None:
        """Renumbered indicators move to free N°s first if one takes a N° still held."""
        if not self.renumeradas:
            return
        borradas = {i.pk for i in self.eliminadas[Indicador]}
        tenidos = {
            self.numeros_previos.get(pk, i.numero)
            for pk, i in self.actual.indicadores.items()
            if pk not in borradas
        }
        if any(i.numero in tenidos for i in self.renumeradas):
            Indicador.objects.bulk_update(
                [
                    Indicador(pk=i.pk, numero=APARCAR_DESDE + n)
                    for n, i in enumerate(self.renumeradas)
                ],
                ["numero"],
            )

    def guardar(self) -> None:
        fecha = timezone.now()  # one instant for every record of the import
        historia = {
            "default_user": self.actor,
            "default_change_reason": None,
            "default_date": fecha,
        }
        for modelo, objetos in self.eliminadas.items():
            if objetos:
                modelo.history.model.objects.bulk_create(
                    _historia_eliminadas(modelo, objetos, self.actor, fecha)
                )
                # No per-row delete signals: their history is written above.
                modelo.objects.filter(pk__in=[o.pk for o in objetos])._raw_delete(modelo.objects.db)
        self._aparcar()
        for modelo, objetos in self.cambiadas.items():
            if objetos:
                bulk_update_with_history(objetos, modelo, sorted(self.campos[modelo]), **historia)
        for modelo, objetos in self.creadas.items():
            if objetos:
                bulk_create_with_history(objetos, modelo, **historia)
