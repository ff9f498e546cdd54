"""What an Excel import (planes.excel) writes: the Plan's indicators and activities brought to
the imported sheets, in bulk and with their history.

``leer`` loads what the system holds, under the edit guard's lock, in one query (``_UNION``,
``pmggt.union``: the Plan, its objectives' N°s, every indicator and activity and the newest
history date of each part); ``cambios`` says which fields a sheet's row changes;
``Escritura`` gathers the changes sheet by sheet and writes them at the end: rows of the
sheet's part that are not in it are deleted, rows with ID updated (only those that change),
rows without ID created, and the programme's order follows the sheet. Each changed row gets
one history record naming the importer, as simple-history makes them ("-" for deletions, "~"
for updates, "+" for new rows), all the records of a table in one insert; rows are deleted
without per-row signals: nothing else points at an indicator or an activity, see
``tests/planes/test_excel_importar.py``. Unchanged rows get no record. At most three writes
per table, whatever the rows and sheets: the delete, one ``INSERT … ON CONFLICT (id) DO
UPDATE`` that updates the changed rows and adds the new ones (``_escribir``), and the history.
An indicator's N° is unique and checked row by row: when a renumbered indicator takes a N°
another row still holds (a swap), the renumbered ones are deleted with the deleted rows and
inserted again whole, with their ids, by that statement (``Escritura._de_nuevo``).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, router
from django.db.models import BooleanField, DateField, DecimalField, Max, Value
from django.db.models.constants import OnConflict
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from simple_history.utils import bulk_create_with_history

from pmggt import acceso
from pmggt.texto import normalizar
from pmggt.union import Union

from .contenido import plan_de
from .models import Actividad, Indicador, ObjetivoEspecifico, ObjetivoInformacion, Plan

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


def plan_id(documento) -> int:
    return plan_de(documento).pk


@dataclass
class Actual:
    """What the system holds of the Plan, read once per import (``leer``)."""

    plan_id: int
    centros: list
    indicadores: dict  # {pk: Indicador}, by N°
    actividades: dict  # {pk: Actividad}, in the programme's order
    objetivos: dict  # {N°: pk} of the specific objectives
    infos: dict  # {N°: pk} of the information-system objectives
    ultimas: dict = field(default_factory=dict)  # ``ultimas_ediciones``: each part's huella

    def filas(self, tabla: str) -> dict:
        return self.indicadores if tabla == IND else self.actividades

    def de_parte(self, tabla: str, centro_id) -> list:
        return [f for f in self.filas(tabla).values() if f.centro_id == centro_id]

    def historial(self, tabla: str, centro_id):
        """The history of one part (a sheet): its huella's records."""
        return MODELOS[tabla].history.filter(plan_id=self.plan_id, centro_id=centro_id)

    def texto_parte(self, centro_id) -> str:
        for c in self.centros:
            if c.pk == centro_id:
                return f"la región {c.region.codigo}"
        return "la parte nacional"


# --- Reading: the Plan's rows in one query (pmggt.union) ---------------------------------------

_PLAN, _OBJETIVO, _OBJETIVO_INFO, _INDICADOR, _ACTIVIDAD, _ULTIMA_IND, _ULTIMA_PROG = range(7)
# The columns each row is read with (integers, texts), every concrete field of the model: the
# rows are the model instances the import compares, updates and records in history.
_ENTEROS = {
    IND: ["plan_id", "centro_id", "numero", "objetivo_id", "objetivo_informacion_id", "se_mide"],
    PROG: ["plan_id", "centro_id", "objetivo_id", "objetivo_informacion_id", "orden"],
}
_TEXTOS = {IND: [*TEXTOS[IND], *DECIMALES], PROG: [*TEXTOS[PROG], "tipo", "inicio", "plazo"]}
_TABLA_DE = {_INDICADOR: IND, _ACTIVIDAD: PROG}
_ULTIMA_DE = {_ULTIMA_IND: IND, _ULTIMA_PROG: PROG}


def _ramas(documento_id):
    r = _UNION.rama
    del_plan = {"plan__documento_id": documento_id}
    ramas = [
        r(Plan.objects.filter(documento_id=documento_id), _PLAN),
        r(ObjetivoEspecifico.objects.filter(**del_plan), _OBJETIVO, enteros=["numero"]),
        r(ObjetivoInformacion.objects.filter(**del_plan), _OBJETIVO_INFO, enteros=["numero"]),
    ]
    for rama, tabla in _TABLA_DE.items():
        ramas.append(
            r(
                MODELOS[tabla].objects.filter(**del_plan),
                rama,
                enteros=_ENTEROS[tabla],
                textos=_TEXTOS[tabla],
            )
        )
    for rama, tabla in _ULTIMA_DE.items():
        # Each part's newest history record (its huella): (Centro id or None, date as text).
        ultimas = (
            MODELOS[tabla]
            .history.model.objects.filter(**del_plan)
            .values("centro_id")
            .annotate(ultima=Max("history_date"))
        )
        ramas.append(r(ultimas, rama, pk="centro_id", textos=["ultima"]))
    return ramas


_UNION = Union(
    _ramas,
    ids=("documento_id",),
    enteros=max(map(len, _ENTEROS.values())),
    textos=max(map(len, _TEXTOS.values())),
)


def _conversor(modelo, nombre: str):
    """The Python value of a column read as an integer or as text (``pmggt.union``)."""
    campo = modelo._meta.get_field(nombre)  # a name or an attname ("centro_id")
    if isinstance(campo, BooleanField):
        return lambda v: None if v is None else bool(v)
    if isinstance(campo, DecimalField):
        exponente = Decimal(1).scaleb(-campo.decimal_places)
        return lambda v: None if v in (None, "") else Decimal(v).quantize(exponente)
    if isinstance(campo, DateField):
        return lambda v: datetime.date.fromisoformat(v) if v else None
    return None


def _instanciador(tabla: str):
    """f(pk, enteros, textos, alias) -> the model instance of a row read by ``_UNION``."""
    modelo = MODELOS[tabla]
    nombres = ["id", *_ENTEROS[tabla], *_TEXTOS[tabla]]
    atributos = [c.attname for c in modelo._meta.concrete_fields]
    if sorted(nombres) != sorted(atributos):
        raise RuntimeError(f"La lectura de {modelo.__name__} no tiene todos sus campos.")
    orden = [nombres.index(a) for a in atributos]
    conversores = [(i, f) for i, n in enumerate(nombres) if (f := _conversor(modelo, n))]
    enteros = len(_ENTEROS[tabla])

    def instancia(pk, valores_enteros, valores_textos, alias):
        valores = [pk, *valores_enteros[:enteros], *valores_textos[: len(_TEXTOS[tabla])]]
        for i, conversor in conversores:
            valores[i] = conversor(valores[i])
        return modelo.from_db(alias, atributos, [valores[i] for i in orden])

    return instancia


_INSTANCIAS = {tabla: _instanciador(tabla) for tabla in MODELOS}


def _fecha_hora(texto: str, alias: str) -> datetime.datetime:
    """A history date read as text: PostgreSQL's (with its offset) or SQLite's (in the
    connection's time zone), as the ORM would read it."""
    valor = parse_datetime(texto)
    if timezone.is_naive(valor):
        valor = timezone.make_aware(valor, connections[alias].timezone)
    return valor


def leer(documento) -> Actual:
    """What the system holds of the document's Plan, in one query (and the Centros, read
    once per document by ``acceso.centros_del_servicio``)."""
    centros = acceso.centros_del_servicio(documento)
    alias = router.db_for_read(Plan)
    tablas = _UNION.leer(Plan, documento_id=documento.pk)
    if not tablas.get(_PLAN):
        raise Plan.DoesNotExist(f"El documento {documento.pk} no tiene Plan.")
    [(plan_pk, _e, _t)] = tablas[_PLAN]

    def instancias(rama, clave):
        tabla = _TABLA_DE[rama]
        filas = [_INSTANCIAS[tabla](pk, e, t, alias) for pk, e, t in tablas.get(rama, [])]
        return {f.pk: f for f in sorted(filas, key=lambda f: (getattr(f, clave), f.pk))}

    return Actual(
        plan_id=plan_pk,
        centros=centros,
        indicadores=instancias(_INDICADOR, "numero"),
        actividades=instancias(_ACTIVIDAD, "orden"),
        objetivos={e[0]: pk for pk, e, _t in tablas.get(_OBJETIVO, [])},
        infos={e[0]: pk for pk, e, _t in tablas.get(_OBJETIVO_INFO, [])},
        ultimas={
            (tabla, centro_id): _fecha_hora(t[0], alias)
            for rama, tabla in _ULTIMA_DE.items()
            for centro_id, _e, t in tablas.get(rama, [])
        },
    )


def ultimas_ediciones(plan_pk: int) -> dict:
    """{(tabla, Centro id or None): newest history_date} of every part with history, in one
    query (the huella of each exported sheet; a part without history is absent: its huella is
    ""). The import reads the same within ``leer``'s query (``Actual.ultimas``)."""
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


def _historicos(modelo, objetos: list, tipo: str, usuario, fecha) -> list:
    """The history records of ``objetos`` ("+" created, "~" updated, "-" deleted), as
    simple-history's signals and ``bulk_history_create`` make them."""
    historico = modelo.history.model
    campos = [campo.attname for campo in historico.tracked_fields]
    return [
        historico(
            history_date=fecha,
            history_type=tipo,
            history_user=usuario,
            history_change_reason=None,
            **{campo: getattr(obj, campo) for campo in campos},
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
                    modelo(plan_id=self.actual.plan_id, centro_id=centro_id, **datos)
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

    def _de_nuevo(self) -> list:
        """The renumbered indicators to delete first and insert again whole (same id, new N°):
        all of them when one of them, or a new row, takes a N° a row holds now. The N° is
        unique and checked row by row, and no order of the rows writes a swap (1 ↔ 2); deleted
        first, no row of ``_escribir``'s statement meets its N° still held."""
        if not self.renumeradas:
            return []
        borradas = {i.pk for i in self.eliminadas[Indicador]}
        tenidos = {
            self.numeros_previos.get(pk, i.numero)
            for pk, i in self.actual.indicadores.items()
            if pk not in borradas
        }
        nuevos = [i.numero for i in (*self.renumeradas, *self.creadas[Indicador])]
        return self.renumeradas if any(n in tenidos for n in nuevos) else []

    def guardar(self) -> None:
        fecha = timezone.now()  # one instant for every record of the import
        historia = {m: [] for m in MODELOS.values()}
        de_nuevo = {Indicador: self._de_nuevo(), Actividad: []}
        for modelo, objetos in self.eliminadas.items():
            historia[modelo] += _historicos(modelo, objetos, "-", self.actor, fecha)
            pks = [o.pk for o in (*objetos, *de_nuevo[modelo])]
            if pks:
                # No per-row delete signals: their history is written below.
                modelo.objects.filter(pk__in=pks)._raw_delete(modelo.objects.db)
        for modelo in MODELOS.values():
            cambiadas, creadas = self.cambiadas[modelo], self.creadas[modelo]
            if not (cambiadas or creadas):
                continue
            escritas = _escribir(modelo, cambiadas, sorted(self.campos[modelo]), creadas)
            historia[modelo] += _historicos(modelo, cambiadas, "~", self.actor, fecha)
            historia[modelo] += _historicos(modelo, escritas, "+", self.actor, fecha)
            if creadas and not escritas:  # the backend does not return their pks: simple-
                bulk_create_with_history(  # history inserts them and reads them back
                    creadas,
                    modelo,
                    default_user=self.actor,
                    default_change_reason=None,
                    default_date=fecha,
                )
        for modelo, registros in historia.items():
            if registros:
                modelo.history.model.objects.bulk_create(registros)


def _escribir(modelo, cambiadas: list, campos: list[str], creadas: list) -> list:
    """Write ``cambiadas`` (rows with id: their ``campos`` updated, or the whole row inserted
    again if deleted first) and ``creadas`` (rows without id) in one ``INSERT … ON CONFLICT
    (id) DO UPDATE SET campos`` per batch the backend takes; returns ``creadas`` with the ids
    ``RETURNING`` gave them, or [] (unwritten) on a backend that returns no rows from a bulk
    insert."""
    opts = modelo._meta
    conexion = connections[modelo.objects.db]
    if not conexion.features.can_return_rows_from_bulk_insert:
        creadas = []
    filas = [*cambiadas, *creadas]
    for fila in creadas:
        # DEFAULT (NULL on SQLite): the table's next id, in a row of the same statement.
        fila.pk = DatabaseDefault(Value(None), output_field=opts.pk)
    columnas = list(opts.concrete_fields)
    lote = max(conexion.ops.bulk_batch_size(columnas, filas), 1)
    devueltas = []
    for inicio in range(0, len(filas), lote):
        devueltas += modelo.objects._insert(
            filas[inicio : inicio + lote],
            columnas,
            returning_fields=[opts.pk] if creadas else None,
            on_conflict=OnConflict.UPDATE if campos else None,
            update_fields=[opts.get_field(c) for c in campos],
            unique_fields=[opts.pk],
        )
    if creadas:
        # The rows come back in the statement's order (as bulk_create assumes): checked on
        # the rows with id, written first.
        ids = [pk for (pk,) in devueltas]
        if ids[: len(cambiadas)] != [f.pk for f in cambiadas]:
            raise RuntimeError(f"{modelo.__name__}: el INSERT no devolvió las filas en orden.")
        for fila, pk in zip(creadas, ids[len(cambiadas) :], strict=True):
            fila.pk = pk
            fila._state.adding, fila._state.db = False, conexion.alias
    return creadas
