"""The section pages of Etapa I (issue 9, item 5): rows are added in place from the formset's
blank-row template (pmggt.js), so one POST may carry any number of new rows; the extra rows
still work without JavaScript; no select offers Django's "---------"."""

import re

import pytest
from django.urls import reverse

from diagnostico.models import (
    Cliente,
    FacultadDesconcentrada,
    FilaCuadro1,
    ObjetivoEstrategico,
    ProductoEstrategico,
)
from pmggt.historia import actuando_como
from tests.conftest import crear_diagnostico, huella_bd

# page: (prefix of one of its formsets, its button, a saved row's text)
SECCIONES = {
    "editar": ("obj", "Agregar objetivo", "Objetivo uno"),
    "productos": ("prod", "Agregar producto", "Subsidios"),
    "clientes": ("cli", "Agregar cliente", "Familias"),
    "otros": ("fac", "Agregar facultad desconcentrada", "Convenios con municipios."),
}


def _con_contenido(m):
    doc = crear_diagnostico(m)
    d = doc.diagnostico
    with actuando_como(m.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=d, numero="1", nombre="Subsidios", aplica_pt="aplica", causal_acceso=True
        )
        Cliente.objects.create(diagnostico=d, numero=1, nombre="Familias").productos.set([producto])
        FacultadDesconcentrada.objects.create(
            diagnostico=d,
            ambito=FacultadDesconcentrada.Ambito.CONVENIOS,
            situacion=FacultadDesconcentrada.Situacion.NO_DELEGADA_NECESARIA,
            descripcion="Convenios con municipios.",
        )
        fila = FilaCuadro1.objects.create(
            diagnostico=d, centro=m.centro_region_i, avance="Avance", orden=1
        )
        fila.productos.set([producto])
    return doc, fila


def _opciones_vacias(html: str) -> list[str]:
    """The text of every option with an empty value."""
    return re.findall(r'<option value=""[^>]*>([^<]*)</option>', html)


def test_ninguna_pagina_de_edicion_de_la_etapa_i_ofrece_guiones(client, mundo):
    doc, fila = _con_contenido(mundo)
    client.force_login(mundo.encargada)
    paginas = [reverse(f"diagnostico:{n}", args=[doc.pk]) for n in SECCIONES]
    paginas += [reverse("diagnostico:cuadro", args=[doc.pk, r]) for r in ("I", "II")]
    paginas += [
        reverse("diagnostico:fila_editar", args=[doc.pk, "I", fila.pk]),
        reverse("diagnostico:excel_importar", args=[doc.pk]),
    ]
    vistas = set()
    for url in paginas:
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert "---------" not in html, url
        vistas.update(_opciones_vacias(html))
    # The blank choices say what they mean.
    assert {"Sin definir", "— Elija el ámbito —", "— Elija la situación —"} <= vistas
    assert "Nivel central" in vistas


def test_la_opcion_vacia_de_las_facultades_se_rechaza_con_su_mensaje(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    datos = {
        "fac-TOTAL_FORMS": "1",
        "fac-INITIAL_FORMS": "0",
        "fac-0-ambito": "",
        "fac-0-situacion": "delegada_no_ejercida",
        "fac-0-descripcion": "Sin ámbito",
        **{f"{p}-{k}": "0" for p in ("sis", "enc") for k in ("TOTAL_FORMS", "INITIAL_FORMS")},
    }
    antes = huella_bd()
    r = client.post(reverse("diagnostico:otros", args=[doc.pk]), datos)
    assert r.status_code == 400
    celda = re.search(r'<td class="campo-ambito">(.*?)</td>', r.content.decode(), re.S).group(1)
    assert "Este campo es obligatorio." in celda
    assert '<option value="" selected>— Elija el ámbito —</option>' in celda
    assert huella_bd() == antes


@pytest.mark.parametrize("seccion", list(SECCIONES))
def test_cada_tabla_trae_su_fila_vacia_y_su_boton(client, mundo, seccion):
    doc, _ = _con_contenido(mundo)
    client.force_login(mundo.encargada)
    html = client.get(reverse(f"diagnostico:{seccion}", args=[doc.pk])).content.decode()
    prefijo, texto, guardado = SECCIONES[seccion]
    plantilla = re.search(
        rf'<template id="{prefijo}-fila-vacia">(.*?)</template>', html, re.S
    ).group(1)
    # One row of the empty form: "__prefix__" where pmggt.js puts the row's index, no
    # «Eliminar» (nothing saved yet), nothing of the saved rows.
    assert plantilla.count("<tr>") == 1
    assert f'name="{prefijo}-__prefix__-' in plantilla
    assert f'name="{prefijo}-__prefix__-DELETE"' not in plantilla
    assert guardado in html and guardado not in plantilla
    assert '<table class="table table-sm tabla-formset' in html
    assert f'data-formset="{prefijo}"' in html
    # Hidden until pmggt.js shows it: without JavaScript, the empty rows are the way.
    assert (
        f'<button class="btn btn-outline-primary btn-sm" type="button" '
        f'data-agregar-fila="{prefijo}" hidden>{texto}</button>'
    ) in html
    vacias = re.findall(rf'name="{prefijo}-(\d+)-id" id="id_{prefijo}-\d+-id">', html)
    assert vacias, "sin JavaScript siguen las filas vacías"


def _producto(i: int, numero: str, nombre: str, **extra) -> dict:
    datos = {
        f"prod-{i}-numero": numero,
        f"prod-{i}-nombre": nombre,
        f"prod-{i}-aplica_pt": "no_aplica",
        f"prod-{i}-fundamento": f"Fundamento de {nombre}",
    }
    return datos | {f"prod-{i}-{k}": v for k, v in extra.items()}


def test_n_filas_agregadas_en_una_sola_solicitud_guardan_n_productos(client, mundo):
    """Seven rows in one POST: more than the three empty rows the page draws, as pmggt.js
    sends them after «Agregar producto» (TOTAL_FORMS raised, indexes in order)."""
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    numeros = ["1", "1.1", "1.2", "2", "2.1", "2.1.1", "3"]
    datos = {"prod-TOTAL_FORMS": str(len(numeros)), "prod-INITIAL_FORMS": "0"}
    for i, numero in enumerate(numeros):
        datos |= _producto(i, numero, f"Producto {numero}")
    datos |= {"prod-0-aplica_pt": "aplica", "prod-0-causal_diseno": "on", "prod-0-fundamento": ""}

    r = client.post(reverse("diagnostico:productos", args=[doc.pk]), datos)

    assert r.status_code == 302
    productos = ProductoEstrategico.objects.filter(diagnostico=doc.diagnostico)
    assert sorted(productos.values_list("numero", flat=True)) == sorted(numeros)
    padres = dict(productos.values_list("numero", "padre__numero"))
    assert padres == {
        "1": None,
        "1.1": "1",
        "1.2": "1",
        "2": None,
        "2.1": "2",
        "2.1.1": "2.1",
        "3": None,
    }
    assert productos.get(numero="1").causal_diseno is True


def test_filas_agregadas_con_un_error_vuelven_todas_sin_guardar_nada(client, mundo):
    """A mistake in a row added in place: 400, every added row comes back with what was
    typed (the formset draws TOTAL_FORMS rows), the error next to its field, nothing saved."""
    doc = crear_diagnostico(mundo)
    with actuando_como(mundo.encargada):
        ObjetivoEstrategico.objects.create(diagnostico=doc.diagnostico, numero=2, descripcion="D")
    client.force_login(mundo.encargada)
    datos = {"prod-TOTAL_FORMS": "5", "prod-INITIAL_FORMS": "0"}
    for i in range(5):
        datos |= _producto(i, str(i + 1), f"Producto agregado {i + 1}")
    datos["prod-4-fundamento"] = ""
    antes = huella_bd()

    r = client.post(reverse("diagnostico:productos", args=[doc.pk]), datos)

    assert r.status_code == 400
    html = r.content.decode().split("<template")[0]  # the rows, not the blank one
    for i in range(5):
        assert f">\nProducto agregado {i + 1}</textarea>" in html
    fundamento = re.findall(r'<td class="campo-fundamento">(.*?)</td>', html, re.S)
    assert len(fundamento) == 5
    assert "fundaméntelo" in fundamento[4] and "text-danger" not in fundamento[3]
    assert 'name="prod-TOTAL_FORMS" value="5"' in html
    assert huella_bd() == antes


def test_la_tabla_de_productos_se_dibuja_como_tarjetas_con_sus_etiquetas(client, mundo):
    doc, _ = _con_contenido(mundo)
    client.force_login(mundo.encargada)
    html = client.get(reverse("diagnostico:productos", args=[doc.pk])).content.decode()
    assert 'class="table table-sm tabla-formset tabla-tarjetas tabla-productos"' in html
    # Every field shows its label (cards have no visible header); other tables keep theirs.
    assert '<label class="etiqueta-celda" for="id_prod-0-nombre">Nombre</label>' in html
    assert '<label class="etiqueta-celda" for="id_prod-0-DELETE">Eliminar</label>' in html
    assert 'class="sr-only" for="id_prod-' not in html
    html = client.get(reverse("diagnostico:clientes", args=[doc.pk])).content.decode()
    assert '<label class="sr-only" for="id_cli-0-nombre">' in html
