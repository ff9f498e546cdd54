"""What an independent review of issue 11 found, pinned: a subrogancia ends with its titular's
role, a SUBDERE reviewer never substitutes a Jefe/a, transition notices reach people by role
*of that Servicio* and by user id (never by e-mail address), a failed mail leaves its aviso to
the digest, the dossier's record of a round stops at its V°B°, an abandoned dossier does not
block a new one, and Unicode digits are a Spanish message, not a 500.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pmggt import calendario, dossier, notificaciones, permisos, services, subrogancia, workflow
from pmggt.claveunica import run_desde_texto
from pmggt.models import Aviso, Documento, Dossier, GrupoRol, Transicion
from tests.conftest import crear_diagnostico, llevar_a, mundo_compartido, mundo_con_documento_en

Estado = Documento.Estado
Accion = Transicion.Accion
Tipo = GrupoRol.Tipo

en_revision = mundo_compartido(mundo_con_documento_en(Estado.EN_REVISION_JEFE))


def fresco(usuario):
    return get_user_model().objects.get(pk=usuario.pk)


def designar(m, subrogante):
    hoy = calendario.hoy()
    return subrogancia.designar(
        servicio=m.servicio,
        titular=m.jefe,
        subrogante=subrogante,
        desde=hoy,
        hasta=hoy + timedelta(days=5),
        motivo="Feriado legal",
        actor=fresco(m.jefe),
    )


@pytest.mark.parametrize("como", ["deja_el_rol", "desactivado"])
def test_la_subrogancia_termina_con_el_rol_del_titular(en_revision, client, como):
    m = en_revision
    designar(m, m.centro_i)
    assert m.servicio.pk in permisos.servicios_por_subrogancia(fresco(m.centro_i))
    if como == "deja_el_rol":
        m.jefe.groups.remove(services.rol_grupo(tipo=Tipo.JEFE, objeto=m.servicio))
    else:
        type(m.jefe).objects.filter(pk=m.jefe.pk).update(is_active=False)
    centro_i = fresco(m.centro_i)
    assert not permisos.tiene(centro_i, "aprobar_documentos", m.servicio)
    with pytest.raises(workflow.SinPermiso):
        workflow.aprobar(documento=m.documento, actor=centro_i, version=1)
    assert subrogancia.vigentes([m.servicio.pk]).count() == 0


def test_un_experto_no_subroga_al_jefe(mundo):
    m = mundo
    with pytest.raises(subrogancia.SubroganciaInvalida) as info:
        designar(m, m.experta)
    assert "Experto/a SUBDERE" in info.value.errores["subrogante"]
    with pytest.raises(subrogancia.SubroganciaInvalida):
        designar(m, m.gore)
    elegibles = set(subrogancia.personas_de([m.servicio.pk]).values_list("username", flat=True))
    assert "experta" not in elegibles and {"encargada", "centro.i"} <= elegibles


def test_el_jefe_de_otro_servicio_no_recibe_lo_del_jefe_aqui(en_revision):
    """A Jefe/a of B who is also an Encargada de Centro of A gets A's devoluciones (as
    Encargada de Centro) but never what A's Jefe/a gets."""
    m = en_revision
    doble = m.intruso
    services.rol_asignar(usuario=doble, tipo=Tipo.JEFE, objeto=m.otro_servicio)
    services.rol_asignar(usuario=doble, tipo=Tipo.ENCARGADO_CENTRO, objeto=m.centro_region_i)
    envio = Transicion.objects.get(documento=m.documento, accion=Accion.ENVIAR)
    assert notificaciones.destinatarios(envio) == [m.jefe.email]
    assert doble.pk not in {pk for pk, _ in notificaciones.personas(envio)}


def test_el_aviso_de_una_transicion_va_por_persona_no_por_correo(
    en_revision, django_capture_on_commit_callbacks
):
    m = en_revision
    # A GORE account that shares the Jefe/a's address must not get the Jefe/a's notice.
    type(m.gore).objects.filter(pk=m.gore.pk).update(email=m.jefe.email)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.devolver(
            documento=m.documento,
            actor=fresco(m.jefe),
            version=1,
            observaciones=[{"texto": "Texto interno de la revisión."}],
            comentario="Comentario interno",
        )
    assert not Aviso.objects.filter(usuario=m.gore).exists()
    assert Aviso.objects.filter(usuario=m.encargada, tipo=Aviso.Tipo.TRANSICION).exists()


def test_si_el_correo_de_la_transicion_falla_el_aviso_va_al_resumen(
    en_revision, django_capture_on_commit_callbacks, monkeypatch
):
    m = en_revision

    def falla(*args, **kwargs):
        raise OSError("servidor de correo caído")

    monkeypatch.setattr(notificaciones, "send_mass_mail", falla)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.aprobar(documento=m.documento, actor=fresco(m.jefe), version=1)
    aviso = Aviso.objects.get(usuario=m.experta, tipo=Aviso.Tipo.TRANSICION)
    assert aviso.correo_enviado_en is None  # the daily digest carries it
    assert mail.outbox == []


def test_una_subrogancia_vencida_dice_por_que_sobre_http(en_revision, client):
    m = en_revision
    hoy = calendario.hoy()
    from pmggt.models import Subrogancia

    Subrogancia.objects.create(
        servicio=m.servicio,
        titular=m.jefe,
        subrogante=m.centro_i,
        desde=hoy - timedelta(days=9),
        hasta=hoy - timedelta(days=2),
        designada_por=m.jefe,
    )
    client.force_login(m.centro_i)
    respuesta = client.post(
        reverse("pmggt:documento_accion", args=[m.documento.pk, "aprobar"]),
        {"aprobar-version": "1"},
    )
    assert respuesta.status_code == 403
    assert "Su subrogancia de" in respuesta.content.decode()


def test_las_rondas_del_expediente_terminan_en_el_vobo(mundo):
    m = mundo
    documento = llevar_a(m, crear_diagnostico(m), Estado.VISADO)
    version = documento.versiones.get(numero=documento.version_visada)
    workflow.solicitar_modificacion(
        documento=documento, actor=fresco(m.encargada), comentario="Corregir el cuadro 2."
    )
    services.observacion_crear(
        documento=Documento.objects.get(pk=documento.pk),
        autor=fresco(m.experta),
        texto="Observación sobre el borrador nuevo.",
    )
    datos = dossier.datos_observaciones(Documento.objects.get(pk=documento.pk), version)
    acciones = [t["accion"] for r in datos["rondas"] for t in r["transiciones"]]
    textos = [o["texto"] for r in datos["rondas"] for o in r["observaciones"]]
    assert acciones[-1] == Accion.VISAR.label
    assert Accion.SOLICITAR_MODIFICACION.label not in acciones
    assert "Observación sobre el borrador nuevo." not in textos


def test_un_expediente_abandonado_no_bloquea_uno_nuevo(mundo, client, pdf_simulado):
    m = mundo
    llevar_a(m, crear_diagnostico(m), Estado.VISADO)
    viejo = Dossier.objects.create(
        servicio=m.servicio, ciclo=m.ciclo, solicitado_por=m.experta, estado="en_proceso"
    )
    Dossier.objects.filter(pk=viejo.pk).update(
        solicitado_en=timezone.now() - timedelta(days=30), progreso=40
    )
    client.force_login(m.experta)
    respuesta = client.post(
        reverse("pmggt:dossier_lista"), {"servicio": m.servicio.pk, "ciclo": m.ciclo.anio}
    )
    assert respuesta.status_code == 302
    viejo.refresh_from_db()
    assert viejo.estado == Dossier.Estado.ERROR and "interrumpió" in viejo.error
    nuevo = Dossier.objects.exclude(pk=viejo.pk).get()
    assert respuesta["Location"] == reverse("pmggt:dossier", args=[nuevo.pk])


def test_digitos_unicode_son_un_mensaje_y_no_un_500(mundo, client):
    client.force_login(mundo.admin)
    respuesta = client.post(
        reverse("pmggt:avisos_ajustes"),
        {"activos": "on", "dias_antes": "²", "dias_despues": "1", "dias_devuelto": "3"},
    )
    assert respuesta.status_code in (200, 400)
    assert "números enteros" in respuesta.content.decode()
    client.force_login(mundo.experta)
    assert client.get(reverse("pmggt:dossier_lista") + "?servicio=²&ciclo=²").status_code == 200
    with pytest.raises(Exception) as info:
        run_desde_texto("²-5")
    assert type(info.value).__name__ == "ValidationError"


def test_el_aviso_de_devolucion_dice_por_subrogancia(en_revision, client):
    m = en_revision
    designar(m, m.centro_ii)
    workflow.devolver(
        documento=m.documento,
        actor=fresco(m.centro_ii),
        version=1,
        observaciones=[{"texto": "Falta la meta regional."}],
    )
    client.force_login(m.encargada)
    pagina = client.get(reverse("pmggt:documento", args=[m.documento.pk])).content.decode()
    titular = m.jefe.get_full_name() or m.jefe.username
    quien = m.centro_ii.get_full_name() or m.centro_ii.username
    assert f"Devuelto por {quien}, por subrogancia de {titular}" in pagina
