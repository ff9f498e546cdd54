"""Writes of the Plan: its sections, regional rows and coverage of the Diagnóstico.

The only writers of ``planes`` rows. Every write goes through the core's one edit guard
(``pmggt.acceso.edicion``): it locks the document row, checks Borrador and the actor's right on
that part (``centro_id``: the Centro of the row, None for the Servicio's own part) and names the
actor in the history. Pasted text is normalised; rows are saved one by one (each change in the
history) and only when something changed.
"""

from contextlib import contextmanager
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pmggt import acceso
from pmggt.texto import normalizar
from pmggt.workflow import DatosInvalidos, SinPermiso

from . import contenido as contenido_mod
from .models import (
    Actividad,
    CompromisoPropir,
    Indicador,
    Medida,
    ObjetivoEspecifico,
    ObjetivoInformacion,
    ObjetivoNoAbordado,
    Plan,
    ProcedimientoGore,
)

# The Servicio-level sections and the models whose history is their huella.
SECCIONES = {
    "objetivos": (Plan, ObjetivoEspecifico, Medida, CompromisoPropir),
    "informacion": (Plan, ObjetivoInformacion, ProcedimientoGore),
}

TEXTOS = {
    ObjetivoEspecifico: ("descripcion", "fundamento"),
    ObjetivoInformacion: ("descripcion",),
    Medida: ("descripcion",),
    CompromisoPropir: ("descripcion",),
    ProcedimientoGore: ("formato", "contenido", "motivo_no_aplica"),
    Indicador: (
        "nombre",
        "formula",
        "numerador",
        "denominador",
        "medio_verificacion",
        "instrumento_recoleccion",
        "instrumento_sistematizacion",
        "nota_tecnica",
    ),
    Actividad: ("descripcion", "medio_verificacion"),
}


# Dates a user may write, around the Ciclo's year: the programme's inicio and plazo within
# MARGEN_ANIOS of it; an instrument with a GORE may be older (signed years ago and still in
# force), never before PRIMER_ANIO_INSTRUMENTO. A typo such as 9999 or 0001 is refused next to
# the field (form) or its cell (Excel) instead of reaching the Gantt and the PDF.
MARGEN_ANIOS = 5
PRIMER_ANIO_INSTRUMENTO = 1990


def rango_fechas(anio: int, *, instrumento: bool = False) -> tuple[date, date]:
    """(first, last) date allowed for the Ciclo's year ``anio``."""
    desde = PRIMER_ANIO_INSTRUMENTO if instrumento else anio - MARGEN_ANIOS
    return date(max(1, desde), 1, 1), date(min(9999, anio + MARGEN_ANIOS), 12, 31)


def error_fecha(fecha, anio: int | None, *, instrumento: bool = False) -> str | None:
    """The Spanish message for a date outside ``rango_fechas`` (None: fine, or no date)."""
    if fecha is None or anio is None:
        return None
    desde, hasta = rango_fechas(anio, instrumento=instrumento)
    if desde <= fecha <= hasta:
        return None
    contexto = (
        f"desde {desde.year} hasta el año del Ciclo ({anio}) + {MARGEN_ANIOS}"
        if instrumento
        else f"el año del Ciclo ({anio}) ± {MARGEN_ANIOS} años"
    )
    return (
        f"Revise el año: la fecha debe estar entre el {_dmy(desde)} y el {_dmy(hasta)} "
        f"({contexto})."
    )


def _dmy(d: date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def historiales_seccion(nombre: str, plan_id: int):
    """() -> the history querysets of a Servicio-level section (its huella)."""

    def parte():
        return [
            modelo.history.filter(id=plan_id)
            if modelo is Plan
            else modelo.history.filter(plan_id=plan_id)
            for modelo in SECCIONES[nombre]
        ]

    return parte


def historiales_fila(modelo, fila_pk: int, plan_id: int):
    def parte():
        return [modelo.history.filter(id=fila_pk, plan_id=plan_id)]

    return parte


@contextmanager
def edicion(documento, actor, centro_id=None, *, huella=None, historiales=None):
    """The edit guard on one part of the Plan; yields the document's Plan."""
    plan = contenido_mod.plan_de(documento)
    with acceso.edicion(
        documento, actor, centro_id=centro_id, huella=huella, historiales=historiales
    ):
        yield plan


def _valores(modelo, datos: dict, campos) -> dict:
    textos = TEXTOS.get(modelo, ())
    return {c: normalizar(datos.get(c) or "") if c in textos else datos.get(c) for c in campos}


def _guardar_si_cambia(fila, valores: dict) -> None:
    if fila.pk is not None and all(getattr(fila, c) == v for c, v in valores.items()):
        return
    for campo, valor in valores.items():
        setattr(fila, campo, valor)
    try:
        fila.full_clean(exclude=["plan", "centro", "region", "objetivo", "objetivo_informacion"])
    except ValidationError as exc:
        raise DatosInvalidos(" ".join(exc.messages)) from exc
    fila.save()


def _sincronizar(plan, modelo, filas: list[dict], campos, *, vacia=("descripcion",)) -> None:
    """Create, update or delete the plan's rows of ``modelo`` from formset rows: each a dict
    with ``id`` (None: new), ``eliminar`` and the ``campos``. A new row with every one of
    ``vacia`` empty is not saved; an id of another plan is refused."""
    existentes = {f.pk: f for f in modelo.objects.filter(plan=plan)}
    for datos in filas:
        pk = datos.get("id")
        if pk is not None and pk not in existentes:
            raise SinPermiso("Una fila no pertenece a este Plan.")
    # Deletions first: a number freed by a deleted row can be taken by another.
    for datos in filas:
        if datos.get("id") is not None and datos.get("eliminar"):
            existentes.pop(datos["id"]).delete()
    try:
        with transaction.atomic():
            for datos in filas:
                if datos.get("eliminar"):
                    continue
                valores = _valores(modelo, datos, campos)
                pk = datos.get("id")
                if pk is None:
                    if not any(str(valores.get(c) or "").strip() for c in vacia):
                        continue
                    fila = modelo(plan=plan)
                else:
                    fila = existentes[pk]
                _guardar_si_cambia(fila, valores)
    except IntegrityError as exc:
        raise DatosInvalidos(
            "Dos filas no pueden tener el mismo N°: revise la numeración."
        ) from exc


def _ids_del_plan(plan, datos: dict, ids: dict | None = None) -> None:
    """Refuse objective references to another plan's objectives (``ids``: the plan's
    objective ids by field, when the caller checks many rows)."""
    if ids is None:
        ids = ids_de_objetivos(plan)
    for campo in ("objetivo_id", "objetivo_informacion_id"):
        valor = datos.get(campo)
        if valor is not None and valor not in ids[campo]:
            raise DatosInvalidos("El objetivo indicado no pertenece a este Plan.")


def ids_de_objetivos(plan) -> dict:
    return {
        "objetivo_id": set(
            ObjetivoEspecifico.objects.filter(plan=plan).values_list("pk", flat=True)
        ),
        "objetivo_informacion_id": set(
            ObjetivoInformacion.objects.filter(plan=plan).values_list("pk", flat=True)
        ),
    }


CAMPOS_OBJETIVO = ["numero", "descripcion", "ambito", "filas_cuadro1", "regiones", "fundamento"]
CAMPOS_MEDIDA = ["tipo", "objetivo_id", "descripcion", "orden"]
CAMPOS_PROPIR = ["centro_id", "objetivo_id", "descripcion", "monto", "orden"]
CAMPOS_OBJETIVO_INFORMACION = ["numero", "informacion", "descripcion", "filas_cuadro2"]
CAMPOS_PROCEDIMIENTO = [
    "region_id",
    "informacion",
    "objetivo_informacion_id",
    "formato",
    "contenido",
    "periodicidad",
    "periodicidad_detalle",
    "canal",
    "canal_detalle",
    "responsable_servicio",
    "responsable_gore",
    "instrumento",
    "instrumento_numero",
    "instrumento_fecha",
    "estado",
    "motivo_no_aplica",
]
CAMPOS_INDICADOR = [
    "numero",
    "nombre",
    "formula",
    "numerador",
    "denominador",
    "unidad",
    "meta",
    "meta_numerador",
    "meta_denominador",
    "medio_verificacion",
    "instrumento_recoleccion",
    "instrumento_sistematizacion",
    "nota_tecnica",
    "objetivo_id",
    "objetivo_informacion_id",
    "se_mide",
]
CAMPOS_ACTIVIDAD = [
    "tipo",
    "descripcion",
    "inicio",
    "plazo",
    "responsable",
    "objetivo_id",
    "objetivo_informacion_id",
    "medio_verificacion",
]


def plan_objetivos_guardar(
    *,
    documento,
    actor,
    objetivo_general_pt: str,
    objetivos: list[dict],
    medidas: list[dict],
    propir: list[dict],
    huella: str | None = None,
) -> None:
    """Save the section «Objetivos» (Encargado/a GT): general objective, specific objectives,
    medidas and variables externas, PROPIR commitments."""
    plan = contenido_mod.plan_de(documento)
    with edicion(
        documento, actor, huella=huella, historiales=historiales_seccion("objetivos", plan.pk)
    ) as plan:
        plan = Plan.objects.get(pk=plan.pk)
        texto = normalizar(objetivo_general_pt or "")
        if plan.objetivo_general_pt != texto:
            plan.objetivo_general_pt = texto
            plan.save()
        _sincronizar(plan, ObjetivoEspecifico, objetivos, CAMPOS_OBJETIVO)
        centros = {c.pk for c in acceso.centros_del_servicio(documento)}
        ids = ids_de_objetivos(plan)
        for filas, modelo, campos in (
            (medidas, Medida, CAMPOS_MEDIDA),
            (propir, CompromisoPropir, CAMPOS_PROPIR),
        ):
            for orden, datos in enumerate(filas, start=1):
                datos.setdefault("orden", orden)
                _ids_del_plan(plan, datos, ids)
                if datos.get("centro_id") is not None and datos["centro_id"] not in centros:
                    raise DatosInvalidos("La región indicada no es de este Servicio.")
            _sincronizar(plan, modelo, filas, campos)


def plan_informacion_guardar(
    *,
    documento,
    actor,
    objetivo_general_informacion: str,
    objetivos: list[dict],
    procedimientos: list[dict],
    huella: str | None = None,
) -> None:
    """Save the section «Sistemas de información» (Encargado/a GT): general objective,
    information objectives and the procedures agreed with each GORE."""
    plan = contenido_mod.plan_de(documento)
    with edicion(
        documento, actor, huella=huella, historiales=historiales_seccion("informacion", plan.pk)
    ) as plan:
        plan = Plan.objects.get(pk=plan.pk)
        texto = normalizar(objetivo_general_informacion or "")
        if plan.objetivo_general_informacion != texto:
            plan.objetivo_general_informacion = texto
            plan.save()
        _sincronizar(plan, ObjetivoInformacion, objetivos, CAMPOS_OBJETIVO_INFORMACION)
        regiones = {r.pk for r in regiones_gore(documento)}
        ids = ids_de_objetivos(plan)
        for datos in procedimientos:
            _ids_del_plan(plan, datos, ids)
            if not datos.get("eliminar") and datos.get("region_id") not in regiones | {None}:
                raise DatosInvalidos("El GORE indicado no es de una región de este Servicio.")
        try:
            _sincronizar(
                plan, ProcedimientoGore, procedimientos, CAMPOS_PROCEDIMIENTO, vacia=("region_id",)
            )
        except DatosInvalidos as exc:
            raise DatosInvalidos(
                "Hay dos procedimientos para el mismo GORE y tipo de información."
            ) from exc


def regiones_gore(documento) -> list:
    """The regions whose GORE the Servicio agrees procedures with: those of its Centros (its
    own region when it has none)."""
    centros = acceso.centros_del_servicio(documento)
    if centros:
        return [c.region for c in sorted(centros, key=lambda c: c.region.orden)]
    region = documento.servicio.region
    return [region] if region is not None else []


def no_abordado_guardar(*, documento, actor, fila_cuadro1: int, motivo: str) -> None:
    """Record (or, with an empty motivo, remove) why a recommended objective of the visado
    Cuadro I N°1 is not taken up this year (Encargado/a GT)."""
    visado = contenido_mod.diagnostico_visado(documento)
    filas1, _ = contenido_mod.filas_del_diagnostico(visado[0] if visado else None)
    if fila_cuadro1 not in filas1:
        raise DatosInvalidos("Esa fila no está en el Cuadro I N°1 del Diagnóstico visado.")
    motivo = normalizar(motivo or "").strip()
    with edicion(documento, actor) as plan:
        existente = ObjetivoNoAbordado.objects.filter(plan=plan, fila_cuadro1=fila_cuadro1).first()
        if not motivo:
            if existente is not None:
                existente.delete()
            return
        if existente is None:
            ObjetivoNoAbordado.objects.create(plan=plan, fila_cuadro1=fila_cuadro1, motivo=motivo)
        elif existente.motivo != motivo:
            existente.motivo = motivo
            existente.save()


def _fila_regional(modelo, *, documento, actor, centro, datos, fila, huella, campos):
    centro_id = centro.pk if centro else None
    plan = contenido_mod.plan_de(documento)
    historiales = historiales_fila(modelo, fila.pk, plan.pk) if fila is not None else None
    with edicion(documento, actor, centro_id, huella=huella, historiales=historiales) as plan:
        if fila is None:
            fila = modelo(plan=plan, centro_id=centro_id)
            if modelo is Actividad:
                ultimo = (
                    Actividad.objects.filter(plan=plan, centro_id=centro_id)
                    .order_by("-orden")
                    .values_list("orden", flat=True)
                    .first()
                )
                fila.orden = (ultimo or 0) + 1
        elif fila.plan_id != plan.pk or fila.centro_id != centro_id:
            raise SinPermiso("La fila no pertenece a esta región del Plan.")
        _ids_del_plan(plan, datos)
        valores = _valores(modelo, datos, campos)
        if modelo is Indicador:
            _revisar_indicador(plan, fila, valores)
        if modelo is Actividad and (
            valores.get("inicio") and valores.get("plazo") and valores["inicio"] > valores["plazo"]
        ):
            raise DatosInvalidos("El plazo no puede ser anterior al inicio.")
        if modelo is Actividad:
            for campo in ("inicio", "plazo"):
                error = error_fecha(valores.get(campo), documento.ciclo.anio)
                if error:
                    raise DatosInvalidos(error)
        try:
            with transaction.atomic():
                _guardar_si_cambia(fila, valores)
        except IntegrityError as exc:
            raise DatosInvalidos(f"Ya hay un indicador N° {valores.get('numero')}.") from exc
    return fila


def _revisar_indicador(plan, fila, valores: dict) -> None:
    if not valores.get("numero"):
        ultimo = (
            Indicador.objects.filter(plan=plan)
            .order_by("-numero")
            .values_list("numero", flat=True)
            .first()
        )
        valores["numero"] = (ultimo or 0) + 1
    texto = {k: "" if v is None else str(v) for k, v in valores.items()}
    errores = contenido_mod.revisar_formula(
        texto["formula"], texto["numerador"], texto["denominador"]
    )
    meta = contenido_mod.revisar_meta(texto)
    if meta:
        errores.append(meta)
    if errores:
        raise DatosInvalidos(" ".join(errores))


def actividad_guardar(*, documento, actor, centro, datos: dict, fila=None, huella=None):
    """Create (fila None) or update a hito or actividad of a region (centro None: national)."""
    return _fila_regional(
        Actividad,
        documento=documento,
        actor=actor,
        centro=centro,
        datos=datos,
        fila=fila,
        huella=huella,
        campos=CAMPOS_ACTIVIDAD,
    )


def indicador_guardar(*, documento, actor, centro, datos: dict, fila=None, huella=None):
    """Create (fila None) or update an indicator of a region (centro None: national)."""
    return _fila_regional(
        Indicador,
        documento=documento,
        actor=actor,
        centro=centro,
        datos=datos,
        fila=fila,
        huella=huella,
        campos=CAMPOS_INDICADOR,
    )


def fila_eliminar(*, documento, actor, fila, huella=None) -> None:
    """Delete a regional row (actividad or indicador) in its region's part."""
    plan = contenido_mod.plan_de(documento)
    if fila.plan_id != plan.pk:
        raise SinPermiso("La fila no pertenece a este Plan.")
    with edicion(
        documento,
        actor,
        fila.centro_id,
        huella=huella,
        historiales=historiales_fila(type(fila), fila.pk, plan.pk),
    ):
        fila.delete()
