"""Print fidelity of the cuadros (issue 9, item 4 and the PDF side of items 1–2).

What the printed Cuadros I N°1 and N°2 must look like, read back from real renders: the titles
with their references (Cuadro I N°1's computed per region from the objetivos estratégicos of
its rows' products; Cuadro I N°2's from the Ciclo's wording), the notes in the Ciclo's wording
(``FormatoCuadros``, edited in /admin/; the seeds' wording by default) and what rewording does to
a stored visado PDF; column (1) as the Servicio wrote it and the causal heading once per group;
a long row cut where a page ends, its continuation repeating the product cell «(cont.)», no page
of a cuadro left mostly empty and the notes never apart from the table's end (measured on the
layout boxes of WeasyPrint renders, ``tests/diagnostico/medicion.py``, and on pdftotext); the
cover with the ministry once; the «Sin definir» warning in the PT table, in the PDF and on the
document page.
"""

import copy
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from diagnostico import formato, informes, paginado
from diagnostico.models import (
    Diagnostico,
    FilaCuadro1,
    FilaCuadro2,
    FormatoCuadros,
    ObjetivoEstrategico,
    ProductoEstrategico,
)
from pmggt.carga import cargar_demo
from pmggt.historia import actuando_como
from pmggt.informes import cache
from pmggt.models import Documento
from tests.conftest import crear_diagnostico, llevar_a, mundo_compartido
from tests.diagnostico import medicion

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) no está instalado"
)

Estado = Documento.Estado
Info = FilaCuadro2.Informacion

# Paragraphs in the seeds' style (seed 004, MIDEPLAN's regional cuadros).
PARRAFOS = [
    "Se ha avanzado en la articulación con los Servicios Públicos que forman parte del Área de "
    "Protección Social del Gabinete Regional, con reuniones mensuales y un plan de trabajo.",
    "Los Comités Provinciales de Protección Social han avanzado en el establecimiento de un "
    "proceso coordinado de seguimiento de las familias egresadas del programa Puente.",
    "Se ha instalado el programa en todas las comunas de la región, asegurando la atención "
    "preferente a las familias más vulnerables y la derivación oportuna a la red comunal.",
    "La SERPLAC supervisa los convenios de transferencia con los municipios y reporta su "
    "avance técnico y financiero a la jefatura regional y al Gobierno Regional cada trimestre.",
]
PRODUCTO_1 = "Producto: 1. Sistema de Protección Social.\nSubproducto: 1.1 Chile Crece Contigo"
PRODUCTO_2 = (
    "Producto: 2. Sistema Nacional de Inversiones (remarca del Servicio: solo comunas rurales)"
)


def parrafos(n: int, desde: int = 0) -> str:
    return "\n\n".join(PARRAFOS[(desde + i) % len(PARRAFOS)] for i in range(n))


def texto_pdf(pdf: bytes, *extra) -> str:
    resultado = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *extra, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return resultado.stdout.decode("utf-8")


def plano(texto: str) -> str:
    texto = re.sub(r"[\u00ad\u2010]\n", "", texto)
    return re.sub(r"\s+", " ", texto).strip()


def paginas_pdf(pdf: bytes) -> list[str]:
    partes = texto_pdf(pdf, "-raw").split("\f")
    return [plano(p) for p in (partes[:-1] if partes and not partes[-1].strip() else partes)]


def _fila(diagnostico, centro, orden, productos=(), **campos):
    fila = FilaCuadro1.objects.create(diagnostico=diagnostico, centro=centro, orden=orden, **campos)
    fila.productos.set(productos)
    return fila


@pytest.fixture
def documento_largo(mundo):
    """Servicio A's Diagnóstico: region I with the rows of a Servicio that pastes its own Word
    cuadro (column (1) as written, one row with two causales, a row far longer than a page,
    rows of one causal group) and a long Cuadro I N°2 row; region II with one row linked to
    no product."""
    documento = crear_diagnostico(mundo, cuadro1=False)
    with actuando_como(mundo.encargada):
        d = Diagnostico.objects.get(documento=documento)
        ObjetivoEstrategico.objects.create(diagnostico=d, numero=2, descripcion="Objetivo dos")
        ObjetivoEstrategico.objects.create(diagnostico=d, numero=3, descripcion="Objetivo tres")
        p1 = ProductoEstrategico.objects.create(
            diagnostico=d, numero="1", orden=0, nombre="Sistema de Protección Social",
            aplica_pt="aplica", causal_coordinacion=True,
        )  # fmt: skip
        p1.objetivos.set(d.objetivos.filter(numero=1))
        p11 = ProductoEstrategico.objects.create(
            diagnostico=d, numero="1.1", padre=p1, orden=1, nombre="Chile Crece Contigo"
        )  # «Sin definir», as its product says: it follows it
        p2 = ProductoEstrategico.objects.create(
            diagnostico=d, numero="2", orden=2, nombre="Sistema Nacional de Inversiones",
            aplica_pt="aplica", causal_acceso=True,
        )  # fmt: skip
        p2.objetivos.set(d.objetivos.filter(numero=2))
        p3 = ProductoEstrategico.objects.create(
            diagnostico=d, numero="3", orden=3, nombre="Estudios Regionales"
        )  # «Sin definir», with rows: warned
        p3.objetivos.set(d.objetivos.filter(numero=3))
        i, ii = mundo.centro_region_i, mundo.centro_region_ii
        _fila(d, i, 0, [p11], producto_texto=PRODUCTO_1, causales="diseno",
              avance="No aplica: el diseño es central.", mejora="No aplica.",
              medidas="No aplica.", objetivo="No aplica.")  # fmt: skip
        _fila(d, i, 1, [p11], producto_texto=PRODUCTO_1, causales="coordinacion",
              avance=parrafos(16), mejora=parrafos(7, 1), medidas=parrafos(5, 2),
              objetivo="Fortalecer la coordinación de la red comunal.")  # fmt: skip
        _fila(d, i, 2, [p11], producto_texto=PRODUCTO_1, causales="coordinacion",
              avance="Segunda fila del mismo grupo de causal.", mejora=parrafos(2),
              medidas="Convocar a la mesa técnica regional.",
              objetivo="Mesa técnica regional fortalecida.")  # fmt: skip
        _fila(d, i, 3, [p2, p3], producto_texto=PRODUCTO_2, causales="coordinacion,acceso",
              avance=parrafos(3, 2), mejora="Mejorar la cartera de proyectos de las comunas.",
              medidas="Asistencia técnica en terreno.",
              objetivo="Monitorear a las comunas rurales.")  # fmt: skip
        _fila(d, ii, 0, [], producto_texto="Producto sin vincular", avance="Avance II.",
              mejora="Mejora II.", medidas="Medidas II.", objetivo="Objetivo II.")  # fmt: skip
        for info in Info.values:
            FilaCuadro2.objects.create(
                diagnostico=d,
                centro=i,
                informacion=info,
                medidas_jefatura=parrafos(22) if info == Info.OFERTA else f"Jefatura {info}.",
                medidas_gore=f"GORE {info}.",
                objetivo=f"Objetivo {info}.",
            )
    return documento


def _datos(documento):
    return informes.datos_informe(Documento.objects.get(pk=documento.pk))


def _html(documento, informe, region=None):
    return informes.html_informe(_datos(documento), informe, region)


# ----------------------------------------------------------------------------------------------
# Titles and their references


def test_titulo_del_cuadro1_con_la_referencia_del_formulario(documento_largo, mundo):
    """The reference names the Diagnóstico's objectives as the form lists them (seed 000:
    "(Objetivos 1, 2 y 3 del Diagnóstico)"), never the Servicio's objetivos estratégicos."""
    secciones = informes.secciones_region(_datos(documento_largo))
    esperado = f"{formato.TITULO_CUADRO1} (Objetivos 1, 2 y 3 del Diagnóstico)"
    assert {s["titulo_cuadro1"] for s in secciones} == {esperado}
    pdf = informes.pdf_cuadro1(documento_largo, region="I")
    paginas = paginas_pdf(pdf)
    # The title heads the table on every page, as in the seeds.
    assert all(esperado in p for p in paginas), [p[:300] for p in paginas]

    # A Ciclo whose form says "(Objetivos 1 y 2 del Diagnóstico)", as MIDEPLAN's 2009 one.
    FormatoCuadros.objects.create(
        ciclo=mundo.ciclo, referencia_cuadro1="(Objetivos 1 y 2 del Diagnóstico)"
    )
    texto = plano(texto_pdf(informes.pdf_cuadro1(documento_largo, region="II")))
    assert f"{formato.TITULO_CUADRO1} (Objetivos 1 y 2 del Diagnóstico)" in texto
    assert "(Objetivos 1, 2 y 3 del Diagnóstico)" not in texto


def test_titulo_y_notas_del_cuadro2_segun_el_ciclo(documento_largo, mundo):
    texto = plano(texto_pdf(informes.pdf_cuadro2(documento_largo, region="II")))
    assert f"{formato.TITULO_CUADRO2} (Objetivo 3 del Diagnóstico)" in texto
    for nota in informes.NOTAS_CUADRO2:  # what SUBDERE's form prints under its Cuadro N°2
        assert plano(nota) in texto

    FormatoCuadros.objects.create(
        ciclo=mundo.ciclo,
        referencia_cuadro2="(Objetivo 4)",
        notas_cuadro2="(1) Nota nueva de la jefatura regional para {anio}.\n\n(2) Nota del GORE.",
    )
    texto = plano(texto_pdf(informes.pdf_cuadro2(documento_largo, region="II")))
    assert f"{formato.TITULO_CUADRO2} (Objetivo 4)" in texto
    assert "(1) Nota nueva de la jefatura regional para 2009." in texto
    assert "(2) Nota del GORE." in texto
    assert "Siendo institucionales" not in texto


# ----------------------------------------------------------------------------------------------
# Notes per Ciclo


def test_notas_por_omision_y_redaccion_del_ciclo(documento_largo, mundo):
    texto = plano(texto_pdf(informes.pdf_cuadro1(documento_largo, region="II")))
    notas = informes.notas_cuadro1(2009)
    assert notas[0] == (
        "(1) Usar el listado de productos y subproductos vigentes en el 2009 según A-1 "
        "aprobado por DIPRES."
    )
    for nota in notas:
        assert nota in texto
    assert texto.index(notas[0]) > texto.index("Objetivo II.")  # under the table

    FormatoCuadros.objects.create(
        ciclo=mundo.ciclo,
        titulo_cuadro1="Cuadro I. N°1: Objetivos recomendados (redacción {anio})",
        referencia_cuadro1="(Objetivos 1, 2 y 3 del Diagnóstico)",
        notas_cuadro1="(1) Usar el listado vigente en {anio} según el formulario A-1.\n"
        "(2) Nueva redacción de SUBDERE.",
    )
    texto = plano(texto_pdf(informes.pdf_cuadro1(documento_largo, region="II")))
    assert (
        "Cuadro I. N°1: Objetivos recomendados (redacción {anio}) "
        "(Objetivos 1, 2 y 3 del Diagnóstico)"
    ) in texto  # only the notes replace {anio}
    assert "(1) Usar el listado vigente en 2009 según el formulario A-1." in texto
    assert "(2) Nueva redacción de SUBDERE." in texto
    assert notas[2] not in texto


def test_un_ciclo_sin_formato_propio_usa_los_textos_por_omision(mundo):
    assert formato.de_ciclo(mundo.ciclo.pk) == formato.POR_OMISION
    nuevo = FormatoCuadros.objects.create(ciclo=mundo.ciclo)  # the admin form's initial values
    leido = formato.de_ciclo(mundo.ciclo.pk)
    assert leido == formato.POR_OMISION and leido.huella() == formato.POR_OMISION.huella()
    nuevo.notas_cuadro1 = "(1) Otra."
    nuevo.save()
    assert formato.de_ciclo(mundo.ciclo.pk).huella() != formato.POR_OMISION.huella()
    assert nuevo.history.count() == 2  # with history, like every model


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PMGGT_PDF_CACHE = True
    return settings.MEDIA_ROOT


def _bajar(usuario, documento, informe="cuadro1", region="II"):
    cliente = Client()
    cliente.force_login(usuario)
    respuesta = cliente.get(
        reverse("pmggt:informe", args=[documento.pk, informe]), {"region": region}
    )
    assert respuesta.status_code == 200
    return respuesta.getvalue()


def test_redactar_de_nuevo_las_notas_vuelve_a_imprimir_el_pdf_visado_guardado(
    documento_largo, mundo, media, pdf_simulado
):
    """The rule: a visado PDF is stored once per version *and* per wording of its Ciclo
    (the wording's hash is in the key): rewording the notes prints the visado version again
    with the new wording on the next download; the old file is left unused."""
    ProductoEstrategico.objects.filter(diagnostico__documento=documento_largo, numero="3").update(
        aplica_pt="aplica", causal_diseno=True
    )  # sending requires every product's answer
    documento = llevar_a(mundo, documento_largo, Estado.VISADO)
    _bajar(mundo.encargada, documento)
    _bajar(mundo.jefe, documento)
    assert len(pdf_simulado) == 1  # stored, served again without a render
    guardados = sorted(p.name for p in media.rglob("*.pdf"))
    assert len(guardados) == 1

    FormatoCuadros.objects.create(ciclo=mundo.ciclo, notas_cuadro1="(1) Nota reformulada.")
    _bajar(mundo.encargada, documento)
    assert len(pdf_simulado) == 2  # the key changed: rendered again
    assert "(1) Nota reformulada." in pdf_simulado[1]
    assert "(1) Nota reformulada." not in pdf_simulado[0]
    assert len(list(media.rglob("*.pdf"))) == 2
    _bajar(mundo.experta, documento)
    assert len(pdf_simulado) == 2  # the new wording's file is served from storage

    # The key covers the wording, not only the version.
    informe = informes.INFORMES[0]
    documento.refresh_from_db()
    antes = cache.clave(documento, informe, "II", mundo.encargada)
    FormatoCuadros.objects.filter(ciclo=mundo.ciclo).update(titulo_cuadro1="Otro título")
    despues = cache.clave(documento, informe, "II", mundo.encargada)
    assert antes.version == despues.version and antes.sha256 == despues.sha256
    assert antes.nombre != despues.nombre


# ----------------------------------------------------------------------------------------------
# Column (1), causal headings, content of versions frozen before


def test_columna1_como_la_escribio_el_servicio_y_encabezado_de_causal_una_vez_por_grupo(
    documento_largo,
):
    html = _html(documento_largo, "cuadro1", "I")
    # Column (1) as written, its lines kept (one paragraph with a line break).
    assert (
        "Producto: 1. Sistema de Protección Social.<br>Subproducto: 1.1 Chile Crece Contigo" in html
    )
    assert "remarca del Servicio: solo comunas rurales" in html
    texto = plano(texto_pdf(informes.pdf_cuadro1(documento_largo, region="I"), "-raw"))
    diseno = "Asociados al diseño y/o características del producto:"
    coordinacion = "En materia de coordinación y/o complementariedad"
    acceso = "Asociados a la reducción de inequidad territorial en el acceso a productos"
    assert texto.count(diseno) == 1
    # Rows 1 and 2 are one group (coordinación): one heading; row 3 (two causales) its own.
    assert texto.count(f"{coordinacion}:") == 1
    assert texto.count(f"{coordinacion} · {acceso}:") == 1
    assert (
        texto.index(diseno)
        < texto.index(f"{coordinacion}:")
        < texto.index("Segunda fila del mismo grupo de causal.")
        < texto.index(f"{coordinacion} · {acceso}:")
    )
    # The product cell is printed on its first row only (the next rows say the same).
    assert texto.count("Subproducto: 1.1 Chile Crece Contigo") == texto.count("(cont.)") + 1


def test_una_version_congelada_con_una_causal_por_fila_se_imprime(documento_largo):
    """Versions frozen before rows had "causales" and "producto_texto" have one "causal"."""
    datos = _datos(documento_largo)
    antiguo = copy.deepcopy(datos)
    for f in antiguo["contenido"]["cuadro1"]:
        causales = f.pop("causales")
        f.pop("producto_texto")
        f["causal"] = causales[0] if causales else "diseno"
    html = informes.html_informe(antiguo, "cuadro1", "I")
    assert (
        html.count('<p class="causal">Asociados al diseño y/o características del producto:') == 1
    )
    assert html.count('<p class="causal">En materia de coordinación y/o complementariedad:') == 1
    assert "1.1 Chile Crece Contigo</p>" in html  # the linked products, as before
    assert "Producto: 1. Sistema de Protección Social." not in html


# ----------------------------------------------------------------------------------------------
# Long rows cut where a page ends; full pages; notes with the table's end


def _verificar_paginas(paginas):
    """No page of a region's cuadro under 60 % filled but its last; the notes always on a page
    with rows of their table; every continuation the first row of its page, with «(cont.)»."""
    for grupo in medicion.secciones(paginas):
        con_filas = [p for p in grupo if p.filas]
        for p in con_filas[:-1]:
            assert p.llenado >= 0.6, (p.numero + 1, round(p.llenado, 2))
        for p in grupo:
            for t in p.notas:
                assert any(f.tabla == t for f in p.filas), (
                    f"notas solas en la página {p.numero + 1}"
                )
    for p in paginas:
        for f in p.filas:
            if f.trozo > 0:
                assert f.primera and f.texto.startswith("(cont.)"), (p.numero + 1, f.texto[:80])


def _planeado_y_real(secciones, paginas, tabla="cuadro1"):
    """Every printed row lands on the page the plan put it on."""
    grupos = medicion.secciones(paginas)
    assert len(grupos) == len(secciones)
    for s, grupo in zip(secciones, grupos, strict=True):
        reales = {
            (f.fila, f.trozo): p.numero - grupo[0].numero + 1
            for p in grupo
            for f in p.filas
            if f.tabla == tabla
        }
        planeadas = {(str(f["id"] or ""), f["trozo"]): f["plan"]["pagina"] for f in s[tabla]}
        assert reales == planeadas


def test_fila_larga_se_parte_y_su_continuacion_repite_el_producto(documento_largo):
    datos = _datos(documento_largo)
    html = informes.html_informe(datos, "cuadro1", "I")
    paginas = medicion.medir(html)
    _verificar_paginas(paginas)
    secciones = informes.secciones_region(datos, "I")
    _planeado_y_real(secciones, paginas)
    larga = FilaCuadro1.objects.get(
        diagnostico__documento=documento_largo, orden=1, centro__isnull=False
    )
    trozos = [f for p in paginas for f in p.filas if f.fila == str(larga.pk)]
    assert len(trozos) >= 2 and len({f.pagina for f in trozos}) == len(trozos)  # split
    for f in trozos[1:]:
        assert f.texto.startswith("(cont.) Producto: 1. Sistema de Protección Social.")

    # The same in the PDF the users download.
    paginas_texto = paginas_pdf(informes.pdf_cuadro1(documento_largo, region="I"))
    continuaciones = [p for p in paginas_texto if "(cont.) Producto: 1. Sistema" in p]
    assert len(continuaciones) == len(trozos) - 1
    for p in continuaciones:
        # Right after the repeated header: the title, the column heads, then «(cont.)».
        cabecera = p.index("Objetivo recomendado al Plan GT (5)")
        assert p.index("(cont.)") > cabecera
        assert p.index("(cont.)") - cabecera < 60, p[:400]
    # Every paragraph of the long cell is printed once, in order.
    todo = " ".join(paginas_texto)
    assert all(todo.count(plano(x)) >= 1 for x in PARRAFOS)
    notas = informes.notas_cuadro1(2009)
    ultima = next(i for i, p in enumerate(paginas_texto) if notas[0] in p)
    assert "Monitorear a las comunas rurales." in paginas_texto[ultima]  # the last row's page


def test_fila_larga_del_cuadro2_repite_la_informacion(documento_largo):
    datos = _datos(documento_largo)
    paginas = medicion.medir(informes.html_informe(datos, "cuadro2", "I"))
    _verificar_paginas(paginas)
    _planeado_y_real(
        informes.secciones_region(datos, "I", disposicion="cuadro2"), paginas, "cuadro2"
    )
    oferta = informes.INFORMACION_PDF[Info.OFERTA]
    continuaciones = [f for p in paginas for f in p.filas if f.trozo > 0]
    assert continuaciones and all(f.texto.startswith(f"(cont.) {oferta}") for f in continuaciones)


demo_cargada = mundo_compartido(cargar_demo)  # built once per worker: see tests/conftest.py


def test_los_quince_cuadros_de_mideplan_sin_paginas_vacias(demo_cargada):
    """MIDEPLAN's demo (seed 004): 15 regions, one section each, in the Informe Etapa I (each
    region's Cuadro I N°2 after its N°1) and in the Cuadro I N°1 report."""
    documento = Documento.objects.get(servicio__sigla="MIDEPLAN", etapa=1)
    datos = informes.datos_informe(documento)
    paginas = medicion.medir(informes.html_informe(datos, "cuadro1"))
    _verificar_paginas(paginas)
    _planeado_y_real(informes.secciones_region(datos), paginas)
    assert sum("cuadro1" in p.notas for p in paginas) == 15
    etapa1 = [
        p for p in medicion.medir(informes.html_informe(datos, "etapa1")) if p.filas or p.notas
    ]
    _verificar_paginas(etapa1)
    assert sum("cuadro2" in p.notas for p in etapa1) == 15


def test_plan_de_paginas_mide_el_texto_como_weasyprint(documento_largo):
    """The plan's heights are WeasyPrint's (to a fraction of a point): the cuts fit."""
    datos = _datos(documento_largo)
    secciones = informes.secciones_region(datos, "I")
    planeado = {(str(f["id"]), f["trozo"]): f["plan"]["alto"] for f in secciones[0]["cuadro1"]}
    for p in medicion.medir(informes.html_informe(datos, "cuadro1", "I")):
        for f in p.filas:
            assert planeado[(f.fila, f.trozo)] == pytest.approx(f.alto, abs=1.0)
    assert paginado.lineas("", 100) == 1


# ----------------------------------------------------------------------------------------------
# Cover and the PT table


@pytest.mark.parametrize(
    ("nombre", "ministerio", "servicio"),
    [
        (
            "Ministerio de Planificación – Subsecretaría de Planificación",
            "Ministerio de Planificación",
            "Subsecretaría de Planificación",
        ),
        (
            "Ministerio Secretaría General de la Presidencia",
            "Ministerio Secretaría General de la Presidencia",
            "",
        ),
        (
            "Servicio de Vivienda y Urbanización Región de Antofagasta",
            "Ministerio de Vivienda y Urbanismo",
            "Servicio de Vivienda y Urbanización Región de Antofagasta",
        ),
    ],
)
def test_portada_con_el_ministerio_una_vez(documento_largo, nombre, ministerio, servicio):
    documento_largo.servicio.__class__.objects.filter(pk=documento_largo.servicio_id).update(
        nombre=nombre, ministerio=ministerio
    )
    assert informes._portada({"nombre": nombre, "ministerio": ministerio}) == {
        "ministerio": ministerio,
        "servicio": servicio,
    }
    portada = plano(texto_pdf(informes.pdf_informe_etapa1(documento_largo), "-f", "1", "-l", "1"))
    assert portada.count(ministerio) == 1, portada
    if servicio:
        assert servicio in portada


def test_productos_sin_definir_con_filas_se_advierten(documento_largo, client, mundo):
    contenido = _datos(documento_largo)["contenido"]
    # 3 is «Sin definir» with rows; 1.1 too, but it follows its product 1, which applies it.
    assert informes.sin_definir_con_filas(contenido) == ["3"]
    html = _html(documento_largo, "etapa1")
    assert html.count('<span class="aviso-pt">(!) con filas en el Cuadro I N°1</span>') == 1
    texto = plano(texto_pdf(informes.pdf_informe_etapa1(documento_largo)))
    assert "3. Estudios Regionales Sin definir (!) con filas en el Cuadro I N°1" in texto
    assert "(!) Productos «Sin definir» a los que apuntan filas del Cuadro I N°1" in texto

    client.force_login(mundo.encargada)
    pagina = client.get(reverse("pmggt:documento", args=[documento_largo.pk])).content.decode()
    fila = re.search(r'<tr id="fila-producto-3".*?</tr>', pagina, re.S).group(0)
    assert "Sin definir" in fila and "(!) con filas en el Cuadro I N°1" in fila
    fila = re.search(r'<tr id="fila-producto-1\.1".*?</tr>', pagina, re.S).group(0)
    assert "(!)" not in fila
    assert "Filas del Cuadro I N°1 apuntan a un producto que sigue «Sin definir»" in pagina

    with actuando_como(mundo.encargada):
        ProductoEstrategico.objects.filter(
            diagnostico__documento=documento_largo, numero="3"
        ).update(aplica_pt="no_aplica", fundamento="Diseño central.")
    assert informes.sin_definir_con_filas(_datos(documento_largo)["contenido"]) == []
    pagina = client.get(reverse("pmggt:documento", args=[documento_largo.pk])).content.decode()
    assert "(!)" not in pagina


# ----------------------------------------------------------------------------------------------
# The administrator edits the wording per Ciclo (/admin/)


def test_administrador_edita_las_notas_del_ciclo(client, mundo):
    url = reverse("admin:diagnostico_formatocuadros_add")
    respuesta = client.get(url)  # anonymous
    assert respuesta.status_code == 302 and "/admin/login/" in respuesta["Location"]
    client.force_login(mundo.encargada)
    respuesta = client.get(url)
    assert respuesta.status_code == 302 and "/admin/login/" in respuesta["Location"]
    # Staff of the admin site without the Administrador/a SUBDERE role: refused.
    mundo.jefe.__class__.objects.filter(pk=mundo.jefe.pk).update(is_staff=True)
    client.force_login(mundo.jefe)
    assert client.get(url).status_code == 403
    assert client.post(url, {"ciclo": mundo.ciclo.pk}).status_code == 403
    assert not FormatoCuadros.objects.exists()

    client.force_login(mundo.admin)
    pagina = client.get(url)
    assert pagina.status_code == 200
    contenido = pagina.content.decode()
    assert "Una nota por línea" in contenido and "(1) Usar el listado de productos" in contenido

    datos = {
        "ciclo": mundo.ciclo.pk,
        "titulo_cuadro1": formato.TITULO_CUADRO1,
        "referencia_cuadro1": "(Objetivos 1, 2 y 3 del Diagnóstico)",
        "notas_cuadro1": "(1) Texto {año}.",
        "titulo_cuadro2": formato.TITULO_CUADRO2,
        "referencia_cuadro2": "(Objetivo 3 del Diagnóstico)",
        "notas_cuadro2": "",
    }
    respuesta = client.post(url, datos)
    assert respuesta.status_code == 200  # the form again, with the message next to the field
    assert "Solo se reemplaza el marcador {anio}" in respuesta.content.decode()
    assert not FormatoCuadros.objects.exists()

    datos["notas_cuadro1"] = "(1) Texto {anio}."
    respuesta = client.post(url, datos)
    assert respuesta.status_code == 302
    guardado = FormatoCuadros.objects.get(ciclo=mundo.ciclo)
    assert formato.de_ciclo(mundo.ciclo.pk).notas1(2010) == ["(1) Texto 2010."]
    assert guardado.history.get().history_user == mundo.admin
    cambio = client.get(reverse("admin:diagnostico_formatocuadros_change", args=[guardado.pk]))
    assert cambio.status_code == 200
    historial = client.get(reverse("admin:diagnostico_formatocuadros_history", args=[guardado.pk]))
    assert historial.status_code == 200
    assert (
        client.get(
            reverse("admin:diagnostico_formatocuadros_delete", args=[guardado.pk])
        ).status_code
        == 403
    )
