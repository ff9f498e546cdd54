"""The checklist before Enviar (issue 9, item 7): what the Guía requires blocks sending, the
rest warns; grouped per region; shown in the Acciones panel before the Enviar button, which
is disabled while something blocks; the server refuses a blocked send and nothing changes.
The stage hook is ``EtapaDef.lista_envio`` (Etapa I: ``diagnostico.envio``)."""

import re

import pytest
from django.urls import reverse

from pmggt import etapas, versiones, workflow
from pmggt.etapas import Pendiente
from pmggt.historia import actuando_como
from pmggt.models import Documento
from tests.conftest import crear_diagnostico, estado_documento, huella_bd, llevar_a

Estado = Documento.Estado
ETAPA = Documento.Etapa.DIAGNOSTICO


def _lista(documento):
    documento = Documento.objects.get(pk=documento.pk)
    definicion = etapas.de(ETAPA)
    return definicion.lista_envio(documento, versiones.contenido_vigente(documento))


def _bloqueos(documento):
    return [p for p in _lista(documento) if p.bloquea]


def _producto(documento, numero, aplica="", fundamento="", nombre=None, **campos):
    from diagnostico.models import ProductoEstrategico

    with actuando_como(documento.creado_por):
        return ProductoEstrategico.objects.create(
            diagnostico=documento.diagnostico,
            numero=numero,
            nombre=nombre or f"Producto {numero}",
            aplica_pt=aplica,
            fundamento=fundamento,
            orden=len(numero),
            **campos,
        )


def _completo(mundo, **kwargs):
    """A Diagnóstico with nothing missing: products, clientes and full cuadros."""
    from diagnostico.models import Cliente, FilaCuadro2

    doc = crear_diagnostico(mundo, **kwargs)
    p = _producto(doc, "1", "aplica", causal_diseno=True)
    d = doc.diagnostico
    with actuando_como(mundo.encargada):
        Cliente.objects.create(diagnostico=d, numero=1, nombre="Ciudadanía")
        for fila in d.filas_cuadro1.all():
            fila.productos.set([p])
        for centro in (mundo.centro_region_i, mundo.centro_region_ii):
            for clave, _ in FilaCuadro2.Informacion.choices:
                FilaCuadro2.objects.create(
                    diagnostico=d, centro=centro, informacion=clave, medidas_jefatura="Medida"
                )
    return doc


# --- The items ------------------------------------------------------------------------------


def test_nada_falta(mundo):
    doc = _completo(mundo)
    assert _lista(doc) == []
    assert etapas.de(ETAPA).validar_envio(Documento.objects.get(pk=doc.pk)) == []


def test_falta_la_mision(mundo):
    doc = _completo(mundo, mision="  ")
    editar = reverse("diagnostico:editar", args=[doc.pk])
    assert _lista(doc) == [
        Pendiente("Falta la misión institucional.", True, f"{editar}#id_def-mision", None)
    ]


def test_faltan_los_objetivos(mundo):
    doc = _completo(mundo, objetivos=())
    editar = reverse("diagnostico:editar", args=[doc.pk])
    assert _lista(doc) == [
        Pendiente("Debe registrar al menos un objetivo estratégico.", True, editar, None)
    ]


def test_producto_sin_definir_y_sin_fundamento_bloquean(mundo):
    doc = _completo(mundo)
    _producto(doc, "2", nombre="Subsidios habitacionales")  # Sin definir
    _producto(doc, "2.1")  # follows its parent: no item of its own
    _producto(doc, "3", "no_aplica", "Sin expresión regional.")
    _producto(doc, "3.1")  # follows "no aplica": needs no fundamento of its own
    _producto(doc, "4", "no_aplica", "Es un producto nacional sin expresión territorial.")
    _producto(doc, "1.1")  # follows "1", which applies
    url = reverse("diagnostico:productos", args=[doc.pk])
    assert _lista(doc) == [
        Pendiente(
            "Producto 2 «Subsidios habitacionales»: indique si aplica o no la perspectiva "
            "territorial (está «Sin definir»).",
            True,
            url,
        ),
        Pendiente(
            "Producto 2.1 «Producto 2.1»: indique si aplica o no la perspectiva territorial "
            "(está «Sin definir»).",
            True,
            url,
        ),
    ]


def test_no_aplica_sin_fundamento_bloquea(mundo):
    """The database refuses it (producto_no_aplica_exige_fundamento); a content that lacks it
    (e.g. an import of an old version) is still refused."""
    doc = _completo(mundo)
    contenido = versiones.contenido_vigente(Documento.objects.get(pk=doc.pk))
    contenido["productos"].append(
        {"numero": "3", "nombre": "Becas", "aplica_pt": "no_aplica", "fundamento": " "}
    )
    assert etapas.de(ETAPA).lista_envio(doc, contenido) == [
        Pendiente(
            "Producto 3 «Becas»: no aplica la perspectiva territorial; falta su fundamento.",
            True,
            reverse("diagnostico:productos", args=[doc.pk]),
        )
    ]


def test_una_region_sin_filas_del_cuadro_1_bloquea(mundo):
    doc = _completo(mundo)
    doc.diagnostico.filas_cuadro1.filter(centro=mundo.centro_region_ii).delete()
    cuadro = reverse("diagnostico:cuadro", args=[doc.pk, "II"])
    assert _lista(doc) == [
        Pendiente(
            "Región de Antofagasta (II): el Cuadro I N°1 no tiene filas (debe tener al menos una).",
            True,
            f"{cuadro}#cuadro1",
            "II",
        )
    ]
    # The message with which sending is refused is the item's text.
    assert etapas.de(ETAPA).validar_envio(Documento.objects.get(pk=doc.pk)) == [
        _lista(doc)[0].texto
    ]


def test_solo_avisos_no_bloquean(mundo):
    doc = crear_diagnostico(mundo)  # misión, objetivo and one empty-product row per region
    fila_i = doc.diagnostico.filas_cuadro1.get(centro=mundo.centro_region_i)
    fila_i.mejora = ""
    with actuando_como(mundo.encargada):
        fila_i.save()
    lista = _lista(doc)
    assert not any(p.bloquea for p in lista)
    textos = [(p.texto, p.region) for p in lista]
    assert ("Aún no hay productos estratégicos registrados.", None) in textos
    assert ("Faltan los clientes / usuarios / beneficiarios.", None) in textos
    assert ("Cuadro I N°1: una fila no indica su producto", "I") in textos
    assert ("Cuadro I N°1, fila sin producto: Mejora prevista que se proyecta lograr", "I") in (
        textos
    )
    assert any(t.startswith("Cuadro I N°2: ") and r == "II" for t, r in textos)
    por_url = {p.texto: p.url for p in lista if p.region == "I"}
    cuadro_i = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    assert por_url["Cuadro I N°1: una fila no indica su producto"] == f"{cuadro_i}#cuadro1"
    assert all(
        url == f"{cuadro_i}#cuadro2" for t, url in por_url.items() if t.startswith("Cuadro I N°2")
    )
    # Sendable: the chain accepts it.
    workflow.enviar(documento=Documento.objects.get(pk=doc.pk), actor=mundo.encargada)
    assert estado_documento(doc)[0] == Estado.EN_REVISION_JEFE


def test_servicio_sin_centros_pide_filas_en_su_parte(mundo):
    doc = crear_diagnostico(mundo, servicio=mundo.otro_servicio, cuadro1=False)
    cuadro = reverse("diagnostico:cuadro", args=[doc.pk, "servicio"])
    assert [p for p in _lista(doc) if p.bloquea] == [
        Pendiente(
            "Cuadros del Servicio: el Cuadro I N°1 no tiene filas (debe tener al menos una).",
            True,
            f"{cuadro}#cuadro1",
            None,
        )
    ]


# --- The page -------------------------------------------------------------------------------


def _acciones(html: str) -> str:
    return re.search(r'<section class="bloque acciones".*?</section>', html, re.S).group(0)


def _boton_enviar(html: str) -> str:
    return re.search(r"<button[^>]*>Enviar al Jefe/a de Servicio</button>", html).group(0)


def test_la_lista_va_antes_de_enviar_y_el_boton_se_deshabilita(client, mundo):
    doc = _completo(mundo, mision="")
    _producto(doc, "2")  # Sin definir
    doc.diagnostico.filas_cuadro1.filter(centro=mundo.centro_region_ii).delete()
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    acciones = _acciones(html)
    assert acciones.index("Antes de enviar") < acciones.index("Enviar al Jefe/a de Servicio")
    assert "<strong>3 impiden enviar</strong>" in acciones
    assert "Del Servicio: 2 impiden enviar" in acciones
    assert "Región II: 1 impide enviar" in acciones
    editar = reverse("diagnostico:editar", args=[doc.pk])
    assert f'<a href="{editar}#id_def-mision">Falta la misión institucional.</a>' in acciones
    cuadro = reverse("diagnostico:cuadro", args=[doc.pk, "II"])
    assert f'<a href="{cuadro}#cuadro1">Región de Antofagasta (II): el Cuadro I N°1' in acciones
    boton = _boton_enviar(html)
    assert " disabled" in boton and 'aria-describedby="razon-envio"' in boton
    assert (
        'id="razon-envio">No se puede enviar todavía: 3 puntos de la lista «Antes de enviar» '
        "lo impiden." in acciones
    )


def test_con_solo_avisos_el_boton_queda_activo(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    acciones = _acciones(html)
    assert "Nada impide enviar" in acciones and "avisos (se puede enviar igual)" in acciones
    assert "Impide enviar" not in acciones and "Aviso</span>" in acciones
    assert " disabled" not in _boton_enviar(html)


def test_todo_completo(client, mundo):
    doc = _completo(mundo)
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Todo lo que exige la Guía está completo y no hay avisos." in _acciones(html)


def test_las_observaciones_abiertas_tambien_impiden_enviar(client, mundo):
    doc = llevar_a(mundo, _completo(mundo), Estado.EN_REVISION_JEFE)
    workflow.devolver(documento=doc, actor=mundo.jefe, version=1, observaciones=[{"texto": "X"}])
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    acciones = _acciones(html)
    texto = "Quedan 1 observación(es) sin resolver: márquelas como resueltas antes de enviar."
    assert f'<a href="#t-observaciones">{texto}</a>' in acciones
    assert " disabled" in _boton_enviar(html)


@pytest.mark.parametrize("persona", ["jefe", "experta", "centro_i", "admin"])
def test_solo_quien_envia_ve_la_lista(client, mundo, persona):
    doc = crear_diagnostico(mundo, mision="")
    client.force_login(getattr(mundo, persona))
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Antes de enviar" not in html


def test_el_servidor_rechaza_un_envio_bloqueado_y_nada_cambia(client, mundo):
    doc = _completo(mundo, mision="")
    doc.diagnostico.filas_cuadro1.filter(centro=mundo.centro_region_i).delete()
    client.force_login(mundo.encargada)
    antes = huella_bd()
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]),
        {"enviar-comentario": "Va"},
        follow=True,
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "Falta la misión institucional." in html
    assert "Región de Tarapacá (I): el Cuadro I N°1 no tiene filas" in html
    assert huella_bd() == antes
    assert estado_documento(doc) == (Estado.BORRADOR, 0, None)


def test_enviar_con_solo_avisos_desde_la_web(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    r = client.post(reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]))
    assert r.status_code == 302
    assert estado_documento(doc) == (Estado.EN_REVISION_JEFE, 1, None)


def test_la_lista_no_agrega_consultas(client, mundo, django_assert_max_num_queries):
    """Checklist and all, the Encargada's page costs the same with 1 and 30 rows missing
    things in two regions."""
    from diagnostico.models import FilaCuadro1
    from tests.fabricas import CicloFactory

    cuentas = []
    for anio, filas in ((2050, 1), (2051, 30)):
        doc = crear_diagnostico(mundo, ciclo=CicloFactory(anio=anio), mision="")
        for i in range(2, filas + 2):
            _producto(doc, str(i))  # Sin definir: one blocking item each
        with actuando_como(mundo.encargada):
            for centro in (mundo.centro_region_i, mundo.centro_region_ii):
                for _ in range(filas):
                    FilaCuadro1.objects.create(diagnostico=doc.diagnostico, centro=centro)
        client.force_login(mundo.encargada)
        url = reverse("pmggt:documento", args=[doc.pk])
        client.get(url)
        with django_assert_max_num_queries(15) as consultas:
            html = client.get(url).content.decode()
        assert html.count("pendiente-bloquea") == 1 + filas
        cuentas.append(len(consultas))
    assert cuentas[0] == cuentas[1]
