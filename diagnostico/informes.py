"""PDF reports of the Diagnóstico (Etapa I): Cuadro I N°1, Cuadro I N°2 and the Informe Etapa I.

What is printed
    ``datos_informe`` chooses the content: the live content while the document is in Borrador,
    otherwise the frozen content of the current sent version (``VersionDocumento.contenido``),
    so a PDF always shows exactly what the Jefe/a approved or SUBDERE visó. Until the document
    is Visado every page carries a diagonal BORRADOR watermark.

Layout (templates/diagnostico/pdf/, static/pmggt/informe.css, static/diagnostico/informe.css)
    The cuadros follow the printed forms (seeds 000 and 004): A4 landscape, one section per
    region from north to south; on every page the table's header repeats the cuadro's title —
    each with its reference to the Diagnóstico's objectives in the Ciclo's wording — and the
    column heads with the
    note numbers (1)…(5); the notes' text, in the Ciclo's wording (``diagnostico.formato``),
    closes each table and never prints apart from its last row. Column (1) prints the
    Servicio's own text (``producto_texto``, paragraphs kept) or else the linked products; a
    row whose column (1) says the same as the previous row's (or nothing) leaves it blank, as
    a merged cell; column (2) opens each run of rows of the same causales with its heading. A
    row longer than what is left of a page is cut into printed rows by ``paginado`` (a page
    plan made before rendering): the continuation starts the next page and repeats the
    product cell (Cuadro I N°2: the Información cell) marked «(cont.)». The Informe Etapa I
    follows MIDEPLAN's 2009 report (seed 004): cover, índice, I–IV text chapters (portrait) and
    V the cuadros region by region (landscape).

Rendering, the URL fetcher, the time cap, the print base layout and the V°B° block are the
core's (``pmggt.informes``); this module builds what Etapa I prints and declares its reports
(``INFORMES``, registered in ``diagnostico.etapa.ETAPA``). What they print besides the document
(the Ciclo's wording) goes into the key of a stored visado PDF (``InformeDiagnostico.presentacion``,
read by ``pmggt.informes.cache``): a reworded Ciclo prints its visado PDFs again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string

from pmggt.etapas import Informe
from pmggt.informes import pdf as pdf_nucleo
from pmggt.informes.pdf import InformeError, RegionNoEncontrada, datos_documento
from pmggt.texto import bloques

from . import contenido as contenido_mod
from . import formato as formato_mod
from . import paginado
from .models import Causal, FacultadDesconcentrada, FilaCuadro2

NOMBRES = ("cuadro1", "cuadro2", "etapa1")

# The defaults of a Ciclo's wording (diagnostico.formato), under their old names.
TITULO_CUADRO1 = formato_mod.TITULO_CUADRO1
TITULO_CUADRO2 = formato_mod.TITULO_CUADRO2
NOTAS_CUADRO2 = formato_mod.POR_OMISION.notas2(0)
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
    """The default notes (1)–(5) of Cuadro I N°1 (SUBDERE's form, seed 000) for that year."""
    return formato_mod.POR_OMISION.notas1(anio)


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
SIN_DEFINIR = "Sin definir"


def datos_informe(documento, usuario=None) -> dict:
    """Content, identification and V°B° of the Diagnóstico as this user must see it printed."""
    return datos_documento(documento, usuario)


# ---------------------------------------------------------------------------------------------
# Presentation model (everything the templates need, user text already split into blocks)


def _clave_numero(numero: str) -> list[int]:
    return [int(x) if x.isdigit() else 0 for x in str(numero).split(".")]


def _nivel(numero: str) -> int:
    return str(numero).count(".") + 1


def _ancestros(numero: str) -> list[str]:
    """1.1.2 → ["1.1", "1"]."""
    partes = str(numero).split(".")
    return [".".join(partes[:i]) for i in range(len(partes) - 1, 0, -1)]


def _productos_de_fila(numeros: list[str], por_numero: dict) -> list[dict]:
    """The row's products in tree order, with their ancestors as context (as in seed 004)."""
    propios = set(numeros)
    todos = set(numeros)
    for numero in numeros:
        todos.update(a for a in _ancestros(numero) if a in por_numero)
    return [
        {
            "numero": n,
            "nombre": por_numero.get(n, {}).get("nombre", ""),
            "nivel": min(_nivel(n), 4),
            "contexto": n not in propios,
        }
        for n in sorted(todos, key=_clave_numero)
    ]


def con_titulo(titulo: str, referencia: str) -> str:
    return f"{titulo} {referencia}".strip() if referencia else titulo


def aplica_efectivo(productos: list[dict]) -> dict:
    """{numero: "aplica" | "no_aplica" | ""}: a product's own answer, else its nearest
    ancestor's (a subproduct left «Sin definir» follows its product, as in diagnostico.envio)."""
    propio = {p["numero"]: p.get("aplica_pt", "") for p in productos}
    return {
        numero: next((propio[n] for n in [numero, *_ancestros(numero)] if propio.get(n)), "")
        for numero in propio
    }


def sin_definir_con_filas(contenido: dict) -> list[str]:
    """Numbers of the products that Cuadro I N°1 rows are linked to while it is still «Sin
    definir» whether they apply the perspectiva territorial (neither they nor a product above
    them says): the PT table warns about them, in the PDF and on the document page."""
    productos = contenido.get("productos") or []
    efectivo = aplica_efectivo(productos)
    vinculados = {n for f in contenido.get("cuadro1") or [] for n in f.get("productos") or []}
    return sorted(
        (p["numero"] for p in productos if p["numero"] in vinculados and not efectivo[p["numero"]]),
        key=_clave_numero,
    )


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


# ---------------------------------------------------------------------------------------------
# The cuadros' rows, cut where a page ends (diagnostico.paginado)

_ANCHOS1 = [paginado.ancho_texto(p) for p in paginado.COLUMNAS_CUADRO1]
_ANCHOS2 = [paginado.ancho_texto(p) for p in paginado.COLUMNAS_CUADRO2]
_CONT = paginado.LINEA + paginado.MARGEN_PRODUCTO  # the «(cont.)» line of a repeated cell


def _filas_cuadro1(filas: list[dict], por_numero: dict) -> list[dict]:
    """Each row of one region's Cuadro I N°1, with its column (1) and its causal heading."""
    encabezados = contenido_mod.encabezados_causal(filas)
    resultado = []
    anterior = None
    for f, encabezado in zip(filas, encabezados, strict=True):
        texto = (f.get("producto_texto") or "").strip()
        numeros = list(f.get("productos") or [])
        columna1 = ("texto", texto) if texto else ("productos", tuple(numeros))
        vacia = not texto and not numeros
        # Same column (1) as the previous row (or none): blank, as a merged cell of the form.
        continua = anterior is not None and (vacia or columna1 == anterior["columna1"])
        if continua:
            producto_texto, productos = anterior["producto_texto"], anterior["productos"]
            columna1 = anterior["columna1"]
        else:
            producto_texto = bloques(texto) if texto else []
            productos = [] if texto else _productos_de_fila(numeros, por_numero)
        if producto_texto:
            alto = paginado.alto_bloques(
                producto_texto,
                _ANCHOS1[0],
                paginado.MARGEN_PRODUCTO,
                paginado.MARGEN_PRODUCTO,
                guiones=False,
            )
        else:
            alto = paginado.alto_lineas(
                [
                    (
                        f"{p['numero']}{'.' if p['nivel'] == 1 else ''} {p['nombre']}",
                        p["nivel"] == 1,
                        paginado.SANGRIA_NIVEL[p["nivel"]],
                    )
                    for p in productos
                ],
                _ANCHOS1[0],
            )
        celdas = [
            paginado.Celda(
                paginado.piezas(bloques(f.get(campo, ""))),
                ancho,
                encabezado=f"{encabezado}:" if campo == "avance" and encabezado else "",
            )
            for campo, ancho in zip(contenido_mod.CAMPOS_CUADRO1, _ANCHOS1[1:], strict=True)
        ]
        fila = {
            "id": f.get("id"),
            "columna1": columna1,
            "producto_texto": producto_texto,
            "productos": productos,
            "causal": encabezado,
            "plan": paginado.FilaPlan(celdas, alto, alto + _CONT, continua=continua),
        }
        resultado.append(fila)
        anterior = fila
    return resultado


def _filas_cuadro2(filas: list[dict]) -> list[dict]:
    """The four rows of one region's Cuadro I N°2, in the forms' order."""
    por_info = {f.get("informacion"): f for f in filas}
    resultado = []
    for clave, etiqueta in INFORMACION_PDF.items():
        f = por_info.get(clave) or {}
        alto = paginado.lineas(etiqueta, _ANCHOS2[0], negrita=True) * paginado.LINEA
        celdas = [
            paginado.Celda(paginado.piezas(bloques(f.get(campo, ""))), ancho)
            for campo, ancho in zip(contenido_mod.CAMPOS_CUADRO2, _ANCHOS2[1:], strict=True)
        ]
        resultado.append(
            {
                "id": f.get("id"),
                "informacion": etiqueta,
                "plan": paginado.FilaPlan(celdas, alto, alto + _CONT),
            }
        )
    return resultado


def _impresas(filas: list[dict], trozos: list[paginado.Trozo], campos: list[str]) -> list[dict]:
    """The printed rows (trozos) as the templates draw them."""
    resultado = []
    for t in trozos:
        f = filas[t.fila]
        resultado.append(
            {
                **{k: v for k, v in f.items() if k not in ("plan", "columna1")},
                "trozo": t.numero,
                "cont": t.cont,
                "salto": t.salto,
                "larga": t.larga,
                "plan": {"pagina": t.pagina, "arriba": t.arriba, "alto": t.alto},
                "continua": f["plan"].continua and not t.cont,
                "causal": f.get("causal", "") if t.numero == 0 else "",
                **dict(zip(campos, t.bloques, strict=True)),
            }
        )
    return resultado


def _alto_no_pertinente(titulo: str, motivo) -> float:
    """The «no pertinente» box of Cuadro I N°2 (9.5 pt text, padded, in a 0.6 pt frame)."""
    ancho = paginado.ANCHO - 16 - 1.2
    linea = 9.5 * 1.3
    lineas = paginado.lineas(titulo, ancho, 9.5, negrita=True, guiones=False) + 1
    lineas += sum(paginado.lineas(b.texto or " ".join(b.items), ancho, 9.5) for b in motivo)
    return lineas * linea + 4 * (len(motivo) + 2) + 12 + 1.2 + 16


def secciones_region(
    datos: dict,
    region: str | None = None,
    *,
    formato: formato_mod.Formato | None = None,
    disposicion: str = "cuadro1",
) -> list[dict]:
    """The report's regional sections, north to south, each with its Cuadro I N°1/N°2 rows as
    printed (cut into trozos where a page ends).

    ``region``: a region code to print only that region (``RegionNoEncontrada`` if the document
    has no such region). ``disposicion``: the report the sections are laid out for (the
    informe's name): its first region starts below the report's title, and in the Informe
    Etapa I each region's Cuadro I N°2 follows its Cuadro I N°1 on the same pages.
    """
    formato = formato or formato_mod.POR_OMISION
    contenido = datos["contenido"]
    servicio = datos["servicio"]
    regiones = _regiones(datos)
    filas1 = contenido.get("cuadro1") or []
    cuadro2 = contenido.get("cuadro2") or {}
    filas2 = cuadro2.get("filas") or []
    if region is not None:
        regiones = [r for r in regiones if r["efectivo"] == region]
        if not regiones:
            raise RegionNoEncontrada(f"El documento no tiene la región «{region}».")
    no_pertinente = bool(cuadro2.get("no_pertinente"))
    anio = datos["anio"]
    notas1 = paginado.alto_notas(formato.notas1(anio))
    notas2 = paginado.alto_notas(formato.notas2(anio))
    titulo2 = con_titulo(formato.titulo_cuadro2, formato.referencia_cuadro2)
    cabecera2 = paginado.alto_cabecera(titulo2, COLUMNAS_CUADRO2, paginado.COLUMNAS_CUADRO2)
    por_numero = {p["numero"]: p for p in contenido.get("productos") or []}
    secciones = []
    for i, r in enumerate(regiones):
        propias1 = [f for f in filas1 if f.get("region") == r["codigo"]]
        etiqueta = _etiqueta_region(r, servicio)
        titulo1 = con_titulo(formato.titulo_cuadro1, formato.referencia_cuadro1)
        pliego = paginado.Pliego(
            paginado.alto_inicio(disposicion, i == 0, r["nombre"], r.get("centro", ""), datos)
        )
        vm1 = _filas_cuadro1(propias1, por_numero)
        vm2 = _filas_cuadro2([f for f in filas2 if f.get("region") == r["codigo"]])
        cuadro1 = cuadro2_impreso = []
        if disposicion in ("cuadro1", "etapa1"):
            cabecera1 = paginado.alto_cabecera(titulo1, COLUMNAS_CUADRO1, paginado.COLUMNAS_CUADRO1)
            trozos = pliego.tabla(cabecera1, [f["plan"] for f in vm1], notas1)
            cuadro1 = _impresas(vm1, trozos, contenido_mod.CAMPOS_CUADRO1)
        if disposicion in ("cuadro2", "etapa1"):
            if no_pertinente:
                pliego.bloque(_alto_no_pertinente(titulo2, bloques(cuadro2.get("motivo", ""))))
            else:
                margen = paginado.SEPARACION_CUADROS if disposicion == "etapa1" else 0.0
                trozos = pliego.tabla(cabecera2, [f["plan"] for f in vm2], notas2, margen)
                cuadro2_impreso = _impresas(vm2, trozos, contenido_mod.CAMPOS_CUADRO2)
        secciones.append(
            {
                "codigo": r["codigo"],
                "efectivo": r["efectivo"],
                "nombre": r["nombre"],
                "centro": r.get("centro", ""),
                "etiqueta": etiqueta,
                "titulo_cuadro1": titulo1,
                "titulo_cuadro2": titulo2,
                "cuadro1": cuadro1,
                "cuadro2": cuadro2_impreso,
                "paginas": pliego.paginas,  # as planned (tests compare it with the render)
            }
        )
    return secciones


def _contexto_comun(datos: dict, formato: formato_mod.Formato) -> dict:
    contenido = datos["contenido"]
    cuadro2 = contenido.get("cuadro2") or {}
    return {
        "d": datos,
        "c": contenido,
        "columnas_cuadro1": COLUMNAS_CUADRO1,
        "columnas_cuadro2": COLUMNAS_CUADRO2,
        "titulo_cuadro2": con_titulo(formato.titulo_cuadro2, formato.referencia_cuadro2),
        "notas_cuadro1": formato.notas1(datos["anio"]),
        "notas_cuadro2": formato.notas2(datos["anio"]),
        "cuadro2_no_pertinente": bool(cuadro2.get("no_pertinente")),
        "cuadro2_motivo": bloques(cuadro2.get("motivo", "")),
    }


def _portada(servicio: dict) -> dict:
    """The cover's lines: the ministry once, then the Servicio's name without it when the name
    already starts with it ("Ministerio de Planificación – Subsecretaría de Planificación"), or
    nothing more when the Servicio is the ministry itself (SEGPRES)."""

    def plano(texto):
        return " ".join((texto or "").split()).casefold()

    ministerio = (servicio.get("ministerio") or "").strip()
    nombre = (servicio.get("nombre") or "").strip()
    if ministerio and plano(nombre) == plano(ministerio):
        nombre = ""
    elif ministerio and plano(nombre).startswith(plano(ministerio)):
        nombre = nombre[len(ministerio) :].strip(" \t–—-,:·")
    return {"ministerio": ministerio, "servicio": nombre}


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
    avisos = set(sin_definir_con_filas(contenido))
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
                    p.get("aplica_pt", ""), SIN_DEFINIR
                ),
                # Cuadro I N°1 rows point at it, yet nobody said whether it applies the PT.
                "aviso": p["numero"] in avisos,
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
        if p["nivel"] > 1 and p["aplica"] == SIN_DEFINIR and es_hijo:
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
        "portada": _portada(datos["servicio"]),
        "avisos_pt": bool(avisos),
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


def formato_de(datos: dict) -> formato_mod.Formato:
    """The wording of the document's Ciclo (one query)."""
    return formato_mod.de_ciclo(datos["documento"].ciclo_id if "documento" in datos else None)


def html_informe(
    datos: dict,
    informe: str,
    region: str | None = None,
    formato: formato_mod.Formato | None = None,
) -> str:
    """The (escaped) HTML of one report; region only applies to the cuadros. ``formato``: the
    Ciclo's wording (read from the database when not given)."""
    if informe not in NOMBRES:
        raise InformeError(f"Informe desconocido: «{informe}».")
    if formato is None:
        formato = formato_de(datos)
    contexto = _contexto_comun(datos, formato)
    contexto["region"] = region
    contexto["titulo_informe"] = paginado.TITULOS_INFORME.get(informe, "")
    if informe == "etapa1":
        contexto["secciones"] = secciones_region(datos, formato=formato, disposicion=informe)
        contexto.update(_contexto_etapa1(datos))
    else:
        contexto["secciones"] = secciones_region(
            datos, region, formato=formato, disposicion=informe
        )
    return render_to_string(f"diagnostico/pdf/{informe}.html", contexto)


def _construir(informe: str):
    def construir(documento, region=None, usuario=None) -> str:
        return html_informe(datos_informe(documento, usuario), informe, region)

    return construir


def presentacion(documento) -> dict:
    """What the reports print besides the document: the wording of its Ciclo's cuadros."""
    return {"formato_cuadros": formato_mod.de_ciclo(documento.ciclo_id).huella()}


@dataclass(frozen=True)
class InformeDiagnostico(Informe):
    """A report of Etapa I. ``presentacion(documento)`` describes (JSON) what it prints besides
    the document, for the key of a stored visado PDF (``pmggt.informes.cache``)."""

    presentacion: Callable | None = None


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
    InformeDiagnostico(
        "cuadro1",
        "Cuadro I N°1",
        "pdf",
        _construir("cuadro1"),
        regiones=_regiones_pdf,
        presentacion=presentacion,
    ),
    InformeDiagnostico(
        "cuadro2",
        "Cuadro I N°2",
        "pdf",
        _construir("cuadro2"),
        regiones=_regiones_pdf,
        presentacion=presentacion,
    ),
    InformeDiagnostico(
        "etapa1",
        "Informe Etapa I",
        "pdf",
        _construir("etapa1"),
        solo_servicio=True,
        presentacion=presentacion,
    ),
)
