"""Subrogancia (issue 11, item 4): a substitute's approval is recorded as such and refused
after the period or on a version the same person sent.

The personas' world (tests/conftest.py): Servicio A with its Jefe (``jefe``), its Encargada GT
(``encargada``, who sends), an Encargada de Centro (``centro_i``) and, outside A, ``intruso``
(Encargado GT of B). Dates are relative to ``calendario.hoy()``, which the grants read.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pmggt import calendario, notificaciones, permisos, services, subrogancia, workflow
from pmggt.informes.pdf import identificacion
from pmggt.linea_tiempo import linea_de_tiempo
from pmggt.models import Aviso, Documento, GrupoRol, Subrogancia, Transicion
from tests.conftest import (
    estado_documento,
    huella_bd,
    mundo_compartido,
    mundo_con_documento_en,
)
from tests.fabricas import UsuarioFactory

Estado = Documento.Estado
Accion = Transicion.Accion
Tipo = GrupoRol.Tipo

en_revision = mundo_compartido(mundo_con_documento_en(Estado.EN_REVISION_JEFE))


def fresco(usuario):
    """A new user object: grants are kept on the instance (one read per request)."""
    return get_user_model().objects.get(pk=usuario.pk)


def hoy():
    return calendario.hoy()


def designar(m, subrogante, desde=None, hasta=None, actor=None, titular=None, **kw):
    desde = desde or hoy()
    return subrogancia.designar(
        servicio=kw.pop("servicio", m.servicio),
        titular=titular or m.jefe,
        subrogante=subrogante,
        desde=desde,
        hasta=hasta or desde + timedelta(days=10),
        motivo=kw.pop("motivo", "Feriado legal"),
        actor=fresco(actor or m.jefe),
        **kw,
    )


def pasada(m, subrogante, **campos):
    """A subrogancia written directly (a past period cannot be designated)."""
    datos = {
        "servicio": m.servicio,
        "titular": m.jefe,
        "subrogante": subrogante,
        "desde": hoy() - timedelta(days=10),
        "hasta": hoy() - timedelta(days=1),
        "designada_por": m.jefe,
    } | campos
    return Subrogancia.objects.create(**datos)


# --- Designation rules -------------------------------------------------------------------------


def test_el_jefe_designa_a_su_subrogante_con_aviso_y_correo(
    mundo, django_capture_on_commit_callbacks
):
    m = mundo
    with django_capture_on_commit_callbacks(execute=True):
        s = designar(m, m.centro_i)
    assert (s.servicio, s.titular, s.subrogante, s.designada_por) == (
        m.servicio,
        m.jefe,
        m.centro_i,
        m.jefe,
    )
    assert s.history.count() == 1 and s.history.first().history_user == m.jefe
    aviso = Aviso.objects.get(usuario=m.centro_i, tipo=Aviso.Tipo.SUBROGANCIA)
    assert "usted subroga a" in aviso.texto and aviso.url == reverse("pmggt:subrogancias")
    # E-mailed at once (so the digest does not send it again).
    assert aviso.correo_enviado_en is not None
    assert [c.to for c in mail.outbox] == [[m.centro_i.email]]
    assert "Jefe/a de Servicio de SERV-A" in mail.outbox[0].subject


def test_si_el_correo_falla_el_aviso_queda_para_el_resumen(
    mundo, django_capture_on_commit_callbacks, monkeypatch
):
    def falla(*args, **kwargs):
        raise OSError("sin servidor de correo")

    monkeypatch.setattr(subrogancia, "send_mail", falla)
    with django_capture_on_commit_callbacks(execute=True):
        designar(mundo, mundo.centro_i)
    aviso = Aviso.objects.get(usuario=mundo.centro_i, tipo=Aviso.Tipo.SUBROGANCIA)
    assert aviso.correo_enviado_en is None


def test_el_administrador_designa_para_cualquier_jefe(mundo):
    m = mundo
    jefe_b = UsuarioFactory(username="jefe.b")
    services.rol_asignar(usuario=jefe_b, tipo=Tipo.JEFE, objeto=m.otro_servicio)
    s = designar(m, m.intruso, actor=m.admin, titular=jefe_b, servicio=m.otro_servicio)
    assert s.designada_por == m.admin and s.titular == jefe_b


@pytest.mark.parametrize(
    "quien",
    ["encargada", "centro_i", "experta", "intruso", "gore"],
)
def test_solo_el_jefe_o_el_administrador_designan(mundo, quien):
    m = mundo
    antes = huella_bd()
    with pytest.raises(subrogancia.SinPermiso, match="Solo el Jefe/a"):
        designar(m, m.centro_ii, actor=getattr(m, quien), titular=m.jefe)
    assert huella_bd() == antes


def test_un_subrogante_no_designa_a_otro(mundo):
    m = mundo
    designar(m, m.centro_i)
    with pytest.raises(subrogancia.SinPermiso):
        designar(m, m.centro_ii, actor=m.centro_i)


def test_el_jefe_no_designa_en_otro_servicio(mundo):
    m = mundo
    with pytest.raises(subrogancia.SinPermiso):
        designar(m, m.intruso, servicio=m.otro_servicio)


def _error(m, campo, **kw):
    antes = huella_bd()
    with pytest.raises(subrogancia.SubroganciaInvalida) as info:
        designar(m, **kw)
    assert huella_bd() == antes, "una designación rechazada guardó algo"
    assert campo in info.value.errores, info.value.errores
    return info.value.errores[campo]


def test_reglas_de_la_designacion(mundo):
    m = mundo
    h = hoy()
    # The Jefe designates their own substitute only.
    otro_jefe = UsuarioFactory(username="jefa.dos")
    services.rol_asignar(usuario=otro_jefe, tipo=Tipo.JEFE, objeto=m.servicio)
    assert "a quien lo subroga a usted" in _error(
        m, "titular", subrogante=m.centro_i, titular=otro_jefe
    )
    # The administrator: the titular must be a Jefe/a of that Servicio.
    assert "no es Jefe/a de Servicio de SERV-A" in _error(
        m, "titular", subrogante=m.centro_i, titular=m.encargada, actor=m.admin
    )
    assert "otra persona" in _error(m, "subrogante", subrogante=m.jefe)
    inactiva = UsuarioFactory(username="inactiva", is_active=False)
    assert "desactivada" in _error(m, "subrogante", subrogante=inactiva)
    tecnica = UsuarioFactory(username="tecnica", is_superuser=True)
    assert "cuenta técnica" in _error(m, "subrogante", subrogante=tecnica)
    assert "antes de hoy" in _error(m, "desde", subrogante=m.centro_i, desde=h - timedelta(1))
    assert "igual o posterior" in _error(
        m, "hasta", subrogante=m.centro_i, desde=h + timedelta(5), hasta=h + timedelta(4)
    )
    assert "a lo más un año" in _error(
        m, "hasta", subrogante=m.centro_i, desde=h, hasta=h + timedelta(days=366)
    )
    # Exactly a year (366 days, both ends) is allowed; one day is too.
    designar(m, m.centro_i, desde=h, hasta=h + timedelta(days=365))


def test_no_se_traslapan_dos_subrogancias_del_mismo_titular(mundo):
    m = mundo
    h = hoy()
    primera = designar(m, m.centro_i, desde=h, hasta=h + timedelta(10))
    mensaje = _error(
        m, None, subrogante=m.centro_ii, desde=h + timedelta(10), hasta=h + timedelta(12)
    )
    assert "ya tiene una subrogancia en SERV-A" in mensaje and "revóquela" in mensaje
    # The next day is free, and so is the same period once the first is revoked.
    designar(m, m.centro_ii, desde=h + timedelta(11), hasta=h + timedelta(12))
    subrogancia.revocar(primera, fresco(m.jefe))
    designar(m, m.centro_ii, desde=h, hasta=h + timedelta(3))


def test_revocar(mundo, django_capture_on_commit_callbacks):
    m = mundo
    s = designar(m, m.centro_i)
    assert permisos.tiene(fresco(m.centro_i), "aprobar_documentos", m.servicio)
    with pytest.raises(subrogancia.SinPermiso):
        subrogancia.revocar(s, fresco(m.centro_i))  # the subrogante does not revoke
    with pytest.raises(subrogancia.SinPermiso):
        subrogancia.revocar(s, fresco(m.encargada))
    with django_capture_on_commit_callbacks(execute=True):
        s = subrogancia.revocar(s, fresco(m.jefe))
    assert s.revocada_en is not None and s.revocada_por == m.jefe
    assert not permisos.tiene(fresco(m.centro_i), "aprobar_documentos", m.servicio)
    assert Aviso.objects.filter(usuario=m.centro_i, clave=f"subrogancia:{s.pk}:revocada").exists()
    assert "revocó su subrogancia" in mail.outbox[-1].body
    with pytest.raises(subrogancia.SubroganciaInvalida, match="ya fue revocada"):
        subrogancia.revocar(s, fresco(m.admin))
    terminada = pasada(m, m.centro_ii)
    with pytest.raises(subrogancia.SubroganciaInvalida, match="ya terminó"):
        subrogancia.revocar(terminada, fresco(m.admin))


def test_vigentes_y_estado(mundo):
    m = mundo
    h = hoy()
    vigente = designar(m, m.centro_i, desde=h, hasta=h + timedelta(2))
    futura = designar(m, m.centro_ii, desde=h + timedelta(5), hasta=h + timedelta(6))
    terminada = pasada(m, m.intruso)
    assert list(subrogancia.vigentes()) == [vigente]
    assert list(subrogancia.vigentes([m.otro_servicio.pk])) == []
    assert list(subrogancia.vigentes(hoy=h + timedelta(5))) == [futura]
    assert [subrogancia.estado(s, h) for s in (vigente, futura, terminada)] == [
        "vigente",
        "programada",
        "terminada",
    ]
    assert subrogancia.estado(vigente, h + timedelta(3)) == "terminada"


# --- Grants while in force -------------------------------------------------------------------


def test_la_subrogancia_concede_en_la_misma_consulta(mundo, django_assert_num_queries):
    m = mundo
    designar(m, m.intruso)
    intruso = fresco(m.intruso)
    with django_assert_num_queries(1):
        assert permisos.tiene(intruso, "ver_documentos", m.servicio)
        assert permisos.tiene(intruso, "aprobar_documentos", m.servicio)
        assert permisos.tiene(intruso, "editar_documentos", m.otro_servicio)  # own role
        assert not permisos.tiene(intruso, "editar_documentos", m.servicio)
        assert permisos.servicios_por_subrogancia(intruso) == {m.servicio.pk}
        assert permisos.subrogancia_en(intruso, m.servicio) is not None
        assert permisos.subrogancia_en(intruso, m.otro_servicio) is None


@pytest.mark.parametrize("caso", ["terminada", "revocada", "futura"])
def test_sin_subrogancia_vigente_no_concede_nada(mundo, caso):
    m = mundo
    if caso == "terminada":
        pasada(m, m.intruso)
    elif caso == "revocada":
        subrogancia.revocar(designar(m, m.intruso), fresco(m.jefe))
    else:
        designar(m, m.intruso, desde=hoy() + timedelta(1))
    intruso = fresco(m.intruso)
    assert not permisos.tiene(intruso, "ver_documentos", m.servicio)
    assert not permisos.tiene(intruso, "aprobar_documentos", m.servicio)
    assert not permisos.servicios_por_subrogancia(intruso)


def test_el_subrogante_ve_lista_y_aprueba_por_subrogancia(en_revision, client):
    m = en_revision
    doc = m.documento
    url = reverse("pmggt:documento", args=[doc.pk])
    client.force_login(m.intruso)
    assert client.get(url).status_code == 404  # before: not theirs
    designar(m, m.intruso)

    pagina = client.get(url)
    assert pagina.status_code == 200
    assert 'name="aprobar-version"' in pagina.content.decode()
    pendientes = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    assert url in pendientes
    respuesta = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "aprobar"]),
        {"aprobar-version": str(doc.version_actual)},
    )
    assert respuesta.status_code == 302
    t = Transicion.objects.get(documento=doc, accion=Accion.APROBAR)
    assert t.actor == m.intruso and t.subrogancia.titular == m.jefe
    assert estado_documento(doc)[0] == Estado.EN_VISACION

    # Every record says so: the timeline, the document page and the PDF's V°B° block.
    jefe = m.jefe.get_full_name()
    textos = [e.texto for e in linea_de_tiempo(doc, con_ediciones=False)]
    assert f"aprobó la versión 1 y la envió a SUBDERE, por subrogancia de {jefe}" in textos
    client.force_login(m.encargada)
    assert f"por subrogancia de {jefe}" in client.get(url).content.decode()
    doc.refresh_from_db()
    firma = identificacion(doc, doc.versiones.get(numero=1))["aprobacion"]
    assert firma["nombre"] == f"{m.intruso.get_full_name()} (por subrogancia de {jefe})"
    assert firma["subrogancia_de"] == jefe


def test_el_correo_de_la_transicion_dice_por_subrogancia(
    en_revision, django_capture_on_commit_callbacks
):
    m = en_revision
    designar(m, m.centro_i)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.aprobar(documento=m.documento, actor=fresco(m.centro_i), version=1)
    cuerpo = next(c.body for c in mail.outbox if "aprobado por el Jefe" in c.subject)
    assert f"(por subrogancia de {m.jefe.get_full_name()}) realizó" in cuerpo


def test_quien_tiene_el_rol_propio_no_actua_por_subrogancia(en_revision):
    m = en_revision
    # Servicio A has a second Jefa, who designates the Jefe as her substitute.
    jefa = UsuarioFactory(username="jefa.dos")
    services.rol_asignar(usuario=jefa, tipo=Tipo.JEFE, objeto=m.servicio)
    designar(m, m.jefe, titular=jefa, actor=jefa)
    jefe = fresco(m.jefe)
    assert permisos.subrogancia_en(jefe, m.servicio) is None
    t = workflow.aprobar(documento=m.documento, actor=jefe, version=1)
    assert t.subrogancia is None


def test_devolver_por_subrogancia(en_revision):
    m = en_revision
    designar(m, m.centro_i)
    t = workflow.devolver(
        documento=m.documento,
        actor=fresco(m.centro_i),
        version=1,
        observaciones=[{"texto": "Falta la región II."}],
    )
    assert t.subrogancia is not None and t.subrogancia.titular == m.jefe


# --- After the period, revoked, before it: refused, nothing changes --------------------------


def _preparar(m, caso, subrogante):
    if caso == "terminada":
        return pasada(m, subrogante), "terminó el " + (hoy() - timedelta(1)).strftime("%d-%m-%Y")
    if caso == "revocada":
        s = subrogancia.revocar(designar(m, subrogante), fresco(m.jefe))
        return s, "terminó el " + timezone.localdate().strftime("%d-%m-%Y") + " (fue revocada)"
    desde = hoy() + timedelta(2)
    return designar(m, subrogante, desde=desde), "comienza el " + desde.strftime("%d-%m-%Y")


@pytest.mark.parametrize("caso", ["terminada", "revocada", "futura"])
def test_fuera_del_periodo_la_accion_se_rechaza(en_revision, client, caso):
    m = en_revision
    doc = m.documento
    _s, fin = _preparar(m, caso, m.centro_i)
    centro_i = fresco(m.centro_i)
    assert Accion.APROBAR not in workflow.acciones_disponibles(doc, centro_i)
    client.force_login(m.centro_i)  # (signing in writes its own history rows)
    antes, estado = huella_bd(), estado_documento(doc)
    # The workflow says why.
    with pytest.raises(workflow.SinPermiso) as info:
        workflow.aprobar(documento=doc, actor=centro_i, version=1)
    assert str(info.value).startswith(f"Su subrogancia de {m.jefe.get_full_name()} ")
    assert fin in str(info.value)
    with pytest.raises(workflow.SinPermiso, match="Su subrogancia"):
        workflow.devolver(documento=doc, actor=centro_i, version=1, observaciones=[{"texto": "x"}])
    # Over HTTP: 403 on the action, the page has no button; nothing changes.
    pagina = client.get(reverse("pmggt:documento", args=[doc.pk]))
    assert pagina.status_code == 200 and 'name="aprobar-version"' not in pagina.content.decode()
    for accion, datos in (
        ("aprobar", {"aprobar-version": "1"}),
        ("devolver", {"devolver-version": "1", "obs-TOTAL_FORMS": "0", "obs-INITIAL_FORMS": "0"}),
    ):
        respuesta = client.post(reverse("pmggt:documento_accion", args=[doc.pk, accion]), datos)
        assert respuesta.status_code == 403
    assert huella_bd() == antes and estado_documento(doc) == estado
    assert not Transicion.objects.filter(subrogancia__isnull=False).exists()


def test_fuera_del_periodo_quien_no_es_del_servicio_no_ve_el_documento(en_revision, client):
    m = en_revision
    pasada(m, m.intruso)
    client.force_login(m.intruso)
    assert client.get(reverse("pmggt:documento", args=[m.documento.pk])).status_code == 404


def test_termina_sola_al_dia_siguiente_de_hasta(en_revision, monkeypatch):
    m = en_revision
    h = hoy()
    designar(m, m.centro_i, desde=h, hasta=h)
    assert permisos.tiene(fresco(m.centro_i), "aprobar_documentos", m.servicio)
    monkeypatch.setattr(calendario, "hoy", lambda: h + timedelta(days=1))
    centro_i = fresco(m.centro_i)
    assert not permisos.tiene(centro_i, "aprobar_documentos", m.servicio)
    with pytest.raises(workflow.SinPermiso, match=f"terminó el {h.strftime('%d-%m-%Y')}"):
        workflow.aprobar(documento=m.documento, actor=centro_i, version=1)


# --- Four eyes: per person, also by subrogancia ------------------------------------------------


def test_quien_envio_la_version_no_la_aprueba_como_subrogante(en_revision, client):
    m = en_revision
    doc = m.documento  # sent by the Encargada GT (version 1)
    designar(m, m.encargada)
    encargada = fresco(m.encargada)
    assert permisos.tiene(encargada, "aprobar_documentos", m.servicio)
    acciones = workflow.acciones_disponibles(doc, encargada)
    assert Accion.APROBAR not in acciones and Accion.DEVOLVER not in acciones
    client.force_login(m.encargada)
    antes, estado = huella_bd(), estado_documento(doc)
    with pytest.raises(workflow.MismaPersona, match="Usted envió la versión 1"):
        workflow.aprobar(documento=doc, actor=encargada, version=1)
    with pytest.raises(workflow.MismaPersona):
        workflow.devolver(
            documento=doc, actor=encargada, version=1, observaciones=[{"texto": "Revisar."}]
        )
    respuesta = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "aprobar"]), {"aprobar-version": "1"}
    )
    assert respuesta.status_code == 302  # back to the page with the message
    assert huella_bd() == antes and estado_documento(doc) == estado
    pagina = client.get(respuesta["Location"]).content.decode()
    assert "debe aprobarla otra persona" in pagina


# --- Notifications -----------------------------------------------------------------------------


def test_el_envio_llega_tambien_al_subrogante_vigente(en_revision):
    m = en_revision
    envio = Transicion.objects.get(documento=m.documento, accion=Accion.ENVIAR)
    assert notificaciones.destinatarios(envio) == [m.jefe.email]
    designar(m, m.intruso)
    pasada(m, m.centro_ii)
    assert notificaciones.destinatarios(envio) == sorted([m.jefe.email, m.intruso.email])
    # Only for what the Jefe/a must act on.
    aprobacion = workflow.aprobar(documento=m.documento, actor=fresco(m.jefe), version=1)
    assert m.intruso.email not in notificaciones.destinatarios(aprobacion)


def test_revocada_durante_la_peticion_no_cuenta(en_revision):
    m = en_revision
    s = designar(m, m.centro_i)
    centro_i = fresco(m.centro_i)
    assert permisos.tiene(centro_i, "aprobar_documentos", m.servicio)  # grants already read
    Subrogancia.objects.filter(pk=s.pk).update(revocada_en=timezone.now(), revocada_por=m.jefe)
    antes = huella_bd()
    with pytest.raises(workflow.SinPermiso, match="fue revocada"):
        workflow.aprobar(documento=m.documento, actor=centro_i, version=1)
    assert huella_bd() == antes
