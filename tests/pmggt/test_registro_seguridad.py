"""Security log (JSON lines on pmggt.seguridad), failed logins kept, lockout vs. spoofed
X-Forwarded-For, and the Spanish common-password list."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.urls import reverse

from pmggt.models import Documento
from pmggt.seguridad import ContrasenaComunValidator, FormatoJSON

pytestmark = pytest.mark.django_db

RAIZ = Path(__file__).resolve().parents[2]
CLAVE = "clave-prueba"


def _lineas(caplog) -> list[dict]:
    """The security records as the JSON lines the formatter writes."""
    formato = FormatoJSON()
    return [json.loads(formato.format(r)) for r in caplog.records if r.name == "pmggt.seguridad"]


@pytest.fixture
def registro(caplog):
    caplog.set_level(logging.INFO, logger="pmggt.seguridad")
    return caplog


# --- One JSON line per refusal ---


def test_403_deja_una_linea_json(client, mundo, documento_en, registro):
    doc = documento_en()
    client.force_login(mundo.gore)  # concerned, but the document is not visado yet
    url = reverse("pmggt:documento", args=[doc.pk])
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 403

    (linea,) = _lineas(registro)
    assert linea["event"] == "acceso_denegado"
    assert linea["status"] == 403
    assert linea["user"] == "gore.i"
    assert linea["ip"] == "203.0.113.9"
    assert linea["method"] == "GET"
    assert linea["path"] == url
    assert "vise" in linea["reason"]  # the PermissionDenied message
    assert linea["time"][:4].isdigit() and "T" in linea["time"]


def test_404_deja_una_linea_json(client, mundo, documento_en, registro):
    doc = documento_en()
    client.force_login(mundo.intruso)
    url = reverse("pmggt:documento", args=[doc.pk])
    assert client.get(url).status_code == 404

    (linea,) = _lineas(registro)
    assert linea["event"] == "no_encontrado"
    assert linea["status"] == 404
    assert (linea["user"], linea["ip"], linea["path"]) == ("intruso", "127.0.0.1", url)
    assert linea["reason"] == "Documento no encontrado."


def test_404_anonimo_de_url_inexistente(client, db, registro):
    assert client.get("/no-existe/").status_code == 404
    (linea,) = _lineas(registro)
    assert linea["user"] == "anónimo"
    assert linea["path"] == "/no-existe/"


def test_post_rechazado_por_permiso_deja_una_linea(client, mundo, documento_en, registro):
    doc = documento_en()
    client.force_login(mundo.jefe)
    url = reverse("pmggt:documento_accion", args=[doc.pk, "enviar"])
    assert client.post(url, {"enviar-comentario": ""}).status_code == 403
    (linea,) = _lineas(registro)
    assert (linea["event"], linea["method"], linea["user"]) == ("acceso_denegado", "POST", "jefe")


def test_transicion_rechazada_deja_una_linea(client, mundo, documento_en, registro):
    doc = documento_en(Documento.Estado.EN_REVISION_JEFE)
    client.force_login(mundo.encargada)  # may send, but it was already sent
    url = reverse("pmggt:documento_accion", args=[doc.pk, "enviar"])
    r = client.post(url, {"enviar-comentario": ""})
    assert r.status_code == 302  # back to the page, with the message
    (linea,) = _lineas(registro)
    assert linea["event"] == "transicion_rechazada"
    assert linea["user"] == "encargada"
    assert (linea["method"], linea["path"]) == ("POST", url)
    assert linea["reason"].startswith("enviar: ")


def test_ingreso_fallido_deja_una_linea_json(client, mundo, registro):
    r = client.post(
        reverse("login"), {"username": "encargada", "password": "mala"}, REMOTE_ADDR="198.51.100.4"
    )
    assert r.status_code == 200
    (linea,) = _lineas(registro)
    assert linea["event"] == "ingreso_fallido"
    assert linea["user"] == "encargada"  # the account tried
    assert linea["ip"] == "198.51.100.4"
    assert (linea["method"], linea["path"]) == ("POST", reverse("login"))
    assert "mala" not in json.dumps(linea)  # never the password


def test_bloqueo_deja_una_linea_json(client, mundo, settings, registro):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = client.post(reverse("login"), {"username": "jefe", "password": "mala"})
    assert r.status_code == 429
    lineas = _lineas(registro)
    assert [x["event"] for x in lineas].count("ingreso_fallido") == settings.AXES_FAILURE_LIMIT
    (bloqueo,) = [x for x in lineas if x["event"] == "bloqueo"]
    assert (bloqueo["user"], bloqueo["ip"]) == ("jefe", "127.0.0.1")


def test_una_ruta_maliciosa_no_parte_la_linea(rf, registro):
    from django.contrib.auth.models import AnonymousUser

    from pmggt import seguridad

    solicitud = rf.get("/x")
    solicitud.path = '/x\n{"event": "falso"}'
    solicitud.user = AnonymousUser()
    seguridad.registrar("no_encontrado", solicitud, "prueba")
    (registro_,) = [r for r in registro.records if r.name == "pmggt.seguridad"]
    texto = FormatoJSON().format(registro_)
    assert "\n" not in texto
    assert json.loads(texto)["path"] == solicitud.path


def test_configuracion_escribe_json_en_stderr_y_en_archivo(tmp_path):
    archivo = tmp_path / "seguridad.log"
    codigo = (
        "import django; django.setup();"
        "from django.test import RequestFactory;"
        "from django.contrib.auth.models import AnonymousUser;"
        "from pmggt import seguridad;"
        "r = RequestFactory().get('/prueba/'); r.user = AnonymousUser();"
        "seguridad.registrar('acceso_denegado', r, 'prueba')"
    )
    entorno = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    entorno |= {
        "DJANGO_SETTINGS_MODULE": "pmggt.settings",
        "DEBUG": "1",
        "PMGGT_LOG_SEGURIDAD": str(archivo),
    }
    r = subprocess.run(
        [sys.executable, "-c", codigo], cwd=RAIZ, env=entorno, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    en_stderr = [json.loads(x) for x in r.stderr.splitlines() if x.startswith("{")]
    en_archivo = [json.loads(x) for x in archivo.read_text(encoding="utf-8").splitlines()]
    assert en_stderr == en_archivo
    (linea,) = en_archivo
    assert linea["event"] == "acceso_denegado"
    assert linea["user"] == "anónimo"
    assert linea["path"] == "/prueba/"
    assert set(linea) >= {"time", "event", "user", "ip", "method", "path", "reason"}


# --- Failed logins are kept; lockout ---


def test_ingresos_fallidos_se_conservan_tras_un_ingreso_correcto(client, mundo, settings):
    url = reverse("login")
    for _ in range(2):
        assert client.post(url, {"username": "encargada", "password": "mala"}).status_code == 200
    assert client.post(url, {"username": "encargada", "password": CLAVE}).status_code == 302

    intento = AccessAttempt.objects.get(username="encargada")
    assert intento.failures_since_start == 2
    assert AccessFailureLog.objects.filter(username="encargada").count() == 2

    # They still count: the limit is N failures within the cool-off, success or not.
    client.post(reverse("logout"))
    restantes = settings.AXES_FAILURE_LIMIT - 2
    for _ in range(restantes - 1):
        assert client.post(url, {"username": "encargada", "password": "mala"}).status_code == 200
    assert client.post(url, {"username": "encargada", "password": "mala"}).status_code == 429
    assert client.post(url, {"username": "encargada", "password": CLAVE}).status_code == 429
    assert AccessFailureLog.objects.filter(username="encargada").count() == (
        settings.AXES_FAILURE_LIMIT + 1
    )


@pytest.mark.parametrize("proxies", [0, 1])
def test_x_forwarded_for_falso_no_da_nuevos_intentos(client, mundo, settings, proxies):
    settings.PROXIES_CONFIABLES = proxies
    url = reverse("login")

    def cabecera(falsa):
        # With a trusted proxy, it appends the address it saw (the real client) on the right.
        return {"HTTP_X_FORWARDED_FOR": f"{falsa}, 200.1.2.3" if proxies else falsa}

    for i in range(settings.AXES_FAILURE_LIMIT):
        r = client.post(
            url,
            {"username": "encargada", "password": "mala"},
            REMOTE_ADDR="10.0.0.1",
            **cabecera(f"203.0.113.{i}"),
        )
    assert r.status_code == 429
    for falsa in ("198.51.100.7", "198.51.100.8, 192.0.2.1", ""):
        r = client.post(
            url,
            {"username": "encargada", "password": CLAVE},
            REMOTE_ADDR="10.0.0.1",
            **cabecera(falsa),
        )
        assert r.status_code == 429, falsa
    assert "_auth_user_id" not in client.session
    ips = set(
        AccessAttempt.objects.filter(username="encargada").values_list("ip_address", flat=True)
    )
    assert ips == {"200.1.2.3" if proxies else "10.0.0.1"}


def test_configuracion_de_axes():
    from django.conf import settings

    assert settings.AXES_RESET_ON_SUCCESS is False
    assert settings.AXES_ENABLE_ACCESS_FAILURE_LOG is True
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


# --- Common passwords ---


@pytest.mark.parametrize(
    "contrasena",
    [
        "contraseña",
        "Contraseña",
        "CONTRASENA",
        "Chile2024",
        "chile2024",
        "chile123",
        "Santiago2030!",
        "colocolo",
        "ColoColo1973",
        "2024colocolo",
        "  Valparaíso2001 ",
        "subdere2025",
        "teamo123456",
    ],
)
def test_contrasenas_comunes_rechazadas(contrasena):
    with pytest.raises(ValidationError) as error:
        validate_password(contrasena)
    mensajes = " ".join(error.value.messages)
    assert "Esta contraseña es demasiado común" in mensajes


@pytest.mark.parametrize(
    "contrasena",
    ["cobre-lunar-tortuga-17", "el copihue rojo florece en 2024", "Mar7iAnd3s!q"],
)
def test_contrasenas_no_comunes_aceptadas(contrasena):
    ContrasenaComunValidator().validate(contrasena)
    validate_password(contrasena)


def test_lista_de_contrasenas_tiene_cientos_de_entradas():
    from pmggt.seguridad import _lista

    lista = _lista(ContrasenaComunValidator().archivo)
    assert len(lista) >= 300
    assert {"contrasena", "chile", "santiago", "colocolo"} <= lista
    assert all(x == x.lower() and "ñ" not in x for x in lista)


def test_texto_de_ayuda_en_espanol():
    assert any("uso común en Chile" in t for t in password_validators_help_texts())
