"""Excel export and import of Cuadros I N°1 and N°2 (diagnostico.excel, views, command)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from diagnostico import excel, informes
from diagnostico.contenido import contenido
from diagnostico.models import (
    Causal,
    Diagnostico,
    FilaCuadro1,
    FilaCuadro2,
    ProductoEstrategico,
)
from pmggt import services, workflow
from pmggt.carga import cargar_demo
from pmggt.historia import actuando_como
from pmggt.models import Centro, Ciclo, Documento, Servicio
from tests.conftest import huella_bd, mundo_compartido

Info = FilaCuadro2.Informacion
ENCABEZADO = excel.FILA_ENCABEZADO
TEXTO_RARO = "Avance:\n• primero con acentos: ñandú, región\n• segundo\n\nCierre."
FORMULAS = ["=SUM(A1)", "+56 9", "-x", "@y"]


def _usuario(username):
    return get_user_model().objects.get(username=username)


demo_cargada = mundo_compartido(cargar_demo)  # built once per worker: see tests/conftest.py


@pytest.fixture
def demo(demo_cargada):
    """MIDEPLAN (15 Centros) with a fresh 2010 Diagnóstico in Borrador, with cuadro rows."""
    encargado = _usuario("encargado.mideplan")
    servicio = Servicio.objects.get(sigla="MIDEPLAN")
    ciclo = Ciclo.objects.create(anio=2010, abierto=True)
    documento = services.documento_crear(servicio=servicio, ciclo=ciclo, etapa=1, actor=encargado)
    diagnostico = Diagnostico.objects.get(documento=documento)
    centro = {c.region.codigo: c for c in Centro.objects.filter(servicio=servicio)}
    with actuando_como(encargado):
        productos = {}
        for orden, numero in enumerate(["1", "1.1", "1.2", "2"], start=1):
            productos[numero] = ProductoEstrategico.objects.create(
                diagnostico=diagnostico, numero=numero, orden=orden, nombre=f"Producto {numero}"
            )

        def fila1(region, nums, causal, orden, **textos):
            fila = FilaCuadro1.objects.create(
                diagnostico=diagnostico,
                centro=centro[region],
                causales=causal,
                orden=orden,
                **{c: textos.get(c, f"{c} {region}") for c in ("avance", "mejora", "medidas")},
                objetivo=textos.get("objetivo", f"objetivo {region}"),
            )
            fila.productos.set([productos[n] for n in nums])
            return fila

        fila1(
            "I",
            ["1", "1.1"],
            Causal.DISENO,
            1,
            avance=TEXTO_RARO,
            mejora=FORMULAS[0],
            medidas=FORMULAS[1],
            objetivo=FORMULAS[2],
        )
        fila1("I", ["2"], Causal.ACCESO, 2, avance=FORMULAS[3], mejora="<b>x</b>")
        fila1("II", ["1.2"], Causal.COORDINACION, 1)
        fila1("XV", ["1"], Causal.ACCESO, 1)
        FilaCuadro2.objects.create(
            diagnostico=diagnostico,
            centro=centro["I"],
            informacion=Info.OFERTA,
            medidas_jefatura="Reporte mensual\n• por comuna",
            medidas_gore='=HYPERLINK("http://x")',
            objetivo="Objetivo C2 I",
        )
        FilaCuadro2.objects.create(
            diagnostico=diagnostico,
            centro=centro["I"],
            informacion=Info.GASTO,
            medidas_jefatura="Gasto",
        )
        FilaCuadro2.objects.create(
            diagnostico=diagnostico,
            centro=centro["II"],
            informacion=Info.CLIENTES,
            medidas_gore="Clientes II",
        )
    documento.refresh_from_db()
    return documento


def _sin_ids(datos):
    cuadro1 = [{k: v for k, v in f.items() if k != "id"} for f in datos["cuadro1"]]
    filas2 = [{k: v for k, v in f.items() if k != "id"} for f in datos["cuadro2"]["filas"]]
    return cuadro1, filas2


def _libro(contenido_xlsx):
    return load_workbook(io.BytesIO(contenido_xlsx))


def _guardar(wb) -> bytes:
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def _col(ws, nombre):
    for celda in ws[ENCABEZADO]:
        if celda.value == nombre:
            return celda.column
    raise AssertionError(nombre)


def _celda(ws, fila, nombre):
    """The cell of the column named ``nombre`` (columns move with the layout; names stay)."""
    return ws.cell(row=fila, column=_col(ws, nombre))


AVANCE = "Avance existente aplicando la PT (2)"
OBJETIVO = "Objetivo recomendado al Plan GT (5)"
JEFATURA = "Medidas para proveer información a la jefatura regional (1)"
CAUSALES = excel.C1_CAUSALES
PRODUCTOS = excel.C1_PRODUCTOS
ID = excel.ID
INFO = excel.C2_INFORMACION


def _historial(documento):
    """History and product-link counts of ``documento``'s rows, plus the global history counts.

    The demo data of other documents (cargar_demo) has rows and history of its own, so every
    count is scoped to ``documento``; the global counts catch a write to any other document.
    """
    modelos = (FilaCuadro1, FilaCuadro2, ProductoEstrategico)
    return {
        modelo.__name__: modelo.history.filter(diagnostico__documento=documento).count()
        for modelo in modelos
    } | {
        "m2m": FilaCuadro1.productos.through.objects.filter(
            filacuadro1__diagnostico__documento=documento
        ).count(),
        "global": {modelo.__name__: modelo.history.count() for modelo in modelos},
    }


# --- Export ------------------------------------------------------------------------------------


def test_exporta_hojas_por_region_consolidado_e_instrucciones(demo):
    wb = _libro(excel.exportar_cuadros(demo))
    nombres = wb.sheetnames
    assert nombres[:4] == ["C1 XV", "C2 XV", "C1 I", "C2 I"]  # north to south
    assert len([n for n in nombres if n.startswith("C1 ")]) == 16  # 15 regions + consolidated
    assert nombres[-4:] == ["C1 Consolidado", "C2 Consolidado", "Identificación", "Instrucciones"]
    ws = wb["C1 I"]
    titulo = " ".join(str(ws.cell(row=r, column=1).value) for r in range(1, 4))
    assert "MIDEPLAN" in titulo and "2010" in titulo and "Borrador" in titulo
    assert "Versión" in titulo
    # A–E are the printed cuadro's columns (1)–(5), in order; then causales, products, ID.
    assert [c.value for c in ws[ENCABEZADO]] == [
        *informes.COLUMNAS_CUADRO1,
        "Causales",
        "Productos vinculados (N°, separados por coma)",
        "ID",
    ]
    assert ws.freeze_panes == f"A{ENCABEZADO + 1}"
    assert _celda(ws, ENCABEZADO + 1, PRODUCTOS).value == "1, 1.1"
    assert _celda(ws, ENCABEZADO + 1, CAUSALES).value == Causal.DISENO.label
    assert _celda(ws, ENCABEZADO + 1, AVANCE).value == TEXTO_RARO
    assert _celda(ws, ENCABEZADO + 1, AVANCE).alignment.wrap_text
    validaciones = ws.data_validations.dataValidation
    assert any(v.type == "list" and "F6" in str(v.sqref) for v in validaciones)
    c2 = wb["C2 I"]
    assert [c.value for c in c2[ENCABEZADO]] == [*informes.COLUMNAS_CUADRO2, "ID"]
    assert c2.cell(row=ENCABEZADO + 1, column=1).value == Info.OFERTA.label
    consolidado = wb["C1 Consolidado"]
    assert consolidado.cell(row=ENCABEZADO, column=1).value == "Región"
    regiones = [consolidado.cell(row=r, column=1).value for r in range(ENCABEZADO + 1, 10)]
    assert regiones[0].startswith("XV") and regiones[1].startswith("I ")
    # The lists of the validations are in the workbook.
    assert "Lista_Causales" in wb.defined_names
    instrucciones = " ".join(
        str(c.value) for fila in wb["Instrucciones"].iter_rows() for c in fila if c.value
    )
    assert Causal.ACCESO.label in instrucciones and Info.CONVENIOS.label in instrucciones


def test_texto_que_parece_formula_se_guarda_como_texto(demo):
    wb = _libro(excel.exportar_cuadros(demo))
    encontrados = {}
    for ws in wb.worksheets:
        for fila in ws.iter_rows():
            for celda in fila:
                assert celda.data_type != "f", f"{ws.title}!{celda.coordinate} es fórmula"
                if celda.value in FORMULAS:
                    encontrados[celda.value] = celda.data_type
    assert encontrados == dict.fromkeys(FORMULAS, "s")


def test_exportar_una_region(demo):
    wb = _libro(excel.exportar_cuadros(demo, region="II"))
    assert wb.sheetnames == ["C1 II", "C2 II", "Instrucciones"]
    with pytest.raises(ValueError):
        excel.exportar_cuadros(demo, region="ZZ")


def test_servicio_sin_centros_usa_el_codigo_de_su_region(demo_cargada):
    """SERVIU Antofagasta has no Centros: its part is region II's, in every download."""
    documento = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    wb = _libro(excel.exportar_cuadros(documento))
    assert wb.sheetnames == [
        "C1 II",
        "C2 II",
        "C1 Consolidado",
        "C2 Consolidado",
        "Identificación",
        "Instrucciones",
    ]
    assert "Región II – Región de Antofagasta" in wb["C1 II"]["A1"].value
    assert wb["C1 Consolidado"].cell(row=ENCABEZADO + 1, column=1).value.startswith("II")
    # The region filter takes that code too, and the PDF and Excel file names agree.
    assert excel.exportar_cuadros(documento, region="II")
    with pytest.raises(ValueError):
        excel.exportar_cuadros(documento, region="Servicio")


def test_fuera_de_borrador_exporta_la_version_vigente(demo_cargada):
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    assert documento.estado == Documento.Estado.EN_VISACION
    diagnostico = Diagnostico.objects.get(documento=documento)
    centro = Centro.objects.get(servicio=documento.servicio, region__codigo="I")
    # A row written behind the chain's back is not part of the frozen version.
    FilaCuadro1.objects.create(
        diagnostico=diagnostico, centro=centro, causales=Causal.DISENO, avance="No enviado"
    )
    wb = _libro(excel.exportar_cuadros(documento))
    hoja = wb["C1 I"]
    columna = _col(hoja, AVANCE)
    textos = [
        hoja.cell(row=f, column=columna).value for f in range(ENCABEZADO + 1, hoja.max_row + 1)
    ]
    assert "No enviado" not in textos
    version = documento.versiones.get(numero=documento.version_actual).contenido
    enviadas = [f["avance"] for f in version["cuadro1"] if f["region"] == "I"]
    assert [t for t in textos if t] == enviadas
    assert f"versión {documento.version_actual}" in hoja.cell(row=3, column=1).value


# --- Import ------------------------------------------------------------------------------------


def test_ida_y_vuelta_conserva_los_cuadros(demo):
    encargado = _usuario("encargado.mideplan")
    antes = contenido(demo)
    archivo = excel.exportar_cuadros(demo)
    historial = _historial(demo)
    resumen = excel.importar_cuadros(documento=demo, archivo=archivo, actor=encargado)
    assert resumen["creadas"] == resumen["eliminadas"] == resumen["actualizadas"] == 0
    assert resumen["sin_cambios"] == 7
    assert _historial(demo) == historial  # nothing changed, nothing recorded
    assert _sin_ids(contenido(demo)) == _sin_ids(antes)

    # Now with every row new (no IDs): the content comes back identical anyway.
    wb = _libro(archivo)
    for nombre in wb.sheetnames:
        if nombre[:2] in ("C1", "C2") and "Consolidado" not in nombre:
            for fila in range(ENCABEZADO + 1, wb[nombre].max_row + 1):
                _celda(wb[nombre], fila, ID).value = None
    resumen = excel.importar_cuadros(documento=demo, archivo=_guardar(wb), actor=encargado)
    assert resumen["creadas"] == resumen["eliminadas"] == 7
    despues = contenido(demo)
    assert _sin_ids(despues) == _sin_ids(antes)
    assert {f["id"] for f in despues["cuadro1"]}.isdisjoint({f["id"] for f in antes["cuadro1"]})
    ahora = _historial(demo)
    assert {k: v for k, v in ahora.items() if k != "global"} != {
        k: v for k, v in historial.items() if k != "global"
    }
    # Every history row of the document names the actor.
    historia = FilaCuadro1.history.filter(diagnostico__documento=demo)
    assert not historia.filter(history_user__isnull=True).exists()
    assert set(historia.values_list("history_user__username", flat=True)) == {"encargado.mideplan"}


def test_formulas_y_html_vuelven_como_texto_literal(demo):
    encargado = _usuario("encargado.mideplan")
    excel.importar_cuadros(documento=demo, archivo=excel.exportar_cuadros(demo), actor=encargado)
    filas = FilaCuadro1.objects.filter(
        diagnostico__documento=demo, centro__region__codigo="I"
    ).order_by("orden")
    assert [filas[0].mejora, filas[0].medidas, filas[0].objetivo, filas[1].avance] == FORMULAS
    assert filas[1].mejora == "<b>x</b>"
    assert filas[0].avance == TEXTO_RARO
    oferta = FilaCuadro2.objects.get(diagnostico__documento=demo, informacion=Info.OFERTA)
    assert oferta.medidas_gore.startswith("=HYPERLINK")


def test_importar_actualiza_agrega_elimina_y_ordena(demo):
    encargado = _usuario("encargado.mideplan")
    wb = _libro(excel.exportar_cuadros(demo))
    ws = wb["C1 I"]
    primera = [c.value for c in ws[ENCABEZADO + 1]]
    segunda = [c.value for c in ws[ENCABEZADO + 2]]
    # Swap the two rows, change a text, add a new row (no ID), with a product as a float.
    for columna, valor in enumerate(segunda, start=1):
        ws.cell(row=ENCABEZADO + 1, column=columna).value = valor
    for columna, valor in enumerate(primera, start=1):
        ws.cell(row=ENCABEZADO + 2, column=columna).value = valor
    _celda(ws, ENCABEZADO + 2, OBJETIVO).value = "  Nuevo   objetivo\r\n- con viñeta  "
    nueva = ENCABEZADO + 3
    _celda(ws, nueva, PRODUCTOS).value = 1.1  # Excel turned "1.1" into a number
    _celda(ws, nueva, CAUSALES).value = "en materia de coordinacion y/o complementariedad"
    _celda(ws, nueva, AVANCE).value = "Fila nueva"
    # Region II: delete its only row. C2 I: change the información of a row.
    wb["C1 II"].delete_rows(ENCABEZADO + 1)
    c2 = wb["C2 I"]
    _celda(c2, ENCABEZADO + 2, INFO).value = Info.CONVENIOS.label
    _celda(c2, ENCABEZADO + 2, ID).value = float(_celda(c2, ENCABEZADO + 2, ID).value)
    resumen = excel.importar_cuadros(documento=demo, archivo=_guardar(wb), actor=encargado)
    assert resumen["creadas"] == 1 and resumen["eliminadas"] == 1
    datos = contenido(demo)
    region_i = [f for f in datos["cuadro1"] if f["region"] == "I"]
    posicion_id = _col(ws, ID) - 1
    assert [f["id"] for f in region_i[:2]] == [segunda[posicion_id], primera[posicion_id]]
    assert region_i[1]["objetivo"] == "Nuevo objetivo\n• con viñeta"
    assert region_i[2]["productos"] == ["1.1"] and region_i[2]["causales"] == ["coordinacion"]
    assert not [f for f in datos["cuadro1"] if f["region"] == "II"]
    assert {f["informacion"] for f in datos["cuadro2"]["filas"] if f["region"] == "I"} == {
        "oferta",
        "convenios",
    }


def test_intercambiar_informacion_en_cuadro2(demo):
    encargado = _usuario("encargado.mideplan")
    wb = _libro(excel.exportar_cuadros(demo))
    c2 = wb["C2 I"]
    _celda(c2, ENCABEZADO + 1, INFO).value = Info.GASTO.label
    _celda(c2, ENCABEZADO + 2, INFO).value = Info.OFERTA.label
    excel.importar_cuadros(documento=demo, archivo=_guardar(wb), actor=encargado)
    oferta = FilaCuadro2.objects.get(
        diagnostico__documento=demo, centro__region__codigo="I", informacion=Info.OFERTA
    )
    assert oferta.medidas_jefatura == "Gasto"


def test_una_fila_mala_no_cambia_nada_y_se_informa_hoja_fila_columna(demo):
    encargado = _usuario("encargado.mideplan")
    wb = _libro(excel.exportar_cuadros(demo))
    _celda(wb["C1 I"], ENCABEZADO + 1, AVANCE).value = "Cambio que no debe guardarse"
    _celda(wb["C1 I"], ENCABEZADO + 2, PRODUCTOS).value = "2, 9.9"
    _celda(wb["C1 II"], ENCABEZADO + 1, CAUSALES).value = "Causal inventada"
    # A new row in XV: another causal that is not one; its product is the row above's.
    _celda(wb["C1 XV"], ENCABEZADO + 2, CAUSALES).value = "Diseño; Otra cosa"
    _celda(wb["C1 XV"], ENCABEZADO + 2, AVANCE).value = "x"
    _celda(wb["C2 I"], ENCABEZADO + 3, INFO).value = Info.OFERTA.label
    _celda(wb["C2 I"], ENCABEZADO + 3, JEFATURA).value = "repetida"
    _celda(wb["C2 II"], ENCABEZADO + 1, ID).value = FilaCuadro2.objects.get(
        diagnostico__documento=demo, informacion=Info.OFERTA
    ).pk  # an ID of region I
    antes, historial, datos = huella_bd(), _historial(demo), contenido(demo)
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(documento=demo, archivo=_guardar(wb), actor=encargado)
    assert huella_bd() == antes and _historial(demo) == historial and contenido(demo) == datos
    errores = {(e.hoja, e.fila, e.columna): e.mensaje for e in info.value.errores}
    fila = ENCABEZADO + 2
    assert "9.9" in errores[("C1 I", fila, PRODUCTOS)]
    assert "Causal inventada" in errores[("C1 II", ENCABEZADO + 1, CAUSALES)]
    assert "«Otra cosa»" in errores[("C1 XV", ENCABEZADO + 2, CAUSALES)]
    assert "una fila por tipo" in errores[("C2 I", ENCABEZADO + 3, "Información")]
    assert "región I" in errores[("C2 II", ENCABEZADO + 1, "ID")]
    assert len(errores) == 5
    assert str(next(e for e in info.value.errores if e.hoja == "C1 I")) == (
        f"Hoja C1 I, fila {fila}, columna {PRODUCTOS}: El producto 9.9 no existe en el "
        "Diagnóstico. Revise la lista de productos en la hoja Instrucciones."
    )


def test_id_ajeno_y_valores_raros(demo):
    encargado = _usuario("encargado.mideplan")
    wb = _libro(excel.exportar_cuadros(demo, region="I"))
    ws = wb["C1 I"]
    _celda(ws, ENCABEZADO + 1, ID).value = 999999
    _celda(ws, ENCABEZADO + 2, ID).value = "abc"
    _celda(ws, ENCABEZADO + 3, PRODUCTOS).value = "1,1"  # decimal comma: product 1.1
    _celda(ws, ENCABEZADO + 3, CAUSALES).value = Causal.DISENO.label
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(documento=demo, archivo=_guardar(wb), actor=encargado)
    mensajes = [(e.fila, e.columna, e.mensaje) for e in info.value.errores]
    assert len(mensajes) == 2
    assert mensajes[0][:2] == (ENCABEZADO + 1, "ID") and "999999" in mensajes[0][2]
    assert mensajes[1][:2] == (ENCABEZADO + 2, "ID") and "abc" in mensajes[1][2]


def test_no_borrador_no_se_importa(demo_cargada):
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    archivo = excel.exportar_cuadros(documento)
    antes = huella_bd()
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(
            documento=documento, archivo=archivo, actor=_usuario("encargado.mideplan")
        )
    assert "solo se importa en Borrador" in info.value.errores[0].mensaje
    assert huella_bd() == antes


def test_archivo_que_no_es_excel(demo):
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(
            documento=demo, archivo=b"no soy un xlsx", actor=_usuario("encargado.mideplan")
        )
    assert "no es un libro Excel" in info.value.errores[0].mensaje


def test_encargada_de_centro_solo_importa_su_region(demo):
    serplac = _usuario("serplac.tarapaca")
    completo = _libro(excel.exportar_cuadros(demo))
    _celda(completo["C1 I"], ENCABEZADO + 1, AVANCE).value = "Cambio de Tarapacá"
    antes, datos = huella_bd(), contenido(demo)
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(documento=demo, archivo=_guardar(completo), actor=serplac)
    assert huella_bd() == antes and contenido(demo) == datos
    assert ("C1 II", "No tiene permiso para editar la región II.") in {
        (e.hoja, e.mensaje) for e in info.value.errores
    }

    # Only region I: accepted, and nothing of the other regions changes.
    solo_i = _libro(excel.exportar_cuadros(demo, region="I"))
    assert "Identificación" not in solo_i.sheetnames  # the Servicio's part: not hers
    _celda(solo_i["C1 I"], ENCABEZADO + 1, AVANCE).value = "Cambio de Tarapacá"
    _celda(solo_i["C2 I"], ENCABEZADO + 2, JEFATURA).value = "Nuevo texto"

    def _otras_regiones():
        del_documento = {"diagnostico__documento": demo}
        return {
            "c1": list(
                FilaCuadro1.objects.filter(**del_documento)
                .exclude(centro__region__codigo="I")
                .order_by("pk")
                .values()
            ),
            "c2": list(
                FilaCuadro2.objects.filter(**del_documento)
                .exclude(centro__region__codigo="I")
                .order_by("pk")
                .values()
            ),
            "hist": FilaCuadro1.history.filter(**del_documento)
            .exclude(centro__region__codigo="I")
            .count(),
            "hist2": FilaCuadro2.history.filter(**del_documento)
            .exclude(centro__region__codigo="I")
            .count(),
        }

    otras, historial = _otras_regiones(), _historial(demo)["global"]
    resumen = excel.importar_cuadros(documento=demo, archivo=_guardar(solo_i), actor=serplac)
    assert resumen["hojas"] == ["C1 I", "C2 I"] and resumen["actualizadas"] == 2
    assert otras["c1"] and otras["c2"]  # region II and XV rows exist and stay as they were
    assert otras == _otras_regiones()
    # Exactly the two updated rows (C1 I and C2 I of this document) were recorded.
    despues = _historial(demo)["global"]
    assert despues == historial | {
        "FilaCuadro1": historial["FilaCuadro1"] + 1,
        "FilaCuadro2": historial["FilaCuadro2"] + 1,
    }
    fila = (
        FilaCuadro1.objects.filter(diagnostico__documento=demo, centro__region__codigo="I")
        .order_by("orden")
        .first()
    )
    assert fila.avance == "Cambio de Tarapacá"
    assert fila.history.latest().history_user == serplac


# --- Views -------------------------------------------------------------------------------------


def _subir(contenido_xlsx, nombre="cuadros.xlsx"):
    return SimpleUploadedFile(
        nombre,
        contenido_xlsx,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_vista_exportar(client, demo):
    url = reverse("diagnostico:excel_exportar", args=[demo.pk])
    r = client.get(url)
    assert r.status_code == 302 and "ingresar" in r["Location"]
    client.force_login(_usuario("encargado.mideplan"))
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="MIDEPLAN-2010-cuadros.xlsx"'
    assert "C1 Consolidado" in _libro(r.content).sheetnames
    r = client.get(url, {"region": "I"})
    assert r["Content-Disposition"] == 'attachment; filename="MIDEPLAN-2010-cuadros-I.xlsx"'
    client.force_login(_usuario("encargado.serviu"))
    assert client.get(url).status_code == 404
    # A GORE reads its region only once the document is visado.
    client.force_login(_usuario("gore.antofagasta"))
    assert client.get(url, {"region": "II"}).status_code == 403


def test_vista_importar(client, demo):
    url = reverse("diagnostico:excel_importar", args=[demo.pk])
    r = client.get(url)
    assert r.status_code == 302 and "ingresar" in r["Location"]
    client.force_login(_usuario("encargado.serviu"))
    assert client.get(url).status_code == 404
    client.force_login(_usuario("gore.antofagasta"))
    assert client.get(url).status_code == 403
    assert client.post(url, {"archivo": _subir(b"x")}).status_code == 403
    client.force_login(_usuario("jefe.mideplan"))
    assert client.get(url).status_code == 403

    client.force_login(_usuario("encargado.mideplan"))
    r = client.get(url)
    assert r.status_code == 200 and 'enctype="multipart/form-data"' in r.content.decode()
    wb = _libro(excel.exportar_cuadros(demo))
    _celda(wb["C1 I"], ENCABEZADO + 1, CAUSALES).value = "<b>x</b>"
    antes = huella_bd()
    r = client.post(url, {"archivo": _subir(_guardar(wb))})
    assert r.status_code == 400 and huella_bd() == antes
    html = r.content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert '<th scope="col">Hoja</th>' in html and "C1 I" in html

    r = client.post(url, {"archivo": _subir(b"hola", nombre="cuadros.csv")})
    assert r.status_code == 400 and "Solo se aceptan archivos Excel" in r.content.decode()

    _celda(wb["C1 I"], ENCABEZADO + 1, CAUSALES).value = Causal.ACCESO.label
    r = client.post(url, {"archivo": _subir(_guardar(wb))})
    assert r.status_code == 302
    assert r["Location"] == reverse("pmggt:documento", args=[demo.pk])
    fila = (
        FilaCuadro1.objects.filter(diagnostico__documento=demo, centro__region__codigo="I")
        .order_by("orden")
        .first()
    )
    assert fila.causales == Causal.ACCESO
    assert fila.history.latest().history_user.username == "encargado.mideplan"


def test_vistas_fuera_de_borrador(client, demo_cargada):
    documento = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO
    )
    client.force_login(_usuario("encargado.mideplan"))
    r = client.get(reverse("diagnostico:excel_importar", args=[documento.pk]))
    assert r.status_code == 302
    assert r["Location"] == reverse("pmggt:documento", args=[documento.pk])
    # Once visado, the GORE downloads its own region (and only it).
    workflow.visar(
        documento=documento,
        actor=_usuario("experto.subdere"),
        version=documento.version_actual,
    )
    url = reverse("diagnostico:excel_exportar", args=[documento.pk])
    client.force_login(_usuario("gore.antofagasta"))
    r = client.get(url, {"region": "II"})
    assert r.status_code == 200
    libro = _libro(r.content)
    assert libro.sheetnames == ["C1 II", "C2 II", "Instrucciones"]
    # The instructions list only the products that region II's rows cite, not the whole tree.
    version = documento.versiones.get(numero=documento.version_actual).contenido
    citados = {n for f in version["cuadro1"] if f["region"] == "II" for n in f["productos"]}
    todos = [p["numero"] for p in version["productos"]]
    assert citados and set(todos) > citados
    instrucciones = libro["Instrucciones"]
    titulo = next(
        f
        for f in range(1, instrucciones.max_row + 1)
        if str(instrucciones.cell(row=f, column=1).value).startswith("Productos estratégicos")
    )
    listados = [
        instrucciones.cell(row=f, column=1).value
        for f in range(titulo + 1, instrucciones.max_row + 1)
    ]
    assert listados == [n for n in todos if n in citados]
    assert client.get(url).status_code == 403
    assert client.get(url, {"region": "I"}).status_code == 403


def test_vista_importar_exige_csrf(demo):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(_usuario("encargado.mideplan"))
    url = reverse("diagnostico:excel_importar", args=[demo.pk])
    r = client.post(url, {"archivo": _subir(excel.exportar_cuadros(demo))})
    assert r.status_code == 403


def test_vista_importar_encargada_de_centro(client, demo):
    client.force_login(_usuario("serplac.tarapaca"))
    url = reverse("diagnostico:excel_importar", args=[demo.pk])
    r = client.get(url)
    assert r.status_code == 200 and "?region=I" in r.content.decode()
    antes = huella_bd()
    r = client.post(url, {"archivo": _subir(excel.exportar_cuadros(demo))})
    assert r.status_code == 400 and huella_bd() == antes
    assert "No tiene permiso para editar la región II" in r.content.decode()


# --- Command -----------------------------------------------------------------------------------


def test_comando_importar_cuadros(demo, tmp_path):
    ruta = tmp_path / "cuadros.xlsx"
    wb = _libro(excel.exportar_cuadros(demo))
    _celda(wb["C1 I"], ENCABEZADO + 1, AVANCE).value = "Desde la consola"
    ruta.write_bytes(_guardar(wb))
    salida = io.StringIO()
    argumentos = ["--servicio", "mideplan", "--ciclo", "2010", "--usuario", "encargado.mideplan"]
    call_command("importar_cuadros", str(ruta), *argumentos, stdout=salida)
    assert "1 actualizada" in salida.getvalue()
    fila = (
        FilaCuadro1.objects.filter(diagnostico__documento=demo, centro__region__codigo="I")
        .order_by("orden")
        .first()
    )
    assert fila.avance == "Desde la consola"
    assert fila.history.latest().history_user.username == "encargado.mideplan"

    _celda(wb["C1 I"], ENCABEZADO + 1, CAUSALES).value = "Otra"
    ruta.write_bytes(_guardar(wb))
    errores = io.StringIO()
    antes = huella_bd()
    with pytest.raises(CommandError):
        call_command("importar_cuadros", str(ruta), *argumentos, stdout=salida, stderr=errores)
    assert huella_bd() == antes
    assert f"Hoja C1 I, fila {ENCABEZADO + 1}, columna Causales: Valor no válido" in (
        errores.getvalue()
    )
    with pytest.raises(CommandError):
        call_command(
            "importar_cuadros",
            str(ruta),
            "--servicio",
            "mideplan",
            "--ciclo",
            "2010",
            "--usuario",
            "serplac.tarapaca",
            stdout=salida,
            stderr=errores,
        )
    assert "No tiene permiso para editar la región II" in errores.getvalue()


def test_hoja_del_servicio_rechazada_si_tiene_centros(demo):
    wb = _libro(excel.exportar_cuadros(demo))
    wb["C1 I"].title = "C1 Servicio"
    salida = io.BytesIO()
    wb.save(salida)
    antes = huella_bd()
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(
            documento=demo, archivo=salida.getvalue(), actor=_usuario("encargado.mideplan")
        )
    mensajes = [str(e) for e in info.value.errores]
    assert any("C1 Servicio" in m and "hojas de cada región" in m for m in mensajes)
    assert huella_bd() == antes
