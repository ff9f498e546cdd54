"""Production settings, CSP, login throttling and session expiry."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

RAIZ = Path(__file__).resolve().parents[2]


def _entorno_produccion(**extra):
    quitar = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    entorno = {k: v for k, v in os.environ.items() if k not in quitar}
    entorno |= {"DJANGO_SETTINGS_MODULE": "pmggt.settings", "DEBUG": "0"}
    entorno |= extra
    return entorno


def _python(codigo, entorno):
    return subprocess.run(
        [sys.executable, "-c", codigo], cwd=RAIZ, env=entorno, capture_output=True, text=True
    )


def test_produccion_no_arranca_sin_secret_key():
    r = _python("import django; django.setup()", _entorno_produccion())
    assert r.returncode != 0
    assert "SECRET_KEY es obligatoria en producción" in r.stderr


def test_produccion_configuracion_segura():
    codigo = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'hasher': s.PASSWORD_HASHERS[0], 'cookie': s.SESSION_COOKIE_SECURE,"
        "'csrf': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, 'ssl': s.SECURE_SSL_REDIRECT,"
        "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'edad': s.SESSION_COOKIE_AGE,"
        "'cada_solicitud': s.SESSION_SAVE_EVERY_REQUEST}))"
    )
    r = _python(codigo, _entorno_produccion(SECRET_KEY="x" * 60, ALLOWED_HOSTS="pmggt.gob.cl"))
    assert r.returncode == 0, r.stderr
    valores = json.loads(r.stdout.strip().splitlines()[-1])
    assert valores["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert valores["cookie"] and valores["csrf"] and valores["ssl"]
    assert valores["hsts"] >= 31536000
    assert valores["debug"] is False
    assert valores["hosts"] == ["pmggt.gob.cl"]
    # The inactivity expiry is renewed by the session middleware (at most once a minute).
    assert not valores["cada_solicitud"] and valores["edad"] <= 3600


def test_sesiones_en_cache_solo_con_un_cache_compartido():
    """Without Redis every app server reads sessions from the database; with it, from Redis
    (a session closed in one worker must be closed in all of them)."""
    codigo = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from django.core.cache import cache; "
        "cache.set('pmggt-prueba', 7) if s.REDIS_URL else None; "
        "print(json.dumps({'motor': s.SESSION_ENGINE, 'cache': s.CACHES['default']['BACKEND'],"
        "'lee': cache.get('pmggt-prueba') if s.REDIS_URL else None}))"
    )
    base = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "pmggt.gob.cl"}
    r = _python(codigo, _entorno_produccion(**base))
    assert r.returncode == 0, r.stderr
    valores = json.loads(r.stdout.strip().splitlines()[-1])
    assert valores["motor"] == "django.contrib.sessions.backends.db"
    assert valores["cache"].endswith("LocMemCache")
    r = _python(codigo, _entorno_produccion(REDIS_URL="redis://127.0.0.1:6379/5", **base))
    assert r.returncode == 0, r.stderr
    valores = json.loads(r.stdout.strip().splitlines()[-1])
    assert valores["motor"] == "django.contrib.sessions.backends.cached_db"
    assert valores["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert valores["lee"] == 7  # the Redis these machines run at 127.0.0.1:6379


def test_check_deploy_sin_advertencias():
    r = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RAIZ,
        env=_entorno_produccion(SECRET_KEY="k" * 30 + "Zq9!" * 10, ALLOWED_HOSTS="pmggt.gob.cl"),
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


def test_csp_sin_scripts_ni_estilos_en_linea(client, mundo):
    client.force_login(mundo.encargada)
    respuesta = client.get(reverse("pmggt:mis_pendientes"))
    csp = respuesta["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


def test_plantillas_sin_scripts_estilos_ni_eventos_en_linea():
    for plantilla in (RAIZ / "templates").rglob("*.html"):
        texto = plantilla.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", texto), plantilla
        assert not re.search(r"\sstyle=", texto), plantilla
        assert not re.search(r"\son[a-z]+=", texto), plantilla
        assert "<style" not in texto, plantilla


def test_ingreso_limitado_tras_intentos_fallidos(client, mundo):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = client.post(url, {"username": "encargada", "password": "mala"})
        assert r.status_code == 200
        assert "Por favor, introduzca un nombre de usuario" in r.content.decode()
    r = client.post(url, {"username": "encargada", "password": "mala"})
    assert r.status_code == 429
    # Locked out: even the right password is refused for now.
    r = client.post(url, {"username": "encargada", "password": "clave-prueba"})
    assert r.status_code == 429
    assert "bloqueado" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_ingreso_correcto(client, mundo):
    r = client.post(reverse("login"), {"username": "encargada", "password": "clave-prueba"})
    assert r.status_code == 302
    assert r["Location"] == reverse("pmggt:mis_pendientes")


def test_ip_del_cliente_detras_de_proxies_confiables(rf, settings):
    from pmggt.seguridad import ip_cliente

    solicitud = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 200.1.2.3")
    settings.PROXIES_CONFIABLES = 0
    assert ip_cliente(solicitud) == "10.0.0.1"
    settings.PROXIES_CONFIABLES = 1
    assert ip_cliente(solicitud) == "200.1.2.3"  # the left entry is client-supplied
    settings.PROXIES_CONFIABLES = 3
    assert ip_cliente(solicitud) == "10.0.0.1"
