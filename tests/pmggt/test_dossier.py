"""The auditor's dossier (pmggt.dossier): one ZIP per Servicio and Ciclo with exactly the visado
versions' reports, their observaciones and decisions, Excel files, attachments and an index
with hashes; nothing of another Servicio; progress to 100 and LISTO, or ERROR with a message.

The renderer is the stub (``pdf_simulado``) except in the test that reads the visado PDF's text.
"""

import csv
import dataclasses
import hashlib
import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from diagnostico.models import Diagnostico
from pmggt import dossier, etapas, informes, services, versiones, workflow
from pmggt.historia import actuando_como
from pmggt.informes import cache
from pmggt.models import Documento, Dossier, GrupoRol, Subrogancia, Transicion, VersionDocumento
from tests.conftest import crear_diagnostico, llevar_a
from tests.fabricas import UsuarioFactory
from tests.planes.fabricas import crear_plan

Estado = Documento.Estado
Tipo = GrupoRol.Tipo

A = "SERV-A-2009"
ESPERADOS_A = {
    f"{A}/etapa-1-diagnostico/{A}-cuadro1.pdf",
    f"{A}/etapa-1-diagnostico/{A}-cuadro2.pdf",
    f"{A}/etapa-1-diagnostico/{A}-etapa1.pdf",
    f"{A}/etapa-1-diagnostico/{A}-etapa1-observaciones.pdf",
    f"{A}/etapa-1-diagnostico/{A}-cuadros.xlsx",
    f"{A}/etapa-2-plan-y-programa-de-trabajo/{A}-plan.pdf",
    f"{A}/etapa-2-plan-y-programa-de-trabajo/{A}-etapa2-observaciones.pdf",
    f"{A}/etapa-2-plan-y-programa-de-trabajo/{A}-plan-excel.xlsx",
    f"{A}/indice.csv",
    f"{A}/indice.txt",
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def visar_b(m):
    """Servicio B's Diagnóstico, visado by B's own people (a Jefe of B is created)."""
    jefe_b = UsuarioFactory(username="jefe.b")
    with actuando_como(m.admin):
        services.rol_asignar(usuario=jefe_b, tipo=Tipo.JEFE, objeto=m.otro_servicio)
    documento = crear_diagnostico(
        m, servicio=m.otro_servicio, mision="Misión secreta del Servicio B."
    )
    workflow.enviar(documento=documento, actor=m.intruso)
    documento.refresh_from_db()
    workflow.aprobar(documento=documento, actor=jefe_b, version=documento.version_actual)
    workflow.visar(documento=documento, actor=m.experta_ajena, version=documento.version_actual)
    documento.refresh_from_db()
    return documento


def a_visado(m):
    """Servicio A with a visado Diagnóstico and a visado Plan; (diagnóstico, plan)."""
    plan = llevar_a(m, crear_plan(m), Estado.VISADO)
    diagnostico = Documento.objects.get(servicio=m.servicio, ciclo=m.ciclo, etapa=1)
    return diagnostico, plan


def preparar(m, servicio=None, usuario=None) -> Dossier:
    d = Dossier.objects.create(
        servicio=servicio or m.servicio, ciclo=m.ciclo, solicitado_por=usuario or m.experta
    )
    assert dossier.ejecutar(d.pk) == Dossier.Estado.LISTO
    d.refresh_from_db()
    return d


def abrir_zip(d: Dossier) -> zipfile.ZipFile:
    with default_storage.open(d.archivo.name, "rb") as f:
        datos = f.read()
    assert hashlib.sha256(datos).hexdigest() == d.sha256 and len(datos) == d.tamano
    return zipfile.ZipFile(io.BytesIO(datos))


def indice(z: zipfile.ZipFile, raiz=A) -> list[dict]:
    return list(csv.DictReader(io.StringIO(z.read(f"{raiz}/indice.csv").decode("utf-8"))))


def test_el_zip_tiene_exactamente_las_versiones_visadas_con_sus_huellas(mundo, media, pdf_simulado):
    diagnostico, plan = a_visado(mundo)
    visar_b(mundo)

    d = preparar(mundo)

    assert (d.estado, d.progreso, d.error) == (Dossier.Estado.LISTO, 100, "")
    assert d.archivo.name == f"dossieres/{d.pk}/{A}-expediente.zip"
    z = abrir_zip(d)
    assert set(z.namelist()) == ESPERADOS_A
    filas = indice(z)
    assert {f["ruta"] for f in filas} == ESPERADOS_A - {f"{A}/indice.csv", f"{A}/indice.txt"}
    for fila in filas:
        contenido = z.read(fila["ruta"])
        assert fila["sha256"] == hashlib.sha256(contenido).hexdigest()
        assert int(fila["tamano_bytes"]) == len(contenido)
    v_diag = VersionDocumento.objects.get(documento=diagnostico, numero=1)
    v_plan = VersionDocumento.objects.get(documento=plan, numero=1)
    por_ruta = {f["ruta"]: f for f in filas}
    for nombre in ("cuadro1", "cuadro2", "etapa1"):
        fila = por_ruta[f"{A}/etapa-1-diagnostico/{A}-{nombre}.pdf"]
        assert (fila["tipo"], fila["version"], fila["sha256_contenido_version"]) == (
            "informe",
            "1",
            v_diag.sha256,
        )
    fila = por_ruta[f"{A}/etapa-2-plan-y-programa-de-trabajo/{A}-plan.pdf"]
    assert (fila["version"], fila["sha256_contenido_version"]) == ("1", v_plan.sha256)
    texto = z.read(f"{A}/indice.txt").decode("utf-8")
    assert v_diag.sha256 in texto and v_plan.sha256 in texto and d.sha256 not in texto
    assert "Sin adjuntos." in texto
    # Nothing of Servicio B: not in the names, the index or anything printed.
    impresos = "\n".join(pdf_simulado)
    for ajeno in ("SERV-B", "Servicio B", "Misión secreta"):
        assert all(ajeno not in n for n in z.namelist())
        assert ajeno not in texto and ajeno not in impresos
    # Every report printed is the visado record: no BORRADOR mark; complete (no region cut).
    assert len(pdf_simulado) == 6  # 3 Diagnóstico + 1 Plan + 2 «Observaciones y decisiones»
    assert all('data-marca=""' in html for html in pdf_simulado)


def test_un_documento_no_visado_no_aporta_archivos(mundo, media, pdf_simulado):
    crear_plan(mundo)  # Diagnóstico visado, Plan in Borrador (never sent)
    plan = Documento.objects.get(servicio=mundo.servicio, etapa=2)
    llevar_a(mundo, plan, Estado.EN_REVISION_JEFE)

    z = abrir_zip(preparar(mundo))

    assert not [n for n in z.namelist() if "/etapa-2-" in n]
    assert {n for n in z.namelist() if "/etapa-1-" in n} == {
        n for n in ESPERADOS_A if "/etapa-1-" in n
    }
    texto = z.read(f"{A}/indice.txt").decode("utf-8")
    assert "Etapa II – Plan y Programa de Trabajo: sin versión visada (estado: En revisión" in (
        texto
    )


def test_sin_documentos_el_zip_solo_trae_el_indice(mundo, media, pdf_simulado):
    z = abrir_zip(preparar(mundo))
    assert set(z.namelist()) == {f"{A}/indice.csv", f"{A}/indice.txt"}
    assert "sin documento en este Ciclo" in z.read(f"{A}/indice.txt").decode("utf-8")
    assert pdf_simulado == []


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="falta pdftotext (poppler-utils)")
def test_el_pdf_visado_muestra_la_version_visada_aunque_haya_una_modificacion(mundo, media):
    """Real renderer: the dossier prints the visado record, not the live draft in progress."""
    documento = llevar_a(
        mundo, crear_diagnostico(mundo, mision="Misión visada por SUBDERE."), Estado.VISADO
    )
    v1 = VersionDocumento.objects.get(documento=documento, numero=1)
    workflow.solicitar_modificacion(
        documento=documento, actor=mundo.encargada, comentario="Ajuste del año."
    )
    with actuando_como(mundo.encargada):
        diag = Diagnostico.objects.get(documento=documento)
        diag.mision = "Misión nueva aún en borrador."
        diag.save()

    z = abrir_zip(preparar(mundo))

    def texto(ruta):
        pdf = z.read(ruta)
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode("utf-8")

    informe = texto(f"{A}/etapa-1-diagnostico/{A}-etapa1.pdf")
    assert "Misión visada por SUBDERE." in informe
    assert "Misión nueva" not in informe
    assert "Versión 1" in informe and v1.sha256 in informe.replace("\n", "").replace(" ", "")
    assert "BORRADOR" not in informe
    observaciones = texto(f"{A}/etapa-1-diagnostico/{A}-etapa1-observaciones.pdf")
    assert "Observaciones y decisiones" in observaciones
    assert "Visó (V°B° técnico)" in observaciones


def test_observaciones_y_decisiones_de_cada_ronda(mundo, media, pdf_simulado):
    documento = crear_diagnostico(mundo)
    workflow.enviar(documento=documento, actor=mundo.encargada, comentario="Primer envío.")
    documento.refresh_from_db()
    workflow.devolver(
        documento=documento,
        actor=mundo.jefe,
        version=1,
        observaciones=[{"texto": "Precisar la misión.", "campo": "mision"}],
        comentario="Falta precisión.",
    )
    observacion = documento.observaciones.get()
    services.observacion_resolver(observacion=observacion, actor=mundo.encargada)
    documento.refresh_from_db()
    llevar_a(mundo, documento, Estado.EN_REVISION_JEFE)
    # The Jefe/a's substitute approves version 2 (the record says so).
    subrogante = UsuarioFactory(username="subrogante", first_name="Sara", last_name="Subrogante")
    mundo.jefe.first_name, mundo.jefe.last_name = "Juan", "Titular"
    mundo.jefe.save()
    subrogancia = Subrogancia.objects.create(
        servicio=mundo.servicio,
        titular=mundo.jefe,
        subrogante=subrogante,
        desde="2009-01-01",
        hasta="2030-12-31",
        designada_por=mundo.admin,
    )
    llevar_a(mundo, documento, Estado.VISADO)
    aprobacion = Transicion.objects.get(documento=documento, version=2, accion="aprobar")
    Transicion.objects.filter(pk=aprobacion.pk).update(subrogancia=subrogancia)

    preparar(mundo)

    html = next(h for h in pdf_simulado if "Observaciones y decisiones" in h)
    assert "Versión 1" in html and "Versión 2" in html and "Creación del documento" in html
    assert "Devolvió con observaciones" in html and "Falta precisión." in html
    assert "Precisar la misión." in html and "Primer envío." in html
    assert "Misión" in html  # where it points: the stage's label of the field
    assert "Resuelta por Encargada" in html
    assert "por subrogancia de Juan Titular" in html
    assert "Visó (V°B° técnico)" in html


def test_adjuntos_de_la_etapa(mundo, media, pdf_simulado, monkeypatch):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    definicion = etapas.de(1)
    recibidos = []

    def adjuntos(documento, version):
        recibidos.append((documento.pk, version.numero))
        return [("Oficio conductor.pdf", b"%PDF-oficio"), ("acta.txt", b"acta")]

    monkeypatch.setitem(etapas._ETAPAS, 1, dataclasses.replace(definicion, adjuntos=adjuntos))

    z = abrir_zip(preparar(mundo))

    carpeta = f"{A}/etapa-1-diagnostico/adjuntos"
    assert z.read(f"{carpeta}/Oficio-conductor.pdf") == b"%PDF-oficio"
    assert z.read(f"{carpeta}/acta.txt") == b"acta"
    assert recibidos and recibidos[0][1] == 1
    filas = {f["ruta"]: f for f in indice(z)}
    assert filas[f"{carpeta}/acta.txt"]["sha256"] == hashlib.sha256(b"acta").hexdigest()
    assert "Sin adjuntos" not in z.read(f"{A}/indice.txt").decode("utf-8")


def test_el_avance_se_guarda_paso_a_paso_y_termina_en_100(mundo, media, pdf_simulado, monkeypatch):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    d = Dossier.objects.create(
        servicio=mundo.servicio, ciclo=mundo.ciclo, solicitado_por=mundo.jefe
    )
    vistos = []
    original = dossier._Avance.paso

    def paso(self, texto, hecho=True):
        original(self, texto, hecho)
        fila = Dossier.objects.values("estado", "progreso", "paso").get(pk=d.pk)
        vistos.append((fila["estado"], fila["progreso"], fila["paso"]))

    monkeypatch.setattr(dossier._Avance, "paso", paso)
    dossier.ejecutar(d.pk)

    assert all(e == Dossier.Estado.EN_PROCESO for e, _, _ in vistos)
    progresos = [p for _, p, _ in vistos]
    assert progresos == sorted(progresos) and progresos[-1] < 100 and len(set(progresos)) > 3
    assert any("Informe Etapa I" in p for _, _, p in vistos)
    d.refresh_from_db()
    assert (d.estado, d.progreso, d.paso) == (Dossier.Estado.LISTO, 100, "Listo para descargar")
    assert d.terminado_en is not None


@pytest.mark.parametrize(
    "error, mensaje",
    [
        (informes.InformeError("El informe tardó más de 120 s."), "El informe tardó más de 120 s."),
        (RuntimeError("fallo interno"), "por un error interno"),
    ],
)
def test_un_error_termina_en_error_con_mensaje(
    mundo, media, pdf_simulado, monkeypatch, caplog, error, mensaje
):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    d = Dossier.objects.create(
        servicio=mundo.servicio, ciclo=mundo.ciclo, solicitado_por=mundo.jefe
    )

    def generar(*args, **kwargs):
        raise error

    monkeypatch.setattr(informes, "generar", generar)
    assert dossier.ejecutar(d.pk) == Dossier.Estado.ERROR

    d.refresh_from_db()
    assert d.estado == Dossier.Estado.ERROR and mensaje in d.error
    assert d.error.startswith("No se pudo preparar el expediente")
    assert not d.archivo and d.terminado_en is not None
    assert "error al prepararlo" in caplog.text
    assert not (media.exists() and list(media.rglob("*.zip")))


def test_correr_dos_veces_no_rehace_un_expediente_listo(mundo, media, pdf_simulado):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    d = preparar(mundo)
    impresos = len(pdf_simulado)

    assert dossier.ejecutar(d.pk) == Dossier.Estado.LISTO
    assert len(pdf_simulado) == impresos  # nothing rebuilt
    # Its file gone: built again, under the same name.
    default_storage.delete(d.archivo.name)
    assert dossier.ejecutar(d.pk) == Dossier.Estado.LISTO
    otra = Dossier.objects.get(pk=d.pk)
    assert otra.archivo.name == d.archivo.name and default_storage.exists(otra.archivo.name)
    assert len(pdf_simulado) == 2 * impresos
    assert dossier.ejecutar(10**9) == "inexistente"


def test_registro_visado_lee_la_version_visada(mundo):
    """The core option the dossier prints with: the visado record, not the live draft."""
    documento = llevar_a(mundo, crear_diagnostico(mundo, mision="Visada."), Estado.VISADO)
    workflow.solicitar_modificacion(documento=documento, actor=mundo.encargada, comentario="x")
    with actuando_como(mundo.encargada):
        diag = Diagnostico.objects.get(documento=documento)
        diag.mision = "Viva."
        diag.save()
    documento.refresh_from_db()
    assert versiones.contenido_publicado(documento)[1] is None  # the live draft
    with versiones.registro_visado():
        contenido, version = versiones.contenido_publicado(documento)
        assert version.numero == 1 and contenido["mision"] == "Visada."
        _, leida = versiones.contenido_para(documento, mundo.encargada)
        assert leida.numero == 1
    assert versiones.contenido_publicado(documento)[1] is None  # only within it
    sin_visar = crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    with versiones.registro_visado(), pytest.raises(versiones.SinVersionVisada):
        versiones.contenido_publicado(sin_visar)


# ---------------------------------------------------------------------------------------------
# Batch generation of visado PDFs into the PDF cache


@pytest.fixture
def cache_activa(settings, media):
    settings.PMGGT_PDF_CACHE = True
    return media


def test_generar_informes_visados_guarda_cada_pdf_una_vez(mundo, cache_activa, pdf_simulado):
    from pmggt.tareas import generar_informes_visados

    documento = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)  # Borrador: nothing to store

    cuentas = generar_informes_visados(mundo.ciclo.pk)
    # cuadro1 and cuadro2, complete and for regions I and II; etapa1 complete only.
    assert cuentas == {"generados": 7, "ya_guardados": 0, "errores": 0}
    assert generar_informes_visados(mundo.ciclo.pk) == {
        "generados": 0,
        "ya_guardados": 7,
        "errores": 0,
    }
    assert len(pdf_simulado) == 7
    # The Servicio's people are then served the stored file: the same key.
    informe = etapas.de(1).informe("cuadro1")
    assert cache.clave_interna(documento, informe, "I") == cache.clave(
        documento, informe, "I", mundo.encargada
    )


def test_comando_generar_informes(mundo, cache_activa, pdf_simulado):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    salida = io.StringIO()
    call_command("generar_informes", "--ciclo", "2009", stdout=salida)
    assert "7 PDF generados" in salida.getvalue()
    salida = io.StringIO()
    call_command("generar_informes", "--ciclo", "2009", "--en-cola", stdout=salida)
    assert "Tarea encolada" in salida.getvalue()  # eager here: it ran, everything was stored
    assert len(pdf_simulado) == 7
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No existe el Ciclo 1990"):
        call_command("generar_informes", "--ciclo", "1990")
