"""Security helpers: the client's address, the security log and the password blocklist."""

import json
import logging
import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

registro = logging.getLogger("pmggt.seguridad")


def ip_cliente(request) -> str | None:
    """REMOTE_ADDR, or behind N trusted proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For,
    so the client is the N-th entry from the right; entries further left are client-supplied
    and cannot be trusted.
    """
    remota = request.META.get("REMOTE_ADDR")
    n = settings.PROXIES_CONFIABLES
    if n <= 0:
        return remota
    cadena = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    cadena = [p for p in cadena if p]
    return cadena[-n] if len(cadena) >= n else remota


# --- Security log: one JSON line per refusal, on the "pmggt.seguridad" logger. ---

ANONIMO = "anónimo"


def _usuario(request) -> str:
    usuario = getattr(request, "user", None)
    if usuario is not None and usuario.is_authenticated:
        return usuario.get_username()
    return ANONIMO


def registrar(evento: str, request, motivo: str, *, usuario=None, nivel=logging.WARNING, **extra):
    """Log a security event: who (username or "anónimo"), from where, what and why."""
    datos = {
        "event": evento,
        "user": (usuario or _usuario(request))[:150],
        "ip": ip_cliente(request) if request is not None else None,
        "method": getattr(request, "method", None),
        "path": getattr(request, "path", "")[:500],
        "reason": str(motivo)[:500],
        **extra,
    }
    registro.log(
        nivel,
        "%s %s %s: %s",
        evento,
        datos["method"],
        datos["path"],
        datos["reason"],
        extra={"seguridad": datos},
    )


class FormatoJSON(logging.Formatter):
    """One JSON object per line: the security fields, or the plain message for other records."""

    def format(self, record):
        momento = timezone.localtime(datetime.fromtimestamp(record.created, tz=UTC))
        datos = {"time": momento.isoformat(timespec="milliseconds")}
        seguridad = getattr(record, "seguridad", None)
        if seguridad:
            datos |= seguridad
        else:
            datos |= {
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
        if record.exc_info:
            datos["exc"] = self.formatException(record.exc_info)
        # json.dumps escapes newlines: a crafted path or username cannot forge a second line.
        return json.dumps(datos, ensure_ascii=False, default=str)


# --- Password blocklist: common Spanish and Chilean passwords. ---

ARCHIVO_CONTRASENAS = Path("fixtures") / "contrasenas_comunes.txt"  # under BASE_DIR
# A listed word with a short number (a year such as 2024, "123") or symbols before or after it.
_ADORNOS = re.compile(r"^[\W_]*(\d{0,6})[\W_]*(.*?)[\W_]*(\d{0,6})[\W_]*$")


def normalizar(texto: str) -> str:
    """Lower case without accents: «Contraseña» and «contrasena» are the same word."""
    descompuesto = unicodedata.normalize("NFKD", texto.strip().casefold())
    return "".join(c for c in descompuesto if not unicodedata.combining(c))


@lru_cache(maxsize=4)
def _lista(ruta: str) -> frozenset[str]:
    with open(ruta, encoding="utf-8") as archivo:
        lineas = (linea.split("#", 1)[0].strip() for linea in archivo)
        return frozenset(normalizar(linea) for linea in lineas if linea)


class ContrasenaComunValidator:
    """Refuse common Spanish/Chilean passwords, also with a year or a few digits around them.

    Comparison ignores case and accents. Complements Django's CommonPasswordValidator (English).
    """

    def __init__(self, archivo=None):
        self.archivo = str(archivo or Path(settings.BASE_DIR) / ARCHIVO_CONTRASENAS)

    def es_comun(self, password: str) -> bool:
        lista = _lista(self.archivo)
        texto = normalizar(password)
        if texto in lista:
            return True
        m = _ADORNOS.match(texto)
        base = m.group(2) if m else ""
        return bool(base) and base != texto and base in lista

    def validate(self, password, user=None):
        if self.es_comun(password):
            raise ValidationError(
                "Esta contraseña es demasiado común: es una palabra o clave habitual, sola o con "
                "un año o unos pocos números o símbolos. Elija una frase más larga y difícil de "
                "adivinar.",
                code="password_too_common",
            )

    def get_help_text(self):
        return (
            "Su contraseña no puede ser una clave de uso común en Chile (por ejemplo, una "
            "palabra habitual seguida de un año)."
        )
