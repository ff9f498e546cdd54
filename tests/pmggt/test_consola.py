"""What a newcomer's console shows: no library banners, one line per e-mail, and make's
Python 3.11 check."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.mail import EmailMessage

from pmggt.correo import EmailBackend

RAIZ = Path(settings.BASE_DIR)


def entorno_demo(**extra) -> dict:
    """The environment of ``make demo``: development settings, no test overrides."""
    entorno = {
        k: v
        for k, v in os.environ.items()
        if k not in {"EMAIL_BACKEND", "AXES_VERBOSE", "PMGGT_CORREO_COMPLETO", "DATABASE_URL"}
    }
    entorno.update(DJANGO_SETTINGS_MODULE="pmggt.settings", DEBUG="1", **extra)
    return entorno


def manage(*argumentos, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *argumentos],
        cwd=RAIZ,
        env=entorno_demo(**extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def mensajes():
    return [
        EmailMessage(
            "[PMG-GT] MIDEPLAN Etapa I – Diagnóstico 2009: devuelto con observaciones",
            "Revise el documento en: http://127.0.0.1:8000/documentos/2/\n\n—\nPMG-GT",
            "PMG-GT <no-responder@pmggt.local>",
            ["encargado.mideplan@demo.pmggt.cl", "serplac.maule@demo.pmggt.cl"],
        ),
        EmailMessage("Restablecer su contraseña", "Sin enlaces.", None, ["ana@subdere.gob.cl"]),
        EmailMessage("Tercero", "Vea https://pmggt.subdere.gob.cl/x/.", None, ["b@c.cl"]),
    ]


def test_el_correo_de_desarrollo_es_una_linea_por_mensaje(settings):
    settings.PMGGT_CORREO_COMPLETO = False
    salida = io.StringIO()
    assert EmailBackend(stream=salida).send_messages(mensajes()) == 3
    lineas = salida.getvalue().splitlines()
    assert lineas == [
        "Correo para encargado.mideplan@demo.pmggt.cl, serplac.maule@demo.pmggt.cl · "
        "«[PMG-GT] MIDEPLAN Etapa I – Diagnóstico 2009: devuelto con observaciones» · "
        "http://127.0.0.1:8000/documentos/2/",
        "Correo para ana@subdere.gob.cl · «Restablecer su contraseña»",
        "Correo para b@c.cl · «Tercero» · https://pmggt.subdere.gob.cl/x/",
    ]


def test_el_correo_completo_se_pide_con_una_variable(settings):
    settings.PMGGT_CORREO_COMPLETO = True
    salida = io.StringIO()
    EmailBackend(stream=salida).send_messages(mensajes()[:1])
    texto = salida.getvalue()
    assert "Content-Type: text/plain" in texto
    assert "To: encargado.mideplan@demo.pmggt.cl, serplac.maule@demo.pmggt.cl" in texto
    assert "Revise el documento en: http://127.0.0.1:8000/documentos/2/" in texto


ENVIAR = (
    "from django.core.mail import send_mail; "
    "send_mail('Asunto de prueba', 'Abra http://127.0.0.1:8000/documentos/7/', None, "
    "['ana@subdere.gob.cl'])"
)


def test_con_debug_el_correo_va_a_la_consola_en_una_linea_sin_banner_de_axes():
    resultado = manage("shell", "--no-imports", "-c", ENVIAR)
    assert resultado.returncode == 0, resultado.stderr
    assert resultado.stdout.splitlines() == [
        "Correo para ana@subdere.gob.cl · «Asunto de prueba» · http://127.0.0.1:8000/documentos/7/"
    ]
    assert "AXES" not in resultado.stderr + resultado.stdout
    completo = manage("shell", "--no-imports", "-c", ENVIAR, PMGGT_CORREO_COMPLETO="1")
    assert "Subject: Asunto de prueba" in completo.stdout
    assert "Abra http://127.0.0.1:8000/documentos/7/" in completo.stdout


def test_make_demo_migra_y_carga_sin_banner_ni_correos(tmp_path):
    """The demo's two first commands, as ``make demo`` runs them, on a database of their own."""
    bd = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    migrar = manage("migrate", "--noinput", **bd)
    assert migrar.returncode == 0, migrar.stderr
    carga = manage("cargar_demo", **bd)
    assert carga.returncode == 0, carga.stderr
    todo = migrar.stdout + migrar.stderr + carga.stdout + carga.stderr
    assert "AXES: BEGIN" not in todo
    # The demo's loaded history e-mails nobody: no message, whole or summarised.
    assert "Content-Type" not in todo and "Correo para" not in todo
    assert carga.stderr == ""
    lineas = carga.stdout.splitlines()
    assert lineas[0].startswith("Demo lista: 16 regiones, 25 usuarios")
    assert "serplac.magallanes (XII)" in carga.stdout
    # The summary, the heading, 9 users with a line each, a few for the 15 Encargadas de Centro.
    assert len(lineas) <= 17


# -- make checks the Python version before creating the virtualenv --------------------------


def python_falso(carpeta: Path, version: str) -> Path:
    """An executable that answers make's version question as Python ``version`` would."""
    ruta = carpeta / f"python{version}"
    ruta.write_text(f"#!/bin/sh\necho {version}\n")
    ruta.chmod(0o755)
    return ruta


@pytest.mark.skipif(shutil.which("make") is None, reason="sin make en esta máquina")
@pytest.mark.parametrize("objetivo", ["demo", "test"])
def test_make_se_niega_con_otro_python_y_dice_como_pasarle_uno(tmp_path, objetivo):
    viejo = python_falso(tmp_path, "3.10.12")
    resultado = subprocess.run(
        ["make", "-s", objetivo, f"PYTHON={viejo}", f"VENV={tmp_path / 'sin-venv'}"],
        cwd=RAIZ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resultado.returncode != 0
    assert f"PMG-GT requiere Python 3.11 y «{viejo}» es Python 3.10.12." in resultado.stderr
    assert f"make {objetivo} PYTHON=python3.11" in resultado.stderr
    assert not (tmp_path / "sin-venv").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="sin make en esta máquina")
def test_make_sin_ese_python_lo_dice(tmp_path):
    resultado = subprocess.run(
        ["make", "-s", "demo", "PYTHON=python3.99-no-existe", f"VENV={tmp_path / 'v'}"],
        cwd=RAIZ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resultado.returncode != 0
    assert "no se pudo ejecutar «python3.99-no-existe»" in resultado.stderr
    assert "make demo PYTHON=python3.11" in resultado.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="sin make en esta máquina")
def test_make_acepta_python_3_11(tmp_path):
    resultado = subprocess.run(
        ["make", "-s", "verificar-python", f"PYTHON={python_falso(tmp_path, '3.11.9')}"]
        + [f"VENV={tmp_path / 'v'}"],
        cwd=RAIZ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resultado.returncode == 0, resultado.stderr
    assert resultado.stdout == resultado.stderr == ""
