"""The Ciclo's calendar (issue 11, item 1): effective deadlines and extensions, countdown texts,
the administrator's editing of deadlines, periods and extensions (with history), who sees which
extension, and the countdowns in the document page and the lists, in constant queries.

Every date-dependent check runs on a fixed clock (``pmggt.calendario.hoy`` patched, or ``hoy_``
passed explicitly)."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pmggt import calendario
from pmggt.models import Documento, Plazo, Prorroga, Transicion
from tests.conftest import crear_diagnostico, huella_bd, llevar_a
from tests.pmggt.test_pendientes import ampliar, contar_consultas, filas_de, siglas

Estado = Documento.Estado
HOY = date(2009, 3, 20)
VENCE = date(2009, 3, 31)
PRORROGA = date(2009, 4, 15)


@pytest.fixture
def reloj(monkeypatch):
    """Today is HOY for every page (pmggt.calendario.hoy)."""
    monkeypatch.setattr(calendario, "hoy", lambda: HOY)
    return HOY


def _plazo(mundo, etapa=1, vence=VENCE, **kwargs):
    return Plazo.objects.create(ciclo=mundo.ciclo, etapa=etapa, vence=vence, **kwargs)


def _prorroga(mundo, plazo, servicio=None, vence=PRORROGA, motivo="Cambio de jefatura."):
    return Prorroga.objects.create(
        plazo=plazo,
        servicio=servicio or mundo.servicio,
        vence=vence,
        motivo=motivo,
        otorgada_por=mundo.admin,
    )


def _texto(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Countdown texts on a fixed date ------------------------------------------------------------


@pytest.mark.parametrize(
    "vence,texto",
    [
        (date(2009, 3, 30), "vence en 10 días"),
        (date(2009, 3, 22), "vence en 2 días"),
        (date(2009, 3, 21), "vence mañana"),
        (date(2009, 3, 20), "vence hoy"),
        (date(2009, 3, 19), "vencido hace 1 día"),
        (date(2009, 3, 10), "vencido hace 10 días"),
    ],
)
def test_cuenta_regresiva(vence, texto):
    assert calendario.cuenta_regresiva(vence, HOY) == texto
    assert calendario.cuenta_regresiva(None, HOY) == ""


def _efectivo(vence=VENCE, prorroga=None):
    plazo = Plazo(etapa=1, vence=vence)
    p = Prorroga(vence=prorroga) if prorroga else None
    return calendario.PlazoEfectivo(prorroga or vence, plazo, p)


@pytest.mark.parametrize(
    "efectivo,opciones,texto,clase",
    [
        (_efectivo(date(2009, 4, 30)), {}, "vence en 41 días", "vence-plazo"),
        (_efectivo(date(2009, 3, 27)), {}, "vence en 7 días", "vence-pronto"),
        (_efectivo(date(2009, 3, 20)), {}, "vence hoy", "vence-pronto"),
        (_efectivo(date(2009, 3, 21)), {}, "vence mañana", "vence-pronto"),
        (_efectivo(date(2009, 3, 17)), {}, "vencido hace 3 días", "vence-atrasado"),
        # Visado: no more countdown, on time or with its days late.
        (_efectivo(date(2009, 3, 1)), {"visado": True}, "visado", "vence-visado"),
        (
            _efectivo(date(2009, 3, 1)),
            {"visado": True, "visado_el": date(2009, 3, 1)},
            "visado",
            "vence-visado",
        ),
        (
            _efectivo(date(2009, 3, 1)),
            {"visado": True, "visado_el": date(2009, 3, 2)},
            "visado con 1 día de atraso",
            "vence-visado-tarde",
        ),
        (
            _efectivo(date(2009, 3, 1)),
            {"visado": True, "visado_el": date(2009, 3, 15)},
            "visado con 14 días de atraso",
            "vence-visado-tarde",
        ),
        # An extension: the countdown runs to its date.
        (_efectivo(VENCE, PRORROGA), {}, "vence en 26 días", "vence-plazo"),
    ],
)
def test_vencimiento_textos_y_clases(efectivo, opciones, texto, clase):
    v = calendario.vencimiento(efectivo, hoy_=HOY, **opciones)
    assert (v.texto, v.clase) == (texto, clase)
    html = calendario.html_vence(v)
    assert f'class="vence {clase}"' in html and texto in html
    # The date in the title.
    assert f'title="Plazo: {calendario.fecha(efectivo.vence)}"' in html or "prórroga al" in html


def test_prorroga_en_el_texto():
    v = calendario.vencimiento(_efectivo(VENCE, PRORROGA), hoy_=HOY)
    html = calendario.html_vence(v, con_fecha=True)
    assert "(prórroga al 15-04-2009)" in html
    assert "Plazo del ciclo: 31-03-2009; prórroga al 15-04-2009" in html
    assert '<span class="fecha-plazo">15-04-2009</span>' in html
    assert calendario.html_vence(None) == ""
    assert "Sin plazo" in calendario.html_vence(None, con_fecha=True)


# --- An extension moves exactly one Servicio's deadline -----------------------------------------


def test_una_prorroga_mueve_solo_el_plazo_de_un_servicio(mundo, django_assert_num_queries):
    plazo = _plazo(mundo)
    _prorroga(mundo, plazo)
    _plazo(mundo, etapa=2, vence=date(2009, 6, 30))
    a, b, c = mundo.servicio.pk, mundo.otro_servicio.pk, mundo.ciclo.pk
    with django_assert_num_queries(1):
        plazos = calendario.plazos_de([(a, c, 1), (b, c, 1), (a, c, 2), (b, c, 3)])
    assert plazos[(a, c, 1)].vence == PRORROGA
    assert plazos[(a, c, 1)].original == VENCE
    assert plazos[(a, c, 1)].prorroga.motivo == "Cambio de jefatura."
    assert plazos[(b, c, 1)].vence == VENCE and plazos[(b, c, 1)].prorroga is None
    assert plazos[(a, c, 2)].vence == date(2009, 6, 30) and plazos[(a, c, 2)].prorroga is None
    assert (b, c, 3) not in plazos  # no deadline for Etapa III
    with django_assert_num_queries(0):
        assert calendario.plazos_de([]) == {}
    # The whole table (the Excel export) says the same, in one query.
    with django_assert_num_queries(1):
        tabla = calendario.tabla_plazos()
    assert tabla.de(a, c, 1).vence == PRORROGA and tabla.de(b, c, 1).vence == VENCE
    assert tabla.de(a, c, 4) is None


def test_la_prorroga_en_la_pagina_del_documento_y_en_las_listas(client, mundo, reloj):
    plazo = _plazo(mundo)
    _prorroga(mundo, plazo)
    doc_a = crear_diagnostico(mundo)
    doc_b = crear_diagnostico(mundo, servicio=mundo.otro_servicio)

    client.force_login(mundo.encargada)
    html = _texto(client.get(reverse("pmggt:documento", args=[doc_a.pk])).content.decode())
    assert "Plazo de la etapa: 31-03-2009 · vence en 26 días (prórroga al 15-04-2009)" in html
    client.force_login(mundo.intruso)
    html = _texto(client.get(reverse("pmggt:documento", args=[doc_b.pk])).content.decode())
    assert "Plazo de la etapa: 31-03-2009 · vence en 11 días" in html
    assert "prórroga" not in html

    client.force_login(mundo.admin)
    filas = filas_de(client.get(reverse("pmggt:documento_lista")).content.decode())
    plazos = dict(zip(siglas(filas), (f[7] for f in filas), strict=True))
    assert plazos["SERV-A"] == "15-04-2009vence en 26 días (prórroga al 15-04-2009)"
    assert plazos["SERV-B"] == "31-03-2009vence en 11 días"

    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    [fila] = filas_de(html, "t-pendientes")
    assert fila[7] == "15-04-2009vence en 26 días (prórroga al 15-04-2009)"
    client.force_login(mundo.intruso)
    [fila] = filas_de(client.get(reverse("pmggt:mis_pendientes")).content.decode(), "t-pendientes")
    assert fila[7] == "31-03-2009vence en 11 días"


def test_no_iniciado_con_su_plazo(client, mundo, reloj):
    """A Servicio without its Diagnóstico: «No iniciado» with the deadline it has (late here)."""
    _plazo(mundo, vence=date(2009, 3, 10))
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    [fila] = filas_de(html, "t-no-iniciados")
    assert fila[3] == "No iniciado"
    assert fila[5] == "10-03-2009vencido hace 10 días"
    assert 'class="vence vence-atrasado"' in html
    client.force_login(mundo.admin)
    html = client.get(reverse("pmggt:documento_lista"), {"estado": "no_iniciado", "etapa": 1})
    html = html.content
    filas = filas_de(html.decode())
    assert {f[5] for f in filas} == {"10-03-2009vencido hace 10 días"}


def _visar_el(documento, dia: date) -> None:
    """Date the document's «visar» (Transicion is immutable: a queryset update, for the test)."""
    momento = timezone.make_aware(datetime.combine(dia, datetime.min.time()).replace(hour=12))
    Transicion.objects.filter(documento=documento, accion=Transicion.Accion.VISAR).update(
        fecha=momento
    )


def test_visado_a_tiempo_y_con_atraso(client, mundo, reloj):
    from tests.fabricas import CicloFactory

    _plazo(mundo, vence=date(2009, 3, 1))
    a_tiempo = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    _visar_el(a_tiempo, date(2009, 3, 1))
    ciclo_2010 = CicloFactory(anio=2010)
    Plazo.objects.create(ciclo=ciclo_2010, etapa=1, vence=date(2009, 3, 1))
    tarde = llevar_a(mundo, crear_diagnostico(mundo, ciclo=ciclo_2010), Estado.VISADO)
    _visar_el(tarde, date(2009, 3, 6))

    assert calendario.atraso_al_visar([a_tiempo, tarde]) == {a_tiempo.pk: 0, tarde.pk: 5}

    client.force_login(mundo.admin)
    filas = filas_de(client.get(reverse("pmggt:documento_lista")).content.decode())
    assert {f[1]: f[7] for f in filas} == {
        "2009": "01-03-2009visado",
        "2010": "01-03-2009visado con 5 días de atraso",
    }
    html = _texto(client.get(reverse("pmggt:documento", args=[tarde.pk])).content.decode())
    assert "Plazo de la etapa: 01-03-2009 · visado con 5 días de atraso" in html
    # The GORE of region I reads Servicio A's visado document in «Mi región», with its plazo.
    client.force_login(mundo.gore)
    html = _texto(client.get(reverse("pmggt:mi_region")).content.decode())
    assert "01-03-2009 visado" in html


def test_excel_con_plazo_y_vence(client, mundo, reloj):
    import io

    from openpyxl import load_workbook

    from pmggt.informes.excel import FILA_ENCABEZADO

    plazo = _plazo(mundo)
    _prorroga(mundo, plazo)
    crear_diagnostico(mundo)
    crear_diagnostico(mundo, servicio=mundo.otro_servicio)
    client.force_login(mundo.admin)
    respuesta = client.get(reverse("pmggt:documento_lista"), {"formato": "xlsx"})
    ws = load_workbook(io.BytesIO(respuesta.content)).active
    encabezado = [c.value for c in ws[FILA_ENCABEZADO]]
    assert encabezado[-2:] == ["Plazo", "Vence"]
    filas = {f[1]: f[-2:] for f in ws.iter_rows(min_row=FILA_ENCABEZADO + 1, values_only=True)}
    assert filas["SERV-A"][0].date() == PRORROGA
    assert filas["SERV-A"][1] == "vence en 26 días (prórroga al 15-04-2009)"
    assert filas["SERV-B"][0].date() == VENCE and filas["SERV-B"][1] == "vence en 11 días"


# --- The calendar page and who sees which extension ---------------------------------------------

VE_PRORROGA = {
    "encargada": {"SERV-A"},
    "centro_i": {"SERV-A"},
    "centro_ii": {"SERV-A"},
    "jefe": {"SERV-A"},
    "experta": {"SERV-A"},
    "gore": {"SERV-A"},  # region I: Servicio A has a Centro there
    "intruso": {"SERV-B"},
    "experta_ajena": {"SERV-B"},
    "gore_ajeno": set(),
    "admin": {"SERV-A", "SERV-B"},
}


@pytest.mark.parametrize("persona", sorted(VE_PRORROGA))
def test_cada_persona_ve_solo_las_prorrogas_que_le_conciernen(client, mundo, reloj, persona):
    plazo = _plazo(mundo)
    _prorroga(mundo, plazo, motivo="Motivo de A.")
    _prorroga(mundo, plazo, servicio=mundo.otro_servicio, motivo="Motivo de B.")
    client.force_login(mundo.personas[persona])
    for url in (
        reverse("pmggt:calendario"),
        reverse("pmggt:calendario_ciclo", args=[2009]),
    ):
        html = client.get(url).content.decode()
        filas = filas_de(html, "t-prorrogas")
        vistas = {s for s in ("SERV-A", "SERV-B") if f"({s})" in "".join(html.split())}
        assert vistas == VE_PRORROGA[persona]
        assert ("Motivo de A." in html) == ("SERV-A" in VE_PRORROGA[persona])
        assert ("Motivo de B." in html) == ("SERV-B" in VE_PRORROGA[persona])
        assert len(filas) == len(VE_PRORROGA[persona])
        # Only the administrator sees the edit buttons.
        es_admin = persona == "admin"
        assert (reverse("pmggt:calendario_editar", args=[2009]) in html) == es_admin
        assert (reverse("pmggt:prorroga_nueva", args=[2009]) in html) == es_admin
        assert ("/calendario/prorrogas/" in html) == es_admin


def test_el_calendario_lista_las_cuatro_etapas_y_los_periodos(client, mundo, reloj):
    _plazo(mundo, etapa=1, vence=date(2009, 3, 31))
    _plazo(mundo, etapa=3, vence=date(2009, 10, 30))
    _plazo(mundo, etapa=3, periodo=1, nombre="Primer informe de avance", vence=date(2009, 7, 1))
    _plazo(mundo, etapa=3, periodo=2, nombre="Segundo informe", vence=date(2009, 11, 15))
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:calendario")).content.decode()
    texto = _texto(html)
    assert "Calendario del ciclo 2009" in texto
    for titulo, _ in [(t, n) for n, t in Documento.Etapa.choices]:
        assert titulo in texto
    assert "Etapa I – Diagnóstico 31-03-2009 vence en 11 días" in texto
    assert "Etapa II – Plan y Programa de Trabajo Sin plazo definido" in texto
    assert "Primer informe de avance 01-07-2009 vence en 103 días" in texto
    assert "Segundo informe 15-11-2009" in texto
    assert "Aún no disponible en el sistema." in texto  # Etapas III and IV not registered yet


def test_calendario_sin_ciclos_y_ciclo_inexistente(client, mundo):
    client.force_login(mundo.encargada)
    assert client.get(reverse("pmggt:calendario_ciclo", args=[1999])).status_code == 404
    mundo.ciclo.documentos.all().delete()
    Documento.objects.all().delete()
    from pmggt.models import Ciclo

    Ciclo.objects.all().delete()
    respuesta = client.get(reverse("pmggt:calendario"))
    assert respuesta.status_code == 200
    assert "Aún no hay ciclos" in respuesta.content.decode()


# --- Editing deadlines and periods ---------------------------------------------------------------


def _datos_calendario(etapas=None, periodos=(), iniciales=0):
    datos = {f"etapa_{e}": "" for e in (1, 2, 3, 4)}
    datos |= {f"etapa_{e}": v for e, v in (etapas or {}).items()}
    datos |= {
        "periodos-TOTAL_FORMS": str(len(periodos)),
        "periodos-INITIAL_FORMS": str(iniciales),
        "periodos-MIN_NUM_FORMS": "0",
        "periodos-MAX_NUM_FORMS": "1000",
    }
    for i, p in enumerate(periodos):
        for clave, valor in p.items():
            datos[f"periodos-{i}-{clave}"] = valor
    return datos


def test_el_administrador_guarda_plazos_y_periodos_con_historial(client, mundo):
    client.force_login(mundo.admin)
    url = reverse("pmggt:calendario_editar", args=[2009])
    assert client.get(url).status_code == 200
    respuesta = client.post(
        url,
        _datos_calendario(
            {1: "31-03-2009", 2: "2009-06-30", 3: "30-10-2009"},
            [
                {"nombre": "Primer informe", "vence": "01-07-2009"},
                {"nombre": "Segundo informe", "vence": "2009-11-15"},  # after Etapa III: allowed
                {"nombre": "", "vence": ""},  # a blank row is left out
            ],
        ),
    )
    assert respuesta.status_code == 302
    assert respuesta["Location"] == reverse("pmggt:calendario_ciclo", args=[2009])
    filas = list(
        Plazo.objects.filter(ciclo=mundo.ciclo).values_list("etapa", "periodo", "nombre", "vence")
    )
    assert filas == [
        (1, 0, "", date(2009, 3, 31)),
        (2, 0, "", date(2009, 6, 30)),
        (3, 0, "", date(2009, 10, 30)),
        (3, 1, "Primer informe", date(2009, 7, 1)),
        (3, 2, "Segundo informe", date(2009, 11, 15)),
    ]
    historial = Plazo.history.filter(ciclo_id=mundo.ciclo.pk)
    assert historial.count() == 5
    assert {h.history_user_id for h in historial} == {mundo.admin.pk}

    # Second save: Etapa II without deadline, the first period removed, a new one in between.
    primero, segundo = Plazo.objects.filter(ciclo=mundo.ciclo, periodo__gte=1).order_by("periodo")
    respuesta = client.post(
        url,
        _datos_calendario(
            {1: "31-03-2009", 3: "30-10-2009"},
            [
                {
                    "id": primero.pk,
                    "nombre": "Primer informe",
                    "vence": "01-07-2009",
                    "DELETE": "on",
                },
                {"nombre": "Informe de agosto", "vence": "15-08-2009"},
                {"id": segundo.pk, "nombre": "Informe final", "vence": "15-11-2009"},
            ],
            iniciales=2,
        ),
    )
    assert respuesta.status_code == 302
    assert list(
        Plazo.objects.filter(ciclo=mundo.ciclo).values_list("etapa", "periodo", "nombre")
    ) == [(1, 0, ""), (3, 0, ""), (3, 1, "Informe de agosto"), (3, 2, "Informe final")]
    assert Plazo.objects.get(pk=segundo.pk).periodo == 2
    borrados = Plazo.history.filter(history_type="-")
    assert {h.history_user_id for h in borrados} == {mundo.admin.pk} and borrados.count() == 2
    # Unchanged rows were not written again.
    assert Plazo.history.filter(etapa=1).count() == 1


@pytest.mark.parametrize(
    "etapas,periodos,campo,mensaje",
    [
        ({1: "31-02-2009"}, [], "etapa_1", "Ingrese una fecha válida (dd-mm-aaaa)."),
        ({1: "mañana"}, [], "etapa_1", "Ingrese una fecha válida (dd-mm-aaaa)."),
        (
            {2: "31-12-2008"},
            [],
            "etapa_2",
            "no puede ser anterior al inicio del ciclo (01-01-2009)",
        ),
        (
            {},
            [{"nombre": "", "vence": "01-07-2009"}],
            "periodos-0-nombre",
            "Indique el nombre del período",
        ),
        (
            {},
            [{"nombre": "Informe", "vence": ""}],
            "periodos-0-vence",
            "Indique la fecha del período.",
        ),
        (
            {},
            [{"nombre": "A", "vence": "01-08-2009"}, {"nombre": "B", "vence": "01-07-2009"}],
            "periodos-1-vence",
            "Los períodos van en orden: esta fecha debe ser posterior a la del período anterior "
            "(01-08-2009).",
        ),
    ],
)
def test_datos_malos_dan_errores_en_castellano_y_no_cambian_nada(
    client, mundo, etapas, periodos, campo, mensaje
):
    _plazo(mundo, etapa=4, vence=date(2009, 12, 1))
    client.force_login(mundo.admin)
    antes = huella_bd()
    respuesta = client.post(
        reverse("pmggt:calendario_editar", args=[2009]), _datos_calendario(etapas, periodos)
    )
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    assert "No se guardó nada" in html
    error = re.search(rf'id="id_{campo}_error">([^<]*)<', html)
    assert error and mensaje in error.group(1).replace("&quot;", '"').replace("&#x27;", "'")
    assert huella_bd() == antes
    assert Plazo.objects.get(ciclo=mundo.ciclo, etapa=4).vence == date(2009, 12, 1)


def test_un_plazo_con_prorrogas_no_se_deja_sin_fecha(client, mundo):
    plazo = _plazo(mundo)
    _prorroga(mundo, plazo)
    client.force_login(mundo.admin)
    antes = huella_bd()
    respuesta = client.post(reverse("pmggt:calendario_editar", args=[2009]), _datos_calendario())
    assert respuesta.status_code == 200
    assert "Este plazo tiene prórrogas: elimínelas antes de dejarlo sin fecha." in (
        respuesta.content.decode()
    )
    assert huella_bd() == antes


@pytest.mark.parametrize("persona", ["encargada", "jefe", "experta", "gore", "intruso"])
def test_quien_no_administra_recibe_403_y_nada_cambia(client, mundo, persona):
    plazo = _plazo(mundo)
    prorroga = _prorroga(mundo, plazo)
    client.force_login(mundo.personas[persona])
    antes = huella_bd()
    for metodo, url, datos in [
        (
            "post",
            reverse("pmggt:calendario_editar", args=[2009]),
            _datos_calendario({1: "01-05-2009"}),
        ),
        (
            "post",
            reverse("pmggt:prorroga_nueva", args=[2009]),
            {
                "servicio": mundo.servicio.pk,
                "plazo": plazo.pk,
                "vence": "01-06-2009",
                "motivo": "X",
            },
        ),
        ("get", reverse("pmggt:calendario_editar", args=[2009]), {}),
    ]:
        assert getattr(client, metodo)(url, datos).status_code == 403
    # An extension of a Servicio she does not see: 404 (its existence is not revealed).
    esperado = 404 if persona == "intruso" else 403
    url = reverse("pmggt:prorroga_editar", args=[prorroga.pk])
    assert client.post(url, {"vence": "01-06-2009", "motivo": "X"}).status_code == esperado
    url = reverse("pmggt:prorroga_eliminar", args=[prorroga.pk])
    assert client.post(url, {"eliminar-motivo": "X"}).status_code == esperado
    assert huella_bd() == antes
    assert Prorroga.objects.get(pk=prorroga.pk).vence == PRORROGA


# --- Extensions: grant, grant again (edits), edit, remove ----------------------------------------


def test_otorgar_editar_y_eliminar_una_prorroga_con_historial(client, mundo, reloj):
    plazo = _plazo(mundo)
    client.force_login(mundo.admin)
    url = reverse("pmggt:prorroga_nueva", args=[2009])
    assert client.get(url).status_code == 200
    datos = {
        "servicio": mundo.servicio.pk,
        "plazo": plazo.pk,
        "vence": "15-04-2009",
        "motivo": "Cambio de jefatura.",
    }
    assert client.post(url, datos).status_code == 302
    prorroga = Prorroga.objects.get()
    assert (prorroga.servicio, prorroga.vence, prorroga.otorgada_por) == (
        mundo.servicio,
        PRORROGA,
        mundo.admin,
    )
    # Granting again for the same (Plazo, Servicio) edits it: still one row.
    datos |= {"vence": "2009-03-25", "motivo": "Se adelanta a pedido del Servicio."}
    assert client.post(url, datos).status_code == 302
    prorroga = Prorroga.objects.get()
    assert prorroga.vence == date(2009, 3, 25)  # earlier than the Ciclo's: allowed
    # Its own page: edit it.
    url_editar = reverse("pmggt:prorroga_editar", args=[prorroga.pk])
    html = client.get(url_editar).content.decode()
    assert "Se adelanta a pedido del Servicio." in html
    assert client.post(url_editar, {"vence": "20-04-2009", "motivo": "Tercera."}).status_code == 302
    assert Prorroga.objects.get().vence == date(2009, 4, 20)
    # Remove it, with a reason.
    url_eliminar = reverse("pmggt:prorroga_eliminar", args=[prorroga.pk])
    respuesta = client.post(url_eliminar, {"eliminar-motivo": ""})
    assert respuesta.status_code == 200
    assert "Indique por qué se elimina la prórroga." in respuesta.content.decode()
    assert Prorroga.objects.exists()
    assert client.post(url_eliminar, {"eliminar-motivo": "Otorgada por error."}).status_code == 302
    assert not Prorroga.objects.exists()
    historial = list(Prorroga.history.order_by("history_date", "history_id"))
    assert [h.history_type for h in historial] == ["+", "~", "~", "-"]
    assert {h.history_user_id for h in historial} == {mundo.admin.pk}
    assert [h.motivo for h in historial[:3]] == [
        "Cambio de jefatura.",
        "Se adelanta a pedido del Servicio.",
        "Tercera.",
    ]
    assert historial[-1].history_change_reason == "Otorgada por error."
    # The Servicio's deadline is the Ciclo's again.
    doc = crear_diagnostico(mundo)
    assert calendario.plazo_de(doc).vence == VENCE


@pytest.mark.parametrize(
    "cambios,campo,mensaje",
    [
        (
            {"vence": "31-12-2008"},
            "vence",
            "no puede ser anterior al inicio del ciclo (01-01-2009)",
        ),
        ({"vence": "40-01-2009"}, "vence", "Ingrese una fecha válida (dd-mm-aaaa)."),
        ({"motivo": "   "}, "motivo", "Indique el motivo de la prórroga."),
        ({"plazo": "999999"}, "plazo", "Elija un plazo de este ciclo."),
        ({"servicio": ""}, "servicio", "Elija el Servicio."),
    ],
)
def test_prorroga_con_datos_malos(client, mundo, cambios, campo, mensaje):
    plazo = _plazo(mundo)
    client.force_login(mundo.admin)
    datos = {
        "servicio": mundo.servicio.pk,
        "plazo": plazo.pk,
        "vence": "15-04-2009",
        "motivo": "Motivo.",
    } | cambios
    antes = huella_bd()
    respuesta = client.post(reverse("pmggt:prorroga_nueva", args=[2009]), datos)
    assert respuesta.status_code == 200
    error = re.search(rf'id="id_{campo}_error">([^<]*)<', respuesta.content.decode())
    assert error and mensaje in error.group(1)
    assert huella_bd() == antes


def test_el_plazo_debe_existir_y_ser_del_ciclo(client, mundo):
    """A Plazo of another Ciclo is not a choice; without Plazos the page says so."""
    from pmggt.models import Ciclo

    otro = Ciclo.objects.create(anio=2010)
    ajeno = Plazo.objects.create(ciclo=otro, etapa=1, vence=date(2010, 3, 31))
    client.force_login(mundo.admin)
    html = client.get(reverse("pmggt:prorroga_nueva", args=[2009])).content.decode()
    assert "El ciclo aún no tiene plazos" in html
    respuesta = client.post(
        reverse("pmggt:prorroga_nueva", args=[2009]),
        {"servicio": mundo.servicio.pk, "plazo": ajeno.pk, "vence": "15-04-2009", "motivo": "M"},
    )
    assert respuesta.status_code == 200 and not Prorroga.objects.exists()


# --- Query counts -------------------------------------------------------------------------------


def _con_plazos(mundo, prorrogas_cada=2):
    """Deadlines for Etapas I and II, and an extension of Etapa I for every other Servicio."""
    from pmggt.models import Servicio

    uno = Plazo.objects.get_or_create(
        ciclo=mundo.ciclo, etapa=1, periodo=0, defaults={"vence": VENCE}
    )[0]
    Plazo.objects.get_or_create(
        ciclo=mundo.ciclo, etapa=2, periodo=0, defaults={"vence": date(2009, 6, 30)}
    )
    for i, servicio in enumerate(Servicio.objects.order_by("pk")):
        if i % prorrogas_cada == 0 and not Prorroga.objects.filter(servicio=servicio).exists():
            _prorroga(mundo, uno, servicio=servicio, vence=VENCE + timedelta(days=i + 1))


@pytest.mark.parametrize("persona", ["experta", "encargada", "gore", "admin"])
@pytest.mark.parametrize("pagina", ["pmggt:mis_pendientes", "pmggt:documento_lista"])
def test_consultas_constantes_con_plazos_y_prorrogas(
    client, mundo, reloj, django_assert_max_num_queries, persona, pagina
):
    url = reverse(pagina)
    ampliar(mundo, 0, 2, observaciones=1)
    _con_plazos(mundo)
    client.force_login(mundo.personas[persona])
    pocos = contar_consultas(client, url, django_assert_max_num_queries)
    ampliar(mundo, 2, 12, observaciones=1)
    _con_plazos(mundo)
    muchos = contar_consultas(client, url, django_assert_max_num_queries)
    assert pocos == muchos
    html = client.get(url).content.decode()
    assert "prórroga al" in html


def test_la_pagina_del_calendario_en_consultas_constantes(
    client, mundo, reloj, django_assert_max_num_queries
):
    url = reverse("pmggt:calendario")
    ampliar(mundo, 0, 2, observaciones=0)
    _con_plazos(mundo, prorrogas_cada=1)
    client.force_login(mundo.experta)
    uno = contar_consultas(client, url, django_assert_max_num_queries)
    ampliar(mundo, 2, 10, observaciones=0)
    _con_plazos(mundo, prorrogas_cada=1)
    muchos = contar_consultas(client, url, django_assert_max_num_queries)
    assert uno == muchos


# --- The Django admin -------------------------------------------------------------------------


def test_plazos_y_prorrogas_en_la_administracion(client, mundo):
    plazo = _plazo(mundo)
    prorroga = _prorroga(mundo, plazo)
    client.force_login(mundo.admin)
    for url in (
        reverse("admin:pmggt_plazo_changelist"),
        reverse("admin:pmggt_plazo_change", args=[plazo.pk]),
        reverse("admin:pmggt_prorroga_changelist"),
        reverse("admin:pmggt_prorroga_change", args=[prorroga.pk]),
        reverse("admin:pmggt_prorroga_history", args=[prorroga.pk]),
    ):
        assert client.get(url).status_code == 200, url
    respuesta = client.post(
        reverse("admin:pmggt_prorroga_change", args=[prorroga.pk]),
        {
            "plazo": plazo.pk,
            "servicio": mundo.servicio.pk,
            "vence": "2009-04-30",
            "motivo": "Desde la administración.",
        },
    )
    assert respuesta.status_code == 302
    ultima = Prorroga.history.filter(id=prorroga.pk).latest("history_date")
    assert (ultima.vence, ultima.history_user_id) == (date(2009, 4, 30), mundo.admin.pk)
    # History is read-only (no revert), and a deadline with extensions is not deleted here.
    historia = reverse("admin:pmggt_prorroga_simple_history", args=[prorroga.pk, ultima.pk])
    assert client.post(historia, {}).status_code == 403
    borrar = reverse("admin:pmggt_plazo_delete", args=[plazo.pk])
    assert client.post(borrar, {"post": "yes"}).status_code == 403
    assert Plazo.objects.filter(pk=plazo.pk).exists()
    # Nobody else gets in.
    client.force_login(mundo.experta)
    assert client.get(reverse("admin:pmggt_prorroga_changelist")).status_code == 302
