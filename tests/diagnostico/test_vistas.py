"""Etapa I pages: regional editing, inline rows, cell observaciones, escaping, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diagnostico.models import FilaCuadro1, FilaCuadro2, ProductoEstrategico
from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Centro, Documento, GrupoRol, Observacion
from tests.conftest import crear_diagnostico, huella_bd, llevar_a
from tests.fabricas import RegionFactory, ServicioFactory, UsuarioFactory

Estado = Documento.Estado


def _producto(doc, numero="1", nombre="Sistema de Protección Social"):
    # Its perspectiva territorial decided: sending requires it (diagnostico.envio).
    with actuando_como(doc.creado_por):
        return ProductoEstrategico.objects.create(
            diagnostico=doc.diagnostico, numero=numero, nombre=nombre, aplica_pt="aplica"
        )


def _fila(doc, centro, producto, **textos):
    with actuando_como(doc.creado_por):
        fila = FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=centro, causales="diseno", **textos
        )
        fila.productos.set([producto])
    return fila


def _datos_nueva(producto, **extra):
    datos = {
        "nueva-productos": [producto.pk],
        "nueva-causales": "coordinacion",
        "nueva-avance": "Se constituyó la mesa regional.",
        "nueva-mejora": "Mejorar la coordinación.",
        "nueva-medidas": "\uf0b7 Oficializar la mesa\n\uf0b7 Informar al GORE",
        "nueva-objetivo": "Coordinar la red regional.",
    }
    return datos | extra


def test_encargada_de_centro_edita_solo_su_region(client, mundo):
    doc = crear_diagnostico(mundo, cuadro1=False)
    producto = _producto(doc)
    fila_ii = _fila(doc, mundo.centro_region_ii, producto, avance="Texto de la región II")
    client.force_login(mundo.centro_i)

    r = client.post(reverse("diagnostico:fila_nueva", args=[doc.pk, "I"]), _datos_nueva(producto))
    assert r.status_code == 302
    nueva = FilaCuadro1.objects.get(centro=mundo.centro_region_i)
    assert nueva.medidas == "• Oficializar la mesa\n• Informar al GORE"
    assert nueva.history.latest().history_user == mundo.centro_i

    antes = huella_bd()
    url = reverse("diagnostico:fila_editar", args=[doc.pk, "II", fila_ii.pk])
    datos = {f"f{fila_ii.pk}-{k.split('-', 1)[1]}": v for k, v in _datos_nueva(producto).items()}
    assert client.post(url, datos).status_code == 403
    assert client.post(url, datos, HTTP_HX_REQUEST="true").status_code == 403
    assert (
        client.post(
            reverse("diagnostico:fila_nueva", args=[doc.pk, "II"]), _datos_nueva(producto)
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("diagnostico:fila_eliminar", args=[doc.pk, "II", fila_ii.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("diagnostico:cuadro2_guardar", args=[doc.pk, "II"]), {"c2-oferta-objetivo": "x"}
        ).status_code
        == 403
    )
    # A region-I URL cannot reach a region-II row either.
    url_cruzada = reverse("diagnostico:fila_editar", args=[doc.pk, "I", fila_ii.pk])
    assert client.post(url_cruzada, datos).status_code == 404
    assert huella_bd() == antes
    assert FilaCuadro1.objects.get(pk=fila_ii.pk).avance == "Texto de la región II"
    # Servicio-level sections are the Encargado/a GT's.
    assert client.get(reverse("diagnostico:productos", args=[doc.pk])).status_code == 403


def test_fila_en_linea_con_htmx_y_sin_javascript(client, mundo):
    doc = crear_diagnostico(mundo)
    producto = _producto(doc)
    fila = _fila(doc, mundo.centro_region_i, producto, avance="Antes")
    client.force_login(mundo.encargada)
    url = reverse("diagnostico:fila_editar", args=[doc.pk, "I", fila.pk])

    parcial = client.get(url, HTTP_HX_REQUEST="true")
    assert parcial.status_code == 200
    html = parcial.content.decode()
    assert "<html" not in html and f'id="fila-c1-{fila.pk}"' in html and "hx-post" in html

    datos = {f"f{fila.pk}-{k.split('-', 1)[1]}": v for k, v in _datos_nueva(producto).items()}
    datos[f"f{fila.pk}-avance"] = "Después"
    r = client.post(url, datos, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "<html" not in r.content.decode() and "Después" in r.content.decode()
    assert FilaCuadro1.objects.get(pk=fila.pk).avance == "Después"

    # Without JavaScript: a full page, then a redirect back to the cuadro.
    assert "<html" in client.get(url).content.decode()
    datos[f"f{fila.pk}-avance"] = "Sin JS"
    r = client.post(url, datos)
    assert r.status_code == 302 and r["Location"].endswith(f"#fila-c1-{fila.pk}")
    # An invalid inline form comes back in place (200 for htmx), with a Spanish message.
    datos[f"f{fila.pk}-productos"] = []
    r = client.post(url, datos, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Escriba el producto/subproducto (1)" in r.content.decode()
    assert FilaCuadro1.objects.get(pk=fila.pk).avance == "Sin JS"


def test_mover_y_eliminar_filas(client, mundo):
    doc = crear_diagnostico(mundo, cuadro1=False)
    producto = _producto(doc)
    a = _fila(doc, mundo.centro_region_i, producto, avance="A")
    b = _fila(doc, mundo.centro_region_i, producto, avance="B")
    FilaCuadro1.objects.filter(pk=b.pk).update(orden=1)
    client.force_login(mundo.encargada)
    client.post(
        reverse("diagnostico:fila_mover", args=[doc.pk, "I", b.pk]), {"direccion": "arriba"}
    )
    orden = list(
        FilaCuadro1.objects.filter(centro=mundo.centro_region_i).values_list("avance", flat=True)
    )
    assert orden == ["B", "A"]
    client.post(reverse("diagnostico:fila_eliminar", args=[doc.pk, "I", a.pk]))
    assert list(FilaCuadro1.objects.values_list("avance", flat=True)) == ["B"]


def test_texto_con_html_es_inerte_en_el_cuadro(client, mundo):
    doc = crear_diagnostico(mundo)
    producto = _producto(doc, nombre='<img src=x onerror="alert(1)">')
    _fila(doc, mundo.centro_region_i, producto, avance="<script>alert('x')</script>")
    client.force_login(mundo.jefe)
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_observacion_en_una_celda_y_cambios_desde_la_devolucion(client, mundo):
    doc = crear_diagnostico(mundo)
    producto = _producto(doc)
    fila = _fila(doc, mundo.centro_region_i, producto, avance="Avance", mejora="Mejora vaga")
    llevar_a(mundo, doc, Estado.EN_VISACION)
    client.force_login(mundo.experta)
    clave = f"c1:{fila.pk}:mejora"
    r = client.post(
        reverse("pmggt:observacion_crear", args=[doc.pk]),
        {
            "observar-campo": clave,
            "observar-texto": "Cuantifique la mejora.",
            "siguiente": reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
        },
    )
    assert r.status_code == 302 and r["Location"] == reverse(
        "diagnostico:cuadro", args=[doc.pk, "I"]
    )
    r = client.post(
        reverse("pmggt:documento_accion", args=[doc.pk, "devolver"]),
        {"devolver-version": "1", "obs-TOTAL_FORMS": "0", "obs-INITIAL_FORMS": "0"},
    )
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.estado == Estado.BORRADOR

    client.force_login(mundo.centro_i)
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    celda = re.search(rf'id="celda-c1-{fila.pk}-mejora".*?</td>', html, re.S).group(0)
    assert "Cuantifique la mejora." in celda and "Marcar como resuelta" in celda
    otra = re.search(rf'id="celda-c1-{fila.pk}-avance".*?</td>', html, re.S).group(0)
    assert "Cuantifique" not in otra
    obs = Observacion.objects.get(campo=clave)
    # The Encargada of another region cannot resolve it.
    client.force_login(mundo.centro_ii)
    assert client.post(reverse("pmggt:observacion_resolver", args=[obs.pk])).status_code == 403
    client.force_login(mundo.centro_i)
    datos = {f"f{fila.pk}-{k.split('-', 1)[1]}": v for k, v in _datos_nueva(producto).items()}
    datos[f"f{fila.pk}-causales"] = "diseno"
    datos[f"f{fila.pk}-mejora"] = "Reducir en 20% el tiempo de respuesta."
    client.post(reverse("diagnostico:fila_editar", args=[doc.pk, "I", fila.pk]), datos)
    assert client.post(reverse("pmggt:observacion_resolver", args=[obs.pk])).status_code == 302
    assert Observacion.objects.get(pk=obs.pk).resuelta_por == mundo.centro_i

    workflow.enviar(documento=doc, actor=mundo.encargada)
    workflow.aprobar(documento=doc, actor=mundo.jefe, version=2)
    client.force_login(mundo.experta)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Usted devolvió la versión 1" in html
    diff = client.get(reverse("pmggt:documento_diferencias", args=[doc.pk]), {"a": 1, "b": 2})
    assert "20%" in diff.content.decode()


def test_completitud_por_region(client, mundo):
    doc = crear_diagnostico(mundo, cuadro1=False)
    producto = _producto(doc)
    _fila(doc, mundo.centro_region_i, producto, avance="A", mejora="M", medidas="X", objetivo="O")
    with actuando_como(mundo.encargada):
        for clave in FilaCuadro2.Informacion.values:
            FilaCuadro2.objects.create(
                diagnostico=doc.diagnostico,
                centro=mundo.centro_region_i,
                informacion=clave,
                objetivo="Objetivo",
            )
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    region_i = re.search(r'id="region-I".*?</tr>', html, re.S).group(0)
    region_ii = re.search(r'id="region-II".*?</tr>', html, re.S).group(0)
    assert "Completo" in region_i
    assert "Cuadro I N°1 sin filas" in region_ii and "pendiente" in region_ii


def test_productos_validacion(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.encargada)
    datos = {
        "prod-TOTAL_FORMS": "3",
        "prod-INITIAL_FORMS": "0",
        "prod-0-numero": "1",
        "prod-0-nombre": "Uno",
        "prod-0-aplica_pt": "no_aplica",
        "prod-1-numero": "2.1",
        "prod-1-nombre": "Hijo sin padre",
        "prod-1-aplica_pt": "",
        "prod-2-numero": "x",
        "prod-2-nombre": "Malo",
        "prod-2-aplica_pt": "",
    }
    antes = huella_bd()
    r = client.post(reverse("diagnostico:productos", args=[doc.pk]), datos)
    html = r.content.decode()
    assert r.status_code == 400
    assert "fundaméntelo" in html
    assert "Falta el producto 2, del que depende 2.1." in html
    assert "Use números separados por puntos" in html
    assert huella_bd() == antes
    datos |= {
        "prod-0-fundamento": "Se define en el nivel central.",
        "prod-1-numero": "1.1",
        "prod-2-numero": "1.1.1",
    }
    r = client.post(reverse("diagnostico:productos", args=[doc.pk]), datos)
    assert r.status_code == 302
    hijos = {
        p.numero: p.padre.numero if p.padre else None for p in ProductoEstrategico.objects.all()
    }
    assert hijos == {"1": None, "1.1": "1", "1.1.1": "1.1"}


def _servicio_con_regiones(n: int, sufijo: str):
    admin = UsuarioFactory(username=f"adm{sufijo}")
    encargado = UsuarioFactory(username=f"enc{sufijo}")
    with actuando_como(admin):
        servicio = ServicioFactory(sigla=f"NAC-{sufijo}")
        regiones = [RegionFactory(codigo=f"Z{i}", orden=100 + i) for i in range(n)]
        centros = [
            Centro.objects.create(servicio=servicio, region=r, nombre=f"C{r.codigo}")
            for r in regiones
        ]
        services.roles_asegurar(servicio)
        for c in centros:
            services.roles_asegurar(c)
        services.rol_asignar(usuario=encargado, tipo=GrupoRol.Tipo.ENCARGADO_GT, objeto=servicio)
    from tests.fabricas import CicloFactory

    doc = services.documento_crear(
        servicio=servicio, ciclo=CicloFactory(anio=2009), etapa=1, actor=encargado
    )
    producto = _producto(doc)
    with actuando_como(encargado):
        for c in centros:
            for _ in range(2):
                _fila(doc, c, producto, avance="A", mejora="M", medidas="X", objetivo="O")
            for clave in FilaCuadro2.Informacion.values:
                FilaCuadro2.objects.create(
                    diagnostico=doc.diagnostico, centro=c, informacion=clave, objetivo="O"
                )
    return doc, encargado


def _consultas(client, usuario, url):
    client.force_login(usuario)
    # A process's first requests fill per-process caches (content types, guardian's); count
    # the queries of a request after that, so the count does not depend on the test order.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as c:
        assert client.get(url).status_code == 200
    return len(c.captured_queries)


@pytest.mark.django_db
def test_paginas_con_igual_numero_de_consultas_para_1_y_15_regiones(client):
    doc1, enc1 = _servicio_con_regiones(1, "a")
    doc15, enc15 = _servicio_con_regiones(15, "b")
    assert _consultas(client, enc1, reverse("pmggt:documento", args=[doc1.pk])) == _consultas(
        client, enc15, reverse("pmggt:documento", args=[doc15.pk])
    )
    assert _consultas(
        client, enc1, reverse("diagnostico:cuadro", args=[doc1.pk, "Z0"])
    ) == _consultas(client, enc15, reverse("diagnostico:cuadro", args=[doc15.pk, "Z0"]))


def test_actualizar_diagnostico_copia_la_version_visada(client, mundo):
    from diagnostico.contenido import contenido
    from pmggt.models import Ciclo

    doc = crear_diagnostico(mundo, mision="Misión 2009", cuadro1=False)
    producto = _producto(doc)
    _fila(doc, mundo.centro_region_i, producto, avance="Avance 2009", objetivo="Objetivo")
    _fila(doc, mundo.centro_region_ii, producto, avance="Avance II 2009", objetivo="Objetivo")
    llevar_a(mundo, doc, Estado.VISADO)
    client.force_login(mundo.encargada)
    url = reverse("diagnostico:actualizar", args=[doc.pk])
    r = client.post(url, follow=True)
    assert "Aún no existe el Ciclo 2010" in r.content.decode()
    with actuando_como(mundo.admin):
        Ciclo.objects.create(anio=2010)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "Actualizar diagnóstico para 2010" in html
    r = client.post(url)
    nuevo = Documento.objects.get(servicio=doc.servicio, ciclo__anio=2010)
    assert r.status_code == 302 and r["Location"] == reverse("pmggt:documento", args=[nuevo.pk])
    assert nuevo.estado == Estado.BORRADOR and nuevo.version_actual == 0
    viejo, copia = contenido(doc), contenido(nuevo)
    for clave in ("mision", "objetivos_estrategicos", "productos"):
        assert viejo[clave] == copia[clave]
    assert [f["avance"] for f in copia["cuadro1"]] == ["Avance 2009", "Avance II 2009"]
    # What changed since last year's visado version.
    diagnostico = nuevo.diagnostico
    diagnostico.mision = "Misión 2010"
    with actuando_como(mundo.encargada):
        diagnostico.save()
    r = client.get(
        reverse("pmggt:documento_diferencias", args=[nuevo.pk]), {"a": "anterior", "b": "actual"}
    )
    html = r.content.decode()
    assert "Versión visada de 2009" in html
    # Rows are matched across the two years' documents: only the misión changed.
    assert html.count('class="diferencia-cambiado"') == 1
    assert 'class="diferencia-agregado"' not in html and 'class="diferencia-eliminado"' not in html
    assert (
        '<del class="eliminado">2009</del>' in html and '<ins class="agregado">2010</ins>' in html
    )
    # Only once.
    assert (
        "Actualizar diagnóstico para 2010"
        not in client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    )


def test_gore_lee_solo_su_region_en_todas_las_vistas(client, mundo):
    doc = crear_diagnostico(mundo)
    producto = _producto(doc)
    _fila(doc, mundo.centro_region_i, producto, avance="Texto de Tarapacá")
    _fila(doc, mundo.centro_region_ii, producto, avance="Texto de Antofagasta")
    llevar_a(mundo, doc, Estado.VISADO)
    client.force_login(mundo.gore)  # GORE of region I
    paginas = [
        reverse("pmggt:documento", args=[doc.pk]),
        reverse("pmggt:documento_version", args=[doc.pk, 1]),
        reverse("pmggt:documento_diferencias", args=[doc.pk]) + "?a=1&b=actual",
        reverse("diagnostico:cuadro", args=[doc.pk, "I"]),
    ]
    for url in paginas:
        html = client.get(url).content.decode()
        assert "Texto de Antofagasta" not in html, url
        # (The comparison shows only what changed: nothing here, helper d's diff page.)
        assert "Misión de prueba." in html or "cuadros" in url or "diferencias" in url, url
    html = client.get(reverse("diagnostico:cuadro", args=[doc.pk, "I"])).content.decode()
    assert "Texto de Tarapacá" in html
    documento_html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert 'id="region-I"' in documento_html and 'id="region-II"' not in documento_html
    assert "Informe Etapa I (PDF)" not in documento_html
    # The Servicio's own people still read every region.
    client.force_login(mundo.jefe)
    html = client.get(reverse("pmggt:documento_version", args=[doc.pk, 1])).content.decode()
    assert "Texto de Antofagasta" in html and "Texto de Tarapacá" in html


# --- Region navigation on the cuadro pages (issue 9, item 9) ----------------------------------


def _navegacion(html: str, etiqueta: str = "Regiones") -> str:
    """The region navigation block with this accessible name (the top one by default)."""
    return re.search(rf'<nav aria-label="{re.escape(etiqueta)}".*?</nav>', html, re.S).group(0)


def _enlaces(nav: str) -> list[tuple[str, str]]:
    """(href, visible text) of each link of a block."""
    return [
        (href, " ".join(re.sub(r"<[^>]+>", " ", texto).split()))
        for href, texto in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)
    ]


def _cuadro(doc, region):
    return reverse("diagnostico:cuadro", args=[doc.pk, region])


def test_navegacion_entre_regiones_en_el_orden_del_servicio(client, mundo):
    """Previous / next follow the regions' order (north to south), not the Centros' creation
    nor their codes; the first has no previous region and the last no next one."""
    doc = crear_diagnostico(mundo)
    with actuando_como(mundo.admin):
        # Created last, but the northernmost: it comes first.
        arica = RegionFactory(codigo="XV", nombre="Región de Arica y Parinacota", orden=1)
        Centro.objects.create(servicio=mundo.servicio, region=arica, nombre="Centro A Arica")
        Centro.objects.create(
            servicio=mundo.servicio, region=mundo.regiones[2], nombre="Centro A Atacama"
        )
    client.force_login(mundo.encargada)
    documento = reverse("pmggt:documento", args=[doc.pk])
    esperado = {
        "XV": (None, "I"),
        "I": ("XV", "II"),
        "II": ("I", "III"),
        "III": ("II", None),
    }
    nombres = {
        "XV": "XV Región de Arica y Parinacota",
        "I": "I Región de Tarapacá",
        "II": "II Región de Antofagasta",
        "III": "III Región de Atacama",
    }
    for region, (anterior, siguiente) in esperado.items():
        respuesta = client.get(_cuadro(doc, region))
        assert respuesta.status_code == 200
        html = respuesta.content.decode()
        for etiqueta in ("Regiones", "Regiones (al pie de la página)"):
            nav = _navegacion(html, etiqueta)
            enlaces = _enlaces(nav)
            previo = [(h, t) for h, t in enlaces if t.startswith("← Región anterior")]
            proximo = [(h, t) for h, t in enlaces if t.startswith("Región siguiente")]
            assert (documento, "Volver al documento") in enlaces, (region, etiqueta)
            if anterior is None:
                assert previo == [] and "Primera región" in nav, region
            else:
                assert previo == [
                    (_cuadro(doc, anterior), f"← Región anterior: {nombres[anterior]}")
                ], region
            if siguiente is None:
                assert proximo == [] and "Última región" in nav, region
            else:
                assert proximo == [
                    (_cuadro(doc, siguiente), f"Región siguiente: {nombres[siguiente]} →")
                ], region
            assert 'rel="prev"' in nav if anterior else 'rel="prev"' not in nav
        # The top block also lists every region, the current one marked for assistive tech.
        lista = _navegacion(html).split('class="pagination')[1]
        assert re.findall(r'<li class="page-item[^"]*">', lista) and [
            t.split()[0] for _, t in _enlaces(lista)
        ] == [r for r in esperado if r != region]
        assert re.search(rf'aria-current="page">{region}<', lista)
    # The heading says which region the page is.
    html = client.get(_cuadro(doc, "XV")).content.decode()
    assert "<h1" in html and "Región de Arica y Parinacota</h1>" in html


def test_la_encargada_de_centro_ve_las_demas_regiones_y_cual_es_la_suya(client, mundo):
    doc = crear_diagnostico(mundo)
    client.force_login(mundo.centro_ii)
    html = client.get(_cuadro(doc, "I")).content.decode()
    nav = _navegacion(html)
    assert (_cuadro(doc, "II"), "Región siguiente: II Región de Antofagasta (su región) →") in (
        _enlaces(nav)
    )
    assert (_cuadro(doc, "II"), "Ir a su región: II Región de Antofagasta") in _enlaces(nav)
    # On her own region: nothing to go back to.
    nav = _navegacion(client.get(_cuadro(doc, "II")).content.decode())
    assert (_cuadro(doc, "I"), "← Región anterior: I Región de Tarapacá") in _enlaces(nav)
    assert "Ir a su región" not in nav and "(su región)" not in nav
    # The Encargado/a GT edits every region: none is marked as hers.
    client.force_login(mundo.encargada)
    assert "su región" not in _navegacion(client.get(_cuadro(doc, "I")).content.decode())


def test_el_gore_no_ve_regiones_vecinas_que_no_puede_leer(client, mundo):
    doc = crear_diagnostico(mundo)
    llevar_a(mundo, doc, Estado.VISADO)
    client.force_login(mundo.gore)  # GORE of region I; the document also has region II
    html = client.get(_cuadro(doc, "I")).content.decode()
    nav = _navegacion(html)
    assert _enlaces(nav) == [(reverse("pmggt:documento", args=[doc.pk]), "Volver al documento")]
    assert _cuadro(doc, "II") not in html and "Antofagasta" not in html
    assert "Región siguiente" not in html and "Región anterior" not in html
    assert client.get(_cuadro(doc, "II")).status_code == 403
    # The Jefe (an internal reader) goes on to region II.
    client.force_login(mundo.jefe)
    nav = _navegacion(client.get(_cuadro(doc, "I")).content.decode())
    assert (_cuadro(doc, "II"), "Región siguiente: II Región de Antofagasta →") in _enlaces(nav)


def test_un_servicio_sin_centros_tiene_un_solo_cuadro_sin_vecinos(client, mundo):
    doc = crear_diagnostico(mundo, servicio=mundo.otro_servicio)  # Servicio B: no Centros
    client.force_login(mundo.intruso)  # Servicio B's Encargado GT
    respuesta = client.get(_cuadro(doc, "servicio"))
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    for etiqueta in ("Regiones", "Regiones (al pie de la página)"):
        nav = _navegacion(html, etiqueta)
        assert _enlaces(nav) == [(reverse("pmggt:documento", args=[doc.pk]), "Volver al documento")]
        assert "Primera región" not in nav and "Última región" not in nav
    assert 'class="pagination' not in html
    # Its only part has no region code in the URL: a code is not found.
    assert client.get(_cuadro(doc, "I")).status_code == 404


def test_lo_que_falta_de_cada_parte_es_lo_de_la_pagina_del_documento(mundo):
    """``faltantes_de_partes`` (an Encargada de Centro's inbox) gives, for many parts of many
    documents in one query, exactly the document page's per-region lists."""
    from diagnostico.contenido import contenido, faltantes_de_partes, faltantes_por_region
    from pmggt.models import Ciclo

    with actuando_como(mundo.admin):
        ciclo = Ciclo.objects.create(anio=2010)
    uno = crear_diagnostico(mundo, cuadro1=False)
    dos = crear_diagnostico(mundo, ciclo=ciclo, cuadro1=False)
    i, ii = mundo.centro_region_i, mundo.centro_region_ii
    producto, otro = _producto(uno), _producto(uno, numero="1.1", nombre="Subproducto")
    completa = {"avance": "A", "mejora": "M", "medidas": "X", "objetivo": "O"}
    fila = _fila(uno, i, producto, **completa)
    fila.productos.add(otro)
    _fila(uno, i, producto, **{**completa, "medidas": "  ", "objetivo": ""})
    with actuando_como(mundo.encargada):
        sin_producto = FilaCuadro1.objects.create(
            diagnostico=uno.diagnostico, centro=ii, causales="acceso", **completa
        )
        FilaCuadro2.objects.create(
            diagnostico=uno.diagnostico, centro=i, informacion="oferta", objetivo="O"
        )
        FilaCuadro2.objects.create(
            diagnostico=uno.diagnostico, centro=ii, informacion="gasto", medidas_gore=" "
        )
        # The other document: Cuadro I N°2 not pertinent, region II untouched.
        diagnostico = dos.diagnostico
        diagnostico.cuadro2_no_pertinente = True
        diagnostico.save()
    _fila(dos, i, _producto(dos), **completa)
    assert sin_producto.productos.count() == 0
    partes = [(d.pk, c.pk) for d in (uno, dos) for c in (i, ii)]
    with CaptureQueriesContext(connection) as consultas:
        obtenido = faltantes_de_partes(partes)
    assert len(consultas.captured_queries) == 1
    esperado = {}
    for d in (uno, dos):
        pagina = faltantes_por_region(contenido(d))
        for c in (i, ii):
            esperado[(d.pk, c.pk)] = pagina[c.region.codigo]
    assert obtenido == esperado
    assert obtenido[(dos.pk, i.pk)] == [] and len(obtenido[(uno.pk, i.pk)]) == 4
    assert faltantes_de_partes([]) == {}
