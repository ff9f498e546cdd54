"""The day's reminders (pmggt.recordatorios), on a fixed clock.

The world: the personas' (tests/conftest.py) plus three Servicios with their own people, the
Ciclo 2009 with deadlines for Etapas I and II, and one Diagnóstico per Servicio in each state:

- A (encargada, centro_i, centro_ii, jefe, experta): Borrador; region I's part complete,
  region II's incomplete;
- B (intruso): not started;
- C (gt_c, jefe_c; subrogante_c in force): En revisión del Jefe;
- D (gt_d, jefe_d, experto_d): En visación SUBDERE;
- E (gt_e, jefe_e, experto_e): Visado (its Plan, Etapa II, may start: not started).
"""

import datetime
from datetime import date, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diagnostico.models import FilaCuadro1
from pmggt import etapas, recordatorios, services, workflow
from pmggt.historia import actuando_como
from pmggt.models import (
    AjustesAvisos,
    Aviso,
    Documento,
    GrupoRol,
    Plazo,
    Prorroga,
    Subrogancia,
    Transicion,
)
from tests.conftest import construir_mundo, crear_diagnostico, llevar_a, mundo_compartido
from tests.fabricas import ServicioFactory, UsuarioFactory

Estado = Documento.Estado
Tipo = GrupoRol.Tipo
VENCE = date(2009, 6, 30)  # Etapa I
VENCE_PLAN = date(2009, 9, 30)  # Etapa II


def servicio_con_personas(m, sigla, **roles):
    """A Servicio with one person per role ({nombre: tipo}), as m.<nombre>."""
    servicio = ServicioFactory(sigla=sigla, nombre=f"Servicio {sigla}")
    services.roles_asegurar(servicio)
    for nombre, tipo in roles.items():
        usuario = UsuarioFactory(username=nombre.replace("_", "."))
        services.rol_asignar(usuario=usuario, tipo=tipo, objeto=servicio)
        setattr(m, nombre, usuario)
    return servicio


def documento_de(m, servicio, gt, jefe, experto, estado):
    """A Diagnóstico of ``servicio`` walked to ``estado`` by its own people."""
    otro = SimpleNamespace(**vars(m))
    otro.servicio, otro.encargada, otro.jefe, otro.experta = servicio, gt, jefe, experto
    return llevar_a(otro, crear_diagnostico(otro, servicio=servicio), estado)


def completar_region_i(m, documento):
    """Region I's part complete (Cuadro I N°1 rows filled, Cuadro I N°2 not pertinent);
    region II's without rows."""
    with actuando_como(m.encargada):
        diagnostico = documento.diagnostico
        diagnostico.cuadro2_no_pertinente = True
        diagnostico.cuadro2_motivo = "Sin equipos regionales propios."
        diagnostico.save()
        FilaCuadro1.objects.filter(diagnostico=diagnostico, centro=m.centro_region_i).update(
            producto_texto="1. Producto"
        )
        FilaCuadro1.objects.filter(diagnostico=diagnostico, centro=m.centro_region_ii).delete()


def construir_mundo_recordatorios():
    m = construir_mundo()
    with actuando_como(m.admin):
        m.plazo = Plazo.objects.create(ciclo=m.ciclo, etapa=1, vence=VENCE)
        m.plazo_plan = Plazo.objects.create(ciclo=m.ciclo, etapa=2, vence=VENCE_PLAN)
        m.c = servicio_con_personas(m, "SERV-C", gt_c=Tipo.ENCARGADO_GT, jefe_c=Tipo.JEFE)
        m.d = servicio_con_personas(
            m, "SERV-D", gt_d=Tipo.ENCARGADO_GT, jefe_d=Tipo.JEFE, experto_d=Tipo.EXPERTO
        )
        m.e = servicio_con_personas(
            m, "SERV-E", gt_e=Tipo.ENCARGADO_GT, jefe_e=Tipo.JEFE, experto_e=Tipo.EXPERTO
        )
        m.subrogante_c = UsuarioFactory(username="subrogante.c")
        Subrogancia.objects.create(
            servicio=m.c,
            titular=m.jefe_c,
            subrogante=m.subrogante_c,
            desde=VENCE - timedelta(days=10),
            hasta=VENCE + timedelta(days=3),
            designada_por=m.jefe_c,
        )
        # One that ended and one revoked: neither counts.
        for desde, hasta, revocada in (
            (VENCE - timedelta(days=40), VENCE - timedelta(days=20), None),
            (VENCE - timedelta(days=10), VENCE + timedelta(days=3), timezone.now()),
        ):
            Subrogancia.objects.create(
                servicio=m.c,
                titular=m.jefe_c,
                subrogante=m.gt_d,
                desde=desde,
                hasta=hasta,
                revocada_en=revocada,
                designada_por=m.jefe_c,
            )
    m.doc_a = crear_diagnostico(m)
    completar_region_i(m, m.doc_a)
    m.doc_c = documento_de(m, m.c, m.gt_c, m.jefe_c, None, Estado.EN_REVISION_JEFE)
    m.doc_d = documento_de(m, m.d, m.gt_d, m.jefe_d, m.experto_d, Estado.EN_VISACION)
    m.doc_e = documento_de(m, m.e, m.gt_e, m.jefe_e, m.experto_e, Estado.VISADO)
    return m


mundo = mundo_compartido(construir_mundo_recordatorios)


def avisos_del_dia(desde_pk=0):
    """{username: [clave, …]} of the avisos recorded (after ``desde_pk``)."""
    resultado = {}
    for usuario, clave in (
        Aviso.objects.filter(pk__gt=desde_pk)
        .order_by("usuario__username", "clave")
        .values_list("usuario__username", "clave")
    ):
        resultado.setdefault(usuario, []).append(clave)
    return resultado


def clave(m, servicio, lado, n, vence=VENCE, plazo=None):
    plazo = plazo or m.plazo
    return f"plazo:{plazo.pk}:{servicio.pk}:{lado}:{n}:{vence.isoformat()}"


def ultimo_pk():
    return Aviso.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- Who gets what, per state and region --------------------------------------------------------


def test_las_regiones_del_mundo(mundo):
    """The world is what the tests below assume: region I complete, region II not."""
    faltan = etapas.de(1).faltantes_partes(
        [(mundo.doc_a.pk, mundo.centro_region_i.pk), (mundo.doc_a.pk, mundo.centro_region_ii.pk)]
    )
    assert faltan[(mundo.doc_a.pk, mundo.centro_region_i.pk)] == []
    assert faltan[(mundo.doc_a.pk, mundo.centro_region_ii.pk)]


def test_siete_dias_antes_exactamente_quien_debe_actuar(mundo):
    hoy = VENCE - timedelta(days=7)
    assert recordatorios.calcular(hoy) == 6
    m = mundo
    antes = {s: clave(m, s, "antes", 7) for s in (m.servicio, m.otro_servicio, m.c, m.d)}
    assert avisos_del_dia() == {
        "encargada": [antes[m.servicio]],  # Borrador: the Encargada GT
        "centro.ii": [antes[m.servicio]],  # and region II's Encargada (incomplete)
        "intruso": [antes[m.otro_servicio]],  # B not started: its Encargado GT
        "jefe.c": [antes[m.c]],  # En revisión: the Jefe
        "subrogante.c": [antes[m.c]],  # and the subrogante in force
        "experto.d": [antes[m.d]],  # En visación: the Experto
    }
    # Nothing for region I's Encargada (complete), A's Jefe or Experta (not their turn), C's
    # former or revoked subrogante (gt.d has nothing of D now either), nor Servicio E (visado).


def test_textos_y_enlaces(mundo):
    m = mundo
    recordatorios.calcular(VENCE - timedelta(days=7))
    por = {a.usuario.username: a for a in Aviso.objects.select_related("usuario")}
    gt = por["encargada"]
    assert gt.tipo == Aviso.Tipo.PLAZO_ANTES
    assert gt.asunto == "SERV-A Etapa I – Diagnóstico 2009: vence en 7 días"
    assert "está en Borrador" in gt.texto and "30-06-2009" in gt.texto
    assert (gt.url, gt.documento_id, gt.servicio_id) == (
        f"/documentos/{m.doc_a.pk}/",
        m.doc_a.pk,
        m.servicio.pk,
    )
    centro = por["centro.ii"]
    assert "la parte de su región (II" in centro.texto and "Cuadro I N°1 sin filas" in centro.texto
    assert centro.url == f"/diagnostico/{m.doc_a.pk}/cuadros/II/"
    no_iniciado = por["intruso"]
    assert "aún no se ha iniciado" in no_iniciado.texto and "Iniciar" in no_iniciado.texto
    assert no_iniciado.url == "/#no-iniciados" and no_iniciado.documento_id is None
    assert "espera su aprobación (versión 1)" in por["jefe.c"].texto
    assert "como subrogante de" in por["subrogante.c"].texto
    assert "visación técnica" in por["experto.d"].texto


def test_despues_del_plazo(mundo):
    m = mundo
    recordatorios.calcular(VENCE + timedelta(days=1))
    despues = {s: clave(m, s, "despues", 1) for s in (m.servicio, m.otro_servicio, m.c, m.d)}
    assert avisos_del_dia() == {
        "encargada": [despues[m.servicio]],
        "centro.ii": [despues[m.servicio]],
        "intruso": [despues[m.otro_servicio]],
        "jefe.c": [despues[m.c]],
        "subrogante.c": [despues[m.c]],
        "experto.d": [despues[m.d]],
    }
    aviso = Aviso.objects.get(usuario=m.encargada)
    assert aviso.tipo == Aviso.Tipo.PLAZO_DESPUES
    assert aviso.asunto.endswith("vencido hace 1 día")


def test_el_subrogante_solo_en_su_periodo(mundo):
    recordatorios.calcular(VENCE + timedelta(days=7))  # the subrogancia ended on VENCE + 3
    assert set(avisos_del_dia()) == {"encargada", "centro.ii", "intruso", "jefe.c", "experto.d"}


@pytest.mark.parametrize("dias", [-8, -6, -1, 0, 2, 3, 30])
def test_un_dia_que_no_es_de_aviso_no_registra_nada(mundo, dias):
    assert recordatorios.calcular(VENCE + timedelta(days=dias)) == 0
    assert not Aviso.objects.exists()


def test_calcular_dos_veces_no_repite(mundo):
    hoy = VENCE - timedelta(days=7)
    assert recordatorios.calcular(hoy) == 6
    assert recordatorios.calcular(hoy) == 0
    assert recordatorios.calcular(hoy + timedelta(days=1)) == 0
    assert Aviso.objects.count() == 6


def test_una_prorroga_mueve_solo_los_avisos_de_su_servicio(mundo):
    m = mundo
    nuevo = VENCE + timedelta(days=10)
    Prorroga.objects.create(
        plazo=m.plazo,
        servicio=m.otro_servicio,
        vence=nuevo,
        motivo="Cambio de jefatura.",
        otorgada_por=m.admin,
    )
    recordatorios.calcular(VENCE - timedelta(days=7))
    assert "intruso" not in avisos_del_dia()
    assert set(avisos_del_dia()) == {
        "encargada",
        "centro.ii",
        "jefe.c",
        "subrogante.c",
        "experto.d",
    }
    desde = ultimo_pk()
    recordatorios.calcular(nuevo - timedelta(days=7))  # VENCE + 3: no offset for the others
    assert avisos_del_dia(desde) == {
        "intruso": [clave(m, m.otro_servicio, "antes", 7, vence=nuevo)]
    }
    aviso = Aviso.objects.get(usuario=m.intruso)
    assert "con prórroga" in aviso.texto and "30-06-2009" in aviso.texto


def test_una_nueva_fecha_da_nuevos_avisos(mundo):
    """A deadline moved later reminds again (its clave carries the date)."""
    m = mundo
    recordatorios.calcular(VENCE - timedelta(days=7))
    Plazo.objects.filter(pk=m.plazo.pk).update(vence=VENCE + timedelta(days=1))
    assert recordatorios.calcular(VENCE - timedelta(days=6)) == 6


def test_la_etapa_siguiente_solo_si_puede_iniciarse(mundo):
    """On the Plan's offset only E (Diagnóstico visado) is reminded to start it."""
    m = mundo
    recordatorios.calcular(VENCE_PLAN - timedelta(days=14))
    assert avisos_del_dia() == {
        "gt.e": [clave(m, m.e, "antes", 14, vence=VENCE_PLAN, plazo=m.plazo_plan)]
    }


def test_visado_no_recibe_nada_y_un_ciclo_cerrado_tampoco(mundo):
    m = mundo
    type(m.ciclo).objects.filter(pk=m.ciclo.pk).update(abierto=False)
    assert recordatorios.calcular(VENCE - timedelta(days=7)) == 0


def test_servicio_inactivo_o_persona_inactiva(mundo):
    m = mundo
    type(m.d).objects.filter(pk=m.d.pk).update(activo=False)
    type(m.jefe_c).objects.filter(pk=m.jefe_c.pk).update(is_active=False)
    recordatorios.calcular(VENCE - timedelta(days=7))
    # A deactivated Jefe/a takes the subrogancia with them (Subrogancia.objects.en_vigor):
    # C's document waits for a new Jefe/a, whom the administrator assigns.
    assert set(avisos_del_dia()) == {"encargada", "centro.ii", "intruso"}


# --- Settings -----------------------------------------------------------------------------------


def test_los_ajustes_cambian_lo_que_se_calcula(mundo):
    ajustes = AjustesAvisos.actuales()
    ajustes.dias_antes, ajustes.dias_despues = "5", ""
    ajustes.save()
    assert recordatorios.calcular(VENCE - timedelta(days=7)) == 0
    assert recordatorios.calcular(VENCE + timedelta(days=1)) == 0
    assert recordatorios.calcular(VENCE - timedelta(days=5)) == 6


def test_inactivos_no_calcula_nada(mundo):
    ajustes = AjustesAvisos.actuales()
    ajustes.activos = False
    ajustes.save()
    assert recordatorios.ejecutar(VENCE - timedelta(days=7))["avisos_creados"] == 0
    assert not Aviso.objects.exists()
    assert mail.outbox == []


# --- Devuelto y no reenviado --------------------------------------------------------------------


def _devolver_el_dia(m, dia: date):
    """C's document returned by its Jefe, recorded as if on ``dia`` (noon, local time)."""
    workflow.devolver(
        documento=m.doc_c,
        actor=m.jefe_c,
        version=1,
        observaciones=[{"texto": "Revisar la misión."}, {"texto": "Falta un objetivo."}],
    )
    transicion = Transicion.objects.filter(documento=m.doc_c).latest("pk")
    mediodia = timezone.make_aware(datetime.datetime.combine(dia, datetime.time(12)))
    Transicion.objects.filter(pk=transicion.pk).update(fecha=mediodia)
    return transicion


def test_devuelto_y_no_reenviado(mundo):
    m = mundo
    dia = VENCE - timedelta(days=40)  # +3 and +10 are no deadline offset
    t = _devolver_el_dia(m, dia)
    assert recordatorios.calcular(dia + timedelta(days=2)) == 0
    assert recordatorios.calcular(dia + timedelta(days=3)) == 1
    aviso = Aviso.objects.get()
    assert (aviso.usuario, aviso.clave, aviso.tipo) == (
        m.gt_c,
        f"devuelto:{t.pk}:3",
        Aviso.Tipo.DEVUELTO,
    )
    assert aviso.asunto == "SERV-C Etapa I – Diagnóstico 2009: devuelto y no reenviado"
    assert "hace 3 días" in aviso.texto and "2 observaciones por resolver" in aviso.texto
    assert recordatorios.calcular(dia + timedelta(days=3)) == 0  # not again
    assert recordatorios.calcular(dia + timedelta(days=4)) == 0
    assert recordatorios.calcular(dia + timedelta(days=10)) == 1
    assert Aviso.objects.latest("pk").clave == f"devuelto:{t.pk}:10"


def test_reenviado_ya_no_se_recuerda(mundo):
    m = mundo
    dia = VENCE - timedelta(days=40)
    _devolver_el_dia(m, dia)
    m.doc_c.refresh_from_db()
    m.doc_c.observaciones.update(resuelta=True)
    workflow.enviar(documento=m.doc_c, actor=m.gt_c)
    assert recordatorios.calcular(dia + timedelta(days=3)) == 0


# --- The digest ---------------------------------------------------------------------------------


def test_un_resumen_por_persona_y_nunca_dos_veces(mundo, settings):
    settings.SITIO_URL = "https://pmggt.ejemplo.cl/"
    m = mundo
    recordatorios.calcular(VENCE - timedelta(days=7))
    recordatorios.calcular(VENCE + timedelta(days=1))  # the same people, a second aviso each
    resultado = recordatorios.enviar_resumenes(VENCE + timedelta(days=1))
    assert resultado == {"correos": 6, "avisos": 12}
    assert sorted(c.to[0] for c in mail.outbox) == sorted(
        u.email
        for u in (m.encargada, m.centro_ii, m.intruso, m.jefe_c, m.subrogante_c, m.experto_d)
    )
    correo = next(c for c in mail.outbox if c.to == [m.encargada.email])
    assert correo.subject == "[PMG-GT] Resumen diario: 2 avisos"
    assert "vence en 7 días" in correo.body and "vencido hace 1 día" in correo.body
    for aviso in Aviso.objects.filter(usuario=m.encargada):
        assert f"https://pmggt.ejemplo.cl/avisos/{aviso.pk}/abrir/" in correo.body
    assert "https://pmggt.ejemplo.cl/avisos/" in correo.body
    assert not Aviso.objects.filter(correo_enviado_en__isnull=True).exists()
    mail.outbox.clear()
    assert recordatorios.enviar_resumenes() == {"correos": 0, "avisos": 0}
    assert mail.outbox == []


def test_sin_correo_o_inactivo_no_se_marca(mundo):
    m = mundo
    type(m.intruso).objects.filter(pk=m.intruso.pk).update(email="")
    recordatorios.calcular(VENCE - timedelta(days=7))
    type(m.jefe_c).objects.filter(pk=m.jefe_c.pk).update(is_active=False)
    assert recordatorios.enviar_resumenes()["correos"] == 4
    assert "" not in {c.to[0] for c in mail.outbox}
    pendientes = Aviso.objects.filter(correo_enviado_en__isnull=True)
    assert sorted(pendientes.values_list("usuario__username", flat=True)) == ["intruso", "jefe.c"]
    # In the app the aviso is there all the same.
    assert Aviso.objects.filter(usuario=m.intruso).count() == 1


def test_ejecutar_calcula_y_envia(mundo):
    resultado = recordatorios.ejecutar(VENCE - timedelta(days=7))
    assert resultado == {
        "fecha": "2009-06-23",
        "avisos_creados": 6,
        "correos": 6,
        "avisos_enviados": 6,
    }
    assert recordatorios.ejecutar(VENCE - timedelta(days=7))["correos"] == 0
    assert len(mail.outbox) == 6


def test_el_aviso_de_una_transicion_esta_en_la_app_y_no_en_el_resumen(
    mundo, django_capture_on_commit_callbacks
):
    m = mundo
    with django_capture_on_commit_callbacks(execute=True):
        workflow.aprobar(documento=m.doc_c, actor=m.jefe_c, version=1)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.visar(documento=m.doc_d, actor=m.experto_d, version=1)
    assert sorted(c.to[0] for c in mail.outbox) == sorted([m.gt_d.email, m.jefe_d.email])
    avisos = Aviso.objects.order_by("usuario__username")
    assert [(a.usuario, a.tipo, a.documento) for a in avisos] == [
        (m.gt_d, Aviso.Tipo.TRANSICION, m.doc_d),
        (m.jefe_d, Aviso.Tipo.TRANSICION, m.doc_d),
    ]
    aviso = avisos[0]
    assert aviso.correo_enviado_en is not None and aviso.leido_en is None
    assert aviso.asunto == "SERV-D Etapa I – Diagnóstico 2009: visado por SUBDERE (V°B°)"
    assert "«Visó (V°B° técnico)»" in aviso.texto and "Estado actual: Visado" in aviso.texto
    assert aviso.url == f"/documentos/{m.doc_d.pk}/"
    mail.outbox.clear()
    assert recordatorios.enviar_resumenes() == {"correos": 0, "avisos": 0}
    assert mail.outbox == []


# --- The command --------------------------------------------------------------------------------


def test_comando(mundo):
    salida = StringIO()
    call_command("enviar_recordatorios", "--fecha", "2009-06-23", "--sin-correo", stdout=salida)
    texto = salida.getvalue()
    assert "Recordatorios del 23-06-2009: 6 aviso(s) nuevo(s)." in texto
    assert "no enviados (--sin-correo)" in texto
    assert mail.outbox == []
    salida = StringIO()
    call_command("enviar_recordatorios", "--fecha", "2009-06-23", stdout=salida)
    assert "0 aviso(s) nuevo(s)" in salida.getvalue()
    assert "6 enviado(s), con 6 aviso(s)" in salida.getvalue()
    with pytest.raises(CommandError, match="AAAA-MM-DD"):
        call_command("enviar_recordatorios", "--fecha", "23-06-2009")


# --- Constant queries ---------------------------------------------------------------------------


def _mas_servicios(m, n, desde=0):
    """n more Servicios, each with a Centro and its people, in the four states by turns."""
    from pmggt.models import Centro

    estados = [None, Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION]
    with actuando_como(m.admin):
        for i in range(desde, desde + n):
            s = servicio_con_personas(m, f"X-{i}")
            gt, jf, ex = (
                UsuarioFactory(username=f"gt.{i}"),
                UsuarioFactory(username=f"jf.{i}"),
                UsuarioFactory(username=f"ex.{i}"),
            )
            for u, tipo in ((gt, Tipo.ENCARGADO_GT), (jf, Tipo.JEFE), (ex, Tipo.EXPERTO)):
                services.rol_asignar(usuario=u, tipo=tipo, objeto=s)
            centro = Centro.objects.create(servicio=s, region=m.regiones[0], nombre=f"C {i}")
            services.roles_asegurar(centro)
            services.rol_asignar(
                usuario=UsuarioFactory(username=f"cr.{i}"),
                tipo=Tipo.ENCARGADO_CENTRO,
                objeto=centro,
            )
            estado = estados[i % 4]
            if estado is not None:
                documento_de(m, s, gt, jf, ex, estado)


def _consultas(hoy):
    with CaptureQueriesContext(connection) as consultas:
        recordatorios.calcular(hoy)
    return [c["sql"][:70] for c in consultas]


def test_consultas_constantes(mundo):
    m = mundo
    AjustesAvisos.actuales()
    dia = VENCE - timedelta(days=40)
    _devolver_el_dia(m, dia)
    _mas_servicios(m, 1, desde=2)  # one in revisión: the world's C was returned
    pocas = _consultas(VENCE - timedelta(days=7))
    devuelto_pocas = _consultas(dia + timedelta(days=3))
    Aviso.objects.all().delete()
    _mas_servicios(m, 29, desde=3)
    muchas = _consultas(VENCE - timedelta(days=7))
    assert len(muchas) == len(pocas), "\n".join(pocas + ["---"] + muchas)
    assert len(_consultas(dia + timedelta(days=3))) == len(devuelto_pocas)
    # And they were recorded: 4 Servicios of the world's plus 30 more, in 4 states by turns.
    assert Aviso.objects.filter(tipo=Aviso.Tipo.PLAZO_ANTES).count() > 30
