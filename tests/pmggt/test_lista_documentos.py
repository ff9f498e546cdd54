"""The documents list: paginated, filtered by Ciclo, Servicio, Región, Etapa and Estado (with
«No iniciado»: the Servicios without the document), sorted by any column both ways, with the
filters kept across pages and sorts, and in a constant number of queries whatever the number of
documents, Servicios and observaciones."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pmggt import services
from pmggt.historia import actuando_como
from pmggt.models import Ciclo, Documento, GrupoRol
from tests.conftest import PERSONAS, crear_diagnostico, llevar_a
from tests.fabricas import CicloFactory, ServicioFactory
from tests.pmggt.test_pendientes import (
    LOGIN,
    PERSONAS_CONSULTAS,
    ampliar,
    contar_consultas,
    etapa_dos,  # noqa: F401 (fixture)
    filas_de,
    siglas,
)

Estado = Documento.Estado
Tipo = GrupoRol.Tipo
FILA = re.compile(r'<a href="/documentos/(\d+)/">')
URL = "pmggt:documento_lista"


def _ids(html: str) -> list[int]:
    return [int(x) for x in FILA.findall(html)]


def _documentos(mundo, n: int, servicio=None):
    servicio = servicio or mundo.servicio
    return [
        crear_diagnostico(mundo, servicio=servicio, ciclo=CicloFactory(anio=2010 + i))
        for i in range(n)
    ]


def _filas(client, **filtros):
    respuesta = client.get(reverse(URL), filtros)
    assert respuesta.status_code == 200
    return filas_de(respuesta.content.decode())


def _pares(filas) -> list[tuple[str, str]]:
    """(sigla, año) of each row."""
    return [(s, f[1]) for s, f in zip(siglas(filas), filas, strict=True)]


def test_anonimo_va_al_ingreso(client):
    for consulta in ({}, {"estado": "no_iniciado"}, {"formato": "xlsx"}):
        respuesta = client.get(reverse(URL), consulta)
        assert respuesta.status_code == 302
        assert respuesta["Location"].startswith(f"{LOGIN}?next=")


def test_lista_paginada_y_en_orden(client, mundo):
    creados = _documentos(mundo, 30)
    client.force_login(mundo.admin)
    url = reverse(URL)
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


def test_los_filtros_se_conservan_al_paginar_y_al_ordenar(client, mundo):
    _documentos(mundo, 30)
    client.force_login(mundo.admin)
    html = client.get(
        reverse(URL), {"texto": "serv-a", "estado": "borrador", "orden": "servicio"}
    ).content.decode()
    # The pager keeps every filter and the order; the sort links keep the filters, not the page.
    assert 'href="?texto=serv-a&amp;estado=borrador&amp;orden=servicio&amp;pagina=2"' in html
    assert 'href="?texto=serv-a&amp;estado=borrador&amp;orden=-servicio"' in html
    segunda = client.get(
        reverse(URL), {"texto": "serv-a", "estado": "borrador", "orden": "servicio", "pagina": 2}
    ).content.decode()
    assert len(filas_de(segunda)) == 5
    assert 'href="?texto=serv-a&amp;estado=borrador&amp;orden=-ciclo"' in segunda
    # The Excel link carries the same filters.
    assert "texto=serv-a&amp;estado=borrador&amp;orden=servicio&amp;formato=xlsx" in segunda


def test_filtros_y_busqueda(client, mundo):
    a = _documentos(mundo, 2)
    b = _documentos(mundo, 1, servicio=mundo.otro_servicio)
    llevar_a(mundo, a[0], Estado.EN_REVISION_JEFE)
    client.force_login(mundo.admin)
    url = reverse(URL)

    def ids(**filtros):
        return set(_ids(client.get(url, filtros).content.decode()))

    assert ids(texto="serv-b") == {b[0].pk}
    assert ids(texto="Servicio A") == {d.pk for d in a}
    assert ids(texto="  SERV-A ") == {d.pk for d in a}
    assert ids(estado=Estado.EN_REVISION_JEFE) == {a[0].pk}
    assert ids(estado=Estado.VISADO) == set()
    assert ids(ciclo=a[1].ciclo.pk) == {a[1].pk}
    assert ids(ciclo=a[0].ciclo.pk, texto="serv-b") == {b[0].pk}  # same 2010 Ciclo
    assert ids(region=mundo.regiones[1].pk) == {d.pk for d in a}  # Servicio A has a Centro in II
    assert ids(region=mundo.regiones[2].pk) == set()
    assert ids(etapa=1) == {d.pk for d in (*a, *b)}
    # Invalid values are ignored one by one, not an error (the valid filters still apply).
    assert ids(etapa="x", region="999999", texto="serv-b") == {b[0].pk}
    assert ids(ciclo="999999", estado="otro", orden="nada") == {d.pk for d in (*a, *b)}


def test_un_servicio_regional_por_su_region(client, mundo):
    regional = ServicioFactory(
        sigla="SERVIU-III", nombre="SERVIU Atacama", region=mundo.regiones[2]
    )
    with actuando_como(mundo.admin):
        services.rol_asignar(usuario=mundo.encargada, tipo=Tipo.ENCARGADO_GT, objeto=regional)
    doc = services.documento_crear(
        servicio=regional, ciclo=mundo.ciclo, etapa=1, actor=mundo.encargada
    )
    client.force_login(mundo.admin)
    html = client.get(reverse(URL), {"region": mundo.regiones[2].pk}).content.decode()
    assert _ids(html) == [doc.pk]
    assert siglas(filas_de(html)) == ["SERVIU-III"]


# Documents: A 2009 Visado, A 2010 Borrador, B 2009 Borrador.
VE = {
    "encargada": {("SERV-A", "2009"), ("SERV-A", "2010")},
    "intruso": {("SERV-B", "2009")},
    "centro_i": {("SERV-A", "2009"), ("SERV-A", "2010")},
    "centro_ii": {("SERV-A", "2009"), ("SERV-A", "2010")},
    "jefe": {("SERV-A", "2009"), ("SERV-A", "2010")},
    "experta": {("SERV-A", "2009"), ("SERV-A", "2010")},
    "experta_ajena": {("SERV-B", "2009")},
    "gore": {("SERV-A", "2009"), ("SERV-A", "2010")},
    "gore_ajeno": set(),
    "admin": {("SERV-A", "2009"), ("SERV-A", "2010"), ("SERV-B", "2009")},
}


def _mundo_de_tres(mundo):
    visado = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    services.observacion_crear(documento=visado, autor=mundo.experta, texto="Para el próximo.")
    borrador = crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010))
    otro = crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    return visado, borrador, otro


@pytest.mark.parametrize("persona", PERSONAS)
def test_cada_persona_ve_exactamente_sus_filas(client, mundo, persona):
    visado, borrador, otro = _mundo_de_tres(mundo)
    client.force_login(mundo.personas[persona])
    filas = _pares(_filas(client))
    assert set(filas) == VE[persona] and len(filas) == len(VE[persona])
    # With any filter, never another Servicio's document.
    for filtros in ({"texto": "serv"}, {"region": mundo.regiones[0].pk}, {"etapa": 1}):
        assert set(_pares(_filas(client, **filtros))) <= VE[persona]


def test_un_gore_ve_el_registro_visado_sin_observaciones(client, mundo):
    visado, borrador, _otro = _mundo_de_tres(mundo)
    client.force_login(mundo.gore)
    html = client.get(reverse(URL)).content.decode()
    filas = {f[1]: f for f in filas_de(html)}
    assert reverse("pmggt:documento", args=[visado.pk]) in html
    assert reverse("pmggt:documento", args=[borrador.pk]) not in html
    assert "Se podrá consultar cuando esté visado." in filas["2010"][2]
    assert filas["2009"][4:6] == ["v1 (visada)", "—"]
    assert "badge-danger" not in html
    client.force_login(mundo.encargada)
    filas = {f[1]: f for f in _filas(client)}
    assert filas["2009"][4:6] == ["v1", "1"]


def test_ordenes_en_ambos_sentidos(client, mundo):
    a_2009 = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    b_2009 = crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    a_2010 = llevar_a(mundo, crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010)), Estado.VISADO)
    # Distinct times in their state, oldest first: b_2009, a_2009, a_2010.
    ahora = timezone.now()
    for i, doc in enumerate((b_2009, a_2009, a_2010)):
        Documento.objects.filter(pk=doc.pk).update(
            estado_desde=ahora - timezone.timedelta(days=3 - i)
        )
    client.force_login(mundo.admin)

    def servicios_y_anios(orden):
        return _pares(_filas(client, orden=orden))

    assert servicios_y_anios("servicio") == [
        ("SERV-A", "2010"),
        ("SERV-A", "2009"),
        ("SERV-B", "2009"),
    ]
    assert servicios_y_anios("-servicio") == [
        ("SERV-B", "2009"),
        ("SERV-A", "2010"),
        ("SERV-A", "2009"),
    ]
    assert servicios_y_anios("ciclo") == [
        ("SERV-A", "2009"),
        ("SERV-B", "2009"),
        ("SERV-A", "2010"),
    ]
    assert servicios_y_anios("-ciclo") == [
        ("SERV-A", "2010"),
        ("SERV-A", "2009"),
        ("SERV-B", "2009"),
    ]
    # The chain's order: Borrador, En revisión, En visación, Visado.
    assert servicios_y_anios("estado") == [
        ("SERV-B", "2009"),
        ("SERV-A", "2009"),
        ("SERV-A", "2010"),
    ]
    assert servicios_y_anios("-estado") == [
        ("SERV-A", "2010"),
        ("SERV-A", "2009"),
        ("SERV-B", "2009"),
    ]
    assert servicios_y_anios("fecha") == [
        ("SERV-B", "2009"),
        ("SERV-A", "2009"),
        ("SERV-A", "2010"),
    ]
    assert servicios_y_anios("-fecha") == [
        ("SERV-A", "2010"),
        ("SERV-A", "2009"),
        ("SERV-B", "2009"),
    ]
    assert servicios_y_anios("etapa") == servicios_y_anios("-etapa") == servicios_y_anios("-ciclo")


def test_encabezados_ordenables_y_accesibles(client, mundo):
    crear_diagnostico(mundo)
    client.force_login(mundo.admin)
    html = client.get(
        reverse(URL), {"orden": "-servicio", "ciclo": mundo.ciclo.pk}
    ).content.decode()
    encabezados = re.findall(r"<th scope=\"col\"([^>]*)>(.*?)</th>", html)
    assert [
        re.sub(r"<[^>]+>|\s*\(ordenar [^)]*\)|[▲▼]", "", t).strip() for _a, t in encabezados
    ] == [
        "Servicio",
        "Ciclo",
        "Etapa",
        "Estado",
        "Versión",
        "Observaciones abiertas",
        "En este estado desde",
        "Plazo",
    ]
    # Exactly the sorted column says how it is sorted; its link asks for the other way.
    assert [a for a, _t in encabezados if "aria-sort" in a] == [' aria-sort="descending"']
    assert f'href="?ciclo={mundo.ciclo.pk}&amp;orden=servicio"' in html
    assert f'href="?ciclo={mundo.ciclo.pk}&amp;orden=-ciclo"' in html
    assert f'href="?ciclo={mundo.ciclo.pk}&amp;orden=fecha"' in html
    # Every filter has its label; no Django "---------" empty choice.
    for campo in ("texto", "ciclo", "etapa", "region", "estado", "orden"):
        assert f'<label class="small mb-0" for="id_{campo}">' in html, campo
        assert f'id="id_{campo}"' in html
    assert "-------" not in html
    assert "Todos los ciclos" in html and "Todas las regiones" in html
    assert "Todos los estados" in html and "No iniciado" in html
    assert "style=" not in html and "<script>" not in html
    # Without an order in the query string the select shows the one applied.
    html = client.get(reverse(URL), {"texto": "serv"}).content.decode()
    assert re.search(r'<select name="orden"[^>]*>\s*<option value="-ciclo"', html)
    # «No iniciado» rows sort by Servicio, Ciclo or Etapa; any other order is the default's.
    html = client.get(reverse(URL), {"estado": "no_iniciado", "orden": "-fecha"}).content.decode()
    assert re.findall(r'<th scope="col" aria-sort="(\w+)"><a[^>]*>(\w+)', html) == [
        ("descending", "Ciclo")
    ]


# --- «No iniciado» -----------------------------------------------------------------------------


def test_no_iniciado_lista_los_servicios_sin_documento(client, mundo):
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    ServicioFactory(sigla="SERV-INACTIVO", activo=False)
    client.force_login(mundo.admin)
    filas = _filas(client, estado="no_iniciado", etapa=1)
    # The open Ciclo (2009): Servicio A has no Diagnóstico; B has one; inactive ones do not count.
    assert [f[:4] for f in filas] == [
        ["Servicio A (SERV-A)", "2009", "Etapa I – Diagnóstico", "No iniciado"]
    ]
    assert filas[0][4] == "—"  # an administrator does not start documents
    html = client.get(reverse(URL), {"estado": "no_iniciado", "etapa": 1}).content.decode()
    assert "1 Servicio sin documento en los ciclos abiertos" in html
    # Neither has a Plan (Etapa II): listed too, though it cannot start yet.
    assert [f[:4] for f in _filas(client, estado="no_iniciado", etapa=2)] == [
        ["Servicio A (SERV-A)", "2009", "Etapa II – Plan y Programa de Trabajo", "No iniciado"],
        ["Servicio B (SERV-B)", "2009", "Etapa II – Plan y Programa de Trabajo", "No iniciado"],
    ]


def test_no_iniciado_con_filtros_y_orden(client, mundo):
    cerrado = CicloFactory(anio=2008, abierto=False)
    for i in range(3):
        ServicioFactory(sigla=f"SERV-N{i}", nombre=f"Servicio N{i}", region=mundo.regiones[2])
    client.force_login(mundo.admin)
    # A closed Ciclo, chosen: who never made it (no «Iniciar» there).
    filas = _filas(client, estado="no_iniciado", ciclo=cerrado.pk, orden="-servicio", etapa=1)
    assert siglas(filas) == ["SERV-N2", "SERV-N1", "SERV-N0", "SERV-B", "SERV-A"]
    assert {f[1] for f in filas} == {"2008"}
    uno = {"estado": "no_iniciado", "etapa": 1}
    assert siglas(_filas(client, **uno, region=mundo.regiones[2].pk)) == [
        "SERV-N0",
        "SERV-N1",
        "SERV-N2",
    ]
    assert siglas(_filas(client, **uno, region=mundo.regiones[1].pk)) == ["SERV-A"]
    assert siglas(_filas(client, **uno, texto="n1")) == ["SERV-N1"]
    assert len(_filas(client, **uno)) == 5
    # Without a Ciclo: the open ones, newest first.
    CicloFactory(anio=2010)
    filas = _filas(client, **uno, orden="-ciclo")
    assert [f[1] for f in filas] == ["2010"] * 5 + ["2009"] * 5


def test_no_iniciado_segun_quien_mira(client, mundo):
    crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010))
    esperados = {
        "encargada": ["SERV-A"],
        "intruso": ["SERV-B"],
        "centro_i": ["SERV-A"],
        "centro_ii": ["SERV-A"],
        "jefe": ["SERV-A"],
        "experta": ["SERV-A"],
        "experta_ajena": ["SERV-B"],
        "gore": ["SERV-A"],
        "gore_ajeno": [],
        "admin": ["SERV-A", "SERV-B"],
    }
    for persona, servicios in esperados.items():
        client.force_login(mundo.personas[persona])
        filas = _filas(client, estado="no_iniciado", ciclo=mundo.ciclo.pk, etapa=1)
        assert siglas(filas) == servicios, persona
        # Only the Servicio's Encargado/a GT may start it, from here too.
        botones = [f[4] for f in filas if f[4].startswith("Iniciar")]
        esperado = {"encargada": 1, "intruso": 1}.get(persona, 0)
        assert len(botones) == esperado, persona


def test_no_iniciado_de_una_etapa_que_aun_no_puede_comenzar(client, mundo, etapa_dos):  # noqa: F811
    diagnostico = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    # No Plan yet: «No iniciado», but the Plan cannot start before the Diagnóstico is Visado.
    [fila] = _filas(client, estado="no_iniciado", etapa=2)
    assert fila[2:5] == [etapa_dos.titulo, "No iniciado", "—"]
    llevar_a(mundo, diagnostico, Estado.VISADO)
    [fila] = _filas(client, estado="no_iniciado", etapa=2)
    assert fila[4] == "Iniciar Plan de prueba 2009 de SERV-A"


# --- Constant queries ---------------------------------------------------------------------------

VARIANTES = {
    "lista": {},
    "filtrada": {"region": "I", "estado": "", "orden": "-fecha", "texto": "serv"},
    "no_iniciado": {"estado": "no_iniciado", "orden": "-servicio"},
}


@pytest.mark.parametrize("persona", PERSONAS_CONSULTAS)
def test_consultas_constantes_en_el_tamano(client, mundo, django_assert_max_num_queries, persona):
    """The same number of queries with 2 and with 12 Servicios, documents and observaciones,
    for every variant of the list; at most MAXIMO_CONSULTAS."""
    region_i = mundo.regiones[0].pk

    def url(variante):
        consulta = {k: (region_i if v == "I" else v) for k, v in VARIANTES[variante].items()}
        return reverse(URL) + "?" + "&".join(f"{k}={v}" for k, v in consulta.items())

    ampliar(mundo, 0, 2)
    client.force_login(mundo.personas[persona])
    pequeno = {
        v: contar_consultas(client, url(v), django_assert_max_num_queries) for v in VARIANTES
    }
    ampliar(mundo, 2, 12)
    Ciclo.objects.create(anio=2010)  # and a second open Ciclo for «No iniciado»
    grande = {v: contar_consultas(client, url(v), django_assert_max_num_queries) for v in VARIANTES}
    print(f"\nconsultas documento_lista {persona}: {pequeno} (2) / {grande} (12)")
    assert pequeno == grande
