"""The Plan's content is read in one UNION ALL query (``pmggt.union``): every column comes back
as the models hold it, on SQLite and on PostgreSQL — decimals (with and without cents, empty),
dates (set and empty), JSON lists, booleans, accents and symbols, national and regional rows —
and the rows in the order the content promises."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planes import contenido as cm
from planes.models import (
    Actividad,
    CompromisoPropir,
    Indicador,
    Medida,
    ObjetivoEspecifico,
    ObjetivoInformacion,
    ObjetivoNoAbordado,
    ProcedimientoGore,
)
from pmggt.models import Documento
from tests.planes.fabricas import crear_plan

TEXTO = 'Región de Ñuble: «acción» 100% & <b>no</b> — ‘comillas’ "dobles"\nsegunda línea'


@pytest.fixture
def plan(mundo):
    documento = crear_plan(mundo)
    plan = documento.plan
    objetivo = ObjetivoEspecifico.objects.get(plan=plan)
    objetivo.regiones = ["I", "II"]
    objetivo.fundamento = TEXTO
    objetivo.save()
    dos = ObjetivoEspecifico.objects.create(
        plan=plan, numero=2, descripcion="Segundo", regiones=[], filas_cuadro1=[]
    )
    info = ObjetivoInformacion.objects.filter(plan=plan).first()
    i = mundo.centro_region_i
    Indicador.objects.create(
        plan=plan,
        centro=i,
        numero=7,
        nombre=TEXTO,
        formula="(A / B) * 100",
        numerador="A",
        denominador="B",
        unidad="%",
        meta=Decimal("12.50"),
        meta_numerador=Decimal("1234567890.25"),
        meta_denominador=None,
        objetivo=dos,
        objetivo_informacion=info,
        se_mide=False,
    )
    Indicador.objects.create(
        plan=plan, numero=3, nombre="Nacional", formula="A", meta=Decimal("50"), se_mide=True
    )
    Actividad.objects.create(
        plan=plan,
        centro=None,
        tipo="hito",
        descripcion="Hito nacional",
        inicio=None,
        plazo=date(2009, 12, 31),
        orden=9,
    )
    Actividad.objects.create(
        plan=plan,
        centro=i,
        descripcion="Primera de la región",
        inicio=date(2009, 2, 1),
        plazo=date(2009, 3, 15),
        orden=0,
        objetivo=dos,
    )
    CompromisoPropir.objects.create(plan=plan, centro=i, descripcion="Con monto", monto=1500000)
    CompromisoPropir.objects.create(plan=plan, centro=None, descripcion="Sin monto", monto=None)
    Medida.objects.create(plan=plan, tipo="variable", descripcion="Variable", orden=1)
    Medida.objects.create(plan=plan, tipo="medida", descripcion="Medida", orden=5, objetivo=dos)
    ObjetivoNoAbordado.objects.create(plan=plan, fila_cuadro1=999_999, motivo=TEXTO)
    return Documento.objects.get(pk=documento.pk)


@pytest.mark.django_db
def test_columnas_como_las_guarda_el_modelo(plan):
    c = cm.contenido(plan)
    objetivos = {o["numero"]: o for o in c["objetivos"]}
    assert objetivos[1]["regiones"] == ["I", "II"]
    assert objetivos[1]["fundamento"] == TEXTO
    assert objetivos[1]["filas"] and all("producto" in f for f in objetivos[1]["filas"])
    assert objetivos[2]["regiones"] == [] and objetivos[2]["filas"] == []
    assert [o["numero"] for o in c["objetivos"]] == sorted(objetivos)

    indicadores = {i["numero"]: i for i in c["indicadores"]}
    regional = indicadores[7]
    assert regional["nombre"] == TEXTO
    assert (regional["meta"], regional["meta_numerador"], regional["meta_denominador"]) == (
        "12.5",
        "1234567890.25",
        "",
    )
    assert regional["region"] == "I" and regional["se_mide"] is False
    assert regional["objetivo"] == 2 and regional["objetivo_informacion"] is not None
    assert indicadores[3]["meta"] == "50" and indicadores[3]["se_mide"] is True
    assert indicadores[3]["region"] is None and indicadores[3]["objetivo"] is None
    assert [i["numero"] for i in c["indicadores"]] == sorted(indicadores)

    actividades = c["actividades"]
    # National rows first, then north to south, then as ordered.
    assert actividades[0]["descripcion"] == "Hito nacional"
    assert actividades[0]["inicio"] == "" and actividades[0]["plazo"] == "2009-12-31"
    primera = next(a for a in actividades if a["descripcion"] == "Primera de la región")
    assert (primera["inicio"], primera["plazo"], primera["region"], primera["objetivo"]) == (
        "2009-02-01",
        "2009-03-15",
        "I",
        2,
    )
    propir = {p["descripcion"]: p for p in c["propir"]}
    assert propir["Con monto"]["monto"] == 1500000 and propir["Con monto"]["region"] == "I"
    assert propir["Sin monto"]["monto"] is None
    assert c["propir"][0]["descripcion"] == "Sin monto"
    assert [m["tipo"] for m in c["medidas"]] == ["medida", "variable"]
    assert c["medidas"][0]["objetivo"] == 2
    sin_fila = [n for n in c["no_abordados"] if n["fila"] == 999_999]
    assert sin_fila and sin_fila[0]["motivo"] == TEXTO and sin_fila[0]["producto"] == ""
    procedimiento = c["procedimientos"][0]
    fila = ProcedimientoGore.objects.get(pk=procedimiento["id"])
    assert procedimiento["region"] == fila.region.codigo
    assert procedimiento["instrumento_fecha"] == (
        fila.instrumento_fecha.isoformat() if fila.instrumento_fecha else ""
    )
    for campo in ("formato", "contenido", "periodicidad", "canal", "estado", "responsable_gore"):
        assert procedimiento[campo] == getattr(fila, campo)


@pytest.mark.django_db
def test_las_tablas_del_plan_en_una_consulta(plan):
    cm.plan_de(plan)
    cm.diagnostico_visado(plan)
    from pmggt import acceso

    acceso.centros_del_servicio(plan)
    with CaptureQueriesContext(connection) as consultas:
        cm.contenido(plan)
    assert len(consultas) == 1
    # Who resolves an observación on a regional row comes with it: no query.
    indicador = Indicador.objects.get(plan=plan.plan, numero=7)
    with CaptureQueriesContext(connection) as consultas:
        assert cm.centro_de_clave(plan, f"ind:{indicador.pk}:nombre") == indicador.centro_id
    assert len(consultas) == 0


@pytest.mark.django_db
def test_centro_de_clave_sin_contenido_en_una_consulta(plan):
    indicador = Indicador.objects.get(plan=plan.plan, numero=7)
    actividad = Actividad.objects.get(plan=plan.plan, descripcion="Primera de la región")
    with CaptureQueriesContext(connection) as consultas:
        assert cm.centro_de_clave(plan, f"ind:{indicador.pk}:nombre") == indicador.centro_id
        assert cm.centro_de_clave(plan, f"act:{actividad.pk}:plazo") == actividad.centro_id
    assert len(consultas) == 1
