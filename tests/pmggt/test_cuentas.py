"""Account basics: password reset by e-mail, and the Spanish error pages also under DEBUG.

The module is also a test-only URLconf (``urlpatterns`` below): the product's URLs plus views
that fail on purpose, for the error-page tests.
"""

import json
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpResponseNotFound
from django.test import Client, override_settings
from django.urls import path, reverse

from pmggt import urls as urls_pmggt
from pmggt.seguridad import FormatoJSON
from tests.fabricas import UsuarioFactory

RAIZ = Path(__file__).resolve().parents[2]
CLAVE = "clave-prueba"
NUEVA = "Quebrada-de-Tarapaca-en-marzo"
SITIO = "https://pmggt.ejemplo.gob.cl"


# --- Test-only URLconf: the product's URLs and views that fail on purpose ---


def _falla(request):
    raise RuntimeError("falla de prueba")


def _falla_base_de_datos(request):
    raise DatabaseError("la base de datos no responde")


def _no_existe(request):
    raise Http404("Fila de prueba no encontrada.")


def _prohibido(request):
    raise PermissionDenied("Solo SUBDERE visa documentos.")


def _404_propio(request):
    return HttpResponseNotFound("respuesta 404 propia de la vista", content_type="text/plain")


urlpatterns = [
    path("prueba/falla/", _falla),
    path("prueba/falla-bd/", _falla_base_de_datos),
    path("prueba/no-existe/", _no_existe),
    path("prueba/prohibido/", _prohibido),
    path("prueba/404-propio/", _404_propio),
    *urls_pmggt.urlpatterns,
]

ERRORES_EN_DEBUG = override_settings(
    DEBUG=True, PMGGT_PAGINAS_DE_ERROR_EN_DEBUG=True, ROOT_URLCONF=__name__
)
ERRORES_TECNICOS = override_settings(
    DEBUG=True, PMGGT_PAGINAS_DE_ERROR_EN_DEBUG=False, ROOT_URLCONF=__name__
)


# --- Helpers ---


@pytest.fixture(autouse=True)
def _limites_limpios():
    # The request limits live in the cache (per address and per IP).
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def persona(db, settings):
    settings.SITIO_URL = SITIO
    return UsuarioFactory(username="ana.rojas", email="ana.rojas@servicio.gob.cl")


@pytest.fixture
def registro(caplog):
    caplog.set_level(logging.INFO, logger="pmggt.seguridad")
    return caplog


def _lineas(caplog) -> list[dict]:
    formato = FormatoJSON()
    return [json.loads(formato.format(r)) for r in caplog.records if r.name == "pmggt.seguridad"]


def _pedir(client, correo, **extra):
    return client.post(reverse("password_reset"), {"email": correo}, follow=True, **extra)


def _enlace(mensaje) -> str:
    """The reset link in the e-mail, as a path on this site."""
    (url,) = re.findall(re.escape(SITIO) + r"/\S+", mensaje.body)
    return url.removeprefix(SITIO)


def _sin_csrf(html: str) -> str:
    # The masked CSRF token differs on every response.
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)


def _fijar(client, enlace, clave=NUEVA):
    formulario = client.get(enlace, follow=True)
    assert formulario.status_code == 200
    return client.post(
        formulario.redirect_chain[-1][0],
        {"new_password1": clave, "new_password2": clave},
        follow=True,
    )


def _ingresar(clave, usuario="ana.rojas"):
    cliente = Client()
    r = cliente.post(reverse("login"), {"username": usuario, "password": clave})
    return r.status_code == 302 and cliente.session.get("_auth_user_id") is not None


# --- Password reset by e-mail ---


def test_pagina_de_ingreso_ofrece_restablecer_la_contrasena(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "¿Olvidó su contraseña?" in html
    assert f'href="{reverse("password_reset")}"' in html


def test_restablecer_por_correo_de_punta_a_punta(client, persona):
    pagina = client.get(reverse("password_reset"))
    assert pagina.status_code == 200
    assert "Restablecer la contraseña" in pagina.content.decode()

    r = _pedir(client, "Ana.Rojas@servicio.gob.cl")  # any case
    assert r.redirect_chain[-1][0] == reverse("password_reset_done")
    assert "Revise su correo" in r.content.decode()

    (mensaje,) = mail.outbox
    assert mensaje.to == ["ana.rojas@servicio.gob.cl"]
    assert mensaje.subject == "[PMG-GT] Restablecer su contraseña"
    assert not mensaje.alternatives  # plain text only
    assert "Se pidió restablecer la contraseña de su cuenta ana.rojas en PMG-GT" in mensaje.body
    assert "El enlace vale por 2 horas y sirve una sola vez." in mensaje.body
    assert "Si usted no lo pidió, ignore este correo" in mensaje.body
    assert "testserver" not in mensaje.body  # never the request's Host
    enlace = _enlace(mensaje)
    assert enlace.startswith("/cuentas/contrasena/nueva/")

    formulario = client.get(enlace, follow=True)
    # The token leaves the address bar (and the Referer) before the form is shown.
    assert formulario.redirect_chain[-1][0].endswith("/set-password/")
    html = formulario.content.decode()
    assert "Elija su nueva contraseña" in html
    assert "Su contraseña debe contener al menos 8 caracteres." in html  # the rules, in Spanish

    r = _fijar(client, enlace)
    assert r.redirect_chain[-1][0] == reverse("login")
    html = r.content.decode()
    assert "Su contraseña fue cambiada. Ingrese con su nueva contraseña." in html
    assert "expiró" not in html
    assert "_auth_user_id" not in client.session  # not logged in automatically

    persona.refresh_from_db()
    assert persona.check_password(NUEVA)
    assert not _ingresar(CLAVE)
    assert _ingresar(NUEVA)


def test_contrasena_comun_se_rechaza_con_el_mensaje_en_castellano(client, persona):
    _pedir(client, persona.email)
    r = _fijar(client, _enlace(mail.outbox[0]), clave="contraseña2024")
    assert r.status_code == 200
    html = r.content.decode()
    campo = html.split('id="id_new_password1"', 1)[1]  # the message next to the field
    assert "Esta contraseña es demasiado común" in campo.split("</div>", 1)[0]
    assert 'aria-invalid="true"' in html
    persona.refresh_from_db()
    assert persona.check_password(CLAVE)  # nothing changed

    # The link still works for a better password.
    formulario = r.request["PATH_INFO"]
    r = client.post(formulario, {"new_password1": NUEVA, "new_password2": NUEVA + "x"})
    campo = r.content.decode().split('id="id_new_password2"', 1)[1]
    assert "Los dos campos de contraseña no coinciden." in campo.split("</div>", 1)[0]
    r = client.post(formulario, {"new_password1": NUEVA, "new_password2": NUEVA})
    assert r.status_code == 302
    persona.refresh_from_db()
    assert persona.check_password(NUEVA)


def test_direccion_desconocida_ve_la_misma_pagina_y_no_recibe_correo(client, persona):
    conocida = _pedir(client, persona.email)
    desconocida = _pedir(Client(), "nadie@servicio.gob.cl")
    assert desconocida.redirect_chain == conocida.redirect_chain
    assert _sin_csrf(desconocida.content.decode()) == _sin_csrf(conocida.content.decode())
    assert [m.to for m in mail.outbox] == [[persona.email]]


def test_usuario_inactivo_no_recibe_correo(client, persona):
    persona.is_active = False
    persona.save()
    r = _pedir(client, persona.email)
    assert r.redirect_chain[-1][0] == reverse("password_reset_done")
    assert mail.outbox == []


def test_enlace_usado_no_sirve_de_nuevo(client, persona):
    _pedir(client, persona.email)
    enlace = _enlace(mail.outbox[0])
    _fijar(client, enlace)

    r = Client().get(enlace, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "El enlace no es válido" in html
    assert "new_password1" not in html  # no form
    assert f'href="{reverse("password_reset")}"' in html  # ask for a new one


def test_enlace_vencido_no_sirve(client, persona):
    assert settings.PASSWORD_RESET_TIMEOUT == 2 * 60 * 60
    _pedir(client, persona.email)
    enlace = _enlace(mail.outbox[0])
    despues = PasswordResetTokenGenerator()._now() + timedelta(hours=2, minutes=1)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=despues):
        r = client.get(enlace, follow=True)
    assert "El enlace no es válido" in r.content.decode()
    persona.refresh_from_db()
    assert persona.check_password(CLAVE)


def test_restablecer_cierra_las_otras_sesiones(client, persona):
    otra = Client()
    otra.force_login(persona)
    assert otra.get(reverse("pmggt:mis_pendientes")).status_code == 200

    _pedir(client, persona.email)
    _fijar(client, _enlace(mail.outbox[0]))

    r = otra.get(reverse("pmggt:mis_pendientes"))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in otra.session


def test_restablecer_con_la_sesion_abierta_la_cierra(client, persona):
    client.force_login(persona)
    _pedir(client, persona.email)
    r = _fijar(client, _enlace(mail.outbox[0]))
    assert r.redirect_chain[-1][0] == reverse("login")
    html = r.content.decode()
    assert "Su contraseña fue cambiada." in html
    assert "Sesión cerrada." in html
    assert "expiró" not in html
    assert "_auth_user_id" not in client.session


def test_registro_de_seguridad_sin_el_token(client, persona, registro):
    _pedir(client, persona.email, REMOTE_ADDR="203.0.113.7")
    _pedir(client, "nadie@servicio.gob.cl")
    enlace = _enlace(mail.outbox[0])
    token = enlace.rstrip("/").rsplit("/", 1)[1]
    _fijar(client, enlace)
    client.get(enlace)  # used: invalid now

    lineas = _lineas(registro)
    solicitudes = [x for x in lineas if x["event"] == "restablecer_solicitado"]
    assert [(x["email"], x["sent"]) for x in solicitudes] == [
        (persona.email, 1),
        ("nadie@servicio.gob.cl", 0),
    ]
    assert solicitudes[0]["ip"] == "203.0.113.7"
    assert solicitudes[0]["user"] == "anónimo"
    (completado,) = [x for x in lineas if x["event"] == "restablecer_completado"]
    assert completado["user"] == "ana.rojas"
    assert completado["method"] == "POST"
    (invalido,) = [x for x in lineas if x["event"] == "restablecer_enlace_invalido"]
    assert invalido["path"].endswith("/***/")
    texto = "\n".join(FormatoJSON().format(r) for r in registro.records)
    assert token not in texto
    assert NUEVA not in texto


def test_solicitudes_repetidas_se_limitan_sin_revelar_nada(client, persona, registro, settings):
    settings.PMGGT_RESTABLECER_POR_CORREO = 3
    paginas = [_pedir(client, persona.email) for _ in range(4)]
    assert len(mail.outbox) == 3  # the fourth is not sent
    assert {p.redirect_chain[-1][0] for p in paginas} == {reverse("password_reset_done")}
    assert _sin_csrf(paginas[3].content.decode()) == _sin_csrf(paginas[0].content.decode())
    (limitada,) = [x for x in _lineas(registro) if x["event"] == "restablecer_limitado"]
    assert limitada["email"] == persona.email

    # Per IP, whatever the address.
    settings.PMGGT_RESTABLECER_POR_IP = 5
    for i in range(5):
        _pedir(client, f"otra{i}@servicio.gob.cl", REMOTE_ADDR="198.51.100.8")
    _pedir(client, "ana.rojas@servicio.gob.cl", REMOTE_ADDR="198.51.100.8")
    assert len(mail.outbox) == 3


def test_correo_invalido_muestra_el_error_en_castellano(client, db):
    r = client.post(reverse("password_reset"), {"email": "no-es-un-correo"})
    assert r.status_code == 200
    assert "Introduzca una dirección de correo electrónico válida." in r.content.decode()
    assert mail.outbox == []


def test_pagina_de_contrasena_cambiada(client, db):
    r = client.get(reverse("password_reset_complete"))
    assert r.status_code == 200
    assert f'href="{reverse("login")}"' in r.content.decode()


# --- Spanish error pages under DEBUG (the demo) ---


@ERRORES_EN_DEBUG
def test_debug_url_inexistente_da_la_pagina_404_en_castellano(db):
    r = Client().get("/no-existe/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "Página no encontrada" in html
    assert "Using the URLconf" not in html
    # Through the whole chain: the security headers are there.
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert "no-store" in r["Cache-Control"]


@ERRORES_EN_DEBUG
def test_debug_http404_de_una_vista_da_la_pagina_404_y_queda_registrado(db, registro):
    r = Client().get("/prueba/no-existe/")
    assert r.status_code == 404
    assert "Página no encontrada" in r.content.decode()
    (linea,) = [x for x in _lineas(registro) if x["event"] == "no_encontrado"]
    assert linea["reason"] == "Fila de prueba no encontrada."


@ERRORES_EN_DEBUG
def test_debug_404_propio_de_una_vista_no_se_toca(db):
    r = Client().get("/prueba/404-propio/")
    assert r.status_code == 404
    assert r.content == b"respuesta 404 propia de la vista"


@ERRORES_EN_DEBUG
def test_debug_excepcion_da_la_pagina_500_en_castellano_y_se_registra(db, caplog):
    cliente = Client(raise_request_exception=False)
    cliente.force_login(UsuarioFactory(username="eva.soto"))
    with caplog.at_level(logging.ERROR, logger="django.request"):
        r = cliente.get("/prueba/falla/")
    assert r.status_code == 500
    html = r.content.decode()
    assert "Ocurrió un error inesperado" in html
    assert "Traceback" not in html and "falla de prueba" not in html
    (error,) = [x for x in caplog.records if x.name == "django.request"]
    assert error.levelno == logging.ERROR
    assert error.exc_info and str(error.exc_info[1]) == "falla de prueba"


@ERRORES_EN_DEBUG
def test_debug_pagina_500_tras_un_error_de_base_de_datos_no_consulta_la_base(
    db, django_assert_num_queries
):
    cliente = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        r = cliente.get("/prueba/falla-bd/")
    assert r.status_code == 500
    assert "Ocurrió un error inesperado" in r.content.decode()


@ERRORES_EN_DEBUG
def test_debug_403_usa_la_pagina_en_castellano(db):
    r = Client().get("/prueba/prohibido/")
    assert r.status_code == 403
    assert "Solo SUBDERE visa documentos." in r.content.decode()


@ERRORES_TECNICOS
def test_sin_la_opcion_debug_muestra_las_paginas_tecnicas_de_django(db):
    r = Client().get("/no-existe/")
    assert r.status_code == 404
    assert "Using the URLconf defined in" in r.content.decode()
    r = Client(raise_request_exception=False).get("/prueba/falla/")
    assert r.status_code == 500
    assert "Traceback" in r.content.decode()
    assert "falla de prueba" in r.content.decode()


@override_settings(DEBUG=False, PMGGT_PAGINAS_DE_ERROR_EN_DEBUG=True, ROOT_URLCONF=__name__)
def test_sin_debug_las_paginas_de_siempre(db):
    r = Client().get("/no-existe/")
    assert (r.status_code, "Página no encontrada" in r.content.decode()) == (404, True)
    r = Client(raise_request_exception=False).get("/prueba/falla/")
    assert (r.status_code, "Ocurrió un error inesperado" in r.content.decode()) == (500, True)


def test_la_opcion_esta_activa_por_omision_y_se_apaga_con_una_variable():
    codigo = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PMGGT_PAGINAS_DE_ERROR_EN_DEBUG, s.PASSWORD_RESET_TIMEOUT)"
    )
    entorno = {k: v for k, v in os.environ.items() if not k.startswith("PMGGT_")}
    entorno |= {"DJANGO_SETTINGS_MODULE": "pmggt.settings", "DEBUG": "1"}
    for valor, esperado in ((None, "True 7200"), ("0", "False 7200")):
        if valor is not None:
            entorno["PMGGT_PAGINAS_DE_ERROR_EN_DEBUG"] = valor
        r = subprocess.run(
            [sys.executable, "-c", codigo], cwd=RAIZ, env=entorno, capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip().splitlines()[-1] == esperado
