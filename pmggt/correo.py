"""Development e-mail: one line per message on the console (the default with DEBUG).

Each message is printed as ``Correo para <destinatarios> · «<asunto>»`` followed by the links
in its body (the document to open, a password-reset link), so that the demo's console shows who
would be e-mailed and where the e-mail leads without the whole MIME text. With
``PMGGT_CORREO_COMPLETO=1`` it prints each message whole, as Django's console backend does.
"""

import re

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsolaDjango

ENLACE = re.compile(r"https?://[^\s<>\"«»]+")


def resumen(mensaje) -> str:
    """The message on one line: recipients, subject and the links of its body."""
    para = ", ".join(mensaje.recipients()) or "(sin destinatarios)"
    asunto = " ".join(str(mensaje.subject).split())
    linea = f"Correo para {para} · «{asunto}»"
    enlaces = list(dict.fromkeys(e.rstrip(".,;:)") for e in ENLACE.findall(str(mensaje.body))))
    if enlaces:
        linea += " · " + " ".join(enlaces)
    return linea


class EmailBackend(ConsolaDjango):
    """Django's console backend, one line per message unless PMGGT_CORREO_COMPLETO is set."""

    def write_message(self, message):
        if getattr(settings, "PMGGT_CORREO_COMPLETO", False):
            return super().write_message(message)
        self.stream.write(resumen(message) + "\n")
