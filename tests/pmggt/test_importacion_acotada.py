"""Excel imports read uploads in bounded memory and time (pmggt.informes.excel, the core's
import framework, through the Cuadros I N°1/N°2 import).

Every refused file is measured: peak memory (tracemalloc) under LIMITE_MEMORIA and CPU time
under LIMITE_CPU around the import call; the refusal is an ErrorImportacion with a Spanish
message (naming the sheet when the problem is a sheet's) and the database does not change.
"""

import io
import re
import struct
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook

from diagnostico import excel
from diagnostico.contenido import contenido
from diagnostico.models import Causal, Diagnostico, FilaCuadro1, FilaCuadro2, ProductoEstrategico
from pmggt.historia import actuando_como
from pmggt.informes import excel as x
from tests.conftest import crear_diagnostico, huella_bd

LIMITE_MEMORIA = 200 * 1024 * 1024
LIMITE_CPU = 5  # seconds of CPU; these files take well under one
HOJA = "C1 I"
FILA = x.FILA_ENCABEZADO + 1  # the first data row


@pytest.fixture
def documento(mundo):
    """Servicio A (Centros I and II) with a Diagnóstico in Borrador and rows in both cuadros."""
    documento = crear_diagnostico(mundo, cuadro1=False)
    diagnostico = Diagnostico.objects.get(documento=documento)
    with actuando_como(mundo.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=diagnostico, numero="1", orden=1, nombre="Producto 1"
        )
        for orden, centro in enumerate((mundo.centro_region_i, mundo.centro_region_ii), 1):
            fila = FilaCuadro1.objects.create(
                diagnostico=diagnostico,
                centro=centro,
                causales=Causal.DISENO,
                orden=orden,
                avance=f"Avance {centro.region.codigo}",
                mejora="=SUM(A1)",
                objetivo="+56 9",
            )
            fila.productos.set([producto])
            FilaCuadro2.objects.create(
                diagnostico=diagnostico,
                centro=centro,
                informacion=FilaCuadro2.Informacion.OFERTA,
                medidas_gore="@gore",
            )
    return documento


@pytest.fixture
def xlsx(documento):
    return excel.exportar_cuadros(documento)


# --- Helpers -----------------------------------------------------------------------------------


def _editar(xlsx: bytes, cambio) -> bytes:
    """The workbook after ``cambio(wb)``, through openpyxl (normal mode: the file is small)."""
    wb = load_workbook(io.BytesIO(xlsx))
    cambio(wb)
    salida = io.BytesIO()
    wb.save(salida)
    return salida.getvalue()


def _parte(xlsx: bytes, hoja: str) -> str:
    wb = load_workbook(io.BytesIO(xlsx), read_only=True)
    try:
        return wb[hoja]._worksheet_path
    finally:
        wb.close()


def _rehacer(xlsx: bytes, cambios: dict | None = None, nuevas: dict | None = None) -> bytes:
    """The zip with some parts replaced (a function of the old bytes, or new bytes; None drops
    the part) and some added."""
    cambios, nuevas = cambios or {}, nuevas or {}
    origen = zipfile.ZipFile(io.BytesIO(xlsx))
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as destino:
        for info in origen.infolist():
            datos = origen.read(info.filename)
            if info.filename in cambios:
                cambio = cambios[info.filename]
                datos = cambio(datos) if callable(cambio) else cambio
            if datos is not None:
                destino.writestr(info.filename, datos)
        for nombre, datos in nuevas.items():
            destino.writestr(nombre, datos)
    return salida.getvalue()


def _en_hoja(xlsx: bytes, hoja: str, cambio) -> bytes:
    """The workbook with the XML text of ``hoja`` changed by ``cambio(xml)``."""
    return _rehacer(xlsx, {_parte(xlsx, hoja): lambda datos: cambio(datos.decode()).encode()})


def _medir(funcion):
    """(exception or None, peak bytes, CPU seconds) of ``funcion()``."""
    tracemalloc.start()
    inicio = time.process_time()
    try:
        funcion()
        error = None
    except Exception as exc:  # the caller looks at it
        error = exc
    finally:
        cpu = time.process_time() - inicio
        _actual, pico = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, pico, cpu


def _rechazado(mundo, documento, archivo) -> list:
    """Import ``archivo``: refused in bounded memory and time, nothing changed; its errors."""
    antes, datos = huella_bd(), contenido(documento)
    error, pico, cpu = _medir(
        lambda: excel.importar_cuadros(documento=documento, archivo=archivo, actor=mundo.encargada)
    )
    assert isinstance(error, x.ErrorImportacion), error
    assert pico < LIMITE_MEMORIA, f"{pico / 1e6:.0f} MB"
    assert cpu < LIMITE_CPU, f"{cpu:.1f} s"
    assert huella_bd() == antes and contenido(documento) == datos
    return error.errores


def _de_la_hoja(errores, hoja=HOJA) -> str:
    """The messages of ``hoja``'s errors (each also names the sheet when printed)."""
    propios = [e for e in errores if e.hoja == hoja]
    assert propios, errores
    assert all(str(e).startswith(f"Hoja {hoja}") for e in propios)
    return " ".join(e.mensaje for e in propios)


# --- Rows and columns beyond the limits ---------------------------------------------------------


def test_una_celda_en_la_fila_1048576(mundo, documento, xlsx):
    archivo = _editar(xlsx, lambda wb: wb[HOJA].cell(row=1_048_576, column=2, value="x"))
    assert len(archivo) < 100_000
    errores = _rechazado(mundo, documento, archivo)
    assert _de_la_hoja(errores) == (
        "La hoja tiene datos hasta la fila 1.048.576 y el máximo es 2.600: borre las filas "
        "que sobran."
    )
    assert len(errores) == 1  # the sheet is not read: no row errors


def test_una_celda_en_la_columna_xfd(mundo, documento, xlsx):
    archivo = _editar(xlsx, lambda wb: wb[HOJA].cell(row=FILA, column=16_384, value="x"))
    errores = _rechazado(mundo, documento, archivo)
    assert "hasta la columna XFD y el máximo es AD" in _de_la_hoja(errores)


def test_la_dimension_declarada_no_cuenta_ni_las_celdas_vacias(mundo, documento, xlsx):
    """A <dimension> claiming the whole grid and formatted empty cells far away are not data:
    the import goes through, reading only the rows that exist."""

    def cambio(wb):
        wb[HOJA].cell(row=1_048_576, column=16_384).style = x.ESTILO_TEXTO

    archivo = _en_hoja(
        _editar(xlsx, cambio),
        HOJA,
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml),
    )
    resultado = {}
    error, pico, cpu = _medir(
        lambda: resultado.update(
            excel.importar_cuadros(documento=documento, archivo=archivo, actor=mundo.encargada)
        )
    )
    assert error is None and pico < LIMITE_MEMORIA and cpu < LIMITE_CPU
    assert resultado["sin_cambios"] == 4 and resultado["actualizadas"] == 0


def test_datos_en_la_fila_2600_se_leen_y_en_la_2601_no(mundo, documento, xlsx):
    def en(fila):
        return lambda wb: wb[HOJA].cell(row=fila, column=2, value="Fila lejana")

    errores = _rechazado(mundo, documento, _editar(xlsx, en(x.MAX_FILA)))
    # Row 2600 is read: a row without product nor causal.
    assert {(e.hoja, e.fila) for e in errores} == {(HOJA, x.MAX_FILA)}
    errores = _rechazado(mundo, documento, _editar(xlsx, en(x.MAX_FILA + 1)))
    assert "hasta la fila 2.601" in _de_la_hoja(errores)


def test_texto_demasiado_largo_es_error_de_su_celda(mundo, documento, xlsx):
    largo = "a" * (x.MAX_CARACTERES_CELDA + 1)
    archivo = _editar(xlsx, lambda wb: wb[HOJA].cell(row=FILA, column=2, value=largo))
    errores = _rechazado(mundo, documento, archivo)
    assert [(e.hoja, e.fila, e.columna, e.mensaje) for e in errores] == [
        (
            HOJA,
            FILA,
            "Avance existente aplicando la PT (2)",
            "El texto tiene 20.001 caracteres y el máximo es 20.000.",
        )
    ]


# --- The zip and its parts ---------------------------------------------------------------------


def test_doscientas_hojas(mundo, documento, xlsx):
    def cambio(wb):
        for n in range(200 - len(wb.sheetnames)):
            wb.create_sheet(f"Extra {n}")

    errores = _rechazado(mundo, documento, _editar(xlsx, cambio))
    assert [e.mensaje for e in errores] == ["El archivo tiene 200 hojas y el máximo es 60."]


def test_bomba_zip_en_una_hoja(mundo, documento, xlsx):
    # 60 MB of spaces inside the sheet's XML compress to some 60 KB.
    archivo = _en_hoja(
        xlsx, HOJA, lambda xml: xml.replace("<sheetData>", " " * 60_000_000 + "<sheetData>", 1)
    )
    assert len(archivo) < 1_000_000
    errores = _rechazado(mundo, documento, archivo)
    assert _de_la_hoja(errores).startswith("La hoja ocupa 57 MB sin comprimir y el máximo es 10 MB")


def test_bomba_zip_en_otra_parte(mundo, documento, xlsx):
    archivo = _rehacer(xlsx, nuevas={"xl/media/bomba.bin": bytes(100_000_000)})
    assert len(archivo) < 1_000_000
    errores = _rechazado(mundo, documento, archivo)
    assert [e.mensaje for e in errores] == [
        "La parte «xl/media/bomba.bin» del archivo ocupa 95 MB sin comprimir y el máximo es 10 MB."
    ]


def test_muchas_partes_pequenas_suman_demasiado(mundo, documento, xlsx):
    nuevas = {f"xl/media/relleno{n}.bin": bytes(8_000_000) for n in range(5)}
    errores = _rechazado(mundo, documento, _rehacer(xlsx, nuevas=nuevas))
    assert errores[0].mensaje.startswith(
        "El archivo ocupa 38 MB sin comprimir y el máximo es 30 MB"
    )


def test_tamano_declarado_falso(mundo, documento, xlsx):
    """A part whose central-directory size lies: zipfile stops at the declared size and fails,
    so the sheet cannot inflate past what was checked."""
    parte = _parte(xlsx, HOJA).encode()
    archivo = bytearray(xlsx)
    cabecera = archivo.index(b"PK\x01\x02")
    while True:  # the central-directory record of the sheet's part
        largo_nombre = struct.unpack("<H", archivo[cabecera + 28 : cabecera + 30])[0]
        if archivo[cabecera + 46 : cabecera + 46 + largo_nombre] == parte:
            break
        cabecera = archivo.index(b"PK\x01\x02", cabecera + 4)
    archivo[cabecera + 24 : cabecera + 28] = struct.pack("<I", 100)
    errores = _rechazado(mundo, documento, bytes(archivo))
    assert _de_la_hoja(errores) == "La hoja está dañada y no se puede leer."


def test_cadenas_compartidas_enormes(mundo, documento, xlsx):
    """xl/sharedStrings.xml (openpyxl loads it whole): a huge string, then too many strings."""
    tipos = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def con_cadenas(cuerpo: str) -> bytes:
        return _rehacer(
            xlsx,
            {"[Content_Types].xml": lambda d: d.decode().replace("</Types>", tipos).encode()},
            {"xl/sharedStrings.xml": f'<sst xmlns="{ns}">{cuerpo}</sst>'.encode()},
        )

    errores = _rechazado(mundo, documento, con_cadenas(f"<si><t>{'a' * 12_000_000}</t></si>"))
    assert [e.mensaje for e in errores] == [
        "La parte «xl/sharedStrings.xml» del archivo ocupa 11 MB sin comprimir y el máximo es "
        "10 MB."
    ]
    errores = _rechazado(mundo, documento, con_cadenas("<si><t>a</t></si>" * 150_000))
    assert [e.mensaje for e in errores] == [
        "La parte «xl/sharedStrings.xml» del archivo tiene más de 200.000 elementos XML: no "
        "parece un libro exportado por el sistema."
    ]


def test_cadena_compartida_larga_en_una_celda(mundo, documento, xlsx):
    """A shared string within the size limits but longer than a cell may hold, used by a cell of
    the sheet: an error of that cell."""
    tipos = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    cadenas = f'<sst xmlns="{ns}"><si><t>{"b" * 100_000}</t></si></sst>'
    archivo = _rehacer(
        xlsx,
        {
            "[Content_Types].xml": lambda d: d.decode().replace("</Types>", tipos).encode(),
            _parte(xlsx, HOJA): lambda d: re.sub(
                rf'<c r="B{FILA}"([^>]*) t="inlineStr"><is><t>[^<]*</t></is></c>',
                rf'<c r="B{FILA}"\1 t="s"><v>0</v></c>',
                d.decode(),
            ).encode(),
        },
        {"xl/sharedStrings.xml": cadenas.encode()},
    )
    errores = _rechazado(mundo, documento, archivo)
    assert [(e.hoja, e.fila, e.columna) for e in errores] == [
        (HOJA, FILA, "Avance existente aplicando la PT (2)")
    ]
    assert errores[0].mensaje == "El texto tiene 100.000 caracteres y el máximo es 20.000."


@pytest.mark.parametrize(
    "archivo",
    [
        b"esto no es un libro Excel",
        b"PK\x03\x04" + bytes(2000),
        "zip",
    ],
    ids=["texto", "cabecera-zip-falsa", "zip-sin-xlsx"],
)
def test_no_es_un_xlsx(mundo, documento, archivo):
    if archivo == "zip":
        salida = io.BytesIO()
        with zipfile.ZipFile(salida, "w") as z:
            z.writestr("hola.txt", "hola")
            z.writestr("xl/workbook.xml", "<workbook/>")
        archivo = salida.getvalue()
    errores = _rechazado(mundo, documento, archivo)
    assert [e.mensaje for e in errores] == ["El archivo no es un libro Excel .xlsx válido."]


# --- Worksheet XML that openpyxl would hold in memory -------------------------------------------


def test_elementos_antes_de_las_filas(mundo, documento, xlsx):
    """Elements before <dimension> are all kept by openpyxl's read-only loader (200 MB for a
    10 MB sheet): refused by the scan before openpyxl opens the file."""
    archivo = _en_hoja(
        xlsx, HOJA, lambda xml: re.sub(r"(<worksheet[^>]*>)", r"\1" + "<a/>" * 30_000, xml, count=1)
    )
    errores = _rechazado(mundo, documento, archivo)
    assert "más de 20.000 elementos fuera de sus filas" in _de_la_hoja(errores)


def test_fila_con_demasiadas_celdas(mundo, documento, xlsx):
    """openpyxl builds every cell of a row before cutting it to the columns asked for."""
    fila = '<row r="100">' + "<c/>" * 20_000 + "</row>"
    archivo = _en_hoja(xlsx, HOJA, lambda xml: xml.replace("</sheetData>", fila + "</sheetData>"))
    errores = _rechazado(mundo, documento, archivo)
    assert [(e.hoja, e.fila, e.mensaje) for e in errores] == [
        (HOJA, 100, "La fila tiene más de 16.384 celdas.")
    ]


def test_hoja_dañada(mundo, documento, xlsx):
    archivo = _en_hoja(xlsx, HOJA, lambda xml: xml[: xml.index("</sheetData>") - 10])
    errores = _rechazado(mundo, documento, archivo)
    assert _de_la_hoja(errores) == "La hoja está dañada y no se puede leer."


def test_entidades_xml(mundo, documento, xlsx):
    """A DTD (entity expansion, "billion laughs") is refused: an xlsx never has one."""
    dtd = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "]>"
    )

    def cambio(xml):
        xml = re.sub(r"^<\?xml[^>]*\?>", "", xml)
        return dtd + xml.replace("Avance I", "&h;", 1)

    errores = _rechazado(mundo, documento, _en_hoja(xlsx, HOJA, cambio))
    assert _de_la_hoja(errores) == "La hoja está dañada y no se puede leer."


# --- Normal files, and closing -------------------------------------------------------------------


def test_archivo_normal_se_importa_y_el_libro_se_cierra(mundo, documento, xlsx, monkeypatch):
    abiertos = []
    abrir = x.abrir

    def registrar(archivo):
        wb = abrir(archivo)
        abiertos.append(wb)
        return wb

    monkeypatch.setattr(x, "abrir", registrar)
    resumen = excel.importar_cuadros(documento=documento, archivo=xlsx, actor=mundo.encargada)
    assert resumen["sin_cambios"] == 4
    assert abiertos[0].read_only and abiertos[0]._archive.fp is None  # closed

    # Also when the import is refused.
    with pytest.raises(Exception):  # noqa: B017 (whatever the edit guard raises)
        excel.importar_cuadros(documento=documento, archivo=xlsx, actor=mundo.intruso)
    assert abiertos[1]._archive.fp is None


# --- Text that looks like a formula -----------------------------------------------------------

TEXTOS_FORMULA = {
    "=SUM(A1)": "=SUM(A1)",
    "+56 9": "+56 9",
    "-x": "-x",
    "@y": "@y",
    "\t=1+1": "\t=1+1",
    "\r=1+1": "\n=1+1",  # XML turns a CR into a line feed when read
    "\x00=1+1": "=1+1",
    "\x00\x01\t+1": "\t+1",
    "\x00@x": "@x",
    "\ufffe-1": "-1",
    "\ttexto": "\ttexto",
    "\rtexto": "\ntexto",
}


def test_texto_con_forma_de_formula_se_escribe_y_se_lee_como_texto():
    wb = x.libro()
    ws = wb.create_sheet("Textos")
    for fila, texto in enumerate(TEXTOS_FORMULA, start=1):
        celda = x.escribir(ws, fila, 1, texto)
        assert celda.data_type == "s" and celda.quotePrefix, repr(texto)
    x.escribir(ws, len(TEXTOS_FORMULA) + 1, 1, "texto\x00 normal")
    contenido_xlsx = x.guardar(wb, "Prueba")
    for solo_lectura in (False, True):
        leido = load_workbook(io.BytesIO(contenido_xlsx), read_only=solo_lectura)
        celdas = [fila[0] for fila in leido["Textos"].iter_rows()]
        assert [c.value for c in celdas] == [*TEXTOS_FORMULA.values(), "texto normal"]
        assert all(c.data_type == "s" for c in celdas)
        leido.close()
    # Through the import's reading too: values, not formulas.
    errores = []
    leido = x.abrir(contenido_xlsx)
    with x.cerrando(leido):
        filas = list(x.filas_con_datos(leido["Textos"], 1, 1, errores))
    assert [v[0] for _n, v in filas] == [*TEXTOS_FORMULA.values(), "texto normal"]
    assert not errores


def test_tabulador_antes_de_formula_en_el_cuadro_vuelve_como_texto(mundo, documento):
    fila = FilaCuadro1.objects.get(diagnostico__documento=documento, centro=mundo.centro_region_i)
    with actuando_como(mundo.encargada):
        fila.avance = '\t=HYPERLINK("http://x")'
        fila.save()
    xlsx = excel.exportar_cuadros(documento)
    celda = load_workbook(io.BytesIO(xlsx))[HOJA].cell(row=FILA, column=2)
    assert celda.value == fila.avance and celda.data_type == "s" and celda.quotePrefix
    excel.importar_cuadros(documento=documento, archivo=xlsx, actor=mundo.encargada)
    fila.refresh_from_db()
    assert fila.avance == '=HYPERLINK("http://x")'  # text (the leading blank is normalised)
