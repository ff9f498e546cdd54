"""The client's address for login throttling, aware of trusted reverse proxies."""

from django.conf import settings


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
