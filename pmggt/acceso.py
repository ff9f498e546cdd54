"""Who reads and who edits what, for every stage document: the one access module.

Every view of every app gets its document through here:

- ``documento_para(request, pk)``: the whole document. Outsiders get 404 (the document's
  existence is not revealed); people it concerns but who may not open it now (a GORE before
  the V°B°) get 403.
- ``documento_para_region(request, pk, region)``: one region's part of a document with regional
  sections, for people who may read only some regions (a GORE: its own, once visado).

Regional rules, for any stage whose content is split by Centro de Responsabilidad (región):

- The Encargado/a GT edits every part while the document is in Borrador.
- An Encargado/a de Centro edits only the parts of her own Centro (región), in Borrador.
- The Servicio's people and administrators read every region.
- A Funcionario/a GORE reads, once the document has a visado version, only that version and
  only the regions of its GORE: never observaciones, return comments, drafts or versions that
  were not visado; while a modification is in progress it keeps reading the last visado one.

What each reader may see is decided here, once (``lectura_de``), and applied by every page,
partial, download, diff, version and timeline of every stage.

``edicion(...)`` is the one edit guard every write of stage content goes through (forms, htmx
rows, Excel imports, demo loaders): it locks the document row, checks Borrador and the editor's
right on that part, and names the actor in the history.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.http import Http404

from . import consultas, etapas, permisos
from .historia import actuando_como
from .models import Centro, Documento, Transicion, VersionDocumento

Estado = Documento.Estado

# URL code of the part of a Servicio without Centros (its own, single "region").
SERVICIO = "servicio"

MENSAJE_NO_VISADO = (
    "Este documento se podrá consultar cuando SUBDERE lo vise: los Gobiernos Regionales "
    "acceden a la versión visada."
)
MENSAJE_REGION = (
    "Su Gobierno Regional accede solo a la parte de su región, una vez visado el documento."
)


def _documento(pk: int, etapa: int | None = None) -> Documento:
    raices = tuple(_raices())
    clave = (raices, etapa is not None)
    consulta = _DOCUMENTO.get(clave)
    if consulta is None:
        consulta = _DOCUMENTO[clave] = consultas.Compilada(
            lambda pk, etapa=None: _consulta_documento(raices, pk, etapa),
            ids=("pk", "etapa") if etapa is not None else ("pk",),
        )
    filas = consulta.lista(pk=pk, etapa=etapa) if etapa is not None else consulta.lista(pk=pk)
    if not filas:
        raise Http404("No Documento matches the given query.")
    return filas[0]


def _consulta_documento(raices, pk, etapa=None):
    filtros = {"pk": pk} if etapa is None else {"pk": pk, "etapa": etapa}
    return Documento.objects.select_related("servicio__region", "ciclo", *raices).filter(**filtros)


# The document query of every page, compiled once (pmggt.consultas) per stages' root rows and
# whether the URL names the stage.
_DOCUMENTO: dict = {}


def _raices() -> list[str]:
    """The stages' root rows (one-to-one with the document), joined in the same query."""
    nombres = []
    for definicion in etapas.todas():
        if definicion.modelo is None:
            continue
        try:
            campo = definicion.modelo._meta.get_field("documento")
        except FieldDoesNotExist:
            continue
        if campo.one_to_one:
            nombres.append(campo.related_query_name())
    return nombres


def documento_para(request, pk: int, *, etapa: int | None = None) -> Documento:
    """The whole document if this user may read it; 404 to outsiders, 403 to insiders."""
    documento = _documento(pk, etapa)
    nivel = permisos.nivel_acceso(request.user, documento)
    if nivel is None:
        raise Http404("Documento no encontrado.")
    if nivel != permisos.CONTENIDO:
        raise PermissionDenied(MENSAJE_NO_VISADO)
    return documento


def es_lector_interno(usuario, documento: Documento) -> bool:
    """The Servicio's own people and administrators: they read everything, reviews included."""
    return permisos.es_administrador(usuario) or permisos.tiene(
        usuario, "ver_documentos", documento.servicio
    )


def centros_editables(usuario, documento: Documento, *, en_cualquier_estado=False) -> set:
    """Centro ids (and None for Servicio-level parts) this user may edit now (or in Borrador)."""
    if documento.estado != Estado.BORRADOR and not en_cualquier_estado:
        return set()
    # Kept on the document object (one per request) for this user: a write asks it of the
    # part and again of the edit guard. It depends on grants and Centros, not on the state.
    memoria = documento.__dict__.setdefault("_pmggt_centros_editables", {})
    if usuario.pk not in memoria:
        todos = {c.pk for c in centros_del_servicio(documento)}
        if permisos.tiene(usuario, "editar_documentos", documento.servicio):
            memoria[usuario.pk] = frozenset({None, *todos})
        else:
            memoria[usuario.pk] = frozenset(
                todos & permisos.ids_con(usuario, "editar_centro", Centro)
            )
    return set(memoria[usuario.pk])


def centros_del_servicio(documento: Documento) -> list:
    """The document's Servicio's Centros (all, with their region), read once per document
    object: the region of a URL and the editable parts both come from it."""
    if "_pmggt_centros" not in documento.__dict__:
        documento._pmggt_centros = _CENTROS.lista(servicio=documento.servicio_id)
    return documento._pmggt_centros


_CENTROS = consultas.Compilada(
    lambda servicio: Centro.objects.filter(servicio_id=servicio).select_related("region"),
    ids=("servicio",),
)


def es_editor(usuario, servicio) -> bool:
    """Edits some part of this Servicio's documents (in Borrador): Encargado/a GT or de Centro."""
    return (
        permisos.tiene(usuario, "editar_documentos", servicio)
        or permisos.centros_editables(usuario, servicio).exists()
    )


def regiones_legibles(usuario, documento: Documento) -> set | None:
    """Region codes the user may read; None means every region (and Servicio-level parts)."""
    if es_lector_interno(usuario, documento):
        return None
    if documento.version_visada is None:
        return set()
    legibles = set(permisos.gores_de(usuario).values_list("region__codigo", flat=True))
    servicio = documento.servicio
    if servicio.region_id and servicio.region.codigo in legibles and not servicio.centros.exists():
        legibles.add(None)  # a regional Servicio's own part (no Centros) is its region's
    return legibles


@dataclass(frozen=True)
class Lectura:
    """What one reader may see of one document.

    ``interna``: the Servicio's own people and administrators — the live draft, every version,
    observaciones, comments and the timeline. Otherwise (a GORE) only ``version`` (the last
    visado version) cut to ``regiones`` (codes; None for a regional Servicio's own part), and
    only the numbers in ``versiones`` (the versions that were visado).
    """

    interna: bool
    regiones: frozenset | None = None
    version: VersionDocumento | None = None
    versiones: frozenset = frozenset()

    @property
    def ve_observaciones(self) -> bool:
        """Observaciones, return and transition comments, drafts: the review's own business."""
        return self.interna

    def puede_ver_version(self, numero) -> bool:
        return self.interna or numero in self.versiones


def numeros_visados(documento: Documento) -> frozenset:
    """Numbers of the versions of this document that SUBDERE visó (the official records)."""
    return frozenset(
        Transicion.objects.filter(
            documento_id=documento.pk, accion=Transicion.Accion.VISAR
        ).values_list("version", flat=True)
    )


def lectura_de(usuario, documento: Documento) -> Lectura | None:
    """The one rule of what this user may read of this document (None: not its content)."""
    if es_lector_interno(usuario, documento):
        return Lectura(interna=True)
    legibles = regiones_legibles(usuario, documento)
    if not legibles:
        return None
    version = VersionDocumento.objects.get(documento=documento, numero=documento.version_visada)
    return Lectura(
        interna=False,
        regiones=frozenset(legibles),
        version=version,
        versiones=numeros_visados(documento),
    )


def documento_para_region(
    request, pk: int, region: str | None, *, etapa: int | None = None
) -> Documento:
    """The document if this user may read this region (None: the whole document).

    Outsiders get 404; insiders without the right (e.g. a GORE asking for another region, or
    for a document not yet visado) get 403.
    """
    documento = _documento(pk, etapa)
    _exigir_region(request.user, documento, region)
    return documento


def _exigir_region(usuario, documento: Documento, region: str | None) -> None:
    if permisos.nivel_acceso_servicio(usuario, documento.servicio) is None:
        raise Http404("Documento no encontrado.")
    legibles = regiones_legibles(usuario, documento)
    if legibles is None:
        return
    servicio = documento.servicio
    if region is None and servicio.region_id and not servicio.centros.exists():
        # A regional Servicio without Centros: the whole document is its region's.
        region = servicio.region.codigo
    if region is None or region not in legibles:
        raise PermissionDenied(MENSAJE_REGION)


def region_del_documento(documento: Documento, region: str) -> tuple:
    """(centro or None, code or None) for a URL region code; 404 if not the Servicio's."""
    centros = {c.region.codigo: c for c in centros_del_servicio(documento)}
    if region == SERVICIO and not centros:
        return None, None
    if region in centros:
        return centros[region], region
    raise Http404("Región no encontrada en este Servicio.")


def parte_legible(request, pk: int, region: str, *, etapa: int | None = None) -> tuple:
    """(documento, centro, codigo) of one region's part: 404 outsider, 403 without the right."""
    documento = _documento(pk, etapa)
    if permisos.nivel_acceso_servicio(request.user, documento.servicio) is None:
        raise Http404("Documento no encontrado.")  # before revealing which regions exist
    centro, codigo = region_del_documento(documento, region)
    _exigir_region(request.user, documento, codigo)
    return documento, centro, codigo


def parte_editable(request, pk: int, region: str, *, etapa: int | None = None) -> tuple:
    """As parte_legible, and only for who edits this region (the state is checked on save)."""
    documento, centro, codigo = parte_legible(request, pk, region, etapa=etapa)
    centro_id = centro.pk if centro else None
    if centro_id not in centros_editables(request.user, documento, en_cualquier_estado=True):
        raise PermissionDenied("No tiene permiso para editar esta región.")
    return documento, centro, codigo


# --- The edit guard ---------------------------------------------------------------------------


@contextmanager
def edicion(
    documento: Documento,
    actor,
    *,
    centro_id=None,
    toda=False,
    errores=None,
    verbo="edita",
    huella: str | None = None,
    historiales=None,
):
    """Lock the document, check it is in Borrador and that actor may edit this part.

    ``centro_id``: the Centro whose part is written (None: the Servicio-level part).
    ``toda``: the writer touches several parts and checks each one itself (e.g. an import):
    only some editing right on the document is required; the set of editable Centro ids is
    yielded with the locked document.
    ``verbo``: what the refusal says is done only in Borrador ("edita", "importa").
    ``huella`` / ``historiales``: optimistic concurrency (``pmggt.concurrencia``): the huella
    the form was drawn with and a callable giving the part's history querysets; a part saved
    by someone else since is refused with ``EdicionConcurrente``, under the lock.
    ``errores``: a callable(mensaje, tipo) building the exception to raise (imports report
    their refusals in their own error type); by default the workflow's errors.
    Yields ``(documento_bloqueado, centros_editables)`` inside a transaction, with the history
    user set to actor.
    """
    from .workflow import EstadoInvalido, SinPermiso

    def rechazo(mensaje, tipo):
        if errores is not None:
            return errores(mensaje, tipo)
        return tipo(mensaje)

    with transaction.atomic():
        # Lock the row: the document cannot be sent, nor another write interleave (PostgreSQL).
        # of=("self",): only the document row is locked (PostgreSQL refuses FOR UPDATE on the
        # nullable side of the outer join to the Servicio's region).
        doc = (
            Documento.objects.select_for_update(of=("self",))
            .select_related("servicio__region", "ciclo")
            .get(pk=documento.pk)
        )
        # What this request already knows of the editable Centros (part checks) carries over.
        for clave in ("_pmggt_centros_editables", "_pmggt_centros"):
            if clave in documento.__dict__:
                doc.__dict__[clave] = documento.__dict__[clave]
        if doc.estado != Estado.BORRADOR:
            raise rechazo(
                f"El documento está «{doc.get_estado_display()}»: solo se {verbo} en Borrador.",
                EstadoInvalido,
            )
        editables = centros_editables(actor, doc)
        if (toda and not editables) or (not toda and centro_id not in editables):
            raise rechazo("No tiene permiso para editar esta parte del documento.", SinPermiso)
        if historiales is not None:
            from .concurrencia import verificar

            verificar(huella, historiales())
        with actuando_como(actor):
            yield doc, editables
    # What the page shows next is built again from the written content.
    from .versiones import olvidar_contenido

    olvidar_contenido(documento)
    olvidar_contenido(doc)
