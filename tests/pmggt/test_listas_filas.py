"""The rows of Mis pendientes and the documents list, written in Python (views_listas): what each
row shows to each reader (links, versions, observaciones), escaping, the «Iniciar …» form and its
CSRF token, the pages of what a person follows (read by Ciclo) and out-of-range page numbers, as
the paginator would give them.

Helpers come from test_pendientes.py (``filas_de``, ``siglas``, ``ampliar``, ``diagnostico_de``).
"""

import io
import re

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from pmggt import etapas, permisos, selectors, services
from pmggt.historia import actuando_como
from pmggt.informes.excel import FILA_ENCABEZADO
from pmggt.models import Ciclo, Documento, GrupoRol
from tests.conftest import crear_diagnostico, llevar_a
from tests.fabricas import CicloFactory, ServicioFactory
from tests.pmggt.test_pendientes import (
    ampliar,
    contar_consultas,
    diagnostico_de,
    etapa_dos,  # noqa: F401 (fixture)
    filas_de,
    refrescar_personas,
    siglas,
)

Estado = Documento.Estado
Tipo = GrupoRol.Tipo
PENDIENTES = "pmggt:mis_pendientes"
LISTA = "pmggt:documento_lista"


def _html(client, nombre=PENDIENTES, **consulta) -> str:
    respuesta = client.get(reverse(nombre), consulta)
    assert respuesta.status_code == 200
    return respuesta.content.decode()


def _pares(filas) -> list[tuple[str, str]]:
    """(sigla, año) of each row."""
    return [(s, f[1]) for s, f in zip(siglas(filas), filas, strict=True)]


def _fresco(usuario):
    return get_user_model().objects.get(pk=usuario.pk)


# --- What each reader sees in a row --------------------------------------------------------------


def test_un_lector_de_dos_mundos_ve_la_revision_solo_de_lo_suyo(client, mundo):
    """The GORE of region I who is also Encargada GT of Servicio B: her own Servicio's rows have
    the link, the draft version and the open observaciones; Servicio A's (her region, not hers)
    only the visado record, no link before the visación and never the observaciones."""
    with actuando_como(mundo.admin):
        services.rol_asignar(usuario=mundo.gore, tipo=Tipo.ENCARGADO_GT, objeto=mundo.otro_servicio)
    gore = _fresco(mundo.gore)
    a = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    services.observacion_crear(documento=a, autor=mundo.experta, texto="Revisar A.")
    b = crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    for texto in ("Uno.", "Dos."):
        services.observacion_crear(documento=b, autor=mundo.experta_ajena, texto=texto)
    client.force_login(gore)
    html = _html(client)
    # Servicio B's Borrador waits for her, with its link and its two open observaciones.
    [propia] = filas_de(html, "t-pendientes")
    assert siglas([propia]) == ["SERV-B"] and propia[4:6] == ["—", "2"]
    assert f'href="{reverse("pmggt:documento", args=[b.pk])}"' in html
    # Servicio A's document in visación: no link yet, no version, no observaciones count.
    [ajena] = filas_de(html, "t-sigo")
    assert siglas([ajena]) == ["SERV-A"]
    assert ajena[2].startswith("Etapa I – Diagnóstico 2009")
    assert "Se podrá consultar cuando esté visado." in ajena[2]
    assert ajena[3:6] == ["En visación SUBDERE", "—", "—"]
    assert reverse("pmggt:documento", args=[a.pk]) not in html
    # The documents list and its Excel say the same.
    filas = filas_de(_html(client, LISTA))
    filas = dict(zip(siglas(filas), filas, strict=True))
    assert filas["SERV-B"][4:6] == ["—", "2"] and filas["SERV-A"][4:6] == ["—", "—"]
    respuesta = client.get(reverse(LISTA), {"formato": "xlsx"})
    ws = load_workbook(io.BytesIO(respuesta.content))["Documentos"]
    por_sigla = {
        f[1]: f for f in ws.iter_rows(min_row=FILA_ENCABEZADO + 1, values_only=True) if f[0]
    }
    assert por_sigla["SERV-B"][7] == 2 and por_sigla["SERV-B"][9].endswith(f"/documentos/{b.pk}/")
    assert por_sigla["SERV-A"][5] is None and por_sigla["SERV-A"][7] is None
    assert not por_sigla["SERV-A"][9]  # no link
    # Once visada, Servicio A's row opens, shows the visada version, still no observaciones.
    a = llevar_a(mundo, a, Estado.VISADO)
    html = _html(client)
    [ajena] = filas_de(html, "t-sigo")
    assert ajena[4:6] == ["v1 (visada)", "—"]
    assert f'href="{reverse("pmggt:documento", args=[a.pk])}"' in html


def test_quien_visa_sin_ver_el_servicio_no_recibe_la_revision(client, mundo):
    """A visar grant without ver_documentos (not a role, a bare object grant): the document waits
    for her, but her row is that of a reader outside the Servicio, as before."""
    usuaria = get_user_model().objects.create_user(username="solo.visa")
    assign_perm("pmggt.visar_documentos", usuaria, mundo.servicio)
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_VISACION)
    services.observacion_crear(documento=doc, autor=mundo.experta, texto="Revisar.")
    permisos.olvidar(usuaria)
    assert list(selectors.documentos_pendientes_para(usuaria)) == [doc]
    client.force_login(usuaria)
    html = _html(client)
    [fila] = filas_de(html, "t-pendientes")
    assert fila[3:6] == ["En visación SUBDERE", "—", "—"]
    assert reverse("pmggt:documento", args=[doc.pk]) not in html
    assert "badge-danger" not in html


def test_los_textos_del_servicio_van_escapados(client, mundo):
    """A Servicio's name and sigla are text: every list escapes them (rows, «No iniciado» rows
    and the «Iniciar …» button)."""
    with actuando_como(mundo.admin):
        raro = ServicioFactory(sigla="<S&A>", nombre="<b>Servicio \"raro\" & 'co'</b>")
        services.rol_asignar(usuario=mundo.encargada, tipo=Tipo.ENCARGADO_GT, objeto=raro)
    refrescar_personas(mundo)
    nombre = "&lt;b&gt;Servicio &quot;raro&quot; &amp; &#x27;co&#x27;&lt;/b&gt;"
    client.force_login(mundo.encargada)
    html = _html(client)  # Servicio «raro» has no Diagnóstico: «No iniciado», with «Iniciar»
    assert f"<td>{nombre} <small" in html and "(&lt;S&amp;A&gt;)" in html
    assert '<span class="sr-only"> de &lt;S&amp;A&gt;</span>' in html
    assert "<b>Servicio" not in html and "<S&A>" not in html
    services.documento_crear(servicio=raro, ciclo=mundo.ciclo, etapa=1, actor=mundo.encargada)
    for html in (_html(client), _html(client, LISTA)):
        assert f"<td>{nombre} <small" in html
        assert "<b>Servicio" not in html and "<S&A>" not in html


def test_el_formulario_iniciar_lleva_su_token_csrf(mundo):
    """The «Iniciar …» form is written in Python: it posts with the page's CSRF token, under
    the CSRF check, and starts the document."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(mundo.encargada)
    html = _html(client)
    [(accion, cuerpo)] = re.findall(
        r'<form method="post" action="([^"]+)" class="d-inline">(.*?)</form>', html
    )
    assert accion == reverse("pmggt:documento_crear")
    datos = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', cuerpo))
    assert set(datos) == {"csrfmiddlewaretoken", "servicio", "ciclo", "etapa"}
    assert datos["servicio"] == str(mundo.servicio.pk) and datos["etapa"] == "1"
    assert "Iniciar Diagnóstico 2009" in cuerpo
    sin_token = {k: v for k, v in datos.items() if k != "csrfmiddlewaretoken"}
    assert client.post(accion, sin_token).status_code == 403
    assert client.post(accion, datos).status_code == 302
    assert Documento.objects.filter(servicio=mundo.servicio, ciclo=mundo.ciclo).exists()


# --- Pages of what a person follows: read Ciclo by Ciclo ------------------------------------------


def _jefe_con_ciclos(mundo):
    """The Jefe follows 18 Diagnósticos of 2009 (open; 6 more wait for her), and 12 of each of
    2010 (open) and 2008 (closed): 42 rows, open Ciclos first and the newest first (2010, 2009,
    2008), so both pages cross from one Ciclo to the next."""
    ampliar(mundo, 0, 30, observaciones=1)
    servicios = [
        d.servicio
        for d in Documento.objects.filter(servicio__sigla__startswith="SERV-X")
        .select_related("servicio")
        .order_by("servicio__sigla")[:12]
    ]
    for anio, abierto in ((2010, True), (2008, False)):
        ciclo = CicloFactory(anio=anio)
        for servicio in servicios:
            diagnostico_de(mundo, servicio, ciclo)
        ciclo.abierto = abierto
        ciclo.save()
    return _fresco(mundo.jefe)


def test_las_paginas_de_lo_que_sigo_cruzan_de_un_ciclo_a_otro(client, mundo):
    jefe = _jefe_con_ciclos(mundo)
    esperado = [
        (d.servicio.sigla, str(d.ciclo.anio))
        for d in selectors.documentos_seguidos_por(jefe).select_related("servicio", "ciclo")
    ]
    assert [a for _s, a in esperado] == ["2010"] * 12 + ["2009"] * 18 + ["2008"] * 12
    client.force_login(jefe)
    primera = _html(client)
    segunda = _html(client, pagina=2)
    assert _pares(filas_de(primera, "t-sigo")) == esperado[:25]
    assert _pares(filas_de(segunda, "t-sigo")) == esperado[25:]
    assert 'Documentos que sigo <span class="badge badge-secondary">42</span>' in primera
    assert "Página 1 de 2" in primera and "Página 2 de 2" in segunda
    # What waits for her (in revision) is never among what she follows.
    assert len(filas_de(primera, "t-pendientes")) == 6
    # Out-of-range and malformed numbers: what Paginator.get_page gives (last or first page).
    for pagina, filas in (("999", esperado[25:]), ("0", esperado[25:]), ("-1", esperado[25:])):
        assert _pares(filas_de(_html(client, pagina=pagina), "t-sigo")) == filas, pagina
    for pagina in ("x", "2.0", ""):
        assert _pares(filas_de(_html(client, pagina=pagina), "t-sigo")) == esperado[:25], pagina


def test_paginas_de_lo_que_sigo_en_consultas_constantes(
    client, mundo, django_assert_max_num_queries
):
    jefe = _jefe_con_ciclos(mundo)
    client.force_login(jefe)
    url = reverse(PENDIENTES)
    primera = contar_consultas(client, url, django_assert_max_num_queries)
    assert contar_consultas(client, f"{url}?pagina=2", django_assert_max_num_queries) == primera


def test_lista_paginas_fuera_de_rango(client, mundo, django_assert_max_num_queries):
    creados = [crear_diagnostico(mundo, ciclo=CicloFactory(anio=2010 + i)) for i in range(30)]
    client.force_login(mundo.admin)
    url = reverse(LISTA)

    def ids(**consulta):
        return [
            int(x)
            for x in re.findall(r'<a href="/documentos/(\d+)/">', _html(client, LISTA, **consulta))
        ]

    primera, ultima = ids(), ids(pagina=2)
    assert len(primera) == 25 and len(ultima) == 5
    assert set(primera) | set(ultima) == {d.pk for d in creados}
    for pagina in ("3", "999", "99999999999999999999", "0", "-3"):
        assert ids(pagina=pagina) == ultima, pagina
    for pagina in ("x", "1.0", ""):
        assert ids(pagina=pagina) == primera, pagina
    # An empty list: no page of rows to read.
    assert ids(texto="no existe") == [] and ids(texto="no existe", pagina=4) == []
    # A page in range costs the same as the first.
    uno = contar_consultas(client, url, django_assert_max_num_queries)
    assert contar_consultas(client, f"{url}?pagina=2", django_assert_max_num_queries) == uno


# --- «No iniciado»: the per-Ciclo count agrees with the rows ----------------------------------


def test_la_cuenta_de_no_iniciados_es_la_de_sus_filas(mundo, etapa_dos):  # noqa: F811
    """Mis pendientes reads how many «No iniciado» rows each Ciclo has with the Ciclos
    (``contar_iniciables``) and only then the rows (``no_iniciados``): both say the same, with a
    stage that needs another visado, closed and open Ciclos and an inactive Servicio."""
    CicloFactory(anio=2008, abierto=False)
    CicloFactory(anio=2010)
    ServicioFactory(sigla="SERV-INACTIVO", activo=False)
    ampliar(mundo, 0, 5, observaciones=0)
    llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)  # Servicio A: the Plan may start

    def comparar():
        vistos = {}
        for nombre in ("encargada", "jefe", "experta", "admin", "gore", "intruso"):
            usuario = _fresco(mundo.personas[nombre])
            servicios = selectors.servicios_supervisados_por(usuario)
            ciclos = list(
                Ciclo.objects.annotate(n=selectors.contar_iniciables(servicios, etapas.todas()))
            )
            filas = selectors.no_iniciados(
                usuario,
                servicios,
                [c for c in ciclos if c.abierto],
                etapas.todas(),
                solo_iniciables=True,
            )
            por_ciclo = {}
            for fila in filas:
                por_ciclo[fila["ciclo_pk"]] = por_ciclo.get(fila["ciclo_pk"], 0) + 1
            assert {c.pk: c.n for c in ciclos if c.n} == por_ciclo, nombre
            vistos[nombre] = sum(por_ciclo.values())
        return vistos

    antes = comparar()
    # 2009: Diagnósticos of B and X04, Plans of A and X03 (Diagnóstico visado); 2010: every
    # active Servicio's Diagnóstico (A, B, X00-X04; no Plan before its Diagnóstico 2010).
    assert antes == {
        "encargada": 1 + 2 + 6,
        "jefe": 1 + 2 + 6,
        "experta": 1 + 2 + 6,
        "admin": 2 + 2 + 7,
        "gore": 0,
        "intruso": 2,
    }
    Ciclo.objects.filter(anio=2010).update(abierto=False)
    despues = comparar()
    assert despues["admin"] == 2 + 2 and despues["encargada"] == 1 + 2
