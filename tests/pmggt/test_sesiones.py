"""Sessions: key rotation, logout, inactivity and absolute expiry, keep-alive, no-store pages."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pmggt.middleware import CLAVE_INGRESO, CLAVE_RENOVADA, RENOVAR_CADA

pytestmark = pytest.mark.django_db

CLAVE = "clave-prueba"


def _ingresar(client, usuario="encargada"):
    r = client.post(reverse("login"), {"username": usuario, "password": CLAVE})
    assert r.status_code == 302
    return r


def _ajustar_ingreso(client, horas_atras: float):
    sesion = client.session
    sesion[CLAVE_INGRESO] = (timezone.now() - timedelta(hours=horas_atras)).timestamp()
    sesion.save()


def _mensajes(respuesta) -> list[str]:
    return [str(m) for m in get_messages(respuesta.wsgi_request)]


# --- Login, logout, rotation ---


def test_ingreso_rota_la_clave_de_sesion(client, mundo):
    previa = client.session  # an anonymous session, saved, with its cookie set
    previa["antes"] = "valor"
    previa.save()
    clave_previa = previa.session_key

    _ingresar(client)

    nueva = client.session.session_key
    assert nueva != clave_previa
    assert not Session.objects.filter(session_key=clave_previa).exists()
    assert client.session["_auth_user_id"] == str(mundo.encargada.pk)


def test_ingreso_anota_la_hora_de_ingreso(client, mundo):
    antes = timezone.now().timestamp()
    _ingresar(client)
    assert antes - 1 <= client.session[CLAVE_INGRESO] <= timezone.now().timestamp() + 1


def test_salir_cierra_la_sesion(client, mundo):
    _ingresar(client)
    clave = client.session.session_key
    r = client.post(reverse("logout"), follow=True)
    assert "Sesión cerrada. Hasta pronto." in r.content.decode()
    assert not Session.objects.filter(session_key=clave).exists()
    r = client.get(reverse("pmggt:mis_pendientes"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


# --- Inactivity expiry ---


def _fijar_vencimiento(clave, fecha):
    """Set the stored session's expiry (sessions are read from the cache first: drop it)."""
    Session.objects.filter(session_key=clave).update(expire_date=fecha)
    cache.delete(f"django.contrib.sessions.cached_db{clave}")


def _renovada_hace(client, segundos):
    sesion = client.session
    sesion[CLAVE_RENOVADA] = timezone.now().timestamp() - segundos
    sesion.save()


def test_una_solicitud_renueva_la_expiracion_por_inactividad(client, mundo, settings):
    _ingresar(client)
    clave = client.session.session_key
    _renovada_hace(client, RENOVAR_CADA + 5)
    _fijar_vencimiento(clave, timezone.now() + timedelta(minutes=1))
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200
    vence = Session.objects.get(session_key=clave).expire_date
    esperado = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((vence - esperado).total_seconds()) < 30


def test_solicitudes_seguidas_no_escriben_la_sesion(client, mundo, settings):
    _ingresar(client)
    clave = client.session.session_key
    _renovada_hace(client, 10)
    client.get(reverse("pmggt:mis_pendientes"))
    vence = Session.objects.get(session_key=clave).expire_date
    with CaptureQueriesContext(connection) as consultas:
        html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    assert not any("UPDATE" in q["sql"] for q in consultas.captured_queries)
    assert Session.objects.get(session_key=clave).expire_date == vence
    # The warning counts from the last renewal, not from this request.
    inactividad = int(html.split('data-inactividad="')[1].split('"')[0])
    assert settings.SESSION_COOKIE_AGE - 40 <= inactividad <= settings.SESSION_COOKIE_AGE - 9


def test_sesion_vence_por_inactividad(client, mundo):
    _ingresar(client)
    _fijar_vencimiento(client.session.session_key, timezone.now() - timedelta(seconds=1))
    url = reverse("pmggt:mis_pendientes")
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('login')}?next={url}"
    r = client.get(r["Location"])
    assert "Su sesión expiró por inactividad" in r.content.decode()


def test_sesion_vencida_en_htmx_pide_ir_al_ingreso(client, mundo):
    _ingresar(client)
    _fijar_vencimiento(client.session.session_key, timezone.now() - timedelta(seconds=1))
    r = client.get(
        reverse("pmggt:documento_lista"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/documentos/?q=x",
    )
    assert r.status_code == 401
    assert r["HX-Redirect"] == f"{reverse('login')}?next=/documentos/%3Fq%3Dx"


# --- Absolute expiry ---


def test_sesion_vence_al_cumplir_el_maximo_aunque_haya_actividad(client, mundo, settings):
    assert settings.PMGGT_SESION_MAXIMA_HORAS == 10
    _ingresar(client)
    _ajustar_ingreso(client, horas_atras=9.9)
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200

    _ajustar_ingreso(client, horas_atras=10.1)
    url = reverse("pmggt:documento_lista")
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('login')}?next={url}"
    assert "_auth_user_id" not in client.session
    r = client.get(r["Location"])
    texto = r.content.decode()
    assert "alcanzó el tiempo máximo de 10 horas" in texto
    assert "Sesión cerrada. Hasta pronto." not in texto


def test_maximo_configurable_y_reloj_adelantado(client, mundo, settings):
    settings.PMGGT_SESION_MAXIMA_HORAS = 2
    _ingresar(client)
    url = reverse("pmggt:mis_pendientes")

    def activa_hasta(momento):
        # Someone working all along: the inactivity expiry keeps moving ahead.
        _fijar_vencimiento(client.session.session_key, momento + timedelta(minutes=10))

    futuro = timezone.now() + timedelta(hours=1, minutes=59)
    activa_hasta(futuro)
    with mock.patch("django.utils.timezone.now", return_value=futuro):
        assert client.get(url).status_code == 200
    futuro = timezone.now() + timedelta(hours=2, minutes=1)
    activa_hasta(futuro)
    with mock.patch("django.utils.timezone.now", return_value=futuro):
        r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert any("tiempo máximo de 2 horas" in m for m in _mensajes(r))


def test_maximo_vencido_en_htmx_responde_401_con_hx_redirect(client, mundo):
    _ingresar(client)
    _ajustar_ingreso(client, horas_atras=11)
    r = client.get(
        reverse("pmggt:mis_pendientes"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/documentos/",
    )
    assert r.status_code == 401
    assert r["HX-Redirect"] == f"{reverse('login')}?next=/documentos/"
    assert "_auth_user_id" not in client.session


def test_maximo_vencido_en_post_lleva_al_ingreso_sin_ejecutar(client, mundo, documento_en):
    doc = documento_en()
    _ingresar(client)
    _ajustar_ingreso(client, horas_atras=11)
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]), {"enviar-comentario": ""}
    )
    assert r.status_code == 302 and r["Location"] == reverse("login")
    doc.refresh_from_db()
    assert doc.estado == doc.Estado.BORRADOR


def test_sesion_sin_hora_de_ingreso_la_cuenta_desde_ahora(client, mundo):
    client.force_login(mundo.encargada)
    sesion = client.session
    del sesion[CLAVE_INGRESO]
    sesion.save()
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200
    assert abs(client.session[CLAVE_INGRESO] - timezone.now().timestamp()) < 30


# --- Warning and keep-alive ---


def test_pagina_lleva_los_segundos_restantes_para_el_aviso(client, mundo, settings):
    _ingresar(client)
    _ajustar_ingreso(client, horas_atras=9)
    antes = timezone.now()
    html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    despues = timezone.now()
    assert 'id="aviso-sesion"' in html
    assert f'data-inactividad="{settings.SESSION_COOKIE_AGE}"' in html
    absoluta = int(html.split('data-absoluta="')[1].split('"')[0])
    assert 3590 - 30 <= absoluta <= 3600
    # The page computed its closing time somewhere between antes and despues (a minute may
    # turn in between).
    cierres = {
        timezone.localtime(momento + timedelta(seconds=absoluta)).strftime("%H:%M")
        # (data-absoluta is whole seconds, cut down: the real end may be up to 1 s later)
        for momento in (antes, despues, despues + timedelta(seconds=1))
    }
    cierre = html.split('data-cierre="')[1].split('"')[0]
    assert cierre in cierres, (cierre, cierres)
    assert f'data-mantener="{reverse("pmggt:sesion_mantener")}"' in html


def test_pagina_de_ingreso_sin_aviso_de_sesion(client, mundo):
    assert 'id="aviso-sesion"' not in client.get(reverse("login")).content.decode()


def test_mantener_sesion_renueva_la_inactividad_no_el_maximo(client, mundo, settings):
    _ingresar(client)
    _ajustar_ingreso(client, horas_atras=4)
    ingreso = client.session[CLAVE_INGRESO]
    clave = client.session.session_key
    _fijar_vencimiento(clave, timezone.now() + timedelta(minutes=2))

    r = client.post(reverse("pmggt:sesion_mantener"))

    assert r.status_code == 204
    assert r.content == b""
    restante = json.loads(r["X-Sesion-Restante"])
    assert restante["inactividad"] == settings.SESSION_COOKIE_AGE
    assert 6 * 3600 - 30 <= restante["absoluta"] <= 6 * 3600
    assert client.session[CLAVE_INGRESO] == ingreso
    vence = Session.objects.get(session_key=clave).expire_date
    assert vence > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 30)


def test_mantener_sesion_solo_post_con_sesion_y_csrf(mundo, client):
    from django.test import Client

    url = reverse("pmggt:sesion_mantener")
    r = client.post(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("login") + "?next=")
    client.force_login(mundo.jefe)
    assert client.get(url).status_code == 405
    estricto = Client(enforce_csrf_checks=True)
    estricto.force_login(mundo.jefe)
    assert estricto.post(url).status_code == 403


def test_mantener_sesion_no_revive_una_sesion_vencida(client, mundo):
    _ingresar(client)
    _ajustar_ingreso(client, horas_atras=10.5)
    r = client.post(reverse("pmggt:sesion_mantener"))
    assert r.status_code == 302 and r["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


# --- Cache-Control ---


@pytest.mark.parametrize(
    "nombre",
    ["documento", "formulario", "ingreso", "lista"],
)
def test_paginas_html_no_se_guardan_en_cache(client, mundo, documento_en, nombre):
    doc = documento_en()
    if nombre != "ingreso":
        client.force_login(mundo.encargada)
    url = {
        "documento": reverse("pmggt:documento", args=[doc.pk]),
        "formulario": reverse("diagnostico:editar", args=[doc.pk]),
        "ingreso": reverse("login"),
        "lista": reverse("pmggt:documento_lista"),
    }[nombre]
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    directivas = {d.strip() for d in r["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directivas
    # The other security headers stay.
    assert r["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in r
    assert r["X-Content-Type-Options"] == "nosniff"


def test_paginas_de_error_tampoco_se_guardan(client, mundo, documento_en):
    doc = documento_en()
    client.force_login(mundo.intruso)
    r = client.get(reverse("pmggt:documento", args=[doc.pk]))
    assert r.status_code == 404
    assert "no-store" in r["Cache-Control"]
