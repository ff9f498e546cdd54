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
from pmggt.models import Centro, Observacion
from tests.fabricas import RegionFactory
from tests.planes.fabricas import crear_plan

MAXIMO = 15  # issue 8: every page ≤ 15 queries (12 on the document page, 10 on the others today)
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


def _devuelto_con(mundo, documento, n: int):
    """The Plan sent and returned by the Jefe/a with ``n`` observaciones on its fields (spread
    over objectives, indicators, activities and procedures), open in Borrador."""
    from planes import contenido as cm
    from pmggt import workflow

    claves = [clave for clave, _etiqueta, _valor in cm.aplanar(cm.contenido(documento))]
    assert len(claves) >= 5
    workflow.enviar(documento=documento, actor=mundo.encargada, comentario="Envío")
    documento.refresh_from_db()
    workflow.devolver(
        documento=documento,
        actor=mundo.jefe,
        version=documento.version_actual,
        observaciones=[
            {"texto": f"Observación {i}", "campo": claves[i % len(claves)]} for i in range(n)
        ],
    )
    documento.refresh_from_db()
    assert documento.observaciones.filter(resuelta=False).count() == n


@pytest.mark.django_db
def test_paginas_del_plan_iguales_con_5_y_50_observaciones(
    client, mundo, django_assert_max_num_queries
):
    # The Plan returned by the Jefe/a with 5 open observaciones on its fields, then 45 more of
    # the same return: every page costs the same, within the pin, for the Servicio's readers
    # (the «Devuelto» banner and the per-field lists).
    from planes import contenido as cm

    documento = crear_plan(mundo)
    _actividades(documento.plan, mundo.centro_region_i, 1, 10)
    _devuelto_con(mundo, documento, 5)
    cinco = _medir(client, mundo, documento)
    devolucion = documento.observaciones.first().transicion
    claves = [clave for clave, _etiqueta, _valor in cm.aplanar(cm.contenido(documento))]
    Observacion.objects.bulk_create(
        Observacion(
            documento=documento,
            version=devolucion.version,
            autor=mundo.jefe,
            texto=f"Observación adicional {i}",
            campo=claves[i % len(claves)],
            transicion=devolucion,
        )
        for i in range(45)
    )
    assert documento.observaciones.filter(resuelta=False).count() == 50
    cincuenta = _medir(client, mundo, documento)
    assert cinco == cincuenta
    assert max(cinco.values()) <= MAXIMO
    client.force_login(mundo.encargada)
    with django_assert_max_num_queries(MAXIMO):
        client.get(reverse("pmggt:documento", args=[documento.pk]))
