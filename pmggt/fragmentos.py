"""Small HTML fragments a page repeats once per item (each observación, each timeline event,
each cuadro cell's «Observar» form), built in Python instead of one template include per item:
at national size a document has dozens of observaciones and events, and an include, a
``{% url %}`` and a ``{% csrf_token %}`` per item cost more than the rest of the page.

Each fragment prints exactly what its template printed. ``formato`` is ``format_html``: every
value is escaped as the templates' autoescaping did (``conditional_escape``: a value already
safe is kept, anything else has ``& < > " '`` escaped), without the lazy-string wrapper that
makes ``django.utils.html.escape`` cost more than the formatting itself in a loop.
"""

import re
import unicodedata
from datetime import datetime

from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, slugify

from .widgets import escapar


def formato(plantilla: str, *valores) -> SafeString:
    """``format_html(plantilla, *valores)``: the values escaped, the template as is."""
    # SafeString(...) is mark_safe(...) of a plain string, without its lazy-string wrapper.
    return SafeString(plantilla.format(*map(escapar, valores)))


class Fechas:
    """What ``{{ valor|date:"d-m-Y H:i" }}`` prints (the local date and time, or nothing), for
    the many dates of one page: the current time zone is looked up once."""

    def __init__(self):
        self._zona = timezone.get_current_timezone() if settings.USE_TZ else None

    def __call__(self, valor) -> str:
        if valor is None or valor == "":
            return ""
        if (  # timezone.template_localtime's rule
            self._zona is not None
            and isinstance(valor, datetime)
            and not timezone.is_naive(valor)
            and getattr(valor, "convert_to_local_time", True)
        ):
            valor = valor.astimezone(self._zona)
        return valor.strftime("%d-%m-%Y %H:%M")


def nombre(usuario) -> str:
    """What ``{{ usuario.get_full_name|default:usuario.username }}`` prints."""
    if usuario is None:
        return ""
    return usuario.get_full_name() or usuario.username


def recortado(texto: str, largo: int) -> str:
    """What ``{{ texto|truncatechars:largo }}`` prints (before escaping)."""
    # NFC at most triples a text's length: a text of a third of the length is never cut, and
    # the filter gives it back in NFC.
    if len(texto) * 3 <= largo:
        return unicodedata.normalize("NFC", texto)
    return Truncator(texto).chars(largo)


def csrf_input(request) -> SafeString:
    """What ``{% csrf_token %}`` prints."""
    return formato(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


class UrlRepetida:
    """``reverse(nombre, args=[*fijos, valor])`` for many values of one page (pks, region
    codes): the URL is reversed once, with a stand-in value, and each value put in its place.
    A value that would need quoting in a URL is reversed on its own."""

    _MARCA = "987654321"
    _SIMPLE = re.compile(r"[A-Za-z0-9_-]+\Z")

    def __init__(self, nombre: str, *fijos):
        self._nombre, self._fijos = nombre, fijos
        url = reverse(nombre, args=[*fijos, self._MARCA])
        self._url = url if url.count(self._MARCA) == 1 else None

    def __call__(self, valor) -> str:
        texto = str(valor)
        if self._url is None or not self._SIMPLE.match(texto):
            return reverse(self._nombre, args=[*self._fijos, valor])
        return self._url.replace(self._MARCA, texto)


class Observaciones:
    """The HTML of a page's observaciones (what ``pmggt/_observacion.html`` drew: one
    ``div.observacion`` each, with its «Marcar como resuelta» form for whoever resolves it while
    the document is in Borrador) and of its cuadro cells' «Observar esta celda» forms.

    The forms send back to this page (``siguiente``) and carry one CSRF token for the page.
    """

    def __init__(self, request, documento):
        from .models import Documento

        self._request = request
        self._documento_pk = documento.pk
        self._en_borrador = documento.estado == Documento.Estado.BORRADOR
        self._fecha = Fechas()
        self._resolver = None
        self._observar = None

    def _form(self, obs) -> SafeString:
        """The «Marcar como resuelta» form of an observación."""
        if self._resolver is None:
            self._resolver = (
                UrlRepetida("pmggt:observacion_resolver"),
                # Everything after the URL, the same for every observación of the page.
                formato(
                    '" class="mt-1">{}<input type="hidden" name="siguiente" value="{}">'
                    '<button type="submit" class="btn btn-sm btn-outline-success">Marcar como '
                    "resuelta</button></form>\n  ",
                    csrf_input(self._request),
                    self._request.get_full_path(),
                ),
            )
        url, resto = self._resolver
        return formato('\n  <form method="post" action="{}{}', url(obs.pk), resto)

    def preparar(self, observaciones, *, con_destino: bool = False) -> None:
        """``obs.html`` of each observación (as shown in its place) and, with
        ``con_destino``, ``obs.html_con_destino`` (as listed with what it is about: its
        ``obs.destino``). ``obs.puede_resolver``: whether this user resolves it."""
        fecha_de = self._fecha
        for obs in observaciones:
            # Everything before the destino, and everything after it.
            cabeza = formato(
                '<div class="observacion{}" id="observacion-{}">\n  <div class="meta">{} · {}{}',
                mark_safe(" resuelta") if obs.resuelta else "",
                obs.pk,
                nombre(obs.autor),
                fecha_de(obs.creada_en),
                f" · sobre v{obs.version}" if obs.version else "",
            )
            cola = formato(
                '{}</div>\n  <div class="texto-largo">{}</div>\n  {}\n</div>\n',
                formato(
                    " · resuelta por {} el {}",
                    nombre(obs.resuelta_por),
                    fecha_de(obs.resuelta_en),
                )
                if obs.resuelta
                else "",
                obs.texto,
                self._form(obs)
                if getattr(obs, "puede_resolver", False) and self._en_borrador
                else "",
            )
            obs.html = cabeza + cola
            if con_destino:
                obs.html_con_destino = (
                    cabeza + formato(" · <strong>{}</strong>", obs.destino) + cola
                )

    def celda(self, observaciones, clave: str, puede_observar: bool) -> SafeString:
        """A cuadro cell's open observaciones (``preparar``-ed) and, for whoever may observe it,
        its «Observar esta celda» form (``clave``: the cell's field, e.g. ``c1:7:avance``)."""
        partes = [obs.html for obs in observaciones]
        partes.append("\n")
        if puede_observar and clave:
            if self._observar is None:
                self._observar = (
                    formato(
                        '<form method="post" action="{}" data-borrador>{}',
                        reverse("pmggt:observacion_crear", args=[self._documento_pk]),
                        csrf_input(self._request),
                    ),
                    formato(
                        '<input type="hidden" name="siguiente" value="{}">',
                        self._request.get_full_path(),
                    ),
                )
            formulario, siguiente = self._observar
            ident = slugify(clave)
            partes.append(
                formato(
                    '\n<details class="observar-celda">\n'
                    '  <summary class="small">Observar esta celda</summary>\n'
                    "  {}\n"
                    '    <input type="hidden" name="observar-campo" value="{}">\n'
                    "    {}\n"
                    '    <label class="sr-only" for="obs-{}">Observación</label>\n'
                    '    <textarea class="form-control" id="obs-{}" name="observar-texto" '
                    'rows="2" required></textarea>\n'
                    '    <button type="submit" class="btn btn-sm btn-primary mt-1">Registrar '
                    "observación</button>\n"
                    "  </form>\n"
                    "</details>\n",
                    formulario,
                    clave,
                    siguiente,
                    ident,
                    ident,
                )
            )
        partes.append("\n")
        # Every part is escaped HTML (``formato``) or a bare newline.
        return mark_safe("".join(partes))
