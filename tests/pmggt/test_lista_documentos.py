"""The documents list: paginated, filtered by Ciclo, Servicio, Región, Etapa and Estado, sorted,
and in a constant number of queries whatever the number of documents."""

import re

import pytest
from django.urls import reverse

from pmggt.models import Documento
from tests.conftest import crear_diagnostico, llevar_a
from tests.fabricas import CicloFactory

Estado = Documento.Estado
FILA = re.compile(r'<a href="/documentos/(\d+)/">')


def _ids(html: str) -> list[int]:
    return [int(x) for x in FILA.findall(html)]


def _documentos(mundo, n: int, servicio=None):
    servicio = servicio or mundo.servicio
    return [
        crear_diagnostico(mundo, servicio=servicio, ciclo=CicloFactory(anio=2010 + i))
        for i in range(n)
    ]


def test_lista_paginada_y_en_orden(client, mundo):
    creados = _documentos(mundo, 30)
    client.force_login(mundo.admin)
    url = reverse("pmggt:documento_lista")
    primera = client.get(url).content.decode()
    segunda = client.get(url, {"pagina": 2}).content.decode()
    assert len(_ids(primera)) == 25 and len(_ids(segunda)) == 5
    assert "30 documentos" in primera and "página 1 de 2" in primera
    assert set(_ids(primera)) | set(_ids(segunda)) == {d.pk for d in creados}
    assert _ids(primera)[0] == creados[-1].pk  # the newest Ciclo first
    assert "pagina=2" in primera
    # Out-of-range or malformed page numbers give a valid page, never an error.
    assert client.get(url, {"pagina": "999"}).status_code == 200
    assert client.get(url, {"pagina": "x"}).status_code == 200


def test_filtros_y_busqueda(client, mundo):
    a = _documentos(mundo, 2)
    b = _documentos(mundo, 1, servicio=mundo.otro_servicio)
    llevar_a(mundo, a[0], Estado.EN_REVISION_JEFE)
    client.force_login(mundo.admin)
    url = reverse("pmggt:documento_lista")

    def ids(**filtros):
        return set(_ids(client.get(url, filtros).content.decode()))

    assert ids(texto="serv-b") == {b[0].pk}
    assert ids(texto="Servicio A") == {d.pk for d in a}
    assert ids(estado=Estado.EN_REVISION_JEFE) == {a[0].pk}
    assert ids(ciclo=a[1].ciclo.pk) == {a[1].pk}
    assert ids(region=mundo.regiones[1].pk) == {d.pk for d in a}  # Servicio A has a Centro in II
    assert ids(region=mundo.regiones[2].pk) == set()
    assert ids(etapa=1) == {d.pk for d in (*a, *b)}
    assert ids(orden="servicio")  # every order is accepted
    # Invalid values are ignored, not an error.
    assert client.get(url, {"etapa": "x", "region": "999999"}).status_code == 200


def test_un_lector_ve_solo_lo_suyo_con_filtros(client, mundo):
    a = _documentos(mundo, 1)
    _documentos(mundo, 1, servicio=mundo.otro_servicio)
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento_lista"), {"texto": "serv"}).content.decode()
    assert set(_ids(html)) == {a[0].pk}


@pytest.mark.parametrize("n", [3, 40])
def test_consultas_constantes_en_el_tamano(client, mundo, django_assert_max_num_queries, n):
    _documentos(mundo, n)
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    client.force_login(mundo.admin)
    url = reverse("pmggt:documento_lista")
    client.get(url)  # warm-up: content types and permission caches
    with django_assert_max_num_queries(15):
        respuesta = client.get(url, {"region": mundo.regiones[1].pk, "orden": "estado"})
    assert respuesta.status_code == 200
