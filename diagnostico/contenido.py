"""The Diagnóstico's canonical content, its flattening, send checks and document-page context
(declared to the core in diagnostico.etapa).

The canonical content (what a version freezes, what reports and Excel read) is a plain dict:

{
  "presentacion": str, "mision": str,
  "objetivos_estrategicos": [{"numero": int, "descripcion": str}],
  "productos": [{"numero": "1.1", "nombre": str, "objetivos": [int],
                 "aplica_pt": "" | "aplica" | "no_aplica",
                 "causales": ["diseno" | "acceso" | "coordinacion"],
                 "causal_texto": str, "fundamento": str}],          # tree order
  "clientes": [{"numero": int, "nombre": str, "productos": ["1", "2.1"]}],
  "regiones": [{"codigo": "I" | null, "nombre": str, "centro": str}], # north to south;
                                   # one entry with codigo null for a Servicio without Centros
  "cuadro1": [{"id": int, "region": "I" | null, "producto_texto": str,  # column (1) as written
               "productos": ["1", "1.1"],                                 # linked products
               "causales": ["diseno" | "coordinacion" | "acceso"],        # printed order; may be []
               "avance": str, "mejora": str, "medidas": str, "objetivo": str}],  # in order
  "cuadro2": {"no_pertinente": bool, "motivo": str,
              "filas": [{"id": int, "region": "I" | null,
                         "informacion": "oferta" | "clientes" | "gasto" | "convenios",
                         "medidas_jefatura": str, "medidas_gore": str, "objetivo": str}]},
  "facultades": [{"ambito": str, "situacion": str, "descripcion": str}],
  "sistemas_informacion": [{"nombre": str, "datos_regionales": str}],
  "encargados": [{"region": "I" | null, "unidad": str, "nombres": str, "correos": str}],
}

Versions frozen before a key existed simply lack it: readers use .get() with defaults.
Versions frozen before December 2026 have one "causal" per Cuadro I N°1 row instead of
"causales" and no "producto_texto": read rows through ``causales_de`` (never f["causales"]).
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connections, router
from django.db.models import BigIntegerField, BooleanField, F, IntegerField, TextField, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from pmggt import acceso, fragmentos
from pmggt.models import Centro, Documento, Servicio

from .models import (
    Causal,
    Cliente,
    Diagnostico,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
    lista_causales,
)

CAMPOS_CUADRO1 = ["avance", "mejora", "medidas", "objetivo"]


ETIQUETA_PRODUCTO_TEXTO = "Producto/subproductos estratégicos"


def nombre_fila(fila: dict) -> str:
    """How a Cuadro I N°1 row is named in messages: the start of its column (1) text, as the
    page and the print show it, else its linked products' numbers."""
    texto = " ".join((fila.get("producto_texto") or "").split())
    if texto:
        return f"«{texto[:40].rstrip()}…»" if len(texto) > 40 else f"«{texto}»"
    if fila.get("productos"):
        return ", ".join(fila["productos"])
    return "fila sin producto"


def encabezados_causal(filas: list[dict]) -> list[str]:
    """The causal heading each Cuadro I N°1 row of one region prints at the top of its column
    (2), as the web page and the PDF show it: the labels of its causales (joined with " · ")
    on the first row of a run of consecutive rows with the same causales, "" on the rest of the
    run and on rows with no causal (a Servicio that does not group its rows by causal).

    A row covering several causales whose column (2) already names each of them (the Servicio
    wrote one sub-heading per causal inside the cell, as Atacama's first row in seed 004) prints
    no heading of its own: it would say the same thing twice."""
    etiquetas = dict(Causal.choices)
    resultado, anterior = [], None
    for fila in filas:
        codigos = causales_de(fila)
        if codigos and codigos != anterior and not _nombra_sus_causales(fila, codigos):
            resultado.append(" · ".join(etiquetas[c] for c in codigos if c in etiquetas))
        else:
            resultado.append("")
        anterior = codigos
    return resultado


# What a Servicio's own sub-heading of each causal always says (seeds 000 and 004: "Asociado(s)
# al diseño y/o características…", "En materia de coordinación y/o complementariedad…",
# "Asociado(s) a la reducción de inequidad territorial…").
_PALABRAS_CAUSAL = {
    "diseno": "diseño",
    "coordinacion": "coordinación",
    "acceso": "inequidad territorial",
}


def _nombra_sus_causales(fila: dict, codigos: list[str]) -> bool:
    if len(codigos) < 2:
        return False
    avance = (fila.get("avance") or "").lower()
    return all(_PALABRAS_CAUSAL[c] in avance for c in codigos if c in _PALABRAS_CAUSAL)


def causales_de(fila: dict) -> list[str]:
    """The causal codes of a Cuadro I N°1 row of canonical content, also of a version frozen
    when a row had exactly one "causal"."""
    if "causales" in fila:
        return list(fila.get("causales") or [])
    return [fila["causal"]] if fila.get("causal") else []


CAMPOS_CUADRO2 = ["medidas_jefatura", "medidas_gore", "objetivo"]
ETIQUETAS_CUADRO1 = {
    "avance": "Avance existente aplicando la PT",
    "mejora": "Mejora prevista que se proyecta lograr",
    "medidas": "Medidas necesarias que acompañen las mejoras",
    "objetivo": "Objetivo recomendado al Plan GT",
}
ETIQUETAS_CUADRO2 = {
    "medidas_jefatura": "Medidas para proveer información a la jefatura regional",
    "medidas_gore": "Medidas para proveer información al GORE",
    "objetivo": "Objetivo recomendado al plan",
}


# --- Loading: the whole Diagnóstico in one query ---------------------------------------------
#
# The content is made of ten tables (the Diagnóstico, its lists, the three many-to-many links)
# plus the Servicio and its Centros. ``cargar`` reads them all in one UNION ALL query whose
# every branch has the same columns: (table, id, 5 integers, 6 texts), NULL where a table has
# fewer; rows are then ordered here as each model orders them.

_ENTEROS = 5
_TEXTOS = 6
(
    _DIAGNOSTICO,
    _OBJETIVO,
    _PRODUCTO,
    _CLIENTE,
    _FILA1,
    _FILA2,
    _FACULTAD,
    _SISTEMA,
    _ENCARGADO,
    _PRODUCTO_OBJETIVO,
    _CLIENTE_PRODUCTO,
    _FILA_PRODUCTO,
    _CENTRO,
    _SERVICIO,
) = range(14)


def _entero(modelo, campo: str):
    """A numeric column; a boolean as 0/1 (every branch's column must be of one kind)."""
    if "__" not in campo and isinstance(modelo._meta.get_field(campo), BooleanField):
        return Cast(F(campo), IntegerField())
    return F(campo)


def _rama(filas, tabla: int, pk: str, enteros=(), textos=()):
    """One branch of the query: the columns (tabla, pk, *enteros, *textos), padded with typed
    NULLs."""
    columnas = [Value(tabla, output_field=IntegerField()), F(pk)]
    columnas += [_entero(filas.model, c) for c in enteros]
    columnas += [Cast(Value(None), BigIntegerField()) for _ in range(_ENTEROS - len(enteros))]
    columnas += [Cast(F(c), TextField()) for c in textos]
    columnas += [Cast(Value(None), TextField()) for _ in range(_TEXTOS - len(textos))]
    return filas.order_by().values_list(*columnas)


def _consulta(servicio_id: int, *, documento_id=None, diagnostico_id=None):
    """The UNION ALL query of every row of a document's content (see ``_leer``), found by its
    document or, with no join, by its Diagnóstico."""
    if diagnostico_id is not None:
        raiz = {"pk": diagnostico_id}
        d = {"diagnostico_id": diagnostico_id}
    else:
        raiz = {"documento_id": documento_id}
        d = {"diagnostico__documento_id": documento_id}
    ramas = [
        _rama(
            Diagnostico.objects.filter(**raiz),
            _DIAGNOSTICO,
            "pk",
            ["cuadro2_no_pertinente"],
            ["presentacion", "mision", "cuadro2_motivo"],
        ),
        _rama(
            ObjetivoEstrategico.objects.filter(**d), _OBJETIVO, "pk", ["numero"], ["descripcion"]
        ),
        _rama(
            ProductoEstrategico.objects.filter(**d),
            _PRODUCTO,
            "pk",
            ["orden", "causal_diseno", "causal_acceso", "causal_coordinacion"],
            ["numero", "nombre", "aplica_pt", "causal_texto", "fundamento"],
        ),
        _rama(Cliente.objects.filter(**d), _CLIENTE, "pk", ["numero"], ["nombre"]),
        _rama(
            FilaCuadro1.objects.filter(**d),
            _FILA1,
            "pk",
            ["orden", "centro_id"],
            ["causales", "producto_texto", *CAMPOS_CUADRO1],
        ),
        _rama(
            FilaCuadro2.objects.filter(**d),
            _FILA2,
            "pk",
            ["centro_id"],
            ["informacion", *CAMPOS_CUADRO2],
        ),
        _rama(
            FacultadDesconcentrada.objects.filter(**d),
            _FACULTAD,
            "pk",
            [],
            ["ambito", "situacion", "descripcion"],
        ),
        _rama(
            SistemaInformacion.objects.filter(**d),
            _SISTEMA,
            "pk",
            [],
            ["nombre", "datos_regionales"],
        ),
        _rama(
            EncargadoRed.objects.filter(**d),
            _ENCARGADO,
            "pk",
            ["centro_id"],
            ["unidad", "nombres", "correos"],
        ),
        _rama(
            ProductoEstrategico.objetivos.through.objects.filter(
                **{f"productoestrategico__{k}": v for k, v in d.items()}
            ),
            _PRODUCTO_OBJETIVO,
            "productoestrategico_id",
            ["objetivoestrategico_id"],
        ),
        _rama(
            Cliente.productos.through.objects.filter(**{f"cliente__{k}": v for k, v in d.items()}),
            _CLIENTE_PRODUCTO,
            "cliente_id",
            ["productoestrategico_id"],
        ),
        _rama(
            FilaCuadro1.productos.through.objects.filter(
                **{f"filacuadro1__{k}": v for k, v in d.items()}
            ),
            _FILA_PRODUCTO,
            "filacuadro1_id",
            ["productoestrategico_id"],
        ),
        _rama(
            Centro.objects.filter(servicio_id=servicio_id),
            _CENTRO,
            "pk",
            ["region__orden"],
            ["region__codigo", "region__nombre", "nombre"],
        ),
        _rama(Servicio.objects.filter(pk=servicio_id), _SERVICIO, "pk", [], ["nombre"]),
    ]
    return ramas[0].union(*ramas[1:], all=True)


# The query has the same shape for every document: only the ids change. Building and
# compiling its fourteen branches costs far more than running it, so its SQL is compiled once
# per database and shape (with marker ids in place of the real ones) and reused with the real
# ids in their place.
_MARCA_DOCUMENTO = -918_273_645_001
_MARCA_DIAGNOSTICO = -918_273_645_002
_MARCA_SERVICIO = -918_273_645_003
_SQL_LEER: dict = {}


def _sql_leer(alias: str, por_diagnostico: bool):
    """(sql, params with the markers, converters) of ``_consulta`` on this database, or None
    when the database backend converts some column (then it runs through the ORM each time).
    The converters left are the expressions' own (``int()`` of the integer columns), applied
    as the ORM applies them."""
    clave = (alias, por_diagnostico)
    if clave not in _SQL_LEER:
        if por_diagnostico:
            consulta = _consulta(_MARCA_SERVICIO, diagnostico_id=_MARCA_DIAGNOSTICO)
            marcas = {_MARCA_DIAGNOSTICO, _MARCA_SERVICIO}
        else:
            consulta = _consulta(_MARCA_SERVICIO, documento_id=_MARCA_DOCUMENTO)
            marcas = {_MARCA_DOCUMENTO, _MARCA_SERVICIO}
        compilador = consulta.query.get_compiler(using=alias)
        sql, params = compilador.as_sql()
        columnas = [s[0] for s in compilador.select[: compilador.col_count]]
        conexion = connections[alias]
        usable = marcas <= set(params) and not any(
            conexion.ops.get_db_converters(c) for c in columnas
        )
        convertidores = list(compilador.get_converters(columnas).items())
        _SQL_LEER[clave] = (sql, tuple(params), convertidores) if usable else None
    return _SQL_LEER[clave]


def _diagnostico_cargado(documento):
    """The document's Diagnóstico if it came with the document (``pmggt.acceso`` joins it),
    else None: asking for it would cost a query."""
    if not Documento.diagnostico.is_cached(documento):
        return None
    try:
        return documento.diagnostico
    except Diagnostico.DoesNotExist:
        return None


def _leer(documento) -> dict:
    """{table: [(pk, enteros, textos)]} of every row of the document's content (one query)."""
    alias = router.db_for_read(Diagnostico)
    diagnostico = _diagnostico_cargado(documento)
    ids = {"documento_id": documento.pk}
    if diagnostico is not None:
        ids = {"diagnostico_id": diagnostico.pk}
    compilada = _sql_leer(alias, diagnostico is not None)
    if compilada is None:
        filas = _consulta(documento.servicio_id, **ids).using(alias)
    else:
        sql, marcadas, convertidores = compilada
        reales = {
            _MARCA_DOCUMENTO: documento.pk,
            _MARCA_DIAGNOSTICO: diagnostico.pk if diagnostico is not None else None,
            _MARCA_SERVICIO: documento.servicio_id,
        }
        params = [reales.get(p, p) if isinstance(p, int) else p for p in marcadas]
        conexion = connections[alias]
        with conexion.cursor() as cursor:
            cursor.execute(sql, params)
            filas = [list(fila) for fila in cursor.fetchall()]
        for fila in filas:
            for posicion, (funciones, expresion) in convertidores:
                for funcion in funciones:
                    fila[posicion] = funcion(fila[posicion], expresion, conexion)
    tablas = {t: [] for t in range(14)}
    for tabla, pk, *valores in filas:
        tablas[tabla].append((pk, valores[:_ENTEROS], valores[_ENTEROS:]))
    return tablas


def _fila(pk, **campos) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, **campos)


def _centros_de(tablas) -> list:
    """The Servicio's Centros (pk, nombre, region: codigo, nombre, orden), north to south."""
    centros = [
        _fila(pk, nombre=t[2], region=SimpleNamespace(orden=e[0], codigo=t[0], nombre=t[1]))
        for pk, e, t in tablas[_CENTRO]
    ]
    return sorted(centros, key=lambda c: (c.region.orden, c.pk))


def centros_del_servicio(servicio) -> list:
    """The Servicio's Centros with their regions, north to south (one query)."""
    centros = Centro.objects.filter(servicio=servicio).select_related("region")
    return sorted(centros, key=lambda c: c.region.orden)


_CENTROS = "_diagnostico_centros"


def centros_del_documento(documento) -> list:
    """The Servicio's Centros (pk, nombre, region.codigo/nombre/orden), north to south, kept on
    the document instance: a page and the content it shows read them once."""
    if _CENTROS not in documento.__dict__:
        documento.__dict__[_CENTROS] = centros_del_servicio(documento.servicio_id)
    return documento.__dict__[_CENTROS]


@dataclass
class Carga:
    """Everything the Diagnóstico's content is made of, read at once (``cargar``): rows with
    the models' field names, each list in its model's order."""

    diagnostico: SimpleNamespace
    servicio_nombre: str
    centros: list  # the Servicio's Centros (with their regions), north to south
    objetivos: list
    productos: list  # in tree order
    clientes: list
    filas_cuadro1: list  # in the cuadro's order
    filas_cuadro2: list  # in the cuadro's order (by region, then type of information)
    facultades: list
    sistemas: list
    encargados: list
    enlaces: dict  # {("p", producto) | ("c", cliente) | ("f", fila C1): [ids]}

    def __post_init__(self):
        self._por_pk = {c.pk: c for c in self.centros}

    def _centro(self, centro_id):
        if centro_id not in self._por_pk:  # a Centro of another Servicio: not in practice
            self._por_pk[centro_id] = Centro.objects.select_related("region").get(pk=centro_id)
        return self._por_pk[centro_id]

    def codigo(self, centro_id):
        """The region code of a row's Centro (None: the Servicio's own part)."""
        return self._centro(centro_id).region.codigo if centro_id is not None else None

    def orden_region(self, centro_id):
        """Where a row's region goes, north to south (the Servicio's own part first)."""
        return (1, self._centro(centro_id).region.orden) if centro_id is not None else (0, 0)


def cargar(documento: Documento) -> Carga:
    """The whole Diagnóstico of a document, read in one query whatever its size."""
    tablas = _leer(documento)
    if not tablas[_DIAGNOSTICO]:
        raise Diagnostico.DoesNotExist(f"El documento {documento.pk} no tiene Diagnóstico.")
    ((pk, e, t),) = tablas[_DIAGNOSTICO]
    diagnostico = _fila(
        pk, cuadro2_no_pertinente=bool(e[0]), presentacion=t[0], mision=t[1], cuadro2_motivo=t[2]
    )
    centros = documento.__dict__[_CENTROS] = _centros_de(tablas)
    enlaces = {}
    for tabla, clave in (
        (_PRODUCTO_OBJETIVO, "p"),
        (_CLIENTE_PRODUCTO, "c"),
        (_FILA_PRODUCTO, "f"),
    ):
        for origen, e, _t in tablas[tabla]:
            enlaces.setdefault((clave, origen), []).append(e[0])
    productos = sorted(
        (
            _fila(
                pk,
                orden=e[0],
                causal_diseno=bool(e[1]),
                causal_acceso=bool(e[2]),
                causal_coordinacion=bool(e[3]),
                numero=t[0],
                nombre=t[1],
                aplica_pt=t[2],
                causal_texto=t[3],
                fundamento=t[4],
            )
            for pk, e, t in tablas[_PRODUCTO]
        ),
        key=lambda p: (p.orden, p.pk),
    )
    carga = Carga(
        diagnostico=diagnostico,
        servicio_nombre=tablas[_SERVICIO][0][2][0],
        centros=centros,
        objetivos=sorted(
            (_fila(pk, numero=e[0], descripcion=t[0]) for pk, e, t in tablas[_OBJETIVO]),
            key=lambda o: (o.numero, o.pk),
        ),
        productos=orden_arbol(productos),
        clientes=sorted(
            (_fila(pk, numero=e[0], nombre=t[0]) for pk, e, t in tablas[_CLIENTE]),
            key=lambda c: (c.numero, c.pk),
        ),
        filas_cuadro1=[],
        filas_cuadro2=[],
        facultades=sorted(
            (
                _fila(pk, ambito=t[0], situacion=t[1], descripcion=t[2])
                for pk, e, t in tablas[_FACULTAD]
            ),
            key=lambda f: (f.ambito, f.pk),
        ),
        sistemas=sorted(
            (_fila(pk, nombre=t[0], datos_regionales=t[1]) for pk, e, t in tablas[_SISTEMA]),
            key=lambda s: s.pk,
        ),
        encargados=[],
        enlaces=enlaces,
    )
    filas1 = [
        _fila(
            pk,
            orden=e[0],
            centro_id=e[1],
            causales=t[0],
            producto_texto=t[1],
            **dict(zip(CAMPOS_CUADRO1, t[2:], strict=True)),
        )
        for pk, e, t in tablas[_FILA1]
    ]
    carga.filas_cuadro1 = sorted(
        filas1, key=lambda f: (carga.orden_region(f.centro_id), f.orden, f.pk)
    )
    orden_info = {valor: i for i, valor in enumerate(FilaCuadro2.Informacion.values)}
    filas2 = [
        _fila(
            pk,
            centro_id=e[0],
            informacion=t[0],
            **dict(zip(CAMPOS_CUADRO2, t[1 : 1 + len(CAMPOS_CUADRO2)], strict=True)),
        )
        for pk, e, t in tablas[_FILA2]
    ]
    carga.filas_cuadro2 = sorted(
        filas2,
        key=lambda f: (carga.orden_region(f.centro_id), orden_info.get(f.informacion, 99), f.pk),
    )
    encargados = [
        _fila(pk, centro_id=e[0], unidad=t[0], nombres=t[1], correos=t[2])
        for pk, e, t in tablas[_ENCARGADO]
    ]
    carga.encargados = sorted(encargados, key=lambda x: (carga.orden_region(x.centro_id), x.pk))
    return carga


def orden_arbol(productos) -> list:
    """Products in tree order (1, 1.1, 1.1.1, 1.2, 2…) from their dotted numbers."""

    def clave(p):
        return [int(x) if x.isdigit() else 0 for x in p.numero.split(".")]

    return sorted(productos, key=clave)


def _clave_numero(numero: str) -> list:
    return [int(x) for x in numero.split(".") if x.isdigit()]


def regiones_de(centros, servicio_nombre: str) -> list[dict]:
    if not centros:
        return [{"codigo": None, "nombre": servicio_nombre, "centro": ""}]
    return [
        {"codigo": c.region.codigo, "nombre": c.region.nombre, "centro": c.nombre} for c in centros
    ]


def regiones_del_servicio(servicio) -> list[dict]:
    return regiones_de(centros_del_servicio(servicio), servicio.nombre)


def contenido_de(carga: Carga) -> dict:
    """The canonical content (see the module doc) of what ``cargar`` loaded: no queries."""
    diagnostico = carga.diagnostico
    numero_de = {p.pk: p.numero for p in carga.productos}
    objetivo_de = {o.pk: o.numero for o in carga.objetivos}
    enlaces = carga.enlaces

    def numeros(tabla, pk):
        return sorted((numero_de[p] for p in enlaces.get((tabla, pk), ())), key=_clave_numero)

    return {
        "presentacion": diagnostico.presentacion,
        "mision": diagnostico.mision,
        "objetivos_estrategicos": [
            {"numero": o.numero, "descripcion": o.descripcion} for o in carga.objetivos
        ],
        "productos": [
            {
                "numero": p.numero,
                "nombre": p.nombre,
                "objetivos": sorted(objetivo_de[o] for o in enlaces.get(("p", p.pk), ())),
                "aplica_pt": p.aplica_pt,
                "causales": [
                    c
                    for c, activa in (
                        ("diseno", p.causal_diseno),
                        ("acceso", p.causal_acceso),
                        ("coordinacion", p.causal_coordinacion),
                    )
                    if activa
                ],
                "causal_texto": p.causal_texto,
                "fundamento": p.fundamento,
            }
            for p in carga.productos
        ],
        "clientes": [
            {"numero": c.numero, "nombre": c.nombre, "productos": numeros("c", c.pk)}
            for c in carga.clientes
        ],
        "regiones": regiones_de(carga.centros, carga.servicio_nombre),
        "cuadro1": [
            {
                "id": f.pk,
                "region": carga.codigo(f.centro_id),
                "producto_texto": f.producto_texto,
                "productos": numeros("f", f.pk),
                "causales": lista_causales(f.causales),
                **{campo: getattr(f, campo) for campo in CAMPOS_CUADRO1},
            }
            for f in carga.filas_cuadro1
        ],
        "cuadro2": {
            "no_pertinente": diagnostico.cuadro2_no_pertinente,
            "motivo": diagnostico.cuadro2_motivo,
            "filas": [
                {
                    "id": f.pk,
                    "region": carga.codigo(f.centro_id),
                    "informacion": f.informacion,
                    **{campo: getattr(f, campo) for campo in CAMPOS_CUADRO2},
                }
                for f in carga.filas_cuadro2
            ],
        },
        "facultades": [
            {"ambito": f.ambito, "situacion": f.situacion, "descripcion": f.descripcion}
            for f in carga.facultades
        ],
        "sistemas_informacion": [
            {"nombre": s.nombre, "datos_regionales": s.datos_regionales} for s in carga.sistemas
        ],
        "encargados": [
            {
                "region": carga.codigo(e.centro_id),
                "unidad": e.unidad,
                "nombres": e.nombres,
                "correos": e.correos,
            }
            for e in carga.encargados
        ],
    }


def contenido(documento) -> dict:
    return contenido_de(cargar(documento))


def aplanar(contenido: dict) -> list[tuple[str, str, str]]:
    """[(clave, etiqueta, texto)] of every field and cell, for diffs and observaciones."""
    causales = dict(Causal.choices)
    informacion = dict(FilaCuadro2.Informacion.choices)
    filas = []
    if contenido.get("presentacion"):
        filas.append(("presentacion", "Presentación", contenido["presentacion"]))
    filas.append(("mision", "Misión institucional", contenido.get("mision", "")))
    for o in contenido.get("objetivos_estrategicos", []):
        filas.append(
            (f"objetivo:{o['numero']}", f"Objetivo estratégico {o['numero']}", o["descripcion"])
        )
    for p in contenido.get("productos", []):
        base = f"producto:{p['numero']}"
        filas.append((base, f"Producto {p['numero']}", p["nombre"]))
        pt = {"aplica": "Aplica", "no_aplica": "No aplica"}.get(p["aplica_pt"], "Sin definir")
        detalle = ", ".join(causales[c] for c in p["causales"] if c in causales)
        filas.append(
            (
                f"{base}:pt",
                f"Producto {p['numero']} · perspectiva territorial",
                f"{pt}. {detalle}".strip(" ."),
            )
        )
        if p.get("causal_texto"):
            filas.append((f"{base}:causal", f"Producto {p['numero']} · causal", p["causal_texto"]))
        if p.get("fundamento"):
            filas.append(
                (f"{base}:fundamento", f"Producto {p['numero']} · fundamento", p["fundamento"])
            )
    for c in contenido.get("clientes", []):
        filas.append(
            (
                f"cliente:{c['numero']}",
                f"Cliente/usuario/beneficiario {c['numero']}",
                c["nombre"]
                + (f" (productos {', '.join(c['productos'])})" if c["productos"] else ""),
            )
        )
    for f in contenido.get("cuadro1", []):
        region = f"región {f['region']}" if f["region"] else "Servicio"
        # The linked products' numbers, else the start of column (1) as written.
        nombre = ", ".join(f["productos"]) or nombre_fila(f).removeprefix("fila ")
        prefijo = f"Cuadro I N°1 · {region} · {nombre}"
        nombres = " y ".join(causales[c] for c in causales_de(f) if c in causales)
        if nombres:
            prefijo = f"{prefijo} · {nombres}"
        if f.get("producto_texto"):
            filas.append(
                (
                    f"c1:{f['id']}:producto",
                    f"{prefijo} · {ETIQUETA_PRODUCTO_TEXTO}",
                    f["producto_texto"],
                )
            )
        for campo in CAMPOS_CUADRO1:
            filas.append(
                (
                    f"c1:{f['id']}:{campo}",
                    f"{prefijo} · {ETIQUETAS_CUADRO1[campo]}",
                    f[campo],
                )
            )
    cuadro2 = contenido.get("cuadro2") or {}
    if cuadro2.get("no_pertinente"):
        filas.append(("cuadro2", "Cuadro I N°2 no pertinente", cuadro2.get("motivo", "")))
    for f in cuadro2.get("filas", []):
        region = f"región {f['region']}" if f["region"] else "Servicio"
        for campo in CAMPOS_CUADRO2:
            filas.append(
                (
                    f"c2:{f['id']}:{campo}",
                    f"Cuadro I N°2 · {region} · {informacion.get(f['informacion'], '')} · "
                    f"{ETIQUETAS_CUADRO2[campo]}",
                    f[campo],
                )
            )
    ambitos = dict(FacultadDesconcentrada.Ambito.choices)
    situaciones = dict(FacultadDesconcentrada.Situacion.choices)
    for i, f in enumerate(contenido.get("facultades", []), start=1):
        filas.append(
            (
                f"facultad:{i}",
                f"Facultad {i} · {ambitos.get(f['ambito'], '')} · "
                f"{situaciones.get(f['situacion'], '')}",
                f["descripcion"],
            )
        )
    for i, s in enumerate(contenido.get("sistemas_informacion", []), start=1):
        filas.append(
            (f"sistema:{i}", f"Sistema de información {i} · {s['nombre']}", s["datos_regionales"])
        )
    return filas


def faltantes_por_region(contenido: dict) -> dict:
    """{codigo: [what is still empty]} for each region's part of the cuadros."""
    cuadro2 = contenido.get("cuadro2") or {}
    resultado = {}
    for region in contenido.get("regiones", []):
        codigo = region["codigo"]
        faltan = []
        filas1 = [f for f in contenido.get("cuadro1", []) if f["region"] == codigo]
        if not filas1:
            faltan.append("Cuadro I N°1 sin filas")
        for f in filas1:
            vacias = [ETIQUETAS_CUADRO1[c] for c in CAMPOS_CUADRO1 if not f[c].strip()]
            if vacias:
                faltan.append(f"Cuadro I N°1, {nombre_fila(f)}: " + ", ".join(vacias))
            if not f["productos"] and not (f.get("producto_texto") or "").strip():
                faltan.append("Cuadro I N°1: una fila no indica su producto")
        if not cuadro2.get("no_pertinente"):
            filas2 = {
                f["informacion"]: f for f in cuadro2.get("filas", []) if f["region"] == codigo
            }
            for clave, etiqueta in FilaCuadro2.Informacion.choices:
                fila = filas2.get(clave)
                if fila is None or not any(fila[c].strip() for c in CAMPOS_CUADRO2):
                    faltan.append(f"Cuadro I N°2: {etiqueta}")
        resultado[codigo] = faltan
    return resultado


def validar_envio(documento) -> list[str]:
    """Why it cannot be sent: the blocking items of the send checklist (diagnostico.envio)."""
    from .envio import bloqueos

    return bloqueos(documento, contenido(documento))


def _producto_en_pagina(p: dict, observaciones: list) -> dict:
    aplica = p.get("aplica_pt", "")
    return {
        "causales": [],
        **p,
        "nivel": p["numero"].count(".") + 1,
        "aplica_pt_etiqueta": APLICA.get(aplica, aplica),
        "observaciones_abiertas": observaciones,
    }


APLICA = dict(ProductoEstrategico.Aplica.choices)


def _completo(contenido: dict, documento) -> dict:
    """A version frozen before a key existed lacks it (see the module doc): the page needs
    every key, so missing ones get their empty value (and the Servicio's current regions)."""
    cuadro2 = contenido.get("cuadro2") or {}
    return {
        "presentacion": "",
        "mision": "",
        "objetivos_estrategicos": [],
        "productos": [],
        "clientes": [],
        "cuadro1": [],
        "facultades": [],
        "sistemas_informacion": [],
        "encargados": [],
        **contenido,
        "regiones": contenido.get("regiones")
        or regiones_de(centros_del_documento(documento), documento.servicio.nombre),
        "cuadro2": {"no_pertinente": False, "motivo": "", "filas": [], **cuadro2},
    }


def contexto(documento, observaciones_por_campo: dict, usuario) -> dict:
    """The Diagnóstico's part of the document page, from its content built once per request
    (``versiones.contenido_vigente``, which the core's page reads too)."""
    from pmggt.versiones import contenido_vigente

    legibles = acceso.regiones_legibles(usuario, documento)
    datos = recortar_a(_completo(contenido_vigente(documento), documento), legibles)
    objetivos = [
        {**o, "observaciones_abiertas": observaciones_por_campo.get(f"objetivo:{o['numero']}", [])}
        for o in datos["objetivos_estrategicos"]
    ]
    productos = [
        _producto_en_pagina(
            p,
            [
                obs
                for clave in ("", ":pt", ":causal", ":fundamento")
                for obs in observaciones_por_campo.get(f"producto:{p['numero']}{clave}", [])
            ],
        )
        for p in datos["productos"]
    ]
    ambitos = dict(FacultadDesconcentrada.Ambito.choices)
    situaciones = dict(FacultadDesconcentrada.Situacion.choices)
    facultades = [
        {
            **f,
            "ambito_etiqueta": ambitos.get(f["ambito"], f["ambito"]),
            "situacion_etiqueta": situaciones.get(f["situacion"], f["situacion"]),
        }
        for f in datos["facultades"]
    ]
    faltantes = faltantes_por_region(datos)
    editables = editables_de(documento, usuario)
    centros = {c.region.codigo: c for c in centros_del_documento(documento)}
    # Who resolves which cell's observación, for the core's page: no query per observación.
    recordar_filas(
        documento,
        {
            (tabla, f["id"]): centros[f["region"]].pk if f["region"] in centros else None
            for tabla, filas in (("c1", datos["cuadro1"]), ("c2", datos["cuadro2"]["filas"]))
            for f in filas
        },
    )
    region_de_fila = {f"c1:{f['id']}": f["region"] for f in datos["cuadro1"]}
    region_de_fila |= {f"c2:{f['id']}": f["region"] for f in datos["cuadro2"]["filas"]}
    obs_por_region = {}
    for clave, lista in observaciones_por_campo.items():
        if clave.startswith(("c1:", "c2:")):
            region = region_de_fila.get(clave.rsplit(":", 1)[0], "?")
            obs_por_region[region] = obs_por_region.get(region, 0) + len(lista)
    filas_por_region = {}
    for f in datos["cuadro1"]:
        filas_por_region[f["region"]] = filas_por_region.get(f["region"], 0) + 1
    regiones = []
    for region in datos["regiones"]:
        codigo = region["codigo"]
        centro = centros.get(codigo)
        regiones.append(
            {
                **region,
                "url_codigo": codigo or "servicio",
                "faltan": faltantes.get(codigo, []),
                "filas_cuadro1": filas_por_region.get(codigo, 0),
                "editable": (centro.pk if centro else None) in editables,
                "observaciones": obs_por_region.get(codigo, 0),
            }
        )
    from .actualizacion import puede_actualizar

    return {
        "filas_regiones": _filas_regiones(documento, regiones),
        "puede_actualizar": puede_actualizar(documento, usuario),
        "anio_siguiente": documento.ciclo.anio + 1,
        "datos": datos,
        "objetivos": objetivos,
        "productos": productos,
        "clientes": datos["clientes"],
        "facultades": facultades,
        "observaciones_mision": observaciones_por_campo.get("mision", []),
        "observaciones_presentacion": observaciones_por_campo.get("presentacion", []),
        "regiones": regiones,
        "lee_todo": legibles is None,
        "edita_servicio": None in editables,
        "edita_alguna_region": bool(editables),
    }


def _filas_regiones(documento, regiones) -> SafeString:
    """The ``<tr>`` of each region in the document page's table of cuadros (what the
    template's loop drew: one include-free row each, escaped by ``fragmentos.formato``)."""
    formato = fragmentos.formato
    numeros = {}  # ``{{ n }}`` of a number, localized once per value

    def numero(n):
        if n not in numeros:
            numeros[n] = localize(n)
        return numeros[n]

    url_cuadro = fragmentos.UrlRepetida("diagnostico:cuadro", documento.pk)
    partes = []
    for r in regiones:
        if r["codigo"]:
            region = formato(
                '<strong>{}</strong> {}<br><small class="text-muted">{}</small>',
                r["codigo"],
                r["nombre"],
                r["centro"],
            )
        else:
            region = formato("{}", r["nombre"])
        faltan = r["faltan"]
        if faltan:
            pendientes = formato(
                '<details><summary class="small text-danger">{} pendiente{}</summary>'
                '<ul class="small mb-0">{}</ul></details>',
                numero(len(faltan)),
                "" if len(faltan) == 1 else "s",
                mark_safe("".join(formato("<li>{}</li>", f) for f in faltan)),
            )
        else:
            pendientes = mark_safe('<span class="text-success small">Completo</span>')
        partes.append(
            formato(
                '\n      <tr id="region-{}">\n'
                "        <td>{}</td>\n"
                "        <td>{}</td>\n"
                "        <td>{}</td>\n"
                "        <td>{}</td>\n"
                '        <td><a class="btn btn-sm {}" href="{}">{} cuadros</a></td>\n'
                "      </tr>\n    ",
                r["url_codigo"],
                region,
                numero(r["filas_cuadro1"]),
                pendientes,
                formato('<span class="badge badge-danger">{}</span>', numero(r["observaciones"]))
                if r["observaciones"]
                else "—",
                "btn-primary" if r["editable"] else "btn-outline-primary",
                url_cuadro(r["url_codigo"]),
                "Editar" if r["editable"] else "Ver",
            )
        )
    return mark_safe("".join(partes))


def historiales(documento) -> list:
    from . import models as m

    diagnosticos = m.Diagnostico.objects.filter(documento_id=documento.pk).values("pk")
    return [m.Diagnostico.history.filter(documento_id=documento.pk)] + [
        modelo.history.filter(diagnostico_id__in=diagnosticos)
        for modelo in (
            m.ObjetivoEstrategico,
            m.ProductoEstrategico,
            m.Cliente,
            m.FilaCuadro1,
            m.FilaCuadro2,
            m.FacultadDesconcentrada,
            m.SistemaInformacion,
            m.EncargadoRed,
        )
    ]


# --- Who resolves a cuadro cell's observación, with no query per observación ------------------
#
# The core asks the stage about each open observación (``workflow.puede_resolver``). What it
# needs (the Centro of every cuadro row, the Centros the user edits) is kept on the document
# instance the observaciones point at, so a page that sets ``obs.documento`` to its document
# pays for it once, not once per observación.

_MEMO = "_diagnostico_resolucion"


def _memo(documento) -> dict:
    return documento.__dict__.setdefault(_MEMO, {"filas": {}, "completas": False, "editables": {}})


def _centros_de_filas(documento_id) -> dict:
    """{("c1" | "c2", row pk): centro_id} of every cuadro row of the document (one query)."""
    tipo = IntegerField()
    c1 = (
        FilaCuadro1.objects.filter(diagnostico__documento_id=documento_id)
        .order_by()
        .values_list(Value(1, output_field=tipo), "pk", "centro_id")
    )
    c2 = (
        FilaCuadro2.objects.filter(diagnostico__documento_id=documento_id)
        .order_by()
        .values_list(Value(2, output_field=tipo), "pk", "centro_id")
    )
    return {(f"c{t}", pk): centro for t, pk, centro in c1.union(c2, all=True)}


def recordar_filas(documento, filas: dict) -> None:
    """The Centro of some cuadro rows a page loaded ({("c1" | "c2", pk): centro_id})."""
    _memo(documento)["filas"].update(filas)


def recordar_editables(documento, usuario, editables: set, estado=None) -> None:
    """``acceso.centros_editables(usuario, documento)``, computed already (the edit guard
    computes it under the lock, for a document in ``estado``)."""
    clave = (usuario.pk, estado or documento.estado)
    _memo(documento)["editables"][clave] = set(editables)


def editables_de(documento, usuario) -> set:
    """``acceso.centros_editables(usuario, documento)``, once per document instance."""
    memo = _memo(documento)["editables"]
    clave = (usuario.pk, documento.estado)
    if clave not in memo:
        memo[clave] = acceso.centros_editables(usuario, documento)
    return memo[clave]


def _centro_de_fila(documento, tabla: str, pk: int):
    memo = _memo(documento)
    if (tabla, pk) not in memo["filas"] and not memo["completas"]:
        memo["filas"].update(_centros_de_filas(documento.pk))
        memo["completas"] = True
    return memo["filas"].get((tabla, pk))


def puede_resolver(observacion, usuario) -> bool:
    """An Encargada de Centro resolves the observaciones on her region's cuadro cells."""
    partes = observacion.campo.split(":")
    if len(partes) != 3 or partes[0] not in {"c1", "c2"} or not partes[1].isdigit():
        return False
    documento = observacion.documento
    centro_id = _centro_de_fila(documento, partes[0], int(partes[1]))
    return centro_id is not None and centro_id in editables_de(documento, usuario)


def recortar(contenido: dict, documento, usuario) -> dict:
    """Only the regions this user may read (all of them for the Servicio's people)."""
    return recortar_a(contenido, acceso.regiones_legibles(usuario, documento))


def recortar_a(contenido: dict, legibles: set | None) -> dict:
    """Only these regions (codes; None: all of them)."""
    if legibles is None:
        return contenido
    cuadro2 = contenido.get("cuadro2") or {}
    return {
        **contenido,
        "regiones": [r for r in contenido.get("regiones", []) if r["codigo"] in legibles],
        "cuadro1": [f for f in contenido.get("cuadro1", []) if f["region"] in legibles],
        "cuadro2": {
            **cuadro2,
            "filas": [f for f in cuadro2.get("filas", []) if f["region"] in legibles],
        },
        "encargados": [e for e in contenido.get("encargados", []) if e["region"] in legibles],
    }


# --- An Encargada de Centro's part, for her inbox (EtapaDef.faltantes_partes) -----------------


def faltantes_de_partes(partes) -> dict:
    """{(documento_id, centro_id): [what is still empty]} of these regional parts of
    Diagnósticos (``faltantes_por_region``: the rules of the document page's per-region
    summary), read in one query whatever their number: only each part's rows, and only the
    columns those rules look at."""
    partes = list(dict.fromkeys(partes))
    if not partes:
        return {}
    documentos = sorted({d for d, _ in partes})
    centros = sorted({c for _, c in partes})
    de_las_partes = {"diagnostico__documento_id__in": documentos, "centro_id__in": centros}
    ramas = [
        _rama(
            Diagnostico.objects.filter(documento_id__in=documentos),
            _DIAGNOSTICO,
            "pk",
            ["documento_id", "cuadro2_no_pertinente"],
        ),
        _rama(
            FilaCuadro1.objects.filter(**de_las_partes),
            _FILA1,
            "pk",
            ["diagnostico__documento_id", "centro_id", "orden"],
            ["producto_texto", *CAMPOS_CUADRO1],
        ),
        _rama(
            FilaCuadro2.objects.filter(**de_las_partes),
            _FILA2,
            "pk",
            ["diagnostico__documento_id", "centro_id"],
            ["informacion", *CAMPOS_CUADRO2],
        ),
        _rama(
            FilaCuadro1.productos.through.objects.filter(
                **{f"filacuadro1__{k}": v for k, v in de_las_partes.items()}
            ),
            _FILA_PRODUCTO,
            "filacuadro1_id",
            [],
            ["productoestrategico__numero"],
        ),
    ]
    no_pertinente, filas1, filas2, productos = {}, [], [], {}
    for tabla, pk, *valores in ramas[0].union(*ramas[1:], all=True):
        enteros, textos = valores[:_ENTEROS], valores[_ENTEROS:]
        if tabla == _DIAGNOSTICO:
            no_pertinente[enteros[0]] = bool(enteros[1])
        elif tabla == _FILA1:
            campos = dict(zip(["producto_texto", *CAMPOS_CUADRO1], textos, strict=False))
            filas1.append((enteros[0], enteros[1], enteros[2] or 0, pk, campos))
        elif tabla == _FILA2:
            campos = dict(zip(["informacion", *CAMPOS_CUADRO2], textos, strict=False))
            filas2.append((enteros[0], enteros[1], pk, campos))
        else:
            productos.setdefault(pk, []).append(textos[0])
    contenidos = {}
    for documento_id, centro_id in partes:
        contenidos.setdefault(
            documento_id,
            {
                "regiones": [],
                "cuadro1": [],
                "cuadro2": {"no_pertinente": no_pertinente.get(documento_id, False), "filas": []},
            },
        )["regiones"].append({"codigo": centro_id})  # the Centro stands for its region code
    for documento_id, centro_id, _orden, pk, campos in sorted(filas1):
        if documento_id in contenidos:
            contenidos[documento_id]["cuadro1"].append(
                {
                    "id": pk,
                    "region": centro_id,
                    "productos": sorted(productos.get(pk, []), key=_clave_numero),
                    **campos,
                }
            )
    for documento_id, centro_id, pk, campos in sorted(filas2, key=lambda f: f[:3]):
        if documento_id in contenidos:
            contenidos[documento_id]["cuadro2"]["filas"].append(
                {"id": pk, "region": centro_id, **campos}
            )
    return {
        (documento_id, centro_id): faltan
        for documento_id, contenido in contenidos.items()
        for centro_id, faltan in faltantes_por_region(contenido).items()
    }


def url_cuadro(documento_id: int, codigo: str | None) -> str:
    """The cuadro page of a document's region (None: a Servicio without Centros' own part)."""
    return reverse("diagnostico:cuadro", args=[documento_id, codigo or acceso.SERVICIO])
