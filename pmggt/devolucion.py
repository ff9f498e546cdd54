"""The returned-document banner: «Devuelto por … el … con N observaciones», with a link to
each observación where it is shown, on the document page and on a stage's part pages (the
cuadro pages of Etapa I, through the ``aviso_devolucion`` template tag).

It shows while the document is in Borrador and its last transition is a return; it goes away
when the document is sent again (or reopened by a modification). Only readers inside the
Servicio and SUBDERE see it: a GORE never reads observaciones (``acceso.lectura_de``).

An Encargada de Centro (who edits some regions and not the Servicio's part) counts the
observaciones of her regions' parts and those about the document in general; everyone else
counts them all.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Subquery
from django.urls import reverse

from . import acceso, consultas, etapas, fragmentos
from .models import Documento, Observacion, Transicion

Estado = Documento.Estado
Accion = Transicion.Accion

# Who returns from each state.
ROLES = {
    Estado.EN_REVISION_JEFE: "Jefe/a de Servicio",
    Estado.EN_VISACION: "Experto/a SUBDERE",
}
GENERAL = "El documento en general"


@dataclass
class Item:
    pk: int
    texto: str
    donde: str  # what it is about (its field's label) or where it is (its region)
    url: str
    resuelta: bool


@dataclass
class Aviso:
    quien: str
    rol: str
    fecha: datetime
    version: int
    comentario: str
    items: list = field(default_factory=list)
    total: int = 0  # the return's observaciones (``items`` may be those of her regions only)
    de_sus_regiones: str = ""  # "región I", when an Encargada de Centro's count is cut

    @property
    def n(self) -> int:
        return len(self.items)

    @property
    def resueltas(self) -> int:
        return sum(1 for i in self.items if i.resuelta)


def _quien(transicion) -> str:
    """Who returned it, and for whom when it was a subrogante (joined with the transition)."""
    texto = fragmentos.nombre(transicion.actor)
    if transicion.subrogancia_id:
        texto += f", por subrogancia de {fragmentos.nombre(transicion.subrogancia.titular)}"
    return texto


def _ultima_devolucion(transiciones) -> Transicion | None:
    ultima = transiciones[-1] if transiciones else None
    return ultima if ultima is not None and ultima.accion == Accion.DEVOLVER else None


def _observaciones_de_la_ultima_devolucion(documento):
    """The observaciones of the document's last transition if it is a return (none if it is
    not), with the return and its actor: one query (compiled once: every part page asks)."""
    return _DE_LA_ULTIMA.lista(documento=documento.pk)


def _de_la_ultima(documento):
    ultima = (
        Transicion.objects.filter(documento_id=documento).order_by("-fecha", "-pk").values("pk")[:1]
    )
    return (
        Observacion.objects.filter(
            documento_id=documento,
            transicion_id=Subquery(ultima),
            transicion__accion=Accion.DEVOLVER,
        )
        .select_related("transicion__actor", "transicion__subrogancia__titular")
        .order_by("creada_en", "pk")
    )


_DE_LA_ULTIMA = consultas.Compilada(_de_la_ultima, ids=("documento",))


def aviso(request, documento, *, transiciones=None, observaciones=None, etiquetas=None):
    """The banner of this document for this reader, or None.

    The document page passes what it read already (``transiciones``: all of them, oldest
    first; ``observaciones``: all of the document's; ``etiquetas``: {campo: label}) and so
    adds no query; a part page passes nothing and pays one query (plus at most one to place
    the observaciones of other regions' rows, ``EtapaDef.partes_de_campos``)."""
    usuario = request.user
    if documento.estado != Estado.BORRADOR or not acceso.es_lector_interno(usuario, documento):
        return None
    if transiciones is not None:
        devolucion = _ultima_devolucion(transiciones)
        if devolucion is None:
            return None
        de_ella = [o for o in observaciones if o.transicion_id == devolucion.pk]
    else:
        de_ella = _observaciones_de_la_ultima_devolucion(documento)
        if not de_ella:
            return None
        devolucion = de_ella[0].transicion
    definicion = etapas.de(documento.etapa)
    partes = (
        definicion.partes_de_campos(documento, {o.campo for o in de_ella if o.campo})
        if definicion.partes_de_campos
        else {}
    )
    # An Encargada de Centro: her regions' parts and the document in general.
    editables = acceso.centros_editables(usuario, documento)
    suyas = None
    if editables and None not in editables:
        suyas = {
            c.region.codigo for c in acceso.centros_del_servicio(documento) if c.pk in editables
        }
    url_documento = reverse("pmggt:documento", args=[documento.pk])
    urls_parte: dict = {}  # reversed once per region
    items = []
    for obs in de_ella:
        en_parte = obs.campo in partes
        region = partes.get(obs.campo)
        if suyas is not None and obs.campo and not (en_parte and region in suyas):
            continue
        if en_parte and not obs.resuelta and definicion.url_parte:
            # Open observaciones of a part are shown in its cell, on the part's page.
            url = urls_parte.get(region)
            if url is None:
                url = urls_parte[region] = definicion.url_parte(documento.pk, region)
        else:
            url = url_documento  # in its place or, in any case, in the full list
        if etiquetas is not None:
            donde = etiquetas.get(obs.campo, obs.campo or GENERAL)
        elif not obs.campo:
            donde = GENERAL
        elif en_parte:
            donde = f"Celda de los cuadros · región {region}" if region else "Celda de los cuadros"
        else:
            donde = "Definiciones del Servicio"
        items.append(
            Item(
                pk=obs.pk,
                texto=fragmentos.recortado(obs.texto, 160),
                donde=donde,
                url=f"{url}#observacion-{obs.pk}",
                resuelta=obs.resuelta,
            )
        )
    return Aviso(
        quien=_quien(devolucion),
        rol=ROLES.get(devolucion.estado_origen, ""),
        fecha=devolucion.fecha,
        version=devolucion.version,
        comentario=devolucion.comentario,
        items=items,
        total=len(de_ella),
        de_sus_regiones=", ".join(f"región {c}" for c in sorted(suyas or ()) if c)
        if suyas is not None
        else "",
    )
