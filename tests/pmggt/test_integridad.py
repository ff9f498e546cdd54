"""Writes that must not happen: fields a form does not offer, and transitions that fail halfway."""

import pytest
from django.urls import reverse

from diagnostico.models import Diagnostico, FilaCuadro1, ProductoEstrategico
from pmggt import notificaciones, workflow
from pmggt.historia import actuando_como
from pmggt.models import Documento, Observacion, Transicion
from tests.conftest import crear_diagnostico, estado_documento, huella_bd, llevar_a

Estado = Documento.Estado

# Fields an attacker may add to any form: none of them may reach the database.
INYECTADOS = {
    "estado": Estado.VISADO,
    "version_actual": "9",
    "version_visada": "9",
    "servicio": "",
    "servicio_id": "",
    "documento": "",
    "documento_id": "",
    "centro": "",
    "centro_id": "",
    "region": "II",
    "diagnostico": "",
    "creado_por": "",
}


def _inyectar(datos: dict, mundo, prefijos=("", "def-", "nueva-", "obj-0-")) -> dict:
    otros = {
        "servicio": str(mundo.otro_servicio.pk),
        "servicio_id": str(mundo.otro_servicio.pk),
        "centro": str(mundo.centro_region_ii.pk),
        "centro_id": str(mundo.centro_region_ii.pk),
        "creado_por": str(mundo.intruso.pk),
    }
    extra = {}
    for prefijo in prefijos:
        for campo, valor in INYECTADOS.items():
            extra[f"{prefijo}{campo}"] = otros.get(campo, valor)
    return {**extra, **datos}


def test_campos_no_ofrecidos_no_cambian_nada(client, mundo):
    doc = crear_diagnostico(mundo, mision="Misión original.")
    with actuando_como(mundo.encargada):
        producto = ProductoEstrategico.objects.create(  # «Sin definir» would block sending
            diagnostico=doc.diagnostico, numero="1", nombre="Producto", aplica_pt="aplica"
        )
    client.force_login(mundo.encargada)
    objetivo = doc.diagnostico.objetivos.get()
    # A section form.
    r = client.post(
        reverse("diagnostico:editar", args=[doc.pk]),
        _inyectar(
            {
                "def-mision": "Misión nueva.",
                "obj-TOTAL_FORMS": "1",
                "obj-INITIAL_FORMS": "1",
                "obj-0-id": str(objetivo.pk),
                "obj-0-diagnostico": str(doc.diagnostico.pk),
                "obj-0-numero": "1",
                "obj-0-descripcion": "Objetivo",
            },
            mundo,
        ),
    )
    assert r.status_code == 302
    assert estado_documento(doc) == (Estado.BORRADOR, 0, None)
    documento = Documento.objects.get(pk=doc.pk)
    assert documento.servicio == mundo.servicio and documento.creado_por == mundo.encargada
    assert Diagnostico.objects.get(pk=doc.diagnostico.pk).documento_id == doc.pk
    # A new Cuadro I N°1 row of region I stays in region I of this document.
    r = client.post(
        reverse("diagnostico:fila_nueva", args=[doc.pk, "I"]),
        _inyectar(
            {
                "nueva-productos": [producto.pk],
                "nueva-causales": "acceso",
                "nueva-avance": "Avance",
            },
            mundo,
        ),
    )
    assert r.status_code == 302
    # (crear_diagnostico's own row of each region has no product.)
    fila = FilaCuadro1.objects.get(diagnostico=doc.diagnostico, productos=producto)
    assert fila.centro == mundo.centro_region_i
    # A transition: only the chain writes the state, and only to its rule's destination.
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]),
        _inyectar({"enviar-comentario": "Envío"}, mundo, prefijos=("", "enviar-")),
    )
    assert estado_documento(doc) == (Estado.EN_REVISION_JEFE, 1, None)
    assert Documento.objects.get(pk=doc.pk).servicio == mundo.servicio
    # Creating a document: the Servicio of the form is checked, extra fields ignored.
    client.force_login(mundo.encargada)
    antes = huella_bd()
    r = client.post(
        reverse("pmggt:documento_crear"),
        _inyectar(
            {"servicio": mundo.otro_servicio.pk, "ciclo": mundo.ciclo.pk, "etapa": 1},
            mundo,
        ),
    )
    assert r.status_code in (403, 404)
    assert huella_bd() == antes


@pytest.mark.parametrize("falla_en", ["notificar", "observacion"])
def test_un_error_a_mitad_de_transicion_lo_deshace_todo(mundo, monkeypatch, falla_en):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    antes, estado = huella_bd(), estado_documento(doc)

    class Falla(Exception):
        pass

    def fallar(*args, **kwargs):
        raise Falla("error inyectado")

    if falla_en == "notificar":
        monkeypatch.setattr(notificaciones, "transicion_registrada", fallar)
    else:
        monkeypatch.setattr(Observacion.objects, "create", fallar)
    with pytest.raises(Falla):
        workflow.devolver(
            documento=doc, actor=mundo.jefe, version=1, observaciones=[{"texto": "Corregir."}]
        )
    assert estado_documento(doc) == estado
    assert huella_bd() == antes  # state, transitions, observaciones and every history table
    assert not Transicion.objects.filter(documento=doc, accion="devolver").exists()


def test_resolver_una_observacion_ya_resuelta_se_rechaza(client, mundo):
    from pmggt import services

    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    workflow.devolver(
        documento=doc, actor=mundo.jefe, version=1, observaciones=[{"texto": "Corregir."}]
    )
    obs = doc.observaciones.get()
    services.observacion_resolver(observacion=obs, actor=mundo.encargada)
    client.force_login(mundo.encargada)
    antes = huella_bd()
    respuesta = client.post(reverse("pmggt:observacion_resolver", args=[obs.pk]))
    assert respuesta.status_code == 409
    assert "ya estaba resuelta" in respuesta.content.decode()
    assert huella_bd() == antes
