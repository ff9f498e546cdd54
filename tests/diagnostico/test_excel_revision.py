"""The Cuadros workbook's export and the import's package check, as cheap as they can be
without changing what they produce or refuse (pmggt.informes.excel).

- The export writes each sheet's XML in memory (``libro(en_memoria=True)``): the workbook is the
  one the temporary-file writer makes, part by part, byte by byte.
- The import's package check decides small, plain parts without a Python call per element
  (``_escaneo_rapido``): for what it decides, the result is the full scan's (``_Escaneo``);
  what it cannot decide (comments, DTDs, processing instructions, rows or cells without a plain
  "r", anything near a limit) goes through the full scan, which words every refusal.
"""

import io
import re
import zipfile

import pytest

from diagnostico import excel
from diagnostico.models import Causal, Diagnostico, FilaCuadro1, FilaCuadro2, ProductoEstrategico
from pmggt.historia import actuando_como
from pmggt.informes import excel as x
from tests.conftest import crear_diagnostico, huella_bd

HOJA = "C1 I"


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
                avance=f"Avance {centro.region.codigo}\ncon una segunda línea",
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


def _partes(contenido: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(contenido)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _parte_de(xlsx: bytes, hoja: str) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx), read_only=True)
    try:
        return wb[hoja]._worksheet_path
    finally:
        wb.close()


def _con_parte(xlsx: bytes, nombre: str, datos: bytes) -> bytes:
    salida = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as origen,
        zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as destino,
    ):
        for info in origen.infolist():
            destino.writestr(info.filename, datos if info.filename == nombre else origen.read(info))
    return salida.getvalue()


def _revision(contenido: bytes, *, rapida: bool, monkeypatch) -> dict:
    with monkeypatch.context() as m:
        if not rapida:
            m.setattr(x, "_escaneo_rapido", lambda *_a: None)
        with zipfile.ZipFile(io.BytesIO(contenido)) as z:
            return x._revisar_paquete(z)


# --- Export ----------------------------------------------------------------------------------


def test_el_libro_escrito_en_memoria_es_el_del_archivo_temporal(documento, monkeypatch):
    en_memoria = excel.exportar_cuadros(documento)
    libro = x.libro
    with monkeypatch.context() as m:
        m.setattr(
            x, "libro", lambda solo_escritura=False, en_memoria=False: libro(solo_escritura=True)
        )
        temporal = excel.exportar_cuadros(documento)
    a, b = _partes(en_memoria), _partes(temporal)
    assert list(a) == list(b)  # the same parts, in the same order
    fecha = re.compile(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>")
    for nombre in a:
        if nombre == "docProps/core.xml":  # the time it was made and saved (a second apart)
            assert fecha.sub(b"", a[nombre]) == fecha.sub(b"", b[nombre])
        else:
            assert a[nombre] == b[nombre], nombre


# --- Import: the package check ---------------------------------------------------------------


def test_la_revision_rapida_decide_el_libro_exportado_como_el_escaneo(xlsx, monkeypatch):
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        hojas = {info.filename for info in z.infolist() if info.filename.startswith("xl/works")}
        for info in z.infolist():
            hoja = "hoja" if info.filename in hojas else None
            assert x._escaneo_rapido(z, info, hoja, x.MAX_ELEMENTOS) is not None, info.filename
    rapida = _revision(xlsx, rapida=True, monkeypatch=monkeypatch)
    assert rapida == _revision(xlsx, rapida=False, monkeypatch=monkeypatch)
    assert rapida[HOJA].ultima_fila_xml == x.FILA_ENCABEZADO + 1


def _sin_declaracion(xml: str) -> str:
    return re.sub(r"^<\?xml[^>]*\?>", "", xml)


# Sheets the quick check leaves to the full scan: (what, change of the sheet's XML).
NO_DECIDIDAS = {
    # A processing instruction may hold "<" and "</": they would spoil the count.
    "instruccion": lambda xml: xml.replace("<sheetData>", "<?pi </a></b><c>?><sheetData>", 1),
    "comentario": lambda xml: xml.replace("<sheetData>", "<!-- <row r='9'> --><sheetData>", 1),
    "cdata": lambda xml: xml.replace("Avance I", "<![CDATA[</row>]]>", 1),
    "fila_sin_r": lambda xml: xml.replace('<row r="2">', "<row>", 1),
    "r_no_primero": lambda xml: xml.replace('<c r="A2"', '<c t="inlineStr" r="A2"', 1).replace(
        't="inlineStr" r="A2" t="inlineStr"', 't="inlineStr" r="A2"', 1
    ),
    "referencia_con_dolar": lambda xml: xml.replace('<c r="A2"', '<c r="$A$2"', 1),
    "fila_fuera_de_datos": lambda xml: xml.replace("</sheetData>", '</sheetData><row r="7"/>', 1),
    "muchos_elementos": lambda xml: xml.replace(
        "</sheetData>", '<row r="99">' + "<c/>" * x.MAX_CELDAS_FILA + "</row></sheetData>", 1
    ),
    "columna_ae": lambda xml: xml.replace("</row></sheetData>", '<c r="AE6"/></row></sheetData>'),
}


@pytest.mark.parametrize("cambio", NO_DECIDIDAS.values(), ids=NO_DECIDIDAS.keys())
def test_lo_que_la_revision_rapida_no_decide_lo_decide_el_escaneo(xlsx, cambio, monkeypatch):
    parte = _parte_de(xlsx, HOJA)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        original = z.read(parte).decode()
    xml = cambio(original)
    assert xml != original
    archivo = _con_parte(xlsx, parte, xml.encode())
    with zipfile.ZipFile(io.BytesIO(archivo)) as z:
        assert x._escaneo_rapido(z, z.getinfo(parte), HOJA, x.MAX_ELEMENTOS) is None
    try:
        rapida = _revision(archivo, rapida=True, monkeypatch=monkeypatch)
    except x.ErrorImportacion as exc:
        with pytest.raises(x.ErrorImportacion) as completa:
            _revision(archivo, rapida=False, monkeypatch=monkeypatch)
        assert [str(e) for e in exc.errores] == [str(e) for e in completa.value.errores]
    else:
        assert rapida == _revision(archivo, rapida=False, monkeypatch=monkeypatch)


def test_una_instruccion_que_esconde_elementos_no_burla_los_limites(mundo, documento, xlsx):
    """Many elements behind processing instructions holding "</": the count is not fooled
    (the full scan counts them) and the sheet is refused, nothing changed."""
    parte = _parte_de(xlsx, HOJA)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        xml = _sin_declaracion(z.read(parte).decode())
    relleno = "<?pi " + "</a>" * 400_000 + "?>" + "<x/>" * 400_000
    archivo = _con_parte(
        xlsx, parte, xml.replace("<sheetData>", relleno + "<sheetData>", 1).encode()
    )
    antes = huella_bd()
    with pytest.raises(x.ErrorImportacion) as exc:
        excel.importar_cuadros(documento=documento, archivo=archivo, actor=mundo.encargada)
    assert [(e.hoja, e.mensaje) for e in exc.value.errores] == [
        (
            HOJA,
            "La hoja tiene más de 20.000 elementos fuera de sus filas (formatos, "
            "combinaciones, validaciones…).",
        )
    ]
    assert huella_bd() == antes


def test_el_libro_exportado_se_importa_sin_cambios_ni_historial(mundo, documento, xlsx):
    """The same workbook as exported: nothing changes and no history record is written (the
    history shows real changes only)."""
    historiales = (FilaCuadro1.history.count(), FilaCuadro2.history.count())
    antes = huella_bd()
    resumen = excel.importar_cuadros(documento=documento, archivo=xlsx, actor=mundo.encargada)
    assert (resumen["creadas"], resumen["actualizadas"], resumen["eliminadas"]) == (0, 0, 0)
    assert resumen["sin_cambios"] == 4
    assert (FilaCuadro1.history.count(), FilaCuadro2.history.count()) == historiales
    assert huella_bd() == antes
