"""Mis pendientes: exactly the documents waiting for each person, in constant queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmggt import selectors, services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, GrupoRol
from tests.conftest import crear_diagnostico, llevar_a
from tests.fabricas import CicloFactory, ServicioFactory, UsuarioFactory

Estado = Documento.Estado


def _pendientes(usuario):
    return set(selectors.documentos_pendientes_para(usuario))


def test_pendientes_de_cada_persona_segun_estado(mundo):
    doc = crear_diagnostico(mundo)
    esperan = {
        Estado.BORRADOR: {"encargada", "centro_i", "centro_ii"},
        Estado.EN_REVISION_JEFE: {"jefe"},
        Estado.EN_VISACION: {"experta"},
        Estado.VISADO: set(),
    }
    siguen = {"encargada", "centro_i", "centro_ii", "jefe", "experta", "gore"}
    for estado, quienes in esperan.items():
        llevar_a(mundo, doc, estado)
        for nombre, usuario in mundo.personas.items():
            assert (doc in _pendientes(usuario)) == (nombre in quienes), (estado, nombre)
            seguido = doc in set(selectors.documentos_seguidos_por(usuario))
            assert seguido == (nombre in siguen and nombre not in quienes), (estado, nombre)


def test_pagina_mis_pendientes_muestra_pendientes_y_seguidos(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    client.force_login(mundo.jefe)
    html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    pendientes, seguidos = html.split("Documentos que sigo")
    assert reverse("pmggt:documento", args=[doc.pk]) in pendientes
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    pendientes, seguidos = html.split("Documentos que sigo")
    assert reverse("pmggt:documento", args=[doc.pk]) not in pendientes
    assert reverse("pmggt:documento", args=[doc.pk]) in seguidos
    assert "En revisión del Jefe" in seguidos


def _jefe_con_documentos(n: int):
    admin = UsuarioFactory(username=f"admin{n}")
    encargado = UsuarioFactory(username=f"enc{n}")
    jefe = UsuarioFactory(username=f"jefe{n}")
    ciclo = CicloFactory(anio=2009)
    from diagnostico.models import Diagnostico, ObjetivoEstrategico

    with actuando_como(admin):
        for i in range(n):
            servicio = ServicioFactory(sigla=f"S{n}-{i}")
            services.rol_asignar(
                usuario=encargado, tipo=GrupoRol.Tipo.ENCARGADO_GT, objeto=servicio
            )
            services.rol_asignar(usuario=jefe, tipo=GrupoRol.Tipo.JEFE, objeto=servicio)
    for servicio in ServicioFactory._meta.model.objects.filter(sigla__startswith=f"S{n}-"):
        doc = services.documento_crear(servicio=servicio, ciclo=ciclo, etapa=1, actor=encargado)
        with actuando_como(encargado):
            diagnostico = Diagnostico.objects.get(documento=doc)
            diagnostico.mision = "Misión"
            diagnostico.save()
            ObjetivoEstrategico.objects.create(diagnostico=diagnostico, numero=1, descripcion="O")
        workflow.enviar(documento=doc, actor=encargado)
        workflow.devolver(
            documento=doc, actor=jefe, version=1, observaciones=[{"texto": "Revisar"}]
        )
        obs = doc.observaciones.get()
        services.observacion_resolver(observacion=obs, actor=encargado)
        workflow.enviar(documento=doc, actor=encargado)
    return encargado, jefe


def _consultas(client, usuario) -> int:
    client.force_login(usuario)
    # A process's first requests fill per-process caches (content types, guardian's); count
    # the queries of a request after that, so the count does not depend on the test order.
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200
    with CaptureQueriesContext(connection) as contexto:
        respuesta = client.get(reverse("pmggt:mis_pendientes"))
    assert respuesta.status_code == 200
    return len(contexto.captured_queries), respuesta


@pytest.mark.django_db
def test_mis_pendientes_consultas_constantes(client):
    encargado_1, jefe_1 = _jefe_con_documentos(1)
    encargado_20, jefe_20 = _jefe_con_documentos(20)
    consultas_1, r1 = _consultas(client, jefe_1)
    consultas_20, r20 = _consultas(client, jefe_20)
    assert len(re.findall(r'href="/documentos/\d+/"', r1.content.decode())) == 1
    assert len(re.findall(r'href="/documentos/\d+/"', r20.content.decode())) == 20
    assert consultas_1 == consultas_20
    # The same holds for what an Encargado/a follows (20 documents in review).
    assert _consultas(client, encargado_1)[0] == _consultas(client, encargado_20)[0]


@pytest.mark.django_db
def test_pagina_documento_consultas_constantes(client):
    encargado_1, _ = _jefe_con_documentos(1)
    encargado_20, _ = _jefe_con_documentos(20)
    client.force_login(encargado_1)
    doc_1 = Documento.objects.filter(servicio__sigla__startswith="S1-").get()
    # Warm the per-process caches first (see _consultas).
    assert client.get(reverse("pmggt:documento", args=[doc_1.pk])).status_code == 200
    with CaptureQueriesContext(connection) as c1:
        assert client.get(reverse("pmggt:documento", args=[doc_1.pk])).status_code == 200
    client.force_login(encargado_20)
    doc_20 = Documento.objects.filter(servicio__sigla__startswith="S20-").first()
    with CaptureQueriesContext(connection) as c20:
        assert client.get(reverse("pmggt:documento", args=[doc_20.pk])).status_code == 200
    assert len(c1.captured_queries) == len(c20.captured_queries)
