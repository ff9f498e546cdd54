"""Etapa II's demo (planes.demo, fixtures/plan_*_2009.json): the 2009 Plans of SERVIU Antofagasta,
MIDEPLAN and the DGOP, written from their visado Diagnósticos and left where every role has work."""

import io
import time
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from planes import contenido as pc
from planes.models import Actividad, Indicador, ProcedimientoGore
from pmggt import acceso, etapas, selectors
from pmggt.carga import cargar_demo, leer
from pmggt.models import Documento, Transicion, VersionDocumento
from pmggt.versiones import contenido_visado
from tests.conftest import mundo_compartido

demo = mundo_compartido(cargar_demo)  # built once per worker: see tests/conftest.py

Estado = Documento.Estado
Accion = Transicion.Accion
PLAN = Documento.Etapa.PLAN
DIAGNOSTICO = Documento.Etapa.DIAGNOSTICO
SERVIU = "SERVIU-ANTOFAGASTA"
DGOP = "DGOP"
SERPLAC = {
    "XV": "serplac.arica",
    "I": "serplac.tarapaca",
    "II": "serplac.antofagasta",
    "III": "serplac.atacama",
    "IV": "serplac.coquimbo",
    "V": "serplac.valparaiso",
    "RM": "serplac.metropolitana",
    "VI": "serplac.ohiggins",
    "VII": "serplac.maule",
    "VIII": "serplac.biobio",
    "IX": "serplac.araucania",
    "XIV": "serplac.losrios",
    "X": "serplac.loslagos",
    "XI": "serplac.aysen",
    "XII": "serplac.magallanes",
}
# The SERPLAC that have not yet written their region's activities (their work in the demo).
SIN_ACTIVIDADES = ["IX", "X", "XI", "XII"]
FALTA = "actividades del programa de trabajo de su región"


def plan(sigla: str) -> Documento:
    return Documento.objects.get(servicio__sigla=sigla, ciclo__anio=2009, etapa=PLAN)


def usuario(username: str):
    return get_user_model().objects.get(username=username)


def pendientes(username: str) -> list[dict]:
    """Mis pendientes' rows for this person, as the page builds them."""
    persona = usuario(username)
    filas = list(
        selectors.resumir(selectors.filas(selectors.documentos_pendientes_para(persona)), persona)
    )
    selectors.partes_de_centro(persona, filas)
    return filas


def de_etapa(filas: list[dict], etapa: int) -> list[tuple]:
    return [
        (
            f["servicio__sigla"],
            f["estado"],
            [(p["codigo"], p["faltan"]) for p in f.get("partes", [])],
        )
        for f in filas
        if f["etapa"] == etapa
    ]


# -- The chain: where each Plan was left -------------------------------------------------------


def test_cada_plan_queda_donde_la_demo_lo_dejo(demo):
    serviu = plan(SERVIU)
    assert (serviu.estado, serviu.version_actual, serviu.version_visada) == (
        Estado.EN_REVISION_JEFE,
        2,
        1,
    )
    assert [
        (t.accion, t.version, t.actor.username)
        for t in serviu.transiciones.order_by("pk").select_related("actor")
    ] == [
        (Accion.CREAR, 0, "encargado.serviu"),
        (Accion.ENVIAR, 1, "encargado.serviu"),
        (Accion.APROBAR, 1, "jefe.serviu"),
        (Accion.VISAR, 1, "experto.subdere"),
        (Accion.SOLICITAR_MODIFICACION, 1, "encargado.serviu"),
        (Accion.ENVIAR, 2, "encargado.serviu"),
    ]
    mideplan = plan("MIDEPLAN")
    assert (mideplan.estado, mideplan.version_actual, mideplan.version_visada) == (
        Estado.BORRADOR,
        1,
        None,
    )
    assert [
        (t.accion, t.actor.username)
        for t in mideplan.transiciones.order_by("pk").select_related("actor")
    ] == [
        (Accion.CREAR, "encargado.mideplan"),
        (Accion.ENVIAR, "encargado.mideplan"),
        (Accion.DEVOLVER, "jefe.mideplan"),
    ]
    # The Jefe/a returned it asking for the missing regions' activities: open until resolved.
    [observacion] = mideplan.observaciones.all()
    assert not observacion.resuelta and observacion.autor.username == "jefe.mideplan"
    for nombre in ("La Araucanía", "Los Lagos", "Aysén", "Magallanes"):
        assert nombre in observacion.texto
    # The DGOP's, sent and approved: with SUBDERE (the Experto/a's Etapa II work).
    dgop = plan(DGOP)
    assert (dgop.estado, dgop.version_actual, dgop.version_visada) == (
        Estado.EN_VISACION,
        1,
        None,
    )
    assert [
        (t.accion, t.version, t.actor.username)
        for t in dgop.transiciones.order_by("pk").select_related("actor")
    ] == [
        (Accion.CREAR, 0, "encargado.dgop"),
        (Accion.ENVIAR, 1, "encargado.dgop"),
        (Accion.APROBAR, 1, "jefe.dgop"),
    ]


def test_lo_que_cada_estado_implica_para_el_envio(demo):
    # Every sent version had nothing blocking (its own checklist, as frozen).
    for version in VersionDocumento.objects.filter(documento__etapa=PLAN).select_related(
        "documento"
    ):
        bloqueos = [
            p.texto for p in pc.lista_envio(version.documento, version.contenido) if p.bloquea
        ]
        assert bloqueos == [], (version.documento.servicio.sigla, version.numero)
    # SERVIU's Plan, with the Jefe/a: complete, no warning either.
    serviu = plan(SERVIU)
    assert pc.validar_envio(serviu) == []
    assert pc.lista_envio(serviu, pc.contenido(serviu)) == []
    # MIDEPLAN's, returned: nothing blocks, it only warns about the four regions without
    # activities; the Encargado/a GT must still resolve the Jefe/a's observación to send it.
    mideplan = plan("MIDEPLAN")
    assert pc.validar_envio(mideplan) == []
    avisos = pc.lista_envio(mideplan, pc.contenido(mideplan))
    assert [(p.region, p.bloquea) for p in avisos] == [(r, False) for r in SIN_ACTIVIDADES]
    assert mideplan.observaciones.filter(resuelta=False).count() == 1
    # The DGOP's, with SUBDERE: complete (a Servicio without Centros: no region to warn about).
    dgop = plan(DGOP)
    assert pc.validar_envio(dgop) == []
    assert pc.lista_envio(dgop, pc.contenido(dgop)) == []


# -- The content: written from the visado Diagnóstico's own Cuadro I ---------------------------


@pytest.mark.parametrize("sigla", [SERVIU, "MIDEPLAN", DGOP])
def test_los_objetivos_vienen_del_cuadro_i_visado(demo, sigla):
    documento = plan(sigla)
    diagnostico, version = contenido_visado(documento.servicio, documento.ciclo, DIAGNOSTICO)
    c = pc.contenido(documento)
    assert c["diagnostico"] == {"version": version.numero, "sha256": version.sha256}
    cobertura = pc.cobertura(c, diagnostico)
    # Every recommended objective is taken up or listed with its reason, each once.
    assert cobertura["faltantes"] == [] and cobertura["inexistentes"] == []
    ids = [f["id"] for f in diagnostico["cuadro1"]]
    tomadas = set(cobertura["tomadas"])
    no_abordadas = set(cobertura["no_abordadas"])
    assert tomadas | no_abordadas == set(ids) and not tomadas & no_abordadas
    filas = {f["id"]: f for f in diagnostico["cuadro1"]}
    for objetivo in c["objetivos"]:
        assert objetivo["filas"] and objetivo["ambito"] and objetivo["fundamento"]
        # The rows copied are the visado Diagnóstico's, and the regions those rows' regions.
        for fila in objetivo["filas"]:
            assert fila["objetivo"] == filas[fila["id"]]["objetivo"]
        regiones = {f["region"] for f in objetivo["filas"]} - {None}
        assert set(objetivo["regiones"]) == regiones
    assert c["objetivo_general_pt"] and c["objetivo_general_informacion"]
    assert {m["tipo"] for m in c["medidas"]} == {"medida", "variable"}
    assert any(o["ambito"] == "propir" for o in c["objetivos"]) and c["propir"]
    # Information objectives on the Cuadro I N°2 rows, one per type of information.
    filas2 = {f["id"] for f in diagnostico["cuadro2"]["filas"]}
    assert {o["informacion"] for o in c["objetivos_informacion"]} == set(pc.INFORMACION)
    assert {f["id"] for o in c["objetivos_informacion"] for f in o["filas"]} == filas2


def test_mideplan_toma_los_objetivos_de_cada_serplac(demo):
    c = pc.contenido(plan("MIDEPLAN"))
    por_numero = {o["numero"]: o for o in c["objetivos"]}
    # Los Ríos' mesas in Ranco and Valdivia are objective 5 (PROPIR), Arica's Observatorio 6.
    assert any("provincia del Ranco" in f["objetivo"] for f in por_numero[5]["filas"])
    assert any(
        "Observatorio" in f["objetivo"] for f in por_numero[6]["filas"] if f["region"] == "XV"
    )
    assert por_numero[5]["regiones"] == ["XV", "XIV"]
    # The «No aplica» design rows are listed with why, as are two real ones left for 2010.
    motivos = {(n["region"], n["objetivo"][:9]): n["motivo"] for n in c["no_abordados"]}
    assert len(c["no_abordados"]) == 13
    assert all("nivel central" in m for (r, inicio), m in motivos.items() if inicio == "No aplica")
    assert {n["region"] for n in c["no_abordados"] if not n["objetivo"].startswith("No")} == {
        "IV",
        "VIII",
    }


def test_indicadores_con_formula_y_meta_correctas(demo):
    indicadores = list(Indicador.objects.filter(plan__documento__ciclo__anio=2009))
    assert len(indicadores) == 15
    for documento in Documento.objects.filter(etapa=PLAN):
        contenidos = [pc.contenido(documento)] + [v.contenido for v in documento.versiones.all()]
        for c in contenidos:
            for i in c["indicadores"]:
                assert pc.revisar_formula(i["formula"], i["numerador"], i["denominador"]) == []
                assert pc.revisar_meta(i) is None, i["nombre"]
                assert i["meta"] and i["medio_verificacion"] and i["instrumento_recoleccion"]
                assert i["objetivo"] or i["objetivo_informacion"]
    regionales = {i["region"] for i in pc.contenido(plan("MIDEPLAN"))["indicadores"]}
    assert regionales == {None, "I", "III", "XIV"}


def test_procedimientos_con_cada_gore_como_los_describe_mideplan(demo):
    c = pc.contenido(plan("MIDEPLAN"))
    procedimientos = {(p["region"], p["informacion"]): p for p in c["procedimientos"]}
    assert len(procedimientos) == 60 == len(c["procedimientos"])
    assert {r for r, _ in procedimientos} == set(SERPLAC)
    # The variety of the seed's practices (seeds/004).
    assert procedimientos[("I", "oferta")]["periodicidad"] == "trimestral"
    assert procedimientos[("I", "clientes")]["periodicidad"] == "semestral"
    assert procedimientos[("II", "clientes")]["periodicidad"] == "bimensual"
    atacama = procedimientos[("III", "gasto")]
    assert (atacama["periodicidad"], atacama["canal"]) == ("mensual", "plataforma")
    assert "www.gti-atacama.cl" in atacama["canal_detalle"]
    assert "Excel por oficio" in atacama["canal_detalle"]
    assert procedimientos[("IV", "clientes")]["periodicidad"] == "cuatrimestral"
    anual = procedimientos[("XIV", "gasto")]
    assert (anual["periodicidad"], anual["canal"]) == ("anual", "oficio")
    araucania = procedimientos[("IX", "gasto")]
    assert (araucania["instrumento_numero"], araucania["instrumento_fecha"]) == (
        "Circular N° 40",
        "2009-04-13",
    )
    for p in c["procedimientos"]:
        if p["estado"] == ProcedimientoGore.Estado.NO_APLICA:
            assert p["motivo_no_aplica"] and not p["periodicidad"]
        else:
            assert p["periodicidad"] and p["canal"] and p["objetivo_informacion"]
            assert p["responsable_servicio"] and p["responsable_gore"]
        if p["estado"] == ProcedimientoGore.Estado.VIGENTE:
            assert p["instrumento"]
    # SERVIU agrees its part with its own region's GORE.
    serviu = pc.contenido(plan(SERVIU))
    assert {p["region"] for p in serviu["procedimientos"]} == {"II"}
    # The DGOP (national, without Centros) informs the GOREs where it agreed a procedure.
    dgop = {(p["region"], p["informacion"]): p for p in pc.contenido(plan(DGOP))["procedimientos"]}
    assert {r for r, _ in dgop} == {"II", "IV", "VIII"}
    assert dgop[("II", "clientes")]["estado"] == ProcedimientoGore.Estado.NO_APLICA
    assert dgop[("II", "gasto")]["periodicidad"] == "trimestral"


def test_actividades_e_hitos_2009_por_region_escritas_por_cada_serplac(demo):
    c = pc.contenido(plan("MIDEPLAN"))
    con = {a["region"] for a in c["actividades"]}
    assert con == {None} | set(SERPLAC) - set(SIN_ACTIVIDADES)
    assert {a["tipo"] for a in c["actividades"]} == {"actividad", "hito"}
    otros = [a for s in (SERVIU, DGOP) for a in pc.contenido(plan(s))["actividades"]]
    assert {a["region"] for a in pc.contenido(plan(DGOP))["actividades"]} == {None}
    for a in c["actividades"] + otros:
        assert a["plazo"].startswith("2009-") and a["responsable"]
        assert a["objetivo"] or a["objetivo_informacion"]
        if a["inicio"]:
            assert date.fromisoformat(a["inicio"]) <= date.fromisoformat(a["plazo"])
    # Each region's rows were written by its own Encargada de Centro (the history says so).
    for actividad in Actividad.objects.filter(plan__documento__servicio__sigla="MIDEPLAN"):
        autor = actividad.history.earliest().history_user.username
        esperado = (
            SERPLAC[actividad.centro.region.codigo] if actividad.centro else "encargado.mideplan"
        )
        assert autor == esperado


# -- Every role's Etapa II work, as Mis pendientes shows it ------------------------------------


def test_mis_pendientes_de_cada_persona_en_la_etapa_ii(demo, client):
    esperado = {
        "encargado.serviu": [],  # the Plan is with the Jefe/a (his work is Etapa I's)
        "jefe.serviu": [(SERVIU, Estado.EN_REVISION_JEFE, [])],
        "encargado.mideplan": [("MIDEPLAN", Estado.BORRADOR, [])],
        "jefe.mideplan": [],
        # The DGOP's Plan waits for SUBDERE's visación; its Encargado/a and Jefe/a follow it.
        "experto.subdere": [(DGOP, Estado.EN_VISACION, [])],
        "encargado.dgop": [],
        "jefe.dgop": [],
        "gore.antofagasta": [],
        "admin": [],
        # No role of his own: he acts only while he subroga the Jefe/a (the browser test).
        "subdirector.serviu": [],
    }
    for codigo, username in SERPLAC.items():
        faltan = [FALTA] if codigo in SIN_ACTIVIDADES else []
        esperado[username] = [("MIDEPLAN", Estado.BORRADOR, [(codigo, faltan)])]
    assert set(esperado) == {u.username for u in get_user_model().objects.all()}
    for username, items in esperado.items():
        assert de_etapa(pendientes(username), PLAN) == items, username
    dgop = plan(DGOP)
    for username in ("encargado.dgop", "jefe.dgop"):
        seguidos = selectors.documentos_seguidos_por(usuario(username))
        assert seguidos.filter(pk=dgop.pk).exists(), username
    # The page itself lists the Plan with a link to it, and each SERPLAC's region page.
    mideplan, serviu = plan("MIDEPLAN"), plan(SERVIU)
    for username, enlace in [
        ("jefe.serviu", reverse("pmggt:documento", args=[serviu.pk])),
        ("encargado.mideplan", reverse("pmggt:documento", args=[mideplan.pk])),
        ("experto.subdere", reverse("pmggt:documento", args=[dgop.pk])),
        ("encargado.dgop", reverse("pmggt:documento", args=[dgop.pk])),
        ("serplac.aysen", pc.url_parte(mideplan.pk, "XI")),
        ("serplac.arica", pc.url_parte(mideplan.pk, "XV")),
    ]:
        client.force_login(usuario(username))
        respuesta = client.get(reverse("pmggt:mis_pendientes"))
        assert respuesta.status_code == 200
        assert enlace in respuesta.content.decode(), username
        # What her region still lacks, on the page (Aysén has not written her activities).
        assert (FALTA in respuesta.content.decode()) == (username == "serplac.aysen")


def test_el_gore_sigue_el_plan_visado_de_su_region(demo, client):
    gore = usuario("gore.antofagasta")
    serviu = plan(SERVIU)
    assert selectors.documentos_seguidos_por(gore).filter(pk=serviu.pk).exists()
    # It reads the visado version (1) while version 2 is reviewed, cut to its region.
    assert acceso.lectura_de(gore, serviu) is not None
    assert acceso.regiones_legibles(gore, serviu) == {"II", None}
    client.force_login(gore)
    respuesta = client.get(reverse("pmggt:documento", args=[serviu.pk]))
    assert respuesta.status_code == 200
    # MIDEPLAN's Plan is not visado: nothing of it is public yet.
    assert acceso.lectura_de(gore, plan("MIDEPLAN")) is None
    # The DGOP agrees procedures with the GORE de Antofagasta, but a national Servicio without
    # Centros does not concern a region (permisos.q_concierne_a_gores): the GORE does not
    # follow its documents, and its Plan is not visado either.
    assert not selectors.documentos_seguidos_por(gore).filter(servicio__sigla=DGOP).exists()
    assert acceso.lectura_de(gore, plan(DGOP)) is None


def test_el_gore_descarga_el_plan_visado(demo, client, pdf_simulado):
    informes = [i for i in etapas.de(PLAN).informes if not i.solo_servicio]
    if not informes:
        pytest.skip("La Etapa II aún no registra informes.")
    serviu = plan(SERVIU)
    client.force_login(usuario("gore.antofagasta"))
    for informe in informes:
        respuesta = client.get(reverse("pmggt:informe", args=[serviu.pk, informe.nombre]))
        assert respuesta.status_code == 200, informe.nombre
        tipo = "application/pdf" if informe.formato == "pdf" else "spreadsheet"
        assert tipo in respuesta["Content-Type"], informe.nombre
    # Not MIDEPLAN's, which SUBDERE has not visado.
    respuesta = client.get(reverse("pmggt:informe", args=[plan("MIDEPLAN").pk, informes[0].nombre]))
    assert respuesta.status_code in (403, 404)


def test_las_etapas_i_siguen_con_trabajo_para_cada_rol(demo):
    """The Plans need the 2009 Diagnósticos visados: SERVIU's and MIDEPLAN's were visado and
    then reopened, so Etapa I keeps its work (SERVIU's in Borrador, MIDEPLAN's with SUBDERE);
    the DGOP's stays Visado."""
    serviu = Documento.objects.get(servicio__sigla=SERVIU, ciclo__anio=2009, etapa=DIAGNOSTICO)
    assert (serviu.estado, serviu.version_visada) == (Estado.BORRADOR, 1)
    mideplan = Documento.objects.get(
        servicio__sigla="MIDEPLAN", ciclo__anio=2009, etapa=DIAGNOSTICO
    )
    assert (mideplan.estado, mideplan.version_actual, mideplan.version_visada) == (
        Estado.EN_VISACION,
        3,
        2,
    )
    dgop = Documento.objects.get(servicio__sigla=DGOP, ciclo__anio=2009, etapa=DIAGNOSTICO)
    assert (dgop.estado, dgop.version_actual, dgop.version_visada) == (Estado.VISADO, 1, 1)
    assert de_etapa(pendientes("encargado.serviu"), DIAGNOSTICO) == [(SERVIU, Estado.BORRADOR, [])]
    assert de_etapa(pendientes("experto.subdere"), DIAGNOSTICO) == [
        ("MIDEPLAN", Estado.EN_VISACION, [])
    ]


# -- Loading again, and from scratch ------------------------------------------------------------


def test_cargar_de_nuevo_no_escribe_nada(demo):
    antes = {
        d.pk: sum(qs.count() for qs in pc.historiales(d))
        for d in Documento.objects.filter(etapa=PLAN)
    }
    assert cargar_demo()["documentos"] == []
    despues = {
        d.pk: sum(qs.count() for qs in pc.historiales(d))
        for d in Documento.objects.filter(etapa=PLAN)
    }
    assert despues == antes


@pytest.mark.django_db
def test_cargar_demo_en_base_vacia_y_reiniciar():
    inicio = time.perf_counter()
    call_command("cargar_demo", "--forzar", stdout=io.StringIO())
    carga = time.perf_counter() - inicio
    estados = dict(Documento.objects.filter(etapa=PLAN).values_list("servicio__sigla", "estado"))
    assert estados == {
        SERVIU: Estado.EN_REVISION_JEFE,
        "MIDEPLAN": Estado.BORRADOR,
        DGOP: Estado.EN_VISACION,
    }
    mideplan = plan("MIDEPLAN")
    # A demo session: the Encargada of Aysén writes her activity; then back to the start.
    Actividad.objects.create(
        plan=mideplan.plan, centro=mideplan.servicio.centros.get(region__codigo="XI"),
        descripcion="Prueba", plazo=date(2009, 12, 1), responsable="Prueba",
    )  # fmt: skip
    salida = io.StringIO()
    call_command("cargar_demo", "--reiniciar", "--forzar", stdout=salida)
    assert "Demo reiniciada" in salida.getvalue()
    estados = dict(Documento.objects.filter(etapa=PLAN).values_list("servicio__sigla", "estado"))
    assert estados == {
        SERVIU: Estado.EN_REVISION_JEFE,
        "MIDEPLAN": Estado.BORRADOR,
        DGOP: Estado.EN_VISACION,
    }
    regiones = {a["region"] for a in pc.contenido(plan("MIDEPLAN"))["actividades"]}
    assert "XI" not in regiones
    assert carga < 60, f"cargar_demo tardó {carga:.1f} s"


def test_los_archivos_de_contenido_estan_en_la_demo():
    datos = leer("demo.json")
    assert set(datos["planes"]) == {SERVIU, "MIDEPLAN", DGOP}
    for referencia in datos["planes"].values():
        contenido = leer(referencia["archivo"])
        assert contenido["objetivos"] and contenido["actividades"]
