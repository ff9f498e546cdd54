"""generar_escala's Plans (Etapa II, planes.escala): written on the visado Diagnósticos, frozen
exactly as the stage reads them, with their history, readable by the product's pages, removed
by borrar_escala.

The world is the one of tests/pmggt/test_generar_escala.py (4 Servicios × 2 Ciclos, built once);
the chain, the versions and the observaciones of every stage are checked there.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.urls import reverse

from planes import contenido as cm
from planes.models import (
    Actividad,
    CompromisoPropir,
    Indicador,
    Medida,
    ObjetivoEspecifico,
    ObjetivoInformacion,
    ObjetivoNoAbordado,
    Plan,
    ProcedimientoGore,
)
from pmggt import escala, etapas
from pmggt.escala import modelo_historico
from pmggt.models import Documento, Transicion
from pmggt.versiones import contenido_visado
from tests.conftest import mundo_compartido
from tests.pmggt.test_generar_escala import construir_escala

datos = mundo_compartido(construir_escala)

PLAN = Documento.Etapa.PLAN
Estado = Documento.Estado
FILAS = (
    ObjetivoEspecifico,
    ObjetivoNoAbordado,
    ObjetivoInformacion,
    Medida,
    CompromisoPropir,
    ProcedimientoGore,
    Indicador,
    Actividad,
)


def _planes():
    return (
        Documento.objects.filter(servicio__sigla__startswith=escala.PREFIJO, etapa=PLAN)
        .select_related("servicio", "ciclo")
        .order_by("pk")
    )


def _usuario(username):
    return get_user_model().objects.get(username=username)


def test_cada_plan_se_escribe_sobre_el_diagnostico_visado(datos):
    planes = list(_planes())
    assert planes
    estados = {d.estado for d in planes}
    assert Estado.VISADO in estados and Estado.BORRADOR in estados
    for doc in planes:
        diagnostico = Documento.objects.get(
            servicio=doc.servicio, ciclo=doc.ciclo, etapa=Documento.Etapa.DIAGNOSTICO
        )
        assert diagnostico.version_visada is not None
        # Started after the Diagnóstico's V°B°.
        vobo = diagnostico.transiciones.filter(accion=Transicion.Accion.VISAR).latest("fecha")
        assert doc.creado_en > vobo.fecha
        contenido = cm.contenido(doc)
        visado, version = contenido_visado(doc.servicio, doc.ciclo, Documento.Etapa.DIAGNOSTICO)
        assert contenido["diagnostico"] == {"version": version.numero, "sha256": version.sha256}
        cobertura = cm.cobertura(contenido, visado)
        # Objectives take up the recommended rows of Cuadro I N°1; the others have a reason.
        assert cobertura["tomadas"] and not cobertura["inexistentes"]
        if doc.version_actual:
            assert not cobertura["faltantes"]
        filas1 = {f["id"]: f for f in visado["cuadro1"]}
        for objetivo in contenido["objetivos"]:
            assert objetivo["filas"] and all(f["id"] in filas1 for f in objetivo["filas"])
            assert {f["objetivo"] for f in objetivo["filas"]} <= {
                f["objetivo"] for f in visado["cuadro1"]
            }
        for n in contenido["no_abordados"]:
            assert n["fila"] in filas1 and n["motivo"].strip()
        # Objectives of information from Cuadro I N°2, one per kind of information.
        filas2 = {f["id"]: f for f in visado["cuadro2"]["filas"]}
        for o in contenido["objetivos_informacion"]:
            assert all(filas2[f["id"]]["informacion"] == o["informacion"] for f in o["filas"])
        # Activities and hitos of the Ciclo's year, several per region; procedures per GORE.
        anio = doc.ciclo.anio
        for a in contenido["actividades"]:
            assert date.fromisoformat(a["plazo"]).year == anio
            if a["inicio"]:
                assert a["inicio"] <= a["plazo"]
        codigos = [r["codigo"] for r in contenido["regiones"] if r["codigo"]]
        if doc.version_actual and codigos:
            por_region = {c: 0 for c in codigos}
            for a in contenido["actividades"]:
                if a["region"]:
                    por_region[a["region"]] += 1
            assert min(por_region.values()) >= 2
            assert {p["region"] for p in contenido["procedimientos"]} <= set(codigos)
        assert any(i["region"] is None for i in contenido["indicadores"])


def test_el_plan_nacional_tiene_de_todo(datos):
    """Some Plan of a Servicio with every región has every kind of row (the bench's pages)."""
    cuentas = {}
    for doc in _planes().filter(version_actual__gte=1):
        c = cm.contenido(doc)
        if len(c["regiones"]) > 1:
            cuentas[doc.pk] = c
    assert cuentas
    c = max(cuentas.values(), key=lambda c: len(c["actividades"]))
    assert {a["tipo"] for a in c["actividades"]} == {"actividad", "hito"}
    assert any(a["region"] for a in c["actividades"])
    assert any(i["region"] for i in c["indicadores"])
    assert c["procedimientos"] and c["propir"] and c["medidas"]
    assert {m["tipo"] for m in c["medidas"]} == {"medida", "variable"}
    assert c["objetivo_general_pt"] and c["objetivo_general_informacion"]


def test_las_versiones_guardan_el_contenido_del_plan(datos):
    """Each version freezes exactly planes.contenido.contenido as it read then; nothing is
    edited after the last one, so the current content is the last version's."""
    con_varias = 0
    for doc in _planes():
        if not doc.version_actual:
            continue
        versiones = list(doc.versiones.order_by("numero"))
        assert cm.contenido(doc) == versiones[-1].contenido
        assert all(v.sha256 == etapas.sha256(v.contenido) for v in versiones)
        if len(versiones) > 1:
            con_varias += 1
            claves = [{c for c, _e, _t in cm.aplanar(v.contenido)} for v in versiones]
            assert claves[0] <= claves[-1]  # rows are added between versions, never lost
    assert con_varias


def test_las_filas_del_plan_tienen_historia(datos):
    planes = _planes()
    definicion = etapas.de(PLAN)
    for doc in planes:
        plan = Plan.objects.get(documento=doc)
        historia = list(Plan.history.filter(documento_id=doc.pk).order_by("history_date"))
        assert historia[0].history_type == "+" and historia[0].history_user_id == doc.creado_por_id
        assert historia[-1].objetivo_general_pt == plan.objetivo_general_pt
        for modelo in FILAS:
            vivas = set(modelo.objects.filter(plan=plan).values_list("pk", flat=True))
            creadas = set(
                modelo_historico(modelo)
                .objects.filter(plan_id=plan.pk, history_type="+")
                .values_list("id", flat=True)
            )
            assert vivas == creadas, modelo
        registros = [r for qs in definicion.historiales(doc) for r in qs]
        assert registros and all(r.history_user_id for r in registros)
    # Corrected between versions, and the regional rows written by the Encargada de Centro.
    tipos = {
        r.history_type
        for doc in planes.filter(version_actual__gte=2)
        for qs in definicion.historiales(doc)
        for r in qs
    }
    assert tipos == {"+", "~"}
    actividad = (
        Actividad.objects.filter(
            plan__documento__in=planes, centro__isnull=False, plan__documento__version_actual__gte=1
        )
        .select_related("centro__region", "plan__documento__servicio")
        .first()
    )
    autor = actividad.history.earliest("history_date").history_user
    codigo = actividad.plan.documento.servicio.sigla.removeprefix(escala.PREFIJO).lower()
    assert autor.username == f"escala.centro.{codigo}.{actividad.centro.region.codigo.lower()}"


def test_las_paginas_del_plan_abren(datos, client):
    doc = _planes().filter(estado=Estado.BORRADOR, version_actual__gte=1).first()
    assert doc is not None
    codigo = doc.servicio.sigla.removeprefix(escala.PREFIJO).lower()
    client.force_login(_usuario(f"escala.encargado.{codigo}"))
    assert client.get(reverse("pmggt:documento", args=[doc.pk])).status_code == 200
    for nombre in ("objetivos", "informacion", "indicadores", "programa"):
        assert client.get(reverse(f"planes:{nombre}", args=[doc.pk])).status_code == 200, nombre
    regiones = [r["codigo"] for r in cm.contenido(doc)["regiones"] if r["codigo"]]
    for region in [*regiones[:2], "servicio"]:
        assert client.get(reverse("planes:region", args=[doc.pk, region])).status_code == 200
    assert client.get(reverse("planes:excel", args=[doc.pk])).status_code == 200
    # A GORE reads the visado Plans of the Servicios with a Centro in its region.
    visado = _planes().filter(estado=Estado.VISADO, servicio__centros__region__codigo="XV").first()
    client.force_login(_usuario("escala.gore.xv"))
    respuesta = client.get(reverse("pmggt:documento", args=[visado.pk]))
    assert respuesta.status_code == 200
    assert client.get(reverse("planes:region", args=[visado.pk, "XV"])).status_code == 200


def test_borrar_escala_quita_los_planes_y_su_historia(datos):
    assert Plan.objects.exists()
    escala.borrar_escala()
    assert not Documento.objects.filter(etapa=PLAN).exists()
    for modelo in (Plan, *FILAS):
        assert not modelo.objects.exists(), modelo
        assert not modelo_historico(modelo).objects.exists(), modelo
