"""Every HTML response carries the security headers, whoever asks and whatever the answer."""

import pytest
from django.test import Client
from django.urls import reverse

from pmggt.models import Documento
from tests.conftest import crear_diagnostico, llevar_a

CABECERAS = {
    "Content-Security-Policy": "script-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _revisar(respuesta, url):
    assert "text/html" in respuesta["Content-Type"], url
    for nombre, valor in CABECERAS.items():
        assert nombre in respuesta, (url, nombre)
        assert valor in respuesta[nombre], (url, nombre, respuesta[nombre])


@pytest.mark.parametrize("persona", ["encargada", "gore", "intruso", "admin", None])
def test_cabeceras_de_seguridad_en_toda_respuesta_html(mundo, persona):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Documento.Estado.VISADO)
    cliente = Client()
    if persona:
        cliente.force_login(mundo.personas[persona])
    urls = [
        reverse("login"),
        reverse("pmggt:mis_pendientes"),
        reverse("pmggt:documento_lista"),
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("pmggt:documento_version", args=[doc.pk, 1]),
        reverse("pmggt:documento_diferencias", args=[doc.pk]),
        reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
        reverse("diagnostico:cuadro", args=[doc.pk, "II"]),  # 403 for the GORE of región I
        reverse("diagnostico:editar", args=[doc.pk]),
        "/no-existe/",  # 404
    ]
    for url in urls:
        respuesta = cliente.get(url, follow=True)
        _revisar(respuesta, url)
