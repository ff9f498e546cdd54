"""Deadlines as every page and reminder reads them, and the administrator's writes of them.

A document's deadline is its stage's ``Plazo`` (periodo 0) in its Ciclo, or the Servicio's
``Prorroga`` of it when SUBDERE granted one. It counts until the document has a visado version;
after that the stage is done (on time or with days late, from its first «visar»). Nothing here
moves a date by itself: only ``calendario_guardar`` (the administrator's form), the Django admin
and ``prorroga_otorgar`` / ``prorroga_eliminar`` write them, inside ``actuando_como(actor)`` so
that history names who (and, for an extension, why). ``hoy`` is always a parameter (default
``timezone.localdate()``), so tests and the reminders run on a fixed clock.

Lists resolve all their rows' deadlines in one query (``plazos_de``) and write each row's
countdown with ``html_vence`` (the markup of ``templates/pmggt/_vence.html``).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.html import escape

from . import consultas
from .historia import actuando_como
from .models import Ciclo, Documento, Plazo, Prorroga, Servicio, Transicion

ETAPAS = dict(Documento.Etapa.choices)


def hoy() -> date:
    return timezone.localdate()


def fecha(d: date | None) -> str:
    """dd-mm-aaaa, as every page writes a date."""
    return d.strftime("%d-%m-%Y") if d else ""


@dataclass(frozen=True)
class PlazoEfectivo:
    vence: date
    plazo: Plazo
    prorroga: Prorroga | None = None

    @property
    def original(self) -> date:
        return self.plazo.vence


# Columns of the one query of ``plazos_de``: the Plazo and, joined, the Servicios' Prorroga.
_COLUMNAS = ("pk", "ciclo_id", "etapa", "periodo", "nombre", "vence")
_COLUMNAS_PRORROGA = ("pk", "servicio_id", "vence", "motivo", "otorgada_por_id", "otorgada_en")


def _plazos_con_prorrogas(plazos, servicios=None):
    """(Plazo, [Prorroga]) of these Plazos (a queryset), with the Prorrogas of ``servicios``
    (None: all), in ONE query: the Prorrogas are LEFT JOINed, not prefetched."""
    return _armar(_filas_plazos(plazos, servicios))


def _filas_plazos(plazos, servicios=None):
    """The rows of ``_plazos_con_prorrogas``: ``_COLUMNAS`` and each ``pr_`` column."""
    if servicios is not None:
        condicion = Q(prorrogas__servicio_id__in=sorted(servicios))
        plazos = plazos.annotate(_p=FilteredRelation("prorrogas", condition=condicion))
        relacion = "_p"
    else:
        relacion = "prorrogas"
    return (
        plazos.order_by("ciclo_id", "etapa", "periodo", f"{relacion}__servicio_id")
        .annotate(**{f"pr_{c}": F(f"{relacion}__{c}") for c in _COLUMNAS_PRORROGA})
        .values_list(*_COLUMNAS, *(f"pr_{c}" for c in _COLUMNAS_PRORROGA))
    )


def _armar(filas) -> list[tuple[Plazo, list[Prorroga]]]:
    n = len(_COLUMNAS)
    resultado: dict[int, tuple[Plazo, list[Prorroga]]] = {}
    for fila in filas:
        if fila[0] not in resultado:
            plazo = Plazo(
                **{("id" if c == "pk" else c): v for c, v in zip(_COLUMNAS, fila, strict=False)}
            )
            plazo._state.adding = False
            resultado[fila[0]] = (plazo, [])
        plazo, prorrogas = resultado[fila[0]]
        if fila[n] is not None:
            prorroga = Prorroga(
                plazo=plazo,
                **{
                    ("id" if c == "pk" else c): v
                    for c, v in zip(_COLUMNAS_PRORROGA, fila[n:], strict=True)
                },
            )
            prorroga._state.adding = False
            prorrogas.append(prorroga)
    return list(resultado.values())


class TablaPlazos:
    """Effective deadlines of any (servicio_id, ciclo_id, etapa), from Plazos read at once."""

    def __init__(self, plazos_y_prorrogas):
        self._plazos = {}
        self._prorrogas = {}
        for plazo, prorrogas in plazos_y_prorrogas:
            self._plazos[(plazo.ciclo_id, plazo.etapa)] = plazo
            for prorroga in prorrogas:
                self._prorrogas[(plazo.pk, prorroga.servicio_id)] = prorroga

    def de(self, servicio_id: int, ciclo_id: int, etapa: int) -> PlazoEfectivo | None:
        plazo = self._plazos.get((ciclo_id, etapa))
        if plazo is None:
            return None
        prorroga = self._prorrogas.get((plazo.pk, servicio_id))
        return PlazoEfectivo(prorroga.vence if prorroga else plazo.vence, plazo, prorroga)


def tabla_plazos(ciclos=None) -> TablaPlazos:
    """Every stage deadline (periodo 0) of these Ciclo ids (None: all) with every extension of
    them, in one query: for exports that stream their rows (the Excel of the documents list)."""
    plazos = Plazo.objects.filter(periodo=0)
    if ciclos is not None:
        plazos = plazos.filter(ciclo_id__in=sorted(ciclos))
    return TablaPlazos(_plazos_con_prorrogas(plazos))


def plazos_de(pares) -> dict[tuple[int, int, int], PlazoEfectivo]:
    """{(servicio_id, ciclo_id, etapa): PlazoEfectivo} for the (servicio_id, ciclo_id, etapa)
    triples given (documents, or not-started stages of a list), in one query."""
    pares = {(s, c, e) for s, c, e in pares}
    if not pares:
        return {}
    ciclos = {c for _, c, _ in pares}
    etapas_ = {e for _, _, e in pares}
    servicios = {s for s, _, _ in pares}
    plazos = Plazo.objects.filter(ciclo_id__in=sorted(ciclos), etapa__in=sorted(etapas_), periodo=0)
    tabla = TablaPlazos(_plazos_con_prorrogas(plazos, servicios))
    resultado = {}
    for s, c, e in pares:
        efectivo = tabla.de(s, c, e)
        if efectivo is not None:
            resultado[(s, c, e)] = efectivo
    return resultado


def plazo_de(documento: Documento) -> PlazoEfectivo | None:
    """The document's effective deadline (None: the Ciclo has none for its stage): what
    ``plazos_de`` gives for it, through a query compiled once (every document page asks)."""
    servicio, ciclo, etapa = documento.servicio_id, documento.ciclo_id, documento.etapa
    filas = _PLAZO_DE.lista(servicio=servicio, ciclo=ciclo, etapa=etapa)
    return TablaPlazos(_armar(filas)).de(servicio, ciclo, etapa)


_PLAZO_DE = consultas.Compilada(
    lambda servicio, ciclo, etapa: _filas_plazos(
        Plazo.objects.filter(ciclo_id=ciclo, etapa=etapa, periodo=0), [servicio]
    ),
    ids=("servicio", "ciclo", "etapa"),
)


def dias_restantes(vence: date, hoy_: date | None = None) -> int:
    """Days until ``vence`` (0: today; negative: days since it passed)."""
    return (vence - (hoy_ or hoy())).days


def _dias(n: int) -> str:
    return "1 día" if n == 1 else f"{n} días"


def cuenta_regresiva(vence: date | None, hoy_: date | None = None) -> str:
    """«vence hoy», «vence mañana», «vence en N días», «vencido hace N días»."""
    if vence is None:
        return ""
    n = dias_restantes(vence, hoy_)
    if n == 0:
        return "vence hoy"
    if n == 1:
        return "vence mañana"
    if n > 1:
        return f"vence en {n} días"
    return f"vencido hace {_dias(-n)}"


# --- The stage done: visado, on time or late ---------------------------------------------------


def primera_visacion():
    """When the outer document was first visado (its earliest «visar»): the day its stage was
    done, whatever modifications came later. A correlated subquery, to annotate list rows
    with (no query of its own)."""
    return Subquery(
        Transicion.objects.filter(documento_id=OuterRef("pk"), accion=Transicion.Accion.VISAR)
        .order_by("fecha", "pk")
        .values("fecha")[:1]
    )


def fechas_de_plazo() -> dict:
    """The outer document's stage deadline (periodo 0 of its Ciclo) and its Servicio's
    extension of it: two correlated subqueries to annotate list rows with (``plazo_vence``,
    ``prorroga_vence``), so that ``anotar_filas`` reads no Plazo for those rows."""
    return {
        "plazo_vence": Subquery(
            Plazo.objects.filter(ciclo_id=OuterRef("ciclo_id"), etapa=OuterRef("etapa"), periodo=0)
            .order_by()
            .values("vence")[:1]
        ),
        "prorroga_vence": Subquery(
            Prorroga.objects.filter(
                plazo__ciclo_id=OuterRef("ciclo_id"),
                plazo__etapa=OuterRef("etapa"),
                plazo__periodo=0,
                servicio_id=OuterRef("servicio_id"),
            )
            .order_by()
            .values("vence")[:1]
        ),
    }


def _dia(momento) -> date | None:
    if momento is None:
        return None
    if isinstance(momento, datetime):
        return timezone.localtime(momento).date() if timezone.is_aware(momento) else momento.date()
    return momento


def atraso_al_visar(documentos) -> dict[int, int]:
    """{documento pk: days late when first visado (0: on time)} for these visado documents
    (Documento instances or list rows with ``pk``, ``servicio_id``, ``ciclo_id``, ``etapa``):
    two queries whatever their number (their first «visar», and their deadlines). Documents
    without a deadline are left out."""
    docs = [
        (d["pk"], d["servicio_id"], d["ciclo_id"], d["etapa"])
        if isinstance(d, dict)
        else (d.pk, d.servicio_id, d.ciclo_id, d.etapa)
        for d in documentos
    ]
    if not docs:
        return {}
    visados = {}
    for pk, momento in (
        Transicion.objects.filter(
            documento_id__in=[d[0] for d in docs], accion=Transicion.Accion.VISAR
        )
        .order_by("documento_id", "-fecha", "-pk")
        .values_list("documento_id", "fecha")
    ):
        visados[pk] = momento  # sorted newest first: the last one kept is the earliest
    plazos = plazos_de([(s, c, e) for _pk, s, c, e in docs])
    resultado = {}
    for pk, s, c, e in docs:
        efectivo = plazos.get((s, c, e))
        dia = _dia(visados.get(pk))
        if efectivo is not None and dia is not None:
            resultado[pk] = max(0, (dia - efectivo.vence).days)
    return resultado


@dataclass(frozen=True)
class Vencimiento:
    """What a page shows of a deadline: its text, CSS class and dates."""

    texto: str
    clase: str  # vence-atrasado | vence-pronto | vence-plazo | vence-visado | vence-visado-tarde
    vence: date
    original: date
    prorroga: date | None = None

    @property
    def titulo(self) -> str:
        if self.prorroga:
            return f"Plazo del ciclo: {fecha(self.original)}; prórroga al {fecha(self.prorroga)}"
        return f"Plazo: {fecha(self.vence)}"


PRONTO = 7  # days: from here on a deadline is shown in amber


def vencimiento(
    efectivo: PlazoEfectivo | None,
    *,
    visado: bool = False,
    visado_el=None,
    hoy_: date | None = None,
) -> Vencimiento | None:
    """The countdown of a document (or a stage not started) with this effective deadline.
    ``visado``: it has a visado version (it no longer counts down); ``visado_el``: when it was
    first visado (a date or an aware datetime), for «visado con N días de atraso»."""
    if efectivo is None:
        return None
    prorroga = efectivo.prorroga.vence if efectivo.prorroga is not None else None
    dia = _dia(visado_el) if visado else None
    return _vencimiento(efectivo.original, prorroga, visado, dia, hoy_)


def _vencimiento(original: date, prorroga: date | None, visado: bool, dia, hoy_) -> Vencimiento:
    """``vencimiento`` from the dates: the Plazo's, the Prorroga's, the day first visado."""
    vence = prorroga or original
    datos = {"vence": vence, "original": original, "prorroga": prorroga}
    if visado:
        if dia is not None and dia > vence:
            atraso = (dia - vence).days
            return Vencimiento(
                f"visado con {_dias(atraso)} de atraso", "vence-visado-tarde", **datos
            )
        return Vencimiento("visado", "vence-visado", **datos)
    n = dias_restantes(vence, hoy_)
    clase = "vence-atrasado" if n < 0 else ("vence-pronto" if n <= PRONTO else "vence-plazo")
    return Vencimiento(cuenta_regresiva(vence, hoy_), clase, **datos)


def html_vence(v: Vencimiento | None, *, con_fecha: bool = False) -> str:
    """A countdown's markup (lists write it in Python, one call per row; templates through
    ``{% vence %}``): the text in its class, the dates in its title, and «(prórroga al …)».
    ``con_fecha``: the effective date first, visible (a list's «Plazo» cell). Every page that
    shows a countdown also shows its date as text, so the title is not its only carrier."""
    if v is None:
        return '<span class="text-muted">Sin plazo</span>' if con_fecha else ""
    partes = []
    if con_fecha:
        partes.append(f'<span class="fecha-plazo">{fecha(v.vence)}</span><br>')
    partes.append(
        f'<span class="vence {v.clase}" title="{escape(v.titulo)}">{escape(v.texto)}</span>'
    )
    if v.prorroga:
        partes.append(f' <small class="prorroga-nota">(prórroga al {fecha(v.prorroga)})</small>')
    return "".join(partes)


def anotar_filas(filas, no_iniciados=(), hoy_: date | None = None) -> dict:
    """A list page's countdowns, every row's deadline read in ONE query (none for rows read
    with it, ``selectors.filas(..., plazos=True)``, when there are no others): each document
    row (of ``selectors.filas``) gets ``vencimiento``; returns {(servicio_id, ciclo_id, etapa):
    Vencimiento} of the «No iniciado» rows (``selectors.NoIniciado``, frozen)."""
    filas = list(filas)
    no_iniciados = list(no_iniciados)
    leidas = [f for f in filas if "plazo_vence" in f]
    otras = [f for f in filas if "plazo_vence" not in f]
    claves = [(f["servicio_id"], f["ciclo_id"], f["etapa"]) for f in otras]
    claves_ni = [(n.servicio_id, n.ciclo_id, n.etapa.numero) for n in no_iniciados]
    plazos = plazos_de([*claves, *claves_ni])
    hoy_ = hoy_ or hoy()
    for fila, clave in zip(otras, claves, strict=True):
        fila["vencimiento"] = vencimiento(
            plazos.get(clave),
            visado=fila["version_visada"] is not None,
            visado_el=fila.get("visado_primero"),
            hoy_=hoy_,
        )
    # Rows of one stage and Ciclo mostly share their deadline: each countdown is built once.
    hechos: dict[tuple, Vencimiento] = {}
    for fila in leidas:
        original = fila["plazo_vence"]
        if original is None:
            fila["vencimiento"] = None
            continue
        visado = fila["version_visada"] is not None
        dia = _dia(fila.get("visado_primero")) if visado else None
        clave = (original, fila["prorroga_vence"], visado, dia)
        if clave not in hechos:
            hechos[clave] = _vencimiento(*clave, hoy_)
        fila["vencimiento"] = hechos[clave]
    return {clave: vencimiento(plazos.get(clave), hoy_=hoy_) for clave in claves_ni}


def anotar_documentos(documentos, hoy_: date | None = None) -> None:
    """Each Documento instance of a page gets ``vencimiento``, the deadlines read in ONE query
    (when first visado: its ``visado_primero`` annotation, ``primera_visacion``)."""
    documentos = list(documentos)
    plazos = plazos_de((d.servicio_id, d.ciclo_id, d.etapa) for d in documentos)
    hoy_ = hoy_ or hoy()
    for d in documentos:
        d.vencimiento = vencimiento(
            plazos.get((d.servicio_id, d.ciclo_id, d.etapa)),
            visado=d.version_visada is not None,
            visado_el=getattr(d, "visado_primero", None),
            hoy_=hoy_,
        )


# --- The Ciclo's calendar -----------------------------------------------------------------------


def plazos_del_ciclo(ciclo) -> dict[int, Plazo]:
    """{etapa: Plazo} of the stage deadlines (periodo 0) of this Ciclo."""
    return {p.etapa: p for p in Plazo.objects.filter(ciclo=ciclo, periodo=0)}


def periodos(ciclo, etapa: int = Documento.Etapa.IMPLEMENTACION) -> list[Plazo]:
    """The reporting periods (periodo ≥ 1) of a stage in this Ciclo, in order."""
    return list(Plazo.objects.filter(ciclo=ciclo, etapa=etapa, periodo__gte=1).order_by("periodo"))


def inicio_del_ciclo(ciclo) -> date:
    return date(ciclo.anio, 1, 1)


def prorrogas_visibles(usuario, ciclo):
    """The extensions of this Ciclo that concern this person: all for the administrator; else
    those of the Servicios whose documents she sees (her own Servicio's, an Experto/a's
    assigned Servicios, the Servicios concerning a GORE's region). Never another's."""
    from . import permisos, selectors

    qs = Prorroga.objects.filter(plazo__ciclo=ciclo).select_related(
        "plazo", "servicio", "otorgada_por"
    )
    if not permisos.es_administrador(usuario):
        qs = qs.filter(servicio__in=selectors.servicios_visibles_para(usuario).values("pk"))
    return qs.order_by("plazo__etapa", "plazo__periodo", "servicio__nombre", "pk")


class ErrorCalendario(ValueError):
    """A write the calendar's rules refuse; ``campo``: the form field it belongs to."""

    def __init__(self, mensaje: str, campo: str | None = None):
        super().__init__(mensaje)
        self.campo = campo


@dataclass(frozen=True)
class PeriodoNuevo:
    """One row of the periods' formset: ``pk`` None for a new period."""

    pk: int | None
    nombre: str
    vence: date


@transaction.atomic
def calendario_guardar(
    *,
    ciclo: Ciclo,
    etapas: dict[int, date | None],
    periodos_: list[PeriodoNuevo],
    actor,
    etapa_periodos: int = Documento.Etapa.IMPLEMENTACION,
) -> None:
    """Set the stage deadlines (None: no deadline) and the reporting periods (in this order;
    the ones left out are removed) of a Ciclo. Only changed rows are written (history)."""
    Ciclo.objects.select_for_update().filter(pk=ciclo.pk).first()  # one writer at a time
    with actuando_como(actor):
        actuales = plazos_del_ciclo(ciclo)
        for etapa, vence in etapas.items():
            plazo = actuales.get(etapa)
            if vence is None:
                if plazo is not None:
                    if plazo.prorrogas.exists():
                        raise ErrorCalendario(
                            "Este plazo tiene prórrogas: elimínelas antes de dejarlo sin fecha.",
                            f"etapa_{etapa}",
                        )
                    plazo.delete()
            elif plazo is None:
                Plazo.objects.create(ciclo=ciclo, etapa=etapa, periodo=0, vence=vence)
            elif plazo.vence != vence:
                plazo.vence = vence
                plazo.save()
        existentes = {
            p.pk: p for p in Plazo.objects.filter(ciclo=ciclo, etapa=etapa_periodos, periodo__gte=1)
        }
        quedan = {p.pk for p in periodos_ if p.pk is not None}
        if quedan - set(existentes):
            raise ErrorCalendario("Uno de los períodos ya no existe: recargue la página.")
        for pk, plazo in existentes.items():
            if pk not in quedan:
                if plazo.prorrogas.exists():
                    raise ErrorCalendario(
                        f"El período «{plazo.nombre}» tiene prórrogas: elimínelas antes de "
                        "quitarlo."
                    )
                plazo.delete()
        # Renumbered in order: those whose number changes first move out of the way (an
        # update without history), then each is saved with its final number (with history).
        cambian = [
            p.pk
            for n, p in enumerate(periodos_, 1)
            if p.pk is not None and existentes[p.pk].periodo != n
        ]
        if cambian:
            Plazo.objects.filter(pk__in=cambian).update(periodo=F("periodo") + 1000)
        for n, p in enumerate(periodos_, 1):
            if p.pk is None:
                Plazo.objects.create(
                    ciclo=ciclo, etapa=etapa_periodos, periodo=n, nombre=p.nombre, vence=p.vence
                )
                continue
            plazo = existentes[p.pk]
            if (plazo.periodo, plazo.nombre, plazo.vence) != (n, p.nombre, p.vence):
                plazo.periodo, plazo.nombre, plazo.vence = n, p.nombre, p.vence
                plazo.save()


def _validar_prorroga(plazo: Plazo, vence: date, motivo: str) -> None:
    if not (motivo or "").strip():
        raise ErrorCalendario("Indique el motivo de la prórroga.", "motivo")
    inicio = inicio_del_ciclo(plazo.ciclo)
    if vence < inicio:
        raise ErrorCalendario(
            f"La nueva fecha no puede ser anterior al inicio del ciclo ({fecha(inicio)}).",
            "vence",
        )


@transaction.atomic
def prorroga_otorgar(
    *, plazo: Plazo, servicio: Servicio, vence: date, motivo: str, actor
) -> Prorroga:
    """Grant (or, if the Servicio already has one for this Plazo, change) an extension."""
    plazo = Plazo.objects.select_for_update().select_related("ciclo").get(pk=plazo.pk)
    _validar_prorroga(plazo, vence, motivo)
    motivo = motivo.strip()
    with actuando_como(actor):
        prorroga = Prorroga.objects.filter(plazo=plazo, servicio=servicio).first()
        if prorroga is None:
            prorroga = Prorroga(plazo=plazo, servicio=servicio, otorgada_por=actor)
        elif (prorroga.vence, prorroga.motivo) == (vence, motivo):
            return prorroga
        prorroga.vence, prorroga.motivo, prorroga.otorgada_por = vence, motivo, actor
        prorroga._change_reason = motivo[:100]
        prorroga.save()
    return prorroga


@transaction.atomic
def prorroga_eliminar(*, prorroga: Prorroga, motivo: str, actor) -> None:
    """Remove an extension: the Servicio's deadline is the Ciclo's again (history says why)."""
    if not (motivo or "").strip():
        raise ErrorCalendario("Indique por qué se elimina la prórroga.", "motivo")
    with actuando_como(actor):
        prorroga = Prorroga.objects.select_for_update().get(pk=prorroga.pk)
        prorroga._change_reason = motivo.strip()[:100]
        prorroga.delete()
