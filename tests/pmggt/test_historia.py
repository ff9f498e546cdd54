"""Every history record, made through the web or by cargar_demo, names the user."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from pmggt.models import Documento, Observacion


def _registros_sin_usuario() -> dict:
    faltan = {}
    for modelo in apps.get_models():
        if not modelo.__name__.startswith("Historical"):
            continue
        campos = {f.name for f in modelo._meta.get_fields()}
        if "history_user" in campos:
            n = modelo.objects.filter(history_user__isnull=True).count()
        else:
            # m2m history rows (user groups) hang from a parent history record.
            n = modelo.objects.filter(history__history_user__isnull=True).count()
        if n:
            faltan[modelo.__name__] = n
    return faltan


def _total_registros() -> int:
    return sum(m.objects.count() for m in apps.get_models() if m.__name__.startswith("Historical"))


@pytest.mark.django_db
def test_cargar_demo_y_la_web_dejan_usuario_en_todo_el_historial(client):
    call_command("cargar_demo", "--forzar", stdout=io.StringIO())
    assert _total_registros() > 100
    assert _registros_sin_usuario() == {}

    User = get_user_model()
    encargado = User.objects.get(username="encargado.serviu")
    jefe = User.objects.get(username="jefe.serviu")
    doc = Documento.objects.get(
        servicio__sigla="SERVIU-ANTOFAGASTA", etapa=Documento.Etapa.DIAGNOSTICO
    )
    client.force_login(encargado)
    diagnostico = doc.diagnostico
    objetivos = list(diagnostico.objetivos.all())
    datos = {
        "def-mision": diagnostico.mision + " (actualizada)",
        "obj-TOTAL_FORMS": str(len(objetivos) + 1),
        "obj-INITIAL_FORMS": str(len(objetivos)),
    }
    for i, o in enumerate(objetivos):
        datos |= {
            f"obj-{i}-id": o.pk,
            f"obj-{i}-diagnostico": diagnostico.pk,
            f"obj-{i}-numero": o.numero,
            f"obj-{i}-descripcion": o.descripcion,
        }
    datos |= {
        f"obj-{len(objetivos)}-numero": "7",
        f"obj-{len(objetivos)}-descripcion": "Objetivo agregado desde la web",
    }
    r = client.post(reverse("diagnostico:editar", args=[doc.pk]), datos)
    assert r.status_code == 302, r.content.decode()[:2000]
    client.post(reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]))
    doc.refresh_from_db()  # the demo's Diagnóstico was visado and reopened: version 2
    client.force_login(jefe)
    client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "devolver"]),
        {
            "devolver-version": str(doc.version_actual),
            "obs-TOTAL_FORMS": "1",
            "obs-INITIAL_FORMS": "0",
            "obs-0-campo": "mision",
            "obs-0-texto": "Revisar",
        },
    )
    client.force_login(encargado)
    obs = Observacion.objects.get(documento=doc)
    client.post(reverse("pmggt:observacion_resolver", args=[obs.pk]))
    doc.refresh_from_db()
    assert doc.estado == Documento.Estado.BORRADOR
    assert Observacion.objects.get(pk=obs.pk).resuelta
    # The web edits were recorded with the acting user.
    assert diagnostico.history.latest().history_user == encargado
    assert doc.history.latest().history_user == jefe
    assert obs.history.latest().history_user == encargado
    assert _registros_sin_usuario() == {}


@pytest.mark.django_db
def test_cargar_demo_es_idempotente():
    call_command("cargar_demo", "--forzar", stdout=io.StringIO())
    antes = {m.__name__: m.objects.count() for m in apps.get_models()}
    call_command("cargar_demo", "--forzar", stdout=io.StringIO())
    despues = {m.__name__: m.objects.count() for m in apps.get_models()}
    assert antes == despues
