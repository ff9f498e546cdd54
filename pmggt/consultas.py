"""Querysets of a fixed shape, compiled once.

Every page of a document runs the same handful of queries (the document with its Servicio and
Ciclo, its transitions, its observaciones, its versions), each for another document. Django
builds and compiles each queryset anew on every request, and for these that costs as much as
running them. ``Compilada`` builds the queryset once per database, twice, with two sets of
stand-in ids: the parameters that differ between the two are the ids' places. It keeps the
SQL, the parameters, the converters and the plan to build model instances (Django's own
``ModelIterable`` steps: ``from_db``, the select_related populators, the annotations), and each
call runs that SQL with the real ids in their places: the same rows, the same instances, the
same single query, on SQLite and on PostgreSQL.

A queryset whose two compilations differ in more than the ids (an id folded into the SQL, a
shape that depends on the values) is not compiled: it runs through the ORM each time, as does
a call with an id None (``IS NULL`` is another shape). Querysets with prefetches or known
related objects are not supported (``ValueError``).
"""

import threading
from collections.abc import Callable

from django.db import connections, router
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# Two sets of stand-in ids: the queryset is compiled with each, and the parameters that differ
# between the two compilations are the ids' places. (Small positive numbers: any integer
# field's range holds them, and Django drops out-of-range values from the SQL.)
_PRIMERA, _SEGUNDA = 30_001, 30_101


def convertir(filas: list[list], convertidores, conexion) -> list[list]:
    """Apply a compiler's ``get_converters()`` items to rows read with a raw cursor, in place
    (what ``SQLCompiler.apply_converters`` does), and return them."""
    if convertidores:
        for fila in filas:
            for posicion, (funciones, expresion) in convertidores:
                valor = fila[posicion]
                for funcion in funciones:
                    valor = funcion(valor, expresion, conexion)
                fila[posicion] = valor
    return filas


class Compilada:
    def __init__(self, construir: Callable, *, ids: tuple[str, ...], textos: tuple[str, ...] = ()):
        """``construir(**ids)`` -> a queryset of model instances or a ``values_list``, whose
        shape is the same whatever the ids (they only appear as values compared or matched):
        integers, but those named in ``textos``, which are strings."""
        self._construir = construir
        self._ids = ids
        self._textos = frozenset(textos)
        self._compiladas: dict = {}
        self._leido = None
        self._candado = threading.Lock()

    def _suplentes(self, base: int) -> dict:
        return {
            n: f"pmggt-compilada-{base + i}" if n in self._textos else base + i
            for i, n in enumerate(self._ids)
        }

    def _compilar(self, alias: str):
        primeros, segundos = self._suplentes(_PRIMERA), self._suplentes(_SEGUNDA)
        qs = self._construir(**primeros)
        if qs._prefetch_related_lookups or qs._known_related_objects:
            raise ValueError("Compilada no lleva prefetch_related ni objetos relacionados.")
        if qs._iterable_class not in (ModelIterable, ValuesListIterable):
            raise ValueError("Compilada lee instancias o values_list (sin flat ni named).")
        compilador = qs.query.get_compiler(using=alias)
        sql, params = compilador.as_sql()
        otra = self._construir(**segundos)
        sql_otra, params_otra = otra.query.get_compiler(using=alias).as_sql()
        if sql_otra != sql or len(params_otra) != len(params):
            return None
        cual = {(primeros[n], segundos[n]): n for n in self._ids}
        lugares = {}  # parameter position -> id name
        for posicion, (uno, otro) in enumerate(zip(params, params_otra, strict=True)):
            if uno == otro:
                continue
            nombre = cual.get((uno, otro)) if type(uno) in (int, str) else None
            if nombre is None:
                return None
            lugares[posicion] = nombre
        if set(lugares.values()) != set(self._ids):
            return None
        columnas = compilador.col_count
        convertidores = list(
            compilador.get_converters([s[0] for s in compilador.select[:columnas]]).items()
        )
        if qs._iterable_class is ModelIterable:
            klass_info = compilador.klass_info
            campos = klass_info["select_fields"]
            desde, hasta = campos[0], campos[-1] + 1
            plan = (
                "instancias",
                klass_info["model"],
                [s[0].target.attname for s in compilador.select[desde:hasta]],
                desde,
                hasta,
                get_related_populators(klass_info, compilador.select, alias),
                list(compilador.annotation_col_map.items()),
            )
        else:  # the columns in the order asked for (Django 5.2 selects them so)
            plan = ("filas",)
        return sql, tuple(params), lugares, convertidores, columnas, plan

    def _compilada(self, alias: str):
        if alias not in self._compiladas:
            with self._candado:
                if alias not in self._compiladas:
                    self._compiladas[alias] = self._compilar(alias)
        return self._compiladas[alias]

    def lista(self, **ids) -> list:
        """The queryset's rows for these ids: model instances, or tuples for a values_list."""
        alias = router.db_for_read(self._modelo())
        # None is not a value but another shape of query (IS NULL): through the ORM.
        compilada = None if None in ids.values() else self._compilada(alias)
        if compilada is None:
            return list(self._construir(**ids).using(alias))
        sql, params, lugares, convertidores, columnas, plan = compilada
        params = list(params)
        for posicion, nombre in lugares.items():
            params[posicion] = ids[nombre]
        conexion = connections[alias]
        with conexion.cursor() as cursor:
            cursor.execute(sql, params)
            filas = cursor.fetchall()
        resultado = convertir([list(fila[:columnas]) for fila in filas], convertidores, conexion)
        if plan[0] == "filas":
            return [tuple(fila) for fila in resultado]
        _, modelo, campos, desde, hasta, relacionados, anotaciones = plan
        instancias = []
        for fila in resultado:
            obj = modelo.from_db(alias, campos, fila[desde:hasta])
            for relacionado in relacionados:
                relacionado.populate(fila, obj)
            for nombre, posicion in anotaciones:
                setattr(obj, nombre, fila[posicion])
            instancias.append(obj)
        return instancias

    def _modelo(self):
        """The queryset's model (for the database router), read once."""
        if self._leido is None:
            self._leido = self._construir(**self._suplentes(_PRIMERA)).model
        return self._leido
