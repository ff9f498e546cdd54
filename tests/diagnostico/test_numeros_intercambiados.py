"""Swapping or reusing numbers between rows of a section (objetivos, productos, clientes) is an
ordinary edit: it is saved (no 500 from the unique constraint), and the history shows only the
real values, never a temporary one."""

import pytest
from django.test import Client
from django.urls import reverse

from diagnostico import forms as formularios
from diagnostico.models import Cliente, ObjetivoEstrategico, ProductoEstrategico
from pmggt.historia import actuando_como
from tests.conftest import crear_diagnostico
from tests.diagnostico.test_consultas import _formset


@pytest.fixture
def doc(mundo):
    documento = crear_diagnostico(mundo, objetivos=("Objetivo uno", "Objetivo dos", "Tres"))
    d = documento.diagnostico
    with actuando_como(mundo.encargada):
        for numero, nombre in (("1", "Producto uno"), ("2", "Producto dos"), ("3", "Tres")):
            ProductoEstrategico.objects.create(diagnostico=d, numero=numero, nombre=nombre)
        for numero, nombre in ((1, "Cliente uno"), (2, "Cliente dos")):
            Cliente.objects.create(diagnostico=d, numero=numero, nombre=nombre)
    return documento


def _cliente(usuario) -> Client:
    cliente = Client()
    cliente.force_login(usuario)
    return cliente


def _con(datos, prefijo, cambios):
    """The formset's data with {row index: {field: value}} changed."""
    datos = dict(datos)
    for i, campos in cambios.items():
        for campo, valor in campos.items():
            datos[f"{prefijo}-{i}-{campo}"] = valor
    return datos


def _por_pk(modelo, d):
    return {o.pk: o for o in modelo.objects.filter(diagnostico=d)}


def test_intercambiar_numeros_de_productos(mundo, doc):
    d = doc.diagnostico
    antes = {p.nombre: p.pk for p in ProductoEstrategico.objects.filter(diagnostico=d)}
    datos = _formset(formularios.productos_formset(d))
    datos = _con(datos, "prod", {0: {"numero": "2"}, 1: {"numero": "1"}})
    r = _cliente(mundo.encargada).post(reverse("diagnostico:productos", args=[doc.pk]), datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    productos = _por_pk(ProductoEstrategico, d)
    assert productos[antes["Producto uno"]].numero == "2"
    assert productos[antes["Producto dos"]].numero == "1"
    assert productos[antes["Tres"]].numero == "3"
    historia = ProductoEstrategico.history.filter(diagnostico_id=d.pk)
    assert set(historia.values_list("numero", flat=True)) == {"1", "2", "3"}
    assert all(h.history_user == mundo.encargada for h in historia)


def test_un_numero_liberado_al_borrar_se_reusa_en_el_mismo_envio(mundo, doc):
    d = doc.diagnostico
    datos = _formset(formularios.productos_formset(d))
    # Row 0 ("1") is deleted and row 2 ("3") takes its number.
    datos = _con(datos, "prod", {0: {"DELETE": "on"}, 2: {"numero": "1"}})
    r = _cliente(mundo.encargada).post(reverse("diagnostico:productos", args=[doc.pk]), datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert dict(
        ProductoEstrategico.objects.filter(diagnostico=d).values_list("nombre", "numero")
    ) == {"Producto dos": "2", "Tres": "1"}


def test_rotar_numeros_de_objetivos_y_clientes(mundo, doc):
    d = doc.diagnostico
    from tests.diagnostico.test_consultas import _valores

    datos = {
        **_valores(formularios.DefinicionesForm(instance=d, prefix="def")),
        **_formset(formularios.ObjetivosFormSet(instance=d, prefix="obj")),
    }
    datos = _con(datos, "obj", {0: {"numero": "2"}, 1: {"numero": "3"}, 2: {"numero": "1"}})
    cliente = _cliente(mundo.encargada)
    r = cliente.post(reverse("diagnostico:editar", args=[doc.pk]), datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert dict(
        ObjetivoEstrategico.objects.filter(diagnostico=d).values_list("descripcion", "numero")
    ) == {"Objetivo uno": 2, "Objetivo dos": 3, "Tres": 1}
    assert set(
        ObjetivoEstrategico.history.filter(diagnostico_id=d.pk).values_list("numero", flat=True)
    ) == {1, 2, 3}

    datos = _formset(formularios.clientes_formset(d))
    datos = _con(datos, "cli", {0: {"numero": "2"}, 1: {"numero": "1"}})
    r = cliente.post(reverse("diagnostico:clientes", args=[doc.pk]), datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert dict(Cliente.objects.filter(diagnostico=d).values_list("nombre", "numero")) == {
        "Cliente uno": 2,
        "Cliente dos": 1,
    }


def test_un_numero_repetido_sigue_siendo_un_error_junto_al_campo(mundo, doc):
    d = doc.diagnostico
    datos = _formset(formularios.productos_formset(d))
    datos = _con(datos, "prod", {1: {"numero": "1"}})
    r = _cliente(mundo.encargada).post(reverse("diagnostico:productos", args=[doc.pk]), datos)
    assert r.status_code == 400
    html = r.content.decode()
    assert "está repetido" in html or "corrija los valores duplicados" in html
    assert sorted(
        ProductoEstrategico.objects.filter(diagnostico=d).values_list("numero", flat=True)
    ) == ["1", "2", "3"]
