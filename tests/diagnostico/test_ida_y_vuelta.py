"""A Cuadro I N°1 row as the Servicios write it, through every path (issue 9, items 1–3).

Column (1) is the Servicio's own text (with a remark of its own), the row covers two causales
and is linked to two products. It is created through the web form (POST as the Encargada GT),
exported to Excel (columns A–E = (1)–(5), as printed), imported back unchanged (nothing
changes, nothing is recorded), edited in the workbook and imported (exactly that changes), shown
on the cuadro page (the causal heading once per group) and printed: pdftotext of the region's
Cuadro I N°1 PDF finds every cell's text in order and the causal heading once for the two
consecutive rows with the same causales. The GORE's page (visado version) shows the same.
"""

import io
import re
import shutil

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diagnostico import excel, informes
from diagnostico.contenido import contenido
from diagnostico.models import Causal, FilaCuadro1, ProductoEstrategico
from pmggt.historia import actuando_como
from pmggt.informes.excel import FILA_ENCABEZADO
from pmggt.models import Documento
from tests.conftest import crear_diagnostico, huella_bd, llevar_a
from tests.diagnostico.test_informes import plano, texto_pdf

Estado = Documento.Estado

COLUMNA_1 = (
    "Producto: 1. Sistema de Protección Social.\n"
    "Subproducto: 1.1 Chile Solidario y 1.2 Chile Crece Contigo\n\n"
    "(Observación de la SERPLAC: ambos subproductos se informan en conjunto.)"
)
FILA_1 = {
    "avance": "Se constituyeron las redes comunales en las siete comunas de la región.",
    "mejora": "Fortalecer la coordinación entre el nivel local y el sectorial.",
    "medidas": "• Oficiar a los municipios\n• Convocar al Gabinete Social",
    "objetivo": "Fortalecer el rol de las redes comunales del Sistema de Protección Social.",
}
COLUMNA_1_B = "Subproducto: 1.2 Chile Crece Contigo (cobertura rural)"
FILA_2 = {
    "avance": "El programa llega a todas las comunas rurales desde 2008.",
    "mejora": "Disminuir las brechas de las prestaciones en las comunas aisladas.",
    "medidas": "Convocar a los Comités Técnicos Provinciales a talleres.",
    "objetivo": "Monitorear las redes de las comunas rurales.",
}
CAUSALES = ["coordinacion", "acceso"]
ENCABEZADO = " · ".join(Causal(c).label for c in CAUSALES)


@pytest.fixture
def documento(mundo):
    """Servicio A's Diagnóstico in Borrador, with products (PT decided) and a row in region II
    (what sending requires), and no row yet in region I."""
    doc = crear_diagnostico(mundo, cuadro1=False)
    with actuando_como(mundo.encargada):
        for orden, (numero, nombre) in enumerate(
            [
                ("1", "Sistema de Protección Social"),
                ("1.1", "Programa Chile Solidario"),
                ("1.2", "Programa Chile Crece Contigo"),
            ],
            start=1,
        ):
            ProductoEstrategico.objects.create(
                diagnostico=doc.diagnostico,
                numero=numero,
                orden=orden,
                nombre=nombre,
                aplica_pt="aplica",
                causal_coordinacion=True,
                causal_texto="Se ejecuta en cada región.",
            )
        FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico,
            centro=mundo.centro_region_ii,
            producto_texto="Producto: 1. Sistema de Protección Social.",
            avance="Avance de Antofagasta.",
            mejora="Mejora de Antofagasta.",
            medidas="Medidas de Antofagasta.",
            objetivo="Objetivo de Antofagasta.",
        )
    return doc


def _productos(doc, *numeros):
    return [doc.diagnostico.productos.get(numero=n).pk for n in numeros]


def _crear_por_la_web(client, doc, producto_texto, textos, productos):
    datos = {
        "nueva-producto_texto": producto_texto,
        "nueva-productos": productos,
        "nueva-causales": CAUSALES,
        **{f"nueva-{campo}": valor for campo, valor in textos.items()},
    }
    r = client.post(reverse("diagnostico:fila_nueva", args=[doc.pk, "I"]), datos)
    assert r.status_code == 302, r.content.decode()[:3000]
    return FilaCuadro1.objects.filter(diagnostico=doc.diagnostico, centro__region__codigo="I")


def _filas_de_la_region(doc):
    return list(
        FilaCuadro1.objects.filter(diagnostico=doc.diagnostico, centro__region__codigo="I")
        .order_by("orden")
        .values("pk", "producto_texto", "causales", *FILA_1)
    )


def _productos_de(fila_pk):
    fila = FilaCuadro1.objects.get(pk=fila_pk)
    return sorted(fila.productos.values_list("numero", flat=True))


def _libro(contenido_xlsx):
    return load_workbook(io.BytesIO(contenido_xlsx))


def _guardar(wb) -> bytes:
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def _importar(client, doc, contenido_xlsx):
    from django.core.files.uploadedfile import SimpleUploadedFile

    archivo = SimpleUploadedFile("cuadros.xlsx", contenido_xlsx, content_type=excel.x.TIPO_XLSX)
    return client.post(reverse("diagnostico:excel_importar", args=[doc.pk]), {"archivo": archivo})


def _historia(doc) -> int:
    return FilaCuadro1.history.filter(diagnostico=doc.diagnostico).count()


def test_fila_de_la_web_al_excel_y_de_vuelta(client, mundo, documento):
    doc = documento
    client.force_login(mundo.encargada)
    filas = _crear_por_la_web(client, doc, COLUMNA_1, FILA_1, _productos(doc, "1.1", "1.2"))
    (fila,) = filas
    # Column (1) as written (paragraphs kept), two causales (printed order), two products.
    assert fila.producto_texto == COLUMNA_1
    assert fila.causales == "coordinacion,acceso" and fila.lista_causales == CAUSALES
    assert _productos_de(fila.pk) == ["1.1", "1.2"]
    assert {c: getattr(fila, c) for c in FILA_1} == FILA_1
    assert fila.history.latest().history_user == mundo.encargada

    # Excel: A–E are (1)–(5) in the printed order; then causales, products, and the ID last.
    r = client.get(reverse("diagnostico:excel_exportar", args=[doc.pk]), {"region": "I"})
    assert r.status_code == 200
    wb = _libro(r.content)
    ws = wb["C1 I"]
    encabezado = [c.value for c in ws[FILA_ENCABEZADO]]
    assert encabezado[:5] == informes.COLUMNAS_CUADRO1
    assert encabezado[5:] == [excel.C1_CAUSALES, excel.C1_PRODUCTOS, excel.ID]
    valores = [c.value for c in ws[FILA_ENCABEZADO + 1]]
    assert valores == [
        COLUMNA_1,
        *FILA_1.values(),
        f"{Causal.COORDINACION.label}; {Causal.ACCESO.label}",
        "1.1, 1.2",
        fila.pk,
    ]

    # Imported back unchanged: nothing changes and nothing is recorded.
    antes, filas_antes, historia = huella_bd(), _filas_de_la_region(doc), _historia(doc)
    r = _importar(client, doc, r.content)
    assert r.status_code == 302
    assert huella_bd() == antes and _filas_de_la_region(doc) == filas_antes
    assert _historia(doc) == historia
    assert _productos_de(fila.pk) == ["1.1", "1.2"]
    mensajes = [
        str(m) for m in client.get(reverse("pmggt:documento", args=[doc.pk])).context["messages"]
    ]
    assert any("0 actualizada(s)" in m and "1 sin cambios" in m for m in mensajes), mensajes

    # Edited in the workbook: column (1), a text, one product less; causales typed as words.
    ws.cell(row=FILA_ENCABEZADO + 1, column=1).value = COLUMNA_1 + " Se agrega 2010."
    ws.cell(row=FILA_ENCABEZADO + 1, column=3).value = "Mejora nueva."
    ws.cell(row=FILA_ENCABEZADO + 1, column=6).value = "acceso\ncoordinación"
    ws.cell(row=FILA_ENCABEZADO + 1, column=7).value = "1.1"
    r = _importar(client, doc, _guardar(wb))
    assert r.status_code == 302
    (despues,) = _filas_de_la_region(doc)
    assert despues == {
        **filas_antes[0],
        "producto_texto": COLUMNA_1 + " Se agrega 2010.",
        "mejora": "Mejora nueva.",
    }
    assert _productos_de(fila.pk) == ["1.1"]
    assert _historia(doc) == historia + 1  # one record, by the importer
    assert FilaCuadro1.objects.get(pk=fila.pk).history.latest().history_user == mundo.encargada


def test_dos_filas_con_las_mismas_causales_en_la_pagina_y_el_pdf(client, mundo, documento):
    doc = documento
    client.force_login(mundo.encargada)
    _crear_por_la_web(client, doc, COLUMNA_1, FILA_1, _productos(doc, "1.1", "1.2"))
    _crear_por_la_web(client, doc, COLUMNA_1_B, FILA_2, _productos(doc, "1.2"))
    filas = _filas_de_la_region(doc)
    assert [f["causales"] for f in filas] == ["coordinacion,acceso"] * 2

    # The cuadro page: column (1) as written, the linked products, the heading once.
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert html.count(f"{ENCABEZADO}:") == 1
    primera = re.search(rf'id="fila-c1-{filas[0]["pk"]}".*?</tr>', html, re.S).group(0)
    assert "Producto: 1. Sistema de Protección Social." in primera
    assert "(Observación de la SERPLAC: ambos subproductos se informan en conjunto.)" in primera
    assert "Productos vinculados: 1.1, 1.2" in primera
    assert f"{ENCABEZADO}:" in primera

    # Printed: every cell's text in order, the heading once for the two rows.
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) no está instalado")
    r = client.get(reverse("diagnostico:pdf", args=[doc.pk, "cuadro1"]), {"region": "I"})
    assert r.status_code == 200
    texto = plano(texto_pdf(b"".join(r.streaming_content) if r.streaming else r.content, "-raw"))
    posicion = 0
    fragmentos = [
        "Producto: 1. Sistema de Protección Social.",
        "(Observación de la SERPLAC: ambos subproductos se informan en conjunto.)",
        ENCABEZADO,
        *(v.replace("• ", "") for v in FILA_1.values()),
        COLUMNA_1_B,
        *FILA_2.values(),
    ]
    for fragmento in fragmentos:
        for parte in fragmento.split("\n"):
            encontrado = texto.find(plano(parte), posicion)
            assert encontrado >= 0, (parte, texto[posicion : posicion + 600])
            posicion = encontrado + len(plano(parte))
    assert texto.count(Causal.COORDINACION.label) == 1
    assert texto.count(Causal.ACCESO.label) == 1


def test_el_gore_ve_lo_mismo_en_la_version_visada(client, mundo, documento, pdf_simulado):
    doc = documento
    client.force_login(mundo.encargada)
    _crear_por_la_web(client, doc, COLUMNA_1, FILA_1, _productos(doc, "1.1", "1.2"))
    _crear_por_la_web(client, doc, COLUMNA_1_B, FILA_2, _productos(doc, "1.2"))
    llevar_a(mundo, doc, Estado.VISADO)
    client.force_login(mundo.gore)
    r = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Versión visada" in html
    assert "(Observación de la SERPLAC: ambos subproductos se informan en conjunto.)" in html
    assert COLUMNA_1_B in html and "Productos vinculados: 1.1, 1.2" in html
    assert html.count(f"{ENCABEZADO}:") == 1
    assert "Observar esta celda" not in html and "Editar" not in html
    # Its region's Excel too: the same cells, in the printed order.
    r = client.get(reverse("diagnostico:excel_exportar", args=[doc.pk]), {"region": "I"})
    ws = _libro(r.content)["C1 I"]
    assert [ws.cell(row=FILA_ENCABEZADO + i, column=1).value for i in (1, 2)] == [
        COLUMNA_1,
        COLUMNA_1_B,
    ]


def test_fila_sin_productos_pero_con_texto_es_valida_y_sin_nada_no(client, mundo, documento):
    doc = documento
    client.force_login(mundo.centro_i)
    filas = _crear_por_la_web(
        client, doc, "Producto: 4. Sistema Nacional de Inversiones.", FILA_2, []
    )
    assert filas.count() == 1 and _productos_de(filas[0].pk) == []
    # Named by its column (1) where a row is named (diff, observaciones, per-region summary).
    from pmggt.services import campos_observables

    etiqueta = dict(campos_observables(doc, fresco=True))[f"c1:{filas[0].pk}:avance"]
    assert etiqueta.startswith(
        "Cuadro I N°1 · región I · «Producto: 4. Sistema Nacional de Inversi…» · "
    )
    antes = huella_bd()
    url = reverse("diagnostico:fila_nueva", args=[doc.pk, "I"])
    r = client.post(url, {"nueva-producto_texto": "  ", "nueva-avance": "Sin producto"})
    assert r.status_code == 400 and huella_bd() == antes
    html = r.content.decode()
    # The message next to the field, linked to it, and what was typed is still there.
    assert re.search(
        r'id="id_nueva-producto_texto_error"[^>]*>Escriba el producto/subproducto \(1\)', html
    )
    assert 'aria-describedby="id_nueva-producto_texto_error' in html
    assert "Sin producto</textarea>" in html


def test_editar_en_linea_mueve_el_titulo_de_causal_a_la_fila_siguiente(client, mundo, documento):
    """Saving a row in place (htmx) redraws its heading and, out of band, the next row's: the
    group it left now starts there."""
    doc = documento
    client.force_login(mundo.encargada)
    _crear_por_la_web(client, doc, COLUMNA_1, FILA_1, _productos(doc, "1.1", "1.2"))
    _crear_por_la_web(client, doc, COLUMNA_1_B, FILA_2, _productos(doc, "1.2"))
    primera, segunda = (f["pk"] for f in _filas_de_la_region(doc))
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert re.search(rf'<p class="causal" id="causal-c1-{segunda}" hidden></p>', html)
    prefijo = f"f{primera}"
    datos = {
        f"{prefijo}-producto_texto": COLUMNA_1,
        f"{prefijo}-productos": _productos(doc, "1.1", "1.2"),
        f"{prefijo}-causales": ["diseno"],
        **{f"{prefijo}-{campo}": valor for campo, valor in FILA_1.items()},
    }
    url = reverse("diagnostico:fila_editar", args=[doc.pk, "I", primera])
    r = client.post(url, datos, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    parcial = r.content.decode()
    assert f'<p class="causal" id="causal-c1-{primera}">{Causal.DISENO.label}:</p>' in parcial
    assert (
        f'<p class="causal" id="causal-c1-{segunda}" hx-swap-oob="true">{ENCABEZADO}:</p>'
    ) in parcial
    assert FilaCuadro1.objects.get(pk=primera).causales == "diseno"


def test_observar_la_columna_1_de_una_fila(client, mundo, documento):
    doc = documento
    client.force_login(mundo.encargada)
    (fila,) = _crear_por_la_web(client, doc, COLUMNA_1, FILA_1, _productos(doc, "1.1", "1.2"))
    llevar_a(mundo, doc, Estado.EN_VISACION)
    client.force_login(mundo.experta)
    url = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    html = client.get(url).content.decode()
    celda = re.search(rf'id="celda-c1-{fila.pk}-producto".*?</td>', html, re.S).group(0)
    assert "Observar esta celda" in celda
    clave = f"c1:{fila.pk}:producto"
    r = client.post(
        reverse("pmggt:observacion_crear", args=[doc.pk]),
        {"observar-campo": clave, "observar-texto": "Use la numeración del A-1.", "siguiente": url},
    )
    assert r.status_code == 302
    html = client.get(url).content.decode()
    celda = re.search(rf'id="celda-c1-{fila.pk}-producto".*?</td>', html, re.S).group(0)
    assert "Use la numeración del A-1." in celda
    otra = re.search(rf'id="celda-c1-{fila.pk}-avance".*?</td>', html, re.S).group(0)
    assert "Use la numeración" not in otra
    # The cell's label names the region, the products and both causales.
    from pmggt.services import campos_observables

    etiqueta = dict(campos_observables(doc, fresco=True))[clave]
    assert etiqueta == (
        f"Cuadro I N°1 · región I · 1.1, 1.2 · {Causal.COORDINACION.label} y "
        f"{Causal.ACCESO.label} · Producto/subproductos estratégicos"
    )


def _al_anio_siguiente(mundo, doc):
    from diagnostico.actualizacion import diagnostico_actualizar
    from pmggt.models import Ciclo

    with actuando_como(mundo.admin):
        Ciclo.objects.create(anio=doc.ciclo.anio + 1)
    nuevo = diagnostico_actualizar(documento=doc, actor=mundo.encargada)
    return [f for f in contenido(nuevo)["cuadro1"] if f["region"] == "I"]


def test_actualizar_al_anio_siguiente_conserva_columna_1_causales_y_productos(
    client, mundo, documento, pdf_simulado
):
    doc = documento
    client.force_login(mundo.encargada)
    _crear_por_la_web(client, doc, COLUMNA_1, FILA_1, _productos(doc, "1.1", "1.2"))
    llevar_a(mundo, doc, Estado.VISADO)
    (fila,) = _al_anio_siguiente(mundo, doc)
    assert fila["producto_texto"] == COLUMNA_1
    assert fila["causales"] == CAUSALES and fila["productos"] == ["1.1", "1.2"]
    assert {c: fila[c] for c in FILA_1} == FILA_1


def test_actualizar_desde_una_version_anterior_con_una_causal(mundo, documento, pdf_simulado):
    """A version frozen before rows had several causales ("causal", no column (1) text)."""
    from pmggt.models import VersionDocumento

    doc = documento
    with actuando_como(mundo.encargada):
        fila = FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=mundo.centro_region_i, causales="acceso", **FILA_2
        )
        fila.productos.set(_productos(doc, "1.2"))
    llevar_a(mundo, doc, Estado.VISADO)
    version = VersionDocumento.objects.get(documento=doc, numero=doc.version_visada)
    antigua = version.contenido
    for f in antigua["cuadro1"]:
        f["causal"] = (f.pop("causales") or ["diseno"])[0]
        f.pop("producto_texto")
    VersionDocumento.objects.filter(pk=version.pk).update(contenido=antigua)
    (copia,) = _al_anio_siguiente(mundo, doc)
    assert copia["causales"] == ["acceso"] and copia["producto_texto"] == ""
    assert copia["productos"] == ["1.2"] and copia["avance"] == FILA_2["avance"]
