"""An Encargada de Centro's inbox with a Plan: her region's part, its link and what it lacks."""

from django.urls import reverse

from planes.models import Actividad
from tests.planes.fabricas import crear_plan
from tests.pmggt.test_pendientes import filas_de


def _pendientes(client, usuario) -> str:
    client.force_login(usuario)
    respuesta = client.get(reverse("pmggt:mis_pendientes"))
    assert respuesta.status_code == 200
    return respuesta.content.decode()


def test_la_encargada_de_centro_ve_su_parte_del_plan(client, mundo):
    documento = crear_plan(mundo)
    Actividad.objects.filter(plan__documento=documento, centro=mundo.centro_region_ii).delete()
    region_i = reverse("planes:region", args=[documento.pk, "I"])
    region_ii = reverse("planes:region", args=[documento.pk, "II"])

    html = _pendientes(client, mundo.centro_i)
    [fila] = [f for f in filas_de(html, "t-pendientes") if "Plan y Programa" in " ".join(f)]
    assert f'href="{region_i}"' in html and region_ii not in html
    assert "Programa de trabajo de su región: I" in " ".join(fila)
    assert "Su parte (Región I) está completa" in " ".join(fila)

    html = _pendientes(client, mundo.centro_ii)
    [fila] = [f for f in filas_de(html, "t-pendientes") if "Plan y Programa" in " ".join(f)]
    assert f'href="{region_ii}"' in html and region_i not in html
    assert "Su parte (Región II): 1 pendiente" in " ".join(fila)
    assert "actividades del programa de trabajo de su región" in " ".join(fila)
