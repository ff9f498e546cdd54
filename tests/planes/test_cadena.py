"""The Plan on the core's chain: observaciones on an indicator's fórmula, return, fix,
resolve, re-send, visar; who resolves a regional row's observación; solicitar modificación."""

import pytest

from planes import contenido as c
from planes.models import Actividad, Indicador
from pmggt import services, workflow
from pmggt.diferencias import comparar
from pmggt.historia import actuando_como
from pmggt.models import Documento, Observacion
from tests.conftest import Estado, llevar_a
from tests.planes.fabricas import crear_plan


def _version(documento, numero):
    return documento.versiones.get(numero=numero).contenido


def test_devolucion_con_observacion_en_la_formula_y_reenvio(mundo):
    documento = llevar_a(mundo, crear_plan(mundo), Estado.EN_VISACION)
    indicador = Indicador.objects.get(plan__documento=documento)
    campo = f"ind:{indicador.pk}:formula"
    assert campo in {clave for clave, _ in services.campos_observables(documento)}
    workflow.devolver(
        documento=documento,
        actor=mundo.experta,
        version=documento.version_actual,
        observaciones=[{"texto": "La fórmula debe multiplicar por 100.", "campo": campo}],
    )
    documento.refresh_from_db()
    assert documento.estado == Estado.BORRADOR
    observacion = Observacion.objects.get(documento=documento, campo=campo)
    with actuando_como(mundo.encargada):
        indicador.formula = (
            "(N° de regiones con oferta informada / N° de regiones con Centro) x 100"
        )
        indicador.save()
    services.observacion_resolver(observacion=observacion, actor=mundo.encargada)
    documento = llevar_a(mundo, Documento.objects.get(pk=documento.pk), Estado.VISADO)
    assert documento.version_visada == 2
    cambios = [
        f
        for f in comparar(c.aplanar(_version(documento, 1)), c.aplanar(_version(documento, 2)))
        if f.estado != "igual"
    ]
    assert [f.clave for f in cambios] == [campo]
    assert "x 100" in _version(documento, 2)["indicadores"][0]["formula"]
    assert "* 100" in _version(documento, 1)["indicadores"][0]["formula"]


def test_encargada_de_centro_resuelve_solo_las_de_su_region(mundo):
    documento = llevar_a(mundo, crear_plan(mundo), Estado.EN_VISACION)
    act_i = Actividad.objects.get(plan__documento=documento, centro=mundo.centro_region_i)
    act_ii = Actividad.objects.get(plan__documento=documento, centro=mundo.centro_region_ii)
    workflow.devolver(
        documento=documento,
        actor=mundo.experta,
        version=documento.version_actual,
        observaciones=[
            {"texto": "Precise el plazo.", "campo": f"act:{act_i.pk}:plazo"},
            {"texto": "Precise el responsable.", "campo": f"act:{act_ii.pk}:responsable"},
        ],
    )
    obs_i = Observacion.objects.get(campo=f"act:{act_i.pk}:plazo")
    obs_ii = Observacion.objects.get(campo=f"act:{act_ii.pk}:responsable")
    assert workflow.puede_resolver(obs_i, mundo.centro_i)
    assert not workflow.puede_resolver(obs_ii, mundo.centro_i)
    with pytest.raises(workflow.SinPermiso):
        services.observacion_resolver(observacion=obs_ii, actor=mundo.centro_i)
    obs_ii.refresh_from_db()
    assert not obs_ii.resuelta
    documento = Documento.objects.get(pk=documento.pk)
    assert c.partes_de_campos(documento, [obs_i.campo, obs_ii.campo, "objetivo_general_pt"]) == {
        obs_i.campo: "I",
        obs_ii.campo: "II",
    }


def test_solicitar_modificacion_de_un_plan_visado_sube_de_nuevo(mundo):
    documento = llevar_a(mundo, crear_plan(mundo), Estado.VISADO)
    workflow.solicitar_modificacion(
        documento=documento, actor=mundo.encargada, comentario="Nuevas prioridades."
    )
    documento.refresh_from_db()
    assert documento.estado == Estado.BORRADOR and documento.version_visada == 1
    documento = llevar_a(mundo, documento, Estado.EN_REVISION_JEFE)
    assert documento.version_actual == 2 and documento.version_visada == 1


def test_no_se_envia_con_bloqueos(mundo):
    documento = crear_plan(mundo, enviable=False)
    motivos = c.validar_envio(documento)
    assert "Falta el objetivo general de la perspectiva territorial." in motivos
    assert "El Plan no tiene indicadores." in motivos
    with pytest.raises(workflow.DatosInvalidos):
        workflow.enviar(documento=documento, actor=mundo.encargada)
    documento.refresh_from_db()
    assert documento.estado == Estado.BORRADOR and not documento.versiones.exists()
