"""Registry of stage documents: what each Etapa contributes to the shared core.

Each stage app registers an ``EtapaDef`` in its AppConfig.ready(); the chain, the document page,
versions, diffs, timeline, reports, demo loading and document creation only speak to this
interface, so the core imports no stage app. A new stage declares:

- its number, title and root model (``modelo``: one row per Documento, ``documento`` one-to-one);
- ``requiere``: the stage that must be Visado (same Servicio and Ciclo) before it can start;
- its canonical content and flattening (what a version freezes; rows for diffs and pointers);
- its send checks, its document-page template and context, its history querysets;
- the checklist shown before sending (``lista_envio``: what is missing, what blocks) and
  which regional part each observación key points into (``partes_de_campos``);
- whether its content is split by region (``regional``) and how a reader's part is cut out;
- for an Encargada de Centro's inbox, what her region's part still lacks and where she fills it
  (``faltantes_partes``, ``url_parte``);
- its reports and exports (``informes``), served by one download view and one command;
- its demo content (``demo``) and when a visado document may be reopened
  (``puede_solicitar_modificacion``);
- how to bulk-build its content for the national-scale data set (``escala``);
- the attachments the auditor's dossier includes (``adjuntos``).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Campo:
    """A place an observación can point at: a field, or one row of a table."""

    clave: str
    etiqueta: str


@dataclass(frozen=True)
class Pendiente:
    """One item of the checklist shown before sending (``EtapaDef.lista_envio``).

    ``texto``: what is missing, in Spanish (a blocking item's text is also the message with
    which sending is refused); ``bloquea``: the Guía requires it, so the document cannot be
    sent while it is there (otherwise it only warns); ``url``: the page (and anchor) where it
    is fixed; ``region``: the region code of the part it belongs to (None: the Servicio's own
    part, including the cuadros of a Servicio without Centros).
    """

    texto: str
    bloquea: bool
    url: str = ""
    region: str | None = None


@dataclass(frozen=True)
class Informe:
    """A report (PDF) or export (xlsx) of a stage document.

    ``construir(documento, region, usuario)`` returns the escaped HTML to print (pdf) or the
    workbook's bytes (xlsx); it raises ``pmggt.informes.RegionNoEncontrada`` for a region the
    document does not have. ``usuario`` is None from the command line (full content).
    ``regiones(documento)`` lists the region codes the report can be filtered by (None: it has no
    regional filter). ``solo_servicio``: the complete report, for readers of the whole document.
    """

    nombre: str
    titulo: str
    formato: str  # "pdf" | "xlsx"
    construir: Callable
    regiones: Callable | None = None
    solo_servicio: bool = False


@dataclass(frozen=True)
class EtapaDef:
    numero: int
    titulo: str
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
    # What users call it in buttons and lists ("Diagnóstico").
    nombre: str = ""
    # The stage's root model (one row per Documento, field "documento").
    modelo: type | None = None
    # The stage that must be Visado in the same Ciclo before this one starts (None: none).
    requiere: int | None = None
    # Creates the root row of a new document (default: modelo.objects.create(documento=…)).
    crear: Callable | None = None
    # Querysets of historical records of the content (for the timeline).
    historiales: Callable | None = None
    # Whether someone other than the Encargado/a GT may resolve this observación.
    puede_resolver: Callable | None = None
    # What readers outside the Servicio (a GORE) see above the visado content on the document
    # page (rendered with the cut visado content as "c"); the core lists the content anyway.
    plantilla_publica: str | None = None
    # Content split by Centro de Responsabilidad (región): regional editors and readers apply.
    regional: bool = False
    # The content limited to what this user may read (e.g. a GORE: its region's part only).
    recortar: Callable | None = None
    # A regional part (one Centro's) as an Encargada de Centro's inbox shows it (Mis
    # pendientes): ``faltantes_partes([(documento_id, centro_id), …])`` -> {(documento_id,
    # centro_id): [what is still missing]}, by the rules of the document page's per-region
    # summary, for every part at once in a constant number of queries; and
    # ``url_parte(documento_id, codigo)``, the page where she fills her region's part.
    faltantes_partes: Callable | None = None
    url_parte: Callable | None = None
    # The words of the link to that page in her inbox ("Cuadros de su región: I Tarapacá").
    nombre_parte: str = "Cuadros de su región"
    # The checklist shown before sending: ``lista_envio(documento, contenido)`` ->
    # [Pendiente], in the order to show them, from the canonical content the page already
    # built (no query per region or row). Its blocking items are what ``validar_envio``
    # refuses; without it the page shows no checklist (``validar_envio`` still applies).
    lista_envio: Callable | None = None
    # Which regional part each observación key points into, for the returned-document banner
    # (links to the part's page, ``url_parte``, and an Encargada de Centro's count):
    # ``partes_de_campos(documento, campos)`` -> {campo: region code (None: the part of a
    # Servicio without Centros)}; keys outside any part (the Servicio's fields) are left out.
    # At most one query whatever the number of keys (what the page loaded is reused).
    partes_de_campos: Callable | None = None
    # Reports and exports, in the order pages list them.
    informes: tuple[Informe, ...] = ()
    # Loads the stage's demo content: demo(datos of fixtures/demo.json) -> [siglas created].
    demo: Callable | None = None
    # Why a visado document cannot be reopened now (None: it can); default: always allowed.
    puede_solicitar_modificacion: Callable | None = None
    # Bulk-builds the stage's content for the scale data set (pmggt.escala, generar_escala):
    # escala(documentos, aleatorio, *, using) -> {documento pk: [content of version 1, …, of
    # version N, current content]}, where documentos are pmggt.escala.DocumentoEscala (the
    # Documento rows already saved, with when each version was sent) and aleatorio a seeded
    # random.Random. Each content is exactly what ``contenido`` returns at that time.
    escala: Callable | None = None
    # The attachments of a document for the auditor's dossier (``pmggt.dossier``):
    # ``adjuntos(documento, version)`` -> [(file name, bytes)] of that visado version, in a
    # fixed order (None: the stage has none; the dossier's index says «Sin adjuntos»).
    adjuntos: Callable | None = None

    def informe(self, nombre: str) -> Informe | None:
        return next((i for i in self.informes if i.nombre == nombre), None)

    def crear_raiz(self, documento) -> None:
        if self.crear is not None:
            self.crear(documento)
        elif self.modelo is not None:
            self.modelo.objects.create(documento=documento)


_ETAPAS: dict[int, EtapaDef] = {}


def registrar(definicion: EtapaDef) -> None:
    nombres = {
        i.nombre for e in _ETAPAS.values() if e.numero != definicion.numero for i in e.informes
    }
    repetidos = nombres & {i.nombre for i in definicion.informes}
    if repetidos:
        raise ValueError(f"Informes ya registrados por otra etapa: {sorted(repetidos)}")
    _ETAPAS[definicion.numero] = definicion


def quitar(numero: int) -> None:
    """Unregister a stage (tests that register a stage of their own)."""
    _ETAPAS.pop(numero, None)


def de(numero: int) -> EtapaDef:
    try:
        return _ETAPAS[numero]
    except KeyError as exc:
        raise LookupError(f"La etapa {numero} aún no está disponible en el sistema.") from exc


def disponible(numero: int) -> bool:
    return numero in _ETAPAS


def todas() -> list[EtapaDef]:
    return [_ETAPAS[n] for n in sorted(_ETAPAS)]


def informes() -> list[tuple[EtapaDef, Informe]]:
    """Every registered report, stage by stage."""
    return [(e, i) for e in todas() for i in e.informes]


def buscar_informe(nombre: str) -> tuple[EtapaDef, Informe] | None:
    return next(((e, i) for e, i in informes() if i.nombre == nombre), None)


def canonico(contenido) -> str:
    return json.dumps(contenido, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256(contenido) -> str:
    return hashlib.sha256(canonico(contenido).encode("utf-8")).hexdigest()
