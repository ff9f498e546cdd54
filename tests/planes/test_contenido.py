"""The Plan's canonical content, coverage of the visado Diagnóstico and fórmula checks."""

import pytest

from planes import contenido as c
from planes.models import ObjetivoEspecifico, ObjetivoNoAbordado
from pmggt import services, workflow
from pmggt.models import Documento
from pmggt.workflow import EstadoInvalido
from tests.conftest import Estado, crear_diagnostico, llevar_a
from tests.planes.fabricas import crear_plan


def test_no_se_inicia_antes_del_diagnostico_visado(mundo):
    diagnostico = crear_diagnostico(mundo)
    for estado in (Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION):
        llevar_a(mundo, diagnostico, estado)
        with pytest.raises(EstadoInvalido):
            services.documento_crear(
                servicio=mundo.servicio,
                ciclo=mundo.ciclo,
                etapa=Documento.Etapa.PLAN,
                actor=mundo.encargada,
            )
    assert not Documento.objects.filter(etapa=Documento.Etapa.PLAN).exists()


def test_plan_enviable_recorre_la_cadena(mundo):
    documento = crear_plan(mundo)
    assert c.validar_envio(documento) == []
    documento = llevar_a(mundo, documento, Estado.VISADO)
    version = documento.versiones.get(numero=documento.version_visada)
    assert version.contenido["objetivos"][0]["filas"][0]["objetivo"] == "Objetivo de prueba."
    assert version.contenido["diagnostico"]["version"] == 1


def test_nunca_lee_el_borrador_del_diagnostico(mundo):
    documento = crear_plan(mundo)
    diagnostico = Documento.objects.get(servicio=mundo.servicio, etapa=1)
    workflow.solicitar_modificacion(documento=diagnostico, actor=mundo.encargada, comentario="X")
    fila = diagnostico.diagnostico.filas_cuadro1.first()
    fila.objetivo = "BORRADOR NO VISADO"
    fila.save()
    documento = Documento.objects.get(pk=documento.pk)
    texto = str(c.contenido(documento))
    assert "BORRADOR NO VISADO" not in texto
    assert "Objetivo de prueba." in texto


def test_cobertura_lista_exactamente_las_no_abordadas(mundo):
    documento = crear_plan(mundo)
    plan = documento.plan
    objetivo = ObjetivoEspecifico.objects.get(plan=plan)
    diag = c.diagnostico_visado(documento)[0]
    fila_i, fila_ii = [f["id"] for f in diag["cuadro1"]]
    objetivo.filas_cuadro1 = [fila_i]
    objetivo.save()
    documento = Documento.objects.get(pk=documento.pk)
    cob = c.cobertura(c.contenido(documento), diag)
    assert [f["id"] for f in cob["faltantes"]] == [fila_ii]
    assert any("sin abordar" in t for t in c.validar_envio(documento))
    ObjetivoNoAbordado.objects.create(plan=plan, fila_cuadro1=fila_ii, motivo="Sin presupuesto.")
    documento = Documento.objects.get(pk=documento.pk)
    assert c.cobertura(c.contenido(documento), diag)["faltantes"] == []
    assert c.validar_envio(documento) == []


@pytest.mark.parametrize(
    ("formula", "errores"),
    [
        ("(A / B) * 100", 0),
        ("(a  /  b)*100", 0),
        ("(B / A) * 100", 2),
        ("A * 100", 1),
        ("(A / C) * 100", 1),
        ("", 1),
    ],
)
def test_revisar_formula(formula, errores):
    assert len(c.revisar_formula(formula, "A", "B")) == errores


def test_revisar_meta():
    base = {"formula": "(A / B) * 100", "unidad": "%"}
    ok = {**base, "meta": "80", "meta_numerador": "8", "meta_denominador": "10"}
    assert c.revisar_meta(ok) is None
    mala = {**ok, "meta": "90"}
    assert "no corresponde" in c.revisar_meta(mala)
    assert "cero" in c.revisar_meta({**ok, "meta_denominador": "0"})
