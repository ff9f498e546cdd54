"""Mis pendientes from SQL compiled once per shape of grants (``selectors._leer``), with each
row's deadline read with it (``calendario.fechas_de_plazo``): the page each persona gets is the
one the ORM path and the former deadline read (``plazos_de``) give, byte for byte; people of
one shape share the SQL and each gets her own rows; the markers keep every relation between a
person's id sets.

Helpers come from test_pendientes.py (``ampliar``, ``filas_de``, ``siglas``, ``etapa_dos``).
"""

import re
from datetime import date
from itertools import product

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmggt import calendario, permisos, selectors, services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, GrupoRol, Plazo, Prorroga, Servicio
from tests.conftest import PERSONAS, crear_diagnostico, llevar_a
from tests.fabricas import CicloFactory
from tests.pmggt.test_pendientes import (
    ampliar,
    etapa_dos,  # noqa: F401 (fixture)
    filas_de,
    refrescar_personas,
    siglas,
)

Estado = Documento.Estado
Tipo = GrupoRol.Tipo
URL = reverse("pmggt:mis_pendientes")
HOY = date(2009, 3, 20)
CONSULTAS = ("", "?pagina=2", "?pagina_no_iniciados=2", "?pagina=999")
# Personas with roles in two Servicios, so that their id sets relate in other ways.
MIXTAS = ("encargada", "jefe", "experta", "experta_ajena", "intruso")


@pytest.fixture
def reloj(monkeypatch):
    monkeypatch.setattr(calendario, "hoy", lambda: HOY)
    return HOY


@pytest.fixture
def sin_compiladas(monkeypatch):
    """An empty cache of compiled queries (no test sees another's)."""
    monkeypatch.setattr(selectors, "_COMPILADAS", {})
    return selectors._COMPILADAS


def _como_antes(monkeypatch):
    """The former reads: every query through the ORM, rows without their deadline (so that
    ``anotar_filas`` reads them with ``plazos_de``)."""
    filas = selectors.filas
    monkeypatch.setattr(selectors, "filas", lambda documentos, *, plazos=False: filas(documentos))

    def leer(usuario, construir, *extra, modelo=None):
        return list(construir(usuario, *extra))

    monkeypatch.setattr(selectors, "_leer", leer)


def _pagina(client, consulta="") -> str:
    respuesta = client.get(URL + consulta)
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    # Tokens change with every request; the session's countdowns (seconds left, closing time)
    # with the clock.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", html)
    html = re.sub(r'name="csrf-token" content="[^"]*"', "csrf", html)
    return re.sub(r'data-(cierre|inactividad|absoluta)="[^"]*"', r"\1", html)


def _mundo_grande(mundo):
    """12 more Servicios with documents in every state (and observaciones), more open Ciclos
    and a closed one, deadlines of both stages with extensions, visados late (and Ciclos
    without deadlines)."""
    ampliar(mundo, 0, 12, observaciones=2)
    otro = CicloFactory(anio=2010)
    CicloFactory(anio=2008, abierto=False)
    llevar_a(mundo, crear_diagnostico(mundo, ciclo=otro), Estado.EN_VISACION)
    crear_diagnostico(mundo, servicio=mundo.otro_servicio, ciclo=otro)
    crear_diagnostico(mundo, ciclo=CicloFactory(anio=2011))  # a Ciclo without deadlines
    with actuando_como(mundo.admin):
        plazo = Plazo.objects.create(ciclo=mundo.ciclo, etapa=1, periodo=0, vence=date(2009, 3, 31))
        Plazo.objects.create(ciclo=mundo.ciclo, etapa=2, periodo=0, vence=date(2009, 6, 30))
        Plazo.objects.create(ciclo=otro, etapa=1, periodo=0, vence=date(2010, 3, 31))
        for sigla, vence in (("SERV-X01", date(2009, 4, 15)), ("SERV-X03", date(2009, 3, 1))):
            Prorroga.objects.create(
                plazo=plazo,
                servicio=Servicio.objects.get(sigla=sigla),
                vence=vence,
                motivo="Cambio de jefatura.",
                otorgada_por=mundo.admin,
            )


def _roles_en_dos_servicios(mundo):
    with actuando_como(mundo.admin):
        for persona, tipo, servicio in (
            ("encargada", Tipo.EXPERTO, mundo.otro_servicio),
            ("jefe", Tipo.ENCARGADO_GT, mundo.otro_servicio),
            ("experta", Tipo.JEFE, mundo.otro_servicio),
            ("experta_ajena", Tipo.EXPERTO, mundo.servicio),
            ("intruso", Tipo.JEFE, mundo.servicio),
        ):
            services.rol_asignar(usuario=mundo.personas[persona], tipo=tipo, objeto=servicio)
    refrescar_personas(mundo)


@pytest.mark.usefixtures("etapa_dos", "reloj")
@pytest.mark.parametrize("mixta", [False, True], ids=["un_rol", "dos_servicios"])
def test_cada_persona_ve_la_pagina_de_antes(client, mundo, sin_compiladas, monkeypatch, mixta):
    _mundo_grande(mundo)
    if mixta:
        _roles_en_dos_servicios(mundo)
    ahora, antes = {}, {}
    for persona in PERSONAS:
        client.force_login(mundo.personas[persona])
        for consulta in CONSULTAS:
            ahora[persona, consulta] = _pagina(client, consulta)
    with monkeypatch.context() as parche:
        _como_antes(parche)
        for persona in PERSONAS:
            client.force_login(mundo.personas[persona])
            for consulta in CONSULTAS:
                antes[persona, consulta] = _pagina(client, consulta)
    for clave, html in ahora.items():
        assert html == antes[clave], clave
    # What the pages show: deadlines, extensions, lateness, «No iniciado», rows of each table.
    todo = "".join(ahora.values())
    for texto in ("prórroga al 15-04-2009", "de atraso", "vence en", "Sin plazo", "Iniciar "):
        assert texto in todo, texto
    assert filas_de(ahora["experta", ""], "t-pendientes")
    assert filas_de(ahora["jefe", "?pagina=2"], "t-sigo")
    # Every query went through the compiled SQL (an Encargada de Centro's through the ORM),
    # a GORE's and the administrator's too.
    compiladas = {c[0] for c, v in sin_compiladas.items() if v is not None}
    assert compiladas == {
        selectors._filas_pendientes,
        selectors._ciclos_con_cuentas,
        selectors._filas_seguidas,
    }
    formas = [(forma, administrador) for _c, forma, administrador, *_ in sin_compiladas]
    assert any(administrador for _forma, administrador in formas)
    region = ("pmggt.GobiernoRegional", "ver_region")
    assert any(region in firma for forma, _a in formas for firma in forma)
    assert not any(
        ("pmggt.Centro", "editar_centro") in firma for forma, _a in formas for firma in forma
    )


def test_una_forma_una_consulta_y_a_cada_una_lo_suyo(client, mundo, sin_compiladas):
    a = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    b = crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    with actuando_como(mundo.admin):
        services.rol_asignar(usuario=mundo.jefe, tipo=Tipo.JEFE, objeto=mundo.otro_servicio)
    refrescar_personas(mundo)
    workflow.enviar(documento=b, actor=mundo.intruso)
    workflow.aprobar(documento=b, actor=mundo.jefe, version=1)
    for persona, propio, ajeno in (("experta", a, b), ("experta_ajena", b, a)):
        client.force_login(mundo.personas[persona])
        html = _pagina(client)
        assert siglas(filas_de(html, "t-pendientes")) == [propio.servicio.sigla]
        assert reverse("pmggt:documento", args=[ajeno.pk]) not in html
    # Both Expertas hold one Servicio each: one shape, each query compiled once.
    assert [c[0] for c in sin_compiladas].count(selectors._filas_pendientes) == 1
    assert [c[0] for c in sin_compiladas].count(selectors._ciclos_con_cuentas) == 1


def test_la_pagina_no_lee_plazos_aparte(client, mundo, sin_compiladas):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    Plazo.objects.create(ciclo=mundo.ciclo, etapa=1, periodo=0, vence=date(2009, 3, 31))
    client.force_login(mundo.experta)
    _pagina(client)
    with CaptureQueriesContext(connection) as consultas:
        html = _pagina(client)
    assert "31-03-2009" in html
    # Each row brings its deadline; with no «No iniciado» row, no query of its own.
    assert not [q for q in consultas.captured_queries if '"pmggt_plazo"."id"' in q["sql"]]


def test_las_marcas_guardan_las_relaciones(mundo):
    _roles_en_dos_servicios(mundo)
    for persona in PERSONAS:
        usuario = mundo.personas[persona]
        reales = permisos.concedidos(usuario)
        forma, marcados, ids = selectors._atomos(usuario)
        assert set(marcados) == set(reales)
        for clave in reales:
            assert sorted(i for m in marcados[clave] for i in ids[m]) == sorted(reales[clave])
        for x, y in product(reales, repeat=2):
            a, b, ma, mb = reales[x], reales[y], marcados[x], marcados[y]
            assert (a == b, a <= b, bool(a & b), bool(a - b)) == (
                ma == mb,
                ma <= mb,
                bool(ma & mb),
                bool(ma - mb),
            ), (persona, x, y)
        assert all(m <= selectors._MARCA for m in ids)
        assert len(forma) == len(ids)


def test_sin_marcas_fuera_de_en_ids():
    # A marker in an ordinary parameter: the query cannot be filled in, it goes through the ORM.
    fuera = Servicio.objects.filter(pk__in=[selectors._MARCA]).values("pk")
    assert selectors._compilar(fuera, "default") is None
    # Through _EnIds, one parameter whatever the number of ids.
    dentro = Servicio.objects.filter(selectors._en_servicios({selectors._MARCA}, "pk"))
    sql, params, nombres, _convertidores = selectors._compilar(dentro.values("pk"), "default")
    assert [type(p) for p in params] == [selectors._Marcas] and nombres == ["pk"]
    # A query Django knows to be empty runs no SQL.
    vacia = Servicio.objects.filter(pk__in=[]).values("pk")
    assert selectors._compilar(vacia, "default") is selectors._VACIA
