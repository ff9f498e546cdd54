"""PDF reports of the Diagnóstico (diagnostico.informes, views_informes, exportar_informe).

The PDFs are read back with poppler's pdftotext: the text of every cell in order, titles,
notes, page numbers, the BORRADOR mark on every page until Visado and the V°B° names after.
"""

import re
import shutil
import subprocess
import zlib

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diagnostico import informes
from diagnostico.models import (
    Causal,
    Diagnostico,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ProductoEstrategico,
    SistemaInformacion,
)
from pmggt import workflow
from pmggt.carga import cargar_demo
from pmggt.historia import actuando_como
from pmggt.informes import pdf as informes_pdf
from pmggt.models import Centro, Documento
from tests.conftest import PDF_MINIMO, mundo_compartido

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) no está instalado"
)

Info = FilaCuadro2.Informacion
Estado = Documento.Estado

# ----------------------------------------------------------------------------------------------
# Data: seed-like content (SERVIU Antofagasta 2009, seed 000; MIDEPLAN 2009, seed 004)

PRODUCTOS_SERVIU = [
    ("1", "Programas y Proyectos Habitacionales", "aplica", ["diseno", "coordinacion"]),
    ("1.1", "Programas de Subsidios Habitacionales", "aplica", ["diseno"]),
    ("1.1.1", "Fondo Solidario de Vivienda", "aplica", []),
    ("1.1.2", "Subsidio Rural", "aplica", ["acceso"]),
    ("1.2", "Infraestructura Sanitaria", "aplica", []),
    ("2", "Programas y Proyectos Urbanos", "aplica", ["diseno", "acceso"]),
    ("2.1", "Proyectos y Programas Urbanos", "aplica", []),
    ("2.2", "Programas Concursables", "no_aplica", []),
]

FILAS_CUADRO1_SERVIU = [
    (
        ["1", "1.1", "1.1.1", "1.1.2", "1.2"],
        Causal.DISENO,
        {
            "avance": "El Serviu Región de Antofagasta se encuentra avanzando hacia la "
            "implementación de la perspectiva territorial de sus Productos Estratégicos, "
            "dando énfasis a aquellos que representan el mayor porcentaje de la inversión "
            "Regional para el periodo 2009-2010.",
            "mejora": "Mejorar el proceso de elaboración de Diagnóstico y detección de Brechas "
            "a través de la incorporación de las nuevas herramientas informáticas.",
            "medidas": "•Mejorar los Sistemas informáticos mediante la retroalimentación que se "
            "produce con los Servius.",
            "objetivo": "Desarrollar productos Urbanos y Habitacionales que den respuesta a los "
            "requerimientos de los usuarios.",
        },
    ),
    (
        ["1", "1.1", "1.1.1", "1.1.2", "1.2"],
        Causal.COORDINACION,
        {
            "avance": "• Se ha avanzado en los compromisos del convenio con CONADI.\n"
            "• Catastro del Convenio con la Fundación para la Superación de la Pobreza.",
            "mejora": "• Ingresar los tres proyectos de Calama.\n• Agilizar los procesos de "
            "organización de la demanda.",
            "medidas": "• Gestionar a través de las EGIS la organización de la demanda.",
            "objetivo": "Establecer alianzas estratégicas con otras Instituciones públicas y "
            "privadas.",
        },
    ),
    (
        ["1", "1.1", "1.1.1", "1.1.2", "1.2"],
        Causal.ACCESO,
        {
            "avance": "• Mejoras en la coordinación con los municipios de la región.",
            "mejora": "Capacidad de gestión en la elaboración y apoyo para la presentación de "
            "proyectos.",
            "medidas": "• Apoyo técnico, administrativo y/o social a los territorios.",
            "objetivo": "Fortalecer la capacidad de gestión en los territorios.",
        },
    ),
    (
        ["2", "2.1", "2.2"],
        Causal.DISENO,
        {
            "avance": "Aplicación de encuestas de opinión ciudadana en Pavimentos Participativos.",
            "mejora": "Incorporación de la perspectiva territorial a través de metodologías "
            "para recoger la opinión ciudadana.",
            "medidas": "Aplicar encuestas en coordinación con municipios de la región.",
            "objetivo": "Desarrollar productos Urbanos que respondan a los territorios.",
        },
    ),
]

FILAS_CUADRO2_SERVIU = {
    Info.OFERTA: (
        "Habilitar los reportes e informes ejecutivos en los sistemas de negocio del MINVU: RUKAN.",
        "Remitir programación de Obras Sectoriales y de obras GORE mandatadas a los SERVIU.",
        "1. Estabilizar los Sistemas RUKAN y Pago de Subsidios.\n2. Desarrollar módulos del "
        "Sistema de Control de Gestión.",
    ),
    Info.CLIENTES: (
        "Habilitar los reportes ejecutivos de Pago de Subsidios y RUKAN.",
        "Informar semestralmente la localización de beneficiarios.",
        "Georreferenciar a los beneficiarios por comuna.",
    ),
    Info.GASTO: (
        "Realizar semanalmente el Comité de Ejecución Programática (CEP).",
        "Enviar el PROPIR trimestral al GORE.",
        "Informar el gasto por comuna.",
    ),
    Info.CONVENIOS: (
        "Seguimiento de convenios con municipios.",
        "Informar avance de convenios de programación.",
        "Registrar convenios en el sistema de control de gestión.",
    ),
}

PRODUCTOS_MIDEPLAN = [
    ("1", "Sistema de Protección Social", "aplica", ["diseno", "coordinacion", "acceso"]),
    ("1.1", "Programa Chile Solidario", "aplica", ["coordinacion"]),
    ("1.2", "Programa Chile Crece Contigo", "aplica", ["coordinacion"]),
    ("2", "Planes de desarrollo y gestión de sistemas de transporte", "no_aplica", []),
    ("3", "Sistema Nacional de Inversiones", "aplica", ["acceso"]),
    ("3.1", "Normativas y metodologías para iniciativas de inversión pública", "aplica", []),
    ("4", "Sistema de Información y Caracterización Socioeconómica", "aplica", ["diseno"]),
]


def _usuario(username):
    return get_user_model().objects.get(username=username)


def _producto(diagnostico, numero, nombre, aplica, causales, orden):
    padre = None
    if "." in numero:
        padre = ProductoEstrategico.objects.get(
            diagnostico=diagnostico, numero=numero.rsplit(".", 1)[0]
        )
    return ProductoEstrategico.objects.create(
        diagnostico=diagnostico,
        padre=padre,
        numero=numero,
        orden=orden,
        nombre=nombre,
        aplica_pt=aplica,
        causal_diseno="diseno" in causales,
        causal_acceso="acceso" in causales,
        causal_coordinacion="coordinacion" in causales,
        causal_texto=f"Causal del producto {numero}." if aplica == "aplica" else "",
        fundamento=""
        if aplica == "aplica"
        else f"Fundamento del producto {numero}: diseño central.",
    )


def vaciar(diagnostico, usuario):
    """Remove the demo's seed content, so each test states exactly what it prints."""
    with actuando_como(usuario):
        for relacionados in (
            diagnostico.filas_cuadro1,
            diagnostico.filas_cuadro2,
            diagnostico.clientes,
            diagnostico.encargados,
            diagnostico.facultades,
            diagnostico.sistemas_informacion,
        ):
            for fila in relacionados.all():
                fila.delete()
        for producto in diagnostico.productos.order_by("-numero"):
            producto.delete()


def poblar_serviu(documento, usuario):
    """Products, Cuadro I N°1 and N°2 rows of SERVIU Antofagasta (a Servicio without Centros)."""
    diagnostico = Diagnostico.objects.get(documento=documento)
    vaciar(diagnostico, usuario)
    with actuando_como(usuario):
        diagnostico.presentacion = (
            "El SERVIU Región de Antofagasta presenta la actualización de su diagnóstico.\n\n"
            "• Primer énfasis: inversión regional.\n• Segundo énfasis: grupos vulnerables."
        )
        diagnostico.save()
        productos = {
            n: _producto(diagnostico, n, nombre, aplica, causales, i)
            for i, (n, nombre, aplica, causales) in enumerate(PRODUCTOS_SERVIU)
        }
        for orden, (nums, causal, textos) in enumerate(FILAS_CUADRO1_SERVIU):
            fila = FilaCuadro1.objects.create(
                diagnostico=diagnostico, centro=None, causales=causal, orden=orden, **textos
            )
            fila.productos.set([productos[n] for n in nums])
        for info, (jefatura, gore, objetivo) in FILAS_CUADRO2_SERVIU.items():
            FilaCuadro2.objects.create(
                diagnostico=diagnostico,
                centro=None,
                informacion=info,
                medidas_jefatura=jefatura,
                medidas_gore=gore,
                objetivo=objetivo,
            )
        EncargadoRed.objects.create(
            diagnostico=diagnostico,
            unidad="Departamento de Planificación",
            nombres="Ana Pérez\nLuis Soto",
            correos="aperez@minvu.cl\nlsoto@minvu.cl",
        )
        FacultadDesconcentrada.objects.create(
            diagnostico=diagnostico,
            ambito=FacultadDesconcentrada.Ambito.CONVENIOS,
            situacion=FacultadDesconcentrada.Situacion.NO_DELEGADA_NECESARIA,
            descripcion="Suscribir convenios de programación con municipios.",
        )
        SistemaInformacion.objects.create(
            diagnostico=diagnostico,
            nombre="RUKAN",
            datos_regionales="Comuna y localidad de cada postulación.",
        )
    return diagnostico


def poblar_mideplan(documento, usuario, regiones=None, filas_por_region=2):
    """Cuadro rows for the given region codes (all 15 Centros by default)."""
    diagnostico = Diagnostico.objects.get(documento=documento)
    centros = {
        c.region.codigo: c
        for c in Centro.objects.filter(servicio=documento.servicio).select_related("region")
    }
    regiones = list(centros) if regiones is None else regiones
    vaciar(diagnostico, usuario)
    with actuando_como(usuario):
        productos = {
            n: _producto(diagnostico, n, nombre, aplica, causales, i)
            for i, (n, nombre, aplica, causales) in enumerate(PRODUCTOS_MIDEPLAN)
        }
        EncargadoRed.objects.create(
            diagnostico=diagnostico,
            unidad="División de Planificación Regional",
            nombres="Iván Castro D.\nFlor Valenzuela",
            correos="icastro@mideplan.gov.cl\nfvalenzuela@mideplan.gov.cl",
        )
        for codigo in regiones:
            centro = centros[codigo]
            EncargadoRed.objects.create(
                diagnostico=diagnostico,
                centro=centro,
                nombres=f"Seremi {codigo}\nEncargado {codigo}",
                correos=f"seremi.{codigo.lower()}@mideplan.gov.cl",
            )
            causales = [Causal.COORDINACION, Causal.ACCESO, Causal.DISENO]
            for orden in range(filas_por_region):
                fila = FilaCuadro1.objects.create(
                    diagnostico=diagnostico,
                    centro=centro,
                    causales=causales[orden % 3],
                    orden=orden,
                    avance=f"Avance {codigo}-{orden}: se consolidó la red comunal.\n"
                    f"• Gabinete Regional {codigo} sesiona mensualmente.",
                    mejora=f"Mejora {codigo}-{orden}: mejorar la derivación de usuarios.",
                    medidas=f"Medidas {codigo}-{orden}: asistencia técnica en terreno.",
                    objetivo=f"Objetivo {codigo}-{orden}: fortalecer la gestión provincial.",
                )
                fila.productos.set([productos["1"], productos["1.1" if orden % 2 else "1.2"]])
            for info in Info.values:
                FilaCuadro2.objects.create(
                    diagnostico=diagnostico,
                    centro=centro,
                    informacion=info,
                    medidas_jefatura=f"Jefatura {codigo} {info}",
                    medidas_gore=f"GORE {codigo} {info}",
                    objetivo=f"Objetivo plan {codigo} {info}",
                )
    return diagnostico


# ----------------------------------------------------------------------------------------------
# Reading PDFs back


def texto_pdf(pdf: bytes, *extra) -> str:
    resultado = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *extra, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return resultado.stdout.decode("utf-8")


def texto_orden(pdf: bytes) -> str:
    """Text in drawing order (pdftotext -raw): WeasyPrint draws tables row by row, cell by cell,
    whereas the default mode reads each column of a table as one block."""
    return plano(texto_pdf(pdf, "-raw"))


def paginas(pdf: bytes) -> list[str]:
    partes = texto_pdf(pdf).split("\f")
    return partes[:-1] if partes and not partes[-1].strip() else partes


def plano(texto: str) -> str:
    """Text with hyphenation undone and all whitespace collapsed, for 'contains in order'."""
    texto = re.sub(r"[\u00ad\u2010]\n", "", texto)
    return re.sub(r"\s+", " ", texto).strip()


def en_orden(texto: str, fragmentos) -> None:
    """Assert every fragment occurs in the text, in this order (ignoring case: region headings
    are printed in capitals with CSS text-transform)."""
    posicion = 0
    texto = texto.lower()
    for fragmento in fragmentos:
        buscado = plano(fragmento).lower()
        encontrado = texto.find(buscado, posicion)
        assert encontrado >= 0, f"falta (o fuera de orden): {buscado!r}"
        posicion = encontrado + len(buscado)


def xmp(pdf: bytes) -> str:
    """The XMP metadata packets of the PDF, inflating compressed streams if needed."""
    textos = [pdf.decode("latin-1")]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            textos.append(zlib.decompress(m.group(1)).decode("utf-8", "replace"))
        except zlib.error:
            continue
    return "\n".join(t for t in textos if "pdfaid" in t)


def _celdas(texto):
    from pmggt.texto import bloques

    salida = []
    for b in bloques(texto):
        salida.extend(b.items if b.tipo == "ul" else [b.texto])
    return salida


# ----------------------------------------------------------------------------------------------
# Fixtures


demo_cargada = mundo_compartido(cargar_demo)  # built once per worker: see tests/conftest.py


@pytest.fixture
def demo(demo_cargada):
    return {
        "serviu": Documento.objects.get(servicio__sigla="SERVIU-ANTOFAGASTA", etapa=1),
        "mideplan": Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=1),
    }


@pytest.fixture
def serviu(demo):
    documento = demo["serviu"]
    poblar_serviu(documento, _usuario("encargado.serviu"))
    return documento


def mideplan_nuevo(anio, regiones=None, filas_por_region=2):
    """A fresh MIDEPLAN Diagnóstico in Borrador with cuadro rows in these regions."""
    from pmggt import services
    from pmggt.models import Ciclo, Servicio

    encargado = _usuario("encargado.mideplan")
    ciclo = Ciclo.objects.create(anio=anio, abierto=True)
    documento = services.documento_crear(
        servicio=Servicio.objects.get(sigla="MIDEPLAN"), ciclo=ciclo, etapa=1, actor=encargado
    )
    diagnostico = poblar_mideplan(documento, encargado, regiones, filas_por_region)
    with actuando_como(encargado):
        diagnostico.mision = "Misión de MIDEPLAN."
        diagnostico.save()
        diagnostico.objetivos.create(numero=1, descripcion="Objetivo estratégico uno.")
    return documento


def _enviable(documento):
    """A Cuadro I N°1 row in each region still without one: sending requires it."""
    from tests.conftest import cuadro1_minimo

    with actuando_como(documento.creado_por):
        cuadro1_minimo(documento.diagnostico, solo_faltantes=True)


def _avanzar_mideplan(documento):
    """Borrador → Visado with MIDEPLAN's demo users."""
    _enviable(documento)
    workflow.enviar(documento=documento, actor=_usuario("encargado.mideplan"))
    documento.refresh_from_db()
    workflow.aprobar(
        documento=documento, actor=_usuario("jefe.mideplan"), version=documento.version_actual
    )
    documento.refresh_from_db()
    workflow.visar(
        documento=documento, actor=_usuario("experto.subdere"), version=documento.version_actual
    )
    documento.refresh_from_db()
    return documento


def _avanzar(documento, hasta):
    """Walk SERVIU's document up the chain with the demo users."""
    camino = [Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION, Estado.VISADO]
    documento.refresh_from_db()
    for siguiente in camino[camino.index(documento.estado) + 1 : camino.index(hasta) + 1]:
        documento.refresh_from_db()
        if siguiente == Estado.EN_REVISION_JEFE:
            workflow.enviar(documento=documento, actor=_usuario("encargado.serviu"))
        elif siguiente == Estado.EN_VISACION:
            workflow.aprobar(
                documento=documento,
                actor=_usuario("jefe.serviu"),
                version=documento.version_actual,
            )
        else:
            workflow.visar(
                documento=documento,
                actor=_usuario("experto.subdere"),
                version=documento.version_actual,
            )
    documento.refresh_from_db()
    return documento


# ----------------------------------------------------------------------------------------------
# Content of the cuadros


def test_cuadro1_contiene_cada_celda_en_orden_titulos_y_notas(serviu):
    pdf = informes.pdf_cuadro1(serviu)
    assert pdf.startswith(b"%PDF-")
    texto = texto_orden(pdf)
    fragmentos = [informes.TITULO_CUADRO1, *informes.COLUMNAS_CUADRO1]
    nombres = {n: nombre for n, nombre, _, _ in PRODUCTOS_SERVIU}
    anterior = None
    for nums, causal, textos in FILAS_CUADRO1_SERVIU:
        if nums != anterior:  # a group's products are printed once, on its first row
            fragmentos += [f"{n}{'.' if '.' not in n else ''} {nombres[n]}" for n in nums]
        anterior = nums
        fragmentos.append(f"{Causal(causal).label}:")
        for campo in ("avance", "mejora", "medidas", "objetivo"):
            fragmentos += _celdas(textos[campo])
    fragmentos += informes.notas_cuadro1(2009)
    en_orden(texto, fragmentos)
    assert "(1) Usar el listado de productos y subproductos vigentes en el 2009" in texto
    assert "Página 1 de" in texto
    assert "Región de Antofagasta" in texto
    assert "Servicio de Vivienda y Urbanización Región de Antofagasta" in texto
    assert "Etapa I – Diagnóstico" in texto


def test_cuadro2_filas_en_orden_de_informacion(serviu):
    pdf = informes.pdf_cuadro2(serviu)
    texto = texto_orden(pdf)
    fragmentos = [informes.TITULO_CUADRO2, *informes.COLUMNAS_CUADRO2]
    for info in Info.values:  # the four types, in this order
        fragmentos.append(informes.INFORMACION_PDF[info])
        for celda in FILAS_CUADRO2_SERVIU[info]:
            fragmentos += _celdas(celda)
    fragmentos += informes.NOTAS_CUADRO2
    en_orden(texto, fragmentos)


def test_cuadro2_no_pertinente_muestra_el_motivo(serviu):
    with actuando_como(_usuario("encargado.serviu")):
        Diagnostico.objects.filter(documento=serviu).update(
            cuadro2_no_pertinente=True, cuadro2_motivo="El Servicio no tiene equipos regionales."
        )
    for pdf in (informes.pdf_cuadro2(serviu), informes.pdf_informe_etapa1(serviu)):
        texto = plano(texto_pdf(pdf))
        assert "No pertinente para este Servicio." in texto
        assert "El Servicio no tiene equipos regionales." in texto


def test_mideplan_una_seccion_por_region_de_norte_a_sur_y_filtro_por_region(demo):
    documento = mideplan_nuevo(2010)
    regiones = informes.datos_informe(documento)["contenido"]["regiones"]
    assert len(regiones) == 15
    texto = texto_orden(informes.pdf_cuadro1(documento))
    en_orden(texto, [f"Avance {r['codigo']}-0" for r in regiones])  # north to south
    en_orden(texto, [r["centro"] for r in regiones])
    solo = plano(texto_pdf(informes.pdf_cuadro1(documento, region="II")))
    assert "Avance II-0" in solo and "Avance II-1" in solo
    assert "Avance I-0" not in solo and "Avance XV-0" not in solo
    cuadro2 = plano(texto_pdf(informes.pdf_cuadro2(documento, region="XII")))
    assert "Jefatura XII oferta" in cuadro2 and "Jefatura II oferta" not in cuadro2
    with pytest.raises(informes.RegionNoEncontrada):
        informes.pdf_cuadro1(documento, region="ZZ")


def test_filas_del_servicio_con_centros_van_en_nivel_central(demo):
    documento = mideplan_nuevo(2010, regiones=["I"])
    diagnostico = Diagnostico.objects.get(documento=documento)
    with actuando_como(_usuario("encargado.mideplan")):
        FilaCuadro1.objects.create(
            diagnostico=diagnostico, centro=None, causales=Causal.DISENO, avance="Avance central"
        )
    datos = informes.datos_informe(documento)
    assert informes.codigos_region(datos) == {r["codigo"] for r in datos["contenido"]["regiones"]}
    texto = texto_orden(informes.pdf_cuadro1(documento))
    en_orden(texto, ["Nivel central", "Avance central", "Región de Tarapacá", "Avance I-0"])
    solo = texto_orden(informes.pdf_cuadro1(documento, region="I"))
    assert "Avance central" not in solo and "Avance I-0" in solo


def test_informe_etapa1_estructura_de_la_semilla_004(serviu):
    pdf = informes.pdf_informe_etapa1(serviu)
    texto = texto_orden(pdf)
    en_orden(
        texto,
        [
            "PMG de Gestión Territorial",
            "Etapa I – Diagnóstico",
            "Servicio de Vivienda y Urbanización Región de Antofagasta",
            "2009",
            "Estado: Borrador",
            "Índice",
            "I Presentación",
            "El SERVIU Región de Antofagasta presenta la actualización de su diagnóstico.",
            "Primer énfasis: inversión regional.",
            "II Encargados de Gestión Territorial",
            "Departamento de Planificación",
            "Ana Pérez",
            "III Objetivos, productos y subproductos estratégicos",
            "Misión institucional",
            "Objetivos estratégicos",
            "Producto 1. Programas y Proyectos Habitacionales",
            "Subproducto 1.1 Programas de Subsidios Habitacionales",
            "Producto específico 1.1.1 Fondo Solidario de Vivienda",
            "IV Productos y subproductos que aplican perspectiva territorial",
            "Producto 1. Programas y Proyectos Habitacionales",
            "Aplica",
            "Asociados al diseño y/o características del producto",
            "Causal del producto 1.",
            "Fundamento del producto 2.2: diseño central.",
            "V Cuadros sinópticos del diagnóstico, región por región",
            informes.TITULO_CUADRO1,
            FILAS_CUADRO1_SERVIU[0][2]["avance"],
            informes.TITULO_CUADRO2,
            FILAS_CUADRO2_SERVIU[Info.OFERTA][0],
            "VI Facultades desconcentradas",
            "Suscribir convenios de programación con municipios.",
            "VII Sistemas de información",
            "RUKAN",
            "V°B° del documento",
        ],
    )
    # The índice points to real pages: "I Presentación ..... 3".
    assert re.search(r"I Presentación[ .]*\d", texto)


def test_paginas_cuadros_apaisadas_y_portada_vertical(serviu):
    from weasyprint import HTML

    datos = informes.datos_informe(serviu)
    html = informes.html_informe(datos, "etapa1")
    documento = HTML(
        string=html, base_url=informes_pdf.BASE_URL, url_fetcher=informes_pdf.FetcherEstatico()
    ).render()
    tamanos = [(round(p.width), round(p.height)) for p in documento.pages]
    assert tamanos[0] == (794, 1123)  # A4 portrait cover (CSS px)
    assert (1123, 794) in tamanos  # A4 landscape cuadros
    cuadro1 = informes.html_informe(datos, "cuadro1")
    documento = HTML(
        string=cuadro1, base_url=informes_pdf.BASE_URL, url_fetcher=informes_pdf.FetcherEstatico()
    ).render()
    assert {(round(p.width), round(p.height)) for p in documento.pages} == {(1123, 794)}


# ----------------------------------------------------------------------------------------------
# BORRADOR watermark, versions and V°B°


def _marcas_por_pagina(pdf):
    return [p.count("BORRADOR") for p in paginas(pdf)]


def test_marca_borrador_en_cada_pagina_hasta_visado_y_vobo(serviu):
    estados = [Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION, Estado.VISADO]
    for estado in estados:
        documento = _avanzar(serviu, estado)
        for generar in (informes.pdf_cuadro1, informes.pdf_cuadro2, informes.pdf_informe_etapa1):
            pdf = generar(documento)
            marcas = _marcas_por_pagina(pdf)
            assert len(marcas) >= 1
            if estado == Estado.VISADO:
                assert marcas == [0] * len(marcas), (estado, generar.__name__)
            else:
                assert marcas == [1] * len(marcas), (estado, generar.__name__, marcas)
            texto = plano(texto_pdf(pdf))
            assert f"Página 1 de {len(marcas)}" in texto
            assert f"Página {len(marcas)} de {len(marcas)}" in texto
            assert f"Estado: {documento.get_estado_display()}" in texto
            jefe = "Aprobado por Jefe/a de Servicio SERVIU Antofagasta el"
            experto = "Visado por Experto/a Red de Expertos SUBDERE el"
            if estado == Estado.BORRADOR:
                assert "Borrador sin versión" in texto
                assert jefe not in texto and experto not in texto
            else:
                version = documento.versiones.get(numero=documento.version_actual)
                assert f"Versión {version.numero} · sha256 {version.sha256[:12]}" in texto
            if estado in (Estado.EN_VISACION, Estado.VISADO):
                assert texto.count(jefe) == 1
            if estado == Estado.VISADO:
                assert texto.count(experto) == 1
                assert "BORRADOR" not in texto


def test_despues_del_envio_imprime_la_version_congelada(serviu):
    documento = _avanzar(serviu, Estado.EN_REVISION_JEFE)
    # Edits made behind the chain's back do not reach the PDF of the sent version.
    FilaCuadro1.objects.filter(diagnostico__documento=documento).update(
        mejora="Texto que no fue enviado"
    )
    texto = plano(texto_pdf(informes.pdf_cuadro1(documento)))
    assert "Texto que no fue enviado" not in texto
    assert "Mejorar el proceso de elaboración de Diagnóstico" in texto


def test_pdf_a_3b(serviu):
    pdf = informes.pdf_cuadro1(serviu)
    metadatos = xmp(pdf)
    assert re.search(r"pdfaid:part(>|=\")3", metadatos), metadatos[:500]
    assert re.search(r"pdfaid:conformance(>|=\")B", metadatos)


# ----------------------------------------------------------------------------------------------
# Security: no markup from user text, no resource outside static/


ATAQUE = (
    '<img src="file:///etc/passwd"> <link rel=stylesheet href="http://127.0.0.1:9/x.css"> '
    "<style>body{background:url(file:///etc/passwd)}</style> "
    '<div style="background-image:url(file:///etc/passwd)">x</div>'
)


class FetcherEspia(informes_pdf.FetcherEstatico):
    instancias: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.llamadas = []
        FetcherEspia.instancias.append(self)

    def fetch(self, url, headers=None):
        self.llamadas.append(url)
        return super().fetch(url, headers)


@pytest.fixture
def espia(monkeypatch):
    FetcherEspia.instancias = []
    monkeypatch.setattr(informes_pdf, "FetcherEstatico", FetcherEspia)
    return FetcherEspia.instancias


def test_texto_de_usuario_no_es_html_ni_carga_recursos(serviu, espia):
    with actuando_como(_usuario("encargado.serviu")):
        FilaCuadro1.objects.filter(diagnostico__documento=serviu).update(avance=ATAQUE)
        Diagnostico.objects.filter(documento=serviu).update(presentacion=ATAQUE)
    for generar in (informes.pdf_cuadro1, informes.pdf_informe_etapa1):
        pdf = generar(serviu)
        fetcher = espia[-1]
        permitidas = [
            f"{informes_pdf.BASE_URL}pmggt/informe.css",  # the shared page rules
            f"{informes_pdf.BASE_URL}diagnostico/informe.css",  # the stage's classes
        ]
        assert fetcher.llamadas == permitidas  # only our stylesheets were ever requested
        assert fetcher.rechazadas == []
        texto = plano(texto_pdf(pdf))
        assert '<img src="file:///etc/passwd">' in texto  # printed as text
        assert "url(file:///etc/passwd)" in texto
        assert "root:x:0:0" not in texto
        assert b"root:x:0:0" not in pdf


def test_fetcher_rechaza_todo_fuera_de_static_aunque_llegue_html(serviu, tmp_path):
    """Defence in depth: even raw HTML (never produced by our templates) loads nothing."""
    datos = informes.datos_informe(serviu)
    html = informes.html_informe(datos, "cuadro1").replace("</body>", ATAQUE + "</body>")
    html = html.replace(
        "</head>",
        '<link rel="stylesheet" href="/static/../pmggt/settings.py">'
        '<link rel="stylesheet" href="/static/%2e%2e/%2e%2e/etc/passwd">'
        '<link rel="stylesheet" href="data:text/css,body{color:red}"></head>',
    )
    fetcher = FetcherEspia()
    pdf = informes_pdf.renderizar(html, fetcher=fetcher).contenido
    assert fetcher.servidas == [
        f"{informes_pdf.BASE_URL}pmggt/informe.css",
        f"{informes_pdf.BASE_URL}diagnostico/informe.css",
    ]
    rechazadas = " ".join(fetcher.rechazadas)
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.css", "data:text/css"):
        assert url in rechazadas
    assert "settings.py" in rechazadas and "%2e%2e" in rechazadas.lower()
    assert b"root:x:0:0" not in pdf
    assert "root:x:0:0" not in texto_pdf(pdf)
    # Direct checks of the path rules.
    f = informes_pdf.FetcherEstatico()
    assert f.ruta(f"{informes_pdf.BASE_URL}pmggt/informe.css") is not None
    for url in (
        "file:///etc/passwd",
        f"{informes_pdf.BASE_URL}../manage.py",
        f"{informes_pdf.BASE_URL}%2e%2e/manage.py",
        f"{informes_pdf.BASE_URL}pmggt/",
        "https://pmggt-static.invalid.evil.com/static/pmggt/informe.css",
        "http://pmggt-static.invalid/static/pmggt/informe.css",
    ):
        assert f.ruta(url) is None, url


def test_tiempo_de_render_acotado(serviu, settings):
    settings.PMGGT_PDF_TIEMPO_MAXIMO = 0.001
    with pytest.raises(informes_pdf.InformeDemasiadoLento):
        informes.pdf_informe_etapa1(serviu)
    settings.PMGGT_PDF_TIEMPO_MAXIMO = 120
    informes.pdf_cuadro2(serviu)  # the slot is released once the slow render finishes


# ----------------------------------------------------------------------------------------------
# Queries: constant in the number of regions


def _consultas_cuadro1(documento):
    documento = Documento.objects.get(pk=documento.pk)
    with CaptureQueriesContext(connection) as consultas:
        informes.pdf_cuadro1(documento)
    return len(consultas)


@pytest.mark.parametrize("estado", [Estado.BORRADOR, Estado.EN_VISACION])
def test_consultas_no_crecen_con_las_regiones(demo, estado):
    encargado = _usuario("encargado.mideplan")
    conteos = []
    for anio, regiones in ((2010, ["II"]), (2011, None)):
        documento = mideplan_nuevo(anio, regiones)
        if estado == Estado.EN_VISACION:
            _enviable(documento)
            workflow.enviar(documento=documento, actor=encargado)
            documento.refresh_from_db()
            workflow.aprobar(
                documento=documento,
                actor=_usuario("jefe.mideplan"),
                version=documento.version_actual,
            )
        conteos.append(_consultas_cuadro1(documento))
    assert conteos[0] == conteos[1], conteos


# ----------------------------------------------------------------------------------------------
# The view


def _url(documento, informe):
    return reverse("diagnostico:pdf", kwargs={"pk": documento.pk, "informe": informe})


@pytest.fixture
def pedir(client):
    def _pedir(usuario, documento, informe, region=None):
        client.force_login(usuario)
        return client.get(_url(documento, informe), {"region": region} if region else {})

    return _pedir


def test_vista_encargado_descarga_con_nombre_de_archivo(serviu, pedir, pdf_simulado):
    # Who gets which file: the renderer is a stub (pdf_simulado); what the PDFs say is read
    # back from real renders in the tests above.
    respuesta = pedir(_usuario("encargado.serviu"), serviu, "cuadro1")
    assert respuesta.status_code == 200
    assert respuesta["Content-Type"] == "application/pdf"
    assert (
        respuesta["Content-Disposition"]
        == 'attachment; filename="SERVIU-ANTOFAGASTA-2009-cuadro1.pdf"'
    )
    assert respuesta.content.startswith(b"%PDF-")
    assert respuesta.content == PDF_MINIMO  # the renderer's output, as it came
    for informe in ("cuadro2", "etapa1"):
        respuesta = pedir(_usuario("encargado.serviu"), serviu, informe)
        assert respuesta.status_code == 200
        nombre = f'filename="SERVIU-ANTOFAGASTA-2009-{informe}.pdf"'
        assert nombre in respuesta["Content-Disposition"]
    # The Jefe/a and the Experto/a of the Servicio read it too.
    assert pedir(_usuario("jefe.serviu"), serviu, "cuadro2").status_code == 200
    assert pedir(_usuario("experto.subdere"), serviu, "cuadro2").status_code == 200
    # Each download printed its report: the HTML handed to the renderer is that report's.
    assert len(pdf_simulado) == 5
    titulos = [
        "Cuadro I N°1",
        "Cuadro I N°2",
        "Informe Etapa I – Diagnóstico",
        *["Cuadro I N°2"] * 2,
    ]
    for html, titulo in zip(pdf_simulado, titulos, strict=True):
        assert f"<title>{titulo} – SERVIU-ANTOFAGASTA 2009</title>" in html
        assert "Servicio de Vivienda y Urbanización Región de Antofagasta" in html


def test_vista_informe_o_region_desconocidos_404(serviu, pedir):
    encargado = _usuario("encargado.serviu")
    assert pedir(encargado, serviu, "cuadro9").status_code == 404
    assert pedir(encargado, serviu, "cuadro1", region="XII").status_code == 404
    assert pedir(encargado, serviu, "cuadro1", region="../../etc").status_code == 404


def test_vista_gore_solo_su_region_y_solo_visado(demo, serviu, pedir):
    gore = _usuario("gore.antofagasta")  # GORE of region II, concerned by SERVIU Antofagasta
    _avanzar(serviu, Estado.VISADO)  # (the demo's was visado once and reopened)
    respuesta = pedir(gore, serviu, "cuadro1", region="II")
    assert respuesta.status_code == 200
    assert 'filename="SERVIU-ANTOFAGASTA-2009-cuadro1-II.pdf"' in respuesta["Content-Disposition"]
    assert "Avance existente aplicando la PT (2)" in plano(texto_pdf(respuesta.content))
    # A regional Servicio without Centros is all its region's (diagnostico.acceso).
    assert pedir(gore, serviu, "cuadro1").status_code == 200
    assert pedir(gore, serviu, "cuadro1", region="I").status_code == 403  # another region
    assert pedir(gore, serviu, "etapa1", region="II").status_code == 403  # whole informe
    assert pedir(gore, serviu, "etapa1").status_code == 403
    # MIDEPLAN (Centros in every region), visado: region II only.
    mideplan = mideplan_nuevo(2010, regiones=["I", "II"])
    assert pedir(gore, mideplan, "cuadro2", region="II").status_code == 403  # not visado yet
    _avanzar_mideplan(mideplan)
    assert pedir(gore, mideplan, "cuadro2", region="I").status_code == 403
    assert pedir(gore, mideplan, "cuadro2").status_code == 403  # must name its region
    respuesta = pedir(gore, mideplan, "cuadro2", region="II")
    assert respuesta.status_code == 200
    texto = plano(texto_pdf(respuesta.content))
    assert "Jefatura II oferta" in texto
    assert "Jefatura I oferta" not in texto
    assert "BORRADOR" not in texto


def test_vista_ajeno_404_y_anonimo_al_login(serviu, pedir):
    from django.test import Client

    assert pedir(_usuario("encargado.mideplan"), serviu, "cuadro1").status_code == 404
    assert pedir(_usuario("encargado.mideplan"), serviu, "etapa1").status_code == 404
    respuesta = Client().get(_url(serviu, "cuadro1"))
    assert respuesta.status_code == 302
    assert respuesta["Location"].startswith(reverse("login"))


# ----------------------------------------------------------------------------------------------
# The command


def test_comando_exportar_pdf(serviu, tmp_path, capsys, pdf_simulado):
    salida = tmp_path / "cuadro1.pdf"
    call_command(
        "exportar_informe",
        "--servicio",
        "SERVIU-ANTOFAGASTA",
        "--ciclo",
        "2009",
        "--informe",
        "cuadro1",
        "--salida",
        str(salida),
    )
    assert salida.read_bytes().startswith(b"%PDF-")
    mensaje = capsys.readouterr().out
    assert re.search(r"\d+ páginas? en \d+,\d\d s \(\d+,\d\d s por página\)", mensaje), mensaje
    # The renderer is a stub (pdf_simulado): the file holds what it returned for Cuadro I N°1.
    assert salida.read_bytes() == PDF_MINIMO
    assert len(pdf_simulado) == 1 and informes.TITULO_CUADRO1 in pdf_simulado[0]
    assert "1 página en" in mensaje


def test_comando_excel_usa_diagnostico_excel(serviu, tmp_path, capsys):
    salida = tmp_path / "cuadros.xlsx"
    call_command(
        "exportar_informe",
        "--servicio",
        "SERVIU-ANTOFAGASTA",
        "--ciclo",
        "2009",
        "--salida",
        str(salida),
    )
    assert salida.read_bytes().startswith(b"PK")  # an xlsx is a zip file
    assert "Excel de" in capsys.readouterr().out


def test_comando_excel_sin_modulo_da_error_claro(serviu, tmp_path, monkeypatch):
    # A stage that declares no Excel export: the command says so in Spanish.
    import dataclasses

    from pmggt import etapas

    for definicion in etapas.todas():  # the demo's SERVIU also has a Plan (Etapa II)
        sin_excel = dataclasses.replace(
            definicion, informes=tuple(i for i in definicion.informes if i.formato != "xlsx")
        )
        monkeypatch.setitem(etapas._ETAPAS, definicion.numero, sin_excel)
    with pytest.raises(CommandError, match="Excel"):
        call_command(
            "exportar_informe",
            "--servicio",
            "SERVIU-ANTOFAGASTA",
            "--ciclo",
            "2009",
            "--salida",
            str(tmp_path / "cuadros.xlsx"),
        )


@pytest.mark.parametrize(
    "argumentos, error",
    [
        (["--servicio", "NOEXISTE", "--ciclo", "2009"], "Servicio"),
        (["--servicio", "SERVIU-ANTOFAGASTA", "--ciclo", "1999"], "ciclo"),
        (["--servicio", "SERVIU-ANTOFAGASTA", "--ciclo", "2009", "--region", "XII"], "región"),
    ],
)
def test_comando_errores_en_castellano(serviu, tmp_path, argumentos, error):
    with pytest.raises(CommandError, match=error):
        call_command(
            "exportar_informe",
            *argumentos,
            "--informe",
            "cuadro1",
            "--salida",
            str(tmp_path / "x.pdf"),
        )


def test_comando_extension_desconocida(serviu, tmp_path):
    with pytest.raises(CommandError, match="extensión"):
        call_command(
            "exportar_informe",
            "--servicio",
            "SERVIU-ANTOFAGASTA",
            "--ciclo",
            "2009",
            "--informe",
            "cuadro1",
            "--salida",
            str(tmp_path / "x.docx"),
        )
