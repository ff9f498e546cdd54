"""The day's reminders (``Aviso`` rows) and the daily digest e-mail.

``calcular(hoy)`` records, for every registered stage and open Ciclo with a deadline, the
reminders due that day to whoever must act now on each active Servicio's stage document:

- N days before (``AjustesAvisos.dias_antes``) and after (``dias_despues``) the effective
  deadline (a Servicio's Prorroga included), while the document has no visado version:
  not started or in Borrador → the Encargado/a GT (and, in Borrador, each Encargada de Centro
  whose region's part is still incomplete); en revisión del Jefe → the Jefe/a and any
  subrogante in force; en visación → the Experto/a(s) assigned to the Servicio;
- «devuelto y no reenviado»: N days (``dias_devuelto``) after a DEVOLVER that is still the
  document's last transition → the Encargado/a GT.

Each reminder has a ``clave`` unique per person, so computing a day twice (or the next day)
never records it again; a new extension date gives new claves. Only the exact offsets fire: a
day the job did not run can be computed later with ``enviar_recordatorios --fecha``.

``enviar_resumenes`` then sends ONE e-mail per person with every aviso not yet mailed and marks
them mailed. People without e-mail (or inactive) are not mailed and nothing of theirs is
marked: their avisos stay in the app and go in their first digest once they have an address.

Everything runs in a constant number of queries whatever the number of Servicios.
``ejecutar`` (compute + digest) is what the daily task (``pmggt.tareas``) and the cron'd
command ``enviar_recordatorios`` call.
"""

import functools
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import calendario, etapas
from .models import (
    AjustesAvisos,
    Aviso,
    Centro,
    Documento,
    GrupoRol,
    Plazo,
    Servicio,
    Subrogancia,
    Transicion,
)
from .models.avisos import dias

Estado = Documento.Estado
Tipo = GrupoRol.Tipo
logger = logging.getLogger(__name__)


@dataclass
class _Nuevo:
    """An aviso to record (before bulk_create), with the person it is for."""

    usuario_id: int
    texto: str
    url: str
    clave: str
    tipo: str
    asunto: str
    documento_id: int | None
    servicio_id: int | None

    def modelo(self) -> Aviso:
        return Aviso(**vars(self))


def _fecha(d: date) -> str:
    return d.strftime("%d-%m-%Y")


# --- Who holds each role, for many Servicios at once --------------------------------------------


def _miembros(servicio_ids: set[int], centro_ids: set[int]) -> dict:
    """{(tipo, servicio_id | None, centro_id | None): [user ids]} of the active members of the
    GT, Jefe/a, Experto/a and Centro role groups of these Servicios and Centros: one query over
    the membership table (as ``pmggt.notificaciones.destinatarios`` finds people)."""
    if not servicio_ids and not centro_ids:
        return {}
    miembros = (
        get_user_model()
        .groups.through.objects.filter(user__is_active=True)
        .filter(
            Q(
                group__rol__tipo__in=[Tipo.ENCARGADO_GT, Tipo.JEFE, Tipo.EXPERTO],
                group__rol__servicio_id__in=sorted(servicio_ids),
                group__rol__centro__isnull=True,
            )
            | Q(
                group__rol__tipo=Tipo.ENCARGADO_CENTRO,
                group__rol__centro_id__in=sorted(centro_ids),
                group__rol__centro__activo=True,
            )
        )
    )
    resultado: dict = {}
    for tipo, servicio_id, centro_id, usuario_id in miembros.values_list(
        "group__rol__tipo", "group__rol__servicio_id", "group__rol__centro_id", "user_id"
    ).order_by("user_id"):
        clave = (tipo, None, centro_id) if tipo == Tipo.ENCARGADO_CENTRO else (tipo, servicio_id)
        resultado.setdefault(clave, []).append(usuario_id)
    return resultado


def _subrogantes(servicio_ids: set[int], hoy: date) -> dict:
    """{servicio_id: [(subrogante id, titular's name)]} of the subrogancias in force today."""
    if not servicio_ids:
        return {}
    resultado: dict = {}
    for s in (
        Subrogancia.objects.en_vigor(hoy)
        .filter(servicio_id__in=sorted(servicio_ids))
        .select_related("titular")
        .order_by("pk")
    ):
        titular = s.titular.get_full_name() or s.titular.get_username()
        resultado.setdefault(s.servicio_id, []).append((s.subrogante_id, titular))
    return resultado


# --- Deadline reminders -------------------------------------------------------------------------


def _cuando(vence: date, hoy: date, original: date | None) -> str:
    cuenta = calendario.cuenta_regresiva(vence, hoy)
    prorroga = f", con prórroga; el plazo original era el {_fecha(original)}" if original else ""
    return f"El plazo vence el {_fecha(vence)}{prorroga} ({cuenta})."


def _avisos_de_plazos(hoy: date, ajustes: AjustesAvisos) -> list[_Nuevo]:
    antes, despues = set(dias(ajustes.dias_antes)), set(dias(ajustes.dias_despues))
    definiciones = {d.numero: d for d in etapas.todas()}
    if not definiciones or not (antes or despues):
        return []
    anios = {}
    for ciclo_id, etapa, anio in (
        Plazo.objects.filter(ciclo__abierto=True, periodo=0, etapa__in=sorted(definiciones))
        .order_by()
        .values_list("ciclo_id", "etapa", "ciclo__anio")
    ):
        anios[(ciclo_id, etapa)] = anio
    if not anios:
        return []
    plazos = list(anios)
    servicios = {
        s.pk: s for s in Servicio.objects.filter(activo=True).only("pk", "sigla", "nombre")
    }
    efectivos = calendario.plazos_de((s, c, e) for s in servicios for c, e in plazos)
    # The (Servicio, Ciclo, stage) whose effective deadline is exactly an offset away today.
    vencen = {}
    for (s, c, e), efectivo in efectivos.items():
        n = (efectivo.vence - hoy).days
        if n >= 0 and n in antes:
            vencen[(s, c, e)] = (efectivo, "antes", n)
        elif n < 0 and -n in despues:
            vencen[(s, c, e)] = (efectivo, "despues", -n)
        # An offset 0 «after» is the deadline day itself: it counts as «before» if listed there.
        elif n == 0 and 0 in despues:
            vencen[(s, c, e)] = (efectivo, "despues", 0)
    if not vencen:
        return []
    etapas_leidas = {e for _, _, e in vencen} | {
        definiciones[e].requiere for _, _, e in vencen if definiciones[e].requiere
    }
    documentos = {
        (d["servicio_id"], d["ciclo_id"], d["etapa"]): d
        for d in Documento.objects.filter(
            servicio_id__in=sorted({s for s, _, _ in vencen}),
            ciclo_id__in=sorted({c for _, c, _ in vencen}),
            etapa__in=sorted(etapas_leidas),
        )
        .order_by()
        .values(
            "pk",
            "servicio_id",
            "ciclo_id",
            "ciclo__anio",
            "etapa",
            "estado",
            "version_actual",
            "version_visada",
        )
    }
    # What each due stage needs now: (clave, document row or None).
    pendientes = []
    for clave in vencen:
        s, c, e = clave
        doc = documentos.get(clave)
        if doc is None:
            requiere = definiciones[e].requiere
            if requiere is not None:
                previo = documentos.get((s, c, requiere))
                if previo is None or previo["version_visada"] is None:
                    continue  # cannot start yet: nobody can act on it
        elif doc["version_visada"] is not None:
            continue
        pendientes.append((clave, doc))
    if not pendientes:
        return []
    borradores = [
        (clave, doc)
        for clave, doc in pendientes
        if doc is not None
        and doc["estado"] == Estado.BORRADOR
        and definiciones[clave[2]].faltantes_partes is not None
    ]
    centros_de: dict[int, list[Centro]] = {}
    if borradores:
        for centro in (
            Centro.objects.filter(
                servicio_id__in=sorted({c[0] for c, _ in borradores}), activo=True
            )
            .select_related("region")
            .order_by("region__orden", "pk")
        ):
            centros_de.setdefault(centro.servicio_id, []).append(centro)
    faltan: dict = {}
    por_etapa: dict[int, list] = {}
    for (s, _c, e), doc in borradores:
        for centro in centros_de.get(s, ()):
            por_etapa.setdefault(e, []).append((doc["pk"], centro.pk))
    for numero, partes in por_etapa.items():
        faltan.update(definiciones[numero].faltantes_partes(partes))
    servicio_ids = {s for (s, _c, _e), _ in pendientes}
    miembros = _miembros(
        servicio_ids, {centro.pk for lista in centros_de.values() for centro in lista}
    )
    en_revision = {
        s for (s, _c, _e), d in pendientes if d and d["estado"] == Estado.EN_REVISION_JEFE
    }
    subrogantes = _subrogantes(en_revision, hoy)

    nuevos = []
    for (s, c, e), doc in pendientes:
        efectivo, lado, n = vencen[(s, c, e)]
        servicio, definicion = servicios[s], definiciones[e]
        titulo = f"{Documento.Etapa(e).label} {anios[(c, e)]}"
        cuando = _cuando(efectivo.vence, hoy, efectivo.original if efectivo.prorroga else None)
        cuenta = calendario.cuenta_regresiva(efectivo.vence, hoy)
        clave = f"plazo:{efectivo.plazo.pk}:{s}:{lado}:{n}:{efectivo.vence.isoformat()}"
        tipo = Aviso.Tipo.PLAZO_ANTES if lado == "antes" else Aviso.Tipo.PLAZO_DESPUES
        asunto = f"{servicio.sigla} {titulo}: {cuenta}"
        doc_id = doc["pk"] if doc else None
        url_doc = reverse("pmggt:documento", kwargs={"pk": doc_id}) if doc else ""

        aviso = functools.partial(
            _Nuevo,
            clave=clave,
            tipo=tipo,
            asunto=asunto,
            documento_id=doc_id,
            servicio_id=s,
        )

        gt = miembros.get((Tipo.ENCARGADO_GT, s), [])
        if doc is None:
            texto = (
                f"{titulo} de {servicio.nombre} aún no se ha iniciado. {cuando} "
                "Inícielo desde Mis pendientes («Iniciar», en «No iniciados»), complételo y "
                "envíelo al Jefe/a de Servicio."
            )
            url = reverse("pmggt:mis_pendientes") + "#no-iniciados"
            nuevos += [aviso(u, texto, url) for u in gt]
        elif doc["estado"] == Estado.BORRADOR:
            texto = (
                f"{titulo} de {servicio.nombre} está en Borrador. {cuando} "
                "Complételo y envíelo al Jefe/a de Servicio para su aprobación."
            )
            nuevos += [aviso(u, texto, url_doc) for u in gt]
            for centro in centros_de.get(s, ()):
                lo_que_falta = faltan.get((doc_id, centro.pk))
                if not lo_que_falta:
                    continue  # her region's part is complete: nothing for her to do
                region = f"{centro.region.codigo} {centro.region.nombre_corto}".strip()
                if centro.region.nombre_corto == centro.region.codigo:
                    region = f"{centro.region.codigo} {centro.region.nombre}"
                muestra = "; ".join(lo_que_falta[:3])
                if len(lo_que_falta) > 3:
                    muestra += f"; y {len(lo_que_falta) - 3} más"
                texto = (
                    f"{titulo} de {servicio.nombre} está en Borrador y la parte de su región "
                    f"({region}) aún está incompleta: {muestra}. {cuando} "
                    "Complétela para que el Encargado/a GT pueda enviarlo."
                )
                url = (
                    definicion.url_parte(doc_id, centro.region.codigo)
                    if definicion.url_parte is not None
                    else url_doc
                )
                nuevos += [
                    aviso(u, texto, url)
                    for u in miembros.get((Tipo.ENCARGADO_CENTRO, None, centro.pk), [])
                ]
        elif doc["estado"] == Estado.EN_REVISION_JEFE:
            texto = (
                f"{titulo} de {servicio.nombre} espera su aprobación (versión "
                f"{doc['version_actual']}). {cuando} Apruébelo o devuélvalo con observaciones."
            )
            nuevos += [aviso(u, texto, url_doc) for u in miembros.get((Tipo.JEFE, s), [])]
            for subrogante, titular in subrogantes.get(s, ()):
                nuevos.append(
                    aviso(
                        subrogante,
                        texto.replace(
                            "espera su aprobación",
                            f"espera su aprobación como subrogante de {titular}",
                        ),
                        url_doc,
                    )
                )
        elif doc["estado"] == Estado.EN_VISACION:
            texto = (
                f"{titulo} de {servicio.nombre} espera su visación técnica SUBDERE (versión "
                f"{doc['version_actual']}). {cuando} Vise el documento (V°B°) o devuélvalo con "
                "observaciones."
            )
            nuevos += [aviso(u, texto, url_doc) for u in miembros.get((Tipo.EXPERTO, s), [])]
    return nuevos


# --- «Devuelto y no reenviado» ------------------------------------------------------------------


def _avisos_de_devoluciones(hoy: date, ajustes: AjustesAvisos) -> list[_Nuevo]:
    offsets = dias(ajustes.dias_devuelto)
    if not offsets:
        return []
    por_dia = {hoy.toordinal() - n: n for n in offsets}
    fechas = [date.fromordinal(o) for o in por_dia]
    devoluciones = list(
        Transicion.objects.filter(
            accion=Transicion.Accion.DEVOLVER,
            documento__estado=Estado.BORRADOR,
            documento__servicio__activo=True,
            documento__ciclo__abierto=True,
            fecha__date__in=fechas,
        )
        # Still the document's last transition: it was not sent again since.
        .exclude(
            Exists(
                Transicion.objects.filter(documento=OuterRef("documento"), pk__gt=OuterRef("pk"))
            )
        )
        .annotate(abiertas=Count("observaciones", filter=Q(observaciones__resuelta=False)))
        .select_related("documento__servicio", "documento__ciclo", "actor")
        .order_by("pk")
    )
    if not devoluciones:
        return []
    miembros = _miembros({t.documento.servicio_id for t in devoluciones}, set())
    nuevos = []
    for t in devoluciones:
        dia = timezone.localtime(t.fecha).date()
        n = por_dia.get(dia.toordinal())
        if n is None:
            continue
        documento = t.documento
        quien = t.actor.get_full_name() or t.actor.get_username()
        hace = "hoy" if n == 0 else ("hace 1 día" if n == 1 else f"hace {n} días")
        abiertas = ""
        if t.abiertas:
            palabra = "observación" if t.abiertas == 1 else "observaciones"
            abiertas = f" Tiene {t.abiertas} {palabra} por resolver."
        texto = (
            f"{documento.titulo} de {documento.servicio.nombre} fue devuelto con observaciones "
            f"{hace} (el {_fecha(dia)}, por {quien}) y aún no se ha vuelto a enviar.{abiertas} "
            "Resuelva las observaciones y envíelo nuevamente al Jefe/a de Servicio."
        )
        asunto = f"{documento.servicio.sigla} {documento.titulo}: devuelto y no reenviado"
        url = reverse("pmggt:documento", kwargs={"pk": documento.pk})
        for u in miembros.get((Tipo.ENCARGADO_GT, documento.servicio_id), []):
            nuevos.append(
                _Nuevo(
                    u,
                    texto,
                    url,
                    clave=f"devuelto:{t.pk}:{n}",
                    tipo=Aviso.Tipo.DEVUELTO,
                    asunto=asunto,
                    documento_id=documento.pk,
                    servicio_id=documento.servicio_id,
                )
            )
    return nuevos


# --- Compute, digest, both ---------------------------------------------------------------------


def calcular(hoy: date | None = None) -> int:
    """Record the reminders due ``hoy``; returns how many new avisos were recorded."""
    hoy = hoy or calendario.hoy()
    ajustes = AjustesAvisos.actuales()
    if not ajustes.activos:
        return 0
    nuevos = _avisos_de_plazos(hoy, ajustes) + _avisos_de_devoluciones(hoy, ajustes)
    # One aviso per person and clave: a person with two roles on a Servicio (GT and Centro)
    # gets the first, the GT's, which covers the whole document.
    unicos = {}
    for nuevo in nuevos:
        unicos.setdefault((nuevo.usuario_id, nuevo.clave), nuevo)
    if not unicos:
        return 0
    ya = set(
        Aviso.objects.filter(
            usuario_id__in=sorted({u for u, _ in unicos}), clave__in=sorted({c for _, c in unicos})
        ).values_list("usuario_id", "clave")
    )
    por_crear = [n.modelo() for k, n in unicos.items() if k not in ya]
    Aviso.objects.bulk_create(por_crear, ignore_conflicts=True, batch_size=500)
    return len(por_crear)


def _asunto_resumen(n: int) -> str:
    return f"[PMG-GT] Resumen diario: {n} aviso{'s' if n != 1 else ''}"


def enviar_resumenes(hoy: date | None = None) -> dict:
    """One e-mail per person with every aviso not mailed yet, then marked mailed.

    Returns {"correos": mails sent, "avisos": avisos they carried}. Inactive people and people
    without e-mail get no mail and nothing of theirs is marked (see the module's docstring).
    """
    hoy = hoy or calendario.hoy()
    sitio = settings.SITIO_URL.rstrip("/")
    enviados_ids: list[int] = []
    correos = 0
    with transaction.atomic():
        pendientes = (
            Aviso.objects.filter(correo_enviado_en__isnull=True, usuario__is_active=True)
            .exclude(usuario__email="")
            .select_related("usuario")
            .order_by("usuario_id", "creado_en", "pk")
        )
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            # Two runs at once (a worker and a cron): each aviso goes in one digest only.
            pendientes = pendientes.select_for_update(skip_locked=True, of=("self",))
        por_persona: dict[int, list[Aviso]] = {}
        for aviso in pendientes:
            por_persona.setdefault(aviso.usuario_id, []).append(aviso)
        if not por_persona:
            return {"correos": 0, "avisos": 0}
        conexion = get_connection()
        try:
            conexion.open()
            for avisos in por_persona.values():
                persona = avisos[0].usuario
                contexto = {
                    "persona": persona,
                    "nombre": persona.get_full_name() or persona.get_username(),
                    "hoy": hoy,
                    "avisos": [
                        (
                            a,
                            sitio + reverse("pmggt:aviso_abrir", kwargs={"pk": a.pk}),
                        )
                        for a in avisos
                    ],
                    "url_avisos": sitio + reverse("pmggt:avisos"),
                }
                mensaje = EmailMessage(
                    _asunto_resumen(len(avisos)),
                    render_to_string("pmggt/correo_resumen.txt", contexto),
                    settings.DEFAULT_FROM_EMAIL,
                    [persona.email],
                    connection=conexion,
                )
                try:
                    mensaje.send()
                except Exception:
                    # Not marked: the next run carries them again.
                    logger.exception("No se pudo enviar el resumen diario a %s", persona.pk)
                    continue
                correos += 1
                enviados_ids += [a.pk for a in avisos]
        finally:
            conexion.close()
        if enviados_ids:
            Aviso.objects.filter(pk__in=enviados_ids).update(correo_enviado_en=timezone.now())
    return {"correos": correos, "avisos": len(enviados_ids)}


def ejecutar(hoy: date | None = None, *, correo: bool = True) -> dict:
    """The day's job: compute the reminders due ``hoy``, then send the digests (``correo``)."""
    hoy = hoy or calendario.hoy()
    creados = calcular(hoy)
    resumen = enviar_resumenes(hoy) if correo else {"correos": 0, "avisos": 0}
    return {
        "fecha": hoy.isoformat(),
        "avisos_creados": creados,
        "correos": resumen["correos"],
        "avisos_enviados": resumen["avisos"],
    }
