"""What the Diagnóstico still lacks before it is sent (``EtapaDef.lista_envio``), and which
region's part an observación points into (``EtapaDef.partes_de_campos``).

The checklist is built from the canonical content the document page already built once
(``versiones.contenido_vigente``): no query per region, product or row, only URL reversing.

What the Guía requires blocks sending (``bloquea``): the misión, at least one objetivo
estratégico, whether the perspectiva territorial applies to every product (a product or
subproduct left «Sin definir» follows its parent: it blocks only when neither it nor any
product above it says), the fundamento of a product that does not apply it, and at least one
Cuadro I N°1 row in each region. Everything else the per-region summary of the document page
lists (``contenido.faltantes_por_region``: empty cells, rows without their product, Cuadro I
N°2 rows not filled) and the missing clientes only warn.
"""

from django.urls import reverse

from pmggt import acceso
from pmggt.etapas import Pendiente

from .contenido import faltantes_por_region

MISION = "Falta la misión institucional."
OBJETIVOS = "Debe registrar al menos un objetivo estratégico."
# The per-region summary's item that blocks (``faltantes_por_region``); the rest only warn.
SIN_FILAS = "Cuadro I N°1 sin filas"


def _corto(texto: str, largo: int = 60) -> str:
    texto = " ".join((texto or "").split())
    return texto if len(texto) <= largo else texto[: largo - 1].rstrip() + "…"


def _aplica_efectivo(productos: list) -> dict:
    """{numero: "aplica" | "no_aplica" | ""}: each product's own answer, else its nearest
    parent's (by the dotted numbers: 1.1.2 → 1.1 → 1)."""
    propio = {p["numero"]: p.get("aplica_pt", "") for p in productos}
    efectivo = {}
    for numero in propio:
        partes = numero.split(".")
        valor = ""
        while partes and not valor:
            valor = propio.get(".".join(partes), "")
            partes.pop()
        efectivo[numero] = valor
    return efectivo


def _nombre_region(region: dict) -> str:
    if region.get("codigo"):
        return f"{region['nombre']} ({region['codigo']})"
    return "Cuadros del Servicio"


def lista_envio(documento, contenido: dict) -> list[Pendiente]:
    """The checklist of this Diagnóstico: the Servicio's part first, then each region's, north
    to south."""
    pk = documento.pk
    editar = reverse("diagnostico:editar", args=[pk])
    url_productos = reverse("diagnostico:productos", args=[pk])
    pendientes = []
    if not (contenido.get("mision") or "").strip():
        pendientes.append(Pendiente(MISION, True, f"{editar}#id_def-mision"))
    if not contenido.get("objetivos_estrategicos"):
        pendientes.append(Pendiente(OBJETIVOS, True, editar))
    productos = contenido.get("productos") or []
    if not productos:
        pendientes.append(
            Pendiente("Aún no hay productos estratégicos registrados.", False, url_productos)
        )
    efectivo = _aplica_efectivo(productos)
    for p in productos:
        nombre = f"Producto {p['numero']} «{_corto(p.get('nombre', ''))}»"
        if not efectivo.get(p["numero"]):
            pendientes.append(
                Pendiente(
                    f"{nombre}: indique si aplica o no la perspectiva territorial "
                    "(está «Sin definir»).",
                    True,
                    url_productos,
                )
            )
        elif p.get("aplica_pt") == "no_aplica" and not (p.get("fundamento") or "").strip():
            pendientes.append(
                Pendiente(
                    f"{nombre}: no aplica la perspectiva territorial; falta su fundamento.",
                    True,
                    url_productos,
                )
            )
        elif (
            p.get("aplica_pt") == "aplica"
            and not p.get("causales")
            and not (p.get("causal_texto") or "").strip()
        ):
            pendientes.append(
                Pendiente(
                    f"{nombre}: aplica la perspectiva territorial pero no indica su causal.",
                    False,
                    url_productos,
                )
            )
    if not contenido.get("clientes"):
        pendientes.append(
            Pendiente(
                "Faltan los clientes / usuarios / beneficiarios.",
                False,
                reverse("diagnostico:clientes", args=[pk]),
            )
        )
    faltantes = faltantes_por_region(contenido)
    for region in contenido.get("regiones") or []:
        codigo = region.get("codigo")
        cuadro = reverse("diagnostico:cuadro", args=[pk, codigo or acceso.SERVICIO])
        for falta in faltantes.get(codigo, []):
            if falta == SIN_FILAS:
                texto = (
                    f"{_nombre_region(region)}: el Cuadro I N°1 no tiene filas "
                    "(debe tener al menos una)."
                )
                pendientes.append(Pendiente(texto, True, f"{cuadro}#cuadro1", codigo))
            else:
                ancla = "#cuadro2" if falta.startswith("Cuadro I N°2") else "#cuadro1"
                pendientes.append(Pendiente(falta, False, f"{cuadro}{ancla}", codigo))
    return pendientes


def bloqueos(documento, contenido: dict) -> list[str]:
    """Why the document cannot be sent (``validar_envio``): the checklist's blocking items."""
    return [p.texto for p in lista_envio(documento, contenido) if p.bloquea]


def partes_de_campos(documento, campos) -> dict:
    """{campo: region code (None: a Servicio without Centros)} of the observación keys that
    point at a cuadro cell ("c1:<row id>:<column>", "c2:<row id>:<column>") of a row that
    still exists; the rest (the Servicio's fields) are left out.

    The rows' Centros come from what the page already loaded (``contenido.recordar_filas``:
    the document page records every row, a cuadro page its region's); any other row costs one
    query for all of them (``contenido._centro_de_fila``), never one per observación."""
    from .contenido import _centro_de_fila, _memo

    codigos = {c.pk: c.region.codigo for c in acceso.centros_del_servicio(documento)}
    partes = {}
    for campo in campos:
        tabla, _, resto = campo.partition(":")
        fila, _, columna = resto.partition(":")
        if tabla not in ("c1", "c2") or not fila.isdigit() or not columna:
            continue
        centro_id = _centro_de_fila(documento, tabla, int(fila))
        if (tabla, int(fila)) not in _memo(documento)["filas"]:
            continue  # a row deleted since: the observación is only in the general list
        partes[campo] = codigos.get(centro_id) if centro_id is not None else None
    return partes
