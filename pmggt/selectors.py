"""Reads of the shared core: what each person must act on, follows, or may see.

Every list is one filtered query built from the person's grants (``permisos.concedidos``, read
once per request: the ids go into the query itself), never a loop of checks. The lists are
paginated in the database: counts are bare ``COUNT(*)`` (the per-row summaries are correlated
subqueries, which a count leaves out) and a page reads only its own rows. The lists' rows are
dicts of the columns they show (``filas``), completed in Python (``resumir``).
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Lookup,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from . import etapas, permisos
from .consultas import convertir
from .models import Centro, Ciclo, Documento, GobiernoRegional, Observacion, Servicio

Estado = Documento.Estado
NO_INICIADO = "no_iniciado"  # the pseudo-state of a Servicio without a document (lists, filters)


def _ids(usuario, codename: str, klass=Servicio) -> frozenset[int]:
    """Ids of the objects this person holds ``codename`` on (read once per request); for a
    ``_ConMarcas`` stand-in, its marker ids."""
    if isinstance(usuario, _ConMarcas):
        return usuario.concedidos.get((klass._meta.label, codename), frozenset())
    return permisos.ids_con(usuario, codename, klass)


def _es_administrador(usuario) -> bool:
    if isinstance(usuario, _ConMarcas):
        return usuario.administrador
    return permisos.es_administrador(usuario)


class _EnIds(Lookup):
    """``campo IN (ids)`` for ids already known in Python (a person's grants), as one array
    parameter on PostgreSQL (``= ANY(%s)``) and ``IN (%s, …)`` elsewhere. Django's ``__in``
    prepares and checks every element one by one: for an Experto/a's 300 Servicios, several
    times per page, that cost more than running the queries."""

    lookup_name = "en_ids"
    prepare_rhs = False

    def __init__(self, campo: str, ids):
        super().__init__(F(campo), sorted(int(i) for i in ids))

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        # Marker ids (a query compiled once, ``_leer``): one parameter on every backend, which
        # each request fills with its own ids. Sorted, a marker comes first.
        marcas = _Marcas(self.rhs) if self.rhs and self.rhs[0] <= _MARCA else None
        if connection.vendor == "postgresql":
            # The array in the column's own type (psycopg sends a list of ints as integer[]):
            # a bigint column against integer[] is a cross-type comparison PostgreSQL checks
            # element by element, where the same type lets it hash the array once per query.
            tipo = self.lhs.output_field.cast_db_type(connection)
            return f"{lhs} = ANY(%s::{tipo}[])", (*params, marcas or self.rhs)
        if marcas:
            return f"{lhs} IN (SELECT value FROM json_each(%s))", (*params, marcas)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*params, *self.rhs)


def _en_servicios(ids, campo: str = "servicio_id") -> Q:
    """``campo IN (ids)``, the ids in the query itself (no subquery); no ids: nothing."""
    if not ids:
        return Q(pk__in=[])
    return Q(_EnIds(campo, ids))


@functools.cache
def _observaciones_abiertas():
    """Open observaciones of the outer document: a correlated subquery (no GROUP BY outside).
    Built once: a query resolves (copies) the expressions it is given."""
    return Coalesce(
        Subquery(
            Observacion.objects.filter(documento=OuterRef("pk"), resuelta=False)
            .order_by()
            .values("documento")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _con_resumen(qs, usuario, origen: frozenset[int] | None = None):
    """The documents with ``observaciones_pendientes``, oldest in their state first.

    Review details (open observaciones) are the Servicio's own business (acceso.lectura_de): a
    reader outside it does not even get the number (NULL). ``origen``: the Servicios the rows
    can only come from, when known; if all of them are the person's own, every row counts
    without a per-row test. Whether a row is the person's own (``interno``) and may be opened
    (``puede_abrir``) is decided in Python by ``resumir`` from the same grants."""
    if _es_administrador(usuario):
        abiertas = _observaciones_abiertas()
    else:
        propios = _ids(usuario, "ver_documentos")
        if not propios:
            abiertas = Value(None, output_field=IntegerField())
        elif origen is not None and origen <= propios:
            abiertas = _observaciones_abiertas()
        else:
            abiertas = Case(
                When(_en_servicios(propios), then=_observaciones_abiertas()),
                default=Value(None),
                output_field=IntegerField(),
            )
    return (
        qs.select_related("servicio", "ciclo")
        .annotate(observaciones_pendientes=abiertas)
        .order_by("estado_desde", "pk")
    )


# Columns of a list row (``filas``), completed by ``resumir``.
COLUMNAS_FILA = (
    "pk",
    "servicio_id",
    "servicio__nombre",
    "servicio__sigla",
    "ciclo__anio",
    "etapa",
    "estado",
    "version_actual",
    "version_visada",
    "estado_desde",
    "observaciones_pendientes",
    # The deadline's keys and when the stage was done (pmggt.calendario: the «Plazo» column).
    "ciclo_id",
    "visado_primero",
)
# With ``plazos``: the deadline itself (calendario.fechas_de_plazo), read with the row.
COLUMNAS_PLAZO = ("plazo_vence", "prorroga_vence")


def filas(documentos, *, plazos: bool = False):
    """A list's documents (from the selectors below) as dicts of ``COLUMNAS_FILA`` only;
    ``plazos``: and of ``COLUMNAS_PLAZO`` (``calendario.anotar_filas`` then reads no Plazo)."""
    from .calendario import fechas_de_plazo, primera_visacion

    if not plazos:
        return documentos.annotate(visado_primero=primera_visacion()).values(*COLUMNAS_FILA)
    return documentos.annotate(visado_primero=primera_visacion(), **fechas_de_plazo()).values(
        *COLUMNAS_FILA, *COLUMNAS_PLAZO
    )


def resumir(filas, usuario):
    """The rows of ``filas``, each with ``interno`` (the person's own Servicio, or an
    administrator: draft versions and the review's open observaciones) and ``puede_abrir``
    (own, or visado: acceso.lectura_de); outside the Servicio, no observaciones count."""
    propios = None if permisos.es_administrador(usuario) else _ids(usuario, "ver_documentos")
    for fila in filas:
        interno = propios is None or fila["servicio_id"] in propios
        fila["interno"] = interno
        fila["puede_abrir"] = interno or fila["version_visada"] is not None
        if not interno:
            fila["observaciones_pendientes"] = None
        yield fila


def partes_de_centro(usuario, filas: list) -> None:
    """An Encargada de Centro's part of what waits for her: each Borrador row (of ``resumir``)
    of a stage with regional parts (``EtapaDef.faltantes_partes``), in a Servicio where she
    fills only her Centro's part (she is not its Encargado/a GT), gets ``partes``: one per
    Centro of hers in that Servicio, north to south, {"codigo", "nombre", "url", "faltan":
    [what her region's part still lacks]}. Two queries whatever the number of rows (her
    Centros, and each stage's ``faltantes_partes`` once); none for anyone without a Centro."""
    centros = _ids(usuario, "editar_centro", Centro)
    if not centros:
        return
    editar = _ids(usuario, "editar_documentos")
    suyas = [
        fila
        for fila in filas
        if fila["estado"] == Estado.BORRADOR
        and fila["servicio_id"] not in editar
        and etapas.disponible(fila["etapa"])
        and etapas.de(fila["etapa"]).faltantes_partes is not None
    ]
    if not suyas:
        return
    por_servicio = {}
    for centro in (
        Centro.objects.filter(_en_servicios(centros, "pk"))
        .select_related("region")
        .order_by("region__orden", "pk")
    ):
        por_servicio.setdefault(centro.servicio_id, []).append(centro)
    por_etapa = {}
    for fila in suyas:
        for centro in por_servicio.get(fila["servicio_id"], ()):
            por_etapa.setdefault(fila["etapa"], []).append((fila["pk"], centro.pk))
    faltan = {}
    for numero, partes in por_etapa.items():
        faltan.update(etapas.de(numero).faltantes_partes(partes))
    for fila in suyas:
        definicion = etapas.de(fila["etapa"])
        fila["partes"] = [
            {
                "codigo": centro.region.codigo,
                "nombre": (
                    centro.region.nombre_corto
                    if centro.region.nombre_corto != centro.region.codigo
                    else centro.region.nombre
                ),
                "url": definicion.url_parte(fila["pk"], centro.region.codigo)
                if definicion.url_parte is not None
                else None,
                "enlace": definicion.nombre_parte,
                "faltan": faltan.get((fila["pk"], centro.pk), []),
            }
            for centro in por_servicio.get(fila["servicio_id"], ())
        ]


def _pendientes(usuario, dentro_de: frozenset[int] | None = None):
    """The filter of what waits for this person, and the Servicios it can only come from (None:
    not known without a query, as the Servicios of an Encargada de Centro's Centros).

    ``dentro_de``: the Servicios the documents to filter already belong to (all of them), as in
    what she follows without a GORE. Each part is then cut to those Servicios, and a part that
    covers all of them is only its state: the same documents, a shorter query."""
    editar = _ids(usuario, "editar_documentos")
    centros = _ids(usuario, "editar_centro", Centro)
    aprobar = _ids(usuario, "aprobar_documentos")
    visar = _ids(usuario, "visar_documentos")
    partes = []
    for estado, ids in (
        (Estado.BORRADOR, editar),
        (Estado.EN_REVISION_JEFE, aprobar),
        (Estado.EN_VISACION, visar),
    ):
        if dentro_de is not None:
            ids = ids & dentro_de
        if not ids:
            continue
        if ids == dentro_de:
            partes.append(Q(estado=estado))
        else:
            partes.append(Q(estado=estado) & _en_servicios(ids))
    if centros:
        # Encargadas de Centro fill their region's cuadros while the document is in Borrador.
        partes.append(
            Q(
                estado=Estado.BORRADOR,
                servicio__in=Centro.objects.filter(pk__in=sorted(centros)).values("servicio_id"),
            )
        )
    if not partes:
        return Q(pk__in=[]), frozenset()
    q = partes[0]
    for parte in partes[1:]:
        q |= parte
    return q, (None if centros else editar | aprobar | visar)


def q_pendientes(usuario) -> Q:
    return _pendientes(usuario)[0]


def _q_servicios_seguidos(usuario, prefijo: str = "") -> Q:
    """Servicios a person follows (or their documents, prefijo="servicio__"): her Servicios,
    or those concerning her GORE's region."""
    q = _en_servicios(_ids(usuario, "ver_documentos"), f"{prefijo}id" if prefijo else "pk")
    gores = _ids(usuario, "ver_region", GobiernoRegional)
    if gores:
        # permisos.gores_de, its ids through _EnIds (a query compiled once takes any GORE's).
        gores = GobiernoRegional.objects.filter(_en_servicios(gores, "pk"))
        q |= Q(
            **{
                f"{prefijo}in" if prefijo else "pk__in": Servicio.objects.filter(
                    permisos.q_concierne_a_gores(gores)
                ).values("pk")
            }
        )
    return q


def _origen_seguidos(usuario) -> frozenset[int] | None:
    """The Servicios followed documents come from, if known without a query (no GORE)."""
    if _ids(usuario, "ver_region", GobiernoRegional):
        return None
    return _ids(usuario, "ver_documentos")


def q_seguidos(usuario) -> Q:
    """Documents a person follows: of their Servicios, or concerning their GORE's region."""
    return _q_servicios_seguidos(usuario, "servicio__")


def num_pendientes(usuario) -> int:
    """The navbar badge: a bare COUNT over the pending filter (no summary, join or order)."""
    if not usuario.is_authenticated:
        return 0
    return Documento.objects.filter(q_pendientes(usuario)).order_by().count()


def documentos_pendientes_para(usuario):
    """Exactly the documents waiting for this person's action."""
    if not usuario.is_authenticated:
        return Documento.objects.none()
    q, origen = _pendientes(usuario)
    return _con_resumen(Documento.objects.filter(q), usuario, origen)


# What a person follows: the open Ciclos first, then the newest. The Ciclo comes first, and
# years are unique: a page falls in a run of whole Ciclos (tramo_seguidos).
ORDEN_SEGUIDOS = ("-ciclo__abierto", "-ciclo__anio", "etapa", "servicio__nombre", "pk")


def documentos_seguidos_por(usuario):
    """Documents this person follows that are not waiting for them: the open Ciclos first, then
    the newest."""
    if not usuario.is_authenticated:
        return Documento.objects.none()
    origen = _origen_seguidos(usuario)
    pendientes, _origen = _pendientes(usuario, dentro_de=origen)
    return _con_resumen(
        Documento.objects.filter(q_seguidos(usuario)).exclude(pendientes), usuario, origen
    ).order_by(*ORDEN_SEGUIDOS)


def contar_por_ciclo(documentos):
    """How many of these documents each Ciclo has: a correlated COUNT to annotate Ciclos with
    (``Ciclo.objects.annotate(n=contar_por_ciclo(documentos))``, one query for every Ciclo)."""
    return Coalesce(
        Subquery(
            documentos.filter(ciclo=OuterRef("pk"))
            .order_by()
            .values("ciclo")
            .annotate(n=Count("*"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def tramo_seguidos(ciclos, inicio: int, fin: int) -> tuple[list[int], int]:
    """Rows ``inicio``..``fin - 1`` of ``documentos_seguidos_por``, which sorts by Ciclo first
    (``ORDEN_SEGUIDOS``: open, then newest), fall in these Ciclos: their ids, and where row
    ``inicio`` is among the rows of the first. ``ciclos``: every Ciclo, with ``seguidos`` (how
    many of the rows it has)."""
    ids, desde, antes = [], 0, 0
    for ciclo in sorted(ciclos, key=lambda c: (not c.abierto, -c.anio)):
        if ciclo.seguidos and antes + ciclo.seguidos > inicio and antes < fin:
            if not ids:
                desde = inicio - antes
            ids.append(ciclo.pk)
        antes += ciclo.seguidos
    return ids, desde


# --- Mis pendientes: its queries compiled once per shape of grants ------------------------------

# Building and compiling Mis pendientes' querysets costs more Python than the database takes to
# run them (an Experto/a of 300 Servicios: ~7 ms of ORM for three queries). Their SQL depends on
# a person's ids only through ``_EnIds`` parameters and on how her id sets relate (which are
# empty, equal, or contain another): it is compiled once for a stand-in that holds one marker
# id per atom of her sets (the ids that are in exactly the same sets), and each request puts
# its own ids in the markers' place. Every set operation the selectors make (union,
# intersection, equality, inclusion, emptiness) gives the stand-in the same answer as her.
_MARCA = -918_273_645_000  # markers: _MARCA, _MARCA - 1, …, ids no table holds
_VACIA = "vacía"  # compiled: a query Django knows has no rows (it runs no SQL)
_SIN_COMPILAR = object()
_COMPILADAS: dict = {}
_MAXIMO_COMPILADAS = 256  # shapes x pages of what one follows; past it, compiled anew
_ATOMOS = "_pmggt_atomos"


class _Marcas(tuple):
    """The parameter of an ``_EnIds`` over marker ids: the real ids of those atoms go there."""


class _ConMarcas:
    """A stand-in person to compile for: her grants, each id replaced by its atom's marker
    (``_ids`` reads them), and whether she is an administrator (``_es_administrador``)."""

    is_authenticated = True

    def __init__(self, concedidos: dict, administrador: bool):
        self.concedidos = concedidos
        self.administrador = administrador


def _atomos(usuario) -> tuple[tuple, dict, dict]:
    """(the shape, the stand-in's grants, {marker: real ids}) of a person's grants. The shape
    names each atom by the grants its ids are in: people of one shape share the SQL. Kept on
    the user object with the grants they come from (a page reads several queries)."""
    concedidos = permisos.concedidos(usuario)
    guardados = usuario.__dict__.get(_ATOMOS)
    if guardados is not None and guardados[0] is concedidos:
        return guardados[1]
    firmas: dict[int, list] = {}
    for clave in sorted(concedidos):
        for i in concedidos[clave]:
            firmas.setdefault(i, []).append(clave)
    atomos: dict[tuple, list[int]] = {}
    for i, claves in firmas.items():
        atomos.setdefault(tuple(claves), []).append(i)
    forma = tuple(sorted(atomos))
    marcas = {firma: _MARCA - n for n, firma in enumerate(forma)}
    marcados = {
        clave: frozenset(marca for firma, marca in marcas.items() if clave in firma)
        for clave in concedidos
    }
    resultado = forma, marcados, {marcas[firma]: ids for firma, ids in atomos.items()}
    usuario.__dict__[_ATOMOS] = (concedidos, resultado)
    return resultado


def _compilar(consulta, alias: str):
    """(sql, params, column names, converters) of a ``values()`` queryset built for a
    stand-in; ``_VACIA``; or None when a marker went into it other than through ``_EnIds``
    (the query then runs through the ORM)."""
    compilador = consulta.query.get_compiler(using=alias)
    try:
        sql, params = compilador.as_sql()
    except EmptyResultSet:
        return _VACIA
    if any(type(p) is int and p <= _MARCA for p in params):
        return None
    query = consulta.query
    if query.selected:  # as ValuesIterable names the columns
        nombres = list(query.selected)
    else:
        nombres = [*query.extra_select, *query.values_select, *query.annotation_select]
    columnas = [s[0] for s in compilador.select[: compilador.col_count]]
    return sql, tuple(params), nombres, list(compilador.get_converters(columnas).items())


def _ids_reales(marcas: _Marcas, reales: dict, conexion) -> str:
    """The ids of these atoms as their ``_EnIds`` parameter: an array's text on PostgreSQL
    (one literal to parse; a list goes as ARRAY[…] of as many constants, ~0.5 ms for 300 ids),
    a JSON array on SQLite."""
    texto = ",".join(map(str, sorted(i for marca in marcas for i in reales[marca])))
    return f"{{{texto}}}" if conexion.vendor == "postgresql" else f"[{texto}]"


def _leer(usuario, construir, *extra, modelo=Documento) -> list[dict]:
    """The rows of ``construir(usuario, *extra)``, a ``values()`` queryset, from SQL compiled
    once per shape of grants and ``extra``. An Encargada de Centro's queries hold her Centros'
    ids as ordinary parameters (as the navbar's count does): hers run through the ORM."""
    alias = router.db_for_read(modelo)
    conexion = connections[alias]
    if conexion.vendor not in ("postgresql", "sqlite") or _ids(usuario, "editar_centro", Centro):
        return list(construir(usuario, *extra))
    forma, marcados, reales = _atomos(usuario)
    administrador = _es_administrador(usuario)  # a superuser holds no grants
    clave = (construir, forma, administrador, extra, alias)
    compilada = _COMPILADAS.get(clave, _SIN_COMPILAR)
    if compilada is _SIN_COMPILAR:
        compilada = _compilar(construir(_ConMarcas(marcados, administrador), *extra), alias)
        if len(_COMPILADAS) >= _MAXIMO_COMPILADAS:
            _COMPILADAS.clear()
        _COMPILADAS[clave] = compilada
    if compilada is None:
        return list(construir(usuario, *extra))
    if compilada is _VACIA:
        return []
    sql, params, nombres, convertidores = compilada
    params = [_ids_reales(p, reales, conexion) if type(p) is _Marcas else p for p in params]
    with conexion.cursor() as cursor:
        cursor.execute(sql, params)
        filas = cursor.fetchall()
    if convertidores:
        filas = convertir([list(fila) for fila in filas], convertidores, conexion)
    return [dict(zip(nombres, fila, strict=True)) for fila in filas]


def _filas_pendientes(usuario):
    return filas(documentos_pendientes_para(usuario), plazos=True)


def _campos_ciclo() -> list[str]:
    return [campo.attname for campo in Ciclo._meta.concrete_fields]


def _ciclos_con_cuentas(usuario, definiciones: tuple[etapas.EtapaDef, ...]):
    return Ciclo.objects.annotate(
        seguidos=contar_por_ciclo(documentos_seguidos_por(usuario)),
        sin_iniciar=contar_iniciables(servicios_supervisados_por(usuario), definiciones),
    ).values(*_campos_ciclo(), "seguidos", "sin_iniciar")


def _filas_seguidas(usuario, ciclos: tuple[int, ...], desde: int, hasta: int):
    return filas(documentos_seguidos_por(usuario).filter(ciclo__in=ciclos), plazos=True)[
        desde:hasta
    ]


def filas_pendientes(usuario) -> list[dict]:
    """What waits for this person, all of it, as ``filas(..., plazos=True)`` rows."""
    return _leer(usuario, _filas_pendientes)


def ciclos_con_cuentas(usuario) -> list[Ciclo]:
    """Every Ciclo, newest first, with ``seguidos`` (how many of what this person follows it
    has: ``contar_por_ciclo``) and ``sin_iniciar`` (her «No iniciado» rows that may start now:
    ``contar_iniciables`` of the Servicios she oversees), in one query."""
    alias = router.db_for_read(Ciclo)
    campos = _campos_ciclo()
    ciclos = []
    # The registered stages are part of the SQL (and of the key it is compiled under).
    definiciones = tuple(etapas.todas())
    for fila in _leer(usuario, _ciclos_con_cuentas, definiciones, modelo=Ciclo):
        ciclo = Ciclo.from_db(alias, campos, [fila[c] for c in campos])
        ciclo.seguidos, ciclo.sin_iniciar = fila["seguidos"], fila["sin_iniciar"]
        ciclos.append(ciclo)
    return ciclos


def filas_seguidas(usuario, ciclos, desde: int, n: int) -> list[dict]:
    """Rows ``desde``…``desde + n - 1`` of what this person follows in these Ciclos (a run of
    ``tramo_seguidos``), as ``filas(..., plazos=True)`` rows."""
    return _leer(usuario, _filas_seguidas, tuple(ciclos), desde, desde + n)


def documentos_visibles_para(usuario):
    if not usuario.is_authenticated:
        return Documento.objects.none()
    if permisos.es_administrador(usuario):
        return _con_resumen(Documento.objects.all(), usuario)
    return _con_resumen(
        Documento.objects.filter(q_seguidos(usuario)), usuario, _origen_seguidos(usuario)
    )


def servicios_donde_puede_crear(usuario):
    return permisos.objetos_con(usuario, "editar_documentos", Servicio).filter(activo=True)


def servicios_visibles_para(usuario):
    """Servicios whose documents this person sees in the lists (all for administrators)."""
    if not usuario.is_authenticated:
        return Servicio.objects.none()
    if permisos.es_administrador(usuario):
        return Servicio.objects.all()
    return Servicio.objects.filter(_q_servicios_seguidos(usuario))


def servicios_supervisados_por(usuario):
    """Servicios this person oversees: all for administrators; else those where she drafts,
    approves or vises the documents (Encargado/a GT, Jefe/a, Experto/a SUBDERE)."""
    if not usuario.is_authenticated:
        return Servicio.objects.none()
    if _es_administrador(usuario):
        return Servicio.objects.all()
    ids = (
        _ids(usuario, "editar_documentos")
        | _ids(usuario, "aprobar_documentos")
        | _ids(usuario, "visar_documentos")
    )
    return Servicio.objects.filter(_en_servicios(ids, "pk"))


# --- Servicios without a document ("No iniciado") ----------------------------------------------

# Columns of a "No iniciado" row, in the order every part of the union selects them.
COLUMNAS_NO_INICIADO = ("id", "nombre", "sigla", "ciclo_pk", "anio", "etapa_num", "puede_iniciar")


@dataclass(frozen=True)
class NoIniciado:
    """An active Servicio without the document of a stage in a Ciclo."""

    servicio_id: int
    nombre: str
    sigla: str
    ciclo_id: int
    anio: int
    etapa: etapas.EtapaDef
    puede_iniciar: bool  # the person may start it now (Encargado/a GT, open Ciclo, requisite)

    estado = NO_INICIADO

    @classmethod
    def de(cls, fila: dict) -> "NoIniciado":
        return cls(
            servicio_id=fila["id"],
            nombre=fila["nombre"],
            sigla=fila["sigla"],
            ciclo_id=fila["ciclo_pk"],
            anio=fila["anio"],
            etapa=etapas.de(fila["etapa_num"]),
            puede_iniciar=bool(fila["puede_iniciar"]),
        )


def _requisito(definicion: etapas.EtapaDef, ciclo) -> Q | Exists:
    """Whether the stage may start for the outer Servicio in this Ciclo, as
    services.motivo_no_iniciable decides it: the required stage has a visado version."""
    if definicion.requiere is None:
        return Q()
    return Exists(
        Documento.objects.filter(
            servicio=OuterRef("pk"),
            ciclo=ciclo,
            etapa=definicion.requiere,
            version_visada__isnull=False,
        )
    )


def _sin_documento(servicios, definicion: etapas.EtapaDef, ciclo, *, solo_iniciables: bool):
    """The active ``servicios`` without the document of this stage in this Ciclo (a Ciclo, or
    a reference to one in an outer query); ``solo_iniciables``: and whose requisite is met."""
    parte = servicios.filter(activo=True).exclude(
        Exists(
            Documento.objects.filter(servicio=OuterRef("pk"), ciclo=ciclo, etapa=definicion.numero)
        )
    )
    return parte.filter(_requisito(definicion, ciclo)) if solo_iniciables else parte


def contar_iniciables(servicios, definiciones):
    """How many «No iniciado» rows of ``no_iniciados(..., solo_iniciables=True)`` each Ciclo
    has among these Servicios (0 for a closed one): a correlated COUNT to annotate Ciclos with,
    from the same conditions (``_sin_documento``), so a list can skip the rows when none."""
    por_etapa = [
        Coalesce(
            Subquery(
                # Inside the Servicios' query the Ciclo is the outer query's outer query.
                _sin_documento(servicios, d, OuterRef(OuterRef("pk")), solo_iniciables=True)
                .order_by()
                .annotate(n=Func(F("pk"), function="COUNT"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )
        for d in definiciones
    ]
    if not por_etapa:
        return Value(0, output_field=IntegerField())
    suma = por_etapa[0]
    for n in por_etapa[1:]:
        suma = suma + n
    return Case(When(abierto=True, then=suma), default=Value(0), output_field=IntegerField())


def no_iniciados(usuario, servicios, ciclos, definiciones, *, solo_iniciables: bool = False):
    """(Servicio, Ciclo, stage) without a document, among the active ``servicios`` (a queryset,
    already limited to what the person may see), as one UNION query of ``COLUMNAS_NO_INICIADO``
    dicts (order it, page it, then ``NoIniciado.de`` each row). ``solo_iniciables``: only open
    Ciclos and stages whose requisite is met (what may be started now)."""
    editables = _ids(usuario, "editar_documentos")
    partes = []
    for ciclo in ciclos:
        if solo_iniciables and not ciclo.abierto:
            continue
        for definicion in definiciones:
            parte = _sin_documento(servicios, definicion, ciclo, solo_iniciables=solo_iniciables)
            if solo_iniciables:
                iniciable = _en_servicios(editables, "pk")
            elif ciclo.abierto:
                iniciable = _en_servicios(editables, "pk") & _requisito(definicion, ciclo)
            else:
                iniciable = None
            puede = (
                Case(When(iniciable, then=Value(True)), default=Value(False))
                if iniciable is not None and editables
                else Value(False)
            )
            partes.append(
                parte.order_by()
                .annotate(
                    ciclo_pk=Value(ciclo.pk, output_field=IntegerField()),
                    anio=Value(ciclo.anio, output_field=IntegerField()),
                    etapa_num=Value(definicion.numero, output_field=IntegerField()),
                    puede_iniciar=puede,
                )
                .values(*COLUMNAS_NO_INICIADO)
            )
    if not partes:
        return Servicio.objects.none().values(*COLUMNAS_NO_INICIADO)
    if len(partes) == 1:
        return partes[0]
    return partes[0].union(*partes[1:], all=True)
