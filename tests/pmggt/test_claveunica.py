"""Sign-in with ClaveÚnica (pmggt.claveunica) against a local provider (tests/pmggt/oidc_stub.py).

The settings are those pmggt/settings.py computes with ``PMGGT_CLAVEUNICA=1`` and the stub's
address in the environment; the URLconf is reloaded with them and again after each test, so
that no other test sees the OIDC URLs.
"""

import importlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from pmggt import claveunica
from pmggt.models import Perfil
from pmggt.seguridad import FormatoJSON
from tests.pmggt.oidc_stub import ProveedorOIDC, claims_de

RAIZ = Path(__file__).resolve().parents[2]
RUN = "12345678-5"
User = get_user_model()


# --- The settings block, read with the stub's environment -----------------------------------


def _ajustes_de(entorno: dict):
    """pmggt/settings.py executed afresh with this environment (not Django's settings)."""
    with mock.patch.dict(os.environ, {"DEBUG": "1", **entorno}):
        for nombre in ("PMGGT_CLAVEUNICA", "CLAVEUNICA_CLIENT_ID", "CLAVEUNICA_CLIENT_SECRET"):
            if nombre not in entorno:
                os.environ.pop(nombre, None)
        spec = importlib.util.spec_from_file_location(
            "_ajustes_claveunica", RAIZ / "pmggt" / "settings.py"
        )
        modulo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modulo)
    return modulo


def _con_claveunica(entorno: dict) -> dict:
    modulo = _ajustes_de(entorno)
    nombres = [n for n in dir(modulo) if n.startswith(("OIDC_", "PMGGT_CLAVEUNICA"))]
    return {n: getattr(modulo, n) for n in nombres} | {
        "AUTHENTICATION_BACKENDS": modulo.AUTHENTICATION_BACKENDS,
        "LOGIN_REDIRECT_URL_FAILURE": modulo.LOGIN_REDIRECT_URL_FAILURE,
    }


def _recargar_urls():
    clear_url_caches()
    if "mozilla_django_oidc.urls" in sys.modules:
        # It reads OIDC_CALLBACK_CLASS when imported.
        importlib.reload(sys.modules["mozilla_django_oidc.urls"])
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@contextmanager
def _activada(ajustes):
    try:
        with override_settings(**ajustes):
            _recargar_urls()
            yield
    finally:
        _recargar_urls()


@pytest.fixture(scope="module")
def proveedor():
    p = ProveedorOIDC().iniciar()
    yield p
    p.detener()


@pytest.fixture
def cu(db, proveedor):
    """ClaveÚnica on, pointed at the stub (reset), for one test."""
    proveedor.reiniciar()
    with _activada(_con_claveunica(proveedor.ambiente())):
        yield proveedor


@pytest.fixture
def registro(caplog):
    caplog.set_level(logging.INFO, logger="pmggt.seguridad")
    return caplog


def _lineas(caplog) -> list[dict]:
    formato = FormatoJSON()
    return [json.loads(formato.format(r)) for r in caplog.records if r.name == "pmggt.seguridad"]


def _sin_tokens(caplog, proveedor):
    texto = "\n".join(
        r.getMessage() + json.dumps(getattr(r, "seguridad", {})) for r in caplog.records
    )
    for token in proveedor.emitidos:
        assert token not in texto


def _ida(client, proveedor, next_=None):
    """«Ingresar con ClaveÚnica»: PMG-GT sends the browser to the provider, which sends it back
    (the URL of the callback with code and state)."""
    url = reverse("oidc_authentication_init") + (f"?{urlencode({'next': next_})}" if next_ else "")
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"].startswith(proveedor.url("authorize/"))
    vuelta = requests.get(r["Location"], allow_redirects=False, timeout=5)
    assert vuelta.status_code == 302
    destino = urlsplit(vuelta.headers["Location"])
    assert destino.netloc == "testserver"
    assert destino.path == reverse("oidc_authentication_callback")
    return destino.path + "?" + destino.query


def _ingresar(client, proveedor, next_=None):
    return client.get(_ida(client, proveedor, next_))


def _registrar_run(usuario, run=RUN):
    Perfil.objects.update_or_create(usuario=usuario, defaults={"run": run})


def _sesion_de(client):
    return client.session.get("_auth_user_id")


def _mensaje_en_ingreso(client, respuesta, mensaje):
    assert respuesta.status_code == 302
    assert urlsplit(respuesta["Location"]).path == reverse("login")
    pagina = client.get(respuesta["Location"])
    assert pagina.status_code == 200
    assert mensaje in pagina.content.decode()
    assert _sesion_de(client) is None


# --- RUN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numero", "dv", "esperado"),
    [
        (12345678, "5", "12345678-5"),
        ("11111111", "1", "11111111-1"),
        (10000013, "k", "10000013-K"),
        (10000004, "0", "10000004-0"),
        (12345678, "4", None),
        (0, "0", None),
        ("12a45678", "5", None),
        (12345678, "", None),
        (None, None, None),
    ],
)
def test_normalizar_run(numero, dv, esperado):
    assert claveunica.normalizar_run(numero, dv) == esperado


@pytest.mark.parametrize(
    "texto", ["12.345.678-5", "12345678-5", " 12345678 - 5 ", "123456785", "12.345.678-5\n"]
)
def test_run_escrito_de_varias_formas(texto):
    assert claveunica.run_desde_texto(texto) == "12345678-5"


def test_run_con_k_minuscula_queda_en_mayuscula():
    assert claveunica.run_desde_texto("10.000.013-k") == "10000013-K"


@pytest.mark.parametrize(
    ("texto", "mensaje"),
    [
        ("12345678-4", "El dígito verificador no corresponde"),
        ("12345678-X", "Escriba el RUN con su dígito verificador"),
        ("RUN", "Escriba el RUN con su dígito verificador"),
        ("-5", "Escriba el RUN con su dígito verificador"),
    ],
)
def test_run_no_valido(texto, mensaje):
    with pytest.raises(ValidationError) as error:
        claveunica.run_desde_texto(texto)
    assert mensaje in error.value.messages[0]


def test_run_desde_claims_de_claveunica():
    assert claveunica.run_desde_claims(claims_de("10000013-K")) == "10000013-K"
    assert claveunica.run_desde_claims({"sub": "1"}) is None
    assert claveunica.run_desde_claims({"RolUnico": "12345678-5"}) is None
    otro = claims_de(RUN)
    otro["RolUnico"]["tipo"] = "PASAPORTE"
    assert claveunica.run_desde_claims(otro) is None


# --- Settings ----------------------------------------------------------------------------------


def test_apagada_por_omision_nada_de_oidc():
    modulo = _ajustes_de({})
    assert modulo.PMGGT_CLAVEUNICA is False
    assert "mozilla_django_oidc" not in modulo.INSTALLED_APPS
    assert "pmggt.claveunica.Backend" not in modulo.AUTHENTICATION_BACKENDS
    assert not [n for n in dir(modulo) if n.startswith("OIDC_")]
    # And in the settings the tests run with.
    assert settings.PMGGT_CLAVEUNICA is False
    assert "pmggt.claveunica.Backend" not in settings.AUTHENTICATION_BACKENDS


def test_encendida_sin_credenciales_no_arranca():
    with pytest.raises(
        ImproperlyConfigured, match="CLAVEUNICA_CLIENT_ID y CLAVEUNICA_CLIENT_SECRET"
    ):
        _ajustes_de({"PMGGT_CLAVEUNICA": "1"})


def test_encendida_con_los_valores_de_claveunica():
    m = _ajustes_de(
        {"PMGGT_CLAVEUNICA": "1", "CLAVEUNICA_CLIENT_ID": "id", "CLAVEUNICA_CLIENT_SECRET": "s"}
    )
    assert "mozilla_django_oidc" in m.INSTALLED_APPS
    assert m.AUTHENTICATION_BACKENDS == [
        "axes.backends.AxesStandaloneBackend",
        "pmggt.autenticacion.Autenticacion",
        "pmggt.claveunica.Backend",
        "guardian.backends.ObjectPermissionBackend",
    ]
    base = "https://accounts.claveunica.gob.cl/openid"
    extremos = [
        m.OIDC_OP_AUTHORIZATION_ENDPOINT,
        m.OIDC_OP_TOKEN_ENDPOINT,
        m.OIDC_OP_USER_ENDPOINT,
        m.OIDC_OP_JWKS_ENDPOINT,
    ]
    assert extremos == [f"{base}/authorize/", f"{base}/token/", f"{base}/userinfo/", f"{base}/jwks"]
    assert m.OIDC_RP_SIGN_ALGO == "RS256"
    assert m.OIDC_RP_SCOPES == "openid run name"
    assert m.OIDC_USE_NONCE is True and m.OIDC_CREATE_USER is False
    assert m.OIDC_STORE_ID_TOKEN is False and m.OIDC_STORE_ACCESS_TOKEN is False
    assert m.OIDC_CALLBACK_CLASS == "pmggt.claveunica.Callback"


def _check_deploy(**extra):
    quitar = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    entorno = {k: v for k, v in os.environ.items() if k not in quitar}
    entorno |= {
        "DJANGO_SETTINGS_MODULE": "pmggt.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k" * 30 + "Zq9!" * 10,
        "ALLOWED_HOSTS": "pmggt.gob.cl",
    } | extra
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RAIZ,
        env=entorno,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("encendida", [False, True], ids=["apagada", "encendida"])
def test_check_deploy_sin_advertencias(encendida):
    extra = (
        {"PMGGT_CLAVEUNICA": "1", "CLAVEUNICA_CLIENT_ID": "id", "CLAVEUNICA_CLIENT_SECRET": "s"}
        if encendida
        else {"PMGGT_CLAVEUNICA": "0"}
    )
    r = _check_deploy(**extra)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


# --- Off: no URLs, no button ------------------------------------------------------------------


@pytest.mark.django_db
def test_apagada_sin_urls_ni_boton(client):
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")
    for ruta in ("/oidc/authenticate/", "/oidc/callback/?code=x&state=y", "/oidc/logout/"):
        assert client.get(ruta).status_code == 404
    pagina = client.get(reverse("login")).content.decode()
    assert "ClaveÚnica" not in pagina and "Clave<strong>" not in pagina
    assert 'name="password"' in pagina


# --- On: the flow ------------------------------------------------------------------------------


def test_boton_en_la_pagina_de_ingreso(client, cu):
    pagina = client.get(reverse("login")).content.decode()
    assert 'class="btn btn-claveunica" href="/oidc/authenticate/"' in pagina
    assert "Ingresar con Clave<strong>Única</strong>" in pagina
    assert 'name="password"' in pagina  # still next to the password form
    con_destino = client.get(reverse("login") + "?next=/calendario/").content.decode()
    assert 'href="/oidc/authenticate/?next=/calendario/"' in con_destino


def test_ingresa_quien_tiene_ese_run(client, mundo, cu, registro):
    _registrar_run(mundo.jefe)
    nombre = mundo.jefe.first_name
    usuarios = User.objects.count()
    r = _ingresar(client, cu)
    assert r.status_code == 302
    assert r["Location"] == reverse("pmggt:mis_pendientes")
    assert _sesion_de(client) == str(mundo.jefe.pk)
    assert client.session["_auth_user_backend"] == "pmggt.claveunica.Backend"
    pagina = client.get(reverse("pmggt:mis_pendientes"))
    assert pagina.status_code == 200
    assert pagina.wsgi_request.user == mundo.jefe
    # The navbar's unread count came with the user (pmggt.autenticacion).
    assert hasattr(pagina.wsgi_request.user, "avisos_no_leidos")
    # What PMG-GT asked of ClaveÚnica.
    (pedido,) = cu.autorizaciones
    assert pedido["scope"] == "openid run name"
    assert pedido["redirect_uri"] == "http://testserver/oidc/callback/"
    assert len(pedido["state"]) == 32 and len(pedido["nonce"]) == 32
    assert ("POST", "/openid/token/") in cu.pedidos
    assert ("POST", "/openid/userinfo/") in cu.pedidos
    # Nobody created, nothing renamed: ClaveÚnica's «María José» is not copied.
    mundo.jefe.refresh_from_db()
    assert User.objects.count() == usuarios
    assert mundo.jefe.first_name == nombre
    # No token of ClaveÚnica kept in the session or written to the log.
    sesion = json.dumps(dict(client.session.items()), default=str)
    assert not any(token in sesion for token in cu.emitidos)
    (linea,) = [x for x in _lineas(registro) if x["event"] == "ingreso_claveunica"]
    assert linea["user"] == mundo.jefe.username
    _sin_tokens(registro, cu)


def test_vuelve_a_la_pagina_pedida(client, mundo, cu):
    _registrar_run(mundo.encargada)
    r = _ingresar(client, cu, next_=reverse("pmggt:calendario"))
    assert r["Location"] == reverse("pmggt:calendario")
    assert _sesion_de(client) == str(mundo.encargada.pk)


def test_run_con_k(client, mundo, cu):
    _registrar_run(mundo.experta, "10000013-K")
    cu.reiniciar(claims_de("10000013-k"))
    r = _ingresar(client, cu)
    assert r.status_code == 302 and _sesion_de(client) == str(mundo.experta.pk)


def test_run_no_registrado_no_entra_ni_se_crea(client, mundo, cu, registro):
    _registrar_run(mundo.jefe, "11111111-1")
    usuarios = User.objects.count()
    r = _ingresar(client, cu)
    _mensaje_en_ingreso(
        client, r, "Su RUN no está registrado en PMG-GT: pida a SUBDERE que le habilite."
    )
    assert User.objects.count() == usuarios
    (linea,) = [x for x in _lineas(registro) if x["event"] == "claveunica_rechazado"]
    assert linea["user"] == f"RUN {RUN}"
    assert linea["reason"] == "RUN no registrado en PMG-GT"
    assert linea["path"] == "/oidc/callback/"
    _sin_tokens(registro, cu)


def test_cuenta_desactivada_no_entra(client, mundo, cu, registro):
    _registrar_run(mundo.jefe)
    User.objects.filter(pk=mundo.jefe.pk).update(is_active=False)
    r = _ingresar(client, cu)
    _mensaje_en_ingreso(client, r, "Su cuenta de PMG-GT está desactivada")
    (linea,) = [x for x in _lineas(registro) if x["event"] == "claveunica_rechazado"]
    assert linea["reason"] == "cuenta desactivada"


def test_desactivada_despues_de_ingresar_pierde_la_sesion(client, mundo, cu):
    _registrar_run(mundo.jefe)
    _ingresar(client, cu)
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200
    User.objects.filter(pk=mundo.jefe.pk).update(is_active=False)
    r = client.get(reverse("pmggt:mis_pendientes"))
    assert r.status_code == 302 and urlsplit(r["Location"]).path == reverse("login")


@pytest.mark.parametrize(
    "claims",
    [
        claims_de("12345678-4"),  # wrong check digit
        {"sub": "1", "name": {"nombres": ["Ana"], "apellidos": ["Díaz"]}},  # no RolUnico
        {"sub": "1", "RolUnico": {"numero": "", "DV": "5", "tipo": "RUN"}},
    ],
    ids=["digito", "sin-rolunico", "sin-numero"],
)
def test_sin_run_valido_no_entra(client, mundo, cu, registro, claims):
    _registrar_run(mundo.jefe)
    cu.reiniciar(claims)
    r = _ingresar(client, cu)
    _mensaje_en_ingreso(client, r, "ClaveÚnica no entregó un RUN válido")
    assert [x["reason"] for x in _lineas(registro) if x["event"] == "claveunica_rechazado"] == [
        "ClaveÚnica no entregó un RUN válido"
    ]


def test_state_ajeno_se_rechaza_sin_canjear_el_codigo(client, mundo, cu, registro):
    _registrar_run(mundo.jefe)
    vuelta = _ida(client, cu)
    ruta, _, consulta = vuelta.partition("?")
    q = {k: v[0] for k, v in parse_qs(consulta).items()}
    falsa = f"{ruta}?{urlencode({'code': q['code'], 'state': 'x' * 32})}"
    r = client.get(falsa)
    _mensaje_en_ingreso(client, r, "la solicitud venció, ya se usó o no corresponde")
    assert ("POST", "/openid/token/") not in cu.pedidos
    assert [x["event"] for x in _lineas(registro)] == ["claveunica_estado_invalido"]
    # The genuine return still works.
    assert client.get(vuelta).status_code == 302 and _sesion_de(client) == str(mundo.jefe.pk)


def test_vuelta_sin_sesion_o_repetida_se_rechaza(client, mundo, cu):
    _registrar_run(mundo.jefe)
    vuelta = _ida(client, cu)
    # Another browser (no state of its own) with this code and state: refused.
    from django.test import Client

    otro = Client()
    _mensaje_en_ingreso(otro, otro.get(vuelta), "Vuelva a presionar «Ingresar con ClaveÚnica»")
    assert ("POST", "/openid/token/") not in cu.pedidos
    # Its own browser gets in, once: the state is gone after use.
    assert client.get(vuelta).status_code == 302 and _sesion_de(client) == str(mundo.jefe.pk)
    client.post(reverse("logout"))
    _mensaje_en_ingreso(client, client.get(vuelta), "Vuelva a presionar")
    assert [p for p in cu.pedidos if p[1] == "/openid/token/"] == [("POST", "/openid/token/")]


def test_vuelta_sin_codigo_se_rechaza(client, cu):
    _mensaje_en_ingreso(client, client.get("/oidc/callback/"), "Vuelva a presionar")


def test_state_vencido_se_rechaza(client, mundo, cu, registro):
    _registrar_run(mundo.jefe)
    vuelta = _ida(client, cu)
    with override_settings(PMGGT_CLAVEUNICA_VIGENCIA=-1):
        _mensaje_en_ingreso(client, client.get(vuelta), "la solicitud venció")
    assert ("POST", "/openid/token/") not in cu.pedidos
    assert "vencido" in _lineas(registro)[-1]["reason"]


@pytest.mark.parametrize(
    "estropear",
    ["otra_clave", "nonce", "audiencia", "emisor_falso", "vencido", "falla_token"],
)
def test_respuestas_no_validas_del_proveedor(client, mundo, cu, registro, estropear):
    _registrar_run(mundo.jefe)
    if estropear in {"nonce", "audiencia"}:
        setattr(cu, estropear, "otro-valor")
    else:
        setattr(cu, estropear, True)
    r = _ingresar(client, cu)
    _mensaje_en_ingreso(client, r, "ClaveÚnica no respondió como se esperaba")
    (linea,) = [x for x in _lineas(registro) if x["event"] == "claveunica_fallido"]
    assert linea["reason"].startswith("respuesta de ClaveÚnica no válida (")
    _sin_tokens(registro, cu)
    if estropear != "falla_token":
        assert ("POST", "/openid/userinfo/") not in cu.pedidos  # refused before asking who


def test_cancelado_en_claveunica(client, cu, registro):
    cu.cancelar = True
    r = _ingresar(client, cu)
    _mensaje_en_ingreso(client, r, "No se completó el ingreso con ClaveÚnica")
    assert ("POST", "/openid/token/") not in cu.pedidos
    assert [x["event"] for x in _lineas(registro)] == ["claveunica_cancelado"]
    assert client.session.get("oidc_states") == {}


def test_fallo_conserva_la_pagina_pedida(client, cu):
    r = _ingresar(client, cu, next_="/calendario/")
    assert r["Location"] == reverse("login") + "?next=%2Fcalendario%2F"


def test_contrasena_sigue_funcionando_sin_consultar_al_proveedor(client, mundo, cu):
    r = client.post(reverse("login"), {"username": mundo.jefe.username, "password": "clave-prueba"})
    assert r.status_code == 302 and _sesion_de(client) == str(mundo.jefe.pk)
    assert client.session["_auth_user_backend"] == "pmggt.autenticacion.Autenticacion"
    assert cu.pedidos == []


def test_permisos_no_se_responden_dos_veces(mundo, cu):
    backend = claveunica.Backend()
    assert backend.get_all_permissions(mundo.admin) == set()
    assert backend.has_perm(mundo.admin, "pmggt.view_servicio") is False
    assert backend.authenticate(None, username="jefe", password="clave-prueba") is None


def test_salir_cierra_la_sesion_local(client, mundo, cu):
    _registrar_run(mundo.jefe)
    _ingresar(client, cu)
    r = client.post(reverse("logout"))
    assert r.status_code == 302 and _sesion_de(client) is None
    assert not [p for p in cu.pedidos if "logout" in p[1]]


# --- The administrator registers the RUN ------------------------------------------------------


def _datos_usuario(persona, **extra):
    return {
        "username": persona.username,
        "first_name": persona.first_name,
        "is_active": "on",
        "date_joined_0": "2009-01-01",
        "date_joined_1": "00:00:00",
        "perfil-TOTAL_FORMS": "1",
        "perfil-INITIAL_FORMS": "0",
        "perfil-MIN_NUM_FORMS": "0",
        "perfil-MAX_NUM_FORMS": "1",
        **extra,
    }


def test_administrador_registra_el_run(client, mundo):
    client.force_login(mundo.admin)
    url = reverse("admin:auth_user_change", args=[mundo.jefe.pk])
    formulario = client.get(url).content.decode()
    assert 'name="perfil-0-run"' in formulario and "ClaveÚnica" in formulario
    r = client.post(url, _datos_usuario(mundo.jefe, **{"perfil-0-run": " 12.345.678 - 5 "}))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Perfil.objects.get(usuario=mundo.jefe).run == "12345678-5"
    assert Perfil.objects.get(usuario=mundo.jefe).history.latest().history_user == mundo.admin
    # Found by RUN in the list of users.
    lista = client.get(reverse("admin:auth_user_changelist"), {"q": "12345678-5"})
    assert mundo.jefe.username in lista.content.decode()


@pytest.mark.parametrize(
    ("run", "mensaje"),
    [
        ("12.345.678-4", "El dígito verificador no corresponde a ese RUN"),
        ("doce millones de RUN", "Escriba el RUN con su dígito verificador"),
    ],
)
def test_administrador_run_no_valido(client, mundo, run, mensaje):
    client.force_login(mundo.admin)
    url = reverse("admin:auth_user_change", args=[mundo.jefe.pk])
    r = client.post(url, _datos_usuario(mundo.jefe, **{"perfil-0-run": run}))
    assert r.status_code == 200
    assert mensaje in r.content.decode()
    assert not Perfil.objects.filter(usuario=mundo.jefe).exists()


def test_administrador_run_repetido(client, mundo):
    _registrar_run(mundo.encargada)
    client.force_login(mundo.admin)
    url = reverse("admin:auth_user_change", args=[mundo.jefe.pk])
    r = client.post(url, _datos_usuario(mundo.jefe, **{"perfil-0-run": "12345678-5"}))
    assert r.status_code == 200
    assert "Ese RUN ya está registrado para otra persona." in r.content.decode()


def test_administrador_quita_el_run_y_dos_personas_sin_run(client, mundo):
    _registrar_run(mundo.jefe)
    Perfil.objects.create(usuario=mundo.encargada, run=None)
    perfil = Perfil.objects.get(usuario=mundo.jefe)
    client.force_login(mundo.admin)
    url = reverse("admin:auth_user_change", args=[mundo.jefe.pk])
    datos = _datos_usuario(
        mundo.jefe,
        **{
            "perfil-INITIAL_FORMS": "1",
            "perfil-0-id": perfil.pk,
            "perfil-0-usuario": mundo.jefe.pk,
        },
    )
    datos["perfil-0-run"] = ""
    r = client.post(url, datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Perfil.objects.get(usuario=mundo.jefe).run is None


def test_cambio_sin_la_seccion_de_claveunica_no_toca_el_run(client, mundo):
    # As tests/pmggt/test_roles.py posts: no «perfil-» fields at all.
    _registrar_run(mundo.jefe)
    client.force_login(mundo.admin)
    url = reverse("admin:auth_user_change", args=[mundo.jefe.pk])
    datos = {k: v for k, v in _datos_usuario(mundo.jefe).items() if not k.startswith("perfil-")}
    r = client.post(url, datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Perfil.objects.get(usuario=mundo.jefe).run == RUN


def test_al_terminar_no_quedan_urls_de_oidc(db, proveedor):
    with _activada(_con_claveunica(proveedor.ambiente())):
        assert reverse("oidc_authentication_init") == "/oidc/authenticate/"
        assert reverse("oidc_authentication_callback") == "/oidc/callback/"
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")
