"""The auditor's dossier: for one Servicio and Ciclo, one ZIP with the year's official record.

What goes in (``<SIGLA>-<año>/…``, file names fixed by the Servicio, year, stage and report)
    For each stage document of that Servicio and Ciclo with a visado version, in stage order,
    under ``<SIGLA>-<año>/etapa-<n>-<nombre>/``:

    - every PDF report the stage declares (``etapas.Informe``, formato pdf), complete (no region
      cut), printed from the visado version (``versiones.registro_visado``: never the live
      draft or a version under review, also while a modification is in progress);
    - ``<SIGLA>-<año>-etapa<n>-observaciones.pdf``, «Observaciones y decisiones»: every round up
      to the visado version, who sent, approved, returned or visó it and when (with «por
      subrogancia de …»), the comments and every observación of the round (text, where it points
      with the stage's labels, author, who resolved it and when);
    - every xlsx export the stage declares, of the visado version;
    - ``adjuntos/…``: what the stage's ``EtapaDef.adjuntos`` returns (none: «Sin adjuntos»).

    A document without a visado version contributes nothing (the index says why). Nothing of
    another Servicio is read. Then ``indice.csv`` and ``indice.txt``: each file's path, size and
    sha256, and for the visado PDFs the version number and its content's sha256
    (``VersionDocumento.sha256``). The ZIP's own sha256 is stored on the ``Dossier`` row.

How it is built
    ``ejecutar(dossier_id)`` (the task ``pmggt.tareas.construir_dossier``) marks the row
    EN_PROCESO, writes the ZIP into a temporary file entry by entry (one report in memory at a
    time), updating ``progreso`` (0–100) and ``paso`` after each file with
    ``save(update_fields=…)`` in autocommit, so a page polling the row sees it move; then stores
    it in the default storage (``dossieres/<pk>/…``, under MEDIA_ROOT, never a static URL: the
    download view checks access and streams it) and marks it LISTO with its sha256 and size.
    It is idempotent: a LISTO dossier whose file is there is left as is; any other is built
    again from the start and its file replaced. Any error ends in ERROR with a Spanish message
    (logged with its traceback), never EN_PROCESO.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.core.files import File
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from . import etapas, informes, versiones
from .informes import pdf as pdf_mod
from .models import Documento, Dossier, Observacion, Transicion, VersionDocumento

logger = logging.getLogger(__name__)

CARPETA = "dossieres"
# Every entry carries this date, so the same record gives the same entries (not the same
# bytes for every report: a Plan's Gantt prints the day it is printed).
FECHA_ENTRADA = (1980, 1, 1, 0, 0, 0)
SIN_ADJUNTOS = "Sin adjuntos"
INDICE_CSV = "indice.csv"
INDICE_TXT = "indice.txt"

Estado = Dossier.Estado


class DossierError(Exception):
    """A dossier that cannot be built; the message is for the user (Spanish)."""


@dataclass
class Entrada:
    """One file of the ZIP, as the index describes it."""

    ruta: str
    tamano: int
    sha256: str
    tipo: str  # "informe", "observaciones", "excel", "adjunto"
    version: int | None = None
    version_sha256: str = ""
    titulo: str = ""


@dataclass
class Etapa:
    """What one stage document contributes: its visado version and the files to write."""

    definicion: etapas.EtapaDef
    documento: Documento | None
    version: VersionDocumento | None
    carpeta: str
    informes_pdf: list = field(default_factory=list)
    informes_xlsx: list = field(default_factory=list)

    @property
    def incluida(self) -> bool:
        return self.version is not None

    def pasos(self) -> int:
        if not self.incluida:
            return 0
        return len(self.informes_pdf) + len(self.informes_xlsx) + 2  # observaciones, adjuntos


def _seguro(texto: str) -> str:
    """Safe in a file name on any system."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(texto)).strip("-.") or "_"


def raiz(servicio, ciclo) -> str:
    return f"{_seguro(servicio.sigla)}-{ciclo.anio}"


def carpeta_etapa(definicion: etapas.EtapaDef) -> str:
    nombre = slugify(definicion.nombre or definicion.titulo) or "documento"
    return f"etapa-{definicion.numero}-{nombre}"


def nombre_zip(dossier: Dossier) -> str:
    return f"{raiz(dossier.servicio, dossier.ciclo)}-expediente.zip"


def plan(servicio, ciclo) -> list[Etapa]:
    """Every registered stage, with this Servicio and Ciclo's document and visado version."""
    documentos = {
        d.etapa: d
        for d in Documento.objects.select_related("servicio__region", "ciclo").filter(
            servicio=servicio, ciclo=ciclo
        )
    }
    visadas = {
        (v.documento_id, v.numero): v
        for v in VersionDocumento.objects.filter(
            documento__servicio=servicio, documento__ciclo=ciclo
        ).only("id", "documento_id", "numero", "sha256", "creada_en", "creada_por_id")
    }
    resultado = []
    for definicion in etapas.todas():
        documento = documentos.get(definicion.numero)
        version = None
        if documento is not None and documento.version_visada:
            version = visadas.get((documento.pk, documento.version_visada))
        resultado.append(
            Etapa(
                definicion=definicion,
                documento=documento,
                version=version,
                carpeta=f"{raiz(servicio, ciclo)}/{carpeta_etapa(definicion)}",
                informes_pdf=[i for i in definicion.informes if i.formato == "pdf"],
                informes_xlsx=[i for i in definicion.informes if i.formato == "xlsx"],
            )
        )
    return resultado


# ---------------------------------------------------------------------------------------------
# «Observaciones y decisiones»


def _nombre(usuario) -> str:
    if usuario is None:
        return ""
    return usuario.get_full_name() or usuario.get_username()


def _fecha(valor) -> str:
    if valor is None:
        return ""
    return date_format(timezone.localtime(valor), "j \\d\\e F \\d\\e Y, H:i")


def datos_observaciones(documento: Documento, version: VersionDocumento) -> dict:
    """Every round of the document up to its visado version, as the PDF prints it."""
    definicion = etapas.de(documento.etapa)
    hasta = version.numero
    # The record ends with that version's V°B°: what came after it (a requested modification,
    # observaciones on the new draft, resolutions) belongs to a later record, not this one.
    visacion = (
        Transicion.objects.filter(
            documento=documento, version=hasta, accion=Transicion.Accion.VISAR
        )
        .order_by("fecha", "pk")
        .values_list("fecha", "pk")
        .last()
    )
    corte_fecha, corte_pk = visacion if visacion else (timezone.now(), None)
    versiones_doc = {
        v.numero: v
        for v in VersionDocumento.objects.filter(documento=documento, numero__lte=hasta)
        .select_related("creada_por")
        .order_by("numero")
    }
    etiquetas = {
        numero: {clave: etiqueta for clave, etiqueta, _ in definicion.aplanar(v.contenido)}
        for numero, v in versiones_doc.items()
    }
    rondas = {
        numero: {
            "numero": numero,
            "version": v,
            "creada_por": _nombre(v.creada_por),
            "creada_en": _fecha(v.creada_en),
            "transiciones": [],
            "observaciones": [],
        }
        for numero, v in versiones_doc.items()
    }
    creacion = {"numero": 0, "version": None, "transiciones": [], "observaciones": []}
    for t in (
        Transicion.objects.filter(documento=documento, version__lte=hasta, fecha__lte=corte_fecha)
        .select_related("actor", "subrogancia__titular")
        .order_by("fecha", "pk")
    ):
        if corte_pk is not None and t.fecha == corte_fecha and t.pk > corte_pk:
            continue
        ronda = rondas.get(t.version, creacion)
        ronda["transiciones"].append(
            {
                "accion": t.get_accion_display(),
                "actor": _nombre(t.actor),
                "subrogancia": (
                    f"por subrogancia de {_nombre(t.subrogancia.titular)}"
                    if t.subrogancia_id
                    else ""
                ),
                "fecha": _fecha(t.fecha),
                "comentario": t.comentario,
            }
        )
    for obs in (
        Observacion.objects.filter(
            documento=documento, version__lte=hasta, creada_en__lte=corte_fecha
        )
        .select_related("autor", "resuelta_por")
        .order_by("creada_en", "pk")
    ):
        ronda = rondas.get(obs.version, creacion)
        # Resolved after the V°B°: it was still open in this record.
        resuelta = obs.resuelta and obs.resuelta_en is not None and obs.resuelta_en <= corte_fecha
        nombres = etiquetas.get(obs.version) or etiquetas.get(hasta, {})
        ronda["observaciones"].append(
            {
                "texto": obs.texto,
                "destino": nombres.get(obs.campo, obs.campo or "El documento en general"),
                "autor": _nombre(obs.autor),
                "fecha": _fecha(obs.creada_en),
                "resuelta": resuelta,
                "resuelta_por": _nombre(obs.resuelta_por) if resuelta else "",
                "resuelta_en": _fecha(obs.resuelta_en) if resuelta else "",
            }
        )
    lista = [rondas[n] for n in sorted(rondas)]
    if creacion["transiciones"] or creacion["observaciones"]:
        lista.insert(0, creacion)
    return {
        "d": pdf_mod.identificacion(documento, version),
        "documento": documento,
        "titulo_informe": "Observaciones y decisiones",
        "rondas": lista,
        "version_visada": hasta,
    }


def pdf_observaciones(documento: Documento, version: VersionDocumento) -> bytes:
    html = render_to_string(
        "pmggt/informes/observaciones.html", datos_observaciones(documento, version)
    )
    return pdf_mod.renderizar(html).contenido  # looked up at call time (tests stub it)


# ---------------------------------------------------------------------------------------------
# The ZIP


class _Escritor:
    """Writes the ZIP entry by entry and keeps what the index says of each."""

    def __init__(self, destino):
        self.zip = zipfile.ZipFile(destino, "w", compression=zipfile.ZIP_DEFLATED)
        self.entradas: list[Entrada] = []

    def agregar(self, ruta: str, contenido: bytes, tipo: str, **extra) -> Entrada:
        info = zipfile.ZipInfo(ruta, date_time=FECHA_ENTRADA)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, contenido)
        entrada = Entrada(
            ruta, len(contenido), hashlib.sha256(contenido).hexdigest(), tipo, **extra
        )
        self.entradas.append(entrada)
        return entrada

    def cerrar(self):
        self.zip.close()


def _indice_csv(entradas: list[Entrada]) -> bytes:
    salida = io.StringIO()
    escritor = csv.writer(salida, lineterminator="\n")
    escritor.writerow(
        ["ruta", "tamano_bytes", "sha256", "tipo", "version", "sha256_contenido_version"]
    )
    for e in entradas:
        escritor.writerow(
            [e.ruta, e.tamano, e.sha256, e.tipo, e.version or "", e.version_sha256 or ""]
        )
    return salida.getvalue().encode("utf-8")


def _indice_txt(dossier: Dossier, partes: list[Etapa], entradas: list[Entrada], adjuntos) -> bytes:
    servicio, ciclo = dossier.servicio, dossier.ciclo
    lineas = [
        "EXPEDIENTE DE AUDITORÍA · PMG de Gestión Territorial",
        f"Servicio: {servicio.nombre} ({servicio.sigla})",
        f"Ciclo: {ciclo.anio}",
        f"Solicitado por: {_nombre(dossier.solicitado_por)}",
        f"Preparado el: {_fecha(timezone.now())}",
        "",
        "Contiene, por etapa, el registro oficial (la última versión visada por SUBDERE): sus",
        "informes PDF completos, sus planillas Excel, las observaciones y decisiones de cada",
        "ronda y sus adjuntos. Cada archivo lleva su sha256; el sha256 del ZIP completo queda",
        "registrado en PMG-GT junto al expediente.",
        "",
        "ETAPAS",
    ]
    for parte in partes:
        definicion = parte.definicion
        if parte.documento is None:
            lineas.append(f"- {definicion.titulo}: sin documento en este Ciclo; no se incluye.")
        elif not parte.incluida:
            lineas.append(
                f"- {definicion.titulo}: sin versión visada (estado: "
                f"{parte.documento.get_estado_display()}); no se incluye."
            )
        else:
            v = parte.version
            texto = f"- {definicion.titulo}: versión visada {v.numero}, sha256 {v.sha256}"
            documento = parte.documento
            if documento.version_actual != v.numero:
                texto += (
                    f" (hay una modificación en curso, versión {documento.version_actual}: "
                    "no se incluye)"
                )
            elif documento.estado != Documento.Estado.VISADO:
                texto += " (hay una modificación en curso, aún sin enviar: no se incluye)"
            lineas.append(texto + ".")
            if not adjuntos.get(definicion.numero):
                lineas.append(f"  {SIN_ADJUNTOS}.")
    lineas += ["", "ARCHIVOS (ruta · tamaño en bytes · sha256)"]
    for e in entradas:
        texto = f"{e.ruta} · {e.tamano} · {e.sha256}"
        if e.version:
            texto += f" · versión {e.version}, sha256 del contenido {e.version_sha256}"
        lineas.append(texto)
    lineas += [
        "",
        f"{INDICE_CSV}: la misma lista en formato CSV (UTF-8).",
        "",
        "Para verificar un archivo: sha256sum <archivo> (Linux/macOS) o "
        "certutil -hashfile <archivo> SHA256 (Windows).",
    ]
    return ("\n".join(lineas) + "\n").encode("utf-8")


def _guardar(dossier: Dossier, temporal) -> tuple[str, str, int]:
    """Store the ZIP (replacing an earlier file of this dossier); (name, sha256, size)."""
    temporal.seek(0)
    resumen = hashlib.sha256()
    for bloque in iter(lambda: temporal.read(1024 * 1024), b""):
        resumen.update(bloque)
    tamano = temporal.tell()
    temporal.seek(0)
    nombre = f"{CARPETA}/{dossier.pk}/{nombre_zip(dossier)}"
    if default_storage.exists(nombre):
        default_storage.delete(nombre)
    guardado = default_storage.save(nombre, File(temporal, name=nombre))
    return guardado, resumen.hexdigest(), tamano


class _Avance:
    def __init__(self, dossier: Dossier, total: int):
        self.dossier = dossier
        self.total = max(1, total)
        self.hechos = 0

    def paso(self, texto: str, hecho: bool = True) -> None:
        if hecho:
            self.hechos += 1
        self.dossier.progreso = min(99, self.hechos * 100 // self.total)
        self.dossier.paso = texto[:200]
        self.dossier.save(update_fields=["progreso", "paso"])


def construir(dossier: Dossier) -> None:
    """Build the dossier's ZIP and store it (the row must be EN_PROCESO); raises on error."""
    servicio, ciclo = dossier.servicio, dossier.ciclo
    partes = plan(servicio, ciclo)
    # +2: the index, storing the ZIP.
    avance = _Avance(dossier, sum(p.pasos() for p in partes) + 2)
    adjuntos_por_etapa: dict[int, list] = {}
    with tempfile.TemporaryFile() as temporal:
        escritor = _Escritor(temporal)
        try:
            with versiones.registro_visado():
                for parte in partes:
                    if parte.incluida:
                        adjuntos_por_etapa[parte.definicion.numero] = _etapa(
                            parte, escritor, avance
                        )
            avance.paso("Índice con las huellas (sha256) de cada archivo", hecho=False)
            entradas = list(escritor.entradas)
            escritor.agregar(
                f"{raiz(servicio, ciclo)}/{INDICE_CSV}", _indice_csv(entradas), "indice"
            )
            escritor.agregar(
                f"{raiz(servicio, ciclo)}/{INDICE_TXT}",
                _indice_txt(dossier, partes, entradas, adjuntos_por_etapa),
                "indice",
            )
            avance.paso("Guardando el archivo ZIP")
        finally:
            escritor.cerrar()
        nombre, sha256, tamano = _guardar(dossier, temporal)
    dossier.archivo.name = nombre
    dossier.sha256 = sha256
    dossier.tamano = tamano
    dossier.estado = Estado.LISTO
    dossier.progreso = 100
    dossier.paso = "Listo para descargar"
    dossier.error = ""
    dossier.terminado_en = timezone.now()
    dossier.save(
        update_fields=[
            "archivo",
            "sha256",
            "tamano",
            "estado",
            "progreso",
            "paso",
            "error",
            "terminado_en",
        ]
    )


def _etapa(parte: Etapa, escritor: _Escritor, avance: _Avance) -> list:
    """Write one visado stage document's files; its attachments' names."""
    documento, version, definicion = parte.documento, parte.version, parte.definicion
    prefijo = f"{_seguro(documento.servicio.sigla)}-{documento.ciclo.anio}"
    for informe in parte.informes_pdf:
        avance.paso(f"{definicion.titulo}: {informe.titulo} (PDF)", hecho=False)
        archivo = informes.generar(documento, informe, None, None)
        escritor.agregar(
            f"{parte.carpeta}/{_seguro(archivo.nombre)}",
            archivo.contenido,
            "informe",
            version=version.numero,
            version_sha256=version.sha256,
            titulo=informe.titulo,
        )
        avance.paso(f"{definicion.titulo}: {informe.titulo} (PDF)")
    avance.paso(f"{definicion.titulo}: observaciones y decisiones", hecho=False)
    escritor.agregar(
        f"{parte.carpeta}/{prefijo}-etapa{definicion.numero}-observaciones.pdf",
        pdf_observaciones(documento, version),
        "observaciones",
        titulo="Observaciones y decisiones",
    )
    avance.paso(f"{definicion.titulo}: observaciones y decisiones")
    for informe in parte.informes_xlsx:
        avance.paso(f"{definicion.titulo}: {informe.titulo}", hecho=False)
        archivo = informes.generar(documento, informe, None, None)
        escritor.agregar(
            f"{parte.carpeta}/{_seguro(archivo.nombre)}",
            archivo.contenido,
            "excel",
            version=version.numero,
            version_sha256=version.sha256,
            titulo=informe.titulo,
        )
        avance.paso(f"{definicion.titulo}: {informe.titulo}")
    nombres = []
    if definicion.adjuntos is not None:
        avance.paso(f"{definicion.titulo}: adjuntos", hecho=False)
        vistos = set()
        for nombre, contenido in definicion.adjuntos(documento, version) or []:
            seguro = _seguro(nombre)
            if seguro in vistos:
                raise DossierError(
                    f"{definicion.titulo}: hay dos adjuntos con el nombre «{nombre}»."
                )
            vistos.add(seguro)
            escritor.agregar(
                f"{parte.carpeta}/adjuntos/{seguro}", bytes(contenido), "adjunto", titulo=nombre
            )
            nombres.append(seguro)
    avance.paso(f"{definicion.titulo}: adjuntos")
    return nombres


# ---------------------------------------------------------------------------------------------
# The task's body


def _mensaje(exc: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return (
            "La preparación del expediente superó el tiempo máximo y se detuvo. Intente "
            "nuevamente y, si se repite, avise a la administración del sistema."
        )
    if isinstance(exc, informes.InformeError | DossierError):
        return f"No se pudo preparar el expediente: {exc}"
    return (
        "No se pudo preparar el expediente por un error interno. Intente nuevamente y, si se "
        "repite, avise a la administración del sistema."
    )


def ejecutar(dossier_id: int) -> str:
    """Build this dossier unless it is already LISTO with its file; its final state.

    Safe to run twice: a second run of a LISTO dossier does nothing; of any other, builds it
    again. Never leaves it EN_PROCESO: an error ends in ERROR with a message (and the log)."""
    dossier = (
        Dossier.objects.select_related("servicio__region", "ciclo", "solicitado_por")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        logger.warning("Expediente %s: ya no existe, nada que preparar.", dossier_id)
        return "inexistente"
    if (
        dossier.estado == Estado.LISTO
        and dossier.archivo
        and default_storage.exists(dossier.archivo.name)
    ):
        return dossier.estado
    dossier.estado = Estado.EN_PROCESO
    dossier.progreso = 0
    dossier.paso = "Preparando la lista de archivos"
    dossier.error = ""
    dossier.save(update_fields=["estado", "progreso", "paso", "error"])
    try:
        construir(dossier)
    except Exception as exc:
        logger.exception(
            "Expediente %s (%s %s): error al prepararlo.",
            dossier.pk,
            dossier.servicio.sigla,
            dossier.ciclo.anio,
        )
        Dossier.objects.filter(pk=dossier.pk).update(
            estado=Estado.ERROR, error=_mensaje(exc), terminado_en=timezone.now()
        )
        return Estado.ERROR
    logger.info(
        "Expediente %s (%s %s) listo: %s bytes, sha256 %s.",
        dossier.pk,
        dossier.servicio.sigla,
        dossier.ciclo.anio,
        dossier.tamano,
        dossier.sha256,
    )
    return dossier.estado
