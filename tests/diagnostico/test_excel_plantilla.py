"""The Excel template follows the printed cuadro (issue 9, item 3).

Cuadro I N°1's sheet has columns A–E = (1)–(5) with the printed headers, so a 5-column table
copied from the Servicio's Word cuadro pastes as one block and imports as it is; then the
causales (several per row), the linked products and the row ID last. The instructions list the
Diagnóstico's products and the causales, and a Diagnóstico without products says what to fill
first; a product number that does not exist is a row-level message. Cuadro I N°2's "no
pertinente" and its motivo are set in the «Identificación» sheet. A workbook of the earlier
layout (ID first, one «Causal» column, no column (1)) still imports, and a regional Servicio
without Centros names its sheets by its region («C1 II»), also accepting «C1 Servicio».
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from diagnostico import excel, informes
from diagnostico.contenido import contenido
from diagnostico.models import Causal, Diagnostico, FilaCuadro1, FilaCuadro2, ProductoEstrategico
from pmggt import etapas, services
from pmggt import informes as nucleo
from pmggt.historia import actuando_como
from pmggt.informes.excel import FILA_ENCABEZADO
from pmggt.models import GrupoRol
from tests.conftest import crear_diagnostico, huella_bd
from tests.fabricas import ServicioFactory, UsuarioFactory

Info = FilaCuadro2.Informacion
DATOS = FILA_ENCABEZADO + 1  # the first data row

# A region's cuadro as a Servicio has it in Word: five columns, the first cell of a product
# shared by the rows below it (merged in Word: empty once pasted).
TABLA_WORD = [
    [
        "Producto: 1. Sistema de Protección Social.\nSubproducto: 1.1 Chile Crece Contigo",
        "No aplica en materia de diseño ya que este es definido centralmente",
        "No aplica",
        "No aplica",
        "No aplica",
    ],
    [
        None,
        "Se han conformado todas las redes comunales Chile Crece Contigo en la región.",
        "- Fortalecer la coordinación entre el nivel local y el sectorial.",
        "- Reorganizar al equipo de protección social.\n- Instruir el monitoreo en el SIIS.",
        "Fortalecer el rol de las redes comunales.",
    ],
    [
        "Producto: 4. Sistema Nacional de Inversiones.",
        "Se ha incorporado el enfoque de supervisión regional a los formuladores.",
        "Culminar el trabajo con un taller con las comunas.",
        "Convocar mediante oficio a las comunas.",
        "Implementar el sistema regional de supervisión de Rates.",
    ],
]


def _libro(contenido_xlsx):
    return load_workbook(io.BytesIO(contenido_xlsx))


def _guardar(wb) -> bytes:
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def _importar(documento, wb_o_bytes, actor):
    archivo = wb_o_bytes if isinstance(wb_o_bytes, bytes) else _guardar(wb_o_bytes)
    return excel.importar_cuadros(documento=documento, archivo=archivo, actor=actor)


def _rechazo(documento, wb, actor) -> dict:
    """Import refused: nothing changed; {(hoja, fila, columna): mensaje}."""
    antes, datos = huella_bd(), contenido(documento)
    with pytest.raises(excel.ErrorImportacion) as info:
        _importar(documento, wb, actor)
    assert huella_bd() == antes and contenido(documento) == datos
    return {(e.hoja, e.fila, e.columna): e.mensaje for e in info.value.errores}


def _instrucciones(wb) -> str:
    return "\n".join(
        str(c.value) for fila in wb["Instrucciones"].iter_rows() for c in fila if c.value
    )


def _filas_region(documento, codigo="I"):
    return [f for f in contenido(documento)["cuadro1"] if f["region"] == codigo]


@pytest.fixture
def documento(mundo):
    return crear_diagnostico(mundo, cuadro1=False)


@pytest.fixture
def con_productos(documento, mundo):
    with actuando_como(mundo.encargada):
        for orden, (numero, nombre) in enumerate(
            [("1", "Sistema de Protección Social"), ("1.2", "Chile Crece Contigo")], start=1
        ):
            ProductoEstrategico.objects.create(
                diagnostico=documento.diagnostico, numero=numero, orden=orden, nombre=nombre
            )
    return documento


# --- The layout --------------------------------------------------------------------------------


def test_columnas_como_el_cuadro_impreso(con_productos):
    wb = _libro(excel.exportar_cuadros(con_productos))
    c1 = [c.value for c in wb["C1 I"][FILA_ENCABEZADO]]
    assert c1 == [
        "Producto/subproductos estratégicos (1)",
        "Avance existente aplicando la PT (2)",
        "Mejora prevista que se proyecta lograr (3)",
        "Medidas necesarias que acompañen las mejoras (4)",
        "Objetivo recomendado al Plan GT (5)",
        "Causales",
        "Productos vinculados (N°, separados por coma)",
        "ID",
    ]
    assert c1[:5] == informes.COLUMNAS_CUADRO1  # the PDF's headers, word for word
    c2 = [c.value for c in wb["C2 I"][FILA_ENCABEZADO]]
    assert c2 == [*informes.COLUMNAS_CUADRO2, "ID"]
    assert c2[0] == "Información"
    # «Causales» offers the list but accepts several values typed (no error alert).
    (causales,) = [v for v in wb["C1 I"].data_validations.dataValidation if "F" in str(v.sqref)]
    assert causales.type == "list" and not causales.showErrorMessage
    assert "«;»" in causales.prompt
    # The instructions: the products (N° and name), the causales, how to paste, no pertinente.
    texto = _instrucciones(wb)
    for esperado in (
        "Sistema de Protección Social",
        "Chile Crece Contigo",
        *Causal.labels,
        "pegarla desde la celda A6",
        "Identificación",
    ):
        assert esperado in texto, esperado
    ws = wb["Instrucciones"]
    numeros = [ws.cell(row=f, column=1).value for f in range(1, ws.max_row + 1)]
    assert "1" in numeros and "1.2" in numeros


def test_plantilla_sin_productos_dice_que_registrar_primero(client, mundo, documento):
    client.force_login(mundo.encargada)
    r = client.get(reverse("diagnostico:excel_exportar", args=[documento.pk]), {"region": "I"})
    wb = _libro(r.content)
    # What to fill first, in the sheet (row 4) and in the instructions.
    assert "registre primero los productos estratégicos" in wb["C1 I"]["A4"].value
    assert "registre primero los productos estratégicos" in _instrucciones(wb)
    # A product number anyway: a clear message of its row and column, nothing imported.
    ws = wb["C1 I"]
    ws.cell(row=DATOS, column=1).value = "Producto: 1. Sistema de Protección Social."
    ws.cell(row=DATOS, column=2).value = "Avance."
    ws.cell(row=DATOS, column=7).value = "1, 1.2"
    errores = _rechazo(documento, wb, mundo.encargada)
    assert errores == {
        ("C1 I", DATOS, excel.C1_PRODUCTOS): "Los productos 1, 1.2 no existen en el Diagnóstico. "
        "Registre primero los productos estratégicos en la sección Productos del Diagnóstico, o "
        "deje vacía la columna."
    }
    # Without the numbers the same row imports: column (1) is the product as written.
    ws.cell(row=DATOS, column=7).value = None
    resumen = _importar(documento, wb, mundo.encargada)
    assert resumen["creadas"] == 1
    (fila,) = _filas_region(documento)
    assert fila["producto_texto"] == "Producto: 1. Sistema de Protección Social."
    assert fila["productos"] == [] and fila["causales"] == []


# --- Pasting a Word table -----------------------------------------------------------------------


def test_tabla_de_word_pegada_en_a_e_se_importa_sin_retoques(mundo, con_productos):
    documento = con_productos
    wb = _libro(excel.exportar_cuadros(documento, region="I"))
    ws = wb["C1 I"]
    # The table pasted from A6 with its title row (Word's headers carry no notes).
    titulos = [
        "Producto/subproductos estratégicos",
        "Avance existente aplicando la PT",
        "Mejora prevista que se proyecta lograr",
        "Medidas necesarias que acompañen las mejoras",
        "Objetivo recomendado al Plan GT",
    ]
    for i, fila in enumerate([titulos, *TABLA_WORD]):
        for columna, valor in enumerate(fila, start=1):
            ws.cell(row=DATOS + i, column=columna).value = valor
    resumen = _importar(documento, wb, mundo.encargada)
    assert resumen["creadas"] == 3 and resumen["eliminadas"] == resumen["actualizadas"] == 0
    filas = _filas_region(documento)
    assert [f["producto_texto"] for f in filas] == [
        TABLA_WORD[0][0],
        TABLA_WORD[0][0],  # the merged cell: the row above's product
        TABLA_WORD[2][0],
    ]
    assert [f["avance"] for f in filas] == [t[1] for t in TABLA_WORD]
    assert filas[1]["mejora"] == "• Fortalecer la coordinación entre el nivel local y el sectorial."
    assert filas[1]["medidas"] == (
        "• Reorganizar al equipo de protección social.\n• Instruir el monitoreo en el SIIS."
    )
    assert all(f["causales"] == [] and f["productos"] == [] for f in filas)
    registros = FilaCuadro1.history.filter(diagnostico=documento.diagnostico)
    assert set(registros.values_list("history_user__username", flat=True)) == {"encargada"}


def test_causales_y_productos_en_las_columnas_siguientes(mundo, con_productos):
    documento = con_productos
    wb = _libro(excel.exportar_cuadros(documento, region="I"))
    ws = wb["C1 I"]
    valores = [
        ("Fila A", "Diseño; acceso", "1, 1.2"),
        (
            "Fila B",
            f"{Causal.COORDINACION.label}\n{Causal.ACCESO.label}",  # Alt+Enter between them
            1.2,  # Excel turned "1.2" into a number
        ),
        ("Fila C", "asociados al diseño y/o características del producto:", ""),
        ("Fila D", "Acceso; Inventada", "1"),
        ("Fila E", "Coordinación", "3"),
    ]
    for i, (texto, causales, productos) in enumerate(valores):
        ws.cell(row=DATOS + i, column=1).value = texto
        ws.cell(row=DATOS + i, column=6).value = causales
        ws.cell(row=DATOS + i, column=7).value = productos
    errores = _rechazo(documento, wb, mundo.encargada)
    assert set(errores) == {
        ("C1 I", DATOS + 3, excel.C1_CAUSALES),
        ("C1 I", DATOS + 4, excel.C1_PRODUCTOS),
    }
    assert errores[("C1 I", DATOS + 3, excel.C1_CAUSALES)].startswith(
        "Valor no válido: «Inventada». Escriba una o varias de: "
    )
    assert errores[("C1 I", DATOS + 4, excel.C1_PRODUCTOS)] == (
        "El producto 3 no existe en el Diagnóstico. Revise la lista de productos en la hoja "
        "Instrucciones."
    )
    ws.delete_rows(DATOS + 3, 2)
    _importar(documento, wb, mundo.encargada)
    filas = _filas_region(documento)
    assert [(f["producto_texto"], f["causales"], f["productos"]) for f in filas] == [
        ("Fila A", ["diseno", "acceso"], ["1", "1.2"]),
        ("Fila B", ["coordinacion", "acceso"], ["1.2"]),
        ("Fila C", ["diseno"], []),
    ]
    # Exported again: the causales in printed order, separated by «;».
    ws = _libro(excel.exportar_cuadros(documento, region="I"))["C1 I"]
    assert ws.cell(row=DATOS, column=6).value == (f"{Causal.DISENO.label}; {Causal.ACCESO.label}")


def test_una_fila_nueva_sin_producto_ni_fila_de_arriba_es_un_error(mundo, con_productos):
    documento = con_productos
    wb = _libro(excel.exportar_cuadros(documento, region="I"))
    ws = wb["C1 I"]
    ws.cell(row=DATOS + 2, column=2).value = "Avance sin producto"  # two empty rows above
    errores = _rechazo(documento, wb, mundo.encargada)
    assert errores == {
        ("C1 I", DATOS + 2, excel.C1_PRODUCTO_TEXTO): "Escriba el producto/subproducto (1) o "
        "vincule al menos un producto del Diagnóstico."
    }


# --- Cuadro I N°2 no pertinente -----------------------------------------------------------------


def _identificacion(wb):
    ws = wb["Identificación"]
    filas = {ws.cell(row=f, column=1).value: f for f in range(1, ws.max_row + 1)}
    return ws, filas[excel.NO_PERTINENTE], filas[excel.MOTIVO]


def test_no_pertinente_y_su_motivo_desde_el_libro(client, mundo, documento):
    wb = _libro(excel.exportar_cuadros(documento))
    assert "Identificación" in wb.sheetnames
    ws, fila_np, fila_motivo = _identificacion(wb)
    assert ws.cell(row=fila_np, column=2).value == "No"
    dv = [v for v in ws.data_validations.dataValidation if f"B{fila_np}" in str(v.sqref)]
    assert dv and dv[0].formula1 == '"Sí,No"'

    # «Sí» without its motivo: a message of that row, nothing changes.
    ws.cell(row=fila_np, column=2).value = "Sí"
    errores = _rechazo(documento, wb, mundo.encargada)
    assert errores == {
        ("Identificación", fila_motivo, "Valor"): "Indique por qué el Cuadro I N°2 no es "
        "pertinente al Servicio."
    }
    ws.cell(row=fila_np, column=2).value = "Quizás"
    errores = _rechazo(documento, wb, mundo.encargada)
    assert "Escriba «Sí» o «No»" in errores[("Identificación", fila_np, "Valor")]

    # An Encargada de Centro may not change it (the Servicio's part).
    ws.cell(row=fila_np, column=2).value = "sí"
    ws.cell(row=fila_motivo, column=2).value = "El Servicio no tiene equipos regionales."
    solo = _libro(_guardar(wb))
    for nombre in ("C1 II", "C2 II", "C1 Consolidado", "C2 Consolidado"):
        del solo[nombre]
    errores = _rechazo(documento, solo, mundo.centro_i)
    assert (
        "No tiene permiso para cambiar la declaración del Cuadro I N°2"
        in (errores[("Identificación", None, "")])
    )

    # The Encargada GT, through the upload page: declared, with its motivo, in the history.
    client.force_login(mundo.encargada)
    archivo = SimpleUploadedFile("cuadros.xlsx", _guardar(wb), content_type=excel.x.TIPO_XLSX)
    r = client.post(
        reverse("diagnostico:excel_importar", args=[documento.pk]),
        {"archivo": archivo},
        follow=True,
    )
    assert "Cuadro I N°2 declarado no pertinente" in r.content.decode()
    diagnostico = Diagnostico.objects.get(pk=documento.diagnostico.pk)
    assert diagnostico.cuadro2_no_pertinente
    assert diagnostico.cuadro2_motivo == "El Servicio no tiene equipos regionales."
    assert diagnostico.history.latest().history_user == mundo.encargada
    datos = contenido(documento)["cuadro2"]
    assert datos["no_pertinente"] and datos["motivo"] == diagnostico.cuadro2_motivo
    # The cuadro page and the next workbook say so.
    html = client.get(reverse("diagnostico:cuadro", args=[documento.pk, "I"])).content.decode()
    assert "no pertinente" in html and "El Servicio no tiene equipos regionales." in html
    wb = _libro(excel.exportar_cuadros(documento))
    assert "declarado no pertinente" in wb["C2 I"]["A4"].value
    ws, fila_np, _m = _identificacion(wb)
    assert ws.cell(row=fila_np, column=2).value == "Sí"
    # Imported again as it is: nothing changes, nothing is recorded.
    registros = diagnostico.history.count()
    resumen = _importar(documento, wb, mundo.encargada)
    assert resumen["no_pertinente"] is None and diagnostico.history.count() == registros


def test_la_declaracion_cambiada_en_el_sistema_despues_de_descargar(mundo, documento):
    wb = _libro(excel.exportar_cuadros(documento))
    ws, fila_np, fila_motivo = _identificacion(wb)
    ws.cell(row=fila_np, column=2).value = "Sí"
    ws.cell(row=fila_motivo, column=2).value = "Sin equipos regionales."
    with actuando_como(mundo.encargada):
        diagnostico = Diagnostico.objects.get(pk=documento.diagnostico.pk)
        diagnostico.cuadro2_motivo = "Escrito en la página mientras tanto."
        diagnostico.save()
    errores = _rechazo(documento, wb, mundo.encargada)
    (mensaje,) = errores.values()
    assert "cambió en el sistema después de descargar este archivo" in mensaje
    # A workbook that leaves the declaration as it was imports despite other edits.
    wb = _libro(excel.exportar_cuadros(documento))
    with actuando_como(mundo.encargada):
        diagnostico.mision = "Otra misión."
        diagnostico.save()
    assert _importar(documento, wb, mundo.encargada)["no_pertinente"] is None


# --- The earlier layout -------------------------------------------------------------------------

ANTERIOR_C1 = [
    "ID",
    "Productos (N°, separados por coma)",
    "Causal",
    "Avance existente aplicando la PT (2)",
    "Mejora prevista que se proyecta lograr (3)",
    "Medidas necesarias que acompañen las mejoras (4)",
    "Objetivo recomendado al Plan GT (5)",
]
ANTERIOR_C2 = [
    "ID",
    "Información",
    "Medidas para proveer información a la jefatura regional",
    "Medidas para proveer información al GORE",
    "Objetivo recomendado al plan",
]


def _libro_anterior(datos: dict, hojas: dict) -> bytes:
    """A workbook as the system exported it before (one «Causal» per row, ID first):
    ``hojas`` {sheet title: region code}."""
    causales = dict(Causal.choices)
    wb = Workbook()
    wb.remove(wb.active)
    for titulo, codigo in hojas.items():
        for cuadro in ("C1", "C2"):
            ws = wb.create_sheet(f"{cuadro} {titulo}")
            ws["A1"] = f"Cuadro I N°{cuadro[1]} · {titulo}"
            for columna, nombre in enumerate(ANTERIOR_C1 if cuadro == "C1" else ANTERIOR_C2, 1):
                ws.cell(row=FILA_ENCABEZADO, column=columna).value = nombre
            if cuadro == "C1":
                filas = [
                    [
                        f["id"],
                        ", ".join(f["productos"]),
                        causales[f["causales"][0]] if f["causales"] else "",
                        f["avance"],
                        f["mejora"],
                        f["medidas"],
                        f["objetivo"],
                    ]
                    for f in datos["cuadro1"]
                    if f["region"] == codigo
                ]
            else:
                filas = [
                    [
                        f["id"],
                        Info(f["informacion"]).label,
                        f["medidas_jefatura"],
                        f["medidas_gore"],
                        f["objetivo"],
                    ]
                    for f in datos["cuadro2"]["filas"]
                    if f["region"] == codigo
                ]
            for i, fila in enumerate(filas):
                for columna, valor in enumerate(fila, start=1):
                    ws.cell(row=DATOS + i, column=columna).value = valor
    return _guardar(wb)


def test_un_libro_del_formato_anterior_se_importa(mundo, con_productos):
    documento = con_productos
    producto = documento.diagnostico.productos.get(numero="1")
    with actuando_como(mundo.encargada):
        fila = FilaCuadro1.objects.create(
            diagnostico=documento.diagnostico,
            centro=mundo.centro_region_i,
            producto_texto="Producto: 1. Sistema de Protección Social.",
            causales="coordinacion",
            avance="Avance",
            mejora="Mejora",
            medidas="Medidas",
            objetivo="Objetivo",
        )
        fila.productos.set([producto])
        FilaCuadro2.objects.create(
            diagnostico=documento.diagnostico,
            centro=mundo.centro_region_i,
            informacion=Info.OFERTA,
            medidas_gore="Al GORE",
        )
    datos = contenido(documento)
    resumen = _importar(documento, _libro_anterior(datos, {"I": "I"}), mundo.encargada)
    assert resumen["sin_cambios"] == 2 and resumen["actualizadas"] == resumen["creadas"] == 0
    assert contenido(documento) == datos
    # Edited in the old layout: the change lands, column (1) stays as it was.
    viejo = load_workbook(io.BytesIO(_libro_anterior(datos, {"I": "I"})))
    viejo["C1 I"].cell(row=DATOS, column=3).value = Causal.ACCESO.label
    viejo["C1 I"].cell(row=DATOS, column=4).value = "Avance nuevo"
    viejo["C1 I"].cell(row=DATOS + 1, column=2).value = "1.2"  # a new row, old style
    viejo["C1 I"].cell(row=DATOS + 1, column=4).value = "Fila nueva"
    resumen = _importar(documento, viejo, mundo.encargada)
    assert resumen["actualizadas"] == 1 and resumen["creadas"] == 1
    filas = _filas_region(documento)
    assert filas[0]["producto_texto"] == "Producto: 1. Sistema de Protección Social."
    assert filas[0]["causales"] == ["acceso"] and filas[0]["avance"] == "Avance nuevo"
    assert filas[1]["productos"] == ["1.2"] and filas[1]["producto_texto"] == ""
    # Errors name the old columns as the file does.
    viejo["C1 I"].cell(row=DATOS, column=3).value = "Otra"
    errores = _rechazo(documento, viejo, mundo.encargada)
    assert ("C1 I", DATOS, "Causal") in errores


# --- A regional Servicio without Centros ---------------------------------------------------------


@pytest.fixture
def regional(mundo):
    """A Servicio of region II without Centros, its Encargada GT and a Diagnóstico in Borrador."""
    with actuando_como(mundo.admin):
        servicio = ServicioFactory(
            sigla="SERV-R", nombre="Servicio Regional", region=mundo.regiones[1]
        )
        services.roles_asegurar(servicio)
        encargada = UsuarioFactory(username="encargada.regional")
        services.rol_asignar(usuario=encargada, tipo=GrupoRol.Tipo.ENCARGADO_GT, objeto=servicio)
    documento = services.documento_crear(
        servicio=servicio, ciclo=mundo.ciclo, etapa=1, actor=encargada
    )
    return documento, encargada


def test_un_servicio_regional_sin_centros_usa_el_codigo_de_su_region(client, regional):
    documento, encargada = regional
    client.force_login(encargada)
    pagina = client.get(reverse("diagnostico:excel_importar", args=[documento.pk]))
    assert "el cuadro del Servicio (hojas «C1 II» y «C2 II»)" in pagina.content.decode()
    url = reverse("diagnostico:excel_exportar", args=[documento.pk])
    r = client.get(url)
    assert r["Content-Disposition"] == 'attachment; filename="SERV-R-2009-cuadros.xlsx"'
    wb = _libro(r.content)
    assert wb.sheetnames[:2] == ["C1 II", "C2 II"]
    r = client.get(url, {"region": "II"})
    assert r["Content-Disposition"] == 'attachment; filename="SERV-R-2009-cuadros-II.xlsx"'
    assert _libro(r.content).sheetnames == ["C1 II", "C2 II", "Identificación", "Instrucciones"]
    assert client.get(url, {"region": "Servicio"}).status_code == 404
    # The PDF of that region is named with the same code (same core naming rule).
    declarado = etapas.de(documento.etapa).informe("cuadro1")
    assert nucleo.nombre_archivo(documento, declarado, "II") == "SERV-R-2009-cuadro1-II.pdf"
    assert "II" in declarado.regiones(documento)

    # Rows pasted in «C1 II» import into the Servicio's part; an old «C1 Servicio» does too.
    ws = wb["C1 II"]
    ws.cell(row=DATOS, column=1).value = "Producto: 1. Vivienda."
    ws.cell(row=DATOS, column=2).value = "Avance regional"
    assert _importar(documento, wb, encargada)["creadas"] == 1
    (fila,) = contenido(documento)["cuadro1"]
    assert fila["region"] is None and fila["avance"] == "Avance regional"
    viejo = load_workbook(io.BytesIO(_libro_anterior(contenido(documento), {"Servicio": None})))
    viejo["C1 Servicio"].cell(row=DATOS, column=4).value = "Avance desde el formato anterior"
    viejo["C1 Servicio"].cell(row=DATOS, column=2).value = None
    resumen = _importar(documento, viejo, encargada)
    assert resumen["actualizadas"] == 1 and resumen["hojas"] == ["C1 Servicio", "C2 Servicio"]
    assert contenido(documento)["cuadro1"][0]["avance"] == "Avance desde el formato anterior"
    # Both names at once: the same part twice.
    wb = _libro(excel.exportar_cuadros(documento))
    wb["C2 II"].title = "C2 Servicio"
    wb["C1 Consolidado"].title = "C1 Servicio"
    errores = _rechazo(documento, wb, encargada)
    assert "Repite la hoja «C1 II»." in errores.values()
