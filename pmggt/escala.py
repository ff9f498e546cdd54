"""A national-scale data set for benchmarks, built fast through the product's own models.

``generar(...)`` (command ``generar_escala``) writes, in one transaction: Servicios (most with
one Centro per región, a few national ones without Centros, a few regional ones), their role
groups with exactly the object grants ``services.roles_asegurar`` gives, about five thousand
users with deterministic usernames, consecutive Ciclos (the last one open) and one Etapa I
document per Servicio and Ciclo in every state of the chain, with the versions, transitions and
observaciones that state implies. Every later stage that declares the hook follows the same way
(Etapa II, the Plan): one document per Servicio and Ciclo whose required stage has a visado
version, started after that V°B°, in every state of the chain in its own proportions. Every
model with history gets its historical rows (who and when), so the timeline, the diffs and the
optimistic concurrency (newest ``history_date``) keep working on the generated data.

The stage's content comes from the stage itself, through its registry hook ``EtapaDef.escala``
(the core imports no stage app): the core decides each document's story (who created it, when
each version was sent, when it was reopened) and the hook bulk-builds the content rows with
their history, returning the content snapshot of every version and the current content. The
versions freeze those snapshots; observaciones point at the keys the stage's ``aplanar`` gives
for the version they observe (the same keys ``services.campos_observables`` offers).

Everything is bulk_create in batches; a seeded ``random.Random`` makes the content, the states
and the names reproducible (dates follow the current time). Etapa I is generated first, for every
Ciclo, with the main generator; each later stage draws from its own seeded generator, so adding
a stage never changes what Etapa I gets.
"""

import functools
import json
import math
import random
import time
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models.base import ModelState
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from . import carga, etapas, services
from .historia import actuando_como
from .models import (
    Centro,
    CentroGroupObjectPermission,
    Ciclo,
    Documento,
    GrupoRol,
    Observacion,
    Plazo,
    Region,
    Servicio,
    ServicioGroupObjectPermission,
    Transicion,
    VersionDocumento,
)
from .workflow import REGLAS

Tipo = GrupoRol.Tipo
Estado = Documento.Estado
Accion = Transicion.Accion

PREFIJO = "ESCALA-"  # every generated Servicio's sigla starts with it ("ESCALA-S001")
PREFIJO_USUARIO = "escala."  # every generated username starts with it
DOMINIO = "escala.pmggt.cl"
CONTRASENA = "escala-pmggt"
SEMILLA = 2026
LOTE = 5000  # rows per INSERT
SERVICIOS_POR_EXPERTO = 30
ETAPA = Documento.Etapa.DIAGNOSTICO


# The final situation of a later stage's documents (Etapa II…), by Ciclo: the older Ciclos
# mostly visado, the current one mostly being written or in review.
PESOS_ETAPA_POSTERIOR = {
    "actual": {
        "nuevo": 0.3,
        "devuelto": 0.2,
        "revision": 0.2,
        "visacion": 0.15,
        "visado": 0.12,
        "modificacion": 0.03,
    },
    "anterior": {
        "visado": 0.84,
        "revisado_modificado": 0.04,
        "visacion": 0.03,
        "revision": 0.03,
        "devuelto": 0.03,
        "nuevo": 0.03,
    },
}


class EscalaExistente(Exception):
    """The database already holds a scale data set (and it was not to be replaced)."""


class EscalaInvalida(Exception):
    """Arguments or data the generator cannot work with (the message is for the user)."""


# --- Usernames the benchmark relies on ---------------------------------------------------------


def codigo_servicio(numero: int, total: int) -> str:
    """The code of the n-th Servicio, S001… (at least three digits); its sigla is
    ESCALA-S001 and its users' names end in .s001."""
    return f"S{numero:0{max(3, len(str(total)))}d}"


def usuario_admin() -> str:
    return f"{PREFIJO_USUARIO}admin"


def usuario_experto(numero: int | None = None) -> str:
    """The Experto/a of every Servicio (None), or the one of about 30 Servicios (1, 2…)."""
    return f"{PREFIJO_USUARIO}experto" + ("" if numero is None else f".{numero:02d}")


def usuario_encargado(codigo: str) -> str:
    return f"{PREFIJO_USUARIO}encargado.{codigo.lower()}"


def usuario_jefe(codigo: str) -> str:
    return f"{PREFIJO_USUARIO}jefe.{codigo.lower()}"


def usuario_centro(codigo: str, region: str) -> str:
    return f"{PREFIJO_USUARIO}centro.{codigo.lower()}.{region.lower()}"


def usuario_gore(region: str) -> str:
    return f"{PREFIJO_USUARIO}gore.{region.lower()}"


# --- What the core hands to a stage's ``escala`` hook --------------------------------------------


@dataclass
class DocumentoEscala:
    """One generated document, for its stage's ``escala`` hook.

    ``documento`` is saved (pk set), with ``servicio`` and ``ciclo`` loaded; ``centros`` are the
    Servicio's Centros north to south, each with ``region`` loaded ([] without Centros).
    ``encargado_id`` writes the Servicio-level parts; ``encargados_centro`` ({centro pk: user
    pk}) the regional ones. ``creado`` is when the document was created; ``envios[k - 1]`` when
    version k was sent; ``reaperturas[k - 1]`` when it went back to Borrador after version k (a
    return or a modification request). The content of version k + 1 may differ from version k
    only by edits made between ``reaperturas[k - 1]`` and ``envios[k]``; nothing is edited
    after the last version. A document never sent (no ``envios``) is still being written up to
    ``hasta``.
    """

    documento: Documento
    centros: list
    encargado_id: int
    encargados_centro: dict
    creado: datetime
    envios: list = field(default_factory=list)
    reaperturas: list = field(default_factory=list)
    hasta: datetime | None = None


# --- Bulk writes with history (used by the stages' hooks too) ------------------------------------


def crear(modelo, objetos: list, *, using: str) -> list:
    """bulk_create in batches; the objects come back with their pks (PostgreSQL, SQLite).

    On PostgreSQL the rows go straight into the INSERT … SELECT * FROM UNNEST(…) RETURNING
    that Django's bulk_create itself sends there, without its per-value preparation (the
    generator's values are already what the columns hold): several times faster.
    """
    if not objetos:
        return objetos
    if connections[using].vendor == "postgresql":
        return _crear_postgresql(modelo, objetos, using)
    return modelo._base_manager.db_manager(using).bulk_create(objetos, batch_size=LOTE)


@functools.cache
def _columnas(modelo, using: str) -> tuple:
    """[(attname, column, array type, is json)] of the columns an INSERT writes (not the
    database-generated primary key), and the primary key's column."""
    conexion = connections[using]
    pk = modelo._meta.pk
    columnas = []
    for f in modelo._meta.concrete_fields:
        if f is pk and f.db_returning:
            continue
        tipo = f.db_type(conexion)
        if tipo is None:  # pragma: no cover - no such field in this project
            raise EscalaInvalida(f"Campo sin tipo de base de datos: {f}")
        columnas.append((f.attname, f.column, f"{tipo}[]", f.get_internal_type() == "JSONField"))
    return tuple(columnas), pk.column if pk.db_returning else None


def _crear_postgresql(modelo, objetos: list, using: str) -> list:
    columnas, pk = _columnas(modelo, using)
    conexion = connections[using]
    q = conexion.ops.quote_name
    sql = (
        f"INSERT INTO {q(modelo._meta.db_table)} ({', '.join(q(c) for _a, c, _t, _j in columnas)}) "
        f"SELECT * FROM UNNEST({', '.join(f'%s::{t}' for _a, _c, t, _j in columnas)})"
        + (f" RETURNING {q(pk)}" if pk else "")
    )
    atributo_pk = modelo._meta.pk.attname
    with conexion.cursor() as cursor:
        for inicio in range(0, len(objetos), LOTE):
            lote = objetos[inicio : inicio + LOTE]
            valores = []
            for atributo, _c, _t, es_json in columnas:
                lista = [getattr(o, atributo) for o in lote]
                if es_json:
                    lista = [None if v is None else json.dumps(v) for v in lista]
                valores.append(lista)
            cursor.execute(sql, valores)
            if pk:
                for objeto, (valor,) in zip(lote, cursor.fetchall(), strict=True):
                    setattr(objeto, atributo_pk, valor)
                    objeto._state.adding = False
                    objeto._state.db = using
    return objetos


def _instancia(modelo, valores: dict):
    """A model instance from all its attribute values, without Model.__init__ (rows are made
    by the hundred thousand: no descriptors, no init signals)."""
    objeto = modelo.__new__(modelo)
    objeto._state = ModelState()
    objeto.__dict__.update(valores)
    return objeto


@functools.cache
def _por_omision(modelo) -> tuple:
    """[(attname, default, callable?)] of a model's concrete fields."""
    resultado = []
    for f in modelo._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            resultado.append((f.attname, f.default, True))
        else:
            resultado.append((f.attname, f.get_default(), False))
    return tuple(resultado)


def instancia(modelo, **valores):
    """A new, unsaved instance given attribute values (``centro_id=…``, not ``centro=…``);
    fields not given take their defaults. Much cheaper than ``Modelo(…)`` for bulk rows."""
    datos = {}
    for atributo, defecto, llamar in _por_omision(modelo):
        if atributo in valores:
            datos[atributo] = valores.pop(atributo)
        else:
            datos[atributo] = defecto() if llamar else defecto
    if valores:
        raise TypeError(f"{modelo.__name__} no tiene los campos {sorted(valores)}.")
    return _instancia(modelo, datos)


@functools.cache
def modelo_historico(modelo):
    """The historical model of a model with history (None without). Cached: simple-history
    builds a new manager class on every access to ``Modelo.history``."""
    nombre = getattr(modelo._meta, "simple_history_manager_attribute", None)
    return getattr(modelo, nombre).model if nombre else None


@functools.cache
def _rastreados(historico) -> tuple[str, ...]:
    return tuple(f.attname for f in historico.tracked_fields)


def registro_historico(objeto, *, tipo: str, fecha: datetime, usuario_id, **cambios):
    """An (unsaved) historical row of ``objeto`` as it was then: its current values overridden
    by ``cambios``; ``tipo`` "+" (created) or "~" (changed)."""
    modelo = modelo_historico(type(objeto))
    valores = {campo: getattr(objeto, campo) for campo in _rastreados(modelo)}
    valores.update(cambios)
    valores.update(
        history_id=None,
        history_date=fecha,
        history_type=tipo,
        history_user_id=usuario_id,
        history_change_reason=None,
    )
    return _instancia(modelo, valores)


def registros_m2m(registro, campo: str, filas: list) -> list:
    """The m2m history rows of ``registro`` (a historical row) for ``campo``: one per saved
    through row in ``filas`` (what simple-history keeps on each historical row)."""
    modelo = _modelo_m2m(type(registro), campo)
    return [
        _instancia(
            modelo,
            {
                "m2m_history_id": None,
                "history_id": registro.pk,
                **{a: getattr(fila, a) for a in _atributos(type(fila))},
            },
        )
        for fila in filas
    ]


@functools.cache
def _modelo_m2m(historico, campo: str):
    return apps.get_model(historico._meta.app_label, f"{historico.__name__}_{campo}")


@functools.cache
def _atributos(modelo) -> tuple[str, ...]:
    return tuple(f.attname for f in modelo._meta.concrete_fields)


def crear_historia(registros: list, *, using: str) -> list:
    """Save historical rows (of one model) in batches."""
    if not registros:
        return registros
    return crear(type(registros[0]), registros, using=using)


def crear_con_historia(modelo, objetos: list, *, using: str, fecha, usuario_id) -> list:
    """bulk_create objetos and one "+" history row each, made ``fecha`` by ``usuario_id`` (each
    a value, or a callable of the object)."""
    objetos = crear(modelo, objetos, using=using)
    crear_historia(
        [
            registro_historico(
                o,
                tipo="+",
                fecha=fecha(o) if callable(fecha) else fecha,
                usuario_id=usuario_id(o) if callable(usuario_id) else usuario_id,
            )
            for o in objetos
        ],
        using=using,
    )
    return objetos


@contextmanager
def _fechas_propias(*modelos):
    """Let bulk_create keep the dates we set on auto_now_add fields (the story's dates)."""
    campos = [
        f for m in modelos for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)
    ]
    for f in campos:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in campos:
            f.auto_now_add = True


class _Enrutador:
    """Sends every read and write to one database alias while the generator runs (the product's
    services, which it calls for regions and the administrators' group, use the default)."""

    def __init__(self, alias):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias

    def db_for_write(self, model, **hints):
        return self.alias


@contextmanager
def _en_base(alias: str):
    if alias == DEFAULT_DB_ALIAS:
        yield
        return
    enrutador = _Enrutador(alias)
    router.routers.insert(0, enrutador)
    try:
        yield
    finally:
        router.routers.remove(enrutador)


# --- Replacing a previous data set ---------------------------------------------------------------


def _borrar(qs, *, using: str, estricto: bool, pila=()) -> int:
    """Delete qs and what depends on it (their history too) with plain DELETEs: no signals, no
    rows loaded, no "deleted" history rows. ``estricto``: protected rows that still point at qs
    (data outside the scale set) stop everything instead of being deleted."""
    modelo = qs.model
    # Rows pointing at historical rows are their own (the m2m history): they go with them.
    historico = hasattr(modelo, "instance_type")
    borradas = 0
    for relacion in get_candidate_relations_to_delete(modelo._meta):
        al_borrar = relacion.field.remote_field.on_delete
        relacionado = relacion.related_model
        if relacionado is modelo or relacionado in pila:
            continue
        if al_borrar is models.DO_NOTHING:
            if not historico:
                continue
            al_borrar = models.CASCADE
        dependientes = relacionado._base_manager.using(using).filter(
            **{f"{relacion.field.name}__in": qs}
        )
        if al_borrar is models.SET_NULL:
            dependientes.update(**{relacion.field.name: None})
        elif al_borrar in (models.PROTECT, models.RESTRICT) and estricto:
            if dependientes.exists():
                raise EscalaInvalida(
                    f"No se puede reemplazar la escala: hay {relacionado._meta.verbose_name_plural}"
                    f" ajenos a ella que dependen de {modelo._meta.verbose_name_plural} de escala."
                )
        elif al_borrar in (models.CASCADE, models.PROTECT, models.RESTRICT):
            borradas += _borrar(dependientes, using=using, estricto=estricto, pila=(*pila, modelo))
    del_modelo = modelo_historico(modelo)
    if del_modelo is not None:
        borradas += _borrar(
            del_modelo._base_manager.using(using).filter(id__in=qs.values("pk")),
            using=using,
            estricto=estricto,
            pila=(*pila, modelo),
        )
    return borradas + qs._raw_delete(using)


def borrar_escala(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Remove a previous scale data set (Servicios ESCALA-…, their documents, Centros, role
    groups and grants, and the escala.… users). Ciclos and regions stay. Rows deleted."""
    User = get_user_model()
    servicios = Servicio.objects.using(using).filter(sigla__istartswith=PREFIJO)
    borradas = _borrar(
        Documento.objects.using(using).filter(servicio__in=servicios), using=using, estricto=False
    )
    grupos = Group.objects.using(using).filter(
        models.Q(rol__servicio__in=servicios)
        | models.Q(rol__centro__servicio__in=servicios)
        | models.Q(name__istartswith=PREFIJO)
    )
    borradas += _borrar(
        Group.objects.using(using).filter(pk__in=list(grupos.values_list("pk", flat=True))),
        using=using,
        estricto=True,
    )
    borradas += _borrar(
        Centro.objects.using(using).filter(servicio__in=servicios), using=using, estricto=True
    )
    borradas += _borrar(servicios, using=using, estricto=True)
    usuarios = User.objects.using(using).filter(username__startswith=PREFIJO_USUARIO)
    return borradas + _borrar(usuarios, using=using, estricto=True)


# --- Names ---------------------------------------------------------------------------------------

NOMBRES = [
    "María",
    "José",
    "Camila",
    "Valentina",
    "Francisca",
    "Javiera",
    "Catalina",
    "Constanza",
    "Daniela",
    "Fernanda",
    "Carolina",
    "Paulina",
    "Andrea",
    "Claudia",
    "Patricia",
    "Marcela",
    "Verónica",
    "Alejandra",
    "Lorena",
    "Paola",
    "Carla",
    "Natalia",
    "Bárbara",
    "Isidora",
    "Antonia",
    "Trinidad",
    "Ignacia",
    "Sofía",
    "Macarena",
    "Gabriela",
    "Juan",
    "Pedro",
    "Diego",
    "Matías",
    "Felipe",
    "Sebastián",
    "Nicolás",
    "Cristián",
    "Rodrigo",
    "Francisco",
    "Gonzalo",
    "Andrés",
    "Jorge",
    "Luis",
    "Carlos",
    "Alejandro",
    "Pablo",
    "Tomás",
    "Benjamín",
    "Joaquín",
    "Vicente",
    "Ignacio",
    "Mauricio",
    "Claudio",
    "Patricio",
    "Héctor",
    "Ricardo",
    "Eduardo",
    "Marcelo",
    "Álvaro",
    "Rafael",
]
APELLIDOS = [
    "González",
    "Muñoz",
    "Rojas",
    "Díaz",
    "Pérez",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
    "Morales",
    "Rodríguez",
    "López",
    "Fuentes",
    "Hernández",
    "Torres",
    "Araya",
    "Flores",
    "Espinoza",
    "Valenzuela",
    "Castillo",
    "Tapia",
    "Reyes",
    "Gutiérrez",
    "Castro",
    "Pizarro",
    "Álvarez",
    "Vásquez",
    "Sánchez",
    "Fernández",
    "Ramírez",
    "Carrasco",
    "Gómez",
    "Cortés",
    "Herrera",
    "Núñez",
    "Jara",
    "Vergara",
    "Rivera",
    "Figueroa",
    "Riquelme",
    "García",
    "Miranda",
    "Bravo",
    "Vera",
    "Molina",
    "Vega",
    "Campos",
    "Sandoval",
    "Orellana",
    "Zúñiga",
    "Olivares",
    "Alarcón",
    "Gallardo",
    "Ortiz",
    "Garrido",
    "Salazar",
    "Guzmán",
    "Henríquez",
    "Saavedra",
    "Navarro",
    "Aguilera",
    "Parra",
    "Romero",
    "Aravena",
    "Cáceres",
    "Yáñez",
    "Jiménez",
    "Ruiz",
    "Leiva",
    "Escobar",
    "Vidal",
    "Manríquez",
    "Medina",
    "Cárdenas",
    "Paredes",
    "Lagos",
    "Poblete",
    "Inostroza",
    "Quezada",
]

MINISTERIOS = {
    "Ministerio de Desarrollo Social y Familia": [
        "Desarrollo Social",
        "la Discapacidad",
        "el Adulto Mayor",
        "la Juventud",
        "Desarrollo Indígena",
        "Protección Social",
    ],
    "Ministerio de Vivienda y Urbanismo": ["Vivienda", "Desarrollo Urbano", "Barrios"],
    "Ministerio de Obras Públicas": [
        "Vialidad",
        "Obras Hidráulicas",
        "Aeropuertos",
        "Obras Portuarias",
        "Arquitectura",
        "Agua Potable Rural",
    ],
    "Ministerio de Salud": ["Salud Pública", "Abastecimiento en Salud", "Fonasa"],
    "Ministerio de Educación": [
        "Educación Pública",
        "Becas Estudiantiles",
        "Jardines Infantiles",
        "Calidad de la Educación",
    ],
    "Ministerio de Agricultura": [
        "Desarrollo Agropecuario",
        "Riego",
        "Sanidad Agrícola y Ganadera",
        "Bosques",
        "Innovación Agraria",
    ],
    "Ministerio de Economía, Fomento y Turismo": [
        "Turismo",
        "Pesca y Acuicultura",
        "Cooperativas",
        "Fomento Productivo",
        "Consumidores",
    ],
    "Ministerio del Trabajo y Previsión Social": [
        "Capacitación y Empleo",
        "Previsión Social",
        "Seguridad Laboral",
    ],
    "Ministerio de Energía": ["Eficiencia Energética", "Combustibles", "Electrificación Rural"],
    "Ministerio del Medio Ambiente": [
        "Evaluación Ambiental",
        "Biodiversidad y Áreas Protegidas",
        "Calidad del Aire",
    ],
    "Ministerio de Transportes y Telecomunicaciones": [
        "Transporte Público Regional",
        "Telecomunicaciones",
        "Seguridad de Tránsito",
    ],
    "Ministerio de Bienes Nacionales": ["Bienes Fiscales", "Catastro Territorial"],
    "Ministerio de Justicia y Derechos Humanos": [
        "Menores",
        "Registro Civil",
        "Reinserción Social",
        "Asistencia Jurídica",
    ],
    "Ministerio del Interior y Seguridad Pública": [
        "Prevención del Delito",
        "Emergencias",
        "Desarrollo Regional",
    ],
    "Ministerio de las Culturas, las Artes y el Patrimonio": [
        "Patrimonio Cultural",
        "Bibliotecas Públicas",
        "Fomento de las Artes",
    ],
    "Ministerio del Deporte": ["Deportes", "Actividad Física"],
    "Ministerio de la Mujer y la Equidad de Género": ["la Mujer", "Equidad de Género"],
    "Ministerio de Minería": ["Geología y Minería", "Pequeña Minería"],
    "Ministerio de Ciencia, Tecnología, Conocimiento e Innovación": [
        "Investigación y Desarrollo",
        "Ciencia Regional",
    ],
}
TIPOS_SERVICIO = [
    "Servicio Nacional de",
    "Dirección Nacional de",
    "Instituto Nacional de",
    "Fondo Nacional de",
    "Corporación Nacional de",
    "Agencia de",
    "Subsecretaría de",
    "Programa Nacional de",
    "Comisión Nacional de",
    "Superintendencia de",
]
TIPOS_REGIONAL = [
    ("Servicio de Vivienda y Urbanización", "Ministerio de Vivienda y Urbanismo"),
    ("Servicio de Salud", "Ministerio de Salud"),
    ("Servicio Local de Educación Pública", "Ministerio de Educación"),
    ("Dirección Regional de Vialidad", "Ministerio de Obras Públicas"),
    ("Corporación Regional de Desarrollo Productivo", "Ministerio de Economía, Fomento y Turismo"),
]
UNIDADES_CENTRO = ["Dirección Regional", "Oficina Regional", "Secretaría Regional", "Delegación"]


def _de(nombre_region: str) -> str:
    """A region's name without "Región": "de Tarapacá", "del Maule", "Metropolitana de…"."""
    return nombre_region.removeprefix("Región ")


def miles(n: int) -> str:
    """12.345 (Chilean thousands separator)."""
    return f"{n:,}".replace(",", ".")


def sin_acentos(texto: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", texto) if unicodedata.category(c) != "Mn"
    )


# --- Texts of the review -------------------------------------------------------------------------

OBSERVACIONES = [
    "Precisar el alcance territorial de lo señalado.",
    "Falta indicar las comunas o provincias en que se aplicará.",
    "La redacción es general: concretar metas y plazos.",
    "Revisar la coherencia con los productos estratégicos declarados.",
    "Incorporar la fuente de los datos utilizados.",
    "No se identifica quién es responsable de la medida en la región.",
    "Se sugiere cuantificar la brecha territorial que se busca reducir.",
    "Completar: el texto quedó inconcluso.",
    "Aclarar la relación con la Estrategia Regional de Desarrollo.",
    "Distinguir lo que ya existe de lo que se propone mejorar.",
    "El objetivo recomendado no es verificable tal como está redactado.",
    "Considerar la coordinación con el Gobierno Regional y los municipios.",
    "Revisar ortografía y uso de siglas: no todas están definidas.",
    "Indicar cómo se informará al GORE y con qué periodicidad.",
    "Las medidas propuestas no se vinculan con la mejora prevista.",
    "Separar en dos filas: se mezclan causales distintas.",
    "Falta desagregar la información por región.",
    "Se repite el texto de otra región: adecuarlo a la realidad local.",
    "Explicar por qué el producto no aplica perspectiva territorial.",
    "Precisar los instrumentos de gestión que se modificarán.",
]
COMPLEMENTOS_OBSERVACION = [
    "Ver Guía Metodológica, sección 6.2.1.",
    "Se conversó en la reunión de retroalimentación.",
    "Considerar lo informado en el ciclo anterior.",
    "Revisar con el Centro de Responsabilidad regional.",
    "Es un aspecto recurrente en otros servicios.",
    "Adjuntar respaldo si corresponde.",
]
COMENTARIOS = {
    Accion.ENVIAR: [
        "Se incorporan las observaciones de la revisión anterior.",
        "Se envía con la información regional completa.",
        "Se actualizan los cuadros regionales según lo solicitado.",
    ],
    Accion.APROBAR: ["Conforme.", "Aprobado para revisión de SUBDERE.", "Sin observaciones."],
    Accion.DEVOLVER: [
        "Se devuelve con observaciones: revisar las secciones regionales.",
        "Se devuelve para completar y precisar la información.",
        "Favor revisar las observaciones marcadas en el documento.",
        "Quedan aspectos por mejorar antes de la visación.",
    ],
    Accion.VISAR: ["V°B° técnico.", "Se visa el documento.", "Visado sin observaciones."],
    Accion.SOLICITAR_MODIFICACION: [
        "Se requiere actualizar la información regional tras la reformulación presupuestaria.",
        "Cambió la estructura de productos estratégicos: se solicita modificar.",
        "Se incorporan nuevos Centros de Responsabilidad al diagnóstico.",
    ],
}


def _texto_observacion(rng: random.Random) -> str:
    texto = rng.choice(OBSERVACIONES)
    if rng.random() < 0.4:
        texto += " " + rng.choice(COMPLEMENTOS_OBSERVACION)
    if rng.random() < 0.1:
        texto += " " + rng.choice(OBSERVACIONES)
    return texto


# --- The generator -------------------------------------------------------------------------------


@dataclass
class ResumenEtapa:
    """What was generated of one stage."""

    titulo: str
    documentos: int = 0
    versiones: int = 0
    transiciones: int = 0
    observaciones: int = 0
    observaciones_abiertas: int = 0
    por_estado: dict = field(default_factory=dict)  # anio -> {estado: n}
    segundos: float = 0.0

    @property
    def visados(self) -> int:
        return sum(n.get(Estado.VISADO, 0) for n in self.por_estado.values())


@dataclass
class Resumen:
    servicios: int = 0
    centros: int = 0
    ciclos: list = field(default_factory=list)
    usuarios: int = 0
    grupos: int = 0
    documentos: int = 0
    versiones: int = 0
    transiciones: int = 0
    observaciones: int = 0
    observaciones_abiertas: int = 0
    por_estado: dict = field(default_factory=dict)  # anio -> {estado: n}, every stage
    etapas: dict = field(default_factory=dict)  # stage number -> ResumenEtapa
    usuarios_clave: dict = field(default_factory=dict)
    todos_los_usuarios: list = field(default_factory=list)
    segundos: float = 0.0


@dataclass
class _ServicioPlan:
    """One generated Servicio: its Centros, role groups and the people in them."""

    servicio: Servicio
    codigo: str
    tipo: str  # "nacional" (a Centro per región), "sin_centros" or "regional"
    centros: list = field(default_factory=list)
    grupos: dict = field(default_factory=dict)  # role type (or a Centro's pk) -> Group
    u_encargado: object = None
    u_jefe: object = None
    u_expertos: list = field(default_factory=list)
    u_centros: dict = field(default_factory=dict)  # Centro -> user
    encargado: int = 0
    jefe: int = 0
    expertos: list = field(default_factory=list)  # [its own Experto/a NN, the one of all]
    encargados_centro: dict = field(default_factory=dict)  # centro pk -> user pk


def existe_escala(using: str = DEFAULT_DB_ALIAS) -> int:
    """How many scale Servicios the database holds."""
    return Servicio.objects.using(using).filter(sigla__istartswith=PREFIJO).count()


def generar(
    *,
    servicios: int,
    ciclos: int,
    contrasena: str = CONTRASENA,
    semilla: int = SEMILLA,
    reemplazar: bool = False,
    anio: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
    informar: Callable[[str], None] = lambda mensaje: None,
) -> Resumen:
    """Build the data set (see the module's docstring); ``informar`` receives progress lines."""
    if servicios < 1 or ciclos < 1:
        raise EscalaInvalida("Indique al menos un Servicio y un Ciclo.")
    definicion = etapas.de(ETAPA) if etapas.disponible(ETAPA) else None
    if definicion is None or definicion.escala is None:
        raise EscalaInvalida("La Etapa I no declara cómo generar su contenido a escala.")
    # The later stages that declare the hook, in order (each on its required stage's V°B°).
    posteriores = [e for e in etapas.todas() if e.numero > ETAPA and e.escala is not None]
    inicio = time.monotonic()
    User = get_user_model()
    with _en_base(using), transaction.atomic(using=using):
        previos = existe_escala(using)
        usuarios_previos = (
            User.objects.using(using).filter(username__startswith=PREFIJO_USUARIO).count()
        )
        if previos or usuarios_previos:
            if not reemplazar:
                raise EscalaExistente(
                    f"La base de datos ya tiene datos de escala ({previos} Servicios con sigla "
                    f"{PREFIJO}…, {usuarios_previos} usuarios {PREFIJO_USUARIO}…). Use "
                    "--reemplazar para borrarlos y generarlos de nuevo."
                )
            t = time.monotonic()
            borradas = borrar_escala(using=using)
            informar(
                f"Datos de escala anteriores borrados ({miles(borradas)} filas, "
                f"{time.monotonic() - t:.1f} s)."
            )
        generador = _Generador(
            rng=random.Random(semilla),
            n_servicios=servicios,
            n_ciclos=ciclos,
            contrasena=contrasena,
            anio=anio,
            using=using,
            informar=informar,
            definicion=definicion,
            posteriores=posteriores,
            semilla=semilla,
        )
        resumen = generador.ejecutar()
    if connections[using].vendor == "postgresql":
        # Fresh planner statistics for what was just written (a benchmark reads it next).
        t = time.monotonic()
        with connections[using].cursor() as cursor:
            cursor.execute("ANALYZE")
        informar(f"Estadísticas de PostgreSQL actualizadas (ANALYZE, {time.monotonic() - t:.1f} s)")
    resumen.segundos = time.monotonic() - inicio
    return resumen


class _Generador:
    def __init__(
        self,
        *,
        rng,
        n_servicios,
        n_ciclos,
        contrasena,
        anio,
        using,
        informar,
        definicion,
        posteriores=(),
        semilla=SEMILLA,
    ):
        self.rng = rng
        self.n = n_servicios
        self.n_ciclos = n_ciclos
        self.contrasena = contrasena
        self.ahora = timezone.now().replace(microsecond=0)
        self.anio = anio or timezone.localdate().year
        self.using = using
        self.informar = informar
        self.definicion = definicion
        self.posteriores = list(posteriores)
        self.semilla = semilla
        # (stage, Servicio code, year) -> when that document got its (last) V°B°.
        self.visados: dict = {}
        self.resumen = Resumen()
        self._t = time.monotonic()

    # -- progress --

    def _paso(self, mensaje: str) -> None:
        ahora = time.monotonic()
        self.informar(f"{mensaje} ({ahora - self._t:.1f} s)")
        self._t = ahora

    def ejecutar(self) -> Resumen:
        self._administracion()
        self._paso("Administrador/a, regiones y GORE listos")
        self._ciclos()
        anios = f"{self.ciclos[0].anio}–{self.ciclos[-1].anio}"
        self._paso(
            f"{len(self.ciclos)} ciclos ({anios})"
            if len(self.ciclos) > 1
            else f"1 ciclo ({self.ciclos[0].anio})"
        )
        self._organizacion()
        self._paso(
            f"{self.resumen.servicios} Servicios y {self.resumen.centros} Centros de "
            "Responsabilidad creados"
        )
        self._grupos()
        self._paso(f"{self.resumen.grupos} grupos de rol con sus permisos por objeto")
        self._usuarios()
        self._paso(f"{self.resumen.usuarios} usuarios con sus roles")
        etapa_i = self._resumen_etapa(self.definicion)
        inicio = time.monotonic()
        for ciclo in self.ciclos:
            self._documentos(ciclo, self.definicion)
            self._paso(
                f"Ciclo {ciclo.anio}: {self.n} documentos de la Etapa I con su contenido, "
                "versiones, transiciones y observaciones"
            )
        etapa_i.segundos = time.monotonic() - inicio
        principal = self.rng
        try:
            for definicion in self.posteriores:
                if definicion.requiere not in self.resumen.etapas:
                    self.informar(
                        f"{definicion.titulo}: se omite (la etapa que requiere no se generó)."
                    )
                    continue
                # Its own seeded generator: Etapa I's figures do not depend on it.
                self.rng = random.Random(f"{self.semilla}:{definicion.numero}")
                resumen = self._resumen_etapa(definicion)
                inicio = time.monotonic()
                for ciclo in self.ciclos:
                    n = self._documentos(ciclo, definicion)
                    self._paso(
                        f"Ciclo {ciclo.anio}: {n} documentos de la {definicion.titulo} con su "
                        "contenido, versiones, transiciones y observaciones"
                    )
                resumen.segundos = time.monotonic() - inicio
        finally:
            self.rng = principal
        return self.resumen

    def _resumen_etapa(self, definicion) -> ResumenEtapa:
        resumen = ResumenEtapa(titulo=definicion.titulo)
        self.resumen.etapas[definicion.numero] = resumen
        return resumen

    # -- administration, regions, cycles --

    def _administracion(self) -> None:
        User = get_user_model()
        self.hash = make_password(self.contrasena)
        self.inicio = datetime(self.anio - self.n_ciclos, 12, 1, 12, tzinfo=UTC)
        admin = User(
            username=usuario_admin(),
            first_name="Administración",
            last_name="SUBDERE (escala)",
            email=f"admin@{DOMINIO}",
            password=self.hash,
            is_staff=True,
            date_joined=self.inicio,
        )
        with actuando_como(None):
            admin.save(using=self.using)  # its first history row names itself
        self.admin = admin
        with actuando_como(admin):
            carga.cargar_regiones(actor=admin)
            services.rol_asignar(usuario=admin, tipo=Tipo.ADMINISTRADOR)
        self.regiones = list(Region.objects.using(self.using).order_by("orden"))
        self.gores = {
            rol.gore.region.codigo: rol
            for rol in GrupoRol.objects.using(self.using)
            .filter(tipo=Tipo.GORE)
            .select_related("gore__region", "grupo")
        }
        self.resumen.usuarios_clave["admin"] = admin.username

    def _ciclos(self) -> None:
        anios = list(range(self.anio - self.n_ciclos + 1, self.anio + 1))
        existentes = {c.anio: c for c in Ciclo.objects.using(self.using).filter(anio__in=anios)}
        self.ciclos = []
        with actuando_como(self.admin):
            for anio in anios:
                ciclo = existentes.get(anio)
                actual = anio == anios[-1]
                if ciclo is None:
                    ciclo = Ciclo(anio=anio, abierto=actual)
                    ciclo.save(using=self.using)
                    for etapa, (mes, dia) in enumerate(((6, 30), (9, 30), (11, 30), (12, 31)), 1):
                        Plazo(ciclo=ciclo, etapa=etapa, vence=date(anio, mes, dia)).save(
                            using=self.using
                        )
                elif actual and not ciclo.abierto:
                    ciclo.abierto = True
                    ciclo.save(using=self.using, update_fields=["abierto"])
                self.ciclos.append(ciclo)
        self.resumen.ciclos = anios

    # -- organisation --

    def _tipos_de_servicio(self) -> list[str]:
        """Each Servicio's kind: "nacional" (a Centro per región), "sin_centros" (national,
        none) or "regional" (its región set, no Centros)."""
        n = self.n
        sin = max(1, round(n * 0.04)) if n >= 3 else 0
        regionales = max(1, round(n * 0.08)) if n >= 3 else 0
        tipos = ["sin_centros"] * sin + ["regional"] * regionales
        tipos += ["nacional"] * (n - 1 - len(tipos))
        self.rng.shuffle(tipos)
        return ["nacional", *tipos]  # the first one (S001) always has every region

    def _organizacion(self) -> None:
        rng = self.rng
        combinaciones = [
            (f"{tipo} {tema}", ministerio)
            for ministerio, temas in MINISTERIOS.items()
            for tema in temas
            for tipo in TIPOS_SERVICIO
        ]
        rng.shuffle(combinaciones)
        regionales = [
            (f"{tipo} {_de(r.nombre)}", ministerio, r)
            for tipo, ministerio in TIPOS_REGIONAL
            for r in self.regiones
        ]
        rng.shuffle(regionales)
        usados = {}
        self.planes: list[_ServicioPlan] = []
        servicios = []
        contador = {"regional": 0, "otro": 0}
        for i, tipo in enumerate(self._tipos_de_servicio()):
            codigo = codigo_servicio(i + 1, self.n)
            clase = "regional" if tipo == "regional" else "otro"
            k = contador[clase]
            contador[clase] += 1
            if tipo == "regional":
                nombre, ministerio, region = regionales[k % len(regionales)]
            else:
                nombre, ministerio = combinaciones[k % len(combinaciones)]
                region = None
            usados[nombre] = usados.get(nombre, 0) + 1
            if usados[nombre] > 1:
                nombre = f"{nombre} ({usados[nombre]})"
            servicio = Servicio(
                sigla=f"{PREFIJO}{codigo}", nombre=nombre, ministerio=ministerio, region=region
            )
            servicios.append(servicio)
            plan = _ServicioPlan(servicio=servicio, codigo=codigo, tipo=tipo)
            self.planes.append(plan)
        crear_con_historia(
            Servicio, servicios, using=self.using, fecha=self.inicio, usuario_id=self.admin.pk
        )
        centros = []
        for plan in self.planes:
            if plan.tipo != "nacional":
                continue
            unidad = rng.choice(UNIDADES_CENTRO)
            for region in self.regiones:
                centro = Centro(
                    servicio=plan.servicio, region=region, nombre=f"{unidad} {_de(region.nombre)}"
                )
                plan.centros.append(centro)
                centros.append(centro)
        crear_con_historia(
            Centro, centros, using=self.using, fecha=self.inicio, usuario_id=self.admin.pk
        )
        self.resumen.servicios = len(servicios)
        self.resumen.centros = len(centros)

    def _grupos(self) -> None:
        """The role groups services.roles_asegurar creates, with the grants of PERMISOS_ROL."""
        permisos = {
            (p.content_type.model, p.codename): p
            for p in Permission.objects.using(self.using)
            .filter(content_type__app_label="pmggt")
            .select_related("content_type")
        }
        grupos, roles = [], []
        for plan in self.planes:
            for tipo in services.ROLES_DE_SERVICIO:
                grupo = Group(name=services._nombre_grupo(tipo, plan.servicio))
                grupos.append(grupo)
                roles.append(GrupoRol(tipo=tipo, grupo=grupo, servicio=plan.servicio))
                plan.grupos[tipo] = grupo
            for centro in plan.centros:
                grupo = Group(name=services._nombre_grupo(Tipo.ENCARGADO_CENTRO, centro))
                grupos.append(grupo)
                roles.append(
                    GrupoRol(
                        tipo=Tipo.ENCARGADO_CENTRO,
                        grupo=grupo,
                        centro=centro,
                        servicio=plan.servicio,
                    )
                )
                plan.grupos[centro.pk] = grupo
        crear(Group, grupos, using=self.using)
        for rol in roles:
            rol.grupo_id = rol.grupo.pk
        crear_con_historia(
            GrupoRol, roles, using=self.using, fecha=self.inicio, usuario_id=self.admin.pk
        )
        concesiones_servicio, concesiones_centro = [], []
        for rol in roles:
            for destino, codenames in services.PERMISOS_ROL[rol.tipo]:
                for codename in codenames:
                    if destino == "centro":
                        concesiones_centro.append(
                            instancia(
                                CentroGroupObjectPermission,
                                permission_id=permisos[("centro", codename)].pk,
                                group_id=rol.grupo_id,
                                content_object_id=rol.centro.pk,
                            )
                        )
                    else:
                        concesiones_servicio.append(
                            instancia(
                                ServicioGroupObjectPermission,
                                permission_id=permisos[("servicio", codename)].pk,
                                group_id=rol.grupo_id,
                                content_object_id=rol.servicio.pk,
                            )
                        )
        crear(ServicioGroupObjectPermission, concesiones_servicio, using=self.using)
        crear(CentroGroupObjectPermission, concesiones_centro, using=self.using)
        self.resumen.grupos = len(grupos)

    # -- users --

    def _usuarios(self) -> None:
        rng = self.rng
        User = get_user_model()
        usuarios, miembros = [], []  # miembros: (user, [groups])

        def persona(username, grupos_):
            nombre, apellido = rng.choice(NOMBRES), rng.choice(APELLIDOS)
            segundo = rng.choice(APELLIDOS)
            usuario = User(
                username=username,
                first_name=nombre,
                last_name=f"{apellido} {segundo}",
                email=f"{sin_acentos(nombre).lower()}.{sin_acentos(apellido).lower()}."
                f"{username.removeprefix(PREFIJO_USUARIO)}@{DOMINIO}",
                password=self.hash,
                date_joined=self.inicio,
            )
            usuarios.append(usuario)
            miembros.append((usuario, grupos_))
            return usuario

        n_expertos = max(1, math.ceil(self.n / SERVICIOS_POR_EXPERTO))
        experto_todos = persona(usuario_experto(), [p.grupos[Tipo.EXPERTO] for p in self.planes])
        expertos = []
        for numero in range(1, n_expertos + 1):
            grupos_ = [
                p.grupos[Tipo.EXPERTO]
                for i, p in enumerate(self.planes)
                if 1 + i * n_expertos // self.n == numero
            ]
            expertos.append(persona(usuario_experto(numero), grupos_))
        for i, plan in enumerate(self.planes):
            plan.u_encargado = persona(
                usuario_encargado(plan.codigo), [plan.grupos[Tipo.ENCARGADO_GT]]
            )
            plan.u_jefe = persona(usuario_jefe(plan.codigo), [plan.grupos[Tipo.JEFE]])
            plan.u_expertos = [expertos[i * n_expertos // self.n], experto_todos]
            plan.u_centros = {
                centro: persona(
                    usuario_centro(plan.codigo, centro.region.codigo), [plan.grupos[centro.pk]]
                )
                for centro in plan.centros
            }
        gores = []
        for region in self.regiones:
            rol = self.gores.get(region.codigo)
            gores.append(persona(usuario_gore(region.codigo), [rol.grupo] if rol else []))
        crear(User, usuarios, using=self.using)
        Miembro = User.groups.through
        filas = {}
        for usuario, grupos_ in miembros:
            filas[usuario.pk] = [
                instancia(Miembro, user_id=usuario.pk, group_id=g.pk) for g in grupos_
            ]
        crear(Miembro, [f for lista in filas.values() for f in lista], using=self.using)
        historicos = crear_historia(
            [
                registro_historico(u, tipo="+", fecha=self.inicio, usuario_id=self.admin.pk)
                for u in usuarios
            ],
            using=self.using,
        )
        crear_historia(
            [
                m
                for registro, usuario in zip(historicos, usuarios, strict=True)
                for m in registros_m2m(registro, "groups", filas[usuario.pk])
            ],
            using=self.using,
        )
        for plan in self.planes:
            plan.encargado = plan.u_encargado.pk
            plan.jefe = plan.u_jefe.pk
            plan.expertos = [u.pk for u in plan.u_expertos]
            plan.encargados_centro = {c.pk: u.pk for c, u in plan.u_centros.items()}
        self.resumen.usuarios = len(usuarios) + 1
        self.resumen.usuarios_clave.update(
            {
                "experto": experto_todos.username,
                "expertos": [u.username for u in expertos],
                "gores": [u.username for u in gores],
                "codigos": [self.planes[0].codigo, self.planes[-1].codigo],
                "regiones": [r.codigo for r in self.regiones],
            }
        )
        self.resumen.todos_los_usuarios = [usuario_admin()] + [u.username for u in usuarios]

    # -- documents --

    def _categorias(self, actual: bool, n: int | None = None, pesos=None) -> list[str]:
        """The final situation of each document of one Ciclo, by Servicio (``n`` documents;
        ``pesos``: a later stage's proportions, PESOS_ETAPA_POSTERIOR)."""
        n = self.n if n is None else n
        if pesos is not None:
            pesos = pesos["actual" if actual else "anterior"]
        elif actual:
            pesos = {
                "nuevo": 0.2,
                "devuelto": 0.15,
                "revision": 0.2,
                "visacion": 0.2,
                "visado": 0.2,
                "modificacion": 0.05,
            }
        else:
            pesos = {
                "visado": 0.86,
                "revisado_modificado": 0.05,
                "visacion": 0.03,
                "revision": 0.02,
                "devuelto": 0.02,
                "nuevo": 0.02,
            }
        # The current Ciclo shows every state even with a handful of Servicios.
        todos = ["devuelto", "revision", "visacion", "visado"]
        categorias = todos[: min(n, 4)] if actual else []
        claves = list(pesos)
        categorias += self.rng.choices(
            claves, weights=[pesos[c] for c in claves], k=n - len(categorias)
        )
        self.rng.shuffle(categorias)
        if actual and categorias:
            # S001's current document is back in Borrador with many open observaciones: its
            # Encargado/a GT and Encargadas de Centro have something to edit and resolve.
            i = categorias.index("devuelto")
            categorias[0], categorias[i] = categorias[i], categorias[0]
        return categorias

    def _rondas(self) -> list:
        """Returns before the final path (each resolved and sent again)."""
        rng = self.rng
        n = rng.choices([0, 1, 2, 3], weights=[55, 32, 10, 3])[0]
        rondas = []
        for _ in range(n):
            if rng.random() < 0.4:
                rondas += [(Accion.ENVIAR, "encargado"), (Accion.DEVOLVER, "jefe")]
            else:
                rondas += [
                    (Accion.ENVIAR, "encargado"),
                    (Accion.APROBAR, "jefe"),
                    (Accion.DEVOLVER, "experto"),
                ]
        return rondas

    def _guion(self, categoria: str) -> list:
        """[(accion, rol)] from creation to the document's final state."""
        enviar, aprobar, visar = (
            (Accion.ENVIAR, "encargado"),
            (Accion.APROBAR, "jefe"),
            (Accion.VISAR, "experto"),
        )
        guion = [(Accion.CREAR, "encargado")]
        if categoria == "nuevo":
            return guion
        guion += self._rondas()
        if categoria == "revision":
            return guion + [enviar]
        if categoria == "visacion":
            return guion + [enviar, aprobar]
        if categoria == "visado":
            return guion + [enviar, aprobar, visar]
        if categoria == "devuelto":
            if self.rng.random() < 0.4:
                return guion + [enviar, (Accion.DEVOLVER, "jefe")]
            return guion + [enviar, aprobar, (Accion.DEVOLVER, "experto")]
        modificar = (Accion.SOLICITAR_MODIFICACION, "encargado")
        if categoria == "modificacion":
            return guion + [enviar, aprobar, visar, modificar]
        assert categoria == "revisado_modificado", categoria
        return guion + [enviar, aprobar, visar, modificar, enviar, aprobar, visar]

    def _fechas(self, n: int, ciclo: Ciclo, actual: bool, desde=None) -> tuple[list, datetime]:
        """n increasing dates for the story's steps, and the end of the Ciclo's window
        (``desde``: not before then, the V°B° of the stage this one requires)."""
        rng = self.rng
        if desde is not None:
            fin = (
                self.ahora - timedelta(minutes=5)
                if actual
                else datetime(ciclo.anio, 12, 15, 20, tzinfo=UTC)
            )
            primero = desde + (fin - desde) * rng.uniform(0.02, 0.3)
        elif actual:
            fin = self.ahora - timedelta(minutes=5)
            comienzo = fin - timedelta(days=110)
            primero = comienzo + timedelta(seconds=rng.uniform(0, 35 * 86400))
        else:
            fin = datetime(ciclo.anio, 12, 15, 20, tzinfo=UTC)
            primero = datetime(ciclo.anio, 3, 2, 12, tzinfo=UTC) + timedelta(
                seconds=rng.uniform(0, 50 * 86400)
            )
        saltos = [rng.uniform(0.5, 12 if actual else 20) * 86400 for _ in range(n - 1)]
        # Leave room for the content edits (and for the first rows) between the steps.
        disponible = (fin - primero).total_seconds() * 0.95
        total = sum(saltos)
        if total > disponible:
            saltos = [s * disponible / total for s in saltos]
        fechas = [primero]
        for s in saltos:
            fechas.append(fechas[-1] + timedelta(seconds=s))
        return fechas, fin

    def _documentos(self, ciclo: Ciclo, definicion) -> int:
        """One Ciclo's documents of this stage, with their content and their chain; how many."""
        rng = self.rng
        using = self.using
        actual = ciclo.anio == self.ciclos[-1].anio
        etapa = definicion.numero
        if definicion.requiere is None:
            sujetos = [(plan, None) for plan in self.planes]
            categorias = self._categorias(actual)
        else:
            # Every Servicio whose required stage of this Ciclo has a V°B°, from then on.
            sujetos = [
                (plan, self.visados[clave])
                for plan in self.planes
                if (clave := (definicion.requiere, plan.codigo, ciclo.anio)) in self.visados
            ]
            categorias = self._categorias(actual, len(sujetos), PESOS_ETAPA_POSTERIOR)
        if not sujetos:
            return 0
        # The first one of the current Ciclo is back in Borrador with many open observaciones.
        primero = sujetos[0][0]
        docs, historias = [], []
        for (plan, desde), categoria in zip(sujetos, categorias, strict=True):
            guion = self._guion(categoria)
            fechas, fin = self._fechas(len(guion), ciclo, actual, desde)
            pasos = []
            estado, version, visada = "", 0, None
            for (accion, rol), fecha in zip(guion, fechas, strict=True):
                if accion == Accion.CREAR:
                    destino = Estado.BORRADOR
                else:
                    destino = next(r.destino for r in REGLAS[accion] if r.origen == estado)
                if accion == Accion.ENVIAR:
                    version += 1
                if accion == Accion.VISAR:
                    visada = version
                if rol == "experto":
                    actor = plan.expertos[0] if rng.random() < 0.85 else plan.expertos[1]
                else:
                    actor = getattr(plan, rol)
                comentario = ""
                if accion in COMENTARIOS:
                    necesario = accion == Accion.SOLICITAR_MODIFICACION
                    reenvio = accion == Accion.ENVIAR and version > 1
                    if necesario or rng.random() < (0.6 if accion == Accion.DEVOLVER else 0.15):
                        comentario = rng.choice(COMENTARIOS[accion])
                    elif reenvio and rng.random() < 0.5:
                        comentario = COMENTARIOS[Accion.ENVIAR][0]
                pasos.append(
                    {
                        "accion": accion,
                        "origen": estado,
                        "destino": destino,
                        "version": version,
                        "visada": visada,
                        "actor": actor,
                        "fecha": fecha,
                        "comentario": comentario,
                    }
                )
                estado = destino
            ultimo = pasos[-1]
            documento = Documento(
                servicio=plan.servicio,
                ciclo=ciclo,
                etapa=etapa,
                estado=ultimo["destino"],
                version_actual=ultimo["version"],
                version_visada=ultimo["visada"],
                creado_por_id=plan.encargado,
                creado_en=pasos[0]["fecha"],
                estado_desde=ultimo["fecha"],
            )
            docs.append(documento)
            historias.append((plan, categoria, pasos, fin))
            visados = [p["fecha"] for p in pasos if p["accion"] == Accion.VISAR]
            if documento.version_visada is not None:
                self.visados[(etapa, plan.codigo, ciclo.anio)] = visados[-1]
        with _fechas_propias(Documento, VersionDocumento, Transicion, Observacion):
            crear(Documento, docs, using=using)
            crear_historia(
                [
                    registro_historico(
                        d,
                        tipo="+" if p["accion"] == Accion.CREAR else "~",
                        fecha=p["fecha"],
                        usuario_id=p["actor"],
                        estado=p["destino"],
                        version_actual=p["version"],
                        version_visada=p["visada"],
                        estado_desde=p["fecha"],
                    )
                    for d, (_plan, _c, pasos, _f) in zip(docs, historias, strict=True)
                    for p in pasos
                ],
                using=using,
            )
            encargos = []
            for documento, (plan, _categoria, pasos, fin) in zip(docs, historias, strict=True):
                envios = [p["fecha"] for p in pasos if p["accion"] == Accion.ENVIAR]
                reaperturas = [p["fecha"] for p in pasos if p["destino"] == Estado.BORRADOR][1:]
                encargos.append(
                    DocumentoEscala(
                        documento=documento,
                        centros=plan.centros,
                        encargado_id=plan.encargado,
                        encargados_centro=plan.encargados_centro,
                        creado=pasos[0]["fecha"],
                        envios=envios,
                        reaperturas=reaperturas,
                        hasta=fin,
                    )
                )
            contenidos = definicion.escala(encargos, rng, using=using)
            self._cadena(docs, historias, contenidos, actual, definicion, primero)
        resumen = self.resumen.etapas[etapa]
        for d in docs:
            for por_estado in (self.resumen.por_estado, resumen.por_estado):
                por_estado.setdefault(ciclo.anio, {}).setdefault(d.estado, 0)
                por_estado[ciclo.anio][d.estado] += 1
        self.resumen.documentos += len(docs)
        resumen.documentos += len(docs)
        return len(docs)

    def _cadena(self, docs, historias, contenidos, actual: bool, definicion, primero) -> None:
        """Versions, transitions and observaciones of one Ciclo's documents of a stage
        (``primero``: the Servicio whose current document is heavily observed)."""
        rng = self.rng
        using = self.using
        versiones, transiciones = [], []
        for documento, (_plan, _categoria, pasos, _fin) in zip(docs, historias, strict=True):
            instantaneas = contenidos[documento.pk]
            n_versiones = documento.version_actual
            if len(instantaneas) != n_versiones + 1:
                raise EscalaInvalida(
                    f"La etapa entregó {len(instantaneas)} contenidos para {n_versiones} "
                    "versiones (se esperaba uno por versión y el actual)."
                )
            for p in pasos:
                transiciones.append(
                    instancia(
                        Transicion,
                        documento_id=documento.pk,
                        accion=p["accion"],
                        estado_origen=p["origen"],
                        estado_destino=p["destino"],
                        version=p["version"],
                        actor_id=p["actor"],
                        fecha=p["fecha"],
                        comentario=p["comentario"],
                    )
                )
                p["transicion"] = transiciones[-1]
                if p["accion"] == Accion.ENVIAR:
                    contenido = instantaneas[p["version"] - 1]
                    versiones.append(
                        instancia(
                            VersionDocumento,
                            documento_id=documento.pk,
                            numero=p["version"],
                            contenido=contenido,
                            sha256=etapas.sha256(contenido),
                            creada_por_id=p["actor"],
                            creada_en=p["fecha"],
                        )
                    )
        crear_con_historia(
            VersionDocumento,
            versiones,
            using=using,
            fecha=lambda v: v.creada_en,
            usuario_id=lambda v: v.creada_por_id,
        )
        crear_con_historia(
            Transicion,
            transiciones,
            using=using,
            fecha=lambda t: t.fecha,
            usuario_id=lambda t: t.actor_id,
        )
        observaciones, cambios = [], []  # cambios: (observacion, fecha, resolvedor)
        for documento, (plan, categoria, pasos, fin) in zip(docs, historias, strict=True):
            instantaneas = contenidos[documento.pk]
            claves_de = {}

            def claves(numero, instantaneas=instantaneas, claves_de=claves_de):
                if numero not in claves_de:
                    filas = definicion.aplanar(instantaneas[numero - 1])
                    claves_de[numero] = ([""] + [c for c, _e, _t in filas], filas)
                return claves_de[numero]

            for i, p in enumerate(pasos):
                if p["accion"] != Accion.DEVOLVER:
                    continue
                numero = p["version"]
                siguiente = next((q for q in pasos[i + 1 :] if q["accion"] == Accion.ENVIAR), None)
                abierta = siguiente is None
                # A heavily observed document: S001's current one (the first one of a later
                # stage) and about 1 in 10 of the current Ciclo's returned ones.
                pesada = (plan is primero or rng.random() < 0.1) and (
                    abierta and categoria == "devuelto" and actual
                )
                if pesada:
                    cuantas = rng.randint(45, 55)
                elif p["actor"] == plan.jefe:
                    cuantas = rng.randint(1, 4)
                else:
                    cuantas = rng.randint(1, 7)
                todas, filas = claves(numero)
                cambiadas = []
                if siguiente is not None:
                    nuevas = dict((c, t) for c, _e, t in claves(numero + 1)[1])
                    cambiadas = [c for c, _e, t in filas if nuevas.get(c, t) != t]
                    rng.shuffle(cambiadas)
                destinos = cambiadas[:cuantas]
                destinos += [rng.choice(todas) for _ in range(cuantas - len(destinos))]
                hasta = siguiente["fecha"] if siguiente else fin
                for campo in destinos:
                    obs = instancia(
                        Observacion,
                        documento_id=documento.pk,
                        version=numero,
                        autor_id=p["actor"],
                        texto=_texto_observacion(rng),
                        campo=campo,
                        transicion_id=p["transicion"].pk,
                        creada_en=p["fecha"],
                    )
                    observaciones.append(obs)
                    # A few open ones already resolved in the Borrador under way (not on the
                    # heavily observed documents: those keep their ~50 open).
                    if not abierta or (not pesada and rng.random() < 0.2):
                        # Resolved by the Encargado/a GT before sending again (or already, in
                        # the Borrador under way).
                        desde = p["fecha"] + timedelta(minutes=1)
                        fecha = desde + (hasta - desde) * rng.uniform(0.05, 0.9)
                        cambios.append((obs, fecha, plan.encargado))
            if actual and categoria == "visacion" and rng.random() < 0.3:
                # An Experto/a pinning observaciones while reviewing (not yet a return).
                aprobado = pasos[-1]["fecha"]
                todas, _filas = claves(documento.version_actual)
                for _ in range(rng.randint(1, 3)):
                    observaciones.append(
                        instancia(
                            Observacion,
                            documento_id=documento.pk,
                            version=documento.version_actual,
                            autor_id=plan.expertos[0],
                            texto=_texto_observacion(rng),
                            campo=rng.choice(todas),
                            creada_en=aprobado + (fin - aprobado) * rng.uniform(0.1, 0.9),
                        )
                    )
        # Saved as they are now (resolved or not); their history says they were created open.
        for obs, fecha, resolvedor in cambios:
            obs.resuelta, obs.resuelta_por_id, obs.resuelta_en = True, resolvedor, fecha
        crear(Observacion, observaciones, using=using)
        abierta = {"resuelta": False, "resuelta_por_id": None, "resuelta_en": None}
        crear_historia(
            [
                registro_historico(o, tipo="+", fecha=o.creada_en, usuario_id=o.autor_id, **abierta)
                for o in observaciones
            ]
            + [
                registro_historico(o, tipo="~", fecha=fecha, usuario_id=resolvedor)
                for o, fecha, resolvedor in cambios
            ],
            using=using,
        )
        for resumen in (self.resumen, self.resumen.etapas[definicion.numero]):
            resumen.versiones += len(versiones)
            resumen.transiciones += len(transiciones)
            resumen.observaciones += len(observaciones)
            resumen.observaciones_abiertas += len(observaciones) - len(cambios)
