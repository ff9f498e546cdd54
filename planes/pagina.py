"""The Plan as its pages draw it: the canonical content (cut for the reader) with labels, its
open observaciones next to each field and row, coverage of the visado Diagnóstico and the
per-region summary. ``contexto`` is the Plan's part of the document page (EtapaDef.contexto);
the section pages (planes.views) draw the same blocks."""

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from pmggt import acceso
from pmggt.models import Documento

from . import contenido as cm
from . import gantt


def _por_fila(observaciones_por_campo: dict) -> dict:
    """{row key ("objetivo:7", "ind:3", "objetivo_general_pt"): [open observaciones]}."""
    resultado = defaultdict(list)
    for clave, lista in observaciones_por_campo.items():
        if not clave:
            continue
        partes = clave.split(":")
        resultado[":".join(partes[:2])].extend(lista)
    return resultado


def vista(contenido: dict, observaciones_por_campo: dict | None = None, diagnostico=None) -> dict:
    """The content with what the templates show: labels, each row's open observaciones
    (``obs``), objectives with their medidas and variables, coverage (``diagnostico``: the
    visado Diagnóstico's content; None: the rows the Plan copied)."""
    c = cm.completo(contenido)
    obs = _por_fila(observaciones_por_campo or {})
    nombres_region = {r["codigo"]: r["nombre"] for r in c["regiones"]}

    def region(codigo):
        return f"{codigo} · {nombres_region.get(codigo, '')}" if codigo else "Nacional"

    objetivos_por_numero = {o["numero"]: o for o in c["objetivos"]}
    info_por_numero = {o["numero"]: o for o in c["objetivos_informacion"]}

    def vinculo(fila):
        partes = []
        if fila.get("objetivo"):
            partes.append(f"Objetivo {fila['objetivo']}")
        if fila.get("objetivo_informacion"):
            partes.append(f"Objetivo de información {fila['objetivo_informacion']}")
        return " · ".join(partes)

    medidas = defaultdict(list)
    sueltas = []
    for m in c["medidas"]:
        m = {
            **m,
            "tipo_texto": cm.TIPOS_MEDIDA.get(m["tipo"], ""),
            "obs": obs[f"{m['tipo']}:{m['id']}"],
        }
        if m["objetivo"] in objetivos_por_numero:
            medidas[(m["objetivo"], m["tipo"])].append(m)
        else:
            sueltas.append(m)
    objetivos = [
        {
            **o,
            "ambito_texto": cm.AMBITOS.get(o["ambito"], ""),
            "regiones_texto": cm.texto_regiones(o["regiones"], c),
            "obs": obs[f"objetivo:{o['id']}"],
            "medidas": medidas[(o["numero"], "medida")],
            "variables": medidas[(o["numero"], "variable")],
            "filas": [{**f, "region_texto": region(f["region"])} for f in o["filas"]],
        }
        for o in c["objetivos"]
    ]
    procedimientos = [
        {
            **p,
            "informacion_texto": cm.INFORMACION.get(p["informacion"], ""),
            "region_texto": region(p["region"]),
            "periodicidad_texto": cm.texto_periodicidad(p),
            "canal_texto": cm.texto_canal(p),
            "responsables_texto": cm.texto_responsables(p),
            "instrumento_texto": cm.texto_instrumento(p),
            "estado_texto": cm.texto_estado(p),
            "obs": obs[f"gore:{p['id']}"],
        }
        for p in c["procedimientos"]
    ]
    cobertura = cm.cobertura(c, diagnostico)
    filas_cobertura = [
        {
            **f,
            "region_texto": region(f.get("region")),
            "tomada_por": cobertura["tomadas"].get(f["id"], []),
            "motivo": cobertura["no_abordadas"].get(f["id"], ""),
            "obs": obs[f"no_abordado:{f['id']}"],
        }
        for f in cobertura["recomendadas"]
    ]
    return {
        **c,
        "obs_general_pt": obs["objetivo_general_pt"],
        "obs_general_informacion": obs["objetivo_general_informacion"],
        "objetivos": objetivos,
        "medidas_sueltas": sueltas,
        "cobertura": filas_cobertura,
        "cobertura_faltantes": len(cobertura["faltantes"]),
        "objetivos_informacion": [
            {
                **o,
                "informacion_texto": cm.INFORMACION.get(o["informacion"], ""),
                "obs": obs[f"oi:{o['id']}"],
                "filas": [
                    {
                        **f,
                        "region_texto": region(f["region"]),
                        "informacion_texto": cm.INFORMACION.get(f["informacion"], f["informacion"]),
                    }
                    for f in o["filas"]
                ],
            }
            for o in c["objetivos_informacion"]
        ],
        "procedimientos": procedimientos,
        "propir": [
            {
                **p,
                "region_texto": region(p["region"]),
                "vinculo": vinculo(p),
                "obs": obs[f"propir:{p['id']}"],
            }
            for p in c["propir"]
        ],
        "indicadores": [
            {
                **i,
                "region_texto": region(i["region"]),
                "meta_texto": cm.texto_meta(i),
                "vinculo": vinculo(i),
                "obs": obs[f"ind:{i['id']}"],
            }
            for i in c["indicadores"]
        ],
        "actividades": [
            {
                **a,
                "region_texto": region(a["region"]),
                "fechas": cm.fechas_actividad(a),
                "tipo_texto": "Hito" if a["tipo"] == "hito" else "Actividad",
                "vinculo": vinculo(a),
                "obs": obs[f"act:{a['id']}"],
                "objetivo_texto": objetivos_por_numero.get(a["objetivo"], {}).get(
                    "descripcion", ""
                ),
                "info_texto": info_por_numero.get(a["objetivo_informacion"], {}).get(
                    "descripcion", ""
                ),
            }
            for a in c["actividades"]
        ],
    }


# The cells a row's «Observar» forms point at (``contenido.aplanar``'s keys): an indicator's
# name (its main cell) and its fórmula; an activity's description.
OBSERVABLES = {
    "indicadores": ("ind", ("nombre", "formula")),
    "actividades": ("act", ("descripcion",)),
}


def con_observar(v: dict, html) -> None:
    """Give each indicator and activity row of ``v`` (``vista``) the HTML of its «Observar»
    forms (``observar_<campo>``), for a user who may observe (``workflow.puede_observar``,
    decided once for the page): ``html`` is the page's ``pmggt.fragmentos.Observaciones``,
    whose forms send back to this page. The row's observaciones are drawn by the row."""
    for tabla, (prefijo, campos) in OBSERVABLES.items():
        for f in v.get(tabla) or []:
            for campo in campos:
                f[f"observar_{campo}"] = html.celda((), f"{prefijo}:{f['id']}:{campo}", True)


def resumen_regiones(documento, v: dict, usuario, pendientes=()) -> list[dict]:
    """One line per region of the (cut) content: its activities, indicators, what is missing
    (from the send checklist) and its open observaciones, with the link to its page."""
    editables = acceso.centros_editables(usuario, documento)
    centros = {c.region.codigo: c.pk for c in acceso.centros_del_servicio(documento)}
    cuenta = defaultdict(lambda: {"actividades": 0, "indicadores": 0, "observaciones": 0})
    for a in v["actividades"]:
        cuenta[a["region"]]["actividades"] += 1
        cuenta[a["region"]]["observaciones"] += len(a["obs"])
    for i in v["indicadores"]:
        cuenta[i["region"]]["indicadores"] += 1
        cuenta[i["region"]]["observaciones"] += len(i["obs"])
    faltan = defaultdict(list)
    for p in pendientes:
        if p.region:
            faltan[p.region].append(p)
    filas = []
    regiones = list(v["regiones"])
    if centros:
        regiones = [{"codigo": None, "nombre": "Nacional (del Servicio)", "centro": ""}] + regiones
    for r in regiones:
        codigo = r["codigo"]
        filas.append(
            {
                **r,
                **cuenta[codigo],
                "url": reverse("planes:region", args=[documento.pk, codigo or acceso.SERVICIO]),
                "faltan": faltan.get(codigo, []) if codigo else [],
                "editable": centros.get(codigo) in editables,
            }
        )
    return filas


def contexto(documento, observaciones_por_campo: dict, usuario) -> dict:
    """The Plan's part of the document page: the whole Plan as cut for this reader."""
    from pmggt import workflow
    from pmggt.versiones import contenido_vigente

    completo = contenido_vigente(documento)
    cortado = cm.recortar(completo, documento, usuario)
    visado = (
        cm.diagnostico_visado(documento) if documento.estado == Documento.Estado.BORRADOR else None
    )
    v = vista(cortado, observaciones_por_campo, visado[0] if visado else None)
    pendientes = []
    if documento.estado == Documento.Estado.BORRADOR and acceso.es_lector_interno(
        usuario, documento
    ):
        pendientes = cm.lista_envio(documento, completo)
    edita = workflow.puede_editar(documento, usuario)
    return {
        "plan": v,
        "regiones_resumen": resumen_regiones(documento, v, usuario, pendientes),
        "edita_servicio": edita,
        "edita_alguna": bool(acceso.centros_editables(usuario, documento)),
        # The rows' «Observar» forms, drawn by the templates (no request here for the fragment).
        "observar": workflow.puede_observar(documento, usuario),
        "gantt": gantt.svg(cortado, hoy=timezone.localdate(), anio=documento.ciclo.anio),
    }
