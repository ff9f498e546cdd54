"""The printed «Plan y Programa de Trabajo» (planes.informes): what a visado Plan prints, in
order, read back with pdftotext; the BORRADOR mark; a GORE's cut; the command; escaping; and
the queries of building its HTML, constant in regions and activities."""

import shutil
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planes import informes
from planes.models import (
    Actividad,
    CompromisoPropir,
    Indicador,
    Medida,
    ObjetivoEspecifico,
    ObjetivoNoAbordado,
    ProcedimientoGore,
)
from pmggt import informes as nucleo
from pmggt.historia import actuando_como
from pmggt.informes import RegionNoEncontrada
from pmggt.models import Centro, Documento
from pmggt.versiones import contenido_visado
from tests.conftest import Estado, llevar_a
from tests.diagnostico.test_informes import en_orden, paginas, plano, texto_orden, texto_pdf
from tests.fabricas import RegionFactory
from tests.planes import fabricas

con_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) no está instalado"
)
INFORME = informes.INFORMES[0]


def _diagnostico_distinguible(m, servicio=None, ciclo=None, **kwargs):
    """crear_diagnostico with each region's row told apart, and one more recommended
    objective in region II (that the Plan will not take up)."""
    from diagnostico.models import FilaCuadro1

    documento = _crear_diagnostico(m, servicio=servicio, ciclo=ciclo, **kwargs)
    with actuando_como(m.encargada):
        for fila in FilaCuadro1.objects.filter(diagnostico__documento=documento):
            codigo = fila.centro.region.codigo if fila.centro else "S"
            fila.producto_texto = f"Producto de la región {codigo}"
            fila.objetivo = f"Objetivo recomendado de la región {codigo}"
            fila.save()
        FilaCuadro1.objects.create(
            diagnostico=documento.diagnostico,
            centro=m.centro_region_ii,
            producto_texto="Subsidio rural de Antofagasta",
            avance="Avance.",
            mejora="Mejora.",
            medidas="Medidas.",
            objetivo="Ampliar la cobertura rural de Antofagasta",
        )
    return documento


_crear_diagnostico = fabricas.crear_diagnostico


def construir_plan(m):
    """A sendable Plan of Servicio A with national, region I and region II rows."""
    documento = fabricas.crear_plan(m)
    diag, _ = contenido_visado(m.servicio, m.ciclo, Documento.Etapa.DIAGNOSTICO)
    filas = {}
    for f in diag["cuadro1"]:
        filas.setdefault(f["region"], []).append(f["id"])
    fila_i, (fila_ii, fila_extra) = filas["I"][0], filas["II"]
    plan = documento.plan
    c2 = m.centro_region_ii
    with actuando_como(m.encargada):
        uno = ObjetivoEspecifico.objects.get(plan=plan, numero=1)
        uno.filas_cuadro1 = [fila_i, fila_ii]
        uno.save()
        dos = ObjetivoEspecifico.objects.create(
            plan=plan,
            numero=2,
            descripcion="Coordinar la oferta con el GORE de Antofagasta",
            ambito=ObjetivoEspecifico.Ambito.COMPLEMENTARIEDAD,
            regiones=["II"],
            filas_cuadro1=[fila_ii],
        )
        ObjetivoNoAbordado.objects.create(
            plan=plan,
            fila_cuadro1=fila_extra,
            motivo="Se abordará en el Plan 2010 por falta de presupuesto.",
        )
        Medida.objects.create(
            plan=plan,
            tipo="medida",
            objetivo=uno,
            descripcion="Resolución exenta que asigna responsables regionales",
        )
        Medida.objects.create(
            plan=plan,
            tipo="variable",
            objetivo=uno,
            descripcion="Cambios en el presupuesto regional",
        )
        Medida.objects.create(
            plan=plan, tipo="medida", objetivo=dos, descripcion="Mesa de trabajo en Antofagasta"
        )
        CompromisoPropir.objects.create(
            plan=plan, centro=c2, objetivo=dos, descripcion="Pavimentos de Calama", monto=125000
        )
        Indicador.objects.create(
            plan=plan,
            numero=2,
            centro=c2,
            nombre="Porcentaje de comunas de Antofagasta con oferta georreferenciada",
            formula="(N° de comunas georreferenciadas / N° de comunas de la región) * 100",
            numerador="N° de comunas georreferenciadas",
            denominador="N° de comunas de la región",
            unidad="%",
            meta="75",
            meta_numerador="6",
            meta_denominador="8",
            medio_verificacion="Informe del sistema de información.",
            objetivo=dos,
        )
        Actividad.objects.create(
            plan=plan,
            descripcion="Capacitar a los equipos regionales",
            inicio=date(2009, 2, 1),
            plazo=date(2009, 3, 31),
            responsable="Encargado/a GT",
            objetivo=uno,
        )
        Actividad.objects.create(
            plan=plan,
            tipo=Actividad.Tipo.HITO,
            descripcion="Aprobación del Plan por el Jefe/a de Servicio",
            plazo=date(2009, 4, 15),
            responsable="Jefe/a de Servicio",
            objetivo=uno,
            orden=1,
        )
        Actividad.objects.create(
            plan=plan,
            centro=c2,
            descripcion="Mesa técnica con el GORE de Antofagasta",
            inicio=date(2009, 7, 1),
            plazo=date(2009, 11, 30),
            responsable="Director/a regional",
            objetivo=dos,
            orden=5,
        )
        ProcedimientoGore.objects.filter(plan=plan, region__codigo="II").update(
            formato="Planilla de la región II", contenido="Oferta de Antofagasta por comuna"
        )
    documento.refresh_from_db()
    return documento


@pytest.fixture
def plan(mundo, monkeypatch):
    monkeypatch.setattr(fabricas, "crear_diagnostico", _diagnostico_distinguible)
    return construir_plan(mundo)


@pytest.fixture
def visado(mundo, plan):
    return llevar_a(mundo, plan, Estado.VISADO)


def _nombre(usuario):
    return usuario.get_full_name() or usuario.get_username()


def _pdf(documento, region=None, usuario=None) -> bytes:
    return nucleo.generar(documento, INFORME, region, usuario).contenido


# --- What a visado Plan prints -----------------------------------------------------------------


@con_pdftotext
def test_plan_visado_imprime_todo_en_orden(mundo, visado):
    pdf = _pdf(visado)
    texto = texto_orden(pdf)
    en_orden(
        texto,
        [
            "Plan y Programa de Trabajo 2009",
            "Servicio A (SERV-A)",
            "Visado",
            f"Versión {visado.version_actual}",
            "Diagnóstico visado en que se basa",
            "versión 1",
            # Objectives with their Cuadro I rows, measures and risks.
            "Objetivos generales",
            "Incorporar la perspectiva territorial en los productos.",
            "Incorporar información regional a los sistemas.",
            "Objetivos específicos",
            "Producto de la región I",
            "Objetivo recomendado de la región I",
            "Mejorar el acceso a los productos en cada región.",
            "Características del producto",
            "Todas",
            "Resolución exenta que asigna responsables regionales",
            "Cambios en el presupuesto regional",
            "Producto de la región II",
            "Coordinar la oferta con el GORE de Antofagasta",
            "Complementariedad con otros servicios",
            "Mesa de trabajo en Antofagasta",
            "Compromisos del PROPIR",
            "Pavimentos de Calama",
            "125.000",
            "Objetivos recomendados no abordados",
            "Subsidio rural de Antofagasta",
            "Ampliar la cobertura rural de Antofagasta",
            "Se abordará en el Plan 2010 por falta de presupuesto.",
            # Information objectives and the GORE procedures.
            "Objetivos del sistema de información",
            "Registrar la oferta por región.",
            "Procedimientos acordados con cada GORE",
            "GORE Región de Tarapacá (I)",
            "Planilla Excel",
            "Trimestral",
            "Oficio N° 123 del 15-02-2009",
            "Vigente",
            "GORE Región de Antofagasta (II)",
            "Planilla de la región II",
            # The indicator sheet, with fórmula and meta.
            "Indicadores",
            "Porcentaje de regiones con oferta informada al GORE",
            "(N° de regiones con oferta informada / N° de regiones con Centro) * 100",
            "100 % (2/2)",
            "Oficios al GORE.",
            "Porcentaje de comunas de Antofagasta con oferta georreferenciada",
            "(N° de comunas georreferenciadas / N° de comunas de la región) * 100",
            "75 % (6/8)",
            # The work programme: national first, then north to south.
            "Programa de trabajo",
            "Nacional Actividad Capacitar a los equipos regionales 01-02-2009 31-03-2009",
            "Nacional Hito Aprobación del Plan por el Jefe/a de Servicio",
            "15-04-2009",
            "Informar la oferta al GORE de la región I 01-03-2009 30-06-2009",
            "Informar la oferta al GORE de la región II",
            "Mesa técnica con el GORE de Antofagasta 01-07-2009 30-11-2009",
            "Carta Gantt del programa de trabajo",
            "V°B° del documento",
            f"Aprobado por {_nombre(mundo.jefe)}",
            f"Visado por {_nombre(mundo.experta)}",
        ],
    )
    # The Gantt (its text is drawn after the page's HTML text): grouped by objective, then
    # region, national rows first; hitos with their date; the months of 2009.
    hojas_raw = texto_pdf(pdf, "-raw").split("\f")
    gantt = next(plano(h) for h in reversed(hojas_raw) if "Carta Gantt" in h)
    en_orden(
        gantt,
        [
            "2009",
            "ene feb mar abr may jun jul ago sep oct nov dic",
            "Objetivo específico 1. Mejorar el acceso",
            "Nacional",
            "Capacitar a los equipos regionales",
            "Nacional",
            "Aprobación del Plan por el Jefe/a de Servicio",
            "15-04-2009",
            "Región I",
            "Informar la oferta al GORE de la región I",
            "Región II",
            "Informar la oferta al GORE de la región II",
            "Objetivo específico 2. Coordinar la oferta",
            "Región II",
            "Mesa técnica con el GORE de Antofagasta",
            "Actividad (de inicio a plazo)",
            "Hito (con su fecha)",
        ],
    )
    hojas = paginas(pdf)
    total = len(hojas)
    assert total >= 4
    for numero, hoja in enumerate(hojas, start=1):
        assert f"Página {numero} de {total}" in plano(hoja)
    assert "BORRADOR" not in texto_pdf(pdf)


@con_pdftotext
def test_borrador_lleva_la_marca_en_cada_pagina(plan):
    pdf = _pdf(plan)
    hojas = paginas(pdf)
    assert all("BORRADOR" in hoja for hoja in hojas)
    texto = plano(texto_pdf(pdf))
    assert "Borrador sin versión" in texto
    assert "Aprobación pendiente" in texto and "Visación pendiente" in texto


@con_pdftotext
def test_gore_de_la_region_i_no_ve_la_region_ii(mundo, visado, client):
    client.force_login(mundo.gore)
    url = reverse("planes:pdf", args=[visado.pk, "plan"])
    respuesta = client.get(url, {"region": "I"})
    assert respuesta.status_code == 200
    assert respuesta["Content-Type"] == "application/pdf"
    pdf = b"".join(respuesta.streaming_content) if respuesta.streaming else respuesta.content
    texto = plano(texto_pdf(pdf))
    for propio in (
        "Parte de la Región de Tarapacá (I)",
        "Producto de la región I",
        "Mejorar el acceso a los productos en cada región.",
        "GORE Región de Tarapacá (I)",
        "Porcentaje de regiones con oferta informada al GORE",
        "Informar la oferta al GORE de la región I",
        "Capacitar a los equipos regionales",  # national rows are no other region's
        "Carta Gantt del programa de trabajo",
        f"Visado por {_nombre(mundo.experta)}",
    ):
        assert propio in texto, propio
    for ajeno in (
        "región II",
        "Región II",
        "Antofagasta",
        "Planilla de la región II",
        "Pavimentos de Calama",
        "Se abordará en el Plan 2010",
        "Porcentaje de comunas",
    ):
        assert ajeno not in texto, ajeno
    # Another region, or the whole Plan, is refused; a region the Plan lacks is not found.
    assert client.get(url, {"region": "II"}).status_code == 403
    assert client.get(url).status_code == 403  # a GORE names its region
    client.force_login(mundo.gore_ajeno)
    assert client.get(url, {"region": "I"}).status_code in (403, 404)


# --- Without rendering ------------------------------------------------------------------------


def test_region_que_el_plan_no_tiene(plan, mundo, client, pdf_simulado):
    with pytest.raises(RegionNoEncontrada):
        informes.construir(plan, "III")
    client.force_login(mundo.encargada)
    url = reverse("planes:pdf", args=[plan.pk, "plan"])
    assert client.get(url, {"region": "ZZ"}).status_code == 404
    assert client.get(url).status_code == 200
    assert client.get(url, {"region": "II"}).status_code == 200
    assert "Parte de la Región de Antofagasta (II)" in pdf_simulado[-1]
    assert "Informar la oferta al GORE de la región I<" not in pdf_simulado[-1]


def test_registrado_con_filtro_por_region(plan):
    from pmggt import etapas

    assert etapas.buscar_informe("plan")[1] is INFORME
    assert INFORME.formato == "pdf" and not INFORME.solo_servicio
    assert INFORME.regiones(plan) == {"I", "II"}
    # Today's line of the Gantt is in the key of a stored visado PDF.
    assert set(INFORME.presentacion(plan)) == {"hoy"}


def test_comando_exportar_informe(plan, tmp_path, pdf_simulado):
    salida = tmp_path / "plan.pdf"
    call_command(
        "exportar_informe",
        "--servicio",
        "SERV-A",
        "--ciclo",
        "2009",
        "--informe",
        "plan",
        "--salida",
        str(salida),
    )
    assert salida.read_bytes().startswith(b"%PDF")
    assert "Plan y Programa de Trabajo 2009" in pdf_simulado[-1]
    salida_ii = tmp_path / "plan-II.pdf"
    call_command(
        "exportar_informe",
        "--servicio=SERV-A",
        "--ciclo=2009",
        "--informe=plan",
        "--region=II",
        f"--salida={salida_ii}",
    )
    assert "Parte de la Región de Antofagasta (II)" in pdf_simulado[-1]


def test_texto_de_usuario_escapado(plan, mundo):
    ataque = '<script>alert(1)</script><img src="file:///etc/passwd">'
    with actuando_como(mundo.encargada):
        Actividad.objects.filter(plan=plan.plan).update(descripcion=ataque)
        ObjetivoEspecifico.objects.filter(plan=plan.plan).update(descripcion=ataque)
        Indicador.objects.filter(plan=plan.plan).update(formula=ataque, nombre=ataque)
    html = informes.construir(Documento.objects.get(pk=plan.pk))
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


def test_hoy_en_el_gantt_solo_dentro_del_anio(plan):
    datos = informes.datos_informe(plan)
    assert "Hoy, 10-05-2009" in informes.html_informe(datos, hoy=date(2009, 5, 10))
    assert "Hoy," not in informes.html_informe(datos, hoy=date(2026, 12, 1))


def _ampliar(m, documento, regiones: int, actividades: int) -> None:
    """Give the Plan's Servicio ``regiones`` Centros and the Plan ``actividades`` activities
    (with a GORE procedure, an indicator and a PROPIR commitment in each region)."""
    plan = documento.plan
    servicio = documento.servicio
    centros = list(Centro.objects.filter(servicio=servicio).select_related("region"))
    with actuando_como(m.encargada):
        for n in range(len(centros), regiones):
            region = RegionFactory(codigo=f"Z{n}", nombre=f"Región Z{n}", orden=20 + n)
            centros.append(
                Centro.objects.create(servicio=servicio, region=region, nombre=f"Centro Z{n}")
            )
        existentes = Actividad.objects.filter(plan=plan).count()
        objetivo = ObjetivoEspecifico.objects.get(plan=plan, numero=1)
        for n in range(existentes, actividades):
            centro = centros[n % len(centros)] if centros else None
            Actividad.objects.create(
                plan=plan,
                centro=centro,
                tipo="hito" if n % 4 == 0 else "actividad",
                descripcion=f"Actividad {n}",
                inicio=date(2009, 1 + n % 12, 1),
                plazo=date(2009, 1 + n % 12, 28),
                responsable="Director/a regional",
                objetivo=objetivo,
                orden=n,
            )
        for centro in centros:
            ProcedimientoGore.objects.get_or_create(
                plan=plan,
                region=centro.region,
                informacion="oferta",
                defaults={"formato": "Planilla", "estado": "vigente"},
            )
            CompromisoPropir.objects.get_or_create(
                plan=plan, centro=centro, defaults={"descripcion": "Obra"}
            )
            Indicador.objects.get_or_create(
                plan=plan,
                numero=100 + centro.pk,
                defaults={"centro": centro, "nombre": "Indicador regional"},
            )


def _consultas(documento) -> int:
    documento = Documento.objects.get(pk=documento.pk)
    with CaptureQueriesContext(connection) as consultas:
        html = informes.construir(documento)
    assert "Carta Gantt" in html
    return len(consultas)


def test_consultas_constantes_en_regiones_y_actividades(mundo, django_assert_max_num_queries):
    """2 regions and 5 activities, then 15 regions and 50 (with a procedure, an indicator and a
    PROPIR commitment in each region)."""
    documento = fabricas.crear_plan(mundo)
    _ampliar(mundo, documento, regiones=2, actividades=5)
    pocas = _consultas(documento)
    _ampliar(mundo, documento, regiones=15, actividades=50)
    assert Centro.objects.filter(servicio=mundo.servicio).count() == 15
    assert Actividad.objects.filter(plan=documento.plan).count() == 50
    documento = Documento.objects.get(pk=documento.pk)
    with django_assert_max_num_queries(pocas):
        html = informes.construir(documento)
    assert "Actividad 49" in html and "Región Z14" in html
