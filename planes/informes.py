"""The printed «Plan y Programa de Trabajo» (Etapa II), a PDF through the core's report toolkit.

What is printed
    ``pmggt.informes.pdf.datos_documento``: the live content while the Plan is in Borrador (for
    the Servicio's people), otherwise the frozen content of the current sent version; a GORE
    gets the last visado version cut to its regions (``contenido.recortar``). With
    ``?region=`` (``--region``) the content is cut to that region's part
    (``contenido.recortar_a``: national rows stay, they are no other region's). Until the Plan
    is Visado every page carries the BORRADOR watermark (the core's print base).

Layout (templates/planes/pdf/, static/planes/informe.css): A4 landscape throughout, as the
    Etapa I cuadros. Identification (Servicio, ministerio, año, estado, versión y hash, the
    visado Diagnóstico it reads); the objetivos generales; the objetivos específicos table
    (producto · objetivo recomendado · objetivo específico · ámbito · regiones · medidas ·
    variables externas) and the PROPIR commitments; the recommended objectives not taken up,
    with their reason; the information objectives and the procedure agreed with each GORE; the
    indicator sheet; the work programme's table and its Gantt chart (``planes.gantt.svgs``,
    cut into page-sized charts with the group headings repeated); the V°B° block. Tables
    repeat their header on every page.

Today's line of the Gantt depends on the day the PDF is printed: the report declares it in
``presentacion`` (the key of a stored visado PDF, ``pmggt.informes.cache``), so a stored PDF is
printed again the next day rather than showing yesterday as today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from pmggt.etapas import Informe
from pmggt.informes.pdf import RegionNoEncontrada, datos_documento
from pmggt.texto import bloques

from . import contenido as cmod
from . import gantt

NOMBRE = "plan"
TITULO = "Plan y Programa de Trabajo"
# Rows of one Gantt chart, i.e. of one landscape page (below the section heading on the first).
FILAS_GANTT = gantt.FILAS_POR_PAGINA
ANCHO_GANTT = 1000  # px: the width of a landscape A4 page's text (26.7 cm) at 96 px/in


def datos_informe(documento, usuario=None) -> dict:
    """Content, identification and V°B° of the Plan as this user must see it printed."""
    return datos_documento(documento, usuario)


def codigos_region(datos: dict) -> set[str]:
    """Region codes the report can be filtered by: the Servicio's Centros' regions (a Servicio
    without Centros: its own region, if it is a regional Servicio)."""
    c = cmod.completo(datos["contenido"])
    codigos = {r["codigo"] for r in c["regiones"] if r["codigo"]}
    if not codigos and datos["servicio"].get("region_codigo"):
        codigos = {datos["servicio"]["region_codigo"]}
    return codigos


def _regiones_pdf(documento) -> set[str]:
    return codigos_region(datos_informe(documento))


# --- Presentation model -----------------------------------------------------------------------


def _nombres_region(c: dict) -> dict:
    return {r["codigo"]: r["nombre"] for r in c["regiones"] if r["codigo"]}


def _region(codigo, nombres: dict) -> str:
    if not codigo:
        return gantt.NACIONAL
    nombre = nombres.get(codigo)
    return f"{nombre} ({codigo})" if nombre else f"Región {codigo}"


def _dmy(iso: str) -> str:
    if not iso:
        return ""
    anio, mes, dia = iso.split("-")
    return f"{dia}-{mes}-{anio}"


def _vinculo(objetivo, objetivo_informacion) -> str:
    partes = []
    if objetivo:
        partes.append(f"Objetivo específico {objetivo}")
    if objetivo_informacion:
        partes.append(f"Objetivo de información {objetivo_informacion}")
    return "; ".join(partes)


def _objetivos(c: dict, nombres: dict) -> tuple[list[dict], dict]:
    medidas: dict = {}
    for m in c["medidas"]:
        medidas.setdefault((m["tipo"], m["objetivo"]), []).append(bloques(m["descripcion"]))
    # One printed row per Cuadro I N°1 row an objective takes up, the objective's own cells on
    # its first one (the next ones leave them blank, as a merged cell): a page then breaks
    # between rows and repeats the table's header, even for an objective of 15 regions.
    objetivos = []
    for o in c["objetivos"]:
        propios = {
            "descripcion": bloques(o["descripcion"]),
            "fundamento": bloques(o["fundamento"]),
            "ambito": cmod.AMBITOS.get(o["ambito"], ""),
            "regiones": cmod.texto_regiones(o["regiones"], c),
            "medidas": medidas.get(("medida", o["numero"]), []),
            "variables": medidas.get(("variable", o["numero"]), []),
        }
        for i, f in enumerate(o["filas"] or [None]):
            objetivos.append(
                {
                    "numero": o["numero"],
                    "primera": i == 0,
                    "fila": (
                        {
                            "region": _region(f["region"], nombres),
                            "producto": bloques(f["producto"]),
                            "objetivo": bloques(f["objetivo"]),
                        }
                        if f
                        else None
                    ),
                    **(propios if i == 0 else {}),
                }
            )
    numeros = {o["numero"] for o in c["objetivos"]}
    generales = {
        "medidas": [
            b
            for (tipo, n), lista in medidas.items()
            if tipo == "medida" and n not in numeros
            for b in lista
        ],
        "variables": [
            b
            for (tipo, n), lista in medidas.items()
            if tipo == "variable" and n not in numeros
            for b in lista
        ],
    }
    return objetivos, generales


def _procedimientos(c: dict, nombres: dict) -> list[dict]:
    grupos: list[dict] = []
    for p in c["procedimientos"]:
        if not grupos or grupos[-1]["codigo"] != p["region"]:
            grupos.append(
                {"codigo": p["region"], "region": _region(p["region"], nombres), "filas": []}
            )
        grupos[-1]["filas"].append(
            {
                "informacion": cmod.INFORMACION.get(p["informacion"], p["informacion"]),
                "objetivo_informacion": p["objetivo_informacion"],
                "formato": bloques(p["formato"]),
                "contenido": bloques(p["contenido"]),
                "periodicidad": cmod.texto_periodicidad(p),
                "canal": cmod.texto_canal(p),
                "responsable_servicio": p["responsable_servicio"],
                "responsable_gore": p["responsable_gore"],
                "instrumento": cmod.texto_instrumento(p),
                "estado": cmod.ESTADOS_PROCEDIMIENTO.get(p["estado"], ""),
                "motivo": bloques(p["motivo_no_aplica"]) if p["estado"] == "no_aplica" else [],
            }
        )
    return grupos


def contexto(datos: dict, region: str | None = None, hoy: date | None = None) -> dict:
    """Everything the template prints, user text split into blocks (escaped by the template)."""
    c = cmod.completo(datos["contenido"])
    if region is not None:
        if region not in codigos_region(datos):
            raise RegionNoEncontrada(f"El documento no tiene la región «{region}».")
        c = cmod.recortar_a(c, {region})
    nombres = _nombres_region(cmod.completo(datos["contenido"]))
    objetivos, generales = _objetivos(c, nombres)
    return {
        "d": datos,
        "titulo_informe": TITULO,
        "region": region,
        "region_nombre": _region(region, nombres) if region else "",
        "diagnostico": c["diagnostico"],
        "regiones": [_region(r["codigo"], nombres) for r in c["regiones"] if r["codigo"]],
        "objetivo_general_pt": bloques(c["objetivo_general_pt"]),
        "objetivo_general_informacion": bloques(c["objetivo_general_informacion"]),
        "objetivos": objetivos,
        "medidas_generales": generales["medidas"],
        "variables_generales": generales["variables"],
        "propir": [
            {
                "region": _region(p["region"], nombres),
                "objetivo": p["objetivo"],
                "descripcion": bloques(p["descripcion"]),
                "monto": f"{p['monto']:,}".replace(",", ".") if p["monto"] is not None else "",
            }
            for p in c["propir"]
        ],
        "no_abordados": [
            {
                "region": _region(n["region"], nombres),
                "producto": bloques(n["producto"]),
                "objetivo": bloques(n["objetivo"]),
                "motivo": bloques(n["motivo"]),
            }
            for n in c["no_abordados"]
        ],
        "objetivos_informacion": [
            {
                "numero": o["numero"],
                "primera": i == 0,
                "informacion": cmod.INFORMACION.get(o["informacion"], o["informacion"]),
                "descripcion": bloques(o["descripcion"]) if i == 0 else [],
                "fila": (
                    {"region": _region(f["region"], nombres), "objetivo": bloques(f["objetivo"])}
                    if f
                    else None
                ),
            }
            for o in c["objetivos_informacion"]
            for i, f in enumerate(o["filas"] or [None])
        ],
        "procedimientos": _procedimientos(c, nombres),
        "indicadores": [
            {
                "numero": i["numero"],
                "nombre": i["nombre"],
                "region": _region(i["region"], nombres),
                "formula": i["formula"],
                "numerador": i["numerador"],
                "denominador": i["denominador"],
                "unidad": i["unidad"],
                "meta": cmod.texto_meta(i),
                "medio_verificacion": bloques(i["medio_verificacion"]),
                "instrumento_recoleccion": i["instrumento_recoleccion"],
                "instrumento_sistematizacion": i["instrumento_sistematizacion"],
                "nota_tecnica": bloques(i["nota_tecnica"]),
                "objetivo": _vinculo(i["objetivo"], i["objetivo_informacion"]),
                "se_mide": "Sí" if i["se_mide"] else "No",
            }
            for i in c["indicadores"]
        ],
        "actividades": [
            {
                "region": _region(a["region"], nombres),
                "tipo": "Hito" if a["tipo"] == "hito" else "Actividad",
                "descripcion": bloques(a["descripcion"]),
                "inicio": "" if a["tipo"] == "hito" else _dmy(a["inicio"]),
                "plazo": _dmy(a["plazo"]),
                "responsable": a["responsable"],
                "objetivo": _vinculo(a["objetivo"], a["objetivo_informacion"]),
                "medio_verificacion": bloques(a["medio_verificacion"]),
            }
            for a in c["actividades"]
        ],
        "gantt": gantt.svgs(
            c, filas_por_pagina=FILAS_GANTT, hoy=hoy, ancho=ANCHO_GANTT, anio=datos["anio"]
        ),
    }


def html_informe(datos: dict, region: str | None = None, hoy: date | None = None) -> str:
    """The (escaped) HTML of the printed Plan; ``hoy``: the day of the Gantt's today line."""
    return render_to_string("planes/pdf/plan.html", contexto(datos, region, hoy))


def construir(documento, region=None, usuario=None) -> str:
    return html_informe(datos_informe(documento, usuario), region, timezone.localdate())


def presentacion(documento) -> dict:
    """What the PDF prints besides the document: the day of the Gantt's today line."""
    return {"hoy": timezone.localdate().isoformat()}


@dataclass(frozen=True)
class InformePlan(Informe):
    """A report of Etapa II; ``presentacion`` goes into the key of a stored visado PDF."""

    presentacion: Callable | None = None


INFORMES = (
    InformePlan(
        NOMBRE,
        TITULO,
        "pdf",
        construir,
        regiones=_regiones_pdf,
        presentacion=presentacion,
    ),
)
