"""PDFs of visado versions, rendered once and then served from storage.

What is stored
    Only a PDF that is the record of a visado version: the document is Visado and the reader
    reads that version, or a GORE reads the last visado version while a modification is in
    progress. Such a PDF never changes (a ``VersionDocumento`` is immutable, and a version is
    visado at most once). Drafts, versions under review and Excel exports have no key: they are
    built on every download, with their BORRADOR mark.

    The download view (``pmggt.informes.views.descargar``) asks ``clave`` for the key only
    *after* every access check, so a refused reader never reaches a stored file. With a key it
    serves the stored file (``abrir``) or renders the PDF and stores it (``guardar``).

The key (``Clave.nombre``, a name in ``default_storage``, i.e. under ``MEDIA_ROOT``)
    ``informes-pdf/<pk>/<informe>/v<número>-<sha256>/<alcance>-<huella>.pdf``:

    - the document's pk, the report's name, the version's number and its full sha256;
    - ``alcance``, the reading scope: ``todo`` for who reads the whole document (the Servicio's
      people and administrators, ``Lectura.interna``) or ``regiones-<códigos>`` for a GORE
      (``Lectura.regiones``, ``propia`` for a regional Servicio's own part), then the
      ``?region=`` the report is cut to (``todas`` without one). Readers with different scopes
      never share a file; readers with the same scope print the same PDF and share one;
    - ``huella``: 16 hex digits of the sha256 of the raw report name and scope, ``FORMATO`` and
      everything the PDF prints besides the version's content (``pdf.identificacion``:
      Servicio, year, stage, state, version, V°B° names and dates) and, if the stage's
      report declares it (an ``Informe`` subclass with a ``presentacion(documento)`` callable,
      e.g. ``diagnostico.informes.InformeDiagnostico``), what the report prints from outside
      the document: the Etapa I cuadros print the Ciclo's wording of titles and notes, which
      the Administrador/a may reword after a version was visado. A renamed Servicio or signer,
      a reworded Ciclo, or a database re-created with the same pks, never serves an old file:
      the next download prints the visado version again with what holds now (the old file is
      left unused).

    Nothing in a report depends on who downloads it beyond that scope: there is no "descargado
    por" line and no download date (WeasyPrint's metadata has no date or user either). That
    holds as long as a stage's PDF prints only ``pdf.datos_documento`` (content through
    ``versiones.contenido_para``, plus ``identificacion``) and its own code: a report that
    printed the downloader or the time would have to put it in this key, or print it elsewhere.
    Presentation code and templates are not in the key: bump ``FORMATO`` (or delete the
    folder) when a change must replace the PDFs already stored. Every file is derived data:
    deleting any of them, or the whole folder, only means the next download renders again.

Writes and reads
    Two first downloads at once both render (there is no lock across app servers) and both
    store, each writing whole files: on a ``FileSystemStorage`` a temporary file in the same
    folder (``.<nombre>.<azar>.tmp``), flushed and fsync'ed, then ``os.replace`` onto the name,
    which is atomic, so a reader opens either a complete old file or a complete new one; with
    any other backend (object stores, whose writes are whole objects), ``storage.save`` under
    the name, and a copy saved under another name (another download won the race) is deleted.
    Before storing, the key is worked out again from a fresh read of the document: if it
    changed meanwhile (a new version was visado, a modification began) nothing is stored.

    A stored file that is missing, unreadable or does not look like a whole PDF (``%PDF-`` at
    the start, ``%%EOF`` near the end) is a miss: the PDF is rendered and stored again. Any
    storage error is logged (``pmggt.informes.cache``) and the download goes on without the
    cache. ``settings.PMGGT_PDF_CACHE`` (default true) turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from . import pdf

logger = logging.getLogger(__name__)

CARPETA = "informes-pdf"
# Bump when templates, styles or presentation code change what stored PDFs must look like.
FORMATO = 2  # 2: the cuadros' page plan, titles with references and notes per Ciclo
# A stored PDF must end with its %%EOF marker within this many bytes.
COLA = 2048


@dataclass(frozen=True)
class Clave:
    documento: int
    informe: str
    version: int
    sha256: str
    alcance: str  # readable scope, part of the file name
    huella: str  # hash of the raw scope, FORMATO and the identification printed

    @property
    def nombre(self) -> str:
        return (
            f"{CARPETA}/{self.documento}/{_parte(self.informe)}/v{self.version}-{self.sha256}/"
            f"{self.alcance}-{self.huella}.pdf"
        )


def activa() -> bool:
    return bool(getattr(settings, "PMGGT_PDF_CACHE", True))


def _parte(texto: str) -> str:
    """Safe for a file name (uniqueness comes from the hashes around it)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", str(texto))[:40] or "_"


def clave(documento, informe, region: str | None, usuario) -> Clave | None:
    """The key of this download if its PDF is the record of a visado version (None: render it
    every time). Call it only once the user may download this report of this region."""
    from pmggt import acceso  # not at module level: see pmggt.informes.pdf

    if not activa() or informe.formato != "pdf" or usuario is None:
        return None
    lectura = acceso.lectura_de(usuario, documento)
    if lectura is None:
        return None
    if lectura.interna:
        # The Servicio reads the current version: a record only once Visado.
        return clave_interna(documento, informe, region)
    version = lectura.version  # always the last visado version
    codigos = sorted(lectura.regiones, key=lambda c: (c is None, c or ""))
    lector = ["regiones", codigos]
    legible = "regiones-" + "-".join(_parte(c) if c else "propia" for c in codigos)
    return _clave(documento, informe, region, version, lector, legible)


def clave_interna(documento, informe, region: str | None = None) -> Clave | None:
    """The key a reader of the whole document (the Servicio's people, administrators) gets for
    this report once the document is Visado (None otherwise): what ``generar_informes``
    pre-renders (``pmggt.tareas.generar_informes_visados``) before anyone downloads it."""
    from pmggt.models import Documento, VersionDocumento

    if not activa() or informe.formato != "pdf":
        return None
    if (
        documento.estado != Documento.Estado.VISADO
        or not documento.version_visada
        or documento.version_actual != documento.version_visada
    ):
        return None
    version = (
        VersionDocumento.objects.filter(documento=documento, numero=documento.version_visada)
        .only("numero", "sha256")
        .first()
    )
    return _clave(documento, informe, region, version, ["todo"], "todo")


def guardar_interna(clave: Clave, contenido: bytes, informe, region: str | None) -> bool:
    """``guardar`` for a key of ``clave_interna`` (no reader: nothing to check but the key)."""
    from pmggt.models import Documento

    try:
        documento = (
            Documento.objects.select_related("servicio__region", "ciclo")
            .filter(pk=clave.documento)
            .first()
        )
        if documento is None or clave_interna(documento, informe, region) != clave:
            logger.info("El documento %s cambió mientras se generaba su PDF.", clave.documento)
            return False
        _guardar(default_storage, clave.nombre, contenido)
        return True
    except Exception:
        logger.warning("No se pudo guardar el PDF %s.", clave.nombre, exc_info=True)
        return False


def _clave(documento, informe, region, version, lector: list, legible: str) -> Clave | None:
    from pmggt import etapas

    if version is None or not version.sha256:
        return None
    if informe.regiones is None:
        region = None  # as pmggt.informes.generar
    presentacion = getattr(informe, "presentacion", None)
    huella = hashlib.sha256(
        etapas.canonico(
            {
                "formato": FORMATO,
                "informe": informe.nombre,  # its folder name is only a safe spelling of it
                "lector": lector,
                "region": region,
                "identificacion": pdf.identificacion(documento, version),
                "presentacion": presentacion(documento) if presentacion else None,
            }
        ).encode("utf-8")
    ).hexdigest()[:16]
    return Clave(
        documento=documento.pk,
        informe=informe.nombre,
        version=version.numero,
        sha256=version.sha256,
        alcance=f"{legible[:80]}_{_parte(region) if region else 'todas'}",
        huella=huella,
    )


def vigente(anterior: Clave, informe, region: str | None, usuario) -> bool:
    """Whether a fresh read of the document still gives this key (nothing changed while the
    PDF was being built)."""
    from pmggt.models import Documento

    documento = (
        Documento.objects.select_related("servicio__region", "ciclo")
        .filter(pk=anterior.documento)
        .first()
    )
    return documento is not None and clave(documento, informe, region, usuario) == anterior


# ---------------------------------------------------------------------------------------------
# Storage


def _entero(archivo) -> bool:
    """A whole PDF, as far as its ends show: ``%PDF-`` first, ``%%EOF`` near the end."""
    archivo.seek(0, os.SEEK_END)
    tamano = archivo.tell()
    if tamano < 64:
        return False
    archivo.seek(0)
    if archivo.read(5) != b"%PDF-":
        return False
    archivo.seek(max(0, tamano - COLA))
    cola = archivo.read()
    archivo.seek(0)
    return b"%%EOF" in cola


def abrir(clave: Clave):
    """The stored PDF of this key, open for reading (a ``File``), or None: render it."""
    try:
        archivo = default_storage.open(clave.nombre, "rb")
    except FileNotFoundError:
        return None
    except Exception:
        logger.warning("No se pudo abrir el PDF guardado %s.", clave.nombre, exc_info=True)
        return None
    try:
        if _entero(archivo):
            return archivo
        logger.warning("PDF guardado incompleto o dañado, se genera de nuevo: %s", clave.nombre)
    except Exception:
        logger.warning("No se pudo leer el PDF guardado %s.", clave.nombre, exc_info=True)
    with contextlib.suppress(Exception):
        archivo.close()
    return None


def _reemplazar_en_disco(storage: FileSystemStorage, nombre: str, contenido: bytes) -> None:
    """Write a whole file next to the final one, then rename it over it (atomic)."""
    ruta = Path(storage.path(nombre))
    ruta.parent.mkdir(parents=True, exist_ok=True)
    temporal = ruta.with_name(f".{ruta.name}.{secrets.token_hex(8)}.tmp")
    banderas = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporal, banderas, 0o666)  # the umask applies, as in storage.save
    try:
        with os.fdopen(descriptor, "wb") as salida:
            salida.write(contenido)
            salida.flush()
            os.fsync(salida.fileno())
        if storage.file_permissions_mode is not None:
            os.chmod(temporal, storage.file_permissions_mode)
        os.replace(temporal, ruta)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporal)
        raise


def _guardar(storage, nombre: str, contenido: bytes) -> None:
    if isinstance(storage, FileSystemStorage):
        _reemplazar_en_disco(storage, nombre, contenido)
        return
    # Any other backend: writes are whole objects. Called only after abrir() failed, so what
    # is there under this name, if anything, is a damaged copy.
    if storage.exists(nombre):
        storage.delete(nombre)
    guardado = storage.save(nombre, ContentFile(contenido))
    if guardado != nombre:  # another download stored it meanwhile: keep that one
        storage.delete(guardado)


def guardar(clave: Clave, contenido: bytes, informe, region: str | None, usuario) -> bool:
    """Store the PDF just rendered for this key, if the key still holds. Never raises: a
    storage that fails only costs the next download a render."""
    try:
        if not vigente(clave, informe, region, usuario):
            logger.info("El documento %s cambió mientras se generaba su PDF.", clave.documento)
            return False
        _guardar(default_storage, clave.nombre, contenido)
        return True
    except Exception:
        logger.warning("No se pudo guardar el PDF %s.", clave.nombre, exc_info=True)
        return False
