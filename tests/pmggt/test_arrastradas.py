"""Carried observaciones (issue 9, item 6): an observación registered without a return that is
still open when the Jefe/a approves or the Experto/a visa is not silently left behind. The
approve/visar forms show it and say it will be carried; the transition records it
(``Transicion.arrastradas``); the document page and the approved/visado version's page list it
as «Observaciones abiertas al aprobar/visar (arrastradas)»; the timeline says «con N
observaciones abiertas»; it stays open and is resolved in the next Borrador. A GORE sees
nothing of it."""

import re

from django.urls import reverse

from pmggt import services, workflow
from pmggt.models import Documento, Observacion, Transicion
from tests.conftest import crear_diagnostico, estado_documento, huella_bd, llevar_a

Estado = Documento.Estado
Accion = Transicion.Accion
TITULO = "Observaciones abiertas al aprobar/visar (arrastradas)"


def _observar(documento, autor, texto, campo=""):
    return services.observacion_crear(documento=documento, autor=autor, texto=texto, campo=campo)


def _seccion(html: str) -> str:
    encontrado = re.search(r'<section[^>]*id="arrastradas".*?</section>', html, re.S)
    return encontrado.group(0) if encontrado else ""


def _texto(fragmento: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragmento).split())


def _en_revision_con_dos(mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    uno = _observar(doc, mundo.jefe, "Conviene precisar la misión.", "mision")
    dos = _observar(doc, mundo.jefe, "Revise la numeración de los objetivos.")
    return Documento.objects.get(pk=doc.pk), uno, dos


def test_el_formulario_de_aprobar_avisa_que_se_arrastran(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    client.force_login(mundo.jefe)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    formulario = re.search(r"<form[^>]*acciones/aprobar/.*?</form>", html, re.S).group(0)
    texto = _texto(formulario)
    assert "Observaciones abiertas: 2. Al aprobar no se resuelven" in texto
    assert "quedan registradas como arrastradas y siguen abiertas" in texto
    assert f'<a href="#observacion-{uno.pk}">Misión institucional</a>' in formulario
    assert f'<a href="#observacion-{dos.pk}">El documento en general</a>' in formulario


def test_aprobar_y_visar_registran_las_abiertas(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    client.force_login(mundo.jefe)
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "aprobar"]), {"aprobar-version": "1"}
    )
    assert r.status_code == 302
    aprobacion = Transicion.objects.get(documento=doc, accion=Accion.APROBAR)
    assert set(aprobacion.arrastradas.all()) == {uno, dos}
    assert Observacion.objects.filter(pk__in=[uno.pk, dos.pk], resuelta=False).count() == 2
    # The Experta adds one and gives the V°B°: all three open ones are carried.
    doc.refresh_from_db()
    tres = _observar(doc, mundo.experta, "Detalle la causal del producto.", "")
    workflow.visar(documento=doc, actor=mundo.experta, version=1)
    visacion = Transicion.objects.get(documento=doc, accion=Accion.VISAR)
    assert set(visacion.arrastradas.all()) == {uno, dos, tres}
    assert estado_documento(doc) == (Estado.VISADO, 1, 1)
    assert Observacion.objects.filter(documento=doc, resuelta=False).count() == 3


def test_sin_abiertas_no_se_arrastra_nada(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.VISADO)
    for t in Transicion.objects.filter(documento=doc, accion__in=[Accion.APROBAR, Accion.VISAR]):
        assert t.arrastradas.count() == 0
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert TITULO not in html and "observaciones abiertas" not in html
    assert "aprobó la versión 1 y la envió a SUBDERE" in html


def test_la_pagina_del_documento_y_la_linea_de_tiempo_las_muestran(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    workflow.aprobar(documento=doc, actor=mundo.jefe, version=1)
    client.force_login(mundo.experta)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    seccion = _seccion(html)
    assert TITULO in seccion
    texto = _texto(seccion)
    assert "Al aprobar la versión 1 (Jefe," in texto and "quedaron abiertas 2" in texto
    assert "Conviene precisar la misión. — sigue abierta" in texto
    assert f'href="#observacion-{uno.pk}">Misión institucional</a>' in seccion
    assert "aprobó la versión 1 y la envió a SUBDERE con 2 observaciones abiertas" in html
    # The visar form says the same before the V°B°.
    formulario = re.search(r"<form[^>]*acciones/visar/.*?</form>", html, re.S).group(0)
    assert "Observaciones abiertas: 2. Al dar el V°B° no se resuelven" in _texto(formulario)


def test_la_pagina_de_la_version_las_lista(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    workflow.aprobar(documento=doc, actor=mundo.jefe, version=1)
    doc.refresh_from_db()
    workflow.visar(documento=doc, actor=mundo.experta, version=1)
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento_version", args=[doc.pk, 1])).content.decode()
    seccion = _seccion(html)
    texto = _texto(seccion)
    assert TITULO in texto
    assert "Al aprobar la versión 1" in texto and "Al dar el V°B° la versión 1" in texto
    assert texto.count("Revise la numeración de los objetivos.") == 2
    url = reverse("pmggt:documento", args=[doc.pk])
    assert f'href="{url}#observacion-{dos.pk}"' in seccion
    doc_html = client.get(url).content.decode()
    assert "visó la versión 1 (V°B° técnico) con 2 observaciones abiertas" in doc_html


def test_siguen_abiertas_y_se_resuelven_en_la_modificacion(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    workflow.aprobar(documento=doc, actor=mundo.jefe, version=1)
    doc.refresh_from_db()
    workflow.visar(documento=doc, actor=mundo.experta, version=1)
    doc.refresh_from_db()
    workflow.solicitar_modificacion(documento=doc, actor=mundo.encargada, comentario="Ajustar")
    client.force_login(mundo.encargada)
    url = reverse("pmggt:documento", args=[doc.pk])
    html = client.get(url).content.decode()
    assert TITULO in _seccion(html)  # still the visado version's, now in Borrador
    assert "Quedan 2 observación(es) sin resolver" in html
    # Sending is refused while they are open; resolving them lets it go.
    antes = huella_bd()
    client.post(reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]))
    assert huella_bd() == antes
    for obs in (uno, dos):
        r = client.post(reverse("pmggt:observacion_resolver", args=[obs.pk]))
        assert r.status_code == 302
    assert "— resuelta" in _texto(_seccion(client.get(url).content.decode()))
    r = client.post(reverse("pmggt:documento_accion", args=[doc.pk, "enviar"]))
    assert estado_documento(doc) == (Estado.EN_REVISION_JEFE, 2, 1)
    # Version 2 had none open: the carried ones belong to version 1's page only.
    html = client.get(url).content.decode()
    assert TITULO not in html


def test_una_devolucion_posterior_las_deja_abiertas(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    workflow.aprobar(documento=doc, actor=mundo.jefe, version=1)
    doc.refresh_from_db()
    workflow.devolver(
        documento=doc, actor=mundo.experta, version=1, observaciones=[{"texto": "Devuelvo."}]
    )
    uno.refresh_from_db()
    assert uno.transicion_id is None and not uno.resuelta
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "con 1 observación" in html  # the banner counts the return's own
    assert TITULO in _seccion(html)
    assert "Quedan 3 observación(es) sin resolver" in html


def test_el_gore_no_ve_las_arrastradas(client, mundo):
    doc, uno, dos = _en_revision_con_dos(mundo)
    workflow.aprobar(documento=doc, actor=mundo.jefe, version=1)
    doc.refresh_from_db()
    workflow.visar(documento=doc, actor=mundo.experta, version=1)
    client.force_login(mundo.gore)
    for url in (
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("pmggt:documento_version", args=[doc.pk, 1]),
        reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert "arrastrada" not in html and "observaciones abiertas" not in html, url
        assert "Conviene precisar la misión." not in html, url
