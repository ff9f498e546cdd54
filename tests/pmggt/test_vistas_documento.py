"""The document page: observaciones where they point, escaping, stale versions, bad input."""

import re

from django.urls import reverse

from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, Observacion, Transicion
from tests.conftest import crear_diagnostico, estado_documento, huella_bd, llevar_a

Estado = Documento.Estado


def _fila(html, numero):
    return re.search(rf'<tr id="fila-objetivo-{numero}".*?</tr>', html, re.S).group(0)


def test_observacion_se_muestra_donde_apunta_hasta_resolverla(client, mundo):
    doc = llevar_a(
        mundo,
        crear_diagnostico(mundo, objetivos=["Uno", "Dos"]),
        Estado.EN_REVISION_JEFE,
    )
    workflow.devolver(
        documento=doc,
        actor=mundo.jefe,
        version=1,
        observaciones=[{"texto": "Precisar la meta del objetivo dos.", "campo": "objetivo:2"}],
    )
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Precisar la meta" in _fila(html, 2)
    assert "Precisar la meta" not in _fila(html, 1)
    assert "Marcar como resuelta" in _fila(html, 2)
    obs = Observacion.objects.get(documento=doc)
    r = client.post(reverse("pmggt:observacion_resolver", args=[obs.pk]))
    assert r.status_code == 302
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Precisar la meta" not in _fila(html, 2)
    assert "resuelta por" in html


def test_texto_del_usuario_nunca_se_interpreta_como_html(client, mundo):
    doc = crear_diagnostico(mundo, mision='<script>alert("x")</script><img src=x onerror=y>')
    client.force_login(mundo.jefe)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_aprobar_version_obsoleta_desde_la_web(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    workflow.devolver(documento=doc, actor=mundo.jefe, version=1, observaciones=[{"texto": "X"}])
    services.observacion_resolver(observacion=doc.observaciones.get(), actor=mundo.encargada)
    workflow.enviar(documento=doc, actor=mundo.encargada)
    client.force_login(mundo.jefe)
    antes = huella_bd()
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "aprobar"]),
        {"aprobar-version": "1"},
        follow=True,
    )
    assert "La versión 1 ya no es la vigente" in r.content.decode()
    assert huella_bd() == antes
    assert estado_documento(doc) == (Estado.EN_REVISION_JEFE, 2, None)


def test_devolver_sin_observacion_conserva_lo_escrito(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    client.force_login(mundo.jefe)
    antes = huella_bd()
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "devolver"]),
        {
            "devolver-version": "1",
            "devolver-comentario": "Mi comentario general",
            "obs-TOTAL_FORMS": "3",
            "obs-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "debe escribir al menos una observación" in html
    assert "Mi comentario general" in html
    assert huella_bd() == antes


def test_edicion_con_errores_no_guarda_y_explica(client, mundo):
    doc = crear_diagnostico(mundo, objetivos=["Uno", "Dos"])
    objetivos = list(doc.diagnostico.objetivos.all())
    client.force_login(mundo.encargada)
    antes = huella_bd()
    datos = {
        "def-mision": "Misión cambiada",
        "obj-TOTAL_FORMS": "2",
        "obj-INITIAL_FORMS": "2",
    }
    for i, o in enumerate(objetivos):
        datos |= {
            f"obj-{i}-id": o.pk,
            f"obj-{i}-diagnostico": doc.diagnostico.pk,
            f"obj-{i}-numero": "1",
            f"obj-{i}-descripcion": "",
        }
    r = client.post(reverse("diagnostico:editar", args=[doc.pk]), datos)
    assert r.status_code == 400
    html = r.content.decode()
    assert "El número 1 está repetido." in html
    assert "Este campo es obligatorio." in html
    assert "Misión cambiada" in html  # what the user typed is still on the page
    assert huella_bd() == antes


def test_editar_fuera_de_borrador_redirige_con_mensaje(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    client.force_login(mundo.encargada)
    r = client.get(reverse("diagnostico:editar", args=[doc.pk]), follow=True)
    assert "solo se edita en Borrador" in r.content.decode()


def test_linea_de_tiempo_y_diferencias(client, mundo):
    doc = llevar_a(
        mundo, crear_diagnostico(mundo, mision="Misión original"), Estado.EN_REVISION_JEFE
    )
    workflow.devolver(documento=doc, actor=mundo.jefe, version=1, observaciones=[{"texto": "X"}])
    services.observacion_resolver(observacion=doc.observaciones.get(), actor=mundo.encargada)
    diagnostico = doc.diagnostico
    diagnostico.mision = "Misión corregida"
    with actuando_como(mundo.encargada):
        diagnostico.save()
    workflow.enviar(documento=doc, actor=mundo.encargada)
    client.force_login(mundo.jefe)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    for texto in [
        "creó el documento",
        "envió la versión 1 al Jefe/a de Servicio",
        "devolvió la versión 1 con observaciones",
        "resolvió una observación",
        "envió la versión 2 al Jefe/a de Servicio",
    ]:
        assert texto in html
    r = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]), {"a": "1", "b": "2"})
    html = r.content.decode()
    assert '<del class="eliminado">original</del>' in html
    assert '<ins class="agregado">corregida</ins>' in html
    r = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]), {"a": "9", "b": "2"})
    assert r.status_code == 404
    assert Transicion.objects.filter(documento=doc).count() == 4
