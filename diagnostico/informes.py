"""PDF reports of the Diagnóstico (Etapa I): Cuadro I N°1, Cuadro I N°2 and the Informe Etapa I.

What is printed
    ``datos_informe`` chooses the content: the live content while the document is in Borrador,
    otherwise the frozen content of the current sent version (``VersionDocumento.contenido``),
    so a PDF always shows exactly what the Jefe/a approved or SUBDERE visó. Until the document
    is Visado every page carries a diagonal BORRADOR watermark.

Layout (templates/diagnostico/pdf/, static/pmggt/informe.css)
    The cuadros follow the printed SUBDERE forms (seeds 000 and 004): A4 landscape, one section
    per region from north to south, the note numbers (1)…(5) in the column headers and the
    notes' text under each table. The Informe Etapa I follows MIDEPLAN's 2009 report (seed 004):
    cover, índice, I–IV text chapters (portrait) and V the cuadros region by region (landscape).

Rendering, the URL fetcher, the time cap, the print base layout and the V°B° block are the
core's (``pmggt.informes``); this module builds what Etapa I prints and declares its reports
(``INFORMES``, registered in ``diagnostico.etapa.ETAPA``).
"""

from __future__ import annotations

from django.template.loader import render_to_string

from pmggt.etapas import Informe
from pmggt.informes import pdf as pdf_nucleo
from pmggt.informes.pdf import InformeError, RegionNoEncontrada, datos_documento
from pmggt.texto import bloques

from . import contenido as contenido_mod
from .models import Causal, FacultadDesconcentrada, FilaCuadro2

NOMBRES = ("cuadro1", "cuadro2", "etapa1")

TITULO_CUADRO1 = "Cuadro I. N°1: Objetivos recomendados al Plan GT como mejoramiento de productos"
TITULO_CUADRO2 = (
    "Cuadro I. N°2: Objetivos recomendados al Plan en materia de mejoras a los sistemas de "
    "información institucional"
)
COLUMNAS_CUADRO1 = [
    "Producto/subproductos estratégicos (1)",
    "Avance existente aplicando la PT (2)",
    "Mejora prevista que se proyecta lograr (3)",
    "Medidas necesarias que acompañen las mejoras (4)",
    "Objetivo recomendado al Plan GT (5)",
]
COLUMNAS_CUADRO2 = [
    "Información",
    "Medidas para proveer información a la jefatura regional (1)",
    "Medidas para proveer información al GORE (2)",
    "Objetivo recomendado al plan (3)",
]


def notas_cuadro1(anio) -> list[str]:
    """Notes (1)–(5) of the SUBDERE form (seed 000), with the cycle's year in note (1)."""
    return [
        f"(1) Usar el listado de productos y subproductos vigentes en el {anio} según A-1 "
        "aprobado por DIPRES.",
        "(2) Señalar el avance existente en la aplicación de la perspectiva territorial para "
        "cada una de las causales por las cuales aplica el producto.",
        "(3) Identificar la mejora prevista que se proyecta viable de incorporar al plan y "
        "programa de trabajo.",
        "(4) Identificar las medidas de la autoridad necesarias de tomar para garantizar la "
        "aplicación de las mejoras (incluye medidas identificadas para objetivo 2 y 3).",
        "(5) Identificar Objetivo Específico que exprese el conjunto de mejoras identificadas "
        "como posibles y convenientes de realizar, asociadas a cada producto/subproducto.",
    ]


# The seeds print the note numbers of Cuadro I N°2 but not their text: these notes state the
# columns' meaning from the Guía (seed 003, 6.2.1 point 5).
NOTAS_CUADRO2 = [
    "(1) Medidas para que la jefatura regional del Servicio disponga de información por región "
    "sobre la oferta de productos, la localización y características de los clientes, usuarios "
    "y beneficiarios, el gasto anual programado (incluidas las inversiones comprometidas con la "
    "región) y los compromisos de gasto o inversión formalizados en convenios o programas de "
    "complementariedad territorial.",
    "(2) Medidas para proveer regularmente al Gobierno Regional la información de interés "
    "regional, considerando al menos la anterior.",
    "(3) Identificar el objetivo que exprese las mejoras a los sistemas de información de la "
    "institución que se recomiendan al Plan GT.",
]

# Row labels of Cuadro I N°2 as printed in the forms (seeds 000 and 004).
INFORMACION_PDF = {
    FilaCuadro2.Informacion.OFERTA: "Oferta de productos/subproductos en la región o territorios",
    FilaCuadro2.Informacion.CLIENTES: (
        "Localización y características de clientes, usuarios o beneficiarios atendidos por "
        "producto en la región o territorios"
    ),
    FilaCuadro2.Informacion.GASTO: "Programa de gasto o inversión en la región",
    FilaCuadro2.Informacion.CONVENIOS: (
        "Compromisos de gasto o inversión formalizados en convenios o programas de "
        "complementariedad territorial"
    ),
}
CAUSALES = dict(Causal.choices)

# A row whose longest cell is shorter than this (characters, with paragraph breaks counted as
# a line's worth) is kept on one page; longer rows may split so they never leave a page empty.
LIMITE_FILA_ENTERA = 700


def datos_informe(documento, usuario=None) -> dict:
    """Content, identification and V°B° of the Diagnóstico as this user must see it printed."""
    return datos_documento(documento, usuario)


# ---------------------------------------------------------------------------------------------
# Presentation model (everything the templates need, user text already split into blocks)


def _clave_numero(numero: str) -> list[int]:
    return [int(x) if x.isdigit() else 0 for x in str(numero).split(".")]


def _nivel(numero: str) -> int:
    return str(numero).count(".") + 1


def _peso(partes) -> int:
    """Rough height of a cell's blocks: characters plus a line's worth per paragraph/item."""
    return sum(
        len(b.texto) + sum(len(item) for item in b.items) + 35 * max(1, len(b.items))
        for b in partes
    )


def _productos_de_fila(numeros: list[str], por_numero: dict) -> list[dict]:
    """The row's products in tree order, with their ancestors as context (as in seed 004)."""
    propios = set(numeros)
    todos = set(numeros)
    for numero in numeros:
        partes = str(numero).split(".")
        for i in range(1, len(partes)):
            ancestro = ".".join(partes[:i])
            if ancestro in por_numero:
                todos.add(ancestro)
    return [
        {
            "numero": n,
            "nombre": por_numero.get(n, {}).get("nombre", ""),
            "nivel": min(_nivel(n), 4),
            "contexto": n not in propios,
        }
        for n in sorted(todos, key=_clave_numero)
    ]


def _etiqueta_region(region: dict, servicio: dict) -> str:
    if region["codigo"] is not None:
        return " · ".join(x for x in (region["nombre"], region.get("centro")) if x)
    if region.get("nivel_central"):
        return "Nivel central"
    return servicio["region_nombre"] or "Nivel nacional"


def _regiones(datos: dict) -> list[dict]:
    """The document's regions, north to south, each with its effective region code.

    A Servicio without Centros has one entry (code None) that belongs to the Servicio's own
    region, if it is a regional Servicio. Rows of the Servicio itself in a Servicio with Centros
    make a first "Nivel central" section.
    """
    contenido = datos["contenido"]
    servicio = datos["servicio"]
    regiones = [dict(r) for r in contenido.get("regiones") or []]
    for r in regiones:
        r["efectivo"] = r["codigo"] if r["codigo"] is not None else servicio["region_codigo"]
    filas = [
        *(contenido.get("cuadro1") or []),
        *((contenido.get("cuadro2") or {}).get("filas") or []),
    ]
    codigos = {r["codigo"] for r in regiones}
    if None not in codigos and any(f.get("region") is None for f in filas):
        regiones.insert(
            0,
            {
                "codigo": None,
                "nombre": "Nivel central",
                "centro": "",
                "efectivo": None,
                "nivel_central": True,
            },
        )
    return regiones


def codigos_region(datos: dict) -> set[str]:
    """Region codes a report of this document can be filtered by."""
    return {r["efectivo"] for r in _regiones(datos) if r["efectivo"] is not None}


def secciones_region(datos: dict, region: str | None = None) -> list[dict]:
    """The report's regional sections, north to south, each with its Cuadro I N°1/N°2 rows.

    ``region``: a region code to print only that region (``RegionNoEncontrada`` if the document
    has no such region).
    """
    contenido = datos["contenido"]
    servicio = datos["servicio"]
    regiones = _regiones(datos)
    filas1 = contenido.get("cuadro1") or []
    filas2 = (contenido.get("cuadro2") or {}).get("filas") or []
    if region is not None:
        regiones = [r for r in regiones if r["efectivo"] == region]
        if not regiones:
            raise RegionNoEncontrada(f"El documento no tiene la región «{region}».")

    por_numero = {p["numero"]: p for p in contenido.get("productos") or []}
    secciones = []
    for r in regiones:
        propias1 = [f for f in filas1 if f.get("region") == r["codigo"]]
        filas_vm = []
        anterior = None
        for f in propias1:
            productos = list(f.get("productos") or [])
            celdas = {c: bloques(f.get(c, "")) for c in contenido_mod.CAMPOS_CUADRO1}
            peso = max(_peso(partes) for partes in celdas.values())
            filas_vm.append(
                {
                    "id": f.get("id"),
                    "productos": _productos_de_fila(productos, por_numero),
                    "continua": anterior is not None and productos == anterior,
                    "causal": CAUSALES.get(f.get("causal"), ""),
                    "larga": peso > LIMITE_FILA_ENTERA,
                    **celdas,
                }
            )
            anterior = productos
        por_info = {f.get("informacion"): f for f in filas2 if f.get("region") == r["codigo"]}
        filas2_vm = []
        for clave, etiqueta in INFORMACION_PDF.items():
            f = por_info.get(clave) or {}
            celdas = {c: bloques(f.get(c, "")) for c in contenido_mod.CAMPOS_CUADRO2}
            peso = max(_peso(partes) for partes in celdas.values())
            filas2_vm.append(
                {"informacion": etiqueta, "larga": peso > LIMITE_FILA_ENTERA, **celdas}
            )
        secciones.append(
            {
                "codigo": r["codigo"],
                "efectivo": r["efectivo"],
                "nombre": r["nombre"],
                "centro": r.get("centro", ""),
                "etiqueta": _etiqueta_region(r, servicio),
                "cuadro1": filas_vm,
                "cuadro2": filas2_vm,
            }
        )
    return secciones


def _contexto_comun(datos: dict, region: str | None) -> dict:
    contenido = datos["contenido"]
    cuadro2 = contenido.get("cuadro2") or {}
    return {
        "d": datos,
        "c": contenido,
        "region": region,
        "columnas_cuadro1": COLUMNAS_CUADRO1,
        "columnas_cuadro2": COLUMNAS_CUADRO2,
        "titulo_cuadro1": TITULO_CUADRO1,
        "titulo_cuadro2": TITULO_CUADRO2,
        "notas_cuadro1": notas_cuadro1(datos["anio"]),
        "notas_cuadro2": NOTAS_CUADRO2,
        "cuadro2_no_pertinente": bool(cuadro2.get("no_pertinente")),
        "cuadro2_motivo": bloques(cuadro2.get("motivo", "")),
    }


def _contexto_etapa1(datos: dict) -> dict:
    contenido = datos["contenido"]
    regiones = contenido.get("regiones") or []
    nombre_region = {r["codigo"]: r["nombre"] for r in regiones}
    orden_region = {r["codigo"]: i for i, r in enumerate(regiones)}
    encargados = contenido.get("encargados") or []

    def lineas(texto):
        return [x.strip() for x in (texto or "").splitlines() if x.strip()]

    central = [
        {
            "unidad": e.get("unidad", ""),
            "nombres": lineas(e["nombres"]),
            "correos": lineas(e.get("correos")),
        }
        for e in encargados
        if e.get("region") is None
    ]
    regionales = sorted(
        (
            {
                "region": nombre_region.get(e["region"], e["region"]),
                "unidad": e.get("unidad", ""),
                "nombres": lineas(e["nombres"]),
                "correos": lineas(e.get("correos")),
                "orden": orden_region.get(e["region"], len(regiones)),
            }
            for e in encargados
            if e.get("region") is not None
        ),
        key=lambda e: e["orden"],
    )
    objetivos = [
        {"numero": o["numero"], "descripcion": bloques(o["descripcion"])}
        for o in contenido.get("objetivos_estrategicos") or []
    ]
    productos = []
    for p in sorted(contenido.get("productos") or [], key=lambda p: _clave_numero(p["numero"])):
        nivel = _nivel(p["numero"])
        productos.append(
            {
                "numero": p["numero"],
                "nombre": p["nombre"],
                "nivel": min(nivel, 4),
                "rotulo": {1: "Producto", 2: "Subproducto"}.get(nivel, "Producto específico"),
                "objetivos": ", ".join(str(o) for o in p.get("objetivos") or []),
                "aplica": {"aplica": "Aplica", "no_aplica": "No aplica"}.get(
                    p.get("aplica_pt", ""), "Sin definir"
                ),
                "causales": [CAUSALES[c] for c in p.get("causales") or [] if c in CAUSALES],
                "causal_texto": bloques(p.get("causal_texto", "")),
                "fundamento": bloques(p.get("fundamento", "")),
            }
        )
    # Chapter IV: one row per product with its own decision (and every level-1 product); the
    # descendants without one are listed inside their ancestor's cell, as in seed 004.
    perspectiva = []
    for p in productos:
        ancestro = perspectiva[-1] if perspectiva else None
        es_hijo = ancestro is not None and p["numero"].startswith(ancestro["numero"] + ".")
        if p["nivel"] > 1 and p["aplica"] == "Sin definir" and es_hijo:
            ancestro["incluye"].append(p)
        else:
            perspectiva.append({**p, "incluye": []})
    ambitos = dict(FacultadDesconcentrada.Ambito.choices)
    situaciones = dict(FacultadDesconcentrada.Situacion.choices)
    facultades = [
        {
            "ambito": ambitos.get(f["ambito"], f["ambito"]),
            "situacion": situaciones.get(f["situacion"], f["situacion"]),
            "descripcion": bloques(f["descripcion"]),
        }
        for f in contenido.get("facultades") or []
    ]
    sistemas = [
        {"nombre": s["nombre"], "datos_regionales": bloques(s["datos_regionales"])}
        for s in contenido.get("sistemas_informacion") or []
    ]
    capitulos = [
        ("cap-presentacion", "I", "Presentación"),
        ("cap-encargados", "II", "Encargados de Gestión Territorial"),
        ("cap-productos", "III", "Objetivos, productos y subproductos estratégicos"),
        ("cap-perspectiva", "IV", "Productos y subproductos que aplican perspectiva territorial"),
        ("cap-cuadros", "V", "Cuadros sinópticos del diagnóstico, región por región"),
    ]
    romanos = iter(["VI", "VII"])
    if facultades:
        capitulos.append(("cap-facultades", next(romanos), "Facultades desconcentradas"))
    if sistemas:
        capitulos.append(("cap-sistemas", next(romanos), "Sistemas de información"))
    return {
        "presentacion": bloques(contenido.get("presentacion", "")),
        "mision": bloques(contenido.get("mision", "")),
        "objetivos": objetivos,
        "productos": productos,
        "perspectiva": perspectiva,
        "clientes": contenido.get("clientes") or [],
        "encargados_central": central,
        "encargados_regionales": regionales,
        "facultades": facultades,
        "sistemas": sistemas,
        "capitulos": [{"id": i, "numero": n, "titulo": t} for i, n, t in capitulos],
        "capitulo_facultades": next((n for i, n, _ in capitulos if i == "cap-facultades"), ""),
        "capitulo_sistemas": next((n for i, n, _ in capitulos if i == "cap-sistemas"), ""),
    }


def html_informe(datos: dict, informe: str, region: str | None = None) -> str:
    """The (escaped) HTML of one report; region only applies to the cuadros."""
    if informe not in NOMBRES:
        raise InformeError(f"Informe desconocido: «{informe}».")
    contexto = _contexto_comun(datos, region)
    if informe == "etapa1":
        contexto["secciones"] = secciones_region(datos)
        contexto.update(_contexto_etapa1(datos))
    else:
        contexto["secciones"] = secciones_region(datos, region)
    return render_to_string(f"diagnostico/pdf/{informe}.html", contexto)


def _construir(informe: str):
    def construir(documento, region=None, usuario=None) -> str:
        return html_informe(datos_informe(documento, usuario), informe, region)

    return construir


def _regiones_pdf(documento) -> set[str]:
    return codigos_region(datos_informe(documento))


def _generar(documento, informe: str, region: str | None = None) -> bytes:
    return pdf_nucleo.renderizar(_construir(informe)(documento, region)).contenido


def pdf_cuadro1(documento, region=None) -> bytes:
    return _generar(documento, "cuadro1", region)


def pdf_cuadro2(documento, region=None) -> bytes:
    return _generar(documento, "cuadro2", region)


def pdf_informe_etapa1(documento) -> bytes:
    return _generar(documento, "etapa1")


INFORMES = (
    Informe("cuadro1", "Cuadro I N°1", "pdf", _construir("cuadro1"), regiones=_regiones_pdf),
    Informe("cuadro2", "Cuadro I N°2", "pdf", _construir("cuadro2"), regiones=_regiones_pdf),
    Informe("etapa1", "Informe Etapa I", "pdf", _construir("etapa1"), solo_servicio=True),
)
