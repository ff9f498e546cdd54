"""The Plan's section pages, document page and rows: who reads, who edits, what is saved."""

from datetime import date

import pytest
from django.urls import reverse

from planes.models import (
    Actividad,
    Indicador,
    Medida,
    ObjetivoEspecifico,
    ObjetivoNoAbordado,
    ProcedimientoGore,
)
from pmggt import workflow
from pmggt.models import Documento, Observacion
from tests.conftest import Estado, llevar_a
from tests.planes.fabricas import crear_plan

SECCIONES = ["planes:objetivos", "planes:informacion", "planes:indicadores", "planes:programa"]


def _gestion(prefijo, total, iniciales):
    return {
        f"{prefijo}-TOTAL_FORMS": str(total),
        f"{prefijo}-INITIAL_FORMS": str(iniciales),
        f"{prefijo}-MIN_NUM_FORMS": "0",
        f"{prefijo}-MAX_NUM_FORMS": "1000",
    }


def _datos_objetivos(documento, **cambios):
    """The «Objetivos» form as the page draws it for this plan, with ``cambios``."""
    plan = documento.plan
    objetivo = ObjetivoEspecifico.objects.get(plan=plan)
    datos = {
        "gen-objetivo_general_pt": plan.objetivo_general_pt,
        **_gestion("obj", 1, 1),
        "obj-0-id": str(objetivo.pk),
        "obj-0-numero": str(objetivo.numero),
        "obj-0-descripcion": objetivo.descripcion,
        "obj-0-ambito": objetivo.ambito,
        "obj-0-filas_cuadro1": [str(f) for f in objetivo.filas_cuadro1],
        "obj-0-fundamento": objetivo.fundamento,
        **_gestion("med", 0, 0),
        **_gestion("propir", 0, 0),
    }
    datos.update(cambios)
    return datos


@pytest.fixture
def plan(mundo):
    return crear_plan(mundo)


@pytest.mark.parametrize("nombre", SECCIONES)
def test_secciones_las_leen_los_internos_y_edita_la_encargada(client, mundo, plan, nombre):
    url = reverse(nombre, args=[plan.pk])
    client.force_login(mundo.encargada)
    respuesta = client.get(url)
    assert respuesta.status_code == 200
    assert "Borrador" in respuesta.content.decode()
    client.force_login(mundo.jefe)
    assert client.get(url).status_code == 200
    client.force_login(mundo.intruso)
    assert client.get(url).status_code == 404
    client.force_login(mundo.gore)
    assert client.get(url).status_code == 403


def test_objetivos_muestra_las_filas_del_diagnostico_visado(client, mundo, plan):
    client.force_login(mundo.encargada)
    html = client.get(reverse("planes:objetivos", args=[plan.pk])).content.decode()
    assert "Objetivo de prueba." in html
    assert "Cobertura del Diagnóstico" in html
    client.force_login(mundo.jefe)
    html = client.get(reverse("planes:objetivos", args=[plan.pk])).content.decode()
    assert "Mejorar el acceso a los productos en cada región." in html
    assert "Abordado por el objetivo" in html


def test_objetivos_guarda_y_agrega_una_medida(client, mundo, plan):
    client.force_login(mundo.encargada)
    objetivo = ObjetivoEspecifico.objects.get(plan=plan.plan)
    datos = _datos_objetivos(
        plan,
        **{
            "gen-objetivo_general_pt": "Nuevo objetivo general.",
            **_gestion("med", 1, 0),
            "med-0-tipo": "variable",
            "med-0-objetivo_id": str(objetivo.pk),
            "med-0-descripcion": "Cambio de autoridades regionales.",
        },
    )
    respuesta = client.post(reverse("planes:objetivos", args=[plan.pk]), datos)
    assert respuesta.status_code == 302, respuesta.content.decode()[:3000]
    plan.plan.refresh_from_db()
    assert plan.plan.objetivo_general_pt == "Nuevo objetivo general."
    medida = Medida.objects.get(plan=plan.plan)
    assert (medida.tipo, medida.objetivo_id) == ("variable", objetivo.pk)
    assert medida.history.first().history_user == mundo.encargada


def test_objetivos_huella_vieja_no_guarda(client, mundo, plan):
    client.force_login(mundo.encargada)
    url = reverse("planes:objetivos", args=[plan.pk])
    huella = client.get(url).context["huella"]
    objetivo = ObjetivoEspecifico.objects.get(plan=plan.plan)
    from pmggt.historia import actuando_como

    with actuando_como(mundo.encargada):
        objetivo.descripcion = "Cambiado por otra persona."
        objetivo.save()
    datos = _datos_objetivos(plan, huella=huella, **{"obj-0-descripcion": "Lo mío"})
    respuesta = client.post(url, datos)
    assert respuesta.status_code == 409
    objetivo.refresh_from_db()
    assert objetivo.descripcion == "Cambiado por otra persona."
    assert "Lo mío" in respuesta.content.decode()


def test_centro_no_edita_secciones_del_servicio(client, mundo, plan):
    client.force_login(mundo.centro_i)
    respuesta = client.post(reverse("planes:objetivos", args=[plan.pk]), _datos_objetivos(plan))
    assert respuesta.status_code == 403
    html = client.get(reverse("planes:objetivos", args=[plan.pk])).content.decode()
    assert "<textarea" not in html.split("Cobertura del Diagnóstico")[0]


def test_fuera_de_borrador_no_se_edita(client, mundo, plan):
    llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)
    client.force_login(mundo.encargada)
    url = reverse("planes:objetivos", args=[plan.pk])
    respuesta = client.post(url, _datos_objetivos(plan, **{"gen-objetivo_general_pt": "X"}))
    assert respuesta.status_code == 302
    plan.plan.refresh_from_db()
    assert plan.plan.objetivo_general_pt != "X"
    assert "<textarea" not in client.get(url).content.decode()


def test_cobertura_motivo_de_no_abordado(client, mundo, plan):
    objetivo = ObjetivoEspecifico.objects.get(plan=plan.plan)
    fila_i, fila_ii = objetivo.filas_cuadro1
    objetivo.filas_cuadro1 = [fila_i]
    objetivo.save()
    client.force_login(mundo.encargada)
    html = client.get(reverse("planes:objetivos", args=[plan.pk])).content.decode()
    assert f'id="cobertura-{fila_ii}"' in html
    assert f'name="na{fila_ii}-motivo"' in html
    pendiente = "Objetivo recomendado sin abordar ni motivo"
    assert pendiente in client.get(reverse("pmggt:documento", args=[plan.pk])).content.decode()
    url = reverse("planes:no_abordado", args=[plan.pk, fila_ii])
    assert client.post(url, {f"na{fila_ii}-motivo": "Sin presupuesto."}).status_code == 302
    assert ObjetivoNoAbordado.objects.get(plan=plan.plan).motivo == "Sin presupuesto."
    assert pendiente not in client.get(reverse("pmggt:documento", args=[plan.pk])).content.decode()
    # A row the visado Diagnóstico lacks: 404, nothing written.
    assert client.post(reverse("planes:no_abordado", args=[plan.pk, 999999]), {}).status_code == 404
    client.force_login(mundo.centro_i)
    assert client.post(url, {f"na{fila_ii}-motivo": ""}).status_code == 403
    assert ObjetivoNoAbordado.objects.filter(plan=plan.plan).count() == 1


def _datos_indicador(prefijo="ind", **cambios):
    datos = {
        f"{prefijo}-nombre": "Porcentaje de oficios enviados",
        f"{prefijo}-formula": "(N° de oficios enviados / N° de oficios comprometidos) * 100",
        f"{prefijo}-numerador": "N° de oficios enviados",
        f"{prefijo}-denominador": "N° de oficios comprometidos",
        f"{prefijo}-unidad": "%",
        f"{prefijo}-meta": "80",
        f"{prefijo}-meta_numerador": "8",
        f"{prefijo}-meta_denominador": "10",
        f"{prefijo}-medio_verificacion": "Oficios",
        f"{prefijo}-se_mide": "on",
    }
    datos.update({f"{prefijo}-{k}": v for k, v in cambios.items()})
    return datos


def test_indicador_con_formula_mala_no_se_guarda(client, mundo, plan):
    client.force_login(mundo.centro_i)
    url = reverse("planes:indicador_nuevo", args=[plan.pk, "I"])
    antes = Indicador.objects.count()
    datos = _datos_indicador(formula="(N° de oficios comprometidos / N° de oficios enviados) * 100")
    respuesta = client.post(url, datos)
    assert respuesta.status_code == 400
    html = respuesta.content.decode()
    assert "el numerador debe ir antes de «/»" in html
    assert 'id="id_ind-formula_error"' in html
    assert Indicador.objects.count() == antes
    respuesta = client.post(url, _datos_indicador(meta="50"))
    assert respuesta.status_code == 400
    assert "no corresponde a numerador/denominador" in respuesta.content.decode()
    assert Indicador.objects.count() == antes
    respuesta = client.post(url, _datos_indicador())
    assert respuesta.status_code == 302
    nuevo = Indicador.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    assert nuevo.numero == 2


def test_documento_muestra_el_plan_con_observaciones_y_regiones(client, mundo, plan):
    llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)
    actividad = Actividad.objects.filter(plan=plan.plan).first()
    workflow.devolver(
        documento=plan,
        actor=mundo.jefe,
        version=plan.version_actual,
        observaciones=[
            {"campo": f"act:{actividad.pk}:responsable", "texto": "¿Quién exactamente?"}
        ],
    )
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[plan.pk])).content.decode()
    assert "Mejorar el acceso a los productos en cada región." in html
    assert "Programa por región" in html
    assert reverse("planes:region", args=[plan.pk, "I"]) in html
    assert reverse("planes:region", args=[plan.pk, "II"]) in html
    fila = html.split(f'id="actividad-{actividad.pk}"')[1].split("</tr>")[0]
    assert "¿Quién exactamente?" in fila
    assert Observacion.objects.filter(documento=plan).count() == 1


def test_gore_ve_su_parte_visada(client, mundo, plan):
    llevar_a(mundo, plan, Estado.VISADO)
    client.force_login(mundo.gore)
    html = client.get(reverse("pmggt:documento", args=[plan.pk])).content.decode()
    assert "Procedimientos acordados con su Gobierno Regional" in html
    assert "Informar la oferta al GORE de la región I" in html
    assert "región II" not in html
    respuesta = client.get(reverse("planes:region", args=[plan.pk, "I"]))
    assert respuesta.status_code == 200
    assert "Informar la oferta al GORE de la región I" in respuesta.content.decode()
    assert client.get(reverse("planes:region", args=[plan.pk, "II"])).status_code == 403
    html = client.get(reverse("planes:programa", args=[plan.pk])).content.decode()
    assert "Informar la oferta al GORE de la región II" not in html


def test_informacion_guarda_procedimiento(client, mundo, plan):
    client.force_login(mundo.encargada)
    url = reverse("planes:informacion", args=[plan.pk])
    respuesta = client.get(url)
    formset = respuesta.context["formset_procedimientos"]
    datos = {"huella": respuesta.context["huella"]}
    for f in (
        respuesta.context["form_general"],
        respuesta.context["formset_objetivos"],
        formset,
    ):
        for form in getattr(f, "forms", [f]):
            for campo in form:
                valor = campo.value()
                if valor is None or valor is False:
                    continue
                if isinstance(valor, list):
                    datos[campo.html_name] = [str(v) for v in valor]
                elif isinstance(valor, date):
                    datos[campo.html_name] = valor.isoformat()
                else:
                    datos[campo.html_name] = str(valor)
        if hasattr(f, "management_form"):
            for campo in f.management_form:
                datos[campo.html_name] = str(campo.value())
    primero = formset.forms[0].prefix
    datos[f"{primero}-estado"] = ProcedimientoGore.Estado.NO_APLICA
    datos[f"{primero}-motivo_no_aplica"] = ""
    respuesta = client.post(url, datos)
    assert respuesta.status_code == 400
    assert "Indique por qué no aplica." in respuesta.content.decode()
    datos[f"{primero}-motivo_no_aplica"] = "El GORE no lo requiere."
    respuesta = client.post(url, datos)
    assert respuesta.status_code == 302, respuesta.content.decode()[:2000]
    assert ProcedimientoGore.objects.filter(estado="no_aplica").count() == 1


def test_plan_de_otro_servicio_no_existe_para_el_encargado(client, mundo, plan):
    client.force_login(mundo.intruso)
    assert client.get(reverse("pmggt:documento", args=[plan.pk])).status_code == 404
    assert Documento.objects.filter(pk=plan.pk).exists()


def test_programa_y_region_muestran_la_carta_gantt(client, mundo, plan):
    client.force_login(mundo.jefe)
    for url in (
        reverse("planes:programa", args=[plan.pk]),
        reverse("planes:region", args=[plan.pk, "I"]),
    ):
        html = client.get(url).content.decode()
        figura = html.split("<figure", 1)[1].split("</figure>", 1)[0]
        assert "<svg" in figura and "<figcaption" in figura
        assert "Informar la oferta al GORE de la región I" in figura
