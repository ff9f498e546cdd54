"""Registry of stage documents: what each Etapa contributes to the shared chain and pages.

Each stage app registers an ``EtapaDef`` in its AppConfig.ready(); the chain, the document page,
the version snapshot and the diff only speak to this interface.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Campo:
    """A place an observación can point at: a field, or one row of a table."""

    clave: str
    etiqueta: str


@dataclass(frozen=True)
class EtapaDef:
    numero: int
    # Canonical, JSON-serialisable content of the document (what a version freezes).
    contenido: Callable
    # Flatten canonical content to [(clave, etiqueta, texto)] for diffs and pointers.
    aplanar: Callable
    # Why the document cannot be sent yet ([] when it can).
    validar_envio: Callable
    # Template rendering the content on the document page, and its context
    # (called with the document, its unresolved observaciones grouped by campo, and the user).
    plantilla: str
    contexto: Callable
    # Name of the URL that edits the content (kwargs: pk of the Documento).
    url_editar: str | None = None
    crear: Callable | None = None
    # Querysets of historical records of the content (for the timeline).
    historiales: Callable | None = None
    # Whether someone other than the Encargado/a GT may resolve this observación.
    puede_resolver: Callable | None = None
    # The content limited to what this user may read (e.g. a GORE: its region's part only).
    recortar: Callable | None = None
    extra: dict = field(default_factory=dict)


_ETAPAS: dict[int, EtapaDef] = {}


def registrar(definicion: EtapaDef) -> None:
    _ETAPAS[definicion.numero] = definicion


def de(numero: int) -> EtapaDef:
    try:
        return _ETAPAS[numero]
    except KeyError as exc:
        raise LookupError(f"La etapa {numero} aún no está disponible en el sistema.") from exc


def disponible(numero: int) -> bool:
    return numero in _ETAPAS


def canonico(contenido) -> str:
    return json.dumps(contenido, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256(contenido) -> str:
    return hashlib.sha256(canonico(contenido).encode("utf-8")).hexdigest()
