"""Benchmark of PMG-GT (``manage.py medir_rendimiento``, ``make bench``, docs/rendimiento.md).

It lives with Etapa I because it measures Etapa I's pages and tables (the core imports no
stage app); later stages add their pages here: Etapa II's (the Plan's document page, sections,
regional parts, diff, PDF and Excel) are rows titled «Etapa II · …» in the same tables.

Two parts, both on the database ``DATABASE_URL`` points to:

``medir()``: in-process measurements with Django's test ``Client`` (no network):
    - queries of each page (``CaptureQueriesContext`` around one request, after a warm-up) and
      its size;
    - the server time of each page divided by the time of a bare authenticated page on the same
      base template (``/_bench/vacia/``, served only by the bench URLconf
      ``diagnostico.rendimiento_urls``), as the median of interleaved rounds by the same person;
    - the product's PDF download divided by WeasyPrint alone on the same HTML, and the second
      download of a visado PDF against the first one;
    - the Excel export divided by openpyxl's write-only mode writing the same cells, and the
      import divided by openpyxl loading (read-only) and iterating the same workbook.

    Personas and documents are picked by role and by query (``elegir``), never by username.
    Everything except the visado-PDF download runs inside one transaction that is rolled back at
    the end (logins, sessions and the Excel import leave nothing behind). The visado-PDF download
    runs outside it, so that a cache written on commit works as in production; the storages
    point to a temporary folder while it runs.

``carga()``: a load run over HTTP: gunicorn on 127.0.0.1 (a free port) with production settings
    (``DEBUG=0``, a generated ``SECRET_KEY``, whitenoise serving ``collectstatic`` output from a
    temporary folder) driven by locust (``bench/locustfile.py``) with personas taken from the
    database; several worker settings are compared in short runs and the best one gets the full
    run.

Both return Markdown (Spanish, the report of docs/rendimiento.md).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import logging
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from pmggt import permisos, selectors
from pmggt.models import Centro, Documento, GrupoRol, Observacion, Servicio, VersionDocumento

Tipo = GrupoRol.Tipo
Estado = Documento.Estado
ETAPA_I = Documento.Etapa.DIAGNOSTICO
ETAPA_II = Documento.Etapa.PLAN
URLCONF = "diagnostico.rendimiento_urls"

# Targets (docs/rendimiento.md).
MAX_CONSULTAS = 15
RAZON_DOCUMENTO = 3.0  # document page and every cuadro page, vs the bare page
RAZON_PENDIENTES_EXPERTO = 2.0  # Mis pendientes of the Experto/a with most Servicios
RAZON_PDF = 1.1  # product PDF download / WeasyPrint alone on the same HTML
RAZON_PDF_CACHE = 20.0  # first / second download of a visado PDF (at least)
RAZON_EXCEL_EXPORTAR = 1.25  # export / openpyxl write-only on the same cells
RAZON_EXCEL_IMPORTAR = 2.0  # import / openpyxl read-only load + iterating the rows

CONTRASENAS_CONOCIDAS = ("escala-pmggt", "demo-pmggt")  # generar_escala, cargar_demo
TRABAJADORES = "sync:3,sync:5,gthread:3x4"


# ---------------------------------------------------------------------------------------------
# Formatting (es-CL)


def _num(valor, decimales: int = 1) -> str:
    if valor is None:
        return "—"
    texto = f"{valor:,.{decimales}f}"
    return texto.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _ms(segundos) -> str:
    return "—" if segundos is None else _num(segundos * 1000, 0 if segundos >= 1 else 1)


def _veces(razon) -> str:
    return "—" if razon is None else f"{_num(razon, 2)}×"


def _cumple(valor, objetivo, *, minimo: bool = False) -> str:
    if valor is None or objetivo is None:
        return ""
    ok = valor >= objetivo if minimo else valor <= objetivo
    return "sí" if ok else "**no**"


def _mediana(valores):
    return statistics.median(valores) if valores else None


def _maquina() -> str:
    modelo = ""
    with contextlib.suppress(OSError):
        for linea in Path("/proc/cpuinfo").read_text().splitlines():
            if linea.startswith("model name"):
                modelo = linea.split(":", 1)[1].strip()
                break
    memoria = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for linea in Path("/proc/meminfo").read_text().splitlines():
            if linea.startswith("MemTotal:"):
                memoria = f", {int(linea.split()[1]) / 1024 / 1024:.0f} GB de RAM"
    partes = [f"{os.cpu_count()} núcleos{memoria}", modelo, f"Python {platform.python_version()}"]
    return " · ".join(p for p in partes if p)


def _base() -> str:
    ajustes = connection.settings_dict
    nombre = Path(str(ajustes["NAME"])).name if connection.vendor == "sqlite" else ajustes["NAME"]
    return f"{connection.vendor} `{nombre}`"


# ---------------------------------------------------------------------------------------------
# Personas and documents, chosen by role and by query


@dataclass
class Persona:
    rol: str
    usuario: object
    detalle: str = ""

    @property
    def nombre(self) -> str:
        return self.usuario.get_username()


@dataclass
class Eleccion:
    personas: dict[str, Persona] = field(default_factory=dict)
    documentos: dict[str, tuple] = field(default_factory=dict)  # clave -> (documento, why)
    regiones: dict[str, str] = field(default_factory=dict)  # clave -> region URL code
    avisos: list[str] = field(default_factory=list)


def _usuarios(tipo: str, **filtro):
    """Active members of role groups of this type (``filtro`` on the GrupoRol, one join)."""
    User = get_user_model()
    condiciones = {f"groups__rol__{k}": v for k, v in filtro.items()}
    return User.objects.filter(is_active=True, groups__rol__tipo=tipo, **condiciones).distinct()


def _con_filas(qs):
    """Documents annotated with ``filas``: their Cuadro I N°1 + N°2 rows."""
    from diagnostico.models import FilaCuadro1, FilaCuadro2

    def cuenta(modelo):
        return Subquery(
            modelo.objects.filter(diagnostico__documento=OuterRef("pk"))
            .order_by()
            .values("diagnostico__documento")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        )

    return qs.annotate(filas=Coalesce(cuenta(FilaCuadro1), 0) + Coalesce(cuenta(FilaCuadro2), 0))


def _filas_por_centro(documento) -> Counter:
    from diagnostico.models import FilaCuadro1, FilaCuadro2

    cuenta = Counter()
    for modelo in (FilaCuadro1, FilaCuadro2):
        for centro_id, n in (
            modelo.objects.filter(diagnostico__documento=documento)
            .order_by()
            .values("centro_id")
            .annotate(n=Count("pk"))
            .values_list("centro_id", "n")
        ):
            cuenta[centro_id] += n
    return cuenta


def _region_con_mas_filas(documento) -> tuple[str, Centro | None, int]:
    """(URL region code, Centro or None, rows) of the document's region with most rows."""
    centros = list(
        Centro.objects.filter(servicio=documento.servicio)
        .select_related("region")
        .order_by("region__orden")
    )
    cuenta = _filas_por_centro(documento)
    if not centros:
        return "servicio", None, cuenta.get(None, 0)
    centro = max(centros, key=lambda c: cuenta.get(c.pk, 0))
    return centro.region.codigo, centro, cuenta.get(centro.pk, 0)


def _lector_interno(documento, admin):
    """The Encargado/a GT of the document's Servicio (who answers observaciones), else admin."""
    usuario = _usuarios(Tipo.ENCARGADO_GT, servicio=documento.servicio).order_by("pk").first()
    if usuario is not None:
        return Persona("Encargado/a GT", usuario, documento.servicio.sigla)
    return admin


def elegir() -> Eleccion:
    """Who and what the bench measures, from the database (see docs/rendimiento.md)."""
    e = Eleccion()
    User = get_user_model()
    diagnosticos = Documento.objects.filter(etapa=ETAPA_I).select_related("servicio", "ciclo")

    admin = _usuarios(Tipo.ADMINISTRADOR).order_by("pk").first()
    if admin is None:
        admin = User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if admin is None:
        raise LookupError("No hay Administrador/a SUBDERE activo en la base.")
    e.personas["admin"] = Persona("Administrador/a", admin)

    # The Borrador document with most rows whose Servicio has an Encargado/a GT.
    borrador = None
    for doc in _con_filas(diagnosticos.filter(estado=Estado.BORRADOR)).order_by("-filas", "pk"):
        if _usuarios(Tipo.ENCARGADO_GT, servicio=doc.servicio).exists():
            borrador = doc
            break
    if borrador is None:
        raise LookupError("No hay un Diagnóstico en Borrador con Encargado/a GT.")
    e.documentos["borrador"] = (borrador, f"Borrador con más filas ({borrador.filas})")
    encargado = _usuarios(Tipo.ENCARGADO_GT, servicio=borrador.servicio).order_by("pk").first()
    e.personas["encargado"] = Persona("Encargado/a GT", encargado, borrador.servicio.sigla)
    region, centro, filas = _region_con_mas_filas(borrador)
    e.regiones["borrador"] = region
    e.documentos["borrador"] = (
        borrador,
        f"Borrador con más filas de cuadros ({borrador.filas}; región {region}: {filas})",
    )

    usuario_centro = None
    if centro is not None:
        usuario_centro = _usuarios(Tipo.ENCARGADO_CENTRO, centro=centro).order_by("pk").first()
    if usuario_centro is None:
        usuario_centro = (
            _usuarios(Tipo.ENCARGADO_CENTRO, centro__servicio=borrador.servicio)
            .order_by("pk")
            .first()
        )
    if usuario_centro is None:
        # Mis pendientes only: no Centro of this Servicio has its Encargado/a.
        usuario_centro = _usuarios(Tipo.ENCARGADO_CENTRO).order_by("pk").first()
    if usuario_centro is not None:
        rol = (
            GrupoRol.objects.filter(tipo=Tipo.ENCARGADO_CENTRO, grupo__user=usuario_centro)
            .select_related("centro__region", "centro__servicio")
            .order_by("pk")
            .first()
        )
        e.personas["centro"] = Persona(
            "Encargado/a de Centro",
            usuario_centro,
            f"{rol.centro.servicio.sigla}, región {rol.centro.region.codigo}",
        )
        if rol.centro.servicio_id == borrador.servicio_id:
            e.regiones["centro"] = rol.centro.region.codigo

    # Jefe/a: of the Servicio with most documents waiting for its approval.
    servicio_jefe = (
        Servicio.objects.filter(grupos_rol__tipo=Tipo.JEFE, grupos_rol__grupo__user__is_active=True)
        .annotate(
            n=Count(
                "documentos",
                filter=Q(documentos__estado=Estado.EN_REVISION_JEFE),
                distinct=True,
            )
        )
        .order_by("-n", "pk")
        .first()
    )
    if servicio_jefe is not None:
        jefe = _usuarios(Tipo.JEFE, servicio=servicio_jefe).order_by("pk").first()
        e.personas["jefe"] = Persona("Jefe/a de Servicio", jefe, servicio_jefe.sigla)

    # Experto/a: the one assigned to most Servicios.
    experto = (
        User.objects.filter(is_active=True, groups__rol__tipo=Tipo.EXPERTO)
        .annotate(n=Count("groups__rol__servicio", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    if experto is not None:
        e.personas["experto"] = Persona(
            "Experto/a SUBDERE", experto, f"asignado/a a {experto.n} Servicios"
        )

    # GORE: of the region that concerns most Servicios (own region or a Centro there).
    gores = list(
        GrupoRol.objects.filter(
            tipo=Tipo.GORE, gore__isnull=False, grupo__user__is_active=True
        ).select_related("gore__region")
    )
    mejor = None
    for rol in {r.gore_id: r for r in gores}.values():
        n = (
            Servicio.objects.filter(
                Q(region_id=rol.gore.region_id) | Q(centros__region_id=rol.gore.region_id)
            )
            .distinct()
            .count()
        )
        if mejor is None or n > mejor[0]:
            mejor = (n, rol)
    region_gore = None
    if mejor is not None:
        n, rol = mejor
        region_gore = rol.gore.region
        gore = _usuarios(Tipo.GORE, gore=rol.gore).order_by("pk").first()
        e.personas["gore"] = Persona(
            "Funcionario/a GORE", gore, f"región {region_gore.codigo}, concierne a {n} Servicios"
        )

    # The document with most open observaciones (document page, internal reader).
    observado = (
        diagnosticos.annotate(
            abiertas=Count("observaciones", filter=Q(observaciones__resuelta=False))
        )
        .order_by("-abiertas", "-pk")
        .first()
    )
    if observado is not None:
        e.documentos["observado"] = (
            observado,
            f"con más observaciones abiertas ({observado.abiertas})",
        )
        e.personas["lector_observado"] = _lector_interno(observado, e.personas["admin"])
        region, _centro, _filas = _region_con_mas_filas(observado)
        e.regiones["observado"] = region
        experto_doc = (
            User.objects.filter(
                is_active=True,
                groups__rol__tipo=Tipo.EXPERTO,
                groups__rol__servicio=observado.servicio,
            )
            .order_by("pk")
            .first()
        )
        if experto_doc is not None:
            e.personas["experto_observado"] = Persona(
                "Experto/a SUBDERE", experto_doc, observado.servicio.sigla
            )

    # A visado document the GORE reads: concerning its region, with most rows.
    if region_gore is not None:
        concierne = Q(servicio__centros__region=region_gore) | Q(
            servicio__region=region_gore, servicio__centros__isnull=True
        )
        ids = diagnosticos.filter(concierne, version_visada__isnull=False).values("pk")
        visado = _con_filas(diagnosticos.filter(pk__in=ids)).order_by("-filas", "pk").first()
        if visado is not None:
            tiene_centro = Centro.objects.filter(
                servicio=visado.servicio, region=region_gore
            ).exists()
            e.regiones["visado"] = region_gore.codigo if tiene_centro else "servicio"
            e.documentos["visado"] = (
                visado,
                f"visado, de la región del GORE, con más filas ({visado.filas})",
            )
    if "visado" not in e.documentos:
        visado = (
            _con_filas(diagnosticos.filter(version_visada__isnull=False))
            .order_by("-filas", "pk")
            .first()
        )
        if visado is not None:
            e.documentos["visado"] = (visado, f"visado con más filas ({visado.filas})")
    if "visado" not in e.documentos:
        e.avisos.append(
            "No hay ningún Diagnóstico visado: se omiten las páginas del GORE sobre un "
            "documento y la segunda descarga de un PDF visado."
        )

    # The document with most versions (diff page).
    versionado = (
        diagnosticos.annotate(n=Count("versiones")).filter(n__gte=1).order_by("-n", "pk").first()
    )
    if versionado is not None:
        e.documentos["versiones"] = (versionado, f"con más versiones ({versionado.n})")
        e.personas["lector_versiones"] = _lector_interno(versionado, e.personas["admin"])

    # The PDF: the Informe Etapa I of the never-visado document with most rows (a visado one
    # could come from a cache: that is measured apart).
    impreso = (
        _con_filas(diagnosticos.filter(version_visada__isnull=True))
        .order_by("-filas", "pk")
        .first()
    ) or borrador
    e.documentos["pdf"] = (impreso, f"sin visar, con más filas ({impreso.filas})")
    _elegir_plan(e, region_gore)
    return e


def _con_filas_plan(qs):
    """Plans (Documentos of Etapa II) annotated with ``filas``: their objectives, procedures,
    PROPIR commitments, indicators and activities."""
    from planes.models import (
        Actividad,
        CompromisoPropir,
        Indicador,
        ObjetivoEspecifico,
        ProcedimientoGore,
    )

    def cuenta(modelo):
        return Coalesce(
            Subquery(
                modelo.objects.filter(plan__documento=OuterRef("pk"))
                .order_by()
                .values("plan__documento")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    modelos = (ObjetivoEspecifico, ProcedimientoGore, CompromisoPropir, Indicador, Actividad)
    total = cuenta(modelos[0])
    for modelo in modelos[1:]:
        total = total + cuenta(modelo)
    return qs.annotate(filas=total)


def _elegir_plan(e: Eleccion, region_gore) -> None:
    """Etapa II's personas and documents (keys «plan_…»), chosen by query as Etapa I's."""
    from planes.models import Actividad

    User = get_user_model()
    planes = Documento.objects.filter(etapa=ETAPA_II).select_related("servicio", "ciclo")
    if not planes.exists():
        e.avisos.append("No hay Planes (Etapa II): se omiten sus páginas.")
        return

    # The Plan in Borrador with most rows whose Servicio has an Encargado/a GT.
    borrador = None
    for doc in _con_filas_plan(planes.filter(estado=Estado.BORRADOR)).order_by("-filas", "pk"):
        if _usuarios(Tipo.ENCARGADO_GT, servicio=doc.servicio).exists():
            borrador = doc
            break
    if borrador is not None:
        encargado = _usuarios(Tipo.ENCARGADO_GT, servicio=borrador.servicio).order_by("pk").first()
        e.personas["plan_encargado"] = Persona(
            "Encargado/a GT", encargado, f"{borrador.servicio.sigla} (Etapa II)"
        )
        # The region with most activities, and its Encargada de Centro.
        mas = (
            Actividad.objects.filter(plan__documento=borrador, centro__isnull=False)
            .order_by()
            .values("centro_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "centro_id")
            .first()
        )
        detalle = ""
        if mas is not None:
            centro = Centro.objects.select_related("region").get(pk=mas["centro_id"])
            usuario_centro = _usuarios(Tipo.ENCARGADO_CENTRO, centro=centro).order_by("pk").first()
            if usuario_centro is not None:
                e.personas["plan_centro"] = Persona(
                    "Encargado/a de Centro",
                    usuario_centro,
                    f"{borrador.servicio.sigla}, región {centro.region.codigo} (Etapa II)",
                )
                e.regiones["plan_centro"] = centro.region.codigo
            detalle = f"; región {centro.region.codigo}: {mas['n']} actividades"
        e.documentos["plan_borrador"] = (
            borrador,
            f"Etapa II: Plan en Borrador con más filas ({borrador.filas}{detalle})",
        )
    else:
        e.avisos.append(
            "No hay un Plan en Borrador con Encargado/a GT: se omiten sus secciones, regiones, "
            "Excel y página del documento del Encargado/a GT."
        )

    # The Plan with most open observaciones, read by its Experto/a.
    observado = (
        planes.annotate(abiertas=Count("observaciones", filter=Q(observaciones__resuelta=False)))
        .order_by("-abiertas", "-pk")
        .first()
    )
    experto = (
        User.objects.filter(
            is_active=True,
            groups__rol__tipo=Tipo.EXPERTO,
            groups__rol__servicio=observado.servicio,
        )
        .order_by("pk")
        .first()
    )
    e.documentos["plan_observado"] = (
        observado,
        f"Etapa II: con más observaciones abiertas ({observado.abiertas})",
    )
    if experto is not None:
        e.personas["plan_experto"] = Persona(
            "Experto/a SUBDERE", experto, f"{observado.servicio.sigla} (Etapa II)"
        )

    # A visado Plan the GORE reads: concerning its region, with most rows.
    if region_gore is not None and "gore" in e.personas:
        concierne = Q(servicio__centros__region=region_gore) | Q(
            servicio__region=region_gore, servicio__centros__isnull=True
        )
        ids = planes.filter(concierne, version_visada__isnull=False).values("pk")
        visado = _con_filas_plan(planes.filter(pk__in=ids)).order_by("-filas", "pk").first()
        if visado is not None:
            tiene_centro = Centro.objects.filter(
                servicio=visado.servicio, region=region_gore
            ).exists()
            e.regiones["plan_visado"] = region_gore.codigo if tiene_centro else "servicio"
            e.documentos["plan_visado"] = (
                visado,
                f"Etapa II: visado, de la región del GORE, con más filas ({visado.filas})",
            )

    # The Plan with most versions (at least two): the diff page.
    versionado = planes.annotate(n=Count("versiones")).filter(n__gte=2).order_by("-n", "pk").first()
    if versionado is not None:
        e.documentos["plan_versiones"] = (
            versionado,
            f"Etapa II: con más versiones ({versionado.n})",
        )
        e.personas["plan_lector_versiones"] = _lector_interno(versionado, e.personas["admin"])

    # The PDF: the never-visado Plan with most rows (a visado one could come from a cache).
    impreso = (
        _con_filas_plan(planes.filter(version_visada__isnull=True)).order_by("-filas", "pk").first()
    ) or borrador
    if impreso is not None:
        e.documentos["plan_pdf"] = (
            impreso,
            f"Etapa II: sin visar, con más filas ({getattr(impreso, 'filas', 0)})",
        )


# ---------------------------------------------------------------------------------------------
# In-process measurements


@dataclass
class Pagina:
    clave: str
    titulo: str
    persona: Persona
    url: str
    metodo: str = "get"
    datos: Callable | None = None  # POST data (a fresh dict each call)
    objetivo: float | None = None  # target ratio against the bare page
    razon: bool = True  # time it against the bare page
    # An Excel export's import page: (clave, titulo, url); measured right after the export.
    importar: tuple | None = None
    # Results
    estado: int | None = None
    consultas: int | None = None
    kb: float | None = None
    contenido: bytes = b""  # the measured response (kept for downloads only)
    ms_vacia: float | None = None
    ms: float | None = None
    veces: float | None = None
    error: str = ""


def _ruta(nombre: str, **kwargs) -> str:
    return reverse(nombre, kwargs=kwargs)


def _paginas(e: Eleccion) -> list[Pagina]:
    p = e.personas
    paginas = []

    def agregar(clave, titulo, persona_clave, url, **kw):
        persona = p.get(persona_clave)
        if persona is not None:
            paginas.append(Pagina(clave, titulo, persona, url, **kw))

    inicio = _ruta("pmggt:mis_pendientes")
    for clave, rol in (
        ("encargado", "Encargado/a GT"),
        ("centro", "Encargado/a de Centro"),
        ("jefe", "Jefe/a"),
        ("experto", "Experto/a"),
        ("gore", "GORE"),
        ("admin", "Administrador/a"),
    ):
        agregar(
            f"pendientes_{clave}",
            f"Mis pendientes · {rol}",
            clave,
            inicio,
            objetivo=RAZON_PENDIENTES_EXPERTO if clave == "experto" else None,
        )

    lista = _ruta("pmggt:documento_lista")
    estado_frecuente = (
        Documento.objects.order_by().values("estado").annotate(n=Count("pk")).order_by("-n")
    ).first()
    region_frecuente = (
        Centro.objects.order_by()
        .values("region_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "region_id")
        .first()
    )
    filtro = {"orden": "espera", "pagina": "2"}
    if estado_frecuente:
        filtro["estado"] = estado_frecuente["estado"]
    if region_frecuente:
        filtro["region"] = str(region_frecuente["region_id"])
    consulta = "&".join(f"{k}={v}" for k, v in sorted(filtro.items()))
    for clave, rol in (("admin", "Administrador/a"), ("experto", "Experto/a")):
        agregar(f"lista_{clave}", f"Documentos, página 1 · {rol}", clave, lista)
        agregar(
            f"lista_{clave}_filtrada",
            f"Documentos filtrados, página 2 · {rol}",
            clave,
            f"{lista}?{consulta}",
        )

    if "observado" in e.documentos:
        doc = e.documentos["observado"][0]
        agregar(
            "documento_interno",
            "Página del documento · lector interno",
            "lector_observado",
            _ruta("pmggt:documento", pk=doc.pk),
            objetivo=RAZON_DOCUMENTO,
        )
    if "visado" in e.documentos:
        doc = e.documentos["visado"][0]
        if "visado" in e.regiones:
            agregar(
                "documento_gore",
                "Página del documento · GORE",
                "gore",
                _ruta("pmggt:documento", pk=doc.pk),
                objetivo=RAZON_DOCUMENTO,
            )

    borrador = e.documentos["borrador"][0]
    for nombre, titulo in (
        ("editar", "Definiciones"),
        ("productos", "Productos"),
        ("clientes", "Clientes"),
        ("otros", "Otros"),
    ):
        agregar(
            f"seccion_{nombre}",
            f"Etapa I · {titulo} · Encargado/a GT",
            "encargado",
            _ruta(f"diagnostico:{nombre}", pk=borrador.pk),
        )
    agregar(
        "cuadro_encargado",
        f"Cuadro región {e.regiones['borrador']} · Encargado/a GT",
        "encargado",
        _ruta("diagnostico:cuadro", pk=borrador.pk, region=e.regiones["borrador"]),
        objetivo=RAZON_DOCUMENTO,
    )
    if "centro" in e.regiones:
        agregar(
            "cuadro_centro",
            f"Cuadro región {e.regiones['centro']} · Encargado/a de Centro",
            "centro",
            _ruta("diagnostico:cuadro", pk=borrador.pk, region=e.regiones["centro"]),
            objetivo=RAZON_DOCUMENTO,
        )
    if "observado" in e.documentos:
        doc = e.documentos["observado"][0]
        agregar(
            "cuadro_experto",
            f"Cuadro región {e.regiones['observado']} · Experto/a (más observaciones)",
            "experto_observado" if "experto_observado" in p else "admin",
            _ruta("diagnostico:cuadro", pk=doc.pk, region=e.regiones["observado"]),
            objetivo=RAZON_DOCUMENTO,
        )
    if "visado" in e.regiones:
        doc = e.documentos["visado"][0]
        agregar(
            "cuadro_gore",
            f"Cuadro región {e.regiones['visado']} · GORE",
            "gore",
            _ruta("diagnostico:cuadro", pk=doc.pk, region=e.regiones["visado"]),
            objetivo=RAZON_DOCUMENTO,
        )
    if "versiones" in e.documentos:
        doc = e.documentos["versiones"][0]
        agregar(
            "diferencias",
            "Diferencias entre versiones",
            "lector_versiones",
            _ruta("pmggt:documento_diferencias", pk=doc.pk),
        )
    doc = e.documentos["pdf"][0]
    agregar(
        "pdf",
        "PDF Informe Etapa I · Administrador/a",
        "admin",
        _ruta("diagnostico:pdf", pk=doc.pk, informe="etapa1"),
        razon=False,
    )
    agregar(
        "excel_exportar",
        "Excel, exportar · Encargado/a GT",
        "encargado",
        _ruta("diagnostico:excel_exportar", pk=borrador.pk),
        razon=False,
        importar=(
            "excel_importar",
            "Excel, importar (POST) · Encargado/a GT",
            _ruta("diagnostico:excel_importar", pk=borrador.pk),
        ),
    )
    _paginas_plan(e, agregar)
    return paginas


def _paginas_plan(e: Eleccion, agregar) -> None:
    """Etapa II's pages (titles «Etapa II · …»), appended after Etapa I's by ``agregar``."""
    d, r = e.documentos, e.regiones
    if "plan_borrador" in d:
        pk = d["plan_borrador"][0].pk
        agregar(
            "plan_documento",
            "Etapa II · Página del documento · Encargado/a GT",
            "plan_encargado",
            _ruta("pmggt:documento", pk=pk),
            objetivo=RAZON_DOCUMENTO,
        )
        for nombre, titulo in (
            ("objetivos", "Objetivos"),
            ("informacion", "Información regional"),
            ("indicadores", "Indicadores"),
            ("programa", "Programa de trabajo"),
        ):
            agregar(
                f"plan_{nombre}",
                f"Etapa II · {titulo} · Encargado/a GT",
                "plan_encargado",
                _ruta(f"planes:{nombre}", pk=pk),
                objetivo=RAZON_DOCUMENTO,
            )
        if "plan_centro" in r:
            agregar(
                "plan_region_centro",
                f"Etapa II · Región {r['plan_centro']} · Encargado/a de Centro",
                "plan_centro",
                _ruta("planes:region", pk=pk, region=r["plan_centro"]),
                objetivo=RAZON_DOCUMENTO,
            )
        agregar(
            "plan_nacional",
            "Etapa II · Parte nacional (servicio) · Encargado/a GT",
            "plan_encargado",
            _ruta("planes:region", pk=pk, region="servicio"),
            objetivo=RAZON_DOCUMENTO,
        )
    if "plan_observado" in d:
        agregar(
            "plan_documento_experto",
            "Etapa II · Página del documento · Experto/a (más observaciones)",
            "plan_experto",
            _ruta("pmggt:documento", pk=d["plan_observado"][0].pk),
            objetivo=RAZON_DOCUMENTO,
        )
    if "plan_visado" in d:
        pk = d["plan_visado"][0].pk
        agregar(
            "plan_documento_gore",
            "Etapa II · Página del documento · GORE",
            "gore",
            _ruta("pmggt:documento", pk=pk),
            objetivo=RAZON_DOCUMENTO,
        )
        region = r["plan_visado"]
        agregar(
            "plan_region_gore",
            f"Etapa II · Región {region} · GORE",
            "gore",
            _ruta("planes:region", pk=pk, region=region),
            objetivo=RAZON_DOCUMENTO,
        )
    if "plan_versiones" in d:
        agregar(
            "plan_diferencias",
            "Etapa II · Diferencias entre versiones",
            "plan_lector_versiones",
            _ruta("pmggt:documento_diferencias", pk=d["plan_versiones"][0].pk),
        )
    if "plan_pdf" in d:
        agregar(
            "plan_pdf",
            "Etapa II · PDF Plan y Programa de Trabajo · Administrador/a",
            "admin",
            _ruta("planes:pdf", pk=d["plan_pdf"][0].pk, informe="plan"),
            razon=False,
        )
    if "plan_borrador" in d:
        pk = d["plan_borrador"][0].pk
        agregar(
            "plan_excel_exportar",
            "Etapa II · Excel, exportar · Encargado/a GT",
            "plan_encargado",
            _ruta("planes:excel", pk=pk),
            razon=False,
            importar=(
                "plan_excel_importar",
                "Etapa II · Excel, importar (POST) · Encargado/a GT",
                _ruta("planes:excel_importar", pk=pk),
            ),
        )


def _pedir(cliente, pagina: Pagina):
    # secure=True: without DEBUG the product redirects plain HTTP to HTTPS.
    if pagina.metodo == "post":
        return cliente.post(pagina.url, pagina.datos(), secure=True)
    return cliente.get(pagina.url, secure=True)


def _cronometrar(funcion) -> float:
    inicio = time.perf_counter()
    funcion()
    return time.perf_counter() - inicio


def _intercalar(a: Callable, b: Callable, rondas: int) -> tuple[list, list]:
    """Times of ``a`` and ``b`` run alternately (ab, ba, ab…) ``rondas`` times."""
    ta, tb = [], []
    for i in range(rondas):
        if i % 2 == 0:
            ta.append(_cronometrar(a))
            tb.append(_cronometrar(b))
        else:
            tb.append(_cronometrar(b))
            ta.append(_cronometrar(a))
    return ta, tb


def _razon(ta: list, tb: list) -> float | None:
    """Median of the per-round ratios a/b (neighbouring runs share the machine's noise)."""
    razones = [x / y for x, y in zip(ta, tb, strict=True) if y > 0]
    return _mediana(razones)


class _Clientes:
    """One logged-in test Client per user (force_login), logged out at the end."""

    def __init__(self):
        self._clientes = {}

    def de(self, usuario):
        from django.test import Client

        cliente = self._clientes.get(usuario.pk)
        if cliente is None:
            cliente = Client(raise_request_exception=False)
            cliente.force_login(usuario)
            self._clientes[usuario.pk] = cliente
        return cliente

    def cerrar(self):
        for cliente in self._clientes.values():
            _cerrar_sesion(cliente)
        self._clientes.clear()


def _cerrar_sesion(cliente) -> None:
    """Delete the client's session (Client.logout() would run the product's logout signal,
    which needs the messages middleware)."""
    with contextlib.suppress(Exception):
        cliente.session.delete()
    cliente.cookies.clear()


def _excepcion(respuesta) -> str:
    """What a 500 raised (the test client keeps it when it does not re-raise it)."""
    info = getattr(respuesta, "exc_info", None)
    if not info or info[1] is None:
        return ""
    marco = traceback.extract_tb(info[2])[-1] if info[2] else None
    donde = f" en {Path(marco.filename).name}:{marco.lineno}" if marco else ""
    return f" ({type(info[1]).__name__}: {str(info[1])[:200]}{donde})"


def _medir_pagina(cliente, pagina: Pagina, rondas: int) -> None:
    from django.test.utils import CaptureQueriesContext

    from diagnostico.rendimiento_urls import URL_VACIA

    _pedir(cliente, pagina)  # warm-up (caches, templates, the fork server of PDFs)
    with CaptureQueriesContext(connection) as capturadas:
        respuesta = _pedir(cliente, pagina)
    pagina.estado = respuesta.status_code
    pagina.consultas = len(capturadas)
    pagina.kb = len(respuesta.content) / 1024
    if not pagina.razon:
        pagina.contenido = respuesta.content
    if respuesta.status_code >= 400:
        pagina.error = f"HTTP {respuesta.status_code}{_excepcion(respuesta)}"
    if not pagina.razon or rondas <= 0 or respuesta.status_code >= 400:
        return
    estados = set()

    def vacia():
        estados.add(cliente.get(URL_VACIA, secure=True).status_code)

    tp, tv = _intercalar(lambda: _pedir(cliente, pagina), vacia, rondas)
    if estados != {200}:
        pagina.error = f"página vacía: HTTP {', '.join(map(str, sorted(estados)))}"
        return
    pagina.ms, pagina.ms_vacia, pagina.veces = _mediana(tp), _mediana(tv), _razon(tp, tv)


# --- PDF -------------------------------------------------------------------------------------


@dataclass
class ResultadoPDF:
    url: str = ""
    kb: float | None = None
    producto: float | None = None
    weasyprint: float | None = None
    veces: float | None = None
    visado_url: str = ""
    primera: float | None = None
    segunda: float | None = None
    veces_cache: float | None = None
    nota: str = ""


@contextlib.contextmanager
def _grabando_html(destino: list):
    """Record the HTML every product PDF render is given (pmggt.informes.pdf.renderizar)."""
    from pmggt.informes import pdf

    original = pdf.renderizar

    def renderizar(html, *args, **kwargs):
        destino.append(html)
        return original(html, *args, **kwargs)

    pdf.renderizar = renderizar
    try:
        yield
    finally:
        pdf.renderizar = original


@contextlib.contextmanager
def _sin_weasyprint():
    """--sin-pdf: the product's PDF views run with a stub renderer (a blank one-page PDF)."""
    from pmggt.informes import pdf

    original = pdf.renderizar

    def renderizar(html, *args, **kwargs):
        return pdf.PDF(contenido=b"%PDF-1.4\n%%EOF\n", paginas=1, segundos=0.0)

    pdf.renderizar = renderizar
    try:
        yield
    finally:
        pdf.renderizar = original


def _weasyprint_solo(html: str) -> Callable:
    from weasyprint import HTML

    from pmggt.informes import pdf

    def renderizar():
        HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.FetcherEstatico()).write_pdf(
            pdf_variant=pdf.PDF_VARIANTE
        )

    return renderizar


def _medir_pdf(cliente, pagina: Pagina, rondas: int, r: ResultadoPDF) -> None:
    """The product's download against WeasyPrint alone on the HTML the product printed."""
    html = []
    with _grabando_html(html):
        _medir_pagina(cliente, pagina, 0)
    r.url, r.kb = pagina.url, pagina.kb
    if pagina.estado != 200 or not html:
        r.nota = f"La descarga del PDF respondió HTTP {pagina.estado}."
        return
    url = pagina.url
    solo = _weasyprint_solo(html[-1])
    solo()  # warm-up in this process: fonts, stylesheets
    tp, tw = _intercalar(lambda: cliente.get(url, secure=True), solo, max(1, rondas))
    r.producto, r.weasyprint, r.veces = _mediana(tp), _mediana(tw), _razon(tp, tw)


@contextlib.contextmanager
def _almacenamiento_temporal():
    """MEDIA_ROOT and every file-system storage but the static one in a temporary folder (a
    storage cache of PDFs starts empty and leaves nothing behind)."""
    from django.test.utils import override_settings

    carpeta = tempfile.mkdtemp(prefix="pmggt-bench-media-")
    almacenes = {}
    for nombre, definicion in settings.STORAGES.items():
        definicion = dict(definicion)
        if nombre != "staticfiles" and "FileSystemStorage" in definicion.get("BACKEND", ""):
            opciones = dict(definicion.get("OPTIONS") or {})
            opciones["location"] = os.path.join(carpeta, nombre)
            definicion["OPTIONS"] = opciones
        almacenes[nombre] = definicion
    try:
        with override_settings(MEDIA_ROOT=carpeta, STORAGES=almacenes):
            yield carpeta
    finally:
        shutil.rmtree(carpeta, ignore_errors=True)


def _medir_pdf_visado(e: Eleccion, r: ResultadoPDF) -> None:
    from django.test import Client

    doc = e.documentos["visado"][0]
    if doc.estado != Estado.VISADO:
        # Under modification, the Informe Etapa I prints the version under way (never stored):
        # the record of a document in Visado is what the cache keeps (pmggt.informes.cache).
        doc = (
            Documento.objects.filter(etapa=ETAPA_I, estado=Estado.VISADO).order_by("pk").first()
            or doc
        )
    url = _ruta("diagnostico:pdf", pk=doc.pk, informe="etapa1")
    r.visado_url = url
    cliente = Client(raise_request_exception=False)
    cliente.force_login(e.personas["admin"].usuario)
    try:
        with _almacenamiento_temporal():
            primera = time.perf_counter()
            respuesta = cliente.get(url, secure=True)
            r.primera = time.perf_counter() - primera
            if respuesta.status_code != 200:
                r.nota = f"La descarga del PDF visado respondió HTTP {respuesta.status_code}."
                r.primera = None
                return
            segundas = [_cronometrar(lambda: cliente.get(url, secure=True)) for _ in range(3)]
            r.segunda = _mediana(segundas)
            r.veces_cache = r.primera / r.segunda if r.segunda else None
    finally:
        _cerrar_sesion(cliente)


# --- Excel -----------------------------------------------------------------------------------


@dataclass
class ResultadoExcel:
    kb: float | None = None
    hojas: int | None = None
    celdas: int | None = None
    exportar: float | None = None
    escribir: float | None = None
    veces_exportar: float | None = None
    importar: float | None = None
    leer: float | None = None
    veces_importar: float | None = None
    estado_importar: int | None = None
    nota: str = ""


def _valores_libro(contenido: bytes) -> list[tuple[str, list]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(contenido))
    try:
        return [(ws.title, [list(f) for f in ws.iter_rows(values_only=True)]) for ws in wb]
    finally:
        wb.close()


def _openpyxl_escribir(hojas) -> Callable:
    from openpyxl import Workbook

    def escribir():
        wb = Workbook(write_only=True)
        for titulo, filas in hojas:
            ws = wb.create_sheet(titulo)
            for fila in filas:
                ws.append(fila)
        wb.save(io.BytesIO())

    return escribir


def _openpyxl_leer(contenido: bytes) -> Callable:
    from openpyxl import load_workbook

    def leer():
        wb = load_workbook(io.BytesIO(contenido), read_only=True)
        try:
            for ws in wb.worksheets:
                for _fila in ws.iter_rows(values_only=True):
                    pass
        finally:
            wb.close()

    return leer


def _medir_excel(
    cliente,
    exportar: Pagina,
    importar: Pagina,
    rondas: int,
    r: ResultadoExcel,
    archivo: str = "cuadros.xlsx",
):
    if exportar.estado != 200:
        r.nota = f"La exportación respondió HTTP {exportar.estado}."
        return
    contenido = exportar.contenido
    hojas = _valores_libro(contenido)
    r.kb = len(contenido) / 1024
    r.hojas = len(hojas)
    r.celdas = sum(len(f) for _t, filas in hojas for f in filas)
    escribir, leer = _openpyxl_escribir(hojas), _openpyxl_leer(contenido)
    escribir()
    tp, tw = _intercalar(lambda: cliente.get(exportar.url, secure=True), escribir, rondas)
    r.exportar, r.escribir, r.veces_exportar = _mediana(tp), _mediana(tw), _razon(tp, tw)

    from django.core.files.uploadedfile import SimpleUploadedFile

    from pmggt.informes.excel import TIPO_XLSX

    def datos():
        return {"archivo": SimpleUploadedFile(archivo, contenido, content_type=TIPO_XLSX)}

    importar.datos = datos

    def importar_y_deshacer():
        # Each import runs in a savepoint rolled back at once: every round imports onto the
        # same content and nothing stays.
        with transaction.atomic():
            respuesta = _pedir(cliente, importar)
            transaction.set_rollback(True)
        return respuesta

    from django.test.utils import CaptureQueriesContext

    importar_y_deshacer()  # warm-up
    with CaptureQueriesContext(connection) as capturadas:
        respuesta = importar_y_deshacer()
    importar.estado = r.estado_importar = respuesta.status_code
    importar.consultas = len(capturadas)
    importar.kb = len(respuesta.content) / 1024
    if respuesta.status_code not in (200, 302):
        importar.error = r.nota = f"La importación respondió HTTP {respuesta.status_code}."
        return
    if respuesta.status_code == 200:
        importar.error = "la importación no se aplicó (la página volvió con errores)"
    leer()
    tp, tl = _intercalar(importar_y_deshacer, leer, rondas)
    r.importar, r.leer, r.veces_importar = _mediana(tp), _mediana(tl), _razon(tp, tl)


# --- The whole in-process run ----------------------------------------------------------------


@dataclass
class Medicion:
    eleccion: Eleccion
    paginas: list[Pagina]
    pdf: ResultadoPDF
    excel: ResultadoExcel
    rondas: int
    pdf_plan: ResultadoPDF = field(default_factory=ResultadoPDF)
    excel_plan: ResultadoExcel = field(default_factory=ResultadoExcel)
    segundos: float = 0.0
    avisos: list[str] = field(default_factory=list)
    mundo: dict = field(default_factory=dict)


def _mundo() -> dict:
    from diagnostico.models import FilaCuadro1, FilaCuadro2
    from planes.models import Actividad, CompromisoPropir, Indicador, ProcedimientoGore

    User = get_user_model()
    return {
        "Servicios": Servicio.objects.count(),
        "Centros": Centro.objects.count(),
        "Diagnósticos": Documento.objects.filter(etapa=ETAPA_I).count(),
        "visados": Documento.objects.filter(etapa=ETAPA_I, version_visada__isnull=False).count(),
        "Planes (Etapa II)": Documento.objects.filter(etapa=ETAPA_II).count(),
        "Planes visados": Documento.objects.filter(
            etapa=ETAPA_II, version_visada__isnull=False
        ).count(),
        "versiones": VersionDocumento.objects.count(),
        "observaciones abiertas": Observacion.objects.filter(resuelta=False).count(),
        "filas de cuadros": FilaCuadro1.objects.count() + FilaCuadro2.objects.count(),
        "filas de Planes": sum(
            m.objects.count() for m in (Actividad, Indicador, ProcedimientoGore, CompromisoPropir)
        ),
        "usuarios activos": User.objects.filter(is_active=True).count(),
    }


@contextlib.contextmanager
def _heap_congelado():
    """Move what is alive now out of the collector's reach (gc.freeze): the garbage collections
    that fall inside the timed requests then cost the same for every page."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _silenciando(*nombres):
    """Raise these loggers to WARNING (django-axes narrates every force_login at INFO)."""
    registros = [logging.getLogger(n) for n in nombres]
    niveles = [r.level for r in registros]
    for r in registros:
        r.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for r, nivel in zip(registros, niveles, strict=True):
            r.setLevel(nivel)


@contextlib.contextmanager
def _entorno_de_medicion():
    """The bench URLconf, the test client's host, and plain static files if the manifest of
    collectstatic is missing (without DEBUG the product uses the manifest storage)."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.test.utils import override_settings

    cambios = {
        "ROOT_URLCONF": URLCONF,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
    }
    avisos = []
    manifiesto = getattr(staticfiles_storage, "manifest_name", None)
    if manifiesto and not staticfiles_storage.exists(manifiesto):
        almacenes = dict(settings.STORAGES)
        almacenes["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
        cambios["STORAGES"] = almacenes
        avisos.append(
            "Sin el manifiesto de collectstatic: los estáticos se nombraron sin hash "
            "(StaticFilesStorage) durante la medición."
        )
    with override_settings(**cambios):
        yield avisos


def medir(*, rondas: int = 15, rondas_pdf: int = 3, sin_pdf: bool = False, avance=None) -> Medicion:
    """Measure every page (see the module docstring); the database is left as it was."""
    avance = avance or (lambda texto: None)
    inicio = time.perf_counter()
    with _entorno_de_medicion() as avisos, _silenciando("axes"), _heap_congelado():
        e = elegir()
        paginas = _paginas(e)
        pdf, pdf_plan = ResultadoPDF(), ResultadoPDF()
        excel, excel_plan = ResultadoExcel(), ResultadoExcel()
        mundo = _mundo()
        if sin_pdf:
            pdf.nota = "Omitido (--sin-pdf): los PDF se generaron con un sustituto."
            pdf_plan.nota = pdf.nota
        elif "visado" in e.documentos:
            avance("PDF visado: primera y segunda descarga")
            from pmggt.informes import pdf as pdf_nucleo

            # Start this process's PDF fork server first: its start-up is not the report's.
            with contextlib.suppress(Exception):
                pdf_nucleo.renderizar("<html><body><p>PMG-GT</p></body></html>")
            _medir_pdf_visado(e, pdf)
        clientes = _Clientes()
        with contextlib.ExitStack() as pila:
            if sin_pdf:
                pila.enter_context(_sin_weasyprint())
            pila.enter_context(transaction.atomic())
            try:
                for pagina in list(paginas):
                    avance(pagina.titulo)
                    cliente = clientes.de(pagina.persona.usuario)
                    if pagina.clave in ("pdf", "plan_pdf"):
                        destino = pdf if pagina.clave == "pdf" else pdf_plan
                        if sin_pdf:
                            _medir_pagina(cliente, pagina, 0)
                        else:
                            _medir_pdf(cliente, pagina, rondas_pdf, destino)
                            pagina.ms = destino.producto
                        continue
                    if pagina.importar is not None:
                        # An Excel export, then the import of the same workbook (undone).
                        destino = excel if pagina.clave == "excel_exportar" else excel_plan
                        _medir_pagina(cliente, pagina, 0)
                        clave, titulo, url = pagina.importar
                        importar = Pagina(
                            clave, titulo, pagina.persona, url, metodo="post", razon=False
                        )
                        paginas.insert(paginas.index(pagina) + 1, importar)
                        archivo = "cuadros.xlsx" if destino is excel else "plan.xlsx"
                        _medir_excel(cliente, pagina, importar, rondas, destino, archivo)
                        pagina.ms, importar.ms = destino.exportar, destino.importar
                        continue
                    _medir_pagina(cliente, pagina, rondas)
            finally:
                clientes.cerrar()
                transaction.set_rollback(True)
    return Medicion(
        eleccion=e,
        paginas=paginas,
        pdf=pdf,
        excel=excel,
        rondas=rondas,
        pdf_plan=pdf_plan,
        excel_plan=excel_plan,
        segundos=time.perf_counter() - inicio,
        avisos=[*e.avisos, *avisos],
        mundo=mundo,
    )


# ---------------------------------------------------------------------------------------------
# Markdown report of the in-process run


def informe(m: Medicion, *, titulo: str = "") -> str:
    e = m.eleccion
    lineas = []
    fecha = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    lineas.append(f"### {titulo or 'Medición'} · {_base()}")
    lineas.append("")
    lineas.append(
        f"Medido el {fecha} en {_maquina()}; DEBUG={'1' if settings.DEBUG else '0'}, "
        f"{connection.vendor}; {m.rondas} rondas intercaladas; {_num(m.segundos, 0)} s en total."
    )
    lineas.append("")
    lineas.append("Datos: " + ", ".join(f"{_num(v, 0)} {k}" for k, v in m.mundo.items()) + ".")
    lineas.append("")
    for aviso in m.avisos:
        lineas.append(f"> {aviso}")
        lineas.append("")
    lineas.append(
        "Las filas «Etapa II · …» y las claves «plan_…» son del Plan y Programa de Trabajo "
        "(Etapa II); las demás, de la Etapa I (Diagnóstico: su documento, secciones, cuadros, "
        "diferencias, PDF y Excel) y de las páginas comunes a todas las etapas (Mis pendientes, "
        "la lista de documentos)."
    )
    lineas.append("")

    lineas += ["#### Personas y documentos elegidos", ""]
    lineas += ["| quién / qué | elegido | por qué |", "| --- | --- | --- |"]
    for clave, persona in e.personas.items():
        lineas.append(f"| {persona.rol} ({clave}) | `{persona.nombre}` | {persona.detalle} |")
    for clave, (doc, motivo) in e.documentos.items():
        lineas.append(
            f"| documento ({clave}) | {doc.servicio.sigla} {doc.ciclo.anio}, "
            f"n.° {doc.pk} ({doc.get_estado_display()}) | {motivo} |"
        )
    lineas.append("")

    lineas += ["#### Consultas por página", ""]
    lineas.append(
        "Consultas de una petición, tras otra de calentamiento; objetivo: "
        f"≤ {MAX_CONSULTAS} consultas por página."
    )
    lineas.append("")
    lineas += [
        "| página | persona | HTTP | consultas | cumple | KB |",
        "| --- | --- | ---: | ---: | :---: | ---: |",
    ]
    for p in m.paginas:
        lineas.append(
            f"| {p.titulo} | `{p.persona.nombre}` | {p.estado or '—'} | "
            f"{p.consultas if p.consultas is not None else '—'} | "
            f"{_cumple(p.consultas, MAX_CONSULTAS)} | {_num(p.kb)} |"
        )
    lineas.append("")
    errores = [p for p in m.paginas if p.error]
    for p in errores:
        lineas.append(f"> {p.titulo} (`{p.url}`): {p.error}.")
    if errores:
        lineas.append("")

    lineas += ["#### Tiempo de servidor relativo a la página vacía", ""]
    lineas.append(
        "Mediana de la razón página ÷ página vacía (`/_bench/vacia/`, misma plantilla base, "
        f"misma persona) en {m.rondas} rondas intercaladas. Objetivos: página del documento, "
        f"cada cuadro y cada sección o región del Plan ≤ {_num(RAZON_DOCUMENTO, 0)}×; Mis "
        f"pendientes del Experto/a con más Servicios ≤ {_num(RAZON_PENDIENTES_EXPERTO, 0)}×."
    )
    lineas.append("")
    lineas += [
        "| página | vacía ms | página ms | razón | objetivo | cumple |",
        "| --- | ---: | ---: | ---: | ---: | :---: |",
    ]
    for p in m.paginas:
        if not p.razon:
            continue
        objetivo = f"≤ {_num(p.objetivo, 0)}×" if p.objetivo else ""
        lineas.append(
            f"| {p.titulo} | {_ms(p.ms_vacia)} | {_ms(p.ms)} | {_veces(p.veces)} | {objetivo} | "
            f"{_cumple(p.veces, p.objetivo)} |"
        )
    lineas.append("")

    r = m.pdf
    lineas += ["#### PDF", ""]
    if r.nota:
        lineas += [f"> {r.nota}", ""]
    lineas += [
        "| medición | producto ms | referencia ms | razón | objetivo | cumple |",
        "| --- | ---: | ---: | ---: | ---: | :---: |",
    ]
    lineas.append(
        f"| descarga del Informe Etapa I (`{r.url or '—'}`, {_num(r.kb)} KB) ÷ "
        f"WeasyPrint solo, mismo HTML | {_ms(r.producto)} | {_ms(r.weasyprint)} | "
        f"{_veces(r.veces)} | ≤ {_num(RAZON_PDF)}× | {_cumple(r.veces, RAZON_PDF)} |"
    )
    lineas.append(
        f"| PDF visado (`{r.visado_url or '—'}`): primera descarga ÷ segunda | {_ms(r.primera)} "
        f"| {_ms(r.segunda)} | {_veces(r.veces_cache)} | ≥ {_num(RAZON_PDF_CACHE, 0)}× | "
        f"{_cumple(r.veces_cache, RAZON_PDF_CACHE, minimo=True)} |"
    )
    rp = m.pdf_plan
    if rp.url or rp.nota != r.nota:
        lineas.append(
            f"| Etapa II · descarga del Plan y Programa de Trabajo (`{rp.url or '—'}`, "
            f"{_num(rp.kb)} KB) ÷ WeasyPrint solo, mismo HTML | {_ms(rp.producto)} | "
            f"{_ms(rp.weasyprint)} | {_veces(rp.veces)} | ≤ {_num(RAZON_PDF)}× | "
            f"{_cumple(rp.veces, RAZON_PDF)} |"
        )
    lineas.append("")
    if rp.nota and rp.nota != r.nota:
        lineas += [f"> Etapa II: {rp.nota}", ""]

    x = m.excel
    lineas += ["#### Excel", ""]
    if x.nota:
        lineas += [f"> {x.nota}", ""]
    if x.hojas is not None:
        lineas += [
            f"Libro exportado: {_num(x.kb)} KB, {x.hojas} hojas, {_num(x.celdas, 0)} celdas.",
            "",
        ]
    lineas += [
        "| medición | producto ms | openpyxl ms | razón | objetivo | cumple |",
        "| --- | ---: | ---: | ---: | ---: | :---: |",
    ]
    lineas.append(
        f"| exportar ÷ openpyxl write-only con las mismas celdas | {_ms(x.exportar)} | "
        f"{_ms(x.escribir)} | {_veces(x.veces_exportar)} | ≤ {_num(RAZON_EXCEL_EXPORTAR, 2)}× | "
        f"{_cumple(x.veces_exportar, RAZON_EXCEL_EXPORTAR)} |"
    )
    lineas.append(
        f"| importar (POST, deshecho) ÷ openpyxl read-only + recorrer filas | {_ms(x.importar)} "
        f"| {_ms(x.leer)} | {_veces(x.veces_importar)} | ≤ {_num(RAZON_EXCEL_IMPORTAR, 0)}× | "
        f"{_cumple(x.veces_importar, RAZON_EXCEL_IMPORTAR)} |"
    )
    xp = m.excel_plan
    if xp.hojas is not None or xp.nota:
        lineas.append(
            f"| Etapa II · exportar ÷ openpyxl write-only con las mismas celdas | "
            f"{_ms(xp.exportar)} | {_ms(xp.escribir)} | {_veces(xp.veces_exportar)} | "
            f"≤ {_num(RAZON_EXCEL_EXPORTAR, 2)}× | "
            f"{_cumple(xp.veces_exportar, RAZON_EXCEL_EXPORTAR)} |"
        )
        lineas.append(
            f"| Etapa II · importar (POST, deshecho) ÷ openpyxl read-only + recorrer filas | "
            f"{_ms(xp.importar)} | {_ms(xp.leer)} | {_veces(xp.veces_importar)} | "
            f"≤ {_num(RAZON_EXCEL_IMPORTAR, 0)}× | "
            f"{_cumple(xp.veces_importar, RAZON_EXCEL_IMPORTAR)} |"
        )
    lineas.append("")
    if xp.hojas is not None:
        lineas += [
            f"Libro exportado de la Etapa II: {_num(xp.kb)} KB, {xp.hojas} hojas, "
            f"{_num(xp.celdas, 0)} celdas.",
            "",
        ]
    if xp.nota:
        lineas += [f"> Etapa II: {xp.nota}", ""]
    return "\n".join(lineas)


# ---------------------------------------------------------------------------------------------
# Load run: gunicorn + locust


@dataclass
class Trabajadores:
    clase: str  # "sync" | "gthread"
    procesos: int
    hilos: int = 1

    @classmethod
    def leer(cls, texto: str) -> Trabajadores:
        clase, _, resto = texto.strip().partition(":")
        procesos, _, hilos = resto.partition("x")
        if clase not in ("sync", "gthread") or not procesos.isdigit():
            raise ValueError(f"Configuración de trabajadores no válida: «{texto}»")
        return cls(clase, int(procesos), int(hilos) if hilos.isdigit() else 1)

    def __str__(self):
        if self.clase == "gthread":
            return f"gthread {self.procesos}×{self.hilos}"
        return f"sync {self.procesos}"

    def argumentos(self) -> list[str]:
        args = ["--workers", str(self.procesos), "--worker-class", self.clase]
        if self.clase == "gthread":
            args += ["--threads", str(self.hilos)]
        return args


@dataclass
class ResultadoCarga:
    trabajadores: Trabajadores
    segundos: int
    usuarios: int
    # Browsing once every user has logged in (the steady window):
    peticiones: int = 0
    fallas: int = 0
    por_segundo: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    ventana: float | None = None  # seconds of the steady window
    # The logins (each locust user logs in once, through the form):
    ingresos: int = 0
    ingresos_fallidos: int = 0
    ingreso_p50: float | None = None
    ingreso_p95: float | None = None
    # Per request name, over the whole run (locust's CSV):
    por_pagina: list[dict] = field(default_factory=list)
    error: str = ""
    aviso: str = ""


def _lista_de(qs, n: int, semilla: int) -> list:
    ids = list(qs.values_list("pk", flat=True).order_by("pk"))
    random.Random(semilla).shuffle(ids)
    return ids[:n]


def _contrasena(usuarios, indicada: str | None) -> str:
    candidatas = [c for c in (indicada, os.environ.get("BENCH_CONTRASENA")) if c]
    candidatas += [c for c in CONTRASENAS_CONOCIDAS if c not in candidatas]
    for contrasena in candidatas:
        if all(check_password(contrasena, u.password) for u in usuarios[:3]):
            return contrasena
    raise LookupError(
        "No conozco la contraseña de las personas de la carga: indíquela con --contrasena."
    )


def _datos_persona(usuario, rol: str) -> dict:
    """What a locust user browses as this person: documents it may open, cuadro pages, diffs."""
    es_gore = rol == Tipo.GORE
    visibles = selectors.documentos_visibles_para(usuario).filter(etapa=ETAPA_I)
    if es_gore:
        visibles = visibles.filter(version_visada__isnull=False)
    documentos = list(visibles.select_related("servicio__region").order_by("-pk")[:60])
    documentos = [d for d in documentos if permisos.nivel_acceso(usuario, d) == permisos.CONTENIDO]
    documentos = documentos[:20]
    regiones_gore = set(permisos.gores_de(usuario).values_list("region__codigo", flat=True))
    centros = {}
    for c in Centro.objects.filter(servicio__in={d.servicio_id for d in documentos}).select_related(
        "region"
    ):
        centros.setdefault(c.servicio_id, []).append(c.region.codigo)
    cuadros = []
    for d in documentos[:10]:
        codigos = centros.get(d.servicio_id)
        if es_gore:
            if codigos:
                codigos = [c for c in codigos if c in regiones_gore]
            elif d.servicio.region_id and d.servicio.region.codigo in regiones_gore:
                codigos = ["servicio"]
            else:
                codigos = []
        else:
            codigos = codigos or ["servicio"]
        cuadros += [f"/diagnostico/{d.pk}/cuadros/{c}/" for c in codigos[:4]]
    diferencias = []
    if not es_gore:
        con_versiones = set(
            VersionDocumento.objects.filter(documento__in=documentos)
            .order_by()
            .values("documento_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=2)
            .values_list("documento_id", flat=True)
        )
        diferencias = [d.pk for d in documentos if d.pk in con_versiones][:10]
    total = selectors.documentos_visibles_para(usuario).count()
    planes, secciones_plan = _planes_persona(usuario, es_gore, regiones_gore)
    return {
        "usuario": usuario.get_username(),
        "rol": rol,
        "documentos": [d.pk for d in documentos],
        "cuadros": cuadros[:30],
        "diferencias": diferencias,
        "paginas_lista": max(1, (total + 24) // 25),
        "planes": planes,
        "secciones_plan": secciones_plan,
    }


def _planes_persona(usuario, es_gore: bool, regiones_gore: set) -> tuple[list, list]:
    """Plans (Etapa II) this person may read, and section and regional pages of them: a GORE
    reads the visado ones of its region (the region's page and the work programme)."""
    visibles = selectors.documentos_visibles_para(usuario).filter(etapa=ETAPA_II)
    if es_gore:
        visibles = visibles.filter(version_visada__isnull=False)
    planes = list(visibles.select_related("servicio__region").order_by("-pk")[:40])
    planes = [d for d in planes if permisos.nivel_acceso(usuario, d) == permisos.CONTENIDO][:10]
    centros = {}
    for c in Centro.objects.filter(servicio__in={d.servicio_id for d in planes}).select_related(
        "region"
    ):
        centros.setdefault(c.servicio_id, []).append(c.region.codigo)
    secciones = []
    for d in planes[:6]:
        codigos = centros.get(d.servicio_id)
        if es_gore:
            if codigos:
                codigos = [c for c in codigos if c in regiones_gore]
            elif d.servicio.region_id and d.servicio.region.codigo in regiones_gore:
                codigos = ["servicio"]
            else:
                codigos = []
            nombres = ["programa"] if codigos else []
        else:
            codigos = (codigos or [])[:2] + ["servicio"]
            nombres = ["objetivos", "informacion", "indicadores", "programa"]
        secciones += [reverse(f"planes:{n}", args=[d.pk]) for n in nombres]
        secciones += [reverse("planes:region", args=[d.pk, c]) for c in codigos[:3]]
    return [d.pk for d in planes], secciones[:30]


# Mix of the load run: how many of every 50 simulated people have each role (people who write
# and review dominate; a few GORE and administrators read).
MEZCLA = [
    (Tipo.ENCARGADO_GT, 14),
    (Tipo.ENCARGADO_CENTRO, 12),
    (Tipo.JEFE, 6),
    (Tipo.EXPERTO, 8),
    (Tipo.GORE, 8),
    (Tipo.ADMINISTRADOR, 2),
]


def personas_carga(contrasena: str | None = None) -> dict:
    """The personas of the load run, from the database, ordered so any prefix keeps the mix."""
    User = get_user_model()
    por_rol = {}
    for tipo, n in MEZCLA:
        qs = _usuarios(tipo)
        if tipo == Tipo.EXPERTO:
            # The Experto/a with most Servicios always takes part.
            mejor = (
                User.objects.filter(is_active=True, groups__rol__tipo=Tipo.EXPERTO)
                .annotate(n=Count("groups__rol__servicio", distinct=True))
                .order_by("-n", "pk")
                .values_list("pk", flat=True)
                .first()
            )
            ids = [mejor] if mejor else []
            ids += [i for i in _lista_de(qs, n, 2009) if i != mejor][: n - len(ids)]
        else:
            ids = _lista_de(qs, n, 2009)
        usuarios = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        por_rol[tipo] = [usuarios[i] for i in ids if i in usuarios]
    todos = [u for lista in por_rol.values() for u in lista]
    if not todos:
        raise LookupError("No hay personas con roles en la base.")
    clave = _contrasena(todos, contrasena)
    # Round-robin by weight: 50 slots in the proportions of MEZCLA.
    ranuras = []
    total = sum(n for _t, n in MEZCLA)
    contadores = {t: 0 for t, _n in MEZCLA}
    for i in range(total):
        tipo = max(MEZCLA, key=lambda tn: (tn[1] * (i + 1) / total - contadores[tn[0]], tn[1]))[0]
        contadores[tipo] += 1
        ranuras.append(tipo)
    cursor = {t: 0 for t, _n in MEZCLA}
    personas = []
    for tipo in ranuras:
        lista = por_rol.get(tipo) or []
        if not lista:
            continue
        usuario = lista[cursor[tipo] % len(lista)]
        cursor[tipo] += 1
        personas.append(_datos_persona(usuario, tipo))
    return {"contrasena": clave, "personas": personas}


def _puerto_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(nombre: str) -> str:
    ruta = Path(sys.executable).parent / nombre
    if ruta.exists():
        return str(ruta)
    encontrado = shutil.which(nombre)
    if encontrado is None:
        raise FileNotFoundError(f"No encuentro «{nombre}»: instale el extra bench (make bench).")
    return encontrado


def _entorno_servidor(estaticos: str) -> dict:
    """Production settings for the bench server (docs/despliegue.md), on 127.0.0.1 only."""
    entorno = dict(os.environ)
    for variable in ("DEBUG", "DJANGO_SETTINGS_MODULE"):
        entorno.pop(variable, None)
    entorno.update(
        {
            "DJANGO_SETTINGS_MODULE": "pmggt.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": estaticos,
            "DB_CONN_MAX_AGE": entorno.get("DB_CONN_MAX_AGE", "60"),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
    )
    # The shared cache and session store of production (docs/despliegue.md), when the bench
    # has one: bench/correr.sh points BENCH_REDIS_URL at the local Redis if one answers.
    redis = entorno.pop("BENCH_REDIS_URL", "")
    if redis:
        entorno["REDIS_URL"] = redis
    else:
        entorno.pop("REDIS_URL", None)
    base = settings.DATABASES["default"]
    if "DATABASE_URL" not in entorno and base["ENGINE"].endswith("sqlite3"):
        entorno["DATABASE_URL"] = f"sqlite:///{base['NAME']}"
    return entorno


def _esperar(url: str, proceso, limite: float = 90.0) -> None:
    fin = time.monotonic() + limite
    peticion = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    while time.monotonic() < fin:
        if proceso.poll() is not None:
            raise RuntimeError(f"gunicorn terminó al arrancar (código {proceso.returncode}).")
        try:
            with urllib.request.urlopen(peticion, timeout=5) as respuesta:
                if respuesta.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"gunicorn no respondió en {limite:.0f} s.")


def _detener(proceso) -> None:
    """Stop the gunicorn master this run started (SIGTERM: it stops its workers)."""
    if proceso.poll() is not None:
        return
    proceso.send_signal(signal.SIGTERM)
    try:
        proceso.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proceso.kill()
        proceso.wait(timeout=10)


def _percentil(valores: list, q: float):
    if not valores:
        return None
    ordenados = sorted(valores)
    return ordenados[min(len(ordenados) - 1, max(0, round(q * len(ordenados) + 0.5) - 1))]


def _leer_tiempos(ruta: str, r: ResultadoCarga) -> None:
    """Browsing figures in the steady window: from the end of the last login to the end."""
    with open(ruta, encoding="utf-8") as archivo:
        registro = json.load(archivo)
    if not registro:
        return
    ingresos = [x for x in registro if x[1].startswith("ingreso (POST")]
    navegacion = [x for x in registro if not x[1].startswith("ingreso")]
    r.ingresos = len(ingresos)
    r.ingresos_fallidos = sum(1 for x in ingresos if x[3])
    r.ingreso_p50 = _percentil([x[2] for x in ingresos], 0.5)
    r.ingreso_p95 = _percentil([x[2] for x in ingresos], 0.95)
    fin = max(x[0] for x in registro)
    inicio = max((x[0] for x in ingresos), default=min(x[0] for x in registro))
    if len(ingresos) < r.usuarios:
        r.aviso = (
            f"solo {len(ingresos)} de {r.usuarios} usuarios alcanzaron a ingresar: sin ventana "
            "estable (la máquina estaba cargada; repita o alargue la carga)"
        )
    ventana = [x for x in navegacion if x[0] > inicio]
    r.ventana = fin - inicio
    if not ventana or r.ventana <= 0:
        return
    tiempos = [x[2] for x in ventana]
    r.peticiones = len(ventana)
    r.fallas = sum(1 for x in ventana if x[3])
    r.por_segundo = len(ventana) / r.ventana
    r.p50, r.p95, r.p99 = (_percentil(tiempos, q) for q in (0.5, 0.95, 0.99))


def _leer_csv(prefijo: str, r: ResultadoCarga) -> None:
    ruta = f"{prefijo}_stats.csv"
    with open(ruta, newline="", encoding="utf-8") as archivo:
        filas = list(csv.DictReader(archivo))

    def numero(fila, columna):
        valor = fila.get(columna)
        if valor in (None, "", "N/A"):
            return None
        return float(valor)

    for fila in filas:
        datos = {
            "nombre": fila["Name"],
            "peticiones": int(fila["Request Count"]),
            "fallas": int(fila["Failure Count"]),
            "por_segundo": numero(fila, "Requests/s"),
            "p50": numero(fila, "50%"),
            "p95": numero(fila, "95%"),
            "p99": numero(fila, "99%"),
        }
        if fila["Name"] != "Aggregated":
            r.por_pagina.append(datos)


def _margen_ingresos(usuarios: int, tasa: int) -> int:
    """Seconds to add to a run so that its steady window (after every login) lasts as asked:
    the spawn time plus the logins' password hashing (Argon2 on purpose) over the cores."""
    from django.contrib.auth.hashers import make_password

    clave = make_password("pmggt-bench-margen")
    inicio = time.perf_counter()
    check_password("pmggt-bench-margen", clave)
    hash_s = time.perf_counter() - inicio
    return int(usuarios / max(1, tasa) + 1.5 * usuarios * hash_s / (os.cpu_count() or 1)) + 5


def correr_carga(
    trabajadores: Trabajadores,
    personas_archivo: str,
    estaticos: str,
    carpeta: str,
    *,
    segundos: int,
    usuarios: int,
    tasa: int,
    margen: int = 0,
    avance=None,
) -> ResultadoCarga:
    """One gunicorn setting under locust for ``margen`` (logins) + ``segundos`` (browsing)."""
    avance = avance or (lambda texto: None)
    r = ResultadoCarga(trabajadores, segundos, usuarios)
    puerto = _puerto_libre()
    url = f"http://127.0.0.1:{puerto}"
    nombre = str(trabajadores).replace(" ", "-").replace("×", "x")
    registro = open(os.path.join(carpeta, f"gunicorn-{nombre}-{segundos}s.log"), "wb")  # noqa: SIM115
    proceso = subprocess.Popen(
        [
            _bin("gunicorn"),
            "pmggt.wsgi:application",
            "--bind",
            f"127.0.0.1:{puerto}",
            *trabajadores.argumentos(),
            "--timeout",
            "130",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=_entorno_servidor(estaticos),
        stdout=registro,
        stderr=subprocess.STDOUT,
    )
    try:
        _esperar(f"{url}/cuentas/ingresar/", proceso)
        avance(
            f"carga: {trabajadores}, {usuarios} usuarios, {margen} s de ingresos + {segundos} s "
            f"en {url}"
        )
        prefijo = os.path.join(carpeta, f"locust-{nombre}-{segundos}s")
        tiempos = f"{prefijo}_tiempos.json"
        entorno = dict(os.environ, BENCH_PERSONAS=personas_archivo, BENCH_TIEMPOS=tiempos)
        salida = subprocess.run(
            [
                _bin("locust"),
                "-f",
                str(Path(settings.BASE_DIR) / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(usuarios),
                "-r",
                str(tasa),
                "-t",
                f"{segundos + margen}s",
                "--host",
                url,
                "--csv",
                prefijo,
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
            ],
            cwd=settings.BASE_DIR,
            env=entorno,
            capture_output=True,
            text=True,
            timeout=segundos + margen + 180,
        )
        if not os.path.exists(f"{prefijo}_stats.csv"):
            r.error = (salida.stderr or salida.stdout or "locust no escribió resultados")[-2000:]
            return r
        _leer_csv(prefijo, r)
        if os.path.exists(tiempos):
            _leer_tiempos(tiempos, r)
    except Exception as exc:  # report it; the other configurations still run
        r.error = f"{type(exc).__name__}: {exc}"
    finally:
        _detener(proceso)
        registro.close()
    return r


def _collectstatic(destino: str, entorno: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=entorno,
        check=True,
        capture_output=True,
    )


def _mejor(resultados: list[ResultadoCarga]) -> ResultadoCarga | None:
    validos = [r for r in resultados if not r.error and r.peticiones]
    if not validos:
        return None
    # Fewest failures; then, among those within 5 % of the most requests/s (short runs on a
    # shared machine are noisy), the lowest p95.
    menos = min(r.fallas for r in validos)
    validos = [r for r in validos if r.fallas == menos]
    tope = max(r.por_segundo or 0 for r in validos)
    cerca = [r for r in validos if (r.por_segundo or 0) >= 0.95 * tope]
    return min(cerca, key=lambda r: r.p95 if r.p95 is not None else float("inf"))


@dataclass
class Carga:
    breves: list[ResultadoCarga]
    completa: ResultadoCarga | None
    mejor: ResultadoCarga | None
    personas: int
    mezcla: Counter
    carpeta: str
    segundos: float = 0.0


def carga(
    *,
    trabajadores: list[Trabajadores],
    breve: int = 20,
    completa: int | None = 90,
    usuarios: int = 50,
    tasa: int = 10,
    contrasena: str | None = None,
    carpeta: str | None = None,
    estaticos: str | None = None,
    avance=None,
) -> Carga:
    """Short runs of each worker setting; then (``completa`` seconds) the best one.

    ``estaticos``: a folder where ``collectstatic`` already ran (production settings); by
    default it runs into a temporary folder, removed at the end.
    """
    avance = avance or (lambda texto: None)
    inicio = time.perf_counter()
    carpeta = carpeta or tempfile.mkdtemp(prefix="pmggt-bench-carga-")
    os.makedirs(carpeta, exist_ok=True)
    datos = personas_carga(contrasena)
    propios = estaticos is None
    if propios:
        estaticos = tempfile.mkdtemp(prefix="pmggt-bench-static-")
    personas_archivo = os.path.join(carpeta, "personas.json")
    try:
        with open(personas_archivo, "w", encoding="utf-8") as archivo:
            json.dump(datos, archivo, ensure_ascii=False)
        os.chmod(personas_archivo, 0o600)
        if propios:
            avance("carga: collectstatic en una carpeta temporal")
            _collectstatic(estaticos, _entorno_servidor(estaticos))
        elif not os.path.exists(os.path.join(estaticos, "staticfiles.json")):
            raise FileNotFoundError(f"No hay manifiesto de collectstatic en {estaticos}.")
        margen = _margen_ingresos(usuarios, tasa)
        breves = []
        if breve and (len(trabajadores) > 1 or not completa):
            for t in trabajadores:
                breves.append(
                    correr_carga(
                        t,
                        personas_archivo,
                        estaticos,
                        carpeta,
                        segundos=breve,
                        usuarios=usuarios,
                        tasa=tasa,
                        margen=margen,
                        avance=avance,
                    )
                )
        mejor = _mejor(breves) if breves else None
        final = None
        if completa:
            elegido = mejor.trabajadores if mejor else trabajadores[0]
            final = correr_carga(
                elegido,
                personas_archivo,
                estaticos,
                carpeta,
                segundos=completa,
                usuarios=usuarios,
                tasa=tasa,
                margen=margen,
                avance=avance,
            )
    finally:
        if propios:
            shutil.rmtree(estaticos, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.remove(personas_archivo)  # it holds the bench password
    return Carga(
        breves=breves,
        completa=final,
        mejor=mejor,
        personas=len(datos["personas"]),
        mezcla=Counter(p["rol"] for p in datos["personas"]),
        carpeta=carpeta,
        segundos=time.perf_counter() - inicio,
    )


def _fila_carga(r: ResultadoCarga) -> str:
    if r.error:
        ultima = (r.error.strip().splitlines() or ["?"])[-1][:200].replace("|", "/")
        return f"| {r.trabajadores} | {r.segundos} s | error: {ultima} |||||||"
    return (
        f"| {r.trabajadores} | {r.segundos} s | {_num(r.ventana, 0)} s | {_num(r.por_segundo)} | "
        f"{_num(r.p50, 0)} | {_num(r.p95, 0)} | {_num(r.p99, 0)} | "
        f"{r.fallas} de {_num(r.peticiones, 0)} | {_num(r.ingreso_p50, 0)} / "
        f"{_num(r.ingreso_p95, 0)} ({r.ingresos_fallidos} fallidos de {r.ingresos}) |"
    )


def informe_carga(c: Carga) -> str:
    etiquetas = dict(Tipo.choices)
    lineas = [f"### Carga · {_base()}", ""]
    fecha = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    mezcla = ", ".join(f"{n} {etiquetas.get(t, t)}" for t, n in c.mezcla.most_common())
    corridas = [r for r in (c.completa, *c.breves) if r is not None]
    usuarios = corridas[0].usuarios if corridas else 0
    almacen = (
        "caché y sesiones en Redis"
        if os.environ.get("BENCH_REDIS_URL")
        else "sin Redis (sesiones en la base)"
    )
    lineas.append(
        f"Medido el {fecha} en {_maquina()}; gunicorn en 127.0.0.1 sin DEBUG, {almacen}, "
        "locust en la misma "
        f"máquina, {usuarios} usuarios que ingresan una vez cada uno por el formulario de "
        f"ingreso; personas: {mezcla}. {_num(c.segundos, 0)} s en total."
    )
    lineas.append("")
    lineas.append(
        "Peticiones/s, percentiles y errores: la navegación desde que terminó el último ingreso "
        "(ventana estable) hasta el final. Ingreso: p50 / p95 del POST del formulario (Argon2), "
        "aparte."
    )
    lineas.append("")
    encabezado = [
        "| trabajadores | duración | ventana | peticiones/s | p50 ms | p95 ms | p99 ms | errores "
        "| ingreso p50 / p95 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    if c.breves:
        lineas += ["#### Comparación breve de trabajadores", "", *encabezado]
        lineas += [_fila_carga(r) for r in c.breves]
        lineas.append("")
        for r in c.breves:
            if r.aviso:
                lineas += [f"> {r.trabajadores}: {r.aviso}.", ""]
        if c.mejor:
            lineas += [f"Mejor: **{c.mejor.trabajadores}**.", ""]
    if c.completa:
        r = c.completa
        lineas += [f"#### Carga completa ({r.trabajadores})", "", *encabezado, _fila_carga(r), ""]
        if r.aviso:
            lineas += [f"> {r.aviso}.", ""]
        if r.por_pagina:
            lineas += [
                "Por petición, en toda la carga (CSV de locust):",
                "",
                "| petición | cantidad | errores | p50 ms | p95 ms | p99 ms |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for f in sorted(r.por_pagina, key=lambda f: -(f["p95"] or 0)):
                lineas.append(
                    f"| {f['nombre']} | {_num(f['peticiones'], 0)} | {f['fallas']} | "
                    f"{_num(f['p50'], 0)} | {_num(f['p95'], 0)} | {_num(f['p99'], 0)} |"
                )
            lineas.append("")
    lineas += [f"Registros de gunicorn y CSV de locust en `{c.carpeta}`.", ""]
    return "\n".join(lineas)
