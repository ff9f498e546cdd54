"""No edit is silently lost: two people open the same form from the same state, both save; the
second is refused with what changed, keeps her typed text, and can then save knowingly."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from diagnostico.models import Diagnostico, FilaCuadro1, FilaCuadro2, ProductoEstrategico
from pmggt.historia import actuando_como
from tests.conftest import crear_diagnostico, huella_bd

HUELLA = re.compile(r'name="huella" value="([^"]*)"')


def _huella(html: str) -> str:
    return HUELLA.search(html).group(1)


def _cliente(usuario) -> Client:
    cliente = Client()
    cliente.force_login(usuario)
    return cliente


@pytest.fixture
def doc(mundo):
    documento = crear_diagnostico(mundo, mision="Misión inicial.", cuadro1=False)  # one row
    with actuando_como(mundo.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=documento.diagnostico, numero="1", nombre="Producto uno"
        )
        fila = FilaCuadro1.objects.create(
            diagnostico=documento.diagnostico,
            centro=mundo.centro_region_i,
            causales="diseno",
            avance="Avance inicial",
        )
        fila.productos.set([producto])
    return documento


def _definiciones(doc, mision: str, huella: str) -> dict:
    objetivo = doc.diagnostico.objetivos.get()
    return {
        "huella": huella,
        "def-mision": mision,
        "obj-TOTAL_FORMS": "1",
        "obj-INITIAL_FORMS": "1",
        "obj-0-id": str(objetivo.pk),
        "obj-0-diagnostico": str(doc.diagnostico.pk),
        "obj-0-numero": "1",
        "obj-0-descripcion": "Objetivo uno",
    }


def test_seccion_guardada_desde_un_estado_viejo_se_rechaza_sin_perder_nada(mundo, doc):
    url = reverse("diagnostico:editar", args=[doc.pk])
    ana, beto = _cliente(mundo.encargada), _cliente(mundo.encargada)  # two tabs, or two people
    huella_ana = _huella(ana.get(url).content.decode())
    huella_beto = _huella(beto.get(url).content.decode())
    assert huella_ana == huella_beto

    assert ana.post(url, _definiciones(doc, "Misión de Ana.", huella_ana)).status_code == 302
    antes = huella_bd()
    respuesta = beto.post(url, _definiciones(doc, "Misión de Beto.", huella_beto))
    assert respuesta.status_code == 409
    html = respuesta.content.decode()
    assert "Misión de Beto." in html  # her typed text is still in the form
    assert "cambió mientras usted la editaba" in html and "mision" in html.lower()
    assert huella_bd() == antes
    assert Diagnostico.objects.get(pk=doc.diagnostico.pk).mision == "Misión de Ana."
    # With the new huella the second save is a knowing one.
    nueva = _huella(html)
    assert nueva != huella_beto
    assert beto.post(url, _definiciones(doc, "Misión de Beto.", nueva)).status_code == 302
    assert Diagnostico.objects.get(pk=doc.diagnostico.pk).mision == "Misión de Beto."


def _datos_fila(fila, avance, huella):
    producto = fila.productos.get()
    prefijo = f"f{fila.pk}"
    return {
        "huella": huella,
        f"{prefijo}-productos": [producto.pk],
        f"{prefijo}-causales": "diseno",
        f"{prefijo}-avance": avance,
        f"{prefijo}-mejora": "",
        f"{prefijo}-medidas": "",
        f"{prefijo}-objetivo": "",
    }


@pytest.mark.parametrize("htmx", [False, True])
def test_fila_editada_por_dos_personas(mundo, doc, htmx):
    fila = FilaCuadro1.objects.get(diagnostico=doc.diagnostico)
    url = reverse("diagnostico:fila_editar", args=[doc.pk, "I", fila.pk])
    cabeceras = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    encargada, centro = _cliente(mundo.encargada), _cliente(mundo.centro_i)
    h1 = _huella(encargada.get(url, **cabeceras).content.decode())
    h2 = _huella(centro.get(url, **cabeceras).content.decode())
    r = encargada.post(url, _datos_fila(fila, "Avance de la Encargada", h1), **cabeceras)
    assert r.status_code in (200, 302)
    antes = huella_bd()
    r = centro.post(url, _datos_fila(fila, "Avance del Centro", h2), **cabeceras)
    assert r.status_code == (200 if htmx else 409)  # htmx swaps only 2xx answers
    html = r.content.decode()
    assert "Avance del Centro" in html and "cambió mientras usted la editaba" in html
    assert huella_bd() == antes
    assert FilaCuadro1.objects.get(pk=fila.pk).avance == "Avance de la Encargada"
    r = centro.post(url, _datos_fila(fila, "Avance del Centro", _huella(html)), **cabeceras)
    assert r.status_code in (200, 302)
    assert FilaCuadro1.objects.get(pk=fila.pk).avance == "Avance del Centro"


def test_eliminar_una_fila_que_otro_cambio_se_rechaza(mundo, doc):
    fila = FilaCuadro1.objects.get(diagnostico=doc.diagnostico)
    cuadro = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    centro = _cliente(mundo.centro_i)
    huella_vieja = _huella(centro.get(cuadro).content.decode().split(f'fila-c1-{fila.pk}"', 1)[1])
    encargada = _cliente(mundo.encargada)
    editar = reverse("diagnostico:fila_editar", args=[doc.pk, "I", fila.pk])
    h = _huella(encargada.get(editar).content.decode())
    assert encargada.post(editar, _datos_fila(fila, "Cambio previo", h)).status_code == 302
    antes = huella_bd()
    eliminar = reverse("diagnostico:fila_eliminar", args=[doc.pk, "I", fila.pk])
    r = centro.post(eliminar, {"huella": huella_vieja}, follow=True)
    assert "cambió" in r.content.decode() or "guardó cambios" in r.content.decode()
    assert huella_bd() == antes
    assert FilaCuadro1.objects.filter(pk=fila.pk).exists()


def test_cuadro2_guardado_por_dos_personas(mundo, doc):
    url_cuadro = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    url = reverse("diagnostico:cuadro2_guardar", args=[doc.pk, "I"])
    encargada, centro = _cliente(mundo.encargada), _cliente(mundo.centro_i)
    h1 = _huella(encargada.get(url_cuadro).content.decode().split('id="cuadro2"', 1)[1])
    h2 = _huella(centro.get(url_cuadro).content.decode().split('id="cuadro2"', 1)[1])

    def datos(texto, huella):
        return {"huella": huella, "c2-oferta-medidas_jefatura": texto}

    assert encargada.post(url, datos("Medida de la Encargada", h1)).status_code == 302
    antes = huella_bd()
    r = centro.post(url, datos("Medida del Centro", h2))
    assert r.status_code == 409
    assert "Medida del Centro" in r.content.decode()
    assert huella_bd() == antes
    fila = FilaCuadro2.objects.get(diagnostico=doc.diagnostico, informacion="oferta")
    assert fila.medidas_jefatura == "Medida de la Encargada"


def test_importar_un_excel_descargado_antes_de_otro_cambio_se_rechaza(mundo, doc):
    from diagnostico import excel, services

    libro_viejo = excel.exportar_cuadros(doc)
    fila = FilaCuadro1.objects.get(diagnostico=doc.diagnostico)
    services.fila_cuadro1_guardar(
        documento=doc,
        actor=mundo.centro_i,
        region="I",
        datos={
            "productos": list(fila.productos.all()),
            "causales": ["diseno"],
            "avance": "Cambio en la web después de descargar",
        },
        fila=fila,
    )
    antes = huella_bd()
    with pytest.raises(excel.ErrorImportacion) as info:
        excel.importar_cuadros(documento=doc, archivo=libro_viejo, actor=mundo.encargada)
    errores = info.value.errores
    assert [e.hoja for e in errores] == ["C1 I"]  # the other sheets did not change
    assert "cambió en el sistema después de descargar" in errores[0].mensaje
    assert "Centro" in errores[0].mensaje or "centro" in errores[0].mensaje.lower()
    assert huella_bd() == antes
    assert FilaCuadro1.objects.get(pk=fila.pk).avance == "Cambio en la web después de descargar"
    # A fresh export imports (nothing to change).
    resumen = excel.importar_cuadros(
        documento=doc, archivo=excel.exportar_cuadros(doc), actor=mundo.encargada
    )
    assert resumen["creadas"] == resumen["eliminadas"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_dos_guardados_simultaneos_de_una_fila_guardan_uno_y_rechazan_el_otro():
    """Under the row lock the second save sees the first one's history and is refused."""
    import threading

    from django.db import connection, connections

    from diagnostico import services
    from pmggt import concurrencia
    from tests.conftest import construir_mundo

    if connection.vendor != "postgresql":
        pytest.skip("SQLite ignora select_for_update: la concurrencia se prueba en PostgreSQL")
    mundo = construir_mundo()
    documento = crear_diagnostico(mundo)
    with actuando_como(mundo.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=documento.diagnostico, numero="1", nombre="Producto"
        )
        fila = FilaCuadro1.objects.create(
            diagnostico=documento.diagnostico, centro=mundo.centro_region_i, causales="diseno"
        )
        fila.productos.set([producto])
    huella = concurrencia.huella([FilaCuadro1.history.filter(id=fila.pk)])
    barrera = threading.Barrier(2)
    resultados = []

    def guardar(actor, texto):
        try:
            barrera.wait(timeout=10)
            services.fila_cuadro1_guardar(
                documento=documento,
                actor=actor,
                region="I",
                datos={"productos": [producto], "causales": ["diseno"], "avance": texto},
                fila=FilaCuadro1.objects.get(pk=fila.pk),
                huella=huella,
            )
            resultados.append(("ok", texto))
        except concurrencia.EdicionConcurrente:
            resultados.append(("rechazado", texto))
        finally:
            connections.close_all()

    hilos = [
        threading.Thread(target=guardar, args=(mundo.encargada, "De la Encargada")),
        threading.Thread(target=guardar, args=(mundo.centro_i, "Del Centro")),
    ]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(timeout=30)
    assert sorted(r for r, _ in resultados) == ["ok", "rechazado"]
    ganador = next(t for r, t in resultados if r == "ok")
    assert FilaCuadro1.objects.get(pk=fila.pk).avance == ganador


@pytest.mark.parametrize("huella", ["no-es-una-fecha", "2026-13-45T99:99:99", "2026-02-30T10:00"])
def test_una_huella_ilegible_se_rechaza_como_vieja_sin_error_500(mundo, doc, huella):
    """A tampered huella (form or workbook) says nothing about what the user saw: the save is
    refused as stale (409, typed text kept, a fresh huella given), never a 500."""
    url = reverse("diagnostico:editar", args=[doc.pk])
    cliente = _cliente(mundo.encargada)
    antes = huella_bd()
    respuesta = cliente.post(url, _definiciones(doc, "Misión tramposa.", huella))
    assert respuesta.status_code == 409
    html = respuesta.content.decode()
    assert "Misión tramposa." in html
    assert _huella(html) not in ("", huella)
    assert huella_bd() == antes
    assert Diagnostico.objects.get(pk=doc.diagnostico.pk).mision == "Misión inicial."
