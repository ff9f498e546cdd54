"""What a Funcionario/a GORE gets of the visado documents that concern its region: the list of
«Mi región» (``pmggt.views_gore``), each document's downloads for its region, and who is
e-mailed when one is visado (``pmggt.notificaciones``).

A document *concerns* a GORE as everywhere else (``permisos.q_concierne_a_gores``): the
Servicio's own region is the GORE's, or the Servicio has a Centro there. What a GORE may read
of it is ``acceso.lectura_de``'s rule (the last visado version, its regions only), and what it
may download is what the one download view serves it: every report a stage declares with a
regional filter and not ``solo_servicio``, with ``?region=`` its region's code.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Subquery
from django.urls import reverse

from . import etapas, permisos
from .models import Centro, Documento, GobiernoRegional, GrupoRol, Transicion


@dataclass(frozen=True)
class Descarga:
    titulo: str  # the report's title, e.g. "Cuadro I N°1"
    formato: str  # "pdf" | "xlsx"
    region: str  # the region code of ?region=
    url: str  # the download's path (pmggt:informe)

    @property
    def formato_texto(self) -> str:
        return {"pdf": "PDF", "xlsx": "Excel"}.get(self.formato, self.formato)

    @property
    def texto(self) -> str:
        """What a link says: the title and its format, unless the title says it already."""
        if self.formato_texto.lower() in self.titulo.lower():
            return self.titulo
        return f"{self.titulo} ({self.formato_texto})"


def informes_regionales(etapa: int) -> list[etapas.Informe]:
    """The reports of a stage that a GORE may download: filtered by region, not complete."""
    if not etapas.disponible(etapa):
        return []
    return [i for i in etapas.de(etapa).informes if not i.solo_servicio and i.regiones is not None]


def codigos_de_region(
    region_servicio: str | None, regiones_centros: set[str], tiene_centros: bool, suyas: set[str]
) -> list[str]:
    """The region codes of a document's downloads for a GORE of the regions ``suyas``: those of
    the Servicio's Centros among them; a Servicio without Centros is all its own region's.
    (A Servicio of its region with Centros elsewhere only: nothing regional to download.)"""
    if tiene_centros:
        return sorted(regiones_centros & suyas)
    return [region_servicio] if region_servicio in suyas else []


def descargas(documento: Documento, codigos: list[str]) -> list[Descarga]:
    """Each regional report of the document's stage, for each of these region codes."""
    resultado = []
    for codigo in codigos:
        for informe in informes_regionales(documento.etapa):
            url = reverse("pmggt:informe", args=[documento.pk, informe.nombre])
            resultado.append(
                Descarga(informe.titulo, informe.formato, codigo, f"{url}?region={codigo}")
            )
    return resultado


def _fecha_visado():
    """When the document's current visado version was visado (its latest «visar»)."""
    return Subquery(
        Transicion.objects.filter(
            documento_id=OuterRef("pk"),
            accion=Transicion.Accion.VISAR,
            version=OuterRef("version_visada"),
        )
        .order_by("-fecha")
        .values("fecha")[:1]
    )


def documentos_visados(gores):
    """Every document with a visado version that concerns these GOREs (a queryset of
    ``GobiernoRegional``), newest visado first, with ``visado_en`` and ``tiene_centros``.

    A document being modified (back in Borrador after «solicitar modificación») is still
    listed: its last visado version remains the official record the GORE reads."""
    return (
        Documento.objects.filter(version_visada__isnull=False)
        .filter(permisos.q_concierne_a_gores(gores, prefijo="servicio__"))
        .select_related("servicio__region", "ciclo")
        .annotate(
            visado_en=_fecha_visado(),
            tiene_centros=Exists(Centro.objects.filter(servicio_id=OuterRef("servicio_id"))),
        )
        .order_by(F("visado_en").desc(nulls_last=True), "servicio__nombre", "-pk")
    )


def regiones_de_centros(servicio_ids, regiones) -> dict[int, set[str]]:
    """{servicio id: codes of its Centros' regions among ``regiones``}, in one query."""
    resultado: dict[int, set[str]] = {}
    filas = Centro.objects.filter(servicio_id__in=servicio_ids, region__in=regiones).values_list(
        "servicio_id", "region__codigo"
    )
    for servicio_id, codigo in filas:
        resultado.setdefault(servicio_id, set()).add(codigo)
    return resultado


@dataclass
class DestinatarioGore:
    correo: str
    regiones: list  # [(code, name)] of its GOREs that the document concerns
    codigos: list  # the region codes of its downloads


def destinatarios_visado(documento: Documento, *, excluir=None) -> list[DestinatarioGore]:
    """The active GORE users with an e-mail whose GORE the document concerns, one entry per
    person (a member of two such GOREs gets one e-mail naming both)."""
    servicio = documento.servicio
    centros = dict(
        Centro.objects.filter(servicio_id=servicio.pk).values_list("region_id", "region__codigo")
    )
    regiones = set(centros) | ({servicio.region_id} if servicio.region_id else set())
    if not regiones:
        return []
    membresias = (
        get_user_model()
        .groups.through.objects.filter(
            group__rol__tipo=GrupoRol.Tipo.GORE,
            group__rol__gore__region_id__in=regiones,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list(
            "user_id",
            "user__email",
            "group__rol__gore__region__codigo",
            "group__rol__gore__region__nombre",
        )
        .order_by("user__email", "group__rol__gore__region__orden")
    )
    por_persona: dict[int, DestinatarioGore] = {}
    for usuario_id, correo, codigo, nombre in membresias:
        if excluir is not None and usuario_id == excluir:
            continue
        destinatario = por_persona.setdefault(usuario_id, DestinatarioGore(correo, [], []))
        if (codigo, nombre) not in destinatario.regiones:
            destinatario.regiones.append((codigo, nombre))
    region_servicio = servicio.region.codigo if servicio.region_id else None
    for destinatario in por_persona.values():
        destinatario.codigos = codigos_de_region(
            region_servicio,
            set(centros.values()),
            bool(centros),
            {codigo for codigo, _ in destinatario.regiones},
        )
    return list(por_persona.values())


def gores_de(usuario) -> list[GobiernoRegional]:
    """The user's GOREs (as Funcionario/a GORE), north to south, with their region."""
    return list(permisos.gores_de(usuario).select_related("region").order_by("region__orden"))
