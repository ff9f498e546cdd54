"""The national dashboard (Tablero): Servicios × registered stages × state for one Ciclo.

Who sees what: the Administrador/a, every active Servicio; an Experto/a SUBDERE, only the
Servicios they vise (``visar_documentos``, ``permisos.ids_con``); anyone else, nothing (the view
answers 403). Every number on the page (rows, cards, charts, the Expertos' workload) and in the
Excel comes from the same ``Tablero`` built here, so they always agree.

A stage's cell (``Celda``): the document's state, or «No iniciado» when there is none and the
stage may start (its required stage is visado), or «—» when the required stage is not visado
yet. Its effective deadline is ``calendario.plazos_de`` (the Servicio's Prorroga included).
``atraso``: for a stage without a visado version, days past the deadline (negative: days left);
for a visado one, the days late at its first visación (0 when on time). A stage is late
(«atrasada») when it has no visado version and its deadline has passed, whether it was started
or not. «Devuelto»: a Borrador whose last transition is a devolución. «Esperando»: days since
it entered revisión del Jefe or visación SUBDERE (``estado_desde``).

Constant queries: the Ciclos, regions and ministerios of the filter form (one each), the
Expertos' assignments (one), the filtered Servicios (one), their documents in the Ciclo with
their last transition and first visación (one), and their deadlines (``plazos_de``: two),
whatever the number of Servicios. A Ciclo has a few hundred Servicios at most: the rows are
classified in Python, then filtered by situación and paged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone

from . import calendario, etapas, permisos
from .models import Centro, Ciclo, Documento, Plazo, Region, Servicio, Transicion
from .models.roles import ServicioGroupObjectPermission, ServicioUserObjectPermission

Estado = Documento.Estado
Accion = Transicion.Accion

NO_INICIADO = "no_iniciado"  # no document, and the stage may start
BLOQUEADO = "bloqueado"  # no document, and its required stage is not visado yet («—»)
ESTADOS = [
    (Estado.VISADO.value, "Visado"),
    (Estado.EN_VISACION.value, "En visación"),
    (Estado.EN_REVISION_JEFE.value, "En revisión del Jefe"),
    (Estado.BORRADOR.value, "Borrador"),
    (NO_INICIADO, "No iniciado"),
    (BLOQUEADO, "Etapa previa sin visar (—)"),
]
ETIQUETAS_ESTADO = dict(ESTADOS)
ESPERANDO = {Estado.EN_REVISION_JEFE.value, Estado.EN_VISACION.value}

# Situaciones of the filter (over the stages in view: the chosen one, or all).
TODOS = "todos"
ATRASADOS = "atrasados"
NO_INICIADOS = "no_iniciados"
DEVUELTOS = "devueltos"
ESPERANDO_SITUACION = "esperando"
SITUACIONES = [
    (TODOS, "Todos"),
    (ATRASADOS, "Atrasados (alguna etapa vencida sin visar)"),
    (NO_INICIADOS, "No iniciados (alguna etapa que puede comenzar, sin documento)"),
    (DEVUELTOS, "Devueltos (en Borrador tras una devolución)"),
    (ESPERANDO_SITUACION, "Esperando revisión o visación"),
]

# Lateness buckets of a Servicio (its largest days late among the stages in view).
AL_DIA = "al_dia"
TRAMOS = [
    (AL_DIA, "Al día"),
    ("1_7", "1 a 7 días de atraso"),
    ("8_30", "8 a 30 días de atraso"),
    ("mas_30", "Más de 30 días de atraso"),
    (NO_INICIADO, "No iniciado (sin atraso)"),
]


# --- What the page shows -----------------------------------------------------------------------


@dataclass
class Celda:
    etapa: etapas.EtapaDef
    estado: str
    documento_id: int | None = None
    vence: date | None = None
    prorroga: bool = False
    atraso: int | None = None  # see the module docstring
    visado: bool = False  # has a visado version (the stage is done)
    devuelto: bool = False
    esperando: int | None = None  # days waiting in revisión or visación

    @property
    def etiqueta(self) -> str:
        return ETIQUETAS_ESTADO.get(self.estado, self.estado)

    @property
    def atrasada(self) -> bool:
        return not self.visado and self.atraso is not None and self.atraso > 0

    @property
    def texto_atraso(self) -> str:
        """«12 días de atraso», «vence en 3 días», «visado con 2 días de atraso»…"""
        n = self.atraso
        if n is None:
            return "sin plazo fijado"
        if self.visado:
            return f"visado con {_dias(n)} de atraso" if n > 0 else "visado dentro del plazo"
        if n > 0:
            return f"{_dias(n)} de atraso"
        if n == 0:
            return "vence hoy"
        return f"vence en {_dias(-n)}"


def _dias(n: int) -> str:
    return f"{n} día" if n == 1 else f"{n} días"


@dataclass
class Fila:
    servicio_id: int
    nombre: str
    sigla: str
    ministerio: str
    region: str
    expertos: list[str]
    celdas: list[Celda]
    puede_leer: bool = False

    def en_vista(self, numeros) -> list[Celda]:
        return [c for c in self.celdas if c.etapa.numero in numeros]


@dataclass
class Experto:
    id: int
    nombre: str


@dataclass
class Carga:
    experto: Experto
    servicios: int = 0
    en_visacion: int = 0
    espera_mas_antigua: int | None = None
    atrasadas: int = 0


@dataclass
class Opciones:
    """What the filter form offers this person (read once: the Ciclos, regions, ministerios
    and Expertos in their scope)."""

    ciclos: list[Ciclo]
    regiones: list[Region]
    ministerios: list[str]
    expertos: list[Experto]
    # {servicio_id: [Experto, …]} over the person's whole scope.
    asignaciones: dict[int, list[Experto]]
    administrador: bool

    @property
    def ciclo_por_defecto(self) -> Ciclo | None:
        """The most recent open Ciclo (else the most recent one)."""
        abiertos = [c for c in self.ciclos if c.abierto]
        return (abiertos or self.ciclos or [None])[0]


@dataclass
class Filtros:
    ciclo: Ciclo | None = None
    region: Region | None = None
    ministerio: str = ""
    experto: int | None = None
    situacion: str = TODOS
    etapa: int | None = None


@dataclass
class Tablero:
    ciclo: Ciclo | None
    hoy: date
    etapas: list[etapas.EtapaDef]  # the stages in view (the chosen one, or every registered)
    filas: list[Fila]  # every filtered row (pages are cut from it)
    carga: list[Carga] = field(default_factory=list)

    @property
    def numeros(self) -> set[int]:
        return {e.numero for e in self.etapas}

    def totales(self) -> dict:
        """Cards: how many of the filtered Servicios are in each situación."""
        n = self.numeros
        t = {"servicios": len(self.filas), ATRASADOS: 0, NO_INICIADOS: 0, DEVUELTOS: 0}
        t[ESPERANDO_SITUACION] = 0
        for fila in self.filas:
            for situacion in (ATRASADOS, NO_INICIADOS, DEVUELTOS, ESPERANDO_SITUACION):
                if en_situacion(fila, situacion, n):
                    t[situacion] += 1
        return t

    def por_estado(self) -> list[tuple[etapas.EtapaDef, dict[str, int]]]:
        """Per stage in view: how many Servicios are in each state (the stacked bars)."""
        resultado = []
        for etapa in self.etapas:
            cuenta = {clave: 0 for clave, _ in ESTADOS}
            for fila in self.filas:
                for celda in fila.celdas:
                    if celda.etapa.numero == etapa.numero:
                        cuenta[celda.estado] = cuenta.get(celda.estado, 0) + 1
            resultado.append((etapa, cuenta))
        return resultado

    def por_atraso(self) -> dict[str, int]:
        """How many Servicios fall in each lateness bucket (``TRAMOS``)."""
        cuenta = {clave: 0 for clave, _ in TRAMOS}
        for fila in self.filas:
            cuenta[tramo(fila, self.numeros)] += 1
        return cuenta


def en_situacion(fila: Fila, situacion: str, numeros) -> bool:
    celdas = fila.en_vista(numeros)
    if situacion == ATRASADOS:
        return any(c.atrasada for c in celdas)
    if situacion == NO_INICIADOS:
        return any(c.estado == NO_INICIADO for c in celdas)
    if situacion == DEVUELTOS:
        return any(c.devuelto for c in celdas)
    if situacion == ESPERANDO_SITUACION:
        return any(c.estado in ESPERANDO for c in celdas)
    return True


def atraso_de(fila: Fila, numeros) -> int:
    """The Servicio's largest days late among the stages in view (0: none late)."""
    return max((c.atraso for c in fila.en_vista(numeros) if c.atrasada), default=0)


def tramo(fila: Fila, numeros) -> str:
    dias = atraso_de(fila, numeros)
    if dias > 30:
        return "mas_30"
    if dias > 7:
        return "8_30"
    if dias > 0:
        return "1_7"
    celdas = fila.en_vista(numeros)
    if celdas and all(c.documento_id is None for c in celdas):
        return NO_INICIADO
    return AL_DIA


# --- Who may see it, and what --------------------------------------------------------------------


def puede_ver(usuario) -> bool:
    return permisos.es_administrador(usuario) or bool(
        permisos.ids_con(usuario, "visar_documentos", Servicio)
    )


def _servicios_de(usuario):
    """The active Servicios this person sees on the Tablero."""
    servicios = Servicio.objects.filter(activo=True)
    if permisos.es_administrador(usuario):
        return servicios
    ids = permisos.ids_con(usuario, "visar_documentos", Servicio)
    return servicios.filter(pk__in=sorted(ids)) if ids else servicios.none()


def _nombre(nombre: str, apellido: str, usuario: str) -> str:
    return f"{nombre} {apellido}".strip() or usuario


def _asignaciones(servicios) -> dict[int, list[Experto]]:
    """{servicio_id: its Expertos/as} (the active users holding ``visar_documentos`` on it,
    through their role group or directly), in one query."""

    def parte(modelo, camino):
        return (
            modelo.objects.filter(
                permission__codename="visar_documentos",
                content_object__in=servicios.values("pk"),
                **{f"{camino}__is_active": True},
            )
            .values_list(
                "content_object_id",
                f"{camino}__id",
                f"{camino}__first_name",
                f"{camino}__last_name",
                f"{camino}__username",
            )
            .order_by()
        )

    filas = parte(ServicioGroupObjectPermission, "group__user").union(
        parte(ServicioUserObjectPermission, "user")
    )
    resultado: dict[int, dict[int, Experto]] = {}
    for servicio_id, uid, nombre, apellido, username in filas:
        resultado.setdefault(servicio_id, {})[uid] = Experto(
            uid, _nombre(nombre, apellido, username)
        )
    return {
        s: sorted(e.values(), key=lambda x: (x.nombre.lower(), x.id)) for s, e in resultado.items()
    }


def opciones(usuario) -> Opciones:
    """The filter form's choices for this person (four queries)."""
    administrador = permisos.es_administrador(usuario)
    servicios = _servicios_de(usuario)
    asignaciones = _asignaciones(servicios)
    expertos = {e.id: e for lista in asignaciones.values() for e in lista}
    if not administrador:
        expertos = {k: v for k, v in expertos.items() if k == usuario.pk}
    return Opciones(
        ciclos=list(Ciclo.objects.order_by("-anio")),
        regiones=list(Region.objects.order_by("orden")),
        ministerios=list(
            servicios.order_by("ministerio").values_list("ministerio", flat=True).distinct()
        ),
        expertos=sorted(expertos.values(), key=lambda e: (e.nombre.lower(), e.id)),
        asignaciones=asignaciones,
        administrador=administrador,
    )


# --- Building the rows ---------------------------------------------------------------------------


def _celda(etapa, doc: dict | None, requisito_visado: bool, plazo, hoy: date) -> Celda:
    """One stage of one Servicio (``doc``: its document's columns, or None)."""
    vence = plazo.vence if plazo is not None else None
    celda = Celda(etapa=etapa, estado=BLOQUEADO, vence=vence)
    celda.prorroga = plazo is not None and plazo.prorroga is not None
    if doc is None:
        celda.estado = NO_INICIADO if requisito_visado else BLOQUEADO
    else:
        celda.documento_id = doc["pk"]
        celda.estado = doc["estado"]
        celda.visado = doc["version_visada"] is not None
        celda.devuelto = (
            doc["estado"] == Estado.BORRADOR and doc.get("ultima_accion") == Accion.DEVOLVER
        )
        if doc["estado"] in ESPERANDO:
            celda.esperando = (hoy - timezone.localdate(doc["estado_desde"])).days
    if vence is not None:
        if celda.visado:
            visado_en = doc.get("primera_visacion")
            dia = timezone.localdate(visado_en) if visado_en else hoy
            celda.atraso = max(0, (dia - vence).days)
        else:
            celda.atraso = (hoy - vence).days
    return celda


def _region(fila: dict) -> str:
    if fila["region__codigo"]:
        return f"{fila['region__codigo']} {fila['region__nombre_corto'] or ''}".strip()
    return "Nacional"


def _documentos(ciclo, servicios) -> dict[tuple[int, int], dict]:
    """{(servicio_id, etapa): document columns} of these Servicios in the Ciclo, with its last
    transition's action and the date of its first visación, in one query."""
    ultima = (
        Transicion.objects.filter(documento=OuterRef("pk"))
        .order_by("-fecha", "-id")
        .values("accion")[:1]
    )
    primera_visacion = (
        Transicion.objects.filter(documento=OuterRef("pk"), accion=Accion.VISAR)
        .order_by()
        .values("documento")
        .annotate(m=Min("fecha"))
        .values("m")
    )
    filas = (
        Documento.objects.filter(ciclo=ciclo, servicio__in=servicios.values("pk"))
        .annotate(ultima_accion=Subquery(ultima), primera_visacion=Subquery(primera_visacion))
        .order_by()
        .values(
            "pk",
            "servicio_id",
            "etapa",
            "estado",
            "estado_desde",
            "version_visada",
            "ultima_accion",
            "primera_visacion",
        )
    )
    return {(f["servicio_id"], f["etapa"]): f for f in filas}


def q_region(region) -> Q:
    """Servicios of a region: its own, or one of its Centros' (no duplicate rows)."""
    return Q(region=region) | Q(pk__in=Centro.objects.filter(region=region).values("servicio_id"))


def construir(usuario, filtros: Filtros, opc: Opciones, hoy: date | None = None) -> Tablero:
    """Every filtered row of the Tablero for this person (see the module docstring)."""
    hoy = hoy or calendario.hoy()
    registradas = etapas.todas()
    en_vista = [e for e in registradas if filtros.etapa in (None, e.numero)] or registradas
    tablero = Tablero(ciclo=filtros.ciclo, hoy=hoy, etapas=en_vista, filas=[])
    if filtros.ciclo is None:
        return tablero
    servicios = _servicios_de(usuario)
    if filtros.region is not None:
        servicios = servicios.filter(q_region(filtros.region))
    if filtros.ministerio:
        servicios = servicios.filter(ministerio=filtros.ministerio)
    experto = filtros.experto if opc.administrador else None
    if experto is not None:
        ids = [s for s, lista in opc.asignaciones.items() if any(e.id == experto for e in lista)]
        servicios = servicios.filter(pk__in=sorted(ids))
    lista = list(
        servicios.order_by("nombre", "sigla", "pk").values(
            "pk", "nombre", "sigla", "ministerio", "region__codigo", "region__nombre_corto"
        )
    )
    if not lista:
        tablero.carga = _carga(usuario, opc, [], experto)
        return tablero
    documentos = _documentos(filtros.ciclo, servicios)
    plazos = calendario.plazos_de(
        (s["pk"], filtros.ciclo.pk, e.numero) for s in lista for e in registradas
    )
    legibles = (
        None
        if permisos.es_administrador(usuario)
        else permisos.ids_con(usuario, "ver_documentos", Servicio)
    )
    filas = []
    for s in lista:
        celdas = []
        for etapa in registradas:
            doc = documentos.get((s["pk"], etapa.numero))
            requisito = etapa.requiere is None or (
                (previo := documentos.get((s["pk"], etapa.requiere))) is not None
                and previo["version_visada"] is not None
            )
            plazo = plazos.get((s["pk"], filtros.ciclo.pk, etapa.numero))
            celdas.append(_celda(etapa, doc, requisito, plazo, hoy))
        filas.append(
            Fila(
                servicio_id=s["pk"],
                nombre=s["nombre"],
                sigla=s["sigla"],
                ministerio=s["ministerio"],
                region=_region(s),
                expertos=[e.nombre for e in opc.asignaciones.get(s["pk"], [])],
                celdas=celdas,
                puede_leer=legibles is None or s["pk"] in legibles,
            )
        )
    # The workload covers the Ciclo, región, ministerio and Experto chosen (every stage),
    # not the situación: how many Servicios each Experto/a has is not a matter of lateness.
    tablero.carga = _carga(usuario, opc, filas, experto)
    numeros = tablero.numeros
    if filtros.situacion and filtros.situacion != TODOS:
        filas = [f for f in filas if en_situacion(f, filtros.situacion, numeros)]
    tablero.filas = filas
    return tablero


def _carga(usuario, opc: Opciones, filas: list[Fila], experto: int | None) -> list[Carga]:
    """Per Experto/a (an Experto/a: their own line only): Servicios assigned among these rows,
    documents waiting visación (and the oldest wait), late stages."""
    if opc.administrador:
        expertos = [e for e in opc.expertos if experto is None or e.id == experto]
    else:
        expertos = [e for e in opc.expertos if e.id == usuario.pk]
    cargas = {e.id: Carga(e) for e in expertos}
    for fila in filas:
        for e in opc.asignaciones.get(fila.servicio_id, []):
            carga = cargas.get(e.id)
            if carga is None:
                continue
            carga.servicios += 1
            for celda in fila.celdas:
                if celda.estado == Estado.EN_VISACION:
                    carga.en_visacion += 1
                    if celda.esperando is not None:
                        carga.espera_mas_antigua = max(
                            carga.espera_mas_antigua or 0, celda.esperando
                        )
                if celda.atrasada:
                    carga.atrasadas += 1
    return list(cargas.values())


# --- The administrator's home (Mis pendientes) ---------------------------------------------------


@dataclass
class ResumenInicio:
    ciclo: Ciclo | None
    atrasados: int = 0  # Servicios with a stage late
    esperando: int = 0  # documents in revisión del Jefe or visación
    no_iniciados: int = 0  # Servicios × stages that may start and have no document


def resumen_inicio(hoy: date | None = None) -> ResumenInicio:
    """The administrator's summary of the current Ciclo (the most recent open one), by the
    Tablero's rules, in three queries: the Ciclo, the active Servicios with each stage's state,
    and the Ciclo's deadlines with their Prorrogas."""
    hoy = hoy or calendario.hoy()
    ciclo = Ciclo.objects.filter(abierto=True).order_by("-anio").first()
    resumen = ResumenInicio(ciclo=ciclo)
    if ciclo is None:
        return resumen
    registradas = etapas.todas()
    anotaciones = {}
    for e in registradas:
        doc = Documento.objects.filter(servicio=OuterRef("pk"), ciclo=ciclo, etapa=e.numero)
        anotaciones[f"e{e.numero}"] = Subquery(doc.values("estado")[:1])
        anotaciones[f"v{e.numero}"] = Subquery(doc.values("version_visada")[:1])
        anotaciones[f"d{e.numero}"] = Subquery(doc.values("pk")[:1])
    servicios = list(
        Servicio.objects.filter(activo=True).order_by().annotate(**anotaciones).values()
    )
    vence: dict[tuple[int, int | None], date] = {}
    for etapa, fecha, servicio_id, prorroga in Plazo.objects.filter(
        ciclo=ciclo, periodo=0
    ).values_list("etapa", "vence", "prorrogas__servicio_id", "prorrogas__vence"):
        vence[(etapa, None)] = fecha
        if servicio_id is not None:
            vence[(etapa, servicio_id)] = prorroga
    for s in servicios:
        atrasado = False
        for e in registradas:
            estado, visada = s[f"e{e.numero}"], s[f"v{e.numero}"]
            if estado is None:
                requisito = e.requiere is None or s.get(f"v{e.requiere}") is not None
                if requisito:
                    resumen.no_iniciados += 1
            elif estado in ESPERANDO:
                resumen.esperando += 1
            fecha = vence.get((e.numero, s["id"]), vence.get((e.numero, None)))
            if visada is None and fecha is not None and fecha < hoy:
                atrasado = True
        resumen.atrasados += atrasado
    return resumen
