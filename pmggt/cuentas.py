"""Password reset by e-mail: Django's own views, with Spanish pages and e-mail.

- The link in the e-mail is built from SITIO_URL, never from the request's Host header, and
  works once, for PASSWORD_RESET_TIMEOUT seconds (Django's token: it changes with the password).
- The page after a request is the same whether the address has an account or not; inactive
  users and users without a usable password get no e-mail (Django's ``get_users``).
- The new password goes through AUTH_PASSWORD_VALIDATORS. After the reset the person is not
  logged in: they go to the login page with a message. Other sessions of the account end at
  their next request (the session keeps a hash of the password).
- Requests, refusals by the limits, invalid links and completed resets go to the security log
  (pmggt.seguridad), never with the token.
- Requests are limited per address typed and per client IP (PMGGT_RESTABLECER_POR_CORREO,
  PMGGT_RESTABLECER_POR_IP per hour, counted in the cache); past a limit the page is the same and
  no e-mail is sent.
"""

import hashlib
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy

from . import seguridad

VENTANA = 60 * 60  # seconds: the limits count requests per hour
TOKEN_OCULTO = "***"

MENSAJE_CAMBIADA = "Su contraseña fue cambiada. Ingrese con su nueva contraseña."


def vigencia() -> str:
    """PASSWORD_RESET_TIMEOUT in words, for the e-mail and the pages: «2 horas», «30 minutos»."""
    segundos = int(settings.PASSWORD_RESET_TIMEOUT)
    if segundos % 3600 == 0:
        horas = segundos // 3600
        return f"{horas} hora" if horas == 1 else f"{horas} horas"
    minutos = max(1, round(segundos / 60))
    return f"{minutos} minuto" if minutos == 1 else f"{minutos} minutos"


def _excede(tipo: str, valor: str, maximo: int) -> bool:
    """Count one request for (tipo, valor) in the current hour; True past ``maximo``."""
    clave = f"pmggt:restablecer:{tipo}:{hashlib.sha256(valor.encode()).hexdigest()}"
    if cache.add(clave, 1, VENTANA):
        return maximo < 1
    try:
        return cache.incr(clave) > maximo
    except ValueError:  # expired between add and incr
        cache.set(clave, 1, VENTANA)
        return maximo < 1


class FormularioSolicitud(PasswordResetForm):
    """Django's form; counts the accounts it e-mails, for the security log."""

    enviados = 0

    def get_users(self, email):
        usuarios = list(super().get_users(email))
        self.enviados = len(usuarios)
        return iter(usuarios)


class FormularioNuevaContrasena(SetPasswordForm):
    """Django's form, with the validators' messages next to the new password (Django puts them
    next to the confirmation); a mismatch stays next to the confirmation."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class SolicitarRestablecimiento(auth_views.PasswordResetView):
    form_class = FormularioSolicitud
    template_name = "registration/restablecer_solicitar.html"
    email_template_name = "registration/restablecer_correo.txt"
    subject_template_name = "registration/restablecer_asunto.txt"
    title = "Restablecer la contraseña"

    def get_context_data(self, **kwargs):
        return super().get_context_data(vigencia=vigencia(), **kwargs)

    def form_valid(self, form):
        correo = form.cleaned_data["email"]
        ip = seguridad.ip_cliente(self.request) or ""
        # Both counters advance on every request, so neither tells whether an address exists.
        por_correo = _excede(
            "correo", seguridad.normalizar(correo), settings.PMGGT_RESTABLECER_POR_CORREO
        )
        por_ip = _excede("ip", ip, settings.PMGGT_RESTABLECER_POR_IP)
        if por_correo or por_ip:
            seguridad.registrar(
                "restablecer_limitado",
                self.request,
                "demasiadas solicitudes de restablecimiento "
                + ("para esta dirección" if por_correo else "desde esta IP")
                + ": no se envió correo",
                email=correo[:254],
            )
            return HttpResponseRedirect(self.get_success_url())
        sitio = urlsplit(settings.SITIO_URL)
        form.save(
            # The site's own address, not the request's Host header.
            domain_override=sitio.netloc,
            use_https=sitio.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            extra_email_context={
                "sitio_url": settings.SITIO_URL.rstrip("/"),
                "vigencia": vigencia(),
            },
        )
        seguridad.registrar(
            "restablecer_solicitado",
            self.request,
            "solicitud de restablecimiento de contraseña",
            nivel=logging.INFO,
            email=correo[:254],
            sent=form.enviados,
        )
        return HttpResponseRedirect(self.get_success_url())


class RestablecimientoEnviado(auth_views.PasswordResetDoneView):
    template_name = "registration/restablecer_enviado.html"
    title = "Revise su correo"

    def get_context_data(self, **kwargs):
        return super().get_context_data(vigencia=vigencia(), **kwargs)


class NuevaContrasena(auth_views.PasswordResetConfirmView):
    form_class = FormularioNuevaContrasena
    template_name = "registration/restablecer_nueva.html"
    title = "Elija su nueva contraseña"
    post_reset_login = False
    success_url = reverse_lazy("login")

    def dispatch(self, request, *args, **kwargs):
        respuesta = super().dispatch(request, *args, **kwargs)
        # A valid link redirects (to the form without the token) or shows the form.
        if not self.validlink and respuesta.status_code == 200:
            token = kwargs.get("token", "")
            ruta = request.path
            if token and token != self.reset_url_token:
                ruta = ruta.replace(token, TOKEN_OCULTO)
            seguridad.registrar(
                "restablecer_enlace_invalido",
                request,
                "enlace de restablecimiento no válido, usado o vencido",
                path=ruta[:500],
            )
        return respuesta

    def get_context_data(self, **kwargs):
        contexto = super().get_context_data(vigencia=vigencia(), **kwargs)
        if not self.validlink:
            contexto["title"] = "El enlace no es válido"
        return contexto

    def form_valid(self, form):
        respuesta = super().form_valid(form)
        if self.request.user.is_authenticated:
            # Reset from a browser where someone is logged in: that session ends here (with
            # «Sesión cerrada»), rather than at the next request as if it had expired.
            logout(self.request)
        seguridad.registrar(
            "restablecer_completado",
            self.request,
            "contraseña restablecida con el enlace enviado por correo",
            usuario=self.user.get_username(),
            nivel=logging.INFO,
        )
        messages.success(self.request, MENSAJE_CAMBIADA)
        return respuesta


class ContrasenaCambiada(auth_views.PasswordResetCompleteView):
    template_name = "registration/restablecer_listo.html"
    title = "Contraseña cambiada"
