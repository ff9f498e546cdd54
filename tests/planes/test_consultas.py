"""The Plan's pages cost the same number of queries whatever its size: 1 or 15 regions
(Centros), 5 or 50 activities per region. Every page (document page, each section page, a
region's page and the national part) is pinned with ``django_assert_max_num_queries`` and must
take exactly as many queries at every size, for the Encargado/a GT, an Encargada de Centro and
the Jefe/a."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planes.models import Actividad, Indicador
from pmggt import services
from pmggt.models import Centro
from tests.fabricas import RegionFactory
from tests.planes.fabricas import crear_plan

MAXIMO = 21  # 20 + the stage deadline (pmggt.calendario) on the document page
PAGINAS = [
    ("pmggt:documento", ()),
    ("planes:objetivos", ()),
    ("planes:informacion", ()),
    ("planes:indicadores", ()),
    ("planes:programa", ()),
    ("planes:region", ("I",)),
    ("planes:region", ("servicio",)),
]
PERSONAS = ["encargada", "centro_i", "jefe"]


def _actividades(plan, centro, desde, hasta):
    Actividad.objects.bulk_create(
        Actividad(
            plan=plan,
            centro=centro,
            tipo="hito" if i % 5 == 0 else "actividad",
            descripcion=f"Actividad {i} de {centro.region.codigo if centro else 'nacional'}",
            inicio=date(2009, 1 + i % 12, 1),
            plazo=date(2009, 1 + i % 12, 28),
            responsable="Responsable regional",
            orden=i,
        )
        for i in range(desde, hasta)
    )


def _medir(client, mundo, documento) -> dict:
    cuentas = {}
    for persona in PERSONAS:
        client.force_login(mundo.personas[persona])
        for nombre, extra in PAGINAS:
            url = reverse(nombre, args=[documento.pk, *extra])
            with CaptureQueriesContext(connection) as consultas:
                respuesta = client.get(url)
            assert respuesta.status_code == 200, (persona, url)
            cuentas[(persona, nombre, extra)] = len(consultas)
    return cuentas


@pytest.mark.django_db
def test_paginas_del_plan_en_consultas_constantes(client, mundo, django_assert_max_num_queries):
    # One region: Servicio A without its Centro in region II.
    Centro.objects.filter(pk=mundo.centro_region_ii.pk).delete()
    documento = crear_plan(mundo)
    plan = documento.plan
    centro_i = mundo.centro_region_i
    _actividades(plan, centro_i, 1, 5)  # crear_plan made one: 5 in region I
    _actividades(plan, None, 0, 5)
    tamanos = {"1 región, 5 actividades": _medir(client, mundo, documento)}

    _actividades(plan, centro_i, 5, 50)
    _actividades(plan, None, 5, 50)
    tamanos["1 región, 50 actividades"] = _medir(client, mundo, documento)

    centros = [centro_i]
    for n in range(4, 18):
        region = RegionFactory(codigo=f"R{n}", nombre=f"Región de prueba {n}", orden=n + 10)
        centro = Centro.objects.create(servicio=mundo.servicio, region=region, nombre=f"Centro {n}")
        services.roles_asegurar(centro)
        centros.append(centro)
        _actividades(plan, centro, 0, 50)
    Indicador.objects.bulk_create(
        Indicador(
            plan=plan,
            centro=centro,
            numero=10 + i,
            nombre=f"Indicador de {centro.nombre}",
            formula="(A / B) * 100",
            numerador="A",
            denominador="B",
            unidad="%",
            meta="50",
            meta_numerador="1",
            meta_denominador="2",
        )
        for i, centro in enumerate(centros)
    )
    assert len(centros) == 15
    tamanos["15 regiones, 50 actividades"] = _medir(client, mundo, documento)

    for centro in [*centros, None]:
        sobran = Actividad.objects.filter(plan=plan, centro=centro).order_by("pk")[5:]
        Actividad.objects.filter(pk__in=list(sobran.values_list("pk", flat=True))).delete()
    assert Actividad.objects.filter(plan=plan).count() == 16 * 5
    tamanos["15 regiones, 5 actividades"] = _medir(client, mundo, documento)

    primera, *resto = tamanos.values()
    for nombre, cuentas in tamanos.items():
        assert cuentas == primera, nombre
    # Pinned: each page within MAXIMO queries, session and permissions included.
    client.force_login(mundo.encargada)
    for nombre, extra in PAGINAS:
        with django_assert_max_num_queries(MAXIMO):
            client.get(reverse(nombre, args=[documento.pk, *extra]))
    print({k[1:]: v for k, v in primera.items() if k[0] == "encargada"})
