"""The Plan's canonical content, its flattening, coverage of the Diagnóstico, send checks and
the pieces the core asks of a regional stage (declared in planes.etapa).

The canonical content (what a version freezes; what the page, reports and Excel read):

{
  "diagnostico": {"version": int, "sha256": str} | None,   # the visado Diagnóstico it read
  "regiones": [{"codigo": "I" | null, "nombre": str, "centro": str}],   # north to south
  "objetivo_general_pt": str, "objetivo_general_informacion": str,
  "objetivos": [{"id": int, "numero": int, "descripcion": str, "ambito": str,
                 "regiones": ["I", …],                  # [] = every region of the Servicio
                 "fundamento": str,
                 "filas": [{"id": int, "region": "I" | null, "producto": str,
                            "objetivo": str}]}],        # the Cuadro I N°1 rows it takes up
  "no_abordados": [{"fila": int, "region": "I" | null, "producto": str, "objetivo": str,
                    "motivo": str}],
  "objetivos_informacion": [{"id", "numero", "informacion", "descripcion",
                             "filas": [{"id", "region", "informacion", "objetivo"}]}],
  "medidas": [{"id", "tipo": "medida" | "variable", "objetivo": int | null, "descripcion"}],
  "propir": [{"id", "region", "objetivo": int | null, "descripcion", "monto": int | null}],
  "procedimientos": [{"id", "region", "informacion", "objetivo_informacion": int | null,
                      "formato", "contenido", "periodicidad", "periodicidad_detalle",
                      "canal", "canal_detalle", "responsable_servicio", "responsable_gore",
                      "instrumento", "instrumento_numero", "instrumento_fecha": "AAAA-MM-DD" | "",
                      "estado", "motivo_no_aplica"}],
  "indicadores": [{"id", "numero", "region", "nombre", "formula", "numerador", "denominador",
                   "unidad", "meta", "meta_numerador", "meta_denominador": str (decimal) | "",
                   "medio_verificacion", "instrumento_recoleccion",
                   "instrumento_sistematizacion", "nota_tecnica",
                   "objetivo": int | null, "objetivo_informacion": int | null,
                   "se_mide": bool}],
  "actividades": [{"id", "region", "tipo": "actividad" | "hito", "descripcion",
                   "inicio": "AAAA-MM-DD" | "", "plazo": "AAAA-MM-DD", "responsable",
                   "objetivo": int | null, "objetivo_informacion": int | null,
                   "medio_verificacion"}],
}

References to objectives ("objetivo", "objetivo_informacion") are their N° (what the print and
the Excel template show). The rows copied from the Diagnóstico are those of its visado version
(read through the core, ``pmggt.versiones.contenido_visado``): a frozen Plan version prints the
same whatever happens later to the Diagnóstico.
"""

import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from django.db.models import CharField, Value
from django.urls import reverse

from pmggt import acceso
from pmggt.etapas import Pendiente
from pmggt.models import Documento
from pmggt.union import Union

from .models import (
    Actividad,
    CompromisoPropir,
    Indicador,
    Informacion,
    Medida,
    ObjetivoEspecifico,
    ObjetivoInformacion,
    ObjetivoNoAbordado,
    Plan,
    ProcedimientoGore,
)

DIAGNOSTICO = Documento.Etapa.DIAGNOSTICO

CAMPOS_INDICADOR = [
    "nombre",
    "formula",
    "numerador",
    "denominador",
    "unidad",
    "meta",
    "meta_numerador",
    "meta_denominador",
    "medio_verificacion",
    "instrumento_recoleccion",
    "instrumento_sistematizacion",
    "nota_tecnica",
]
ETIQUETAS_INDICADOR = {
    "nombre": "Nombre",
    "formula": "Fórmula de cálculo",
    "numerador": "Numerador",
    "denominador": "Denominador",
    "unidad": "Unidad",
    "meta": "Meta",
    "meta_numerador": "Numerador de la meta",
    "meta_denominador": "Denominador de la meta",
    "medio_verificacion": "Medio de verificación",
    "instrumento_recoleccion": "Instrumento de recolección",
    "instrumento_sistematizacion": "Instrumento de sistematización",
    "nota_tecnica": "Nota técnica",
}
CAMPOS_ACTIVIDAD = ["descripcion", "inicio", "plazo", "responsable", "medio_verificacion"]
ETIQUETAS_ACTIVIDAD = {
    "descripcion": "Descripción",
    "inicio": "Inicio",
    "plazo": "Plazo",
    "responsable": "Responsable",
    "medio_verificacion": "Medio de verificación",
}
CAMPOS_PROCEDIMIENTO = [
    "formato",
    "contenido",
    "periodicidad",
    "canal",
    "responsables",
    "instrumento",
    "estado",
]
ETIQUETAS_PROCEDIMIENTO = {
    "formato": "Formato",
    "contenido": "Contenido",
    "periodicidad": "Periodicidad",
    "canal": "Canal",
    "responsables": "Responsables",
    "instrumento": "Instrumento",
    "estado": "Estado",
}

AMBITOS = dict(ObjetivoEspecifico.Ambito.choices)
INFORMACION = dict(Informacion.choices)
PERIODICIDADES = dict(ProcedimientoGore.Periodicidad.choices)
CANALES = dict(ProcedimientoGore.Canal.choices)
INSTRUMENTOS = dict(ProcedimientoGore.Instrumento.choices)
ESTADOS_PROCEDIMIENTO = dict(ProcedimientoGore.Estado.choices)
TIPOS_MEDIDA = dict(Medida.Tipo.choices)


# --- The visado Diagnóstico, as the Plan reads it ---------------------------------------------

_DIAGNOSTICO_VISADO = "_planes_diagnostico_visado"


def diagnostico_visado(documento) -> tuple[dict, object] | None:
    """(what the Plan reads of its content, ``lectura_del_diagnostico``; version) of the
    visado Diagnóstico of the Plan's Servicio and Ciclo, read once per document object (never
    a draft: ``contenido_visado`` reads the visado version only)."""
    if _DIAGNOSTICO_VISADO not in documento.__dict__:
        from pmggt.versiones import contenido_visado

        documento.__dict__[_DIAGNOSTICO_VISADO] = contenido_visado(
            documento.servicio, documento.ciclo, DIAGNOSTICO, resumen=lectura_del_diagnostico
        )
    return documento.__dict__[_DIAGNOSTICO_VISADO]


_FILA1 = ("id", "region", "producto_texto", "productos", "objetivo")
_FILA2 = ("id", "region", "informacion", "objetivo")


def _fija(valor):
    """A read-only copy of a JSON value (mappings and tuples)."""
    if isinstance(valor, dict):
        return MappingProxyType({k: _fija(v) for k, v in valor.items()})
    if isinstance(valor, list):
        return tuple(_fija(v) for v in valor)
    return valor


def lectura_del_diagnostico(diagnostico: dict | None):
    """What the Plan reads of its visado Diagnóstico's content: its products, the Cuadro I
    N°1 and N°2 rows' columns ``filas_del_diagnostico`` takes, and whether the Cuadro I N°2 is
    «no pertinente». Read-only (``pmggt.versiones.contenido_visado`` keeps it per version and
    shares it)."""
    if diagnostico is None:
        return None
    cuadro2 = diagnostico.get("cuadro2") or {}
    return _fija(
        {
            "productos": [
                {"numero": p["numero"], "nombre": p["nombre"]}
                for p in diagnostico.get("productos", [])
            ],
            "cuadro1": [
                {k: f[k] for k in _FILA1 if k in f} for f in diagnostico.get("cuadro1", [])
            ],
            "cuadro2": {
                "no_pertinente": cuadro2.get("no_pertinente"),
                "filas": [{k: f[k] for k in _FILA2 if k in f} for f in cuadro2.get("filas", [])],
            },
        }
    )


def producto_de_fila(fila: dict, productos: dict) -> str:
    """Column (1) of a Cuadro I N°1 row: as the Servicio wrote it, else its linked products
    ("1.1 Chile Crece Contigo"), from the Diagnóstico's canonical content."""
    texto = (fila.get("producto_texto") or "").strip()
    if texto:
        return texto
    nombres = [
        f"{numero} {productos[numero]}".strip() if numero in productos else numero
        for numero in fila.get("productos") or []
    ]
    return "; ".join(nombres)


def filas_del_diagnostico(diagnostico: dict | None) -> tuple[dict, dict]:
    """({id: Cuadro I N°1 row as the Plan copies it}, {id: Cuadro I N°2 row}) of the visado
    Diagnóstico's content, in its order."""
    if not diagnostico:
        return {}, {}
    productos = {p["numero"]: p["nombre"] for p in diagnostico.get("productos", [])}
    filas1 = {
        f["id"]: {
            "id": f["id"],
            "region": f.get("region"),
            "producto": producto_de_fila(f, productos),
            "objetivo": f.get("objetivo", ""),
        }
        for f in diagnostico.get("cuadro1", [])
    }
    cuadro2 = diagnostico.get("cuadro2") or {}
    filas2 = {
        f["id"]: {
            "id": f["id"],
            "region": f.get("region"),
            "informacion": f.get("informacion", ""),
            "objetivo": f.get("objetivo", ""),
        }
        for f in cuadro2.get("filas", [])
    }
    return filas1, filas2


# --- Loading ----------------------------------------------------------------------------------


def plan_de(documento) -> Plan:
    plan = documento.__dict__.get("_planes_plan")
    if plan is None:
        try:
            plan = documento.plan
        except Plan.DoesNotExist:
            plan = Plan.objects.get(documento_id=documento.pk)
        documento.__dict__["_planes_plan"] = plan
    return plan


def _fecha(valor) -> str:
    return valor.isoformat() if valor else ""


def _decimal(valor) -> str:
    if valor is None:
        return ""
    texto = format(valor.normalize(), "f") if isinstance(valor, Decimal) else str(valor)
    return texto


def regiones_de(centros, servicio_nombre: str) -> list[dict]:
    if not centros:
        return [{"codigo": None, "nombre": servicio_nombre, "centro": servicio_nombre}]
    return [
        {"codigo": c.region.codigo, "nombre": c.region.nombre, "centro": c.nombre}
        for c in sorted(centros, key=lambda c: c.region.orden)
    ]


# --- Reading the content: every table in one query (pmggt.union) --------------------------------

(
    _OBJETIVO,
    _OBJETIVO_INFO,
    _PROCEDIMIENTO,
    _NO_ABORDADO,
    _MEDIDA,
    _PROPIR,
    _INDICADOR,
    _ACTIVIDAD,
) = range(8)


def _ramas(plan_id):
    d = {"plan_id": plan_id}
    r = _UNION.rama
    return [
        r(
            ObjetivoEspecifico.objects.filter(**d),
            _OBJETIVO,
            enteros=["numero"],
            textos=["descripcion", "ambito", "filas_cuadro1", "regiones", "fundamento"],
        ),
        r(
            ObjetivoInformacion.objects.filter(**d),
            _OBJETIVO_INFO,
            enteros=["numero"],
            textos=["informacion", "descripcion", "filas_cuadro2"],
        ),
        r(
            ProcedimientoGore.objects.filter(**d),
            _PROCEDIMIENTO,
            enteros=["region__orden", "objetivo_informacion_id"],
            textos=["region__codigo", *_TEXTOS_PROCEDIMIENTO],
        ),
        r(
            ObjetivoNoAbordado.objects.filter(**d),
            _NO_ABORDADO,
            enteros=["fila_cuadro1"],
            textos=["motivo"],
        ),
        r(
            Medida.objects.filter(**d),
            _MEDIDA,
            enteros=["objetivo_id", "orden"],
            textos=["tipo", "descripcion"],
        ),
        r(
            CompromisoPropir.objects.filter(**d),
            _PROPIR,
            enteros=["centro_id", "objetivo_id", "orden"],
            textos=["descripcion", "monto"],
        ),
        r(
            Indicador.objects.filter(**d),
            _INDICADOR,
            enteros=["numero", "centro_id", "objetivo_id", "objetivo_informacion_id", "se_mide"],
            textos=CAMPOS_INDICADOR,
        ),
        r(
            Actividad.objects.filter(**d),
            _ACTIVIDAD,
            enteros=["centro_id", "objetivo_id", "objetivo_informacion_id", "orden"],
            textos=["tipo", "descripcion", "inicio", "plazo", "responsable", "medio_verificacion"],
        ),
    ]


_TEXTOS_PROCEDIMIENTO = [
    "informacion",
    "formato",
    "contenido",
    "periodicidad",
    "periodicidad_detalle",
    "canal",
    "canal_detalle",
    "responsable_servicio",
    "responsable_gore",
    "instrumento",
    "instrumento_numero",
    "instrumento_fecha",
    "estado",
    "motivo_no_aplica",
]
_UNION = Union(_ramas, ids=("plan_id",), enteros=5, textos=15)
_CENTROS_FILAS = "_planes_centros_filas"


def _texto(valor) -> str:
    return valor if valor is not None else ""


def _json(valor):
    return json.loads(valor) if valor else None


def _decimal_de_texto(valor) -> str:
    """A decimal column read as text ("50.00" on PostgreSQL, "50" on SQLite), as ``_decimal``
    writes it."""
    return _decimal(Decimal(valor)) if valor not in (None, "") else ""


def contenido(documento) -> dict:
    """The canonical content (module doc), in a constant number of queries: the Plan's tables
    in one (``_UNION``), the Centros and the visado Diagnóstico read once per document."""
    plan = plan_de(documento)
    centros = acceso.centros_del_servicio(documento)
    codigo_de = {c.pk: c.region.codigo for c in centros}
    orden_de = {c.pk: c.region.orden for c in centros}
    visado = diagnostico_visado(documento)
    diag, version = visado if visado else (None, None)
    filas1, filas2 = filas_del_diagnostico(diag)
    tablas = _UNION.leer(Plan, plan_id=plan.pk)
    # The Centro of each regional row, for who may resolve an observación on it.
    documento.__dict__[_CENTROS_FILAS] = {
        **{("ind", pk): e[1] for pk, e, _ in tablas.get(_INDICADOR, [])},
        **{("act", pk): e[0] for pk, e, _ in tablas.get(_ACTIVIDAD, [])},
    }

    def filas(tabla):
        return tablas.get(tabla, [])

    objetivos = sorted(filas(_OBJETIVO), key=lambda f: (f[1][0], f[0]))
    numero_objetivo = {pk: e[0] for pk, e, _ in objetivos}
    objetivos_info = sorted(filas(_OBJETIVO_INFO), key=lambda f: (f[1][0], f[0]))
    numero_info = {pk: e[0] for pk, e, _ in objetivos_info}

    def fila1(pk):
        return filas1.get(pk) or {"id": pk, "region": None, "producto": "", "objetivo": ""}

    def fila2(pk):
        return filas2.get(pk) or {"id": pk, "region": None, "informacion": "", "objetivo": ""}

    def por_region(lista, posicion_orden: int):
        # National rows first, then north to south, then as the Servicio ordered them.
        return sorted(
            lista,
            key=lambda f: (
                f[1][0] is not None,
                orden_de.get(f[1][0], 0),
                f[1][posicion_orden] or 0,
                f[0],
            ),
        )

    orden_info = {c: i for i, c in enumerate(INFORMACION)}
    procedimientos = sorted(
        filas(_PROCEDIMIENTO),
        key=lambda f: (f[1][0], orden_info.get(f[2][1], 9), f[0]),
    )
    posicion_fila1 = {pk: i for i, pk in enumerate(filas1)}
    no_abordados = sorted(
        filas(_NO_ABORDADO),
        key=lambda f: (posicion_fila1.get(f[1][0], len(posicion_fila1)), f[0]),
    )

    def procedimiento(pk, e, t):
        campos = dict(zip(_TEXTOS_PROCEDIMIENTO, map(_texto, t[1:]), strict=False))
        return {
            "id": pk,
            "region": t[0],
            "informacion": campos["informacion"],
            "objetivo_informacion": numero_info.get(e[1]),
            **{k: campos[k] for k in _TEXTOS_PROCEDIMIENTO[1:]},
        }

    def indicador(pk, e, t):
        campos = dict(zip(CAMPOS_INDICADOR, map(_texto, t), strict=False))
        for k in ("meta", "meta_numerador", "meta_denominador"):
            campos[k] = _decimal_de_texto(campos[k])
        return {
            "id": pk,
            "numero": e[0],
            "region": codigo_de.get(e[1]),
            **campos,
            "objetivo": numero_objetivo.get(e[2]),
            "objetivo_informacion": numero_info.get(e[3]),
            "se_mide": bool(e[4]),
        }

    return {
        "diagnostico": (
            {"version": version.numero, "sha256": version.sha256} if version is not None else None
        ),
        "regiones": regiones_de(centros, documento.servicio.nombre),
        "objetivo_general_pt": plan.objetivo_general_pt,
        "objetivo_general_informacion": plan.objetivo_general_informacion,
        "objetivos": [
            {
                "id": pk,
                "numero": e[0],
                "descripcion": _texto(t[0]),
                "ambito": _texto(t[1]),
                "regiones": list(_json(t[3]) or []),
                "fundamento": _texto(t[4]),
                "filas": [fila1(f) for f in _json(t[2]) or []],
            }
            for pk, e, t in objetivos
        ],
        "no_abordados": [
            {
                **{k: v for k, v in fila1(e[0]).items() if k != "id"},
                "fila": e[0],
                "motivo": _texto(t[0]),
            }
            for pk, e, t in no_abordados
        ],
        "objetivos_informacion": [
            {
                "id": pk,
                "numero": e[0],
                "informacion": _texto(t[0]),
                "descripcion": _texto(t[1]),
                "filas": [fila2(f) for f in _json(t[2]) or []],
            }
            for pk, e, t in objetivos_info
        ],
        "medidas": [
            {
                "id": pk,
                "tipo": _texto(t[0]),
                "objetivo": numero_objetivo.get(e[0]),
                "descripcion": _texto(t[1]),
            }
            for pk, e, t in sorted(filas(_MEDIDA), key=lambda f: (f[2][0], f[1][1], f[0]))
        ],
        "propir": [
            {
                "id": pk,
                "region": codigo_de.get(e[0]),
                "objetivo": numero_objetivo.get(e[1]),
                "descripcion": _texto(t[0]),
                "monto": int(Decimal(t[1])) if t[1] not in (None, "") else None,
            }
            for pk, e, t in por_region(filas(_PROPIR), 2)
        ],
        "procedimientos": [procedimiento(*f) for f in procedimientos],
        "indicadores": [
            indicador(*f) for f in sorted(filas(_INDICADOR), key=lambda f: (f[1][0], f[0]))
        ],
        "actividades": [
            {
                "id": pk,
                "region": codigo_de.get(e[0]),
                "tipo": _texto(t[0]),
                "descripcion": _texto(t[1]),
                "inicio": _texto(t[2]),
                "plazo": _texto(t[3]),
                "responsable": _texto(t[4]),
                "objetivo": numero_objetivo.get(e[1]),
                "objetivo_informacion": numero_info.get(e[2]),
                "medio_verificacion": _texto(t[5]),
            }
            for pk, e, t in por_region(filas(_ACTIVIDAD), 3)
        ],
    }


def _en_orden_del_diagnostico(filas, orden: list[int]):
    posicion = {pk: i for i, pk in enumerate(orden)}
    return sorted(filas, key=lambda n: (posicion.get(n.fila_cuadro1, len(posicion)), n.pk))


def completo(contenido: dict) -> dict:
    """Every key present (a version frozen before a key existed lacks it)."""
    vacio = {
        "diagnostico": None,
        "regiones": [],
        "objetivo_general_pt": "",
        "objetivo_general_informacion": "",
        "objetivos": [],
        "no_abordados": [],
        "objetivos_informacion": [],
        "medidas": [],
        "propir": [],
        "procedimientos": [],
        "indicadores": [],
        "actividades": [],
    }
    return {**vacio, **contenido}


# --- Labels -----------------------------------------------------------------------------------


def etiqueta_region(codigo) -> str:
    return f"región {codigo}" if codigo else "nacional"


def texto_regiones(regiones: list, contenido: dict) -> str:
    """«Todas» for [] (every region of the Servicio), else the codes in the Servicio's order."""
    if not regiones:
        return "Todas"
    orden = [r["codigo"] for r in contenido.get("regiones", [])]
    return ", ".join(sorted(regiones, key=lambda c: orden.index(c) if c in orden else 99))


def texto_responsables(p: dict) -> str:
    partes = []
    if p.get("responsable_servicio"):
        partes.append(f"Servicio: {p['responsable_servicio']}")
    if p.get("responsable_gore"):
        partes.append(f"GORE: {p['responsable_gore']}")
    return "; ".join(partes)


def texto_instrumento(p: dict) -> str:
    if not p.get("instrumento"):
        return ""
    texto = INSTRUMENTOS.get(p["instrumento"], p["instrumento"])
    if p.get("instrumento_numero"):
        texto += f" N° {p['instrumento_numero']}"
    if p.get("instrumento_fecha"):
        anio, mes, dia = p["instrumento_fecha"].split("-")
        texto += f" del {dia}-{mes}-{anio}"
    return texto


def texto_periodicidad(p: dict) -> str:
    texto = PERIODICIDADES.get(p.get("periodicidad", ""), "")
    if p.get("periodicidad_detalle"):
        texto = f"{texto} ({p['periodicidad_detalle']})" if texto else p["periodicidad_detalle"]
    return texto


def texto_canal(p: dict) -> str:
    texto = CANALES.get(p.get("canal", ""), "")
    if p.get("canal_detalle"):
        texto = f"{texto} ({p['canal_detalle']})" if texto else p["canal_detalle"]
    return texto


def texto_estado(p: dict) -> str:
    texto = ESTADOS_PROCEDIMIENTO.get(p.get("estado", ""), "")
    if p.get("estado") == ProcedimientoGore.Estado.NO_APLICA and p.get("motivo_no_aplica"):
        texto += f": {p['motivo_no_aplica']}"
    return texto


def texto_meta(i: dict) -> str:
    """«80 % (8/10)»: the meta with its unit, and numerador/denominador when given."""
    meta = i.get("meta", "")
    if not meta:
        return ""
    texto = meta.replace(".", ",")
    unidad = i.get("unidad", "")
    if unidad:
        texto += " %" if unidad.strip() in {"%", "porcentaje", "Porcentaje"} else f" {unidad}"
    if i.get("meta_numerador") and i.get("meta_denominador"):
        texto += (
            f" ({i['meta_numerador'].replace('.', ',')}/{i['meta_denominador'].replace('.', ',')})"
        )
    return texto


def fechas_actividad(a: dict) -> str:
    def dmy(iso):
        anio, mes, dia = iso.split("-")
        return f"{dia}-{mes}-{anio}"

    if a.get("tipo") == Actividad.Tipo.HITO or not a.get("inicio"):
        return dmy(a["plazo"]) if a.get("plazo") else ""
    return f"{dmy(a['inicio'])} a {dmy(a['plazo'])}"


def aplanar(contenido: dict) -> list[tuple[str, str, str]]:
    """[(clave, etiqueta, texto)] of every field, row and cell, for diffs and observaciones."""
    c = completo(contenido)
    filas = [
        (
            "objetivo_general_pt",
            "Objetivo general (perspectiva territorial en los productos)",
            c["objetivo_general_pt"],
        ),
        (
            "objetivo_general_informacion",
            "Objetivo general (información regional en los sistemas)",
            c["objetivo_general_informacion"],
        ),
    ]
    for o in c["objetivos"]:
        base = f"objetivo:{o['id']}"
        nombre = f"Objetivo específico {o['numero']}"
        filas.append((base, nombre, o["descripcion"]))
        filas.append((f"{base}:ambito", f"{nombre} · ámbito", AMBITOS.get(o["ambito"], "")))
        filas.append((f"{base}:regiones", f"{nombre} · regiones", texto_regiones(o["regiones"], c)))
        filas.append(
            (
                f"{base}:filas",
                f"{nombre} · objetivos recomendados del Cuadro I N°1",
                "\n".join(
                    f"{etiqueta_region(f['region'])}: {f['producto']} → {f['objetivo']}"
                    for f in o["filas"]
                ),
            )
        )
        if o["fundamento"]:
            filas.append(
                (f"{base}:fundamento", f"{nombre} · por qué se eligió el producto", o["fundamento"])
            )
    for n in c["no_abordados"]:
        filas.append(
            (
                f"no_abordado:{n['fila']}",
                f"Objetivo recomendado no abordado · {etiqueta_region(n['region'])} · "
                f"{n['producto'][:60]}",
                n["motivo"],
            )
        )
    for o in c["objetivos_informacion"]:
        base = f"oi:{o['id']}"
        nombre = f"Objetivo del sistema de información {o['numero']}"
        filas.append(
            (base, f"{nombre} · {INFORMACION.get(o['informacion'], '')}", o["descripcion"])
        )
    for m in c["medidas"]:
        destino = f" · objetivo {m['objetivo']}" if m["objetivo"] else ""
        filas.append(
            (
                f"{m['tipo']}:{m['id']}",
                f"{TIPOS_MEDIDA.get(m['tipo'], '')}{destino}",
                m["descripcion"],
            )
        )
    for p in c["propir"]:
        monto = f" (M$ {p['monto']})" if p["monto"] is not None else ""
        filas.append(
            (
                f"propir:{p['id']}",
                f"Compromiso PROPIR · {etiqueta_region(p['region'])}",
                f"{p['descripcion']}{monto}",
            )
        )
    for p in c["procedimientos"]:
        base = f"gore:{p['id']}"
        nombre = f"Procedimiento GORE {p['region']} · {INFORMACION.get(p['informacion'], '')}"
        valores = {
            "formato": p["formato"],
            "contenido": p["contenido"],
            "periodicidad": texto_periodicidad(p),
            "canal": texto_canal(p),
            "responsables": texto_responsables(p),
            "instrumento": texto_instrumento(p),
            "estado": texto_estado(p),
        }
        for campo in CAMPOS_PROCEDIMIENTO:
            filas.append(
                (f"{base}:{campo}", f"{nombre} · {ETIQUETAS_PROCEDIMIENTO[campo]}", valores[campo])
            )
    for i in c["indicadores"]:
        base = f"ind:{i['id']}"
        nombre = f"Indicador {i['numero']} ({etiqueta_region(i['region'])})"
        for campo in CAMPOS_INDICADOR:
            filas.append((f"{base}:{campo}", f"{nombre} · {ETIQUETAS_INDICADOR[campo]}", i[campo]))
        vinculo = []
        if i["objetivo"]:
            vinculo.append(f"objetivo específico {i['objetivo']}")
        if i["objetivo_informacion"]:
            vinculo.append(f"objetivo de información {i['objetivo_informacion']}")
        filas.append(
            (
                f"{base}:vinculo",
                f"{nombre} · objetivo vinculado y medición",
                f"{', '.join(vinculo) or 'sin objetivo'}; "
                f"{'se mide este año' if i['se_mide'] else 'no se mide este año'}",
            )
        )
    for a in c["actividades"]:
        base = f"act:{a['id']}"
        tipo = "Hito" if a["tipo"] == Actividad.Tipo.HITO else "Actividad"
        nombre = f"{tipo} ({etiqueta_region(a['region'])}) · {a['descripcion'][:50]}"
        for campo in CAMPOS_ACTIVIDAD:
            filas.append((f"{base}:{campo}", f"{nombre} · {ETIQUETAS_ACTIVIDAD[campo]}", a[campo]))
    return filas


# --- Checks -----------------------------------------------------------------------------------


def _normalizar(texto: str) -> str:
    sin_tildes = unicodedata.normalize("NFKD", texto or "")
    sin_tildes = "".join(ch for ch in sin_tildes if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", sin_tildes).strip().lower()


def revisar_formula(formula: str, numerador: str, denominador: str) -> list[str]:
    """Why a fórmula de cálculo does not compute numerador / denominador ([] when it does).

    The fórmula must name both variables as they are written (accents, case and spacing
    aside), the numerador before the division sign and the denominador after it, e.g.
    «(N° de oficios enviados al GORE en el año t / N° de oficios comprometidos en el año t)
    * 100».
    """
    errores = []
    f = _normalizar(formula)
    n = _normalizar(numerador)
    d = _normalizar(denominador)
    if not f:
        return ["Indique la fórmula de cálculo."]
    if not n:
        errores.append("Indique el numerador (la variable que se cuenta).")
    if not d:
        errores.append("Indique el denominador (la variable con que se compara).")
    if errores:
        return errores
    if "/" not in f and "÷" not in f:
        return ["La fórmula debe dividir el numerador por el denominador (use «/»)."]
    division = f.find("/") if "/" in f else f.find("÷")
    posicion_n = f.find(n)
    posicion_d = f.rfind(d)
    if posicion_n < 0:
        errores.append("La fórmula no contiene el numerador tal como está escrito.")
    elif posicion_n > division:
        errores.append("En la fórmula, el numerador debe ir antes de «/».")
    if posicion_d < 0:
        errores.append("La fórmula no contiene el denominador tal como está escrito.")
    elif posicion_d < division:
        errores.append("En la fórmula, el denominador debe ir después de «/».")
    return errores


def _es_porcentaje(indicador: dict) -> bool:
    unidad = _normalizar(indicador.get("unidad", ""))
    formula = _normalizar(indicador.get("formula", "")).replace(" ", "")
    return unidad in {"%", "porcentaje"} or "*100" in formula or "x100" in formula


def revisar_meta(indicador: dict) -> str | None:
    """Why the meta does not match its numerador and denominador (None when it does)."""
    try:
        meta = Decimal(indicador.get("meta") or "")
        num = Decimal(indicador.get("meta_numerador") or "")
        den = Decimal(indicador.get("meta_denominador") or "")
    except InvalidOperation:
        return None
    if den == 0:
        return "El denominador de la meta no puede ser cero."
    porcentaje = _es_porcentaje(indicador)
    calculada = num / den * (100 if porcentaje else 1)
    if abs(calculada - meta) > (Decimal("0.5") if porcentaje else Decimal("0.01")):
        return (
            f"La meta ({str(meta).replace('.', ',')}) no corresponde a numerador/denominador "
            f"({str(num).replace('.', ',')}/{str(den).replace('.', ',')} = "
            f"{str(round(calculada, 1)).replace('.', ',')})."
        )
    return None


def cobertura(contenido: dict, diagnostico: dict | None = None) -> dict:
    """How the Plan covers the visado Diagnóstico's recommended objectives.

    {"recomendadas": [rows of Cuadro I N°1 with an "Objetivo recomendado al Plan GT"],
     "tomadas": {fila id: [N° of objectives]}, "no_abordadas": {fila id: motivo},
     "faltantes": [rows neither taken up nor listed with a reason],
     "inexistentes": [(objective N°, fila id) linked to a row the visado Diagnóstico lacks]}.
    ``diagnostico`` None: the rows the Plan copied (a frozen version's own record).
    """
    c = completo(contenido)
    if diagnostico is not None:
        filas1, _ = filas_del_diagnostico(diagnostico)
    else:
        filas1 = {}
        for o in c["objetivos"]:
            for f in o["filas"]:
                filas1.setdefault(f["id"], f)
        for n in c["no_abordados"]:
            filas1.setdefault(n["fila"], {"id": n["fila"], **n})
    recomendadas = [f for f in filas1.values() if (f.get("objetivo") or "").strip()]
    tomadas = {}
    inexistentes = []
    for o in c["objetivos"]:
        for f in o["filas"]:
            if diagnostico is not None and f["id"] not in filas1:
                inexistentes.append((o["numero"], f["id"]))
            tomadas.setdefault(f["id"], []).append(o["numero"])
    no_abordadas = {n["fila"]: n["motivo"] for n in c["no_abordados"]}
    faltantes = [
        f
        for f in recomendadas
        if f["id"] not in tomadas and not (no_abordadas.get(f["id"]) or "").strip()
    ]
    return {
        "recomendadas": recomendadas,
        "tomadas": tomadas,
        "no_abordadas": no_abordadas,
        "faltantes": faltantes,
        "inexistentes": inexistentes,
    }


def _url(documento, nombre, ancla="", region=None) -> str:
    # Reversed once per document object, page and region (the checklist links a handful of
    # pages, once per item).
    urls = documento.__dict__.setdefault("_planes_urls", {})
    clave = (nombre, region)
    url = urls.get(clave)
    if url is None:
        args = [documento.pk] if region is None else [documento.pk, region]
        url = urls[clave] = reverse(f"planes:{nombre}", args=args)
    return f"{url}#{ancla}" if ancla else url


def lista_envio(documento, contenido: dict) -> list[Pendiente]:
    """What is missing before sending (blocking items first in each part), from the content
    the page built and the visado Diagnóstico (one query, shared with the page). Worked out
    once per document object and content: the document page asks twice (the checklist and
    the per-region summary)."""
    hecha = documento.__dict__.get("_planes_lista_envio")
    if hecha is not None and hecha[0] is contenido:
        return list(hecha[1])
    pendientes = _lista_envio(documento, contenido)
    documento.__dict__["_planes_lista_envio"] = (contenido, pendientes)
    return list(pendientes)


def _lista_envio(documento, contenido: dict) -> list[Pendiente]:
    c = completo(contenido)
    visado = diagnostico_visado(documento)
    diag = visado[0] if visado else None
    pendientes: list[Pendiente] = []

    def falta(texto, bloquea=True, url="", region=None):
        pendientes.append(Pendiente(texto=texto, bloquea=bloquea, url=url, region=region))

    if diag is None:
        falta("El Diagnóstico del mismo año no tiene una versión visada.")
    general = _url(documento, "objetivos")
    if not c["objetivo_general_pt"].strip():
        falta("Falta el objetivo general de la perspectiva territorial.", url=general)
    pertinente = not ((diag or {}).get("cuadro2") or {}).get("no_pertinente")
    if pertinente and not c["objetivo_general_informacion"].strip():
        falta(
            "Falta el objetivo general de la información regional.",
            url=_url(documento, "informacion"),
        )
    if not c["objetivos"]:
        falta("El Plan no tiene objetivos específicos.", url=general)
    for o in c["objetivos"]:
        if not o["filas"]:
            falta(
                f"El objetivo específico {o['numero']} no está vinculado a ninguna fila del "
                "Cuadro I N°1.",
                url=_url(documento, "objetivos", f"objetivo-{o['id']}"),
            )
        if not o["ambito"]:
            falta(
                f"El objetivo específico {o['numero']} no indica su ámbito.",
                bloquea=False,
                url=_url(documento, "objetivos", f"objetivo-{o['id']}"),
            )
    if diag is not None:
        cob = cobertura(c, diag)
        for numero, _fila in cob["inexistentes"]:
            falta(
                f"El objetivo específico {numero} está vinculado a una fila que ya no está en "
                "el Diagnóstico visado.",
                url=general,
            )
        for f in cob["faltantes"]:
            falta(
                f"Objetivo recomendado sin abordar ni motivo ({etiqueta_region(f['region'])}): "
                f"«{_recorte(f['objetivo'])}».",
                url=_url(documento, "objetivos", "cobertura"),
            )
    if pertinente and not c["objetivos_informacion"]:
        falta(
            "El Plan no tiene objetivos del sistema de información.",
            url=_url(documento, "informacion"),
        )
    for p in c["procedimientos"]:
        if p["estado"] == ProcedimientoGore.Estado.NO_APLICA and not p["motivo_no_aplica"].strip():
            falta(
                f"Procedimiento con el GORE {p['region']} «no aplica» sin motivo.",
                url=_url(documento, "informacion", f"gore-{p['id']}"),
            )
        elif p["estado"] == ProcedimientoGore.Estado.VIGENTE and not p["instrumento"]:
            falta(
                f"Procedimiento vigente con el GORE {p['region']} sin instrumento.",
                bloquea=False,
                url=_url(documento, "informacion", f"gore-{p['id']}"),
            )
    con_procedimiento = {p["region"] for p in c["procedimientos"]}
    for r in c["regiones"]:
        if pertinente and r["codigo"] and r["codigo"] not in con_procedimiento:
            falta(
                f"No hay procedimiento acordado con el GORE de la región {r['codigo']}.",
                bloquea=False,
                url=_url(documento, "informacion"),
            )
    if not c["indicadores"]:
        falta("El Plan no tiene indicadores.", url=_url(documento, "indicadores"))
    for i in c["indicadores"]:
        ancla = _url(documento, "indicadores", f"indicador-{i['id']}")
        for error in revisar_formula(i["formula"], i["numerador"], i["denominador"]):
            falta(f"Indicador {i['numero']}: {error}", url=ancla, region=i["region"])
        error_meta = revisar_meta(i)
        if error_meta:
            falta(f"Indicador {i['numero']}: {error_meta}", url=ancla, region=i["region"])
        if not i["meta"]:
            falta(f"Indicador {i['numero']}: falta la meta.", url=ancla, region=i["region"])
        if not i["medio_verificacion"].strip():
            falta(
                f"Indicador {i['numero']}: falta el medio de verificación.",
                url=ancla,
                region=i["region"],
            )
        if not i["objetivo"] and not i["objetivo_informacion"]:
            falta(
                f"Indicador {i['numero']} no está vinculado a un objetivo.",
                bloquea=False,
                url=ancla,
                region=i["region"],
            )
    if not c["actividades"]:
        falta("El programa de trabajo no tiene actividades.", url=_url(documento, "programa"))
    con_actividades = {a["region"] for a in c["actividades"]}
    for r in c["regiones"]:
        if r["codigo"] and r["codigo"] not in con_actividades:
            falta(
                f"La región {r['codigo']} no tiene actividades en el programa de trabajo.",
                bloquea=False,
                url=_url(documento, "region", region=r["codigo"]),
                region=r["codigo"],
            )
    for a in c["actividades"]:
        if not a["objetivo"] and not a["objetivo_informacion"]:
            falta(
                f"{'Hito' if a['tipo'] == 'hito' else 'Actividad'} «{_recorte(a['descripcion'])}» "
                "sin objetivo vinculado.",
                bloquea=False,
                url=_url(
                    documento, "region", f"actividad-{a['id']}", region=a["region"] or "servicio"
                ),
                region=a["region"],
            )
        if not a["responsable"].strip():
            falta(
                f"Actividad «{_recorte(a['descripcion'])}» sin responsable.",
                url=_url(
                    documento, "region", f"actividad-{a['id']}", region=a["region"] or "servicio"
                ),
                region=a["region"],
            )
    return pendientes


def _recorte(texto: str, largo: int = 60) -> str:
    texto = " ".join((texto or "").split())
    return f"{texto[:largo].rstrip()}…" if len(texto) > largo else texto


def validar_envio(documento) -> list[str]:
    """Why it cannot be sent: the blocking items of the send checklist."""
    return [p.texto for p in lista_envio(documento, contenido(documento)) if p.bloquea]


# --- Regional parts ---------------------------------------------------------------------------


def recortar_a(contenido: dict, legibles: set | None) -> dict:
    """Only these regions (codes; None: all of them). National rows stay: they are no other
    region's part; objectives limited to other regions, and their measures, go."""
    if legibles is None:
        return contenido
    c = completo(contenido)

    def propia(region):
        return region is None or region in legibles

    objetivos = []
    for o in c["objetivos"]:
        filas = [f for f in o["filas"] if propia(f["region"])]
        if o["regiones"] and not set(o["regiones"]) & legibles:
            continue
        if o["filas"] and not filas:
            continue
        objetivos.append(
            {**o, "regiones": [r for r in o["regiones"] if r in legibles], "filas": filas}
        )
    numeros = {o["numero"] for o in objetivos}
    return {
        **c,
        "regiones": [r for r in c["regiones"] if r["codigo"] in legibles],
        "objetivos": objetivos,
        "no_abordados": [n for n in c["no_abordados"] if propia(n["region"])],
        "objetivos_informacion": [
            {**o, "filas": [f for f in o["filas"] if propia(f["region"])]}
            for o in c["objetivos_informacion"]
        ],
        "medidas": [m for m in c["medidas"] if m["objetivo"] is None or m["objetivo"] in numeros],
        "propir": [p for p in c["propir"] if p["region"] in legibles],
        "procedimientos": [p for p in c["procedimientos"] if p["region"] in legibles],
        "indicadores": [i for i in c["indicadores"] if propia(i["region"])],
        "actividades": [a for a in c["actividades"] if propia(a["region"])],
    }


def recortar(contenido: dict, documento, usuario) -> dict:
    return recortar_a(contenido, acceso.regiones_legibles(usuario, documento))


# The rows an Encargada de Centro writes (her region's part): indicators and activities.
# PROPIR commitments carry a region too, but are written in the Servicio's «Objetivos» section.
_REGIONALES = {"ind": "indicadores", "act": "actividades"}


def partes_de_campos(documento, campos) -> dict:
    """{campo: region code} of observación keys that point into a regional row."""
    from pmggt.versiones import contenido_vigente

    c = completo(contenido_vigente(documento))
    region_de = {
        (prefijo, f["id"]): f["region"]
        for prefijo, lista in _REGIONALES.items()
        for f in c[lista]
        if f["region"]
    }
    resultado = {}
    for campo in campos:
        partes = campo.split(":")
        if len(partes) >= 2 and partes[0] in _REGIONALES and partes[1].isdigit():
            region = region_de.get((partes[0], int(partes[1])))
            if region:
                resultado[campo] = region
    return resultado


def faltantes_de_partes(partes) -> dict:
    """{(documento_id, centro_id): [what is missing]} of Encargadas de Centro's parts, in one
    query: a region's part lacks its activities until it has one."""
    partes = list(dict.fromkeys(partes))
    if not partes:
        return {}
    documentos = sorted({d for d, _ in partes})
    centros = sorted({c for _, c in partes if c is not None})
    con = set(
        Actividad.objects.filter(plan__documento_id__in=documentos, centro_id__in=centros)
        .values_list("plan__documento_id", "centro_id")
        .distinct()
    )
    return {
        parte: ([] if parte in con else ["actividades del programa de trabajo de su región"])
        for parte in partes
    }


def url_parte(documento_id: int, codigo) -> str:
    return reverse("planes:region", args=[documento_id, codigo or acceso.SERVICIO])


def historiales(documento) -> list:
    planes = Plan.objects.filter(documento_id=documento.pk).values("pk")
    return [Plan.history.filter(documento_id=documento.pk)] + [
        modelo.history.filter(plan_id__in=planes)
        for modelo in (
            ObjetivoEspecifico,
            ObjetivoNoAbordado,
            ObjetivoInformacion,
            Medida,
            CompromisoPropir,
            ProcedimientoGore,
            Indicador,
            Actividad,
        )
    ]


# --- Who resolves a regional row's observación ------------------------------------------------


def centro_de_clave(documento, campo: str):
    """The Centro id of the regional row an observación key points at (None: not regional)."""
    partes = campo.split(":")
    if len(partes) < 2 or partes[0] not in _REGIONALES or not partes[1].isdigit():
        return None
    memo = documento.__dict__.get(_CENTROS_FILAS)
    if memo is None:
        # Read with the content when it was (``contenido``), else here in one query.
        plan_ids = Plan.objects.filter(documento_id=documento.pk).values("pk")
        ramas = [
            modelo.objects.filter(plan_id__in=plan_ids)
            .order_by()
            .values_list(Value(prefijo, output_field=CharField()), "pk", "centro_id")
            for prefijo, modelo in (("ind", Indicador), ("act", Actividad))
        ]
        memo = {
            (prefijo, pk): centro_id
            for prefijo, pk, centro_id in ramas[0].union(ramas[1], all=True)
        }
        documento.__dict__[_CENTROS_FILAS] = memo
    return memo.get((partes[0], int(partes[1])))


def puede_resolver(observacion, usuario) -> bool:
    """An Encargada de Centro resolves the observaciones on her region's rows."""
    documento = observacion.documento
    centro_id = centro_de_clave(documento, observacion.campo)
    if centro_id is None:
        return False
    return centro_id in acceso.centros_editables(usuario, documento)
