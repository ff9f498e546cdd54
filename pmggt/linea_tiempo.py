"""A document's timeline: chain transitions, observaciones and content edits, who and when.

The document page shows ``linea_agrupada``: the chain's transitions first (newest first), then
the observaciones and the content's edits grouped per person and section ("María Pérez editó
14 veces: Filas del Cuadro I N°1 · región I", with the first and last date), read in one query
whatever the size of the history. The detail of every edit is on the ediciones page
(``linea_de_tiempo(..., con_ediciones=True)``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import BigIntegerField, CharField, Count, F, IntegerField, Max, Min, Value
from django.db.models.functions import Cast
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from . import etapas, fragmentos, workflow
from .consultas import convertir
from .models import Centro, Documento, Observacion, Region, Transicion

# Fields that say nothing to a reader of the timeline.
_CAMPOS_OCULTOS = {"id", "documento", "diagnostico"}


@dataclass
class Evento:
    fecha: datetime
    quien: object
    tipo: str  # transicion | observacion | resolucion | edicion
    texto: str
    detalle: str = ""
    accion: str = ""

    @property
    def nombre(self) -> str:
        if self.quien is None:
            return "Sistema"
        return self.quien.get_full_name() or self.quien.username


def _nombre_registro(registro) -> str:
    modelo = registro.instance_type._meta
    numero = getattr(registro, "numero", None)
    return f"{modelo.verbose_name} {numero}" if numero else str(modelo.verbose_name)


def ediciones(registros, previos: dict | None = None) -> list[Evento]:
    """Edit events of these history records; ``previos`` gives, per (model, id), the record
    before the first one here (so the first change can name its fields)."""
    eventos = []
    previo_por_objeto = dict(previos or {})
    for reg in sorted(registros, key=lambda r: (r.history_date, r.history_id)):
        nombre = _nombre_registro(reg)
        # Records of several models are mixed here: their ids overlap.
        clave = (reg.instance_type, reg.id)
        previo = previo_por_objeto.get(clave)
        previo_por_objeto[clave] = reg
        if reg.history_type == "+" and hasattr(reg, "documento_id"):
            continue  # the content's root row is created with the document itself
        if reg.history_type == "+":
            eventos.append(Evento(reg.history_date, reg.history_user, "edicion", f"creó {nombre}"))
        elif reg.history_type == "-":
            eventos.append(
                Evento(reg.history_date, reg.history_user, "edicion", f"eliminó {nombre}")
            )
        elif previo is not None:
            cambiados = [
                str(f.verbose_name)
                for f in reg.instance_type._meta.concrete_fields
                if f.name not in _CAMPOS_OCULTOS
                and getattr(previo, f.attname) != getattr(reg, f.attname)
            ]
            if cambiados:
                eventos.append(
                    Evento(
                        reg.history_date,
                        reg.history_user,
                        "edicion",
                        f"editó {nombre}",
                        detalle=", ".join(cambiados),
                    )
                )
    return eventos


Accion = Transicion.Accion
_FRASES = {
    Accion.CREAR: "creó el documento",
    Accion.ENVIAR: "envió la versión {v} al Jefe/a de Servicio",
    Accion.APROBAR: "aprobó la versión {v} y la envió a SUBDERE",
    Accion.DEVOLVER: "devolvió la versión {v} con observaciones",
    Accion.VISAR: "visó la versión {v} (V°B° técnico)",
    Accion.SOLICITAR_MODIFICACION: "solicitó modificar la versión visada {v}",
}


def _subrogancia(transicion) -> str:
    """«, por subrogancia de <titular>» of a step taken by the Jefe/a's substitute."""
    from .subrogancia import por_subrogancia

    texto = por_subrogancia(transicion)
    return f", {texto}" if texto else ""


def linea_de_tiempo(
    documento: Documento, transiciones=None, observaciones=None, *, con_ediciones: bool = True
) -> list[Evento]:
    """The document's events, oldest first. ``transiciones`` / ``observaciones``: the lists the
    page already read (else they are read here); ``con_ediciones``: include the content's edits,
    read from its history (one query per history table)."""
    if transiciones is None:
        transiciones = Transicion.objects.filter(documento=documento).select_related(
            "actor", "subrogancia__titular"
        )
    if observaciones is None:
        observaciones = Observacion.objects.filter(documento=documento).select_related(
            "autor", "resuelta_por"
        )
    eventos = [
        Evento(
            t.fecha,
            t.actor,
            "transicion",
            # « con N observaciones abiertas»: what an approval or V°B° carried (helper c).
            _FRASES[t.accion].format(v=t.version) + workflow.con_abiertas(t) + _subrogancia(t),
            t.comentario,
            t.accion,
        )
        for t in transiciones
    ]
    for obs in observaciones:
        eventos.append(Evento(obs.creada_en, obs.autor, "observacion", "observó", obs.texto))
        if obs.resuelta:
            eventos.append(
                Evento(
                    obs.resuelta_en,
                    obs.resuelta_por,
                    "resolucion",
                    "resolvió una observación",
                    obs.texto,
                )
            )
    definicion = etapas.de(documento.etapa)
    if con_ediciones and definicion.historiales:
        registros = []
        for qs in definicion.historiales(documento):
            registros.extend(qs.select_related("history_user"))
        eventos.extend(ediciones(registros))
    return sorted(eventos, key=lambda e: e.fecha)


def html_eventos(eventos) -> SafeString:
    """The ``<li>`` of each event, as the document page's timeline lists them (its date and
    time, who, what, and the first 300 characters of the comment or text)."""
    fecha = fragmentos.Fechas()
    formato = fragmentos.formato
    partes = []
    for e in eventos:
        detalle = (
            formato(
                '<div class="text-muted small texto-largo">{}</div>',
                fragmentos.recortado(e.detalle, 300),
            )
            if e.detalle
            else ""
        )
        partes.append(
            formato(
                '\n        <li class="evento-{}">\n'
                '          <div class="fecha">{}</div>\n'
                "          <div><strong>{}</strong> {}</div>\n"
                "          {}\n"
                "        </li>\n        ",
                e.tipo,
                fecha(e.fecha),
                e.nombre,
                e.texto,
                detalle,
            )
        )
    # Every part is escaped HTML (``fragmentos.formato``).
    return mark_safe("".join(partes))


# --- The document page: transitions first, then grouped activity --------------------------------


class _Persona:
    """Who made a group of edits, from the names read with them (no User instance needed)."""

    def __init__(self, nombre: str, apellido: str, usuario: str):
        self._completo = f"{nombre} {apellido}".strip()
        self.username = usuario

    def get_full_name(self) -> str:
        return self._completo


def _periodo(desde: datetime, hasta: datetime, fecha) -> str:
    """ "Entre el 03-06-2009 10:12 y el 05-06-2009 16:40" (nothing if it is one moment)."""
    primera, ultima = fecha(desde), fecha(hasta)
    return "" if primera == ultima else f"Entre el {primera} y el {ultima}."


def _veces(n: int) -> str:
    return "una vez" if n == 1 else f"{n} veces"


def _seccion(modelo, regiones: list[str]) -> tuple[str, str]:
    """A history table's section as the timeline names it: the model's plural name (its
    singular for the document's own row), with the regions of a regional part (named in the
    detail when they are many). (section, detail)."""
    meta = modelo._meta
    raiz = any(f.name == "documento" for f in meta.concrete_fields)
    nombre = capfirst(str(meta.verbose_name if raiz else meta.verbose_name_plural))
    if not regiones:
        return nombre, ""
    if len(regiones) == 1:
        return f"{nombre} · región {regiones[0]}", ""
    if len(regiones) <= 3:
        return f"{nombre} · regiones {', '.join(regiones[:-1])} y {regiones[-1]}", ""
    return f"{nombre} · {len(regiones)} regiones", f"Regiones {', '.join(regiones)}."


def _consulta_agrupada(indice: int, qs, *, nombres: bool = True):
    """Per author and region (for a model with a Centro): how many records, first and last.
    With ``nombres`` False (the query compiled once), per author and Centro, without the
    author's names nor the Centro's region: ``_con_nombres`` looks them up around the whole
    UNION."""
    historico = qs.model
    campos = {f.name for f in historico._meta.concrete_fields}
    if "documento" in campos:
        # The root row is created with the document itself (as in ``ediciones``).
        qs = qs.exclude(history_type="+")
    # Only expressions, in one order: the UNION ALL lines up every table's columns. (Prefixed:
    # an alias may not be the name of a field of the model.) Typed NULLs: PostgreSQL types an
    # untyped NULL of a UNION as text.
    columnas = {
        "g_tabla": Value(indice, output_field=IntegerField()),
        "g_quien": F("history_user_id"),
    }
    if not nombres:
        columnas["g_centro"] = (
            F("centro_id")
            if "centro" in campos
            else Cast(Value(None), output_field=BigIntegerField())
        )
    elif "centro" in campos:
        columnas |= _NOMBRES | {
            "g_region": F("centro__region__codigo"),
            "g_orden": F("centro__region__orden"),
        }
    else:
        columnas |= _NOMBRES | {
            "g_region": Cast(Value(None), output_field=CharField()),
            "g_orden": Cast(Value(None), output_field=IntegerField()),
        }
    return (
        qs.order_by()
        .values(**columnas)
        .annotate(g_n=Count("history_id"), g_desde=Min("history_date"), g_hasta=Max("history_date"))
    )


_NOMBRES = {
    "g_nombre": F("history_user__first_name"),
    "g_apellido": F("history_user__last_name"),
    "g_usuario": F("history_user__username"),
}


def _union_agrupada(historiales, *, nombres: bool = True):
    primera, *resto = (
        _consulta_agrupada(i, qs, nombres=nombres) for i, qs in enumerate(historiales)
    )
    return primera.union(*resto, all=True) if resto else primera


def _con_nombres(sql: str, conexion) -> str:
    """The grouped UNION's rows with their author's names and their Centro's region, looked
    up by primary key around the whole UNION instead of joined in each of its GROUP BYs
    (planning a dozen joins cost PostgreSQL more than running them; a join around it would
    scan every user)."""
    q = conexion.ops.quote_name
    usuarios, centros, regiones = get_user_model()._meta, Centro._meta, Region._meta

    def columna(meta, campo):
        return q(meta.get_field(campo).column)

    def de_usuario(campo, alias):
        return (
            f"(SELECT {q('_u')}.{columna(usuarios, campo)} FROM {q(usuarios.db_table)} "
            f"{q('_u')} WHERE {q('_u')}.{q(usuarios.pk.column)} = {q('_g')}.{q('g_quien')}) "
            f"AS {q(alias)}"
        )

    def de_region(campo, alias):
        return (
            f"(SELECT {q('_r')}.{columna(regiones, campo)} FROM {q(centros.db_table)} "
            f"{q('_c')} INNER JOIN {q(regiones.db_table)} {q('_r')} ON "
            f"{q('_r')}.{q(regiones.pk.column)} = {q('_c')}.{columna(centros, 'region')} "
            f"WHERE {q('_c')}.{q(centros.pk.column)} = {q('_g')}.{q('g_centro')}) "
            f"AS {q(alias)}"
        )

    extra = [
        de_usuario("first_name", "g_nombre"),
        de_usuario("last_name", "g_apellido"),
        de_usuario("username", "g_usuario"),
        de_region("codigo", "g_region"),
        de_region("orden", "g_orden"),
    ]
    return f"SELECT {q('_g')}.*, {', '.join(extra)} FROM ({sql}) {q('_g')}"


# The grouped query has the same shape for every document of a stage (the stages' historiales
# filter by the document's id only), and building and compiling its UNION of a dozen GROUP BYs
# costs more than running it: its SQL is compiled once per stage and database, with a marker in
# place of the document's id, and run with the real id in its place.
_MARCA_DOCUMENTO = -918_273_645_201
_AGRUPADAS: dict = {}


class _SoloPk:
    """A stand-in document with only its id: a stage whose ``historiales`` reads anything else
    of the document is not compiled once (AttributeError), its query is built each time."""

    __slots__ = ("pk",)

    def __init__(self, pk):
        self.pk = pk


def _compilar_agrupada(definicion, alias: str):
    try:
        historiales = list(definicion.historiales(_SoloPk(_MARCA_DOCUMENTO)))
    except AttributeError:
        return None
    if not historiales:
        return None
    compilador = _union_agrupada(historiales, nombres=False).query.get_compiler(using=alias)
    sql, params = compilador.as_sql()
    if _MARCA_DOCUMENTO not in params:
        return None
    sql = _con_nombres(sql, connections[alias])
    columnas = [s[0] for s in compilador.select[: compilador.col_count]]
    convertidores = list(compilador.get_converters(columnas).items())
    modelos = [qs.model.instance_type for qs in historiales]
    return modelos, sql, tuple(params), convertidores


def _filas_agrupadas(documento, definicion) -> tuple[list, list[dict]] | None:
    """(the content's models, one dict per history table, author and region: the grouped
    counts) of this document, or None when the stage has no history tables."""
    alias = router.db_for_read(Documento)
    clave = (documento.etapa, alias)
    if clave not in _AGRUPADAS:
        _AGRUPADAS[clave] = _compilar_agrupada(definicion, alias)
    compilada = _AGRUPADAS[clave]
    if compilada is None:
        historiales = list(definicion.historiales(documento))
        if not historiales:
            return None
        return [qs.model.instance_type for qs in historiales], list(_union_agrupada(historiales))
    modelos, sql, marcadas, convertidores = compilada
    params = [documento.pk if p == _MARCA_DOCUMENTO else p for p in marcadas]
    conexion = connections[alias]
    with conexion.cursor() as cursor:
        cursor.execute(sql, params)
        nombres = [c[0] for c in cursor.description]
        filas = convertir([list(fila) for fila in cursor.fetchall()], convertidores, conexion)
    return modelos, [dict(zip(nombres, fila, strict=True)) for fila in filas]


def ediciones_agrupadas(documento) -> list[Evento]:
    """The content's edits, one event per person and section (a model of the content, with
    the regions it touched), newest group first, in one query (UNION ALL of each history
    table's GROUP BY)."""
    definicion = etapas.de(documento.etapa)
    if not definicion.historiales:
        return []
    leida = _filas_agrupadas(documento, definicion)
    if leida is None:
        return []
    modelos, filas = leida
    grupos: dict[tuple, dict] = {}
    for fila in filas:
        fila = {clave[2:]: valor for clave, valor in fila.items()}  # without the "g_" prefix
        grupo = grupos.setdefault((fila["quien"], fila["tabla"]), {**fila, "n": 0, "regiones": {}})
        grupo["n"] += fila["n"]
        grupo["desde"] = min(grupo["desde"], fila["desde"])
        grupo["hasta"] = max(grupo["hasta"], fila["hasta"])
        if fila["region"]:
            grupo["regiones"][fila["region"]] = fila["orden"] or 0
    fecha = fragmentos.Fechas()
    eventos = []
    for (_quien, tabla), g in grupos.items():
        regiones = sorted(g["regiones"], key=lambda codigo: (g["regiones"][codigo], codigo))
        seccion, cuales = _seccion(modelos[tabla], regiones)
        periodo = _periodo(g["desde"], g["hasta"], fecha)
        quien = (
            None
            if g["quien"] is None
            else _Persona(g["nombre"] or "", g["apellido"] or "", g["usuario"] or "")
        )
        eventos.append(
            Evento(
                g["hasta"],
                quien,
                "ediciones",
                f"editó {_veces(g['n'])}: {seccion}",
                " ".join(p for p in (cuales, periodo) if p),
            )
        )
    return sorted(eventos, key=lambda e: e.fecha, reverse=True)


def _observaciones_agrupadas(observaciones) -> list[Evento]:
    """Observaciones made and resolved, one event per person and kind, newest first (a single
    one keeps its text, as the full list of observaciones shows it)."""
    grupos: dict[tuple, list] = {}
    for obs in observaciones:
        grupos.setdefault(("observacion", obs.autor_id), []).append((obs.creada_en, obs.autor, obs))
        if obs.resuelta:
            grupos.setdefault(("resolucion", obs.resuelta_por_id), []).append(
                (obs.resuelta_en, obs.resuelta_por, obs)
            )
    fecha = fragmentos.Fechas()
    eventos = []
    for (tipo, _quien), lista in grupos.items():
        lista.sort(key=lambda x: x[0])
        desde, hasta, quien, n = lista[0][0], lista[-1][0], lista[-1][1], len(lista)
        if n == 1:
            texto = "observó" if tipo == "observacion" else "resolvió una observación"
            detalle = lista[0][2].texto
        else:
            texto = (
                f"hizo {n} observaciones"
                if tipo == "observacion"
                else f"resolvió {n} observaciones"
            )
            detalle = _periodo(desde, hasta, fecha)
        eventos.append(Evento(hasta, quien, tipo, texto, detalle))
    return sorted(eventos, key=lambda e: e.fecha, reverse=True)


def linea_agrupada(
    documento: Documento, transiciones, observaciones, *, con_ediciones: bool = True
) -> list[Evento]:
    """The document page's timeline: transitions newest first, then the observaciones and the
    content's edits grouped (``transiciones`` / ``observaciones``: the lists the page read)."""
    cadena = linea_de_tiempo(documento, transiciones, [], con_ediciones=False)
    return [
        *reversed(cadena),
        *_observaciones_agrupadas(observaciones),
        *(ediciones_agrupadas(documento) if con_ediciones else []),
    ]
