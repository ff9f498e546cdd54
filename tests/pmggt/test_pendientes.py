"""Mis pendientes: exactly the documents waiting for each person (all of them), the documents she
follows (paged), the Servicios she oversees without a document («No iniciado», paged, with the
Encargado/a GT's «Iniciar …» buttons), and the navbar badge, in a constant number of queries.

The helpers at the top (``filas_de``, ``ampliar``, ``contar_consultas``) are shared with
test_lista_documentos.py and test_lista_excel.py.
"""

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pmggt import etapas, selectors, services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Ciclo, Documento, GrupoRol
from tests.conftest import PERSONAS, crear_diagnostico, cuadro1_minimo, llevar_a
from tests.fabricas import CicloFactory, ServicioFactory, UsuarioFactory

Estado = Documento.Estado
Tipo = GrupoRol.Tipo
URL = "pmggt:mis_pendientes"
LOGIN = reverse("login")

# --- Shared helpers -----------------------------------------------------------------------------


class _Tablas(HTMLParser):
    """The body rows (cell texts) of every table of a page, by the section they are in."""

    def __init__(self):
        super().__init__()
        self.seccion = None
        self.filas = defaultdict(list)
        self.en_cuerpo = False
        self.fila = self.celda = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.seccion = attrs.get("aria-labelledby")
        elif tag == "tbody":
            self.en_cuerpo = True
        elif tag == "tr" and self.en_cuerpo:
            self.fila = []
        elif tag == "td" and self.fila is not None:
            self.celda = []

    def handle_endtag(self, tag):
        if tag == "section":
            self.seccion = None
        elif tag == "tbody":
            self.en_cuerpo = False
        elif tag == "tr" and self.fila is not None:
            if len(self.fila) > 1:  # not the "empty list" row
                self.filas[self.seccion].append(self.fila)
            self.fila = None
        elif tag == "td" and self.celda is not None:
            self.fila.append(" ".join("".join(self.celda).split()))
            self.celda = None

    def handle_data(self, data):
        if self.celda is not None:
            self.celda.append(data)


def filas_de(html: str, seccion: str | None = None) -> list[list[str]]:
    """Rows of the tables in this section (aria-labelledby id; None: outside any section)."""
    tablas = _Tablas()
    tablas.feed(html)
    return tablas.filas[seccion]


def siglas(filas) -> list[str]:
    """The Servicio's sigla of each row (first cell: "Nombre (SIGLA)")."""
    return [re.search(r"\(([^()]+)\)$", fila[0]).group(1) for fila in filas]


def insignia(html: str) -> int:
    return int(re.search(r"Mis pendientes <span class=\"badge[^\"]*\">(\d+)</span>", html)[1])


def diagnostico_de(mundo, servicio, ciclo=None):
    """A Diagnóstico of any Servicio the Encargada holds, ready to be sent."""
    from diagnostico.models import Diagnostico, ObjetivoEstrategico

    documento = services.documento_crear(
        servicio=servicio, ciclo=ciclo or mundo.ciclo, etapa=1, actor=mundo.encargada
    )
    with actuando_como(mundo.encargada):
        diagnostico = Diagnostico.objects.get(documento=documento)
        diagnostico.mision = "Misión."
        diagnostico.save()
        ObjetivoEstrategico.objects.create(diagnostico=diagnostico, numero=1, descripcion="O")
        cuadro1_minimo(diagnostico)  # sending requires a Cuadro I N°1 row in each region
    return documento


ESTADOS = [Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION, Estado.VISADO]


def ampliar(mundo, desde: int, hasta: int, observaciones: int = 3) -> list:
    """Servicios X<desde>…X<hasta-1> of region I (so the GORE of region I follows them), with
    the Encargada, the Jefe and the Experta in their roles: of every five, four with a
    Diagnóstico (one in each state of ESTADOS, with open observaciones) and one without."""
    nuevos = []
    with actuando_como(mundo.admin):
        for i in range(desde, hasta):
            servicio = ServicioFactory(
                sigla=f"SERV-X{i:02d}", nombre=f"Servicio X{i:02d}", region=mundo.regiones[0]
            )
            for persona, tipo in (
                ("encargada", Tipo.ENCARGADO_GT),
                ("jefe", Tipo.JEFE),
                ("experta", Tipo.EXPERTO),
            ):
                services.rol_asignar(usuario=getattr(mundo, persona), tipo=tipo, objeto=servicio)
            nuevos.append(servicio)
    refrescar_personas(mundo)
    documentos = []
    for i, servicio in zip(range(desde, hasta), nuevos, strict=True):
        if i % 5 == 4:
            continue  # «No iniciado»
        documento = llevar_a(mundo, diagnostico_de(mundo, servicio), ESTADOS[i % 5])
        for n in range(observaciones):
            services.observacion_crear(documento=documento, autor=mundo.experta, texto=f"N{n}")
        documentos.append(documento)
    return documentos


def refrescar_personas(mundo) -> None:
    """Fresh user objects (permission checks cache what they read on the object)."""
    usuarios = get_user_model().objects.in_bulk([u.pk for u in mundo.personas.values()])
    for nombre, usuario in mundo.personas.items():
        mundo.personas[nombre] = usuarios[usuario.pk]
        setattr(mundo, nombre, usuarios[usuario.pk])


PERSONAS_CONSULTAS = ["experta", "encargada", "jefe", "gore", "admin"]
MAXIMO_CONSULTAS = 15  # per page, session and user included


def contar_consultas(client, url, django_assert_max_num_queries, maximo=MAXIMO_CONSULTAS):
    """Queries of one request (after a first one that fills the per-process caches)."""
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(maximo) as capturadas:
        respuesta = client.get(url)
    assert respuesta.status_code == 200
    return len(capturadas)


# --- Who sees what ------------------------------------------------------------------------------


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
            assert selectors.num_pendientes(usuario) == len(_pendientes(usuario))


def test_anonimo_va_al_ingreso(client):
    respuesta = client.get(reverse(URL))
    assert respuesta.status_code == 302
    assert respuesta["Location"].startswith(f"{LOGIN}?next=")


def test_pagina_mis_pendientes_muestra_pendientes_y_seguidos(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    client.force_login(mundo.jefe)
    html = client.get(reverse(URL)).content.decode()
    pendientes, seguidos = html.split("Documentos que sigo")
    assert reverse("pmggt:documento", args=[doc.pk]) in pendientes
    client.force_login(mundo.encargada)
    html = client.get(reverse(URL)).content.decode()
    pendientes, seguidos = html.split("Documentos que sigo")
    assert reverse("pmggt:documento", args=[doc.pk]) not in pendientes
    assert reverse("pmggt:documento", args=[doc.pk]) in seguidos
    assert "En revisión del Jefe" in seguidos


# Servicio A: a Diagnóstico in review (2009); Servicio B: a Diagnóstico in Borrador (2009).
VE = {
    # persona: (waits for me, I follow)
    "encargada": ([], ["SERV-A"]),
    "intruso": (["SERV-B"], []),
    "centro_i": ([], ["SERV-A"]),
    "centro_ii": ([], ["SERV-A"]),
    "jefe": (["SERV-A"], []),
    "experta": ([], ["SERV-A"]),
    "experta_ajena": ([], ["SERV-B"]),
    "gore": ([], ["SERV-A"]),  # Servicio A has a Centro in region I
    "gore_ajeno": ([], []),
    "admin": ([], []),  # administrators find everything in the documents list
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_cada_persona_ve_exactamente_lo_suyo(client, mundo, persona):
    llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    client.force_login(mundo.personas[persona])
    respuesta = client.get(reverse(URL))
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    pendientes, seguidos = VE[persona]
    assert siglas(filas_de(html, "t-pendientes")) == pendientes
    assert siglas(filas_de(html, "t-sigo")) == seguidos
    # Both Servicios have their Diagnóstico of the open Ciclo: nothing is «No iniciado».
    assert "t-no-iniciados" not in html
    assert insignia(html) == len(pendientes) == selectors.num_pendientes(mundo.personas[persona])


def test_un_gore_ve_sin_enlace_lo_no_visado_y_sin_observaciones(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    services.observacion_crear(documento=doc, autor=mundo.experta, texto="Revisar.")
    client.force_login(mundo.gore)
    html = client.get(reverse(URL)).content.decode()
    [fila] = filas_de(html, "t-sigo")
    assert "Se podrá consultar cuando esté visado." in fila[2]
    assert reverse("pmggt:documento", args=[doc.pk]) not in html
    assert fila[4:6] == ["—", "—"]  # no draft version, no observaciones count
    client.force_login(mundo.experta)
    [fila] = filas_de(client.get(reverse(URL)).content.decode(), "t-pendientes")
    assert fila[4:6] == ["v1", "1"]


# --- What I follow: paged, the open Ciclo first ---------------------------------------------


def test_seguidos_paginados_con_el_ciclo_abierto_primero(client, mundo):
    anios = [2009, *range(2010, 2039)]  # 30 documents; only 2009 stays open
    for anio in anios:
        crear_diagnostico(mundo, ciclo=CicloFactory(anio=anio))
    Ciclo.objects.filter(anio__gte=2010).update(abierto=False)
    # The Encargada: the 30 Borradores wait for her, all on the page (no pages).
    client.force_login(mundo.encargada)
    html = client.get(reverse(URL)).content.decode()
    assert len(filas_de(html, "t-pendientes")) == 30
    assert insignia(html) == 30
    # The Jefe follows them: 25 per page, 2009 (open) first, then the newest.
    client.force_login(mundo.jefe)
    primera = client.get(reverse(URL)).content.decode()
    segunda = client.get(reverse(URL), {"pagina": 2}).content.decode()
    orden = [int(f[1]) for f in filas_de(primera, "t-sigo") + filas_de(segunda, "t-sigo")]
    assert orden == [2009, *range(2038, 2009, -1)]
    assert len(filas_de(primera, "t-sigo")) == 25
    assert "Página 1 de 2" in primera and "Página 2 de 2" in segunda
    assert 'href="?pagina=2#sigo"' in primera
    # Out-of-range or malformed pages give a valid page.
    for pagina in ("999", "x", "-1"):
        assert client.get(reverse(URL), {"pagina": pagina}).status_code == 200


# --- «No iniciado» ------------------------------------------------------------------------------


def test_no_iniciados_de_quien_supervisa(client, mundo):
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    esperados = {
        # persona: (Servicios without the Diagnóstico of 2009, with «Iniciar» buttons)
        "encargada": (["SERV-A"], True),
        "jefe": (["SERV-A"], False),
        "experta": (["SERV-A"], False),
        "admin": (["SERV-A"], False),
    }
    for persona in PERSONAS:
        client.force_login(mundo.personas[persona])
        html = client.get(reverse(URL)).content.decode()
        if persona not in esperados:
            # Encargadas de Centro, GOREs and outsiders oversee nothing without a document.
            assert "t-no-iniciados" not in html, persona
            assert "Iniciar " not in html, persona
            continue
        servicios, botones = esperados[persona]
        filas = filas_de(html, "t-no-iniciados")
        assert siglas(filas) == servicios, persona
        assert [f[1:4] for f in filas] == [["2009", "Etapa I – Diagnóstico", "No iniciado"]]
        assert re.search(r"No iniciados <span class=\"badge[^\"]*\">1</span>", html), persona
        assert ("Iniciar Diagnóstico 2009" in html) == botones, persona
    # The button starts it; then it is no longer «No iniciado».
    client.force_login(mundo.encargada)
    respuesta = client.post(
        reverse("pmggt:documento_crear"),
        {"servicio": mundo.servicio.pk, "ciclo": mundo.ciclo.pk, "etapa": 1},
    )
    assert respuesta.status_code == 302
    assert "t-no-iniciados" not in client.get(reverse(URL)).content.decode()


def test_no_iniciados_solo_activos_y_de_ciclos_abiertos(client, mundo):
    CicloFactory(anio=2008, abierto=False)  # closed: nothing can start there
    CicloFactory(anio=2010)  # a second open Ciclo
    ServicioFactory(sigla="SERV-INACTIVO", activo=False)
    client.force_login(mundo.admin)
    html = client.get(reverse(URL)).content.decode()
    filas = filas_de(html, "t-no-iniciados")
    assert [(f[1], s) for f, s in zip(filas, siglas(filas), strict=True)] == [
        ("2010", "SERV-A"),
        ("2010", "SERV-B"),
        ("2009", "SERV-A"),
        ("2009", "SERV-B"),
    ]


def test_no_iniciados_paginados(client, mundo):
    for i in range(30):
        ServicioFactory(sigla=f"SERV-N{i:02d}", nombre=f"Servicio N{i:02d}")
    client.force_login(mundo.admin)
    primera = client.get(reverse(URL)).content.decode()
    segunda = client.get(reverse(URL), {"pagina_no_iniciados": 2}).content.decode()
    todas = siglas(filas_de(primera, "t-no-iniciados")) + siglas(
        filas_de(segunda, "t-no-iniciados")
    )
    assert len(filas_de(primera, "t-no-iniciados")) == 25
    assert todas == ["SERV-A", "SERV-B", *(f"SERV-N{i:02d}" for i in range(30))]
    assert re.search(r"No iniciados <span class=\"badge[^\"]*\">32</span>", primera)
    assert 'href="?pagina_no_iniciados=2#no-iniciados"' in primera
    # Each pager keeps the other list's page.
    html = client.get(reverse(URL), {"pagina_no_iniciados": 2, "pagina": 1}).content.decode()
    assert "pagina=1&amp;pagina_no_iniciados=1#no-iniciados" in html


@pytest.fixture
def etapa_dos():
    from tests.pmggt.test_etapas import ETAPA_PRUEBA

    previa = etapas.de(ETAPA_PRUEBA.numero) if etapas.disponible(ETAPA_PRUEBA.numero) else None
    etapas.registrar(ETAPA_PRUEBA)
    yield ETAPA_PRUEBA
    if previa is not None:
        etapas.registrar(previa)
    else:
        etapas.quitar(ETAPA_PRUEBA.numero)


def test_no_iniciado_solo_si_la_etapa_ya_puede_comenzar(client, mundo, etapa_dos):
    diagnostico = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    client.force_login(mundo.jefe)
    # The Plan needs the Diagnóstico Visado: not yet something to start.
    assert "t-no-iniciados" not in client.get(reverse(URL)).content.decode()
    llevar_a(mundo, diagnostico, Estado.VISADO)
    html = client.get(reverse(URL)).content.decode()
    assert [f[:4] for f in filas_de(html, "t-no-iniciados")] == [
        ["Servicio A (SERV-A)", "2009", etapa_dos.titulo, "No iniciado"]
    ]
    client.force_login(mundo.encargada)
    assert "Iniciar Plan de prueba 2009" in client.get(reverse(URL)).content.decode()


# --- The badge ----------------------------------------------------------------------------------

ACTORES = {"encargada", "intruso", "centro_i", "centro_ii", "jefe", "experta", "experta_ajena"}


def test_la_insignia_cuenta_los_pendientes_con_un_count_desnudo(client, mundo):
    ampliar(mundo, 0, 8, observaciones=1)
    for nombre in PERSONAS:
        usuario = mundo.personas[nombre]
        esperado = len(_pendientes(usuario))
        client.force_login(usuario)
        # On the documents list the badge is the context processor's count.
        assert insignia(client.get(reverse("pmggt:documento_lista")).content.decode()) == esperado
        assert insignia(client.get(reverse(URL)).content.decode()) == esperado
        usuario = get_user_model().objects.get(pk=usuario.pk)
        with CaptureQueriesContext(connection) as capturadas:
            assert selectors.num_pendientes(usuario) == esperado
        conteo = [q["sql"] for q in capturadas.captured_queries if "COUNT(" in q["sql"]]
        # Someone without any chain grant may get 0 with no query at all (an empty filter).
        assert len(conteo) == (1 if nombre in ACTORES else len(conteo)) <= 1, nombre
        for sql in conteo:
            # One COUNT over the documents table: no join, annotation, grouping or order
            # outside the permission subqueries.
            assert sql.startswith('SELECT COUNT(*) AS "__count" FROM "pmggt_documento" WHERE')
            assert "ORDER BY" not in sql and "GROUP BY" not in sql
            assert "pmggt_observacion" not in sql


# --- Constant queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS_CONSULTAS)
def test_mis_pendientes_en_consultas_constantes(
    client, mundo, django_assert_max_num_queries, persona
):
    """The same number of queries with 2 and with 12 Servicios, documents (in every state) and
    their observaciones, whatever the persona; at most MAXIMO_CONSULTAS."""
    url = reverse(URL)
    ampliar(mundo, 0, 2)
    client.force_login(mundo.personas[persona])
    pequeno = contar_consultas(client, url, django_assert_max_num_queries)
    ampliar(mundo, 2, 12)
    grande = contar_consultas(client, url, django_assert_max_num_queries)
    print(f"\nconsultas mis_pendientes {persona}: {pequeno} (2) / {grande} (12)")
    assert pequeno == grande


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
            cuadro1_minimo(diagnostico)  # sending requires a Cuadro I N°1 row in each region
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
    assert client.get(reverse(URL)).status_code == 200
    with CaptureQueriesContext(connection) as contexto:
        respuesta = client.get(reverse(URL))
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


# --- An Encargada de Centro's inbox: her region's part only (issue 9, item 9) -----------------


def _region(mundo, documento, centro, *, filas=(), cuadro2=()):
    """Rows of a region's cuadros: ``filas`` as (with a product?, {field: text}) and the Cuadro
    I N°2 types of information filled in ``cuadro2``."""
    from diagnostico.models import FilaCuadro1, FilaCuadro2, ProductoEstrategico

    diagnostico = documento.diagnostico
    with actuando_como(mundo.encargada):
        producto, _ = ProductoEstrategico.objects.get_or_create(
            diagnostico=diagnostico,
            numero="1",
            defaults={"nombre": "Producto uno", "aplica_pt": "aplica"},  # «Sin definir» blocks
        )
        for con_producto, textos in filas:
            fila = FilaCuadro1.objects.create(
                diagnostico=diagnostico, centro=centro, causales="diseno", **textos
            )
            if con_producto:
                fila.productos.set([producto])
        for clave in cuadro2:
            FilaCuadro2.objects.create(
                diagnostico=diagnostico, centro=centro, informacion=clave, objetivo="Objetivo"
            )


COMPLETA = {"avance": "A", "mejora": "M", "medidas": "X", "objetivo": "O"}


def _celda_etapa(client, usuario, sigla="SERV-A"):
    """The «Etapa» cell of this Servicio's pending row (text) and the page's HTML."""
    client.force_login(usuario)
    html = client.get(reverse(URL)).content.decode()
    pendientes = html.split("Documentos que sigo")[0]
    [fila] = [f for f, s in zip(*_filas_y_siglas(html), strict=True) if s == sigla]
    return fila[2], pendientes


def _filas_y_siglas(html):
    filas = filas_de(html, "t-pendientes")
    return filas, siglas(filas)


def test_la_encargada_de_centro_ve_y_cuenta_solo_su_region(client, mundo):
    from diagnostico.contenido import contenido, faltantes_por_region
    from diagnostico.models import FilaCuadro2

    doc = crear_diagnostico(mundo, cuadro1=False)  # only the rows below
    informacion = FilaCuadro2.Informacion.values
    # Region I: one complete row, two of the four Cuadro I N°2 rows. Region II: a row without
    # a product and with an empty cell, no Cuadro I N°2.
    _region(mundo, doc, mundo.centro_region_i, filas=[(True, COMPLETA)], cuadro2=informacion[:2])
    _region(mundo, doc, mundo.centro_region_ii, filas=[(False, {**COMPLETA, "mejora": ""})])
    pagina = faltantes_por_region(contenido(doc))
    assert (len(pagina["I"]), len(pagina["II"])) == (2, 6)
    cuadro_i = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    cuadro_ii = reverse("diagnostico:cuadro", args=[doc.pk, "II"])
    documento = reverse("pmggt:documento", args=[doc.pk])

    celda, html = _celda_etapa(client, mundo.centro_i)
    assert f'href="{cuadro_i}"' in html and f'href="{documento}"' in html
    assert cuadro_ii not in html
    assert "Cuadros de su región: I Región de Tarapacá" in celda
    assert "Su parte (Región I): 2 pendientes" in celda
    # The list is the document page's, for her region only.
    for falta in pagina["I"]:
        assert falta in celda
    assert "Cuadro I N°1 sin filas" not in celda and "no indica su producto" not in celda
    assert insignia(html) == 1  # the badge still counts documents

    celda, html = _celda_etapa(client, mundo.centro_ii)
    assert f'href="{cuadro_ii}"' in html and cuadro_i not in html
    assert "Su parte (Región II): 6 pendientes" in celda
    assert "Cuadro I N°1: una fila no indica su producto" in celda

    # Region I completes its Cuadro I N°2: her part says so, instead of a count.
    _region(mundo, doc, mundo.centro_region_i, cuadro2=informacion[2:])
    celda, html = _celda_etapa(client, mundo.centro_i)
    assert "Su parte (Región I) está completa" in celda and "pendiente" not in celda
    assert f'href="{cuadro_i}"' in html
    # A Cuadro I N°2 declared «no pertinente» is not missing anywhere.
    diagnostico = doc.diagnostico
    diagnostico.cuadro2_no_pertinente = True
    diagnostico.cuadro2_motivo = "No aplica."
    with actuando_como(mundo.encargada):
        diagnostico.save()
    celda, _ = _celda_etapa(client, mundo.centro_ii)
    assert "Su parte (Región II): 2 pendientes" in celda
    assert len(faltantes_por_region(contenido(doc))["II"]) == 2

    # The Encargada GT keeps her row as it was: the document page has every region's summary.
    celda, html = _celda_etapa(client, mundo.encargada)
    assert celda == "Etapa I – Diagnóstico 2009"
    assert "/cuadros/" not in html and "Su parte" not in html


def test_la_parte_de_la_encargada_de_centro_solo_mientras_esta_en_borrador(client, mundo):
    doc = crear_diagnostico(mundo)
    otro = crear_diagnostico(mundo, servicio=mundo.otro_servicio)  # no Centro of hers
    _region(mundo, doc, mundo.centro_region_i, filas=[(True, COMPLETA)])
    client.force_login(mundo.centro_i)
    html = client.get(reverse(URL)).content.decode()
    assert siglas(filas_de(html, "t-pendientes")) == ["SERV-A"]
    assert reverse("pmggt:documento", args=[otro.pk]) not in html
    llevar_a(mundo, doc, Estado.EN_REVISION_JEFE)
    html = client.get(reverse(URL)).content.decode()
    # In review it no longer waits for her, and what she follows has no part summary.
    assert filas_de(html, "t-pendientes") == [] and "Su parte" not in html
    assert siglas(filas_de(html, "t-sigo")) == ["SERV-A"] and "/cuadros/" not in html


def test_mis_pendientes_de_la_encargada_de_centro_en_consultas_constantes(
    client, mundo, django_assert_max_num_queries
):
    """The same number of queries with one and with four Diagnósticos in Borrador (with rows
    in her region and in the other), at most MAXIMO_CONSULTAS."""
    from diagnostico.models import FilaCuadro2

    url = reverse(URL)

    def nuevo(ciclo=None):
        doc = crear_diagnostico(mundo, ciclo=ciclo, cuadro1=False)  # only the rows below
        for centro in (mundo.centro_region_i, mundo.centro_region_ii):
            _region(
                mundo,
                doc,
                centro,
                filas=[(True, COMPLETA), (False, {**COMPLETA, "objetivo": ""})],
                cuadro2=FilaCuadro2.Informacion.values[:1],
            )
        return doc

    nuevo()
    client.force_login(mundo.centro_i)
    uno = contar_consultas(client, url, django_assert_max_num_queries)
    for anio in (2010, 2011, 2012):
        nuevo(CicloFactory(anio=anio))
    cuatro = contar_consultas(client, url, django_assert_max_num_queries)
    html = client.get(url).content.decode()
    assert html.count("Su parte (Región I): 5 pendientes") == 4
    print(f"\nconsultas mis_pendientes centro_i: {uno} (1) / {cuatro} (4)")
    assert uno == cuatro
