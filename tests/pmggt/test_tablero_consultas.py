"""The Tablero's page and Excel make the same number of queries with 1 Servicio or 300."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmggt.models import Documento, Plazo, Prorroga, Servicio, Transicion
from pmggt.models.roles import ServicioUserObjectPermission
from tests.conftest import crear_diagnostico, llevar_a

Estado = Documento.Estado
MAX_PAGINA = 15
MAX_EXCEL = 15


@pytest.fixture
def reloj(monkeypatch):
    monkeypatch.setattr("pmggt.calendario.hoy", lambda: date(2009, 4, 10))


def _poblar(m, n: int) -> None:
    """n more Servicios (bulk): the Experta visa them all; each has a Diagnóstico in some
    state, with a transition; every fifth, a Prorroga."""
    servicios = Servicio.objects.bulk_create(
        Servicio(
            nombre=f"Servicio masivo {i:03d}",
            sigla=f"MAS-{i:03d}",
            ministerio=f"Ministerio {i % 7}",
            region=m.regiones[i % 3],
        )
        for i in range(n)
    )
    permisos = Permission.objects.filter(
        codename__in=["visar_documentos", "ver_documentos"], content_type__app_label="pmggt"
    )
    ServicioUserObjectPermission.objects.bulk_create(
        ServicioUserObjectPermission(user=m.experta, permission=p, content_object=s)
        for s in servicios
        for p in permisos
    )
    estados = [Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION, Estado.VISADO]
    documentos = Documento.objects.bulk_create(
        Documento(
            servicio=s,
            ciclo=m.ciclo,
            etapa=1,
            estado=estados[i % 4],
            version_actual=1,
            version_visada=1 if i % 4 == 3 else None,
            creado_por=m.encargada,
        )
        for i, s in enumerate(servicios)
        if i % 5
    )
    Transicion.objects.bulk_create(
        Transicion(
            documento=d,
            accion=Transicion.Accion.VISAR if d.estado == Estado.VISADO else "devolver",
            estado_destino=d.estado,
            version=1,
            actor=m.experta,
        )
        for d in documentos
    )
    plazo = Plazo.objects.get(ciclo=m.ciclo, etapa=1)
    Prorroga.objects.bulk_create(
        Prorroga(
            plazo=plazo,
            servicio=s,
            vence=date(2009, 4, 30),
            motivo="masiva",
            otorgada_por=m.admin,
        )
        for s in servicios[::5]
    )


def _contar(client, url, datos=None) -> int:
    with CaptureQueriesContext(connection) as consultas:
        respuesta = client.get(url, datos or {})
    assert respuesta.status_code == 200
    return len(consultas)


@pytest.mark.parametrize("persona", ["admin", "experta"])
@pytest.mark.parametrize("formato", ["", "xlsx"])
def test_consultas_constantes(
    client, mundo, reloj, persona, formato, django_assert_max_num_queries
):
    Plazo.objects.create(ciclo=mundo.ciclo, etapa=1, vence=date(2009, 3, 31))
    Plazo.objects.create(ciclo=mundo.ciclo, etapa=2, vence=date(2009, 6, 30))
    llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    client.force_login(mundo.personas[persona])
    url = reverse("pmggt:tablero")
    datos = {"formato": formato} if formato else {}
    maximo = MAX_EXCEL if formato else MAX_PAGINA
    with django_assert_max_num_queries(maximo):
        pocas = _contar(client, url, datos)
    _poblar(mundo, 300)
    with django_assert_max_num_queries(maximo):
        muchas = _contar(client, url, datos)
    assert muchas == pocas
    # Filtered, and a later page: still the same.
    filtros = datos | {"situacion": "atrasados", "ministerio": "Ministerio 3", "pagina": "2"}
    with django_assert_max_num_queries(maximo + 1):
        _contar(client, url, filtros)
    if not formato:
        respuesta = client.get(url)
        assert respuesta.context["pagina"].paginator.count == 301 + (persona == "admin")
        assert len(respuesta.context["pagina"].object_list) == 50
