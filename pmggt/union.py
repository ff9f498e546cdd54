"""One query for many tables: a UNION ALL whose every branch has the same columns.

A stage whose content lives in several tables (the Plan's objectives, measures, indicators,
activities…) reads it in one round trip: each branch selects ``(tabla, pk, n integers,
m texts)`` of one table, padded with typed NULLs where the table has fewer columns. Texts are
cast to text on the database (dates as ``AAAA-MM-DD``, decimals as their digits, JSON as its
text), integers as integers (booleans as 0/1), so every branch has one shape on SQLite and on
PostgreSQL.

Building and compiling a dozen branches costs far more than running the query, so the SQL is
compiled once per database (with a marker value in place of each id) and reused with the real
ids in place of the markers. ``Union(ramas, enteros=…, textos=…)`` takes a function that builds
the branches for given ids; ``leer(**ids)`` returns ``{tabla: [(pk, [enteros], [textos])]}``.
"""

from collections.abc import Callable

from django.db import connections, router
from django.db.models import BigIntegerField, BooleanField, F, IntegerField, TextField, Value
from django.db.models.functions import Cast

from .consultas import convertir

# Markers: ids no table can hold, replaced in the compiled SQL's parameters by the real ones.
_MARCA_BASE = -918_273_645_100


class Union:
    def __init__(self, ramas: Callable, *, ids: tuple[str, ...], enteros: int, textos: int):
        """``ramas(**ids)`` -> list of querysets built with ``rama``; ``ids``: the names of the
        ids it takes (each appears as a parameter of the SQL)."""
        self._ramas = ramas
        self._ids = ids
        self.enteros = enteros
        self.textos = textos
        self._marcas = {nombre: _MARCA_BASE - i for i, nombre in enumerate(ids)}
        self._compiladas: dict = {}

    def rama(self, filas, tabla: int, pk: str = "pk", enteros=(), textos=()):
        """One branch: the columns (tabla, pk, *enteros, *textos), padded with typed NULLs."""
        if len(enteros) > self.enteros or len(textos) > self.textos:
            raise ValueError(f"La rama {tabla} tiene más columnas que la consulta.")
        columnas = [Value(tabla, output_field=IntegerField()), F(pk)]
        columnas += [_entero(filas.model, c) for c in enteros]
        columnas += [
            Cast(Value(None), BigIntegerField()) for _ in range(self.enteros - len(enteros))
        ]
        columnas += [Cast(F(c), TextField()) for c in textos]
        columnas += [Cast(Value(None), TextField()) for _ in range(self.textos - len(textos))]
        return filas.order_by().values_list(*columnas)

    def _consulta(self, **ids):
        ramas = self._ramas(**ids)
        return ramas[0].union(*ramas[1:], all=True)

    def _compilada(self, alias: str):
        """(sql, params with the markers, converters), or None when the backend converts some
        column itself (then the query runs through the ORM each time)."""
        if alias not in self._compiladas:
            consulta = self._consulta(**self._marcas)
            compilador = consulta.query.get_compiler(using=alias)
            sql, params = compilador.as_sql()
            columnas = [s[0] for s in compilador.select[: compilador.col_count]]
            conexion = connections[alias]
            usable = set(self._marcas.values()) <= set(params) and not any(
                conexion.ops.get_db_converters(c) for c in columnas
            )
            convertidores = list(compilador.get_converters(columnas).items())
            self._compiladas[alias] = (sql, tuple(params), convertidores) if usable else None
        return self._compiladas[alias]

    def leer(self, modelo, **ids) -> dict:
        """{tabla: [(pk, [enteros], [textos])]} of every row (one query), on the database
        ``modelo`` is read from."""
        alias = router.db_for_read(modelo)
        compilada = self._compilada(alias)
        if compilada is None:
            filas = [list(f) for f in self._consulta(**ids).using(alias)]
        else:
            sql, marcadas, convertidores = compilada
            reales = {self._marcas[nombre]: valor for nombre, valor in ids.items()}
            params = [reales.get(p, p) if isinstance(p, int) else p for p in marcadas]
            conexion = connections[alias]
            with conexion.cursor() as cursor:
                cursor.execute(sql, params)
                filas = [list(fila) for fila in cursor.fetchall()]
            convertir(filas, convertidores, conexion)
        tablas: dict = {}
        for tabla, pk, *valores in filas:
            tablas.setdefault(tabla, []).append(
                (pk, valores[: self.enteros], valores[self.enteros :])
            )
        return tablas


def _entero(modelo, campo: str):
    """A numeric column; a boolean as 0/1 (every branch's column must be of one kind)."""
    if "__" not in campo and isinstance(modelo._meta.get_field(campo), BooleanField):
        return Cast(F(campo), IntegerField())
    return F(campo)
