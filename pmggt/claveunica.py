"""Sign-in with ClaveÚnica (OpenID Connect, mozilla-django-oidc), next to passwords.

Off unless ``PMGGT_CLAVEUNICA=1`` (pmggt/settings.py, docs/despliegue.md «ClaveÚnica»). The
person is identified by the RUN ClaveÚnica certifies (``RolUnico.numero`` and ``DV`` of the
userinfo), matched against ``Perfil.run``, which SUBDERE's administrator registers in the
user admin (pmggt/admin.py). Nobody is ever created here: a RUN that is not registered, a
deactivated account, a request whose ``state`` is not this browser's, or any failure of the
provider returns to the login page with a Spanish message and a line on the security log
(``pmggt.seguridad``), never with a token. Names and e-mail are not copied from ClaveÚnica:
SUBDERE keeps them in the admin.

The callback (``Callback``) calls ``Backend`` directly rather than through
``django.contrib.auth.authenticate``: a refusal here is not a wrong password, so it is logged
as what it is and does not count as a failed password attempt (django-axes). ``Backend``
answers no permission question (``pmggt.autenticacion`` and guardian do), and reads the
session's user as ``pmggt.autenticacion`` does, with the navbar's unread count.
"""

import logging
import time
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from . import seguridad
from .autenticacion import con_avisos

RUTA_BACKEND = "pmggt.claveunica.Backend"

MENSAJE_NO_REGISTRADO = "Su RUN no está registrado en PMG-GT: pida a SUBDERE que le habilite."
MENSAJE_INACTIVO = "Su cuenta de PMG-GT está desactivada: pida a SUBDERE que la vuelva a habilitar."
MENSAJE_SIN_RUN = (
    "ClaveÚnica no entregó un RUN válido, por lo que no fue posible identificarle. "
    "Intente nuevamente o ingrese con su nombre de usuario y contraseña."
)
MENSAJE_ESTADO = (
    "No fue posible completar el ingreso con ClaveÚnica: la solicitud venció, ya se usó o no "
    "corresponde a este navegador. Vuelva a presionar «Ingresar con ClaveÚnica»."
)
MENSAJE_CANCELADO = "No se completó el ingreso con ClaveÚnica. Puede intentarlo de nuevo."
MENSAJE_FALLA = (
    "ClaveÚnica no respondió como se esperaba y no fue posible ingresar. Intente nuevamente "
    "en unos minutos o ingrese con su nombre de usuario y contraseña."
)


# --- RUN ---------------------------------------------------------------------------------------


def digito_verificador(numero: int) -> str:
    """The RUN's check digit (módulo 11): «0»–«9» or «K»."""
    suma, factor = 0, 2
    for cifra in reversed(str(numero)):
        suma += int(cifra) * factor
        factor = 2 if factor == 7 else factor + 1
    resto = 11 - suma % 11
    return {11: "0", 10: "K"}.get(resto, str(resto))


def normalizar_run(numero, dv) -> str | None:
    """«12345678-5» from a number and a check digit, or None if they do not make a valid RUN."""
    texto = str(numero if numero is not None else "").strip().replace(".", "")
    dv = str(dv if dv is not None else "").strip().upper()
    if (
        not (texto.isascii() and texto.isdigit())
        or len(texto) > 9
        or int(texto) == 0
        or len(dv) != 1
    ):
        return None
    valor = int(texto)
    if digito_verificador(valor) != dv:
        return None
    return f"{valor}-{dv}"


def run_desde_texto(texto: str) -> str:
    """The RUN typed by a person («12.345.678-5», «12345678-k», «123456785»), normalised.

    Raises ValidationError (Spanish) when it is not a RUN.
    """
    limpio = "".join(str(texto or "").split()).replace(".", "").upper()
    if "-" in limpio:
        numero, _, dv = limpio.rpartition("-")
    else:
        numero, dv = limpio[:-1], limpio[-1:]
    if (
        not (numero.isascii() and numero.isdigit())
        or len(dv) != 1
        or not (dv in "0123456789" or dv == "K")
    ):
        raise ValidationError(
            "Escriba el RUN con su dígito verificador, por ejemplo 12345678-5.", code="formato"
        )
    run = normalizar_run(numero, dv)
    if run is None:
        raise ValidationError(
            "El dígito verificador no corresponde a ese RUN: revise el número.",
            code="digito",
        )
    return run


def run_desde_claims(claims) -> str | None:
    """The RUN in ClaveÚnica's userinfo (``RolUnico: {numero, DV, tipo}``), or None."""
    rol = claims.get("RolUnico") if isinstance(claims, dict) else None
    if not isinstance(rol, dict):
        return None
    tipo = rol.get("tipo")
    if tipo not in (None, "", "RUN"):
        return None
    return normalizar_run(rol.get("numero"), rol.get("DV"))


# --- Backend -----------------------------------------------------------------------------------


class Rechazo(Exception):
    """ClaveÚnica identified someone PMG-GT does not let in: why, and what to tell them."""

    def __init__(self, motivo: str, mensaje: str, *, run: str | None = None):
        super().__init__(motivo)
        self.motivo = motivo
        self.mensaje = mensaje
        self.run = run


class Backend(OIDCAuthenticationBackend):
    """Identifies the person by the RUN ClaveÚnica certifies; never creates accounts."""

    def authenticate(self, request, claveunica=False, **kwargs):
        # Only the callback asks (claveunica=True); a password login, which Django offers to
        # every backend, never reaches the provider from here.
        if not claveunica:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audiencia = payload.get("aud")
        audiencias = audiencia if isinstance(audiencia, list) else [audiencia]
        if self.OIDC_RP_CLIENT_ID not in audiencias:
            raise SuspiciousOperation("id_token para otro cliente (aud)")
        emisor = self.get_settings("PMGGT_CLAVEUNICA_EMISOR", "")
        if emisor and payload.get("iss") != emisor:
            raise SuspiciousOperation("id_token de otro emisor (iss)")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        # ClaveÚnica documents its userinfo endpoint with POST (OpenID Connect allows both).
        respuesta = requests.post(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            verify=self.get_settings("OIDC_VERIFY_SSL", True),
            timeout=self.get_settings("OIDC_TIMEOUT", None),
            proxies=self.get_settings("OIDC_PROXY", None),
        )
        respuesta.raise_for_status()
        if respuesta.headers.get("content-type", "").lower().startswith("application/jwt"):
            return self.verify_token(respuesta.text)
        return respuesta.json()

    def verify_claims(self, claims):
        return run_desde_claims(claims) is not None

    def filter_users_by_claims(self, claims):
        run = run_desde_claims(claims)
        if run is None:
            return self.UserModel._default_manager.none()
        return con_avisos(self.UserModel._default_manager.filter(perfil__run=run))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        run = run_desde_claims(claims)
        if run is None:
            raise Rechazo("ClaveÚnica no entregó un RUN válido", MENSAJE_SIN_RUN)
        usuario = self.filter_users_by_claims(claims).first()  # Perfil.run is unique
        if usuario is None:
            raise Rechazo("RUN no registrado en PMG-GT", MENSAJE_NO_REGISTRADO, run=run)
        if not self.user_can_authenticate(usuario):
            raise Rechazo("cuenta desactivada", MENSAJE_INACTIVO, run=run)
        return self.update_user(usuario, claims)

    def create_user(self, claims):
        # Only people SUBDERE registered with their RUN may enter.
        return None

    def update_user(self, user, claims):
        # Names and e-mail stay as SUBDERE registered them.
        return user

    def store_tokens(self, access_token, id_token):
        # Nothing of ClaveÚnica is kept in the session: logout is local.
        return None

    def get_user(self, user_id):
        try:
            usuario = con_avisos(self.UserModel._default_manager.all()).get(pk=user_id)
        except self.UserModel.DoesNotExist:
            return None
        return usuario if self.user_can_authenticate(usuario) else None

    # Permissions are answered by pmggt.autenticacion and guardian, not twice.
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False

    def with_perm(self, perm, is_active=True, include_superusers=True, obj=None):
        return self.UserModel._default_manager.none()


# --- Callback ----------------------------------------------------------------------------------

# What can go wrong talking to the provider: HTTP errors and timeouts, a bad or expired
# signature, a nonce or audience that does not match, a body that is not what was promised.
FALLAS_DEL_PROVEEDOR = (
    SuspiciousOperation,
    requests.RequestException,
    jwt.PyJWTError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
)


class Callback(OIDCAuthenticationCallbackView):
    """ClaveÚnica's redirect back: checks the state, signs in or says why not."""

    @property
    def failure_url(self):
        return settings.LOGIN_URL

    def _a_ingresar(self):
        destino = redirect(self.failure_url)
        siguiente = self.request.session.get("oidc_login_next")
        if siguiente:
            destino["Location"] += "?" + urlencode({"next": siguiente})
        return destino

    def _rechazar(self, evento, motivo, mensaje, *, usuario=None, nivel=logging.WARNING):
        seguridad.registrar(evento, self.request, motivo, usuario=usuario, nivel=nivel)
        messages.error(self.request, mensaje)
        return self._a_ingresar()

    def get(self, request):
        estados = request.session.get("oidc_states") or {}
        estado = request.GET.get("state", "")
        if request.GET.get("error"):
            # The person cancelled at ClaveÚnica, or ClaveÚnica refused the request.
            if estado in estados:
                del estados[estado]
                request.session["oidc_states"] = estados
            error = request.GET.get("error", "")[:100]
            seguridad.registrar(
                "claveunica_cancelado",
                request,
                f"ClaveÚnica devolvió el error «{error}»",
                nivel=logging.INFO,
            )
            messages.info(request, MENSAJE_CANCELADO)
            return self._a_ingresar()
        codigo = request.GET.get("code")
        if not codigo or not estado or estado not in estados:
            return self._rechazar(
                "claveunica_estado_invalido",
                "respuesta de ClaveÚnica sin un state de esta sesión",
                MENSAJE_ESTADO,
            )
        # One use per state: gone before the code is redeemed, also if that fails.
        datos = estados.pop(estado)
        request.session["oidc_states"] = estados
        request.session.save()
        edad = time.time() - float(datos.get("added_on") or 0)
        if edad > settings.PMGGT_CLAVEUNICA_VIGENCIA:
            return self._rechazar(
                "claveunica_estado_invalido",
                f"state de ClaveÚnica vencido (hace {int(edad)} s)",
                MENSAJE_ESTADO,
            )
        # Read the session again after the (slow) exchange, as mozilla-django-oidc does: other
        # tabs may have changed it meanwhile.
        request.session = request.session.__class__(request.session.session_key)
        try:
            usuario = Backend().authenticate(
                request,
                claveunica=True,
                nonce=datos.get("nonce"),
                code_verifier=datos.get("code_verifier"),
            )
        except Rechazo as rechazo:
            return self._rechazar(
                "claveunica_rechazado",
                rechazo.motivo,
                rechazo.mensaje,
                usuario=f"RUN {rechazo.run}" if rechazo.run else None,
            )
        except FALLAS_DEL_PROVEEDOR as exc:
            # The exception's class only: its text may carry the provider's response.
            return self._rechazar(
                "claveunica_fallido",
                f"respuesta de ClaveÚnica no válida ({type(exc).__name__})",
                MENSAJE_FALLA,
            )
        if usuario is None:
            return self._rechazar(
                "claveunica_fallido", "ClaveÚnica no entregó un id_token válido", MENSAJE_FALLA
            )
        usuario.backend = RUTA_BACKEND
        self.user = usuario
        respuesta = self.login_success()
        seguridad.registrar(
            "ingreso_claveunica",
            request,
            "ingreso con ClaveÚnica",
            usuario=usuario.get_username(),
            nivel=logging.INFO,
        )
        return respuesta
