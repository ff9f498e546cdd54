"""The Excel export and import of Cuadros I N°1 and N°2 in a constant number of queries.

The documents are those of ``tests.diagnostico.test_consultas`` (the same shared world):
``chico`` (Servicio A, Centros in regions I and II, 1 product, 3 Cuadro I N°1 rows, 1 Cuadro
I N°2 row) and ``grande`` (Servicio N, Centros in regions I, II and III, 12 products, 40 rows and
every Cuadro I N°2 row). Each request is made on ``chico`` (at most a given number of queries,
session, user and permissions included) and then on ``grande``, where it must make exactly as
many. The outcomes are checked too: the workbook's cells, the rows in the database and their
history (each changed row recorded once, by the importer).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from diagnostico import excel
from diagnostico.contenido import contenido
from diagnostico.models import Causal, FilaCuadro1, FilaCuadro2
from pmggt import concurrencia
from pmggt.historia import actuando_como
from pmggt.informes.excel import FILA_ENCABEZADO, PROPIEDAD_HUELLAS, TIPO_XLSX
from tests.conftest import mundo_compartido
from tests.diagnostico.test_consultas import construir_mundo_de_consultas

Info = FilaCuadro2.Informacion
TAMANOS = ("chico", "grande")
AVANCE = "Avance existente aplicando la PT (2)"
JEFATURA = "Medidas para proveer información a la jefatura regional (1)"

# Total queries of a request (session, user and permissions included).
MAXIMO = 15
# The export: user, document, permissions, the content (one query) and the huellas of every
# part (one query). (The tests' sessions come from the cache: no query; the benchmark's do.)
EXPORTAR = 5
# An import that changes nothing: user, document, permissions, then under the edit guard (with
# the test's SAVEPOINT/RELEASE) the document locked again, who edits what, the content and the
# parts' huellas.
IMPORTAR_SIN_CAMBIOS = 9
# An import changing texts of Cuadro I N°1 only: the rows' update, their history records and
# the records' products snapshot (the links kept, the records made, the snapshot).
IMPORTAR_TEXTOS = 14
# An import with every kind of change in both cuadros (rows deleted, updated, with other
# products, exchanging their información, created): a constant number too. Deletions: their
# history (2), the links and the rows (3); Cuadro I N°2: the parked rows, the update and its
# history, the new rows and theirs (5); Cuadro I N°1: update and history, new rows and history,
# the new links, the kept links, the records made and their products snapshot (8).
IMPORTAR_TODO = 27

mundo_consultas = mundo_compartido(construir_mundo_de_consultas)


def _libro(contenido_xlsx):
    return load_workbook(io.BytesIO(contenido_xlsx))


def _guardar(wb) -> bytes:
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def _subir(contenido_xlsx):
    return SimpleUploadedFile("cuadros.xlsx", contenido_xlsx, content_type=TIPO_XLSX)


def _filas_hoja(ws) -> list[list]:
    return [
        [c.value for c in fila]
        for fila in ws.iter_rows(min_row=FILA_ENCABEZADO + 1)
        if any(c.value is not None for c in fila)
    ]


def _col(ws, nombre) -> int:
    """The column named ``nombre`` in the header row (the layout may move columns)."""
    for celda in ws[FILA_ENCABEZADO]:
        if celda.value == nombre:
            return celda.column
    raise AssertionError(nombre)


def _ids(ws) -> list:
    columna = _col(ws, excel.ID) - 1
    return [f[columna] for f in _filas_hoja(ws)]


def _historias(doc) -> dict:
    return {
        modelo: set(
            modelo.history.filter(diagnostico__documento=doc).values_list("history_id", flat=True)
        )
        for modelo in (FilaCuadro1, FilaCuadro2)
    }


@pytest.fixture
def medir(client, mundo_consultas, django_assert_num_queries, django_assert_max_num_queries):
    """medir(peticion, maximo): ``peticion(doc)`` (a function making one request) on ``chico``
    (at most ``maximo`` queries) and then on ``grande`` (exactly as many), each inside a
    transaction rolled back after ``revisar(tamano, doc, respuesta)`` (if given) looked at it.
    Returns the number of queries."""
    m = mundo_consultas
    client.force_login(m.encargada)
    client.get(reverse("diagnostico:cuadro", args=[m.chico.pk, "I"]))  # the session is written

    def _medir(peticion, maximo, revisar=None):
        contadas = None
        for tamano in TAMANOS:
            doc = getattr(m, tamano)
            with transaction.atomic():
                preparada = peticion(doc)
                if contadas is None:
                    with django_assert_max_num_queries(maximo) as consultas:
                        respuesta = preparada()
                    contadas = len(consultas)
                else:
                    with django_assert_num_queries(contadas):
                        respuesta = preparada()
                if revisar is not None:
                    revisar(tamano, doc, respuesta)
                transaction.set_rollback(True)
        return contadas

    return _medir


# --- Export ------------------------------------------------------------------------------------


def test_exportar_en_consultas_constantes(client, medir):
    def peticion(doc):
        url = reverse("diagnostico:excel_exportar", args=[doc.pk])
        return lambda: client.get(url)

    def revisar(tamano, doc, r):
        assert r.status_code == 200
        wb = _libro(r.content)
        datos = contenido(doc)
        for codigo in [reg["codigo"] for reg in datos["regiones"]]:
            ids = [f["id"] for f in datos["cuadro1"] if f["region"] == codigo]
            assert _ids(wb[f"C1 {codigo}"]) == ids
            ids2 = [f["id"] for f in datos["cuadro2"]["filas"] if f["region"] == codigo]
            assert _ids(wb[f"C2 {codigo}"]) == ids2
        assert len(_filas_hoja(wb["C1 Consolidado"])) == len(datos["cuadro1"])
        assert {p.name for p in wb.custom_doc_props} == {PROPIEDAD_HUELLAS}

    assert medir(peticion, EXPORTAR, revisar) <= MAXIMO


def test_las_huellas_del_libro_son_las_del_nucleo(mundo_consultas):
    """The huellas written in one query are ``concurrencia.huella`` of each part's history."""
    m = mundo_consultas
    for doc in (m.chico, m.grande):
        wb = load_workbook(io.BytesIO(excel.exportar_cuadros(doc)), read_only=True)
        huellas = excel.x.leer_huellas(wb)
        wb.close()
        diagnostico = doc.diagnostico
        esperadas = {}
        for region in contenido(doc)["regiones"]:
            centro = doc.servicio.centros.get(region__codigo=region["codigo"])
            for cuadro in ("C1", "C2"):
                historiales = excel._historiales_hoja(diagnostico.pk, cuadro, centro.pk)
                esperadas[f"{cuadro} {region['codigo']}"] = concurrencia.huella(historiales)
        # The «Identificación» sheet (Cuadro I N°2 declaration): the Diagnóstico row's history.
        esperadas["Identificación"] = concurrencia.huella(
            excel._historiales_hoja(diagnostico.pk, "DX", None)
        )
        assert huellas == esperadas
        assert huellas["C1 I"]


def test_el_libro_declara_el_tamano_de_cada_hoja(mundo_consultas):
    """Written in write-only mode, each sheet still declares its range (<dimension>): a
    read-only reader sizes it without parsing it, and gets what a normal reader finds."""
    contenido_xlsx = excel.exportar_cuadros(mundo_consultas.grande)
    normal = _libro(contenido_xlsx)
    solo_lectura = load_workbook(io.BytesIO(contenido_xlsx), read_only=True)
    try:
        for ws in normal.worksheets:
            leida = solo_lectura[ws.title]
            assert (leida.max_row, leida.max_column) == (ws.max_row, ws.max_column), ws.title
            assert leida.calculate_dimension() == ws.calculate_dimension()
    finally:
        solo_lectura.close()


def _todo_el_libro(contenido_xlsx) -> dict:
    """Everything a reader finds in the workbook but its timestamps: sheets, cells (value, type
    and style), columns, rows, panes, printing, validations, filters, names, properties."""
    wb = _libro(contenido_xlsx)

    def estilo(c):
        return [
            c.style,
            repr(c.font),
            repr(c.fill),
            repr(c.border),
            repr(c.alignment),
            c.number_format,
            c.quotePrefix,
        ]

    hojas = {}
    for ws in wb.worksheets:
        hojas[ws.title] = {
            "celdas": [
                (c.coordinate, c.value, c.data_type, estilo(c))
                for fila in ws.iter_rows()
                for c in fila
                if c.value is not None or c.has_style
            ],
            "columnas": {
                k: (d.width, d.min, d.max, d.number_format, repr(d.alignment), d.style)
                for k, d in ws.column_dimensions.items()
            },
            "filas": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "vistas": repr(ws.views),
            "impresion": (ws.print_titles, repr(ws.page_setup), repr(ws.sheet_properties)),
            "validaciones": [repr(v) for v in ws.data_validations.dataValidation],
            "filtro": repr(ws.auto_filter),
            "tamano": ws.calculate_dimension(),
        }
    return {
        "hojas": hojas,
        "orden": wb.sheetnames,
        "activa": wb.active.title,
        "nombres": {k: v.attr_text for k, v in wb.defined_names.items()},
        "propiedades": (wb.properties.title, wb.properties.creator),
        "propias": [(p.name, str(p.value)) for p in wb.custom_doc_props],
        "estilos": [repr(s) for s in wb._named_styles],
    }


def test_el_libro_de_solo_escritura_es_el_libro_de_siempre(mundo_consultas, monkeypatch):
    """The export streams its rows (openpyxl write-only mode): the workbook is the one the
    toolkit's normal mode builds, cell by cell, style by style, setting by setting."""
    libro = excel.x.libro

    def libro_normal(solo_escritura=False, en_memoria=False):
        return libro()

    for doc in (mundo_consultas.chico, mundo_consultas.grande):
        streamed = excel.exportar_cuadros(doc)
        with monkeypatch.context() as m:
            m.setattr(excel.x, "libro", libro_normal)
            normal = excel.exportar_cuadros(doc)
        assert _libro(normal).worksheets[0].title == _libro(streamed).worksheets[0].title
        assert _todo_el_libro(streamed) == _todo_el_libro(normal)


# --- Import ------------------------------------------------------------------------------------


def _importar(client, contenido_xlsx_de):
    """A request posting the workbook ``contenido_xlsx_de(doc)`` made (before measuring)."""

    def peticion(doc):
        contenido_xlsx = contenido_xlsx_de(doc)
        url = reverse("diagnostico:excel_importar", args=[doc.pk])
        return lambda: client.post(url, {"archivo": _subir(contenido_xlsx)})

    return peticion


def test_importar_sin_cambios_en_consultas_constantes(client, medir):
    def revisar(tamano, doc, r):
        assert r.status_code == 302
        assert _historias(doc) == antes[tamano]

    antes = {}

    def exportado(doc):
        antes["chico" if doc.servicio.sigla == "SERV-A" else "grande"] = _historias(doc)
        return excel.exportar_cuadros(doc)

    assert medir(_importar(client, exportado), IMPORTAR_SIN_CAMBIOS, revisar) <= MAXIMO


def test_importar_textos_en_consultas_constantes(client, medir, mundo_consultas):
    """Every Cuadro I N°1 row of region I gets a new text: one history record each."""
    m = mundo_consultas
    cambiadas = {}

    def editado(doc):
        wb = _libro(excel.exportar_cuadros(doc))
        ws = wb["C1 I"]
        col_id, col_avance = _col(ws, excel.ID), _col(ws, AVANCE)
        ids = []
        for fila in range(FILA_ENCABEZADO + 1, ws.max_row + 1):
            if ws.cell(row=fila, column=col_id).value is not None:
                ws.cell(row=fila, column=col_avance).value = f"Avance importado {fila}"
                ids.append(ws.cell(row=fila, column=col_id).value)
        cambiadas[doc.pk] = (ids, _historias(doc))
        return _guardar(wb)

    def revisar(tamano, doc, r):
        assert r.status_code == 302
        ids, antes = cambiadas[doc.pk]
        assert len(ids) == (2 if tamano == "chico" else 14)
        for fila in FilaCuadro1.objects.filter(pk__in=ids):
            assert fila.avance.startswith("Avance importado")
        nuevos = FilaCuadro1.history.filter(diagnostico__documento=doc).exclude(
            history_id__in=antes[FilaCuadro1]
        )
        assert sorted(nuevos.values_list("id", flat=True)) == sorted(ids)
        assert {(h.history_type, h.history_user_id, h.history_change_reason) for h in nuevos} == {
            ("~", m.encargada.pk, None)
        }
        for registro in nuevos:  # each record keeps its row's products, as simple-history does
            fila = FilaCuadro1.objects.get(pk=registro.id)
            assert set(registro.productos.values_list("productoestrategico_id", flat=True)) == set(
                fila.productos.values_list("pk", flat=True)
            )
        assert not FilaCuadro2.history.filter(diagnostico__documento=doc).exclude(
            history_id__in=antes[FilaCuadro2]
        )

    assert medir(_importar(client, editado), IMPORTAR_TEXTOS, revisar) <= MAXIMO


def _al_menos_tres_filas(m, doc):
    """Region I with three rows in each cuadro at least (``chico`` has two and one) and a
    product 2 (``chico`` has one product)."""
    d = doc.diagnostico
    centro = doc.servicio.centros.get(region__codigo="I")
    producto = d.productos.get(numero="1")
    with actuando_como(m.encargada):
        d.productos.get_or_create(numero="2", defaults={"orden": 50, "nombre": "Producto 2"})
        while FilaCuadro1.objects.filter(diagnostico=d, centro=centro).count() < 3:
            fila = FilaCuadro1.objects.create(
                diagnostico=d, centro=centro, causales=Causal.DISENO, avance="Otra", orden=99
            )
            fila.productos.set([producto])
        usadas = set(
            FilaCuadro2.objects.filter(diagnostico=d, centro=centro).values_list(
                "informacion", flat=True
            )
        )
        for informacion in [v for v in Info.values if v not in usadas][: max(0, 3 - len(usadas))]:
            FilaCuadro2.objects.create(
                diagnostico=d, centro=centro, informacion=informacion, medidas_gore="Otra"
            )


def _editar_todo(doc) -> tuple[bytes, dict]:
    """Region I's sheets with a row of each kind: deleted, updated text, new products,
    (Cuadro I N°2) two rows exchanging their información, and a new row in each cuadro."""
    wb = _libro(excel.exportar_cuadros(doc))
    c1, c2 = wb["C1 I"], wb["C2 I"]
    id1, productos = _col(c1, excel.ID), _col(c1, excel.C1_PRODUCTOS)
    causales, avance = _col(c1, excel.C1_CAUSALES), _col(c1, AVANCE)
    filas1 = [f for f in range(FILA_ENCABEZADO + 1, c1.max_row + 1) if c1.cell(f, id1).value]
    ids1 = [c1.cell(f, id1).value for f in filas1]
    c1.cell(filas1[0], avance).value = "Avance cambiado"
    otros = "1" if c1.cell(filas1[1], productos).value == "1, 2" else "1, 2"
    c1.cell(filas1[1], productos).value = otros
    c1.delete_rows(filas1[-1])
    nueva = filas1[-1]  # where the deleted row was: the sheet's next free row
    c1.cell(nueva, productos).value = "1"
    c1.cell(nueva, causales).value = Causal.ACCESO.label
    c1.cell(nueva, avance).value = "Fila nueva importada"
    id2, info, jefatura = _col(c2, excel.ID), _col(c2, excel.C2_INFORMACION), _col(c2, JEFATURA)
    filas2 = [f for f in range(FILA_ENCABEZADO + 1, c2.max_row + 1) if c2.cell(f, id2).value]
    ids2 = [c2.cell(f, id2).value for f in filas2]
    previas = {i: FilaCuadro2.objects.get(pk=i).informacion for i in ids2}
    a, b = filas2[0], filas2[1]
    c2.cell(a, info).value, c2.cell(b, info).value = c2.cell(b, info).value, c2.cell(a, info).value
    c2.delete_rows(filas2[-1])
    c2.cell(filas2[-1], info).value = Info(previas[ids2[-1]]).label  # the información freed
    c2.cell(filas2[-1], jefatura).value = "Fila nueva del Cuadro I N°2"
    cambios = {"ids1": ids1, "ids2": ids2, "previas": previas}
    return _guardar(wb), cambios


def test_importar_todo_tipo_de_cambio_en_consultas_constantes(client, medir, mundo_consultas):
    m = mundo_consultas
    editados = {}

    def editado(doc):
        _al_menos_tres_filas(m, doc)
        contenido_xlsx, cambios = _editar_todo(doc)
        editados[doc.pk] = (cambios, _historias(doc))
        return contenido_xlsx

    def revisar(tamano, doc, r):
        assert r.status_code == 302, r.content.decode()[:2000]
        cambios, antes = editados[doc.pk]
        d = doc.diagnostico
        # Cuadro I N°1
        ids1 = cambios["ids1"]
        assert not FilaCuadro1.objects.filter(pk=ids1[-1]).exists()
        primera = FilaCuadro1.objects.get(pk=ids1[0])
        assert primera.avance == "Avance cambiado"
        segunda = FilaCuadro1.objects.get(pk=ids1[1])
        nueva = FilaCuadro1.objects.get(diagnostico=d, avance="Fila nueva importada")
        assert nueva.causales == Causal.ACCESO and nueva.centro.region.codigo == "I"
        assert list(nueva.productos.values_list("numero", flat=True)) == ["1"]
        registros = FilaCuadro1.history.filter(diagnostico=d).exclude(
            history_id__in=antes[FilaCuadro1]
        )
        assert sorted((h.id, h.history_type) for h in registros) == sorted(
            [(ids1[-1], "-"), (primera.pk, "~"), (segunda.pk, "~"), (nueva.pk, "+")]
        )  # the other rows of the sheet, unchanged, are not recorded
        assert {(h.history_user_id, h.history_change_reason) for h in registros} == {
            (m.encargada.pk, None)
        }
        productos = {
            h.id: sorted(h.productos.values_list("productoestrategico__numero", flat=True))
            for h in registros
        }
        for fila in (primera, segunda, nueva):
            assert productos[fila.pk] == sorted(fila.productos.values_list("numero", flat=True))
        assert productos[ids1[-1]] == []  # as a row deleted one by one
        # Cuadro I N°2
        ids2, previas = cambios["ids2"], cambios["previas"]
        a, b = ids2[:2]
        assert FilaCuadro2.objects.get(pk=a).informacion == previas[b]
        assert FilaCuadro2.objects.get(pk=b).informacion == previas[a]
        assert not FilaCuadro2.objects.filter(pk=ids2[-1]).exists()
        nueva2 = FilaCuadro2.objects.get(
            diagnostico=d, medidas_jefatura="Fila nueva del Cuadro I N°2"
        )
        assert nueva2.informacion == previas[ids2[-1]]
        registros2 = FilaCuadro2.history.filter(diagnostico=d).exclude(
            history_id__in=antes[FilaCuadro2]
        )
        assert sorted((h.id, h.history_type) for h in registros2) == sorted(
            [(a, "~"), (b, "~"), (ids2[-1], "-"), (nueva2.pk, "+")]
        )
        assert {(h.history_user_id, h.history_change_reason) for h in registros2} == {
            (m.encargada.pk, None)
        }
        # Each record holds the row's values after the import: no parked información.
        for registro in registros2.exclude(history_type="-"):
            assert registro.informacion == FilaCuadro2.objects.get(pk=registro.id).informacion

    medir(_importar(client, editado), IMPORTAR_TODO, revisar)


def test_las_filas_de_los_cuadros_no_tienen_otras_relaciones():
    """The import deletes rows by query (their history and product links written in bulk
    before): no other model may point at them, or it would need its own deletion."""
    assert FilaCuadro1._meta.related_objects == ()
    assert FilaCuadro2._meta.related_objects == ()
    enlace = FilaCuadro1.productos.through
    assert [f.name for f in enlace._meta.get_fields()] == [
        "id",
        "filacuadro1",
        "productoestrategico",
    ]
