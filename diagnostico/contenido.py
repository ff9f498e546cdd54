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
  "cuadro1": [{"id": int, "region": "I" | null, "productos": ["1", "1.1"],
               "causal": "diseno" | "coordinacion" | "acceso",
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
"""

from django.db.models import Prefetch

from pmggt import acceso
from pmggt.models import Centro

from .models import (
    Causal,
    Diagnostico,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ProductoEstrategico,
)

CAMPOS_CUADRO1 = ["avance", "mejora", "medidas", "objetivo"]
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


def _diagnostico(documento):
    return (
        Diagnostico.objects.select_related("documento__servicio", "documento__ciclo")
        .prefetch_related(
            "objetivos",
            Prefetch(
                "productos",
                queryset=ProductoEstrategico.objects.prefetch_related("objetivos"),
            ),
            "clientes__productos",
            Prefetch(
                "filas_cuadro1",
                queryset=FilaCuadro1.objects.select_related("centro__region").prefetch_related(
                    "productos"
                ),
            ),
            "filas_cuadro2__centro__region",
            "facultades",
            "sistemas_informacion",
            "encargados__centro__region",
        )
        .get(documento=documento)
    )


def orden_arbol(productos) -> list:
    """Products in tree order (1, 1.1, 1.1.1, 1.2, 2…) from their dotted numbers."""

    def clave(p):
        return [int(x) if x.isdigit() else 0 for x in p.numero.split(".")]

    return sorted(productos, key=clave)


def _codigo(centro):
    return centro.region.codigo if centro else None


def regiones_del_servicio(servicio) -> list[dict]:
    centros = Centro.objects.filter(servicio=servicio).select_related("region")
    centros = sorted(centros, key=lambda c: c.region.orden)
    if not centros:
        return [{"codigo": None, "nombre": servicio.nombre, "centro": ""}]
    return [
        {"codigo": c.region.codigo, "nombre": c.region.nombre, "centro": c.nombre} for c in centros
    ]


def contenido_de(diagnostico) -> dict:
    servicio = diagnostico.documento.servicio
    productos = orden_arbol(diagnostico.productos.all())
    numero_de = {p.pk: p.numero for p in productos}
    return {
        "presentacion": diagnostico.presentacion,
        "mision": diagnostico.mision,
        "objetivos_estrategicos": [
            {"numero": o.numero, "descripcion": o.descripcion} for o in diagnostico.objetivos.all()
        ],
        "productos": [
            {
                "numero": p.numero,
                "nombre": p.nombre,
                "objetivos": sorted(o.numero for o in p.objetivos.all()),
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
            for p in productos
        ],
        "clientes": [
            {
                "numero": c.numero,
                "nombre": c.nombre,
                "productos": sorted(
                    (numero_de[p.pk] for p in c.productos.all()),
                    key=lambda n: [int(x) for x in n.split(".") if x.isdigit()],
                ),
            }
            for c in diagnostico.clientes.all()
        ],
        "regiones": regiones_del_servicio(servicio),
        "cuadro1": [
            {
                "id": f.pk,
                "region": _codigo(f.centro),
                "productos": sorted(
                    (numero_de[p.pk] for p in f.productos.all()),
                    key=lambda n: [int(x) for x in n.split(".") if x.isdigit()],
                ),
                "causal": f.causal,
                **{campo: getattr(f, campo) for campo in CAMPOS_CUADRO1},
            }
            for f in diagnostico.filas_cuadro1.all()
        ],
        "cuadro2": {
            "no_pertinente": diagnostico.cuadro2_no_pertinente,
            "motivo": diagnostico.cuadro2_motivo,
            "filas": [
                {
                    "id": f.pk,
                    "region": _codigo(f.centro),
                    "informacion": f.informacion,
                    **{campo: getattr(f, campo) for campo in CAMPOS_CUADRO2},
                }
                for f in _filas_cuadro2_ordenadas(diagnostico.filas_cuadro2.all())
            ],
        },
        "facultades": [
            {"ambito": f.ambito, "situacion": f.situacion, "descripcion": f.descripcion}
            for f in diagnostico.facultades.all()
        ],
        "sistemas_informacion": [
            {"nombre": s.nombre, "datos_regionales": s.datos_regionales}
            for s in diagnostico.sistemas_informacion.all()
        ],
        "encargados": [
            {
                "region": _codigo(e.centro),
                "unidad": e.unidad,
                "nombres": e.nombres,
                "correos": e.correos,
            }
            for e in diagnostico.encargados.all()
        ],
    }


def _filas_cuadro2_ordenadas(filas):
    orden_info = {valor: i for i, valor in enumerate(FilaCuadro2.Informacion.values)}
    return sorted(
        filas,
        key=lambda f: (f.centro.region.orden if f.centro else 0, orden_info[f.informacion]),
    )


def contenido(documento) -> dict:
    return contenido_de(_diagnostico(documento))


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
        prefijo = f"Cuadro I N°1 · {region} · {', '.join(f['productos']) or 'sin producto'}"
        for campo in CAMPOS_CUADRO1:
            filas.append(
                (
                    f"c1:{f['id']}:{campo}",
                    f"{prefijo} · {causales.get(f['causal'], '')} · {ETIQUETAS_CUADRO1[campo]}",
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
                faltan.append(
                    f"Cuadro I N°1, {', '.join(f['productos']) or 'fila sin producto'}: "
                    + ", ".join(vacias)
                )
            if not f["productos"]:
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
    datos = contenido(documento)
    errores = []
    if not datos["mision"].strip():
        errores.append("Falta la misión institucional.")
    if not datos["objetivos_estrategicos"]:
        errores.append("Debe registrar al menos un objetivo estratégico.")
    return errores


def contexto(documento, observaciones_por_campo: dict, usuario) -> dict:
    diagnostico = _diagnostico(documento)
    datos = contenido_de(diagnostico)
    objetivos = list(diagnostico.objetivos.all())
    for objetivo in objetivos:
        objetivo.observaciones_abiertas = observaciones_por_campo.get(
            f"objetivo:{objetivo.numero}", []
        )
    productos = orden_arbol(diagnostico.productos.all())
    for producto in productos:
        producto.observaciones_abiertas = [
            obs
            for clave in ("", ":pt", ":causal", ":fundamento")
            for obs in observaciones_por_campo.get(f"producto:{producto.numero}{clave}", [])
        ]
    legibles = acceso.regiones_legibles(usuario, documento)
    datos = recortar(datos, documento, usuario)
    faltantes = faltantes_por_region(datos)
    editables = acceso.centros_editables(usuario, documento)
    centros = {
        c.region.codigo: c
        for c in Centro.objects.filter(servicio=documento.servicio).select_related("region")
    }
    abiertas_cuadros = {}
    for clave, lista in observaciones_por_campo.items():
        if clave.startswith(("c1:", "c2:")):
            abiertas_cuadros[clave] = len(lista)
    region_de_fila = {f"c1:{f['id']}": f["region"] for f in datos["cuadro1"]}
    region_de_fila |= {f"c2:{f['id']}": f["region"] for f in datos["cuadro2"]["filas"]}
    obs_por_region = {}
    for clave, n in abiertas_cuadros.items():
        region = region_de_fila.get(clave.rsplit(":", 1)[0], "?")
        obs_por_region[region] = obs_por_region.get(region, 0) + n
    regiones = []
    for region in datos["regiones"]:
        codigo = region["codigo"]
        centro = centros.get(codigo)
        regiones.append(
            {
                **region,
                "url_codigo": codigo or "servicio",
                "faltan": faltantes.get(codigo, []),
                "filas_cuadro1": sum(1 for f in datos["cuadro1"] if f["region"] == codigo),
                "editable": (centro.pk if centro else None) in editables,
                "observaciones": obs_por_region.get(codigo, 0),
            }
        )
    from .actualizacion import puede_actualizar

    return {
        "puede_actualizar": puede_actualizar(documento, usuario),
        "anio_siguiente": documento.ciclo.anio + 1,
        "diagnostico": diagnostico,
        "datos": datos,
        "objetivos": objetivos,
        "productos": productos,
        "clientes": list(diagnostico.clientes.all()),
        "observaciones_mision": observaciones_por_campo.get("mision", []),
        "observaciones_presentacion": observaciones_por_campo.get("presentacion", []),
        "regiones": regiones,
        "lee_todo": legibles is None,
        "edita_servicio": None in editables,
        "edita_alguna_region": bool(editables),
    }


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


def puede_resolver(observacion, usuario) -> bool:
    """An Encargada de Centro resolves the observaciones on her region's cuadro cells."""
    partes = observacion.campo.split(":")
    if len(partes) != 3 or partes[0] not in {"c1", "c2"} or not partes[1].isdigit():
        return False
    modelo = FilaCuadro1 if partes[0] == "c1" else FilaCuadro2
    centro_id = (
        modelo.objects.filter(pk=int(partes[1]), diagnostico__documento_id=observacion.documento_id)
        .values_list("centro_id", flat=True)
        .first()
    )
    return centro_id is not None and centro_id in acceso.centros_editables(
        usuario, observacion.documento
    )


def recortar(contenido: dict, documento, usuario) -> dict:
    """Only the regions this user may read (all of them for the Servicio's people)."""
    legibles = acceso.regiones_legibles(usuario, documento)
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
