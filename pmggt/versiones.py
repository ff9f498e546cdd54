"""What a stage document says, as each reader must see it: live draft, version under review,
or the visado record; and the read API later stages use to cite an earlier stage.

A later stage never imports an earlier stage's models: it reads the earlier stage's *visado*
canonical content (the JSON frozen by ``workflow.enviar``) through ``contenido_visado``.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Case, F, JSONField, Value, When

from . import consultas, etapas
from .models import Documento, VersionDocumento

Estado = Documento.Estado

# Set by ``registro_visado()``: readers of the whole document read the visado record.
_REGISTRO_VISADO: ContextVar[bool] = ContextVar("pmggt_registro_visado", default=False)


class SinVersionVisada(LookupError):
    """The visado record was asked of a document that has no visado version."""


@contextmanager
def registro_visado():
    """Within it, every report and export of a reader of the whole document (the Servicio's
    people, the command line) prints the last visado version, the official record, never the
    live draft or a version under review, also while a modification is in progress: the
    auditor's dossier (``pmggt.dossier``). A GORE already reads only that version. A document
    without a visado version raises ``SinVersionVisada``. Per thread and task (a ContextVar)."""
    marca = _REGISTRO_VISADO.set(True)
    try:
        yield
    finally:
        _REGISTRO_VISADO.reset(marca)


def contenido_publicado(documento: Documento) -> tuple[dict, VersionDocumento | None]:
    """(content, version) that reports and exports show: the live content (version None)
    while in Borrador, otherwise the frozen content of the version under review or visado
    (within ``registro_visado()``: always the last visado version)."""
    if _REGISTRO_VISADO.get():
        version = version_visada(documento)
        if version is None:
            raise SinVersionVisada(f"{documento} no tiene una versión visada.")
        return version.contenido, version
    if documento.estado != Estado.BORRADOR and documento.version_actual:
        version = VersionDocumento.objects.get(documento=documento, numero=documento.version_actual)
        return version.contenido, version
    return etapas.de(documento.etapa).contenido(documento), None


_VIGENTE = "_pmggt_contenido_vigente"


def contenido_vigente(documento: Documento) -> dict:
    """What the Servicio's readers see of the document now, built once per document object
    and state (a page asks for it for the content, the observaciones' labels and the fields).

    Outside Borrador nothing can be edited: the content is the frozen snapshot of the version
    under review or visado (one query). In Borrador it is the live content; ``acceso.edicion``
    forgets it after a write (``olvidar_contenido``). Checks before a write build it afresh.
    """
    clave = (documento.estado, documento.version_actual)
    guardado = documento.__dict__.get(_VIGENTE)
    if guardado is not None and guardado[0] == clave:
        return guardado[1]
    if documento.estado != Estado.BORRADOR and documento.version_actual:
        contenido = (
            VersionDocumento.objects.filter(
                documento_id=documento.pk, numero=documento.version_actual
            )
            .values_list("contenido", flat=True)
            .get()
        )
    else:
        contenido = etapas.de(documento.etapa).contenido(documento)
    documento.__dict__[_VIGENTE] = (clave, contenido)
    return contenido


def olvidar_contenido(documento: Documento) -> None:
    documento.__dict__.pop(_VIGENTE, None)


def contenido_para(documento: Documento, usuario=None) -> tuple[dict, VersionDocumento | None]:
    """(content, version) this user may read, as every page, report and export shows it.

    The Servicio's people (and the command line, ``usuario=None``) read ``contenido_publicado``;
    a reader outside the Servicio (a GORE) reads the last visado version only, cut by the stage
    to its regions (``acceso.lectura_de`` decides). Raises PermissionDenied if the user may read
    no content of this document.
    """
    if usuario is None:
        return contenido_publicado(documento)
    from django.core.exceptions import PermissionDenied

    from . import acceso

    lectura = acceso.lectura_de(usuario, documento)
    if lectura is None:
        raise PermissionDenied(acceso.MENSAJE_NO_VISADO)
    if lectura.interna:
        return contenido_publicado(documento)
    return recortar(lectura.version.contenido, documento, usuario), lectura.version


def recortar(contenido: dict, documento: Documento, usuario) -> dict:
    """The content limited to what this user may read (the stage says how to cut it)."""
    definicion = etapas.de(documento.etapa)
    if definicion.recortar is None or usuario is None:
        return contenido
    return definicion.recortar(contenido, documento, usuario)


def version_visada(documento: Documento) -> VersionDocumento | None:
    """The official record of the document (its last visado version), if it has one."""
    if documento.version_visada is None:
        return None
    return VersionDocumento.objects.filter(
        documento=documento, numero=documento.version_visada
    ).first()


def documento_de(servicio, ciclo, etapa: int) -> Documento | None:
    return (
        Documento.objects.select_related("servicio", "ciclo")
        .filter(servicio=servicio, ciclo=ciclo, etapa=etapa)
        .first()
    )


def contenido_visado(
    servicio, ciclo, etapa: int, *, resumen: Callable[[dict], object] | None = None
) -> tuple[dict, VersionDocumento] | None:
    """The visado canonical content of another stage of the same Servicio and Ciclo.

    None when that stage has no visado version (never a draft: a later stage builds only on
    what SUBDERE validated). The content keeps the visado version even while a modification
    of that stage is in progress.

    With ``resumen`` (a pure function of the content, hashable: what a later stage reads of
    it), the result is ``(resumen(content), version)``, kept per process: a version never
    changes (its sha256 is its content's), so while the kept one is still the visado version
    of that Servicio, Ciclo and stage the same single query returns its row without the JSON
    (the largest column there is). The kept value is shared: never change it in place (make
    it of read-only types). ``version.contenido`` is then not loaded.
    """
    servicio_id, ciclo_id = getattr(servicio, "pk", servicio), getattr(ciclo, "pk", ciclo)
    if resumen is None:
        version = _visada(servicio_id, ciclo_id, etapa).first()
        if version is None:
            return None
        return version.contenido, version
    clave = (servicio_id, ciclo_id, etapa, resumen)
    with _CANDADO:
        guardado = _RESUMENES.get(clave)
    pk, sha256 = (guardado[0], guardado[1]) if guardado else (0, "")
    version = next(
        iter(
            _VISADA_SIN_CONTENIDO.lista(
                servicio=servicio_id, ciclo=ciclo_id, etapa=etapa, pk=pk, sha256=sha256
            )
        ),
        None,
    )
    if version is None:
        return None
    if guardado is not None and (version.pk, version.sha256) == (pk, sha256):
        hecho = guardado[2]
    else:
        hecho = resumen(version._contenido)
    with _CANDADO:
        _RESUMENES[clave] = (version.pk, version.sha256, hecho)
        _RESUMENES.move_to_end(clave)
        while len(_RESUMENES) > MAX_RESUMENES:
            _RESUMENES.popitem(last=False)
    return hecho, version


def _visada(servicio, ciclo, etapa):
    return VersionDocumento.objects.select_related(
        "documento__servicio", "documento__ciclo"
    ).filter(
        documento__servicio_id=servicio,
        documento__ciclo_id=ciclo,
        documento__etapa=etapa,
        numero=F("documento__version_visada"),
    )


def _visada_sin_contenido(servicio, ciclo, etapa, pk, sha256):
    """The visado version, with its JSON as ``_contenido`` unless it is version ``pk`` with
    that ``sha256`` (whose reading is kept), first by id as ``.first()`` reads it."""
    return (
        _visada(servicio, ciclo, etapa)
        .defer("contenido")
        .annotate(
            _contenido=Case(
                When(pk=pk, sha256=sha256, then=Value(None)),
                default=F("contenido"),
                output_field=JSONField(),
            )
        )
        .order_by("pk")[:1]
    )


_VISADA_SIN_CONTENIDO = consultas.Compilada(
    _visada_sin_contenido, ids=("servicio", "ciclo", "etapa", "pk", "sha256"), textos=("sha256",)
)


# contenido_visado(resumen=...): {(servicio, ciclo, etapa, resumen): (version pk, sha256,
# resumen(content))}, the most recently read last.
MAX_RESUMENES = 1024
_RESUMENES: OrderedDict = OrderedDict()
_CANDADO = threading.Lock()
