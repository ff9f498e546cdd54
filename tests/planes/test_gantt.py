"""The programa de trabajo's Gantt chart (planes.gantt): axis, grouping, hitos, today's line,
escaping, accessibility, page-sized charts, and a real WeasyPrint render read back."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from planes import gantt

SVG = "{http://www.w3.org/2000/svg}"


def actividad(pk, descripcion, plazo, inicio="", region=None, tipo="actividad", **extra):
    return {
        "id": pk,
        "region": region,
        "tipo": tipo,
        "descripcion": descripcion,
        "inicio": inicio,
        "plazo": plazo,
        "responsable": "Encargado/a GT",
        "objetivo": extra.get("objetivo"),
        "objetivo_informacion": extra.get("objetivo_informacion"),
        "medio_verificacion": "",
    }


def contenido(*actividades):
    return {
        "regiones": [
            {"codigo": "I", "nombre": "Región de Tarapacá", "centro": "Centro I"},
            {"codigo": "II", "nombre": "Región de Antofagasta", "centro": "Centro II"},
        ],
        "objetivos": [
            {"numero": 1, "descripcion": "Mejorar el acceso a los productos"},
            {"numero": 2, "descripcion": "Coordinar con otros servicios"},
        ],
        "objetivos_informacion": [{"numero": 1, "descripcion": "Registrar la oferta por región"}],
        "actividades": list(actividades),
    }


PROGRAMA = contenido(
    actividad(1, "Talleres regionales", "2009-06-30", "2009-03-01", region="II", objetivo=1),
    actividad(2, "Plan aprobado", "2009-04-15", region=None, tipo="hito", objetivo=1),
    actividad(3, "Catastro de oferta", "2009-09-30", "2009-05-01", region="I", objetivo=1),
    actividad(4, "Informe al GORE", "2009-11-30", "2009-10-01", region="I", objetivo_informacion=1),
    actividad(5, "Cierre del año", "2009-12-15", region="II", tipo="hito"),
)


def textos(svg: str) -> list[str]:
    raiz = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in raiz.iter(f"{SVG}text")]


def test_un_svg_accesible_bien_formado_sin_estilos_ni_script():
    svg = str(gantt.svg(PROGRAMA, hoy=date(2009, 5, 10), anio=2009))
    raiz = ET.fromstring(svg)  # well-formed XML
    assert raiz.tag == f"{SVG}svg"
    assert raiz.get("role") == "img"
    assert raiz.get("aria-labelledby") == "gantt-titulo gantt-desc"
    assert raiz.find(f"{SVG}title").get("id") == "gantt-titulo"
    assert raiz.find(f"{SVG}title").text == "Carta Gantt del programa de trabajo 2009"
    desc = raiz.find(f"{SVG}desc")
    assert desc.get("id") == "gantt-desc"
    assert "3 actividades y 2 hitos" in desc.text
    assert "de enero de 2009 a diciembre de 2009" in desc.text
    assert "style=" not in svg and "<script" not in svg and "<style" not in svg
    assert svg.count("<svg") == 1


def test_eje_con_los_meses_del_anio_del_ciclo():
    etiquetas = textos(str(gantt.svg(PROGRAMA, anio=2009)))
    assert etiquetas.count("2009") == 1
    meses = [t for t in etiquetas if t in gantt.MESES]
    assert meses == gantt.MESES  # ene … dic, once each, in order


def test_eje_se_extiende_si_una_actividad_empieza_antes_o_termina_despues():
    programa = contenido(
        actividad(1, "Preparación", "2009-02-01", "2008-11-10", objetivo=1),
        actividad(2, "Evaluación", "2010-02-03", "2009-12-01", objetivo=1),
    )
    etiquetas = textos(str(gantt.svg(programa, anio=2009)))
    assert [t for t in etiquetas if t in ("2008", "2009", "2010")] == ["2008", "2009", "2010"]
    meses = [t for t in etiquetas if t in gantt.MESES]
    assert meses == ["nov", "dic", *gantt.MESES, "ene", "feb"]
    e = gantt.eje(programa, 2009)
    assert (e.inicio, e.fin) == (date(2008, 11, 1), date(2010, 3, 1))


def test_agrupado_por_objetivo_y_region_nacional_primero():
    filas = gantt.filas(PROGRAMA)
    assert [(f.grupo.split(".")[0], f.region) for f in filas] == [
        ("Objetivo específico 1", ""),
        ("Objetivo específico 1", "Nacional"),
        ("Objetivo específico 1", "Región I"),
        ("Objetivo específico 1", "Región II"),
        ("Objetivo del sistema de información 1", ""),
        ("Objetivo del sistema de información 1", "Región I"),
        ("Sin objetivo vinculado", ""),
        ("Sin objetivo vinculado", "Región II"),
    ]
    etiquetas = textos(str(gantt.svg(PROGRAMA, anio=2009)))
    orden = [
        "Objetivo específico 1. Mejorar el acceso a los productos",
        "Nacional",
        "Plan aprobado",
        "Región I",
        "Catastro de oferta",
        "Región II",
        "Talleres regionales",
        "Objetivo del sistema de información 1. Registrar la oferta por región",
        "Informe al GORE",
        "Sin objetivo vinculado",
        "Cierre del año",
    ]
    posiciones = [etiquetas.index(t) for t in orden]
    assert posiciones == sorted(posiciones)


def test_hitos_como_rombos_con_su_fecha_y_actividades_como_barras():
    svg = str(gantt.svg(PROGRAMA, anio=2009))
    raiz = ET.fromstring(svg)
    filas = {g.get("data-actividad"): g for g in raiz.iter(f"{SVG}g")}
    hito = filas["2"]
    assert hito.find(f"{SVG}polygon") is not None and hito.find(f"{SVG}rect") is None
    assert "15-04-2009" in ["".join(t.itertext()) for t in hito.iter(f"{SVG}text")]
    assert hito.find(f"{SVG}title").text == "Hito · Nacional · Plan aprobado · 15-04-2009"
    barra = filas["1"].find(f"{SVG}rect[@rx]")
    assert barra is not None and filas["1"].find(f"{SVG}polygon") is None
    # The bar covers March 1 to June 30, both included: 122 days of the 365 on the axis.
    x0 = gantt.MARGEN + round(1000 * 0.34) + 8  # the timeline of a 1000 px wide chart
    escala = (1000 - gantt.MARGEN - x0) / 365
    assert float(barra.get("x")) == pytest.approx(x0 + 59 * escala, abs=0.1)  # Jan + Feb
    assert float(barra.get("width")) == pytest.approx(122 * escala, abs=0.1)
    # A hito near the end of the axis prints its date to the left of the diamond.
    cierre = filas["5"]
    fecha = [t for t in cierre.iter(f"{SVG}text") if t.text == "15-12-2009"][0]
    assert fecha.get("text-anchor") == "end"


def test_linea_de_hoy_solo_dentro_del_eje():
    dentro = str(gantt.svg(PROGRAMA, hoy=date(2009, 5, 10), anio=2009))
    assert 'stroke-dasharray="4 3"' in dentro
    assert "Hoy, 10-05-2009" in textos(dentro)
    assert "Una línea vertical marca hoy, 10-05-2009." in dentro
    for hoy in (date(2026, 12, 1), date(2008, 12, 31), None):
        fuera = str(gantt.svg(PROGRAMA, hoy=hoy, anio=2009))
        assert "stroke-dasharray" not in fuera
        assert not any(t.startswith("Hoy") for t in textos(fuera))


def test_todo_texto_de_usuario_escapado():
    ataque = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    programa = contenido(
        actividad(1, ataque, "2009-06-30", "2009-03-01", region="I", objetivo=1),
        actividad(2, 'Hito "final" </svg>', "2009-07-01", tipo="hito", objetivo=1),
    )
    programa["objetivos"][0]["descripcion"] = "Objetivo </text><script>x</script>"
    svg = str(gantt.svg(programa, anio=2009))
    assert "<script" not in svg and "<img" not in svg
    assert svg.count("</svg>") == 1
    assert "&lt;script&gt;" in svg
    raiz = ET.fromstring(svg)  # still one well-formed element
    titulos = [t.text for t in raiz.iter(f"{SVG}title")]
    assert any(ataque.replace("  ", " ") in (t or "") for t in titulos)


def test_etiquetas_largas_en_dos_lineas_con_puntos_suspensivos():
    largo = " ".join(["palabra"] * 60)
    svg = str(gantt.svg(contenido(actividad(1, largo, "2009-06-30", "2009-01-01")), anio=2009))
    raiz = ET.fromstring(svg)
    fila = next(g for g in raiz.iter(f"{SVG}g") if g.get("data-actividad") == "1")
    lineas = [t.text for t in fila.iter(f"{SVG}text") if t.text.startswith("palabra")]
    assert len(lineas) == 2 and lineas[1].endswith("…")
    assert fila.find(f"{SVG}title").text.count("palabra") == 60  # the full text stays


def test_sin_actividades():
    svg = str(gantt.svg(contenido(), anio=2009))
    assert "El programa de trabajo no tiene actividades ni hitos." in svg
    assert ET.fromstring(svg).get("role") == "img"
    assert len(gantt.svgs(contenido(), anio=2009)) == 1


def test_anio_por_omision_el_de_la_mayoria_de_los_plazos():
    assert gantt.anio_de(PROGRAMA) == 2009
    assert gantt.anio_de(contenido(), date(2011, 5, 1)) == 2011
    assert "2009" in textos(str(gantt.svg(PROGRAMA, hoy=date(2026, 1, 1))))


def test_programa_largo_en_trozos_con_los_encabezados_repetidos():
    actividades = [
        actividad(i, f"Actividad número {i}", "2009-06-30", "2009-02-01", objetivo=1 + (i > 25))
        for i in range(1, 41)
    ]
    programa = contenido(*actividades)
    trozos = gantt.paginas(gantt.filas(programa), 10)
    assert all(len(t) <= 10 for t in trozos)
    assert all(t[-1].actividad is not None for t in trozos)  # a heading never ends a chart
    assert all(t[0].actividad is None for t in trozos)  # each chart opens with its group
    vistas = [f.actividad["id"] for t in trozos for f in t if f.actividad]
    assert vistas == list(range(1, 41))
    repetidos = [t[0] for t in trozos[1:] if t[0].cont]
    assert len(repetidos) >= 3
    svgs = [str(s) for s in gantt.svgs(programa, filas_por_pagina=10, anio=2009)]
    assert len(svgs) == len(trozos)
    assert "Objetivo específico 1. Mejorar el acceso a los productos (cont.)" in textos(svgs[1])
    ids = [ET.fromstring(s).find(f"{SVG}title").get("id") for s in svgs]
    assert ids == [f"gantt-{i}-titulo" for i in range(1, len(svgs) + 1)]  # unique in a page
    assert ET.fromstring(svgs[0]).find(f"{SVG}title").text.endswith(f"(parte 1 de {len(svgs)})")
    # Every chart has the whole axis.
    for s in svgs:
        assert [t for t in textos(s) if t in gantt.MESES] == gantt.MESES
    alto = max(int(ET.fromstring(s).get("height")) for s in svgs)
    assert alto <= gantt.CABECERA + 10 * gantt.ALTO_FILA + gantt.PIE


LEJANAS = contenido(
    actividad(1, "Hasta el fin de los tiempos", "9999-12-31", "2009-03-01", objetivo=1),
    actividad(2, "Desde el año 1", "2009-06-30", "0001-01-01", objetivo=1),
    actividad(3, "Toda la era", "9999-12-31", "0001-01-01", objetivo=1),
    actividad(4, "Hito lejano", "9999-12-31", tipo="hito", objetivo=1),
    actividad(5, "Hito antiguo", "0001-01-01", tipo="hito", objetivo=1),
    actividad(6, "Futuro lejano", "9999-12-31", "9999-01-01", objetivo=1),
    actividad(7, "Normal", "2009-06-30", "2009-03-01", objetivo=1),
)


def test_fechas_lejanas_cortadas_en_el_borde_del_eje():
    """Dates stored before the forms checked the range (9999, 0001) never break the chart:
    the axis stays within the Ciclo's year − 1 … + 2 and what goes beyond is cut with an
    arrow at the edge."""
    e = gantt.eje(LEJANAS, 2009)
    assert (e.inicio, e.fin) == (date(2008, 1, 1), date(2012, 1, 1))
    svg = str(gantt.svg(LEJANAS, hoy=date(2009, 5, 10), anio=2009))
    raiz = ET.fromstring(svg)
    iniciales = [m[0].upper() for m in gantt.MESES]  # 48 months: their initials
    assert [t for t in textos(svg) if t in iniciales] == iniciales * 4
    assert [t for t in textos(svg) if t.isdigit() and len(t) == 4] == [
        "2008",
        "2009",
        "2010",
        "2011",
    ]
    filas = {g.get("data-actividad"): g for g in raiz.iter(f"{SVG}g")}

    def cortes(pk):
        return sorted(p.get("data-corte") for p in filas[pk].iter(f"{SVG}polygon"))

    assert cortes("1") == ["despues"] and cortes("2") == ["antes"]
    assert cortes("3") == ["antes", "despues"] and cortes("7") == []
    assert cortes("4") == ["despues"] and cortes("5") == ["antes"]
    assert "31-12-9999" in [t.text for t in filas["4"].iter(f"{SVG}text")]
    # A bar wholly beyond the axis is only its arrow; the others stay inside the timeline.
    assert filas["6"].find(f"{SVG}rect[@rx]") is None and cortes("6") == ["despues"]
    for barra in raiz.iter(f"{SVG}rect"):
        if barra.get("rx"):
            assert float(barra.get("x")) + float(barra.get("width")) <= 1000 - gantt.MARGEN + 0.1
    assert filas["3"].find(f"{SVG}title").text.endswith("01-01-0001 a 31-12-9999")
    assert "6 filas exceden el eje" in raiz.find(f"{SVG}desc").text
    assert "Sigue fuera del eje" in textos(svg)
    assert len(gantt.svgs(LEJANAS, filas_por_pagina=4, anio=2009)) == 3


@pytest.mark.parametrize("anio", [1, 2, 9998, 9999, None])
def test_ningun_anio_ni_fecha_hace_fallar_el_eje(anio):
    e = gantt.eje(LEJANAS, anio or gantt.anio_de(LEJANAS))
    assert e.inicio < e.fin and (e.fin - e.inicio).days <= 4 * 366
    ET.fromstring(str(gantt.svg(LEJANAS, anio=anio, hoy=date(9999, 12, 31))))
    assert gantt.svgs(LEJANAS, anio=anio)
    solo_lejanas = contenido(actividad(1, "x", "9999-12-31", "9999-12-30"))
    ET.fromstring(str(gantt.svg(solo_lejanas, anio=anio)))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext no está instalado")
def test_weasyprint_dibuja_el_svg_con_sus_etiquetas(tmp_path):
    from weasyprint import HTML

    svg = gantt.svg(PROGRAMA, hoy=date(2009, 5, 10), anio=2009)
    html = (
        "<html><head><style>@page { size: A4 landscape; margin: 1cm }</style></head>"
        f"<body>{svg}</body></html>"
    )
    pdf = HTML(string=html).write_pdf()
    texto = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    texto = re.sub(r"\s+", " ", texto)
    for esperado in (
        "Objetivo específico 1. Mejorar el acceso a los productos",
        "Nacional",
        "Plan aprobado",
        "15-04-2009",
        "Región II",
        "Talleres regionales",
        "Sin objetivo vinculado",
        "ene",
        "dic",
        "2009",
        "Hoy, 10-05-2009",
    ):
        assert esperado in texto, esperado
    assert "Carta Gantt del programa de trabajo" not in texto  # <title> is not drawn
