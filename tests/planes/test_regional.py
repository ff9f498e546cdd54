"""Regional work on the Plan: an Encargada de Centro writes her region's activities and
indicators in Borrador; she cannot touch another region's rows (form POST or htmx), another
plan's rows, nor the national part; the Encargado/a GT edits every part."""

import pytest
from django.urls import reverse

from planes.models import Actividad, Indicador
from tests.conftest import Estado, huella_bd, llevar_a
from tests.planes.fabricas import crear_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


def _datos_actividad(prefijo="act", **cambios):
    datos = {
        f"{prefijo}-tipo": "actividad",
        f"{prefijo}-descripcion": "Mesa de trabajo con el GORE",
        f"{prefijo}-inicio": "2009-04-01",
        f"{prefijo}-plazo": "2009-05-31",
        f"{prefijo}-responsable": "Jefa de planificación regional",
        f"{prefijo}-medio_verificacion": "Acta",
    }
    datos.update({f"{prefijo}-{k}": v for k, v in cambios.items()})
    return datos


def _filas(plan):
    return sorted(
        Actividad.objects.filter(plan=plan.plan).values_list("pk", "descripcion", "centro_id")
    ) + sorted(Indicador.objects.filter(plan=plan.plan).values_list("pk", "nombre", "centro_id"))


def _cuentas():
    return (Actividad.objects.count(), Indicador.objects.count(), huella_bd())


@pytest.fixture
def plan(mundo):
    return crear_plan(mundo)


def _actividad(plan, centro):
    return Actividad.objects.filter(plan=plan.plan, centro=centro).order_by("pk").first()


def test_centro_agrega_y_edita_su_region(client, mundo, plan):
    client.force_login(mundo.centro_i)
    pagina = client.get(reverse("planes:region", args=[plan.pk, "I"]))
    assert pagina.status_code == 200
    html = pagina.content.decode()
    assert "Agregar una actividad o hito" in html
    assert "<figure" in html and "<figcaption" in html
    respuesta = client.post(
        reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _datos_actividad()
    )
    assert respuesta.status_code == 302
    nueva = Actividad.objects.get(plan=plan.plan, descripcion="Mesa de trabajo con el GORE")
    assert nueva.centro == mundo.centro_region_i
    assert nueva.history.first().history_user == mundo.centro_i
    propia = _actividad(plan, mundo.centro_region_i)
    url = reverse("planes:actividad_editar", args=[plan.pk, "I", propia.pk])
    formulario = client.get(url, **HTMX)
    assert formulario.status_code == 200
    assert f'id="actividad-{propia.pk}"' in formulario.content.decode()
    huella = formulario.context["huella"]
    respuesta = client.post(
        url,
        {**_datos_actividad(f"act{propia.pk}", responsable="Seremi"), "huella": huella},
        **HTMX,
    )
    assert respuesta.status_code == 200
    assert "<tr" in respuesta.content.decode() and "Seremi" in respuesta.content.decode()
    propia.refresh_from_db()
    assert propia.responsable == "Seremi"


def test_plazo_antes_del_inicio_se_rechaza_junto_al_campo(client, mundo, plan):
    client.force_login(mundo.centro_i)
    antes = _filas(plan)
    respuesta = client.post(
        reverse("planes:actividad_nueva", args=[plan.pk, "I"]),
        _datos_actividad(inicio="2009-06-01", plazo="2009-05-01"),
    )
    assert respuesta.status_code == 400
    html = respuesta.content.decode()
    assert 'id="id_act-plazo_error"' in html
    assert "El plazo no puede ser anterior al inicio." in html
    assert _filas(plan) == antes


@pytest.mark.parametrize("htmx", [False, True], ids=["formulario", "htmx"])
def test_centro_no_toca_otra_region(client, mundo, plan, htmx):
    extra = HTMX if htmx else {}
    ajena = _actividad(plan, mundo.centro_region_ii)
    client.force_login(mundo.centro_i)
    antes = _filas(plan), huella_bd()
    intentos = [
        # Her region in the URL, another region's row: 404.
        (reverse("planes:actividad_editar", args=[plan.pk, "I", ajena.pk]), 404),
        (reverse("planes:actividad_eliminar", args=[plan.pk, "I", ajena.pk]), 404),
        # The other region in the URL: 403.
        (reverse("planes:actividad_editar", args=[plan.pk, "II", ajena.pk]), 403),
        (reverse("planes:actividad_eliminar", args=[plan.pk, "II", ajena.pk]), 403),
        (reverse("planes:actividad_nueva", args=[plan.pk, "II"]), 403),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "II"]), 403),
        # The national part is the Encargado/a GT's.
        (reverse("planes:actividad_nueva", args=[plan.pk, "servicio"]), 403),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "servicio"]), 403),
        (
            reverse(
                "planes:indicador_editar",
                args=[plan.pk, "servicio", Indicador.objects.get(plan=plan.plan).pk],
            ),
            403,
        ),
    ]
    for url, esperado in intentos:
        datos = _datos_actividad(f"act{ajena.pk}", descripcion="Cambiada")
        respuesta = client.post(url, datos, **extra)
        assert respuesta.status_code == esperado, url
    assert (_filas(plan), huella_bd()) == antes
    ajena.refresh_from_db()
    assert ajena.descripcion != "Cambiada"


def test_fila_de_otro_plan_da_404(client, mundo, plan):
    from tests.fabricas import CicloFactory

    otro = crear_plan(mundo, ciclo=CicloFactory(anio=2010))
    fila = Actividad.objects.filter(plan=otro.plan).first()
    client.force_login(mundo.encargada)
    antes = _filas(otro)
    for nombre in ("planes:actividad_editar", "planes:actividad_eliminar"):
        for region in ("servicio", "I"):
            respuesta = client.post(reverse(nombre, args=[plan.pk, region, fila.pk]), {})
            assert respuesta.status_code == 404
    assert _filas(otro) == antes


def test_encargada_gt_edita_todas_las_regiones_y_lo_nacional(client, mundo, plan):
    client.force_login(mundo.encargada)
    for region in ("I", "II", "servicio"):
        respuesta = client.post(
            reverse("planes:actividad_nueva", args=[plan.pk, region]),
            _datos_actividad(descripcion=f"Actividad {region}"),
        )
        assert respuesta.status_code == 302, region
    centros = dict(
        Actividad.objects.filter(descripcion__startswith="Actividad ").values_list(
            "descripcion", "centro_id"
        )
    )
    assert centros == {
        "Actividad I": mundo.centro_region_i.pk,
        "Actividad II": mundo.centro_region_ii.pk,
        "Actividad servicio": None,
    }
    ajena = _actividad(plan, mundo.centro_region_ii)
    respuesta = client.post(reverse("planes:actividad_eliminar", args=[plan.pk, "II", ajena.pk]))
    assert respuesta.status_code == 302
    assert not Actividad.objects.filter(pk=ajena.pk).exists()


def test_fuera_de_borrador_nadie_escribe(client, mundo, plan):
    llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)
    client.force_login(mundo.centro_i)
    antes = _filas(plan)
    respuesta = client.post(
        reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _datos_actividad()
    )
    assert respuesta.status_code == 302
    assert _filas(plan) == antes
    html = client.get(reverse("planes:region", args=[plan.pk, "I"]), follow=True).content.decode()
    assert "Agregar una actividad o hito" not in html
    assert "solo se edita en Borrador" in html or "Borrador" in html


def test_centro_lee_otras_regiones_sin_editarlas(client, mundo, plan):
    client.force_login(mundo.centro_i)
    html = client.get(reverse("planes:region", args=[plan.pk, "II"])).content.decode()
    assert "Informar la oferta al GORE de la región II" in html
    assert "Agregar una actividad o hito" not in html
    assert "actividad_editar" not in html and "/editar" not in html
    ajena = _actividad(plan, mundo.centro_region_ii)
    assert reverse("planes:actividad_editar", args=[plan.pk, "II", ajena.pk]) not in html


def test_huella_vieja_en_fila(client, mundo, plan):
    from pmggt.historia import actuando_como

    propia = _actividad(plan, mundo.centro_region_i)
    client.force_login(mundo.centro_i)
    url = reverse("planes:actividad_editar", args=[plan.pk, "I", propia.pk])
    huella = client.get(url).context["huella"]
    with actuando_como(mundo.encargada):
        propia.responsable = "Otra persona"
        propia.save()
    respuesta = client.post(url, {**_datos_actividad(f"act{propia.pk}"), "huella": huella})
    assert respuesta.status_code == 409
    propia.refresh_from_db()
    assert propia.responsable == "Otra persona"
