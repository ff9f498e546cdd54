"""Every Etapa I page in a constant, small number of queries, whatever the size of the document.

One shared world (built once per worker) holds two Diagnósticos in Borrador, both visado once
and reopened for a modification, so that each persona reads what she reads in real use (a
GORE: the visado version of its region, never observaciones):

- ``chico``: Servicio A (Centros in regions I and II): 1 product, 3 Cuadro I N°1 rows (two in
  region I, one in II), 1 open observación, 1 version.
- ``grande``: Servicio N (Centros in regions I, II and III): 12 products, 40 rows across the
  three regions, every Cuadro I N°2 row, 50 open observaciones by two authors and 12 resolved
  ones, one more return round (more versions and transitions).

The personas of ``tests.conftest`` hold the same roles on both Servicios. Each page is asked
for on ``chico`` (at most ``MAXIMO`` queries: session, user and permissions included) and then
on ``grande``, where it must make exactly as many; the stage's content (``contenido_de``) is
built at most once per request. Each case is rolled back after it.
"""

import io
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.forms import CheckboxInput, ModelMultipleChoiceField, MultipleChoiceField
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from diagnostico import contenido as contenido_mod
from diagnostico import forms as formularios
from diagnostico import services as servicios_etapa
from diagnostico.models import (
    Cliente,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
)
from pmggt import acceso, concurrencia, etapas, fragmentos, services, versiones, workflow
from pmggt.historia import actuando_como
from pmggt.models import Centro, Documento, GrupoRol, Observacion
from tests.conftest import construir_mundo, crear_diagnostico, mundo_compartido
from tests.fabricas import ServicioFactory

Tipo = GrupoRol.Tipo

# Total queries of a request (session, user and permissions included).
MAXIMO = 15
INTERNAS = ["encargada", "centro_i", "jefe", "experta", "admin"]
TODAS = [*INTERNAS, "gore"]
EDITORAS = ["encargada", "centro_i"]
NUMEROS = ["1", "1.1", "1.2", "2", "2.1", "2.1.1", "3", "3.1", "4", "4.1", "4.2", "5"]


# ----------------------------------------------------------------------------------------------
# The world: a small and a large Diagnóstico, both in Borrador after a visado version


def _llenar(m, doc, centros, *, productos, filas, objetivos, varios):
    """Every section of the Diagnóstico, and ``filas`` Cuadro I N°1 rows spread over centros."""
    with actuando_como(m.encargada):
        d = doc.diagnostico
        d.presentacion = "Presentación del Servicio."
        d.mision = "Misión de prueba."
        d.save()
        objs = [
            ObjetivoEstrategico.objects.create(diagnostico=d, numero=i, descripcion=f"Objetivo {i}")
            for i in range(1, objetivos + 1)
        ]
        prods = []
        for orden, numero in enumerate(NUMEROS[:productos], start=1):
            p = ProductoEstrategico.objects.create(
                diagnostico=d,
                numero=numero,
                orden=orden,
                nombre=f"Producto {numero}",
                aplica_pt="aplica",
                causal_diseno=True,
                causal_texto=f"Causal del producto {numero}.",
            )
            p.objetivos.set(objs[: 1 + orden % len(objs)])
            prods.append(p)
        servicios_etapa.productos_enlazar_padres(d)
        raices = [p for p in prods if "." not in p.numero]
        for i in range(1, (6 if varios else 1) + 1):
            cliente = Cliente.objects.create(diagnostico=d, numero=i, nombre=f"Cliente {i}")
            cliente.productos.set(raices[: 1 + i % len(raices)])
        ambitos = FacultadDesconcentrada.Ambito.values
        for i in range(4 if varios else 1):
            FacultadDesconcentrada.objects.create(
                diagnostico=d,
                ambito=ambitos[i % len(ambitos)],
                situacion="delegada_no_ejercida",
                descripcion=f"Facultad {i}",
            )
        for i in range(3 if varios else 1):
            SistemaInformacion.objects.create(
                diagnostico=d, nombre=f"Sistema {i}", datos_regionales="Datos por región"
            )
        for centro in [None, *centros] if varios else centros[:1]:
            EncargadoRed.objects.create(
                diagnostico=d, centro=centro, unidad="Unidad", nombres="Ana Pérez"
            )
        orden = {}
        causales = ["diseno", "coordinacion", "acceso"]
        for i in range(filas):
            centro = centros[i % len(centros)]
            orden[centro.pk] = orden.get(centro.pk, 0) + 1
            fila = FilaCuadro1.objects.create(
                diagnostico=d,
                centro=centro,
                causales=causales[i % 3],
                avance=f"Avance {i}",
                mejora=f"Mejora {i}",
                medidas=f"Medidas {i}",
                objetivo=f"Objetivo {i}",
                orden=orden[centro.pk],
            )
            fila.productos.set(prods[i % len(prods) :][: 1 + i % 3])
        for centro in centros if varios else centros[:1]:
            for informacion in FilaCuadro2.Informacion.values[: 4 if varios else 1]:
                FilaCuadro2.objects.create(
                    diagnostico=d,
                    centro=centro,
                    informacion=informacion,
                    medidas_jefatura="Medidas jefatura",
                    objetivo="Objetivo C2",
                )


def _observaciones(m, doc, centro_i, *, abiertas, resueltas):
    """Open observaciones: most on region I cells, the rest elsewhere; some resolved ones."""
    d = doc.diagnostico
    claves = [
        f"c1:{f.pk}:{c}"
        for f in FilaCuadro1.objects.filter(diagnostico=d, centro=centro_i)
        for c in contenido_mod.CAMPOS_CUADRO1
    ]
    claves[1:1] = [f"producto:{n}" for n in d.productos.values_list("numero", flat=True)[:4]]
    claves[1:1] = ["mision", "objetivo:1", "presentacion", ""]
    claves[1:1] = [
        f"c2:{f.pk}:{c}"
        for f in FilaCuadro2.objects.filter(diagnostico=d, centro=centro_i)
        for c in contenido_mod.CAMPOS_CUADRO2
    ][:6]
    claves[1:1] = [
        f"c1:{f.pk}:avance"
        for f in FilaCuadro1.objects.filter(diagnostico=d).exclude(centro=centro_i)[:4]
    ]
    autores = [m.experta, m.jefe]
    creadas = []
    for i in range(abiertas + resueltas):
        resuelta = i >= abiertas
        with actuando_como(autores[i % 2]):
            creadas.append(
                Observacion.objects.create(
                    documento=doc,
                    version=doc.version_actual,
                    autor=autores[i % 2],
                    texto=f"Observación {i}",
                    campo=claves[i % len(claves)],
                    resuelta=resuelta,
                    resuelta_por=(m.encargada, m.centro_i)[i % 2] if resuelta else None,
                    resuelta_en=timezone.now() if resuelta else None,
                )
            )
    return creadas


def _documento(m, servicio, centros, *, grande):
    doc = services.documento_crear(
        servicio=servicio, ciclo=m.ciclo, etapa=Documento.Etapa.DIAGNOSTICO, actor=m.encargada
    )
    _llenar(
        m,
        doc,
        centros,
        productos=12 if grande else 1,
        filas=40 if grande else 3,
        objetivos=5 if grande else 1,
        varios=grande,
    )
    workflow.enviar(documento=doc, actor=m.encargada)
    doc.refresh_from_db()
    workflow.aprobar(documento=doc, actor=m.jefe, version=doc.version_actual)
    workflow.visar(documento=doc, actor=m.experta, version=doc.version_actual)
    workflow.solicitar_modificacion(documento=doc, actor=m.encargada, comentario="Actualizar")
    if grande:  # one more return round: more versions, transitions and observaciones
        workflow.enviar(documento=doc, actor=m.encargada)
        doc.refresh_from_db()
        workflow.devolver(
            documento=doc,
            actor=m.jefe,
            version=doc.version_actual,
            observaciones=[{"texto": "Revise la misión.", "campo": "mision"}],
        )
    doc.refresh_from_db()
    _observaciones(m, doc, centros[0], abiertas=49 if grande else 1, resueltas=12 if grande else 0)
    doc.refresh_from_db()
    return doc


def construir_mundo_de_consultas():
    m = construir_mundo()
    with actuando_como(m.admin):
        n = ServicioFactory(sigla="SERV-N", nombre="Servicio Nacional N")
        centros = [
            Centro.objects.create(servicio=n, region=r, nombre=f"Centro N {r.codigo}")
            for r in m.regiones
        ]
        for objeto in (n, *centros):
            services.roles_asegurar(objeto)
        services.rol_asignar(usuario=m.encargada, tipo=Tipo.ENCARGADO_GT, objeto=n)
        services.rol_asignar(usuario=m.centro_i, tipo=Tipo.ENCARGADO_CENTRO, objeto=centros[0])
        services.rol_asignar(usuario=m.jefe, tipo=Tipo.JEFE, objeto=n)
        services.rol_asignar(usuario=m.experta, tipo=Tipo.EXPERTO, objeto=n)
    m.chico = _documento(m, m.servicio, [m.centro_region_i, m.centro_region_ii], grande=False)
    m.grande = _documento(m, n, centros, grande=True)
    return m


mundo_consultas = mundo_compartido(construir_mundo_de_consultas)


def test_el_mundo_grande_es_grande(mundo_consultas):
    m = mundo_consultas
    assert m.grande.observaciones.filter(resuelta=False).count() == 50
    assert m.grande.observaciones.filter(resuelta=True).count() == 12
    assert m.grande.versiones.count() == 2 and m.chico.versiones.count() == 1
    d = m.grande.diagnostico
    assert d.filas_cuadro1.count() == 40 and d.productos.count() == 12
    assert d.filas_cuadro1.filter(centro__region__codigo="I").count() == 14
    assert Centro.objects.filter(servicio=m.grande.servicio).count() == 3
    assert m.chico.observaciones.filter(resuelta=False).count() == 1
    assert m.chico.diagnostico.filas_cuadro1.count() == 3


# ----------------------------------------------------------------------------------------------
# Requests, built for one document


def _valores(form) -> dict:
    """What a browser sends back for an unbound form as drawn (its initial values)."""
    datos = {}
    for campo in form:
        valor = campo.value()
        if isinstance(campo.field.widget, CheckboxInput):
            if valor:
                datos[campo.html_name] = "on"
        elif isinstance(campo.field, MultipleChoiceField | ModelMultipleChoiceField):
            datos[campo.html_name] = [str(v) for v in valor or ()]
        elif isinstance(valor, list | tuple):
            datos[campo.html_name] = [str(v) for v in valor]
        else:
            datos[campo.html_name] = "" if valor is None else str(valor)
    return datos


def _formset(formset) -> dict:
    datos = _valores(formset.management_form)
    for form in formset.forms:
        datos |= _valores(form)
    return datos


def _seccion(nombre, d) -> dict:
    """The section's forms as drawn, sent back with one change (or one error)."""
    if nombre == "definiciones":
        return {
            **_valores(formularios.DefinicionesForm(instance=d, prefix="def")),
            **_formset(formularios.ObjetivosFormSet(instance=d, prefix="obj")),
        }
    if nombre == "productos":
        return _formset(formularios.productos_formset(d))
    if nombre == "clientes":
        return _formset(formularios.clientes_formset(d))
    return {
        **_formset(formularios.FacultadesFormSet(instance=d, prefix="fac")),
        **_formset(formularios.SistemasFormSet(instance=d, prefix="sis")),
        **_formset(formularios.encargados_formset(d)),
    }


CAMBIO = {
    "definiciones": ("def-mision", "Misión cambiada."),
    "productos": ("prod-0-nombre", "Producto cambiado"),
    "clientes": ("cli-0-nombre", "Cliente cambiado"),
    "otros": ("fac-0-descripcion", "Facultad cambiada"),
}
ERROR = {
    "definiciones": ("obj-0-numero", "x"),
    "productos": ("prod-0-numero", "x"),
    "clientes": ("cli-0-numero", "x"),
    "otros": ("fac-0-ambito", "x"),
}
URL_SECCION = {
    "definiciones": "diagnostico:editar",
    "productos": "diagnostico:productos",
    "clientes": "diagnostico:clientes",
    "otros": "diagnostico:otros",
}


def _primera_fila(doc):
    return (
        FilaCuadro1.objects.filter(diagnostico__documento=doc, centro__region__codigo="I")
        .order_by("orden", "id")
        .first()
    )


def _datos_fila(doc, fila, prefijo, **cambios) -> dict:
    d = doc.diagnostico
    datos = _valores(formularios.FilaCuadro1Form(instance=fila, diagnostico=d, prefix=prefijo))
    datos["huella"] = servicios_etapa.huella_fila(fila)
    return datos | {f"{prefijo}-{k}": v for k, v in cambios.items()}


def _cuadro2(doc) -> dict:
    filas = {
        f.informacion: f
        for f in FilaCuadro2.objects.filter(diagnostico__documento=doc, centro__region__codigo="I")
    }
    datos = {}
    for _clave, _etiqueta, form in formularios.cuadro2_formularios(filas):
        datos |= _valores(form)
    datos["c2-oferta-objetivo"] = "Objetivo cambiado"
    datos["huella"] = concurrencia.huella(
        servicios_etapa.historiales_cuadro2(_primera_fila(doc).centro_id)(doc.diagnostico)
    )
    return datos


def _datos_seccion(nombre, doc, cambio) -> dict:
    datos = _seccion(nombre, doc.diagnostico) | dict([cambio])
    datos["huella"] = concurrencia.huella(
        servicios_etapa.historiales_seccion(nombre)(doc.diagnostico)
    )
    return datos


def _libro_invalido():
    archivo = io.BytesIO(b"esto no es un libro de Excel")
    archivo.name = "cuadros.xlsx"
    return archivo


def _peticion(caso: str, doc) -> SimpleNamespace:
    """The request of one page of this document: method, url, data, htmx, expected status."""
    pk = doc.pk
    p = SimpleNamespace(metodo="get", datos=None, htmx=False, estado=200)
    if caso == "documento":
        p.url = reverse("pmggt:documento", args=[pk])
    elif caso == "cuadro":
        p.url = reverse("diagnostico:cuadro", args=[pk, "I"])
    elif caso.startswith("importar"):
        p.url = reverse("diagnostico:excel_importar", args=[pk])
        if caso == "importar_invalido":
            p.metodo, p.datos, p.estado = "post", {"archivo": _libro_invalido()}, 400
    elif caso.split("_")[0] in URL_SECCION:
        nombre, _, accion = caso.partition("_")
        p.url = reverse(URL_SECCION[nombre], args=[pk])
        if accion == "guardar":
            p.metodo, p.datos, p.estado = "post", _datos_seccion(nombre, doc, CAMBIO[nombre]), 302
        elif accion == "invalido":
            p.metodo, p.datos, p.estado = "post", _datos_seccion(nombre, doc, ERROR[nombre]), 400
    elif caso == "cuadro2":
        p.url = reverse("diagnostico:cuadro2_guardar", args=[pk, "I"])
        p.metodo, p.datos, p.estado = "post", _cuadro2(doc), 302
    else:
        fila = _primera_fila(doc)
        p.htmx = True
        p.url = reverse("diagnostico:fila_editar", args=[pk, "I", fila.pk])
        prefijo = f"f{fila.pk}"
        if caso == "fila_pagina":
            p.htmx = False
        elif caso == "fila_guardar":
            p.metodo, p.datos = "post", _datos_fila(doc, fila, prefijo, avance="Otro avance")
        elif caso == "fila_invalida":
            p.metodo, p.datos = "post", _datos_fila(doc, fila, prefijo, productos=[])
        elif caso.startswith("fila_nueva"):
            p.url = reverse("diagnostico:fila_nueva", args=[pk, "I"])
            p.metodo = "post"
            if caso == "fila_nueva":
                p.datos, p.estado = _datos_fila(doc, fila, "nueva", avance="Nueva"), 302
            else:  # invalid: the whole cuadro comes back with the form's errors
                p.datos = _datos_fila(doc, fila, "nueva", productos=[])
        elif caso == "fila_mover":
            p.url = reverse("diagnostico:fila_mover", args=[pk, "I", fila.pk])
            p.metodo, p.datos, p.estado = "post", {"direccion": "abajo"}, 302
        elif caso == "fila_eliminar":
            p.url = reverse("diagnostico:fila_eliminar", args=[pk, "I", fila.pk])
            p.metodo, p.estado = "post", 302
            p.datos = {"huella": servicios_etapa.huella_fila(fila)}
        else:
            assert caso == "fila_parcial", caso
    return p


def _hacer(client, peticion):
    extra = {"HTTP_HX_REQUEST": "true"} if peticion.htmx else {}
    if peticion.metodo == "get":
        return client.get(peticion.url, **extra)
    return client.post(peticion.url, peticion.datos, **extra)


@pytest.fixture
def contenidos(monkeypatch):
    """The Diagnóstico whose content was built, once per build (``contenido_de``)."""
    llamadas = []
    original = contenido_mod.contenido_de

    def contenido_de(carga):
        llamadas.append(carga.diagnostico.pk)
        return original(carga)

    monkeypatch.setattr(contenido_mod, "contenido_de", contenido_de)
    return llamadas


@pytest.fixture
def contar(
    client, mundo_consultas, contenidos, django_assert_num_queries, django_assert_max_num_queries
):
    """contar(persona, casos, maximo): each case's request on ``chico`` (at most ``maximo``
    queries, or ``maximo(caso)``) and then on ``grande`` (exactly as many), each case rolled
    back after it. Returns {caso: (queries, response on grande)}."""
    m = mundo_consultas

    def _contar(persona, casos, maximo=MAXIMO):
        client.force_login(m.personas[persona])
        # First request of the session (it is written) and of the process' caches.
        client.get(reverse("diagnostico:cuadro", args=[m.chico.pk, "I"]))
        resultado = {}
        for caso in casos:
            tope = maximo(caso) if callable(maximo) else maximo
            with transaction.atomic():
                peticiones = {t: _peticion(caso, getattr(m, t)) for t in ("chico", "grande")}
                respuestas = {}
                try:
                    del contenidos[:]
                    with django_assert_max_num_queries(tope) as chico:
                        respuestas["chico"] = _hacer(client, peticiones["chico"])
                    construidos = len(contenidos)
                    del contenidos[:]
                    with django_assert_num_queries(len(chico)):
                        respuestas["grande"] = _hacer(client, peticiones["grande"])
                except pytest.fail.Exception as exc:
                    pytest.fail(f"{caso} ({persona}): {exc}", pytrace=False)
                for tamano, r in respuestas.items():
                    esperado = peticiones[tamano].estado
                    assert r.status_code == esperado, (caso, persona, tamano, r.status_code)
                assert construidos <= 1 and len(contenidos) <= 1, (
                    f"{caso} ({persona}): el contenido se construyó más de una vez"
                )
                resultado[caso] = (len(chico), respuestas["grande"])
                transaction.set_rollback(True)
        return resultado

    return _contar


# ----------------------------------------------------------------------------------------------
# The pages


def _abiertas_en_la_region_i(m) -> int:
    d = m.grande.diagnostico
    filas = {
        f"c{n}:{pk}"
        for n, modelo in ((1, FilaCuadro1), (2, FilaCuadro2))
        for pk in modelo.objects.filter(diagnostico=d, centro__region__codigo="I").values_list(
            "pk", flat=True
        )
    }
    return sum(
        1
        for campo in m.grande.observaciones.filter(resuelta=False).values_list("campo", flat=True)
        if campo.rsplit(":", 1)[0] in filas
    )


LECTURAS_DE_EDITORAS = [
    "fila_parcial",
    "fila_pagina",
    "fila_invalida",
    "fila_nueva_invalida",
    "importar",
    "importar_invalido",
]


@pytest.mark.parametrize("persona", TODAS)
def test_cuadro_de_una_region_y_sus_parciales(mundo_consultas, contar, persona):
    """The cuadro page of a region for every persona; for its editors also the row partials,
    the full-page row form (no JavaScript), the forms coming back with errors and the import."""
    m = mundo_consultas
    casos = ["cuadro", *(LECTURAS_DE_EDITORAS if persona in EDITORAS else [])]
    if persona == "gore":
        casos.append("documento")  # the visado record of its region, Etapa I's part included
    contadas = contar(persona, casos)
    html = contadas["cuadro"][1].content.decode()
    assert html.count('class="fila-cuadro"') == 14
    if persona == "gore":
        assert 'class="observacion' not in html and "Versión visada 1" in html
    else:
        abiertas = _abiertas_en_la_region_i(m)
        assert abiertas >= 35 and html.count('class="observacion"') == abiertas


# Writes: the test's own transaction adds a SAVEPOINT and its RELEASE to each (production runs
# the write in a plain transaction, whose BEGIN/COMMIT are not queries).
TRANSACCION_DE_LA_PRUEBA = 2
# Every write within the target too (a new row and a move write two history records each, with
# their products' snapshot; who edits what is read once per request, pmggt.acceso).
MAXIMOS_DE_ESCRITURA = {}
ESCRITURAS = ["fila_guardar", "fila_nueva", "fila_mover", "fila_eliminar", "cuadro2"]


def _maximo_de_escritura(caso):
    return MAXIMOS_DE_ESCRITURA.get(caso, MAXIMO) + TRANSACCION_DE_LA_PRUEBA


@pytest.mark.parametrize("persona", EDITORAS)
def test_escrituras_de_los_cuadros(contar, persona):
    """Saving a row in place (htmx), adding, moving and deleting rows, saving Cuadro I N°2."""
    contadas = contar(persona, ESCRITURAS, maximo=_maximo_de_escritura)
    fila = contadas["fila_guardar"][1].content.decode()
    assert "<html" not in fila and "Otro avance" in fila and 'class="observacion"' in fila


SECCIONES = [f"{s}{a}" for s in URL_SECCION for a in ("", "_guardar", "_invalido")]


def test_secciones(contar):
    """The four section pages: drawn, saved with one change, sent back with an error."""
    contar(
        "encargada",
        SECCIONES,
        maximo=lambda caso: _maximo_de_escritura(caso) if "_guardar" in caso else MAXIMO,
    )


@pytest.mark.parametrize("persona", INTERNAS)
def test_pagina_del_documento(contar, persona):
    """The whole document page in Borrador (the core's page with Etapa I's part, its live
    content read in one query): constant and within the target too."""
    contar(persona, ["documento"])


@pytest.mark.parametrize("persona", INTERNAS)
def test_parte_de_la_etapa_en_la_pagina_del_documento(
    mundo_consultas,
    persona,
    django_assert_num_queries,
    django_assert_max_num_queries,
    contenidos,
):
    """``EtapaDef.contexto``, its template and who resolves each observación: constant, and
    the content built once (the core's page reads it again through contenido_vigente)."""
    m = mundo_consultas
    usuario = m.personas[persona]
    definicion = etapas.de(Documento.Etapa.DIAGNOSTICO)
    request = RequestFactory().get("/")
    request.user = usuario

    def parte(doc):
        """What the core's page has loaded when it asks the stage (pmggt.views)."""
        doc = acceso._documento(doc.pk)
        observaciones = list(
            Observacion.objects.filter(documento=doc).select_related("autor", "resuelta_por")
        )
        abiertas = {}
        for obs in observaciones:
            obs.documento = doc
            if not obs.resuelta:
                abiertas.setdefault(obs.campo, []).append(obs)
        return doc, observaciones, abiertas

    def medir(doc, observaciones, abiertas):
        del contenidos[:]
        c = definicion.contexto(doc, abiertas, usuario)
        for obs in observaciones:
            obs.puede_resolver = workflow.puede_resolver(obs, usuario)
        # The core's page gives each observación its HTML (pmggt.fragmentos).
        fragmentos.Observaciones(request, doc).preparar(observaciones)
        versiones.contenido_vigente(doc)  # the core's own use: no second build
        html = render_to_string(definicion.plantilla, {"c": c, "documento": doc}, request=request)
        assert contenidos == [doc.diagnostico.pk]
        return html, observaciones

    medir(*parte(m.chico))  # warm-up: permissions
    chico = parte(m.chico)
    with django_assert_max_num_queries(MAXIMO) as consultas:
        medir(*chico)
    grande = parte(m.grande)
    with django_assert_num_queries(len(consultas)):
        html, observaciones = medir(*grande)
    assert html.count('class="observacion"') >= 8
    resuelven = {o.pk for o in observaciones if o.puede_resolver}
    if persona == "encargada":
        assert resuelven == {o.pk for o in observaciones if not o.resuelta}
    elif persona == "centro_i":  # the open ones on her region's cells
        assert 35 <= len(resuelven) < 50
    else:
        assert not resuelven


def test_una_version_congelada_sin_todas_las_claves_se_muestra(client, mundo_consultas):
    """Outside Borrador the page shows the frozen version, which may predate some keys."""
    m = mundo_consultas
    doc = crear_diagnostico(m, servicio=m.otro_servicio)
    workflow.enviar(documento=doc, actor=m.intruso)
    version = doc.versiones.get()
    # As frozen by an older release: only some keys (versions are immutable for the app).
    doc.versiones.filter(pk=version.pk).update(contenido={"mision": version.contenido["mision"]})
    client.force_login(m.intruso)
    r = client.get(reverse("pmggt:documento", args=[doc.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Misión de prueba." in html and 'id="region-servicio"' in html
