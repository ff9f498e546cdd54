"""The GOREs are e-mailed when a document that concerns their region is visado
(``pmggt.notificaciones.gores_notificar_visado``; Django's locmem backend in the tests): one
e-mail per Funcionario/a GORE, in Spanish, with «Mi región» and its region's downloads, and
nothing of the review (observaciones, comments)."""

import logging

from django.conf import settings
from django.core import mail
from django.urls import reverse

from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, GrupoRol
from tests.conftest import crear_diagnostico, llevar_a
from tests.fabricas import UsuarioFactory

Estado = Documento.Estado
ASUNTO = "visado por SUBDERE, disponible para su región"


def _a_visacion(m):
    documento = crear_diagnostico(m)
    workflow.enviar(documento=documento, actor=m.encargada, comentario="NOTA DE ENVÍO")
    workflow.devolver(
        documento=documento,
        actor=m.jefe,
        version=1,
        comentario="DEVUELTO POR EL JEFE",
        observaciones=[{"texto": "OBSERVACIÓN INTERNA"}],
    )
    from pmggt.models import Observacion

    Observacion.objects.filter(documento=documento).update(resuelta=True)
    documento.refresh_from_db()
    return llevar_a(m, documento, Estado.EN_VISACION)


def _visar(m, documento, capturar, comentario="NOTA DEL V°B°"):
    mail.outbox.clear()
    with capturar(execute=True):
        workflow.visar(
            documento=documento,
            actor=m.experta,
            version=documento.version_actual,
            comentario=comentario,
        )
    return [c for c in mail.outbox if ASUNTO in c.subject]


def test_un_correo_al_gore_de_la_region_con_sus_enlaces(mundo, django_capture_on_commit_callbacks):
    documento = _a_visacion(mundo)
    correos = _visar(mundo, documento, django_capture_on_commit_callbacks)

    assert [c.to for c in correos] == [[mundo.gore.email]]  # not the GORE of region III
    correo = correos[0]
    assert correo.subject == f"[PMG-GT] SERV-A Etapa I – Diagnóstico 2009: {ASUNTO}"
    sitio = settings.SITIO_URL.rstrip("/")
    cuerpo = correo.body
    assert "SUBDERE visó (V°B°) Etapa I – Diagnóstico 2009 de Servicio A (SERV-A)" in cuerpo
    assert "versión 2" in cuerpo and "Región de Tarapacá (I)" in cuerpo
    assert f"{sitio}{reverse('pmggt:mi_region')}" in cuerpo
    assert f"{sitio}/documentos/{documento.pk}/informes/cuadro1/?region=I" in cuerpo
    assert f"{sitio}/documentos/{documento.pk}/informes/cuadro2/?region=I" in cuerpo
    assert f"{sitio}/documentos/{documento.pk}/informes/cuadros/?region=I" in cuerpo
    assert "Cuadro I N°1 (PDF), región I" in cuerpo
    # Never the complete report, another region, or anything of the review.
    assert "etapa1" not in cuerpo and "region=II" not in cuerpo
    for interno in ("OBSERVACIÓN", "DEVUELTO POR EL JEFE", "NOTA DE ENVÍO", "NOTA DEL V°B°"):
        assert interno not in cuerpo
    # The chain's own e-mail still goes to the Servicio (Encargado/a GT and Jefe/a).
    del_servicio = sorted(c.to[0] for c in mail.outbox if ASUNTO not in c.subject)
    assert del_servicio == sorted([mundo.encargada.email, mundo.jefe.email])


def test_una_persona_de_dos_gore_recibe_un_solo_correo(mundo, django_capture_on_commit_callbacks):
    gore_ii = GrupoRol.objects.get(tipo=GrupoRol.Tipo.GORE, gore__region__codigo="II").gore
    with actuando_como(mundo.admin):
        services.rol_asignar(usuario=mundo.gore, tipo=GrupoRol.Tipo.GORE, objeto=gore_ii)
        colega = UsuarioFactory(username="gore.ii")
        services.rol_asignar(usuario=colega, tipo=GrupoRol.Tipo.GORE, objeto=gore_ii)
        sin_correo = UsuarioFactory(username="gore.sin.correo", email="")
        services.rol_asignar(usuario=sin_correo, tipo=GrupoRol.Tipo.GORE, objeto=gore_ii)
        inactiva = UsuarioFactory(username="gore.inactiva", is_active=False)
        services.rol_asignar(usuario=inactiva, tipo=GrupoRol.Tipo.GORE, objeto=gore_ii)
    correos = _visar(mundo, _a_visacion(mundo), django_capture_on_commit_callbacks)

    assert sorted(c.to[0] for c in correos) == sorted([mundo.gore.email, colega.email])
    ambos = next(c for c in correos if c.to == [mundo.gore.email]).body
    assert "concierne a la Región de Tarapacá (I) y a la Región de Antofagasta (II)" in ambos
    assert "?region=I\n" in ambos and "?region=II\n" in ambos
    solo_ii = next(c for c in correos if c.to == [colega.email]).body
    assert "?region=II" in solo_ii and "?region=I\n" not in solo_ii


def test_un_servicio_regional_sin_centros_usa_su_region(mundo, django_capture_on_commit_callbacks):
    from tests.pmggt.test_mi_region import _servicio_regional

    servicio = _servicio_regional(mundo, "SERV-C", mundo.regiones[2])
    documento = llevar_a(mundo, crear_diagnostico(mundo, servicio=servicio), Estado.EN_VISACION)
    correos = _visar(mundo, documento, django_capture_on_commit_callbacks)
    assert [c.to for c in correos] == [[mundo.gore_ajeno.email]]
    assert f"/documentos/{documento.pk}/informes/cuadro1/?region=III" in correos[0].body


def test_ningun_correo_al_gore_en_las_demas_acciones(mundo, django_capture_on_commit_callbacks):
    documento = crear_diagnostico(mundo)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.enviar(documento=documento, actor=mundo.encargada)
        workflow.aprobar(documento=documento, actor=mundo.jefe, version=1)
    assert not [c for c in mail.outbox if mundo.gore.email in c.to]


def test_un_nuevo_visado_avisa_de_nuevo_con_su_version(mundo, django_capture_on_commit_callbacks):
    documento = _a_visacion(mundo)
    _visar(mundo, documento, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.solicitar_modificacion(
            documento=documento, actor=mundo.encargada, comentario="Cambio del programa."
        )
    assert not [c for c in mail.outbox if ASUNTO in c.subject]
    documento.refresh_from_db()
    llevar_a(mundo, documento, Estado.EN_VISACION)
    correos = _visar(mundo, documento, django_capture_on_commit_callbacks)
    assert [c.to for c in correos] == [[mundo.gore.email]]
    assert "versión 3" in correos[0].body


def test_una_falla_del_correo_no_deshace_el_visado(
    mundo, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    documento = _a_visacion(mundo)

    def falla(*args, **kwargs):
        raise ConnectionRefusedError("SMTP caído")

    monkeypatch.setattr("pmggt.notificaciones.send_mass_mail", falla)
    with caplog.at_level(logging.ERROR, logger="pmggt.notificaciones"):
        _visar(mundo, documento, django_capture_on_commit_callbacks)
    documento.refresh_from_db()
    assert documento.estado == Estado.VISADO
    assert "No se pudo notificar a los GORE el visado" in caplog.text


def test_sin_gore_que_le_concierna_no_hay_correo(mundo, django_capture_on_commit_callbacks):
    documento = crear_diagnostico(mundo, servicio=mundo.otro_servicio)  # no region, no Centros
    with actuando_como(mundo.admin):
        services.rol_asignar(usuario=mundo.jefe, tipo=GrupoRol.Tipo.JEFE, objeto=documento.servicio)
        services.rol_asignar(
            usuario=mundo.experta, tipo=GrupoRol.Tipo.EXPERTO, objeto=documento.servicio
        )
    workflow.enviar(documento=documento, actor=mundo.intruso)
    workflow.aprobar(documento=documento, actor=mundo.jefe, version=1)
    documento.refresh_from_db()
    assert _visar(mundo, documento, django_capture_on_commit_callbacks) == []
    assert mail.outbox, "el Servicio sí recibe el suyo"
