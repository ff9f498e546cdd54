"""Review R1 of Etapa II (planes/): its findings reproduced and fixed, and the checks that held.

Fixed: a date far from the Ciclo's year (9999, 0001) in the activity form or the Excel import
is refused next to its field (it used to break every Plan page and the PDF, or draw thousands
of months), and one already stored draws a bounded Gantt; a repeated N° among the objectives
is a form error, not a 500; «Eliminar» of a row someone changed since the page was drawn is
refused (409) and deletes nothing; PROPIR observaciones are resolved only by who edits them;
a too-long no-abordado motivo comes back next to its field with the typed text.

Held (kept as regression checks): a GORE reads only its region of the visado version, by every
route; an Encargada de Centro writes only her region; bad input never gives a 500; user text
is escaped everywhere; the Plan never shows the Diagnóstico's draft; nothing changes outside
Borrador."""

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from diagnostico.models import FilaCuadro1
from planes import excel, services
from planes import models as pm
from planes.contenido import contenido
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
from pmggt import services as core_services
from pmggt import workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, Observacion
from pmggt.versiones import contenido_visado
from tests.conftest import Estado, llevar_a
from tests.fabricas import CicloFactory
from tests.planes.fabricas import crear_plan
from tests.planes.test_excel import celda, guardar, libro

MARCAS = ["SECRETO-II", "OBS-INTERNA", "BORRADOR-NUEVO", "región II", "Antofagasta"]
XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture
def plan(mundo):
    return crear_plan(mundo)


def _act(prefijo="act", **cambios):
    datos = {
        f"{prefijo}-tipo": "actividad",
        f"{prefijo}-descripcion": "Mesa R1",
        f"{prefijo}-inicio": "2009-04-01",
        f"{prefijo}-plazo": "2009-05-31",
        f"{prefijo}-responsable": "Jefa",
        f"{prefijo}-medio_verificacion": "Acta",
    }
    datos.update({f"{prefijo}-{k}": v for k, v in cambios.items()})
    return datos


def _ind(prefijo="ind", **cambios):
    datos = {
        f"{prefijo}-nombre": "IND R1",
        f"{prefijo}-formula": "(a / b) * 100",
        f"{prefijo}-numerador": "a",
        f"{prefijo}-denominador": "b",
        f"{prefijo}-unidad": "%",
        f"{prefijo}-meta": "50",
        f"{prefijo}-meta_numerador": "1",
        f"{prefijo}-meta_denominador": "2",
        f"{prefijo}-medio_verificacion": "x",
        f"{prefijo}-se_mide": "on",
    }
    datos.update({f"{prefijo}-{k}": v for k, v in cambios.items()})
    return datos


def _gestion(prefijo, total, iniciales):
    return {
        f"{prefijo}-TOTAL_FORMS": str(total),
        f"{prefijo}-INITIAL_FORMS": str(iniciales),
        f"{prefijo}-MIN_NUM_FORMS": "0",
        f"{prefijo}-MAX_NUM_FORMS": "1000",
    }


def _objetivos(plan, **cambios):
    objetivo = ObjetivoEspecifico.objects.get(plan=plan.plan, numero=1)
    datos = {
        "gen-objetivo_general_pt": plan.plan.objetivo_general_pt,
        **_gestion("obj", 1, 1),
        "obj-0-id": str(objetivo.pk),
        "obj-0-numero": "1",
        "obj-0-descripcion": objetivo.descripcion,
        "obj-0-ambito": objetivo.ambito,
        "obj-0-filas_cuadro1": [str(f) for f in objetivo.filas_cuadro1],
        "obj-0-fundamento": objetivo.fundamento,
        **_gestion("med", 0, 0),
        **_gestion("propir", 0, 0),
    }
    datos.update(cambios)
    return datos


def _informacion(mundo, **cambios):
    return {
        "gen-objetivo_general_informacion": "x",
        **_gestion("oi", 0, 0),
        **_gestion("gore", 1, 0),
        "gore-0-region_id": str(mundo.regiones[0].pk),
        "gore-0-informacion": "oferta",
        "gore-0-estado": "por_formalizar",
        **cambios,
    }


def _estado_filas(plan):
    """The canonical content and, per planes model, its rows and history records."""
    cuentas = {
        m.__name__: (m.objects.count(), m.history.count())
        for m in (
            pm.Plan,
            pm.ObjetivoEspecifico,
            pm.ObjetivoNoAbordado,
            pm.ObjetivoInformacion,
            pm.Medida,
            pm.CompromisoPropir,
            pm.ProcedimientoGore,
            pm.Indicador,
            pm.Actividad,
        )
    }
    return contenido(Documento.objects.get(pk=plan.pk)), cuentas


def _fila_primera_cobertura(mundo) -> int:
    diag, _ = contenido_visado(mundo.servicio, mundo.ciclo, Documento.Etapa.DIAGNOSTICO)
    return diag["cuadro1"][0]["id"]


def _paginas(client, plan) -> dict:
    client.raise_request_exception = False
    return {
        nombre: client.get(url).status_code
        for nombre, url in [
            ("region", reverse("planes:region", args=[plan.pk, "I"])),
            ("servicio", reverse("planes:region", args=[plan.pk, "servicio"])),
            ("programa", reverse("planes:programa", args=[plan.pk])),
            ("documento", reverse("pmggt:documento", args=[plan.pk])),
            ("pdf", reverse("planes:pdf", args=[plan.pk, "plan"])),
        ]
    }


# --- 1, 2. Dates far from the Ciclo's year ------------------------------------------------------


@pytest.mark.parametrize(
    ("cambios", "campo"),
    [
        ({"inicio": "", "plazo": "31-12-9999"}, "plazo"),
        ({"inicio": "01-01-0001", "plazo": "31-12-2009"}, "inicio"),
        ({"inicio": "2003-12-31"}, "inicio"),
        ({"plazo": "2015-01-01"}, "plazo"),
    ],
)
def test_fecha_lejana_se_rechaza_junto_al_campo(client, mundo, plan, cambios, campo):
    client.force_login(mundo.centro_i)
    antes = _estado_filas(plan)
    r = client.post(reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act(**cambios))
    assert r.status_code == 400
    html = r.content.decode()
    error = re.search(rf'id="id_act-{campo}_error">([^<]*)<', html)
    assert error and "Revise el año" in error[1], html[-3000:]
    assert "entre el 01-01-2004 y el 31-12-2014" in error[1]
    assert _estado_filas(plan) == antes
    # The limits themselves are accepted.
    r = client.post(
        reverse("planes:actividad_nueva", args=[plan.pk, "I"]),
        _act(inicio="2004-01-01", plazo="2014-12-31"),
    )
    assert r.status_code == 302


def test_fecha_lejana_al_editar_y_en_el_servicio(client, mundo, plan):
    fila = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    client.force_login(mundo.centro_i)
    url = reverse("planes:actividad_editar", args=[plan.pk, "I", fila.pk])
    r = client.post(url, _act(prefijo=f"act{fila.pk}", plazo="9999-12-31"))
    assert r.status_code == 400 and "Revise el año" in r.content.decode()
    fila.refresh_from_db()
    assert fila.plazo.year == 2009
    # The service refuses it too (a write that skipped the form).
    with pytest.raises(workflow.DatosInvalidos, match="Revise el año"):
        services.actividad_guardar(
            documento=plan,
            actor=mundo.centro_i,
            centro=mundo.centro_region_i,
            datos={"tipo": "actividad", "descripcion": "x", "plazo": date(9999, 12, 31)},
        )


def test_fecha_del_instrumento_acotada(client, mundo, plan):
    client.force_login(mundo.encargada)
    url = reverse("planes:informacion", args=[plan.pk])
    antes = _estado_filas(plan)
    for fecha in ("01-01-1989", "01-01-2015", "9999-12-31"):
        r = client.post(url, _informacion(mundo, **{"gore-0-instrumento_fecha": fecha}))
        assert r.status_code == 400, fecha
        error = re.search(r'id="id_gore-0-instrumento_fecha_error">([^<]*)<', r.content.decode())
        assert error and "entre el 01-01-1990 y el 31-12-2014" in error[1], fecha
    assert _estado_filas(plan) == antes


def test_fechas_lejanas_ya_guardadas_no_rompen_las_paginas(client, mundo, plan, pdf_simulado):
    """Rows stored before the check (or by a data load): every page and the PDF still work,
    and the Gantt keeps a bounded axis (2008 … 2011) with the rows cut at its edge."""
    with actuando_como(mundo.encargada):
        Actividad.objects.create(
            plan=plan.plan,
            centro=mundo.centro_region_i,
            descripcion="Eterna",
            inicio=date(1, 1, 1),
            plazo=date(9999, 12, 31),
            responsable="x",
        )
        Actividad.objects.create(
            plan=plan.plan,
            tipo="hito",
            descripcion="Hito lejano",
            plazo=date(9999, 12, 31),
            responsable="x",
        )
    client.force_login(mundo.encargada)
    assert set(_paginas(client, plan).values()) == {200}
    html = client.get(reverse("planes:region", args=[plan.pk, "I"])).content.decode()
    assert len(html) < 300_000
    assert "eje de enero de 2008 a diciembre de 2011" in html
    assert 'data-corte="antes"' in html and 'data-corte="despues"' in html
    assert "Eterna" in pdf_simulado[-1]


def test_excel_con_plazo_9999_se_rechaza(mundo, plan):
    documento = Documento.objects.get(pk=plan.pk)
    wb = libro(excel.exportar(documento, usuario=mundo.centro_i))
    celda(wb["Programa Región I"], 6, "Plazo (dd-mm-aaaa)").value = "31-12-9999"
    antes = _estado_filas(plan)
    with pytest.raises(excel.ErrorImportacion) as exc:
        excel.importar(documento=documento, archivo=io.BytesIO(guardar(wb)), actor=mundo.centro_i)
    assert [str(e) for e in exc.value.errores] == [
        "Hoja Programa Región I, fila 6, columna Plazo (dd-mm-aaaa): Revise el año: la fecha "
        "debe estar entre el 01-01-2004 y el 31-12-2014 (el año del Ciclo (2009) ± 5 años)."
    ]
    assert _estado_filas(plan) == antes


# --- 3. Repeated N° -----------------------------------------------------------------------------


def test_numero_repetido_en_objetivos_junto_al_campo(client, mundo, plan):
    client.force_login(mundo.encargada)
    antes = _estado_filas(plan)
    r = client.post(
        reverse("planes:objetivos", args=[plan.pk]),
        _objetivos(
            plan, **{"obj-TOTAL_FORMS": "2", "obj-1-numero": "1", "obj-1-descripcion": "Otro"}
        ),
    )
    assert r.status_code == 400
    error = re.search(r'id="id_obj-1-numero_error">([^<]*)<', r.content.decode())
    assert error and error[1] == "El N° 1 está repetido."
    assert _estado_filas(plan) == antes


def test_numero_repetido_en_objetivos_de_informacion_junto_al_campo(client, mundo, plan):
    oi = ObjetivoInformacion.objects.get(plan=plan.plan)
    client.force_login(mundo.encargada)
    antes = _estado_filas(plan)
    r = client.post(
        reverse("planes:informacion", args=[plan.pk]),
        {
            "gen-objetivo_general_informacion": "x",
            **_gestion("oi", 2, 1),
            "oi-0-id": str(oi.pk),
            "oi-0-numero": "1",
            "oi-0-informacion": "oferta",
            "oi-0-descripcion": "a",
            "oi-1-numero": "1",
            "oi-1-informacion": "oferta",
            "oi-1-descripcion": "b",
            **_gestion("gore", 0, 0),
        },
    )
    assert r.status_code == 400
    assert 'id="id_oi-1-numero_error">El N° 1 está repetido.<' in r.content.decode()
    assert _estado_filas(plan) == antes


# --- 4. «Eliminar» with the row's huella ------------------------------------------------------


def _form_eliminar(html, accion) -> dict:
    form = re.search(rf'<form[^>]*action="{re.escape(accion)}".*?</form>', html, re.S)
    assert form, accion
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form[0]))


def _reescribir(mundo, plan, fila):
    services.actividad_guardar(
        documento=plan,
        actor=mundo.encargada,
        centro=fila.centro,
        datos={
            "tipo": "actividad",
            "descripcion": "Texto nuevo de la Encargada GT",
            "inicio": date(2009, 3, 1),
            "plazo": date(2009, 6, 30),
            "responsable": "X",
            "objetivo_id": None,
            "objetivo_informacion_id": None,
            "medio_verificacion": "",
        },
        fila=fila,
    )


def test_eliminar_fila_cambiada_por_otra_persona_no_la_borra(client, mundo, plan):
    fila = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    client.force_login(mundo.centro_i)
    html = client.get(reverse("planes:region", args=[plan.pk, "I"])).content.decode()
    accion = reverse("planes:actividad_eliminar", args=[plan.pk, "I", fila.pk])
    campos = _form_eliminar(html, accion)
    assert campos["huella"]
    _reescribir(mundo, plan, fila)  # meanwhile the Encargada GT rewrites that row
    r = client.post(accion, campos)
    assert r.status_code == 409
    texto = r.content.decode()
    assert "guardó cambios en esta fila después de que usted abrió la página" in texto
    assert "no se eliminó" in texto
    assert Actividad.objects.filter(pk=fila.pk).exists()
    # The page drawn again carries the new huella: a second, knowing, delete goes through.
    r = client.post(accion, _form_eliminar(texto, accion))
    assert r.status_code == 302
    assert not Actividad.objects.filter(pk=fila.pk).exists()
    # An unreadable huella is refused as stale.
    otra = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_ii)
    client.force_login(mundo.encargada)
    accion = reverse("planes:actividad_eliminar", args=[plan.pk, "II", otra.pk])
    assert client.post(accion, {"huella": "basura"}).status_code == 409
    assert Actividad.objects.filter(pk=otra.pk).exists()


@pytest.mark.parametrize("pagina", ["planes:indicadores", "planes:programa"])
def test_eliminar_desde_las_paginas_del_plan_lleva_la_huella(client, mundo, plan, pagina):
    """The national tables (programme, indicators) send each row's huella too."""
    client.force_login(mundo.encargada)
    if pagina == "planes:indicadores":
        fila = Indicador.objects.get(plan=plan.plan)
        nombre = "planes:indicador_eliminar"
    else:
        fila = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
        nombre = "planes:actividad_eliminar"
    region = fila.centro.region.codigo if fila.centro else "servicio"
    accion = reverse(nombre, args=[plan.pk, region, fila.pk])
    campos = _form_eliminar(client.get(reverse(pagina, args=[plan.pk])).content.decode(), accion)
    with actuando_como(mundo.centro_i):
        fila.save()  # someone saves the row after the page was drawn
    assert client.post(accion, campos).status_code == 409
    assert type(fila).objects.filter(pk=fila.pk).exists()


def test_fila_guardada_en_linea_lleva_su_huella_nueva(client, mundo, plan):
    fila = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    client.force_login(mundo.centro_i)
    url = reverse("planes:actividad_editar", args=[plan.pk, "I", fila.pk])
    r = client.post(url, _act(prefijo=f"act{fila.pk}"), HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    accion = reverse("planes:actividad_eliminar", args=[plan.pk, "I", fila.pk])
    assert client.post(accion, _form_eliminar(r.content.decode(), accion)).status_code == 302
    assert not Actividad.objects.filter(pk=fila.pk).exists()


# --- 5. PROPIR observaciones ------------------------------------------------------------------


def test_centro_no_resuelve_observaciones_de_secciones_del_servicio(client, mundo, plan):
    """PROPIR commitments are edited only in «Objetivos» (Encargado/a GT): an Encargada de
    Centro, who cannot change them, does not close the observaciones on them either."""
    with actuando_como(mundo.encargada):
        c1 = CompromisoPropir.objects.create(
            plan=plan.plan, centro=mundo.centro_region_i, descripcion="Compromiso I"
        )
    obs = core_services.observacion_crear(
        documento=plan, autor=mundo.experta, texto="Corrija el monto", campo=f"propir:{c1.id}"
    )
    client.force_login(mundo.centro_i)
    assert client.post(reverse("planes:objetivos", args=[plan.pk]), {}).status_code == 403
    client.post(reverse("pmggt:observacion_resolver", args=[obs.pk]))
    assert not Observacion.objects.get(pk=obs.pk).resuelta


# --- 6. No-abordado motivo too long -------------------------------------------------------------


def test_motivo_demasiado_largo_se_indica_junto_al_campo(client, mundo, plan):
    fila = _fila_primera_cobertura(mundo)
    objetivo = ObjetivoEspecifico.objects.get(plan=plan.plan)
    restantes = [f for f in objetivo.filas_cuadro1 if f != fila]
    ObjetivoEspecifico.objects.filter(pk=objetivo.pk).update(filas_cuadro1=restantes)
    client.force_login(mundo.encargada)
    antes = _estado_filas(plan)
    escrito = "Motivo largo " + "x" * 4000
    url = reverse("planes:no_abordado", args=[plan.pk, fila])
    r = client.post(url, {f"na{fila}-motivo": escrito})
    assert r.status_code == 400
    html = r.content.decode()
    assert escrito in html  # the typed text is kept
    error = re.search(rf'id="id_na{fila}-motivo_error">([^<]*)<', html)
    assert error and "4000" in error[1]
    assert "Revise el motivo: no se guardó." in html
    assert 'name="obj-TOTAL_FORMS"' in html  # the whole objectives page, its forms unbound
    assert _estado_filas(plan) == antes
    # An unknown row is still a 404, and a valid motivo still saves.
    url_mala = reverse("planes:no_abordado", args=[plan.pk, 999999])
    assert client.post(url_mala, {"na999999-motivo": "x" * 4001}).status_code == 404
    assert client.post(url, {f"na{fila}-motivo": "Sin presupuesto."}).status_code == 302
    assert ObjetivoNoAbordado.objects.get(plan=plan.plan, fila_cuadro1=fila).motivo == (
        "Sin presupuesto."
    )


# --- What held ----------------------------------------------------------------------------------


def _sembrar_region_ii(mundo, documento):
    plan = documento.plan
    c2 = mundo.centro_region_ii
    r2 = mundo.regiones[1]
    diag, _ = contenido_visado(mundo.servicio, mundo.ciclo, Documento.Etapa.DIAGNOSTICO)
    fila_ii = next(f["id"] for f in diag["cuadro1"] if f["region"] == "II")
    with actuando_como(mundo.encargada):
        o2 = ObjetivoEspecifico.objects.create(
            plan=plan,
            numero=2,
            descripcion="OBJ-SECRETO-II",
            regiones=["II"],
            filas_cuadro1=[fila_ii],
            fundamento="FUND-SECRETO-II",
        )
        Medida.objects.create(plan=plan, tipo="medida", objetivo=o2, descripcion="MED-SECRETO-II")
        CompromisoPropir.objects.create(plan=plan, centro=c2, descripcion="PROPIR-SECRETO-II")
        Indicador.objects.create(
            plan=plan,
            centro=c2,
            numero=9,
            nombre="IND-SECRETO-II",
            formula="a / b",
            numerador="a",
            denominador="b",
            medio_verificacion="x",
            meta=5,
        )
        ObjetivoNoAbordado.objects.create(plan=plan, fila_cuadro1=fila_ii, motivo="NOAB-SECRETO-II")
        p = ProcedimientoGore.objects.get(plan=plan, region=r2)
        p.formato = "PROC-SECRETO-II"
        p.save()


@pytest.fixture
def plan_visado_en_modificacion(mundo, plan):
    _sembrar_region_ii(mundo, plan)
    llevar_a(mundo, plan, Estado.VISADO)
    workflow.solicitar_modificacion(documento=plan, actor=mundo.encargada, comentario="Cambiar")
    plan.refresh_from_db()
    with actuando_como(mundo.encargada):
        Actividad.objects.create(
            plan=plan.plan,
            centro=mundo.centro_region_i,
            descripcion="BORRADOR-NUEVO",
            plazo=date(2009, 8, 1),
            responsable="x",
        )
        p = plan.plan
        p.objetivo_general_pt = "BORRADOR-NUEVO general"
        p.save()
    core_services.observacion_crear(
        documento=plan, autor=mundo.experta, texto="OBS-INTERNA", campo="objetivo_general_pt"
    )
    return plan


def _texto_xlsx(contenido: bytes) -> str:
    wb = load_workbook(io.BytesIO(contenido))
    partes = [ws.title for ws in wb.worksheets]
    for ws in wb.worksheets:
        for fila in ws.iter_rows(values_only=True):
            partes.extend(str(v) for v in fila if v is not None)
    return "\n".join(partes)


def test_gore_no_ve_region_ii_ni_interno_ni_borrador(
    client, mundo, plan_visado_en_modificacion, pdf_simulado
):
    doc = plan_visado_en_modificacion
    client.force_login(mundo.gore)
    urls = [
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("planes:objetivos", args=[doc.pk]),
        reverse("planes:informacion", args=[doc.pk]),
        reverse("planes:indicadores", args=[doc.pk]),
        reverse("planes:programa", args=[doc.pk]),
        reverse("planes:region", args=[doc.pk, "I"]),
        reverse("planes:region", args=[doc.pk, "servicio"]),
        reverse("pmggt:documento_version", args=[doc.pk, doc.version_visada]),
        reverse("pmggt:documento_diferencias", args=[doc.pk]),
    ]
    vistos = {}
    for url in urls:
        for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
            r = client.get(url, **extra)
            vistos[(url, bool(extra))] = r.status_code
            if r.status_code == 200:
                html = r.content.decode()
                for marca in MARCAS:
                    assert marca not in html, (url, extra, marca)
    # downloads
    r = client.get(reverse("planes:excel", args=[doc.pk]) + "?region=I")
    assert r.status_code == 200
    texto = _texto_xlsx(r.content)
    for marca in MARCAS:
        assert marca not in texto, ("excel", marca)
    r = client.get(reverse("planes:pdf", args=[doc.pk, "plan"]) + "?region=I")
    assert r.status_code == 200, r.status_code
    html = pdf_simulado[-1]
    for marca in MARCAS:
        assert marca not in html, ("pdf", marca)
    # Timeline / campos are internal
    assert client.get(reverse("pmggt:documento_ediciones", args=[doc.pk])).status_code in (403, 404)
    # the visado content IS visible
    html = client.get(reverse("planes:region", args=[doc.pk, "I"])).content.decode()
    assert "Informar la oferta al GORE de la región I" in html


def test_centro_i_no_escribe_fuera_de_su_region(client, mundo, plan):
    otro = crear_plan(mundo, ciclo=CicloFactory(anio=2010))
    ajeno = ObjetivoEspecifico.objects.get(plan=otro.plan)
    act_ii = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_ii)
    act_i = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    ind_nac = Indicador.objects.get(plan=plan.plan, centro=None)
    antes = _estado_filas(plan)
    client.force_login(mundo.centro_i)
    casos = [
        ("nueva II", reverse("planes:actividad_nueva", args=[plan.pk, "II"]), _act(), {403}),
        (
            "nueva nacional",
            reverse("planes:actividad_nueva", args=[plan.pk, "servicio"]),
            _act(),
            {403},
        ),
        (
            "nueva region III",
            reverse("planes:actividad_nueva", args=[plan.pk, "III"]),
            _act(),
            {404},
        ),
        ("nueva region i", reverse("planes:actividad_nueva", args=[plan.pk, "i"]), _act(), {404}),
        (
            "editar II via I",
            reverse("planes:actividad_editar", args=[plan.pk, "I", act_ii.pk]),
            _act(prefijo=f"act{act_ii.pk}"),
            {404},
        ),
        (
            "editar II",
            reverse("planes:actividad_editar", args=[plan.pk, "II", act_ii.pk]),
            _act(prefijo=f"act{act_ii.pk}"),
            {403},
        ),
        (
            "eliminar II via I",
            reverse("planes:actividad_eliminar", args=[plan.pk, "I", act_ii.pk]),
            {},
            {404},
        ),
        (
            "ind nacional via I",
            reverse("planes:indicador_editar", args=[plan.pk, "I", ind_nac.pk]),
            _ind(prefijo=f"ind{ind_nac.pk}"),
            {404},
        ),
        (
            "ind nacional",
            reverse("planes:indicador_editar", args=[plan.pk, "servicio", ind_nac.pk]),
            _ind(prefijo=f"ind{ind_nac.pk}"),
            {403},
        ),
        (
            "ind eliminar nacional",
            reverse("planes:indicador_eliminar", args=[plan.pk, "servicio", ind_nac.pk]),
            {},
            {403},
        ),
        (
            "objetivo ajeno",
            reverse("planes:actividad_nueva", args=[plan.pk, "I"]),
            _act(objetivo_id=str(ajeno.pk)),
            {400},
        ),
        (
            "objetivo ajeno editar",
            reverse("planes:actividad_editar", args=[plan.pk, "I", act_i.pk]),
            _act(prefijo=f"act{act_i.pk}", objetivo_id=str(ajeno.pk)),
            {400},
        ),
        (
            "fila de otro plan",
            reverse(
                "planes:actividad_editar",
                args=[plan.pk, "I", Actividad.objects.filter(plan=otro.plan).first().pk],
            ),
            _act(),
            {404},
        ),
        (
            "objetivos",
            reverse("planes:objetivos", args=[plan.pk]),
            {"gen-objetivo_general_pt": "hack"},
            {403},
        ),
        (
            "informacion",
            reverse("planes:informacion", args=[plan.pk]),
            {"gen-objetivo_general_informacion": "hack"},
            {403},
        ),
        (
            "no_abordado",
            reverse("planes:no_abordado", args=[plan.pk, 1]),
            {"na1-motivo": "hack"},
            {403},
        ),
    ]
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        for nombre, url, datos, esperados in casos:
            r = client.post(url, datos, **htmx)
            if htmx and esperados == {400}:
                esperados = {400, 200}
            assert r.status_code in esperados, (nombre, htmx, r.status_code)
    assert _estado_filas(plan) == antes


def test_entradas_malas_nunca_dan_500(client, mundo, plan):
    client.force_login(mundo.encargada)
    client.raise_request_exception = False
    act = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    ind = Indicador.objects.get(plan=plan.plan)
    obj = reverse("planes:objetivos", args=[plan.pk])
    inf = reverse("planes:informacion", args=[plan.pk])
    casos = [
        (obj, _objetivos(plan, **{"obj-TOTAL_FORMS": "abc"})),
        (obj, {k: v for k, v in _objetivos(plan).items() if not k.startswith("obj-")}),
        (obj, _objetivos(plan, **{"obj-0-numero": "abc"})),
        (obj, _objetivos(plan, **{"obj-0-numero": "99999999999999999999"})),
        (obj, _objetivos(plan, **{"obj-0-id": "99999999"})),
        (obj, _objetivos(plan, **{"obj-0-id": "abc"})),
        (obj, _objetivos(plan, **{"obj-0-filas_cuadro1": ["99999"]})),
        (obj, _objetivos(plan, **{"obj-0-regiones": ["XV"]})),
        (obj, _objetivos(plan, **{"obj-0-ambito": "bogus"})),
        (obj, _objetivos(plan, **{"obj-0-descripcion": ""})),
        (
            obj,
            _objetivos(
                plan,
                **{**_gestion("propir", 1, 0), "propir-0-descripcion": "x", "propir-0-monto": "-5"},
            ),
        ),
        (
            obj,
            _objetivos(
                plan,
                **{
                    **_gestion("propir", 1, 0),
                    "propir-0-descripcion": "x",
                    "propir-0-monto": "1e30",
                },
            ),
        ),
        (
            obj,
            _objetivos(
                plan,
                **{
                    **_gestion("propir", 1, 0),
                    "propir-0-descripcion": "x",
                    "propir-0-monto": "NaN",
                },
            ),
        ),
        (
            obj,
            _objetivos(
                plan,
                **{
                    **_gestion("propir", 1, 0),
                    "propir-0-descripcion": "x",
                    "propir-0-centro_id": "999999",
                },
            ),
        ),
        (
            obj,
            _objetivos(
                plan, **{**_gestion("med", 1, 0), "med-0-descripcion": "x", "med-0-tipo": "zzz"}
            ),
        ),
        (
            obj,
            _objetivos(
                plan,
                **{
                    **_gestion("med", 1, 0),
                    "med-0-descripcion": "x",
                    "med-0-tipo": "medida",
                    "med-0-objetivo_id": "abc",
                },
            ),
        ),
        (obj, _objetivos(plan, huella="garbage")),
        (obj, _objetivos(plan, huella="2001-01-01T00:00:00+00:00")),
        (
            inf,
            {
                "gen-objetivo_general_informacion": "x",
                **_gestion("oi", 1, 0),
                "oi-0-numero": "1",
                "oi-0-informacion": "zzz",
                "oi-0-descripcion": "x",
                **_gestion("gore", 1, 0),
            },
        ),
        (
            inf,
            {
                "gen-objetivo_general_informacion": "x",
                **_gestion("oi", 0, 0),
                **_gestion("gore", 1, 0),
                "gore-0-region_id": "abc",
                "gore-0-informacion": "oferta",
                "gore-0-estado": "vigente",
            },
        ),
        (
            inf,
            {
                "gen-objetivo_general_informacion": "x",
                **_gestion("oi", 0, 0),
                **_gestion("gore", 1, 0),
                "gore-0-region_id": str(mundo.regiones[0].pk),
                "gore-0-informacion": "oferta",
                "gore-0-estado": "por_formalizar",
                "gore-0-instrumento_fecha": "31-02-2009",
            },
        ),
        (
            inf,
            {
                "gen-objetivo_general_informacion": "x",
                **_gestion("oi", 0, 0),
                **_gestion("gore", 1, 0),
                "gore-0-region_id": str(mundo.regiones[0].pk),
                "gore-0-informacion": "oferta",
                "gore-0-estado": "por_formalizar",
                "gore-0-instrumento_fecha": "99999-01-01",
            },
        ),
        (
            inf,
            {
                "gen-objetivo_general_informacion": "x",
                **_gestion("oi", 0, 0),
                **_gestion("gore", 1, 0),
                "gore-0-region_id": str(mundo.regiones[0].pk),
                "gore-0-informacion": "oferta",
                "gore-0-estado": "por_formalizar",
            },
        ),
        (reverse("planes:no_abordado", args=[plan.pk, 99999]), {"na99999-motivo": "x"}),
        (reverse("planes:no_abordado", args=[plan.pk, 1]), {"na1-motivo": "x" * 5000}),
        (reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act(plazo="2009-02-30")),
        (reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act(plazo="")),
        (reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act(tipo="zzz")),
        (reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act(responsable="x" * 400)),
        (
            reverse("planes:actividad_nueva", args=[plan.pk, "I"]),
            _act(inicio="2009-06-01", plazo="2009-01-01"),
        ),
        (reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act(objetivo_id="99999")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(meta="abc")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(meta="1e40")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(meta="Infinity")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(meta_denominador="0")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(numero="1")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(numero="-3")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(formula="")),
        (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind(unidad="u" * 100)),
        (
            reverse("planes:indicador_editar", args=[plan.pk, "servicio", ind.pk]),
            {"huella": "garbage", **_ind(prefijo=f"ind{ind.pk}")},
        ),
        (
            reverse("planes:actividad_editar", args=[plan.pk, "I", act.pk]),
            {"huella": "garbage", **_act(prefijo=f"act{act.pk}")},
        ),
        (
            reverse("planes:actividad_editar", args=[plan.pk, "I", act.pk]),
            {"huella": "", **_act(prefijo=f"act{act.pk}")},
        ),
        (
            reverse("planes:actividad_editar", args=[plan.pk, "I", 99999999]),
            _act(prefijo="act99999999"),
        ),
        (reverse("planes:actividad_editar", args=[plan.pk, "I", 99999999999999999999999]), _act()),
        (reverse("planes:region", args=[plan.pk, "x" * 300]), None),
    ]
    antes = _estado_filas(plan)
    malos = []
    for url, datos in casos:
        r = client.get(url) if datos is None else client.post(url, datos)
        if r.status_code >= 500:
            malos.append(
                (
                    url,
                    {
                        k: v
                        for k, v in (datos or {}).items()
                        if "TOTAL" in k
                        or k.endswith(("monto", "fecha", "meta", "id", "numero", "huella"))
                    },
                    r.status_code,
                )
            )
    assert not malos, malos
    assert _estado_filas(plan) == antes


def test_texto_del_usuario_se_escapa_en_todas_partes(client, mundo, plan, pdf_simulado):
    p = plan.plan
    with actuando_como(mundo.encargada):
        p.objetivo_general_pt = XSS
        p.objetivo_general_informacion = XSS
        p.save()
        for o in ObjetivoEspecifico.objects.filter(plan=p):
            o.descripcion = o.fundamento = XSS
            o.save()
        Medida.objects.create(plan=p, tipo="medida", objetivo=o, descripcion=XSS)
        Medida.objects.create(plan=p, tipo="variable", descripcion=XSS)
        CompromisoPropir.objects.create(
            plan=p, centro=mundo.centro_region_i, descripcion=XSS, objetivo=o
        )
        for oi in ObjetivoInformacion.objects.filter(plan=p):
            oi.descripcion = XSS
            oi.save()
        for pr in ProcedimientoGore.objects.filter(plan=p):
            for campo in (
                "formato",
                "contenido",
                "periodicidad_detalle",
                "canal_detalle",
                "responsable_servicio",
                "responsable_gore",
                "instrumento_numero",
            ):
                setattr(pr, campo, XSS[:60])
            pr.estado = "no_aplica"
            pr.motivo_no_aplica = XSS
            pr.save()
        for i in Indicador.objects.filter(plan=p):
            for campo in (
                "nombre",
                "medio_verificacion",
                "instrumento_recoleccion",
                "instrumento_sistematizacion",
                "nota_tecnica",
            ):
                setattr(i, campo, XSS)
            i.unidad = XSS[:60]
            i.save()
        for a in Actividad.objects.filter(plan=p):
            a.descripcion = a.responsable = a.medio_verificacion = XSS
            a.save()
        Actividad.objects.create(
            plan=p,
            tipo="hito",
            descripcion=XSS,
            plazo=date(2009, 9, 1),
            responsable=XSS,
            objetivo=o,
        )
        diag, _ = contenido_visado(mundo.servicio, mundo.ciclo, Documento.Etapa.DIAGNOSTICO)
        ObjetivoNoAbordado.objects.create(plan=p, fila_cuadro1=diag["cuadro1"][0]["id"], motivo=XSS)
    core_services.observacion_crear(
        documento=plan, autor=mundo.experta, texto=XSS, campo="objetivo_general_pt"
    )
    act = Actividad.objects.filter(plan=p, centro=mundo.centro_region_i).first()
    ind = Indicador.objects.filter(plan=p).first()
    urls = [
        reverse("pmggt:documento", args=[plan.pk]),
        reverse("planes:objetivos", args=[plan.pk]),
        reverse("planes:informacion", args=[plan.pk]),
        reverse("planes:indicadores", args=[plan.pk]),
        reverse("planes:programa", args=[plan.pk]),
        reverse("planes:region", args=[plan.pk, "I"]),
        reverse("planes:region", args=[plan.pk, "servicio"]),
        reverse("planes:actividad_editar", args=[plan.pk, "I", act.pk]),
        reverse("planes:indicador_editar", args=[plan.pk, "servicio", ind.pk]),
        reverse("pmggt:documento_ediciones", args=[plan.pk]),
    ]
    for persona in ("encargada", "experta"):
        client.force_login(getattr(mundo, persona))
        for url in urls:
            for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
                r = client.get(url, **extra)
                if r.status_code == 200:
                    assert "<img src=x" not in r.content.decode(), (persona, url, extra)
        client.get(reverse("planes:pdf", args=[plan.pk, "plan"]))
        assert pdf_simulado and "<img src=x" not in pdf_simulado[-1]
    # htmx save of a row returns its <tr>
    client.force_login(mundo.encargada)
    r = client.post(
        reverse("planes:actividad_editar", args=[plan.pk, "I", act.pk]),
        _act(prefijo=f"act{act.pk}", descripcion=XSS),
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "<img src=x" not in r.content.decode()
    # the visado version as a GORE sees it
    client.force_login(mundo.encargada)
    Observacion.objects.filter(documento=plan).update(resuelta=True)
    llevar_a(mundo, plan, Estado.VISADO)
    client.force_login(mundo.gore)
    for url in urls[:7] + [reverse("pmggt:documento_version", args=[plan.pk, 1])]:
        r = client.get(url)
        if r.status_code == 200:
            assert "<img src=x" not in r.content.decode(), ("gore", url)


def test_plan_no_muestra_el_borrador_del_diagnostico(client, mundo, plan, pdf_simulado):
    diag_doc = Documento.objects.get(
        servicio=mundo.servicio, ciclo=mundo.ciclo, etapa=Documento.Etapa.DIAGNOSTICO
    )
    workflow.solicitar_modificacion(documento=diag_doc, actor=mundo.encargada, comentario="x")
    with actuando_como(mundo.encargada):
        for f in FilaCuadro1.objects.filter(diagnostico__documento=diag_doc):
            f.objetivo = "DIAG-BORRADOR objetivo"
            f.producto_texto = "DIAG-BORRADOR producto"
            f.save()
        FilaCuadro1.objects.create(
            diagnostico=diag_doc.diagnostico,
            centro=mundo.centro_region_i,
            avance="a",
            mejora="m",
            medidas="m",
            objetivo="DIAG-BORRADOR nueva",
            producto_texto="DIAG-BORRADOR nueva",
        )
    client.force_login(mundo.encargada)
    for url in [
        reverse("pmggt:documento", args=[plan.pk]),
        reverse("planes:objetivos", args=[plan.pk]),
        reverse("planes:informacion", args=[plan.pk]),
        reverse("planes:programa", args=[plan.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "DIAG-BORRADOR" not in html, url
    client.get(reverse("planes:pdf", args=[plan.pk, "plan"]))
    assert "DIAG-BORRADOR" not in pdf_simulado[-1]


@pytest.mark.parametrize("estado", [Estado.EN_REVISION_JEFE, Estado.VISADO])
def test_fuera_de_borrador_nada_cambia(client, mundo, plan, estado):
    llevar_a(mundo, plan, estado)
    act = Actividad.objects.get(plan=plan.plan, centro=mundo.centro_region_i)
    ind = Indicador.objects.get(plan=plan.plan)
    diag, _ = contenido_visado(mundo.servicio, mundo.ciclo, Documento.Etapa.DIAGNOSTICO)
    fila = diag["cuadro1"][0]["id"]
    antes = _estado_filas(plan)
    client.raise_request_exception = False
    client.force_login(mundo.encargada)
    xlsx = client.get(reverse("planes:excel", args=[plan.pk])).content
    for persona in ("encargada", "centro_i"):
        client.force_login(getattr(mundo, persona))
        for url, datos in [
            (reverse("planes:actividad_nueva", args=[plan.pk, "I"]), _act()),
            (
                reverse("planes:actividad_editar", args=[plan.pk, "I", act.pk]),
                _act(prefijo=f"act{act.pk}"),
            ),
            (reverse("planes:actividad_eliminar", args=[plan.pk, "I", act.pk]), {}),
            (reverse("planes:indicador_nuevo", args=[plan.pk, "I"]), _ind()),
            (reverse("planes:indicador_eliminar", args=[plan.pk, "servicio", ind.pk]), {}),
            (
                reverse("planes:objetivos", args=[plan.pk]),
                _objetivos(plan, **{"gen-objetivo_general_pt": "nuevo"}),
            ),
            (reverse("planes:no_abordado", args=[plan.pk, fila]), {f"na{fila}-motivo": "nuevo"}),
            (
                reverse("planes:excel_importar", args=[plan.pk]),
                {"archivo": SimpleUploadedFile("p.xlsx", xlsx)},
            ),
        ]:
            r = client.post(url, datos)
            assert r.status_code < 500, (persona, url, r.status_code)
    assert _estado_filas(plan) == antes
