"""generar_escala: a national-scale data set, built in bulk, that the product reads as its own.

Built once (4 Servicios × 2 Ciclos) and checked against the product's own rules: the chain's
transitions and their permissions, versions freezing exactly the stage's content, observaciones
on observable keys, role grants identical to services.roles_asegurar, pages that open. The chain,
versions and observaciones are checked for every stage generated (the Diagnósticos and the Plans
written on the visado ones); what is particular to the Plans is in tests/planes/test_escala.py.
"""

import io
from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from pmggt import concurrencia, escala, etapas, permisos, selectors, services, workflow
from pmggt.historia import actuando_como
from pmggt.models import (
    Centro,
    CentroGroupObjectPermission,
    Ciclo,
    Documento,
    GrupoRol,
    Observacion,
    Servicio,
    ServicioGroupObjectPermission,
    Transicion,
    VersionDocumento,
)
from pmggt.texto import normalizar
from tests.conftest import mundo_compartido

Estado = Documento.Estado
Accion = Transicion.Accion
Tipo = GrupoRol.Tipo
N_SERVICIOS, N_CICLOS = 4, 2
CONTRASENA = "clave-de-escala"


def _generar(*opciones) -> str:
    salida = io.StringIO()
    call_command(
        "generar_escala",
        "--servicios",
        str(N_SERVICIOS),
        "--ciclos",
        str(N_CICLOS),
        "--contrasena",
        CONTRASENA,
        *opciones,
        stdout=salida,
        verbosity=2,  # every username
    )
    return salida.getvalue()


def construir_escala():
    return SimpleNamespace(salida=_generar())


datos = mundo_compartido(construir_escala)


def _cuentas() -> dict:
    """Row counts of every table of the project, history and grants included."""
    modelos = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"pmggt", "diagnostico", "planes", "auth"}
    ]
    modelos += [m for m in apps.get_models(include_auto_created=True) if m._meta.auto_created]
    return {m._meta.label: m._base_manager.count() for m in dict.fromkeys(modelos)}


def _usuario(username):
    return get_user_model().objects.get(username=username)


def _documentos(etapa=Documento.Etapa.DIAGNOSTICO):
    """The generated documents of a stage (Etapa I by default; None: every stage)."""
    documentos = Documento.objects.filter(servicio__sigla__startswith=escala.PREFIJO)
    if etapa is not None:
        documentos = documentos.filter(etapa=etapa)
    return documentos.select_related("servicio", "ciclo")


# --- Sizes ---------------------------------------------------------------------------------------


def test_servicios_centros_ciclos_documentos_y_usuarios(datos):
    servicios = Servicio.objects.filter(sigla__startswith=escala.PREFIJO)
    assert servicios.count() == N_SERVICIOS
    s001 = servicios.get(sigla="ESCALA-S001")
    assert s001.centros.count() == 16 and s001.region is None
    tipos = {
        ("con centros" if s.centros.exists() else "sin centros", s.region_id is not None)
        for s in servicios
    }
    # National with a Centro per región, national without Centros, regional (region set).
    assert tipos == {("con centros", False), ("sin centros", False), ("sin centros", True)}
    centros = Centro.objects.filter(servicio__in=servicios).count()
    assert centros % 16 == 0 and centros >= 16

    ciclos = list(Ciclo.objects.order_by("anio"))
    anio = timezone.localdate().year
    assert [c.anio for c in ciclos] == list(range(anio - N_CICLOS + 1, anio + 1))
    assert [c.abierto for c in ciclos] == [False] * (N_CICLOS - 1) + [True]

    documentos = _documentos()
    assert documentos.count() == N_SERVICIOS * N_CICLOS
    # A Plan on every Diagnóstico with a visado version, and nothing else.
    visados = {(d.servicio_id, d.ciclo_id) for d in documentos if d.version_visada is not None}
    planes = _documentos(Documento.Etapa.PLAN)
    assert {(d.servicio_id, d.ciclo_id) for d in planes} == visados and planes.count() == len(
        visados
    )
    assert {d.etapa for d in _documentos(None)} == {
        Documento.Etapa.DIAGNOSTICO,
        Documento.Etapa.PLAN,
    }
    assert "Etapa II – Plan y Programa de Trabajo:" in datos.salida
    assert VersionDocumento.objects.filter(documento__in=documentos).count() == sum(
        d.version_actual for d in documentos
    )

    esperados = 1 + 1 + 1 + 2 * N_SERVICIOS + centros + 16  # admin, expertos, GT+jefe, …
    User = get_user_model()
    assert User.objects.filter(username__startswith="escala.").count() == esperados
    for username in [
        "escala.admin",
        "escala.experto",
        "escala.experto.01",
        "escala.encargado.s001",
        "escala.jefe.s004",
        "escala.centro.s001.xv",
        "escala.centro.s001.rm",
        "escala.gore.xii",
    ]:
        assert username in datos.salida
        assert User.objects.filter(username=username, is_active=True).exists(), username
    # One password, hashed once.
    hashes = set(User.objects.filter(username__startswith="escala.").values_list("password"))
    assert len(hashes) == 1
    assert _usuario("escala.jefe.s002").check_password(CONTRASENA)


def test_el_ciclo_actual_tiene_todos_los_estados(datos):
    actual = _documentos().filter(ciclo__abierto=True)
    assert {d.estado for d in actual} == set(Estado.values)
    devuelto = actual.get(servicio__sigla="ESCALA-S001")
    assert devuelto.estado == Estado.BORRADOR and devuelto.version_actual >= 1
    abiertas = devuelto.observaciones.filter(resuelta=False)
    assert 45 <= abiertas.count() <= 55
    # Older Ciclos are mostly visado.
    anteriores = _documentos().filter(ciclo__abierto=False)
    assert anteriores.filter(estado=Estado.VISADO).count() >= anteriores.count() // 2


# --- The chain -----------------------------------------------------------------------------------


def test_estados_transiciones_y_versiones_son_coherentes(datos):
    actores = {u.pk: u for u in get_user_model().objects.filter(username__startswith="escala.")}
    for doc in _documentos(None):
        pasos = list(doc.transiciones.order_by("fecha", "id"))
        assert pasos[0].accion == Accion.CREAR and pasos[0].estado_origen == ""
        assert pasos[0].estado_destino == Estado.BORRADOR and pasos[0].version == 0
        assert pasos[0].actor_id == doc.creado_por_id and pasos[0].fecha == doc.creado_en
        estado, version, visada, actuaron = Estado.BORRADOR, 0, None, defaultdict(set)
        for paso in pasos[1:]:
            regla = next(r for r in workflow.REGLAS[paso.accion] if r.origen == estado)
            assert paso.estado_origen == estado and paso.estado_destino == regla.destino
            actor = actores[paso.actor_id]
            assert permisos.tiene(actor, regla.permiso, doc.servicio), (doc, paso.accion)
            if paso.accion == Accion.ENVIAR:
                version += 1
            if paso.accion in workflow.ACCIONES_SOBRE_VERSION:
                assert actor.pk not in actuaron[version], "nadie actúa dos veces (cuatro ojos)"
            if paso.accion in workflow.ACCIONES_PREVIAS:
                actuaron[version].add(actor.pk)
            if paso.accion == Accion.VISAR:
                visada = version
            assert paso.version == version
            estado = paso.estado_destino
        assert (doc.estado, doc.version_actual, doc.version_visada) == (estado, version, visada)
        assert doc.estado_desde == pasos[-1].fecha
        envios = [p for p in pasos if p.accion == Accion.ENVIAR]
        versiones = list(doc.versiones.order_by("numero"))
        assert [v.numero for v in versiones] == list(range(1, version + 1))
        for v, envio in zip(versiones, envios, strict=True):
            assert (v.creada_en, v.creada_por_id) == (envio.fecha, envio.actor_id)
            assert v.sha256 == etapas.sha256(v.contenido)
        # The history of the document follows its transitions.
        historia = list(doc.history.order_by("history_date", "history_id"))
        assert [h.estado for h in historia] == [p.estado_destino for p in pasos]
        assert [h.history_user_id for h in historia] == [p.actor_id for p in pasos]


def test_las_versiones_congelan_el_contenido_de_la_etapa(datos):
    vistos = set()
    for doc in _documentos(None):
        definicion = etapas.de(doc.etapa)
        if not doc.version_actual:
            assert definicion.contenido(doc)["objetivos_estrategicos"] is not None
            continue
        # Nothing was edited after the last version was sent (so a visado document's content
        # is its visado version).
        ultima = doc.versiones.get(numero=doc.version_actual)
        assert definicion.contenido(doc) == ultima.contenido, doc
        vistos.add((doc.etapa, doc.estado))
        assert definicion.validar_envio(doc) == []
    for etapa in (Documento.Etapa.DIAGNOSTICO, Documento.Etapa.PLAN):
        assert (etapa, Estado.VISADO) in vistos and (etapa, Estado.BORRADOR) in vistos


def test_los_textos_estan_normalizados_y_en_castellano(datos):
    doc = _documentos().get(servicio__sigla="ESCALA-S001", ciclo__abierto=True)
    definicion = etapas.de(doc.etapa)
    contenido = definicion.contenido(doc)
    textos = [contenido["mision"]] + [
        f[c] for f in contenido["cuadro1"] for c in ("avance", "mejora", "medidas", "objetivo")
    ]
    assert all(normalizar(t) == t for t in textos)
    assert len({len(t) for t in textos}) > 5  # varying lengths
    assert {f["region"] for f in contenido["cuadro1"]} <= {
        r["codigo"] for r in contenido["regiones"]
    }
    assert "misión" in contenido["mision"]


def test_la_historia_del_contenido_tiene_autor_y_fecha(datos):
    doc = _documentos().filter(version_actual__gte=2).first()
    assert doc is not None
    definicion = etapas.de(doc.etapa)
    historiales = definicion.historiales(doc)
    registros = [r for qs in historiales for r in qs]
    assert registros and all(r.history_user_id for r in registros)
    assert {r.history_type for r in registros} == {"+", "~"}  # created, then corrected
    huella = concurrencia.huella(historiales)
    assert huella and huella <= timezone.now().isoformat()
    # The regional rows were written by each region's Encargada de Centro.
    s001 = _documentos().get(servicio__sigla="ESCALA-S001", ciclo__abierto=True)
    fila = s001.diagnostico.filas_cuadro1.select_related("centro__region").first()
    autor = fila.history.earliest("history_date").history_user
    assert autor.username == f"escala.centro.s001.{fila.centro.region.codigo.lower()}"


def test_observaciones_en_campos_observables(datos):
    observaciones = Observacion.objects.filter(documento__in=_documentos(None)).select_related(
        "documento__servicio", "transicion"
    )
    # Both stages are observed.
    assert {o.documento.etapa for o in observaciones} == {
        Documento.Etapa.DIAGNOSTICO,
        Documento.Etapa.PLAN,
    }
    assert observaciones.filter(resuelta=True).exists()
    assert observaciones.filter(resuelta=False).exists()
    claves_por_version, observables = {}, {}
    for obs in observaciones:
        doc = obs.documento
        definicion = etapas.de(doc.etapa)
        clave = (doc.pk, obs.version)
        if clave not in claves_por_version:
            version = doc.versiones.get(numero=obs.version)
            claves_por_version[clave] = {""} | {
                c for c, _e, _t in definicion.aplanar(version.contenido)
            }
        assert obs.campo in claves_por_version[clave]
        assert obs.texto.strip()
        if obs.transicion is not None:
            t = obs.transicion
            assert (t.accion, t.version, t.actor_id) == (Accion.DEVOLVER, obs.version, obs.autor_id)
            assert obs.creada_en == t.fecha
        if obs.resuelta:
            assert obs.resuelta_por_id and obs.resuelta_en > obs.creada_en
            assert obs.history.filter(history_type="~", resuelta=True).exists()
        else:
            # Open ones: on a document returned to Borrador, or pinned while in visación.
            assert doc.estado in (Estado.BORRADOR, Estado.EN_VISACION)
            if doc.pk not in observables:
                observables[doc.pk] = {c for c, _e in services.campos_observables(doc)}
            assert obs.campo in observables[doc.pk]


# --- Roles and grants ----------------------------------------------------------------------------


def _concesiones(servicio) -> set:
    filas = set()
    for p in ServicioGroupObjectPermission.objects.filter(content_object=servicio).select_related(
        "group__rol", "permission"
    ):
        filas.add((p.group.rol.tipo, p.permission.codename, "servicio", p.group.name))
    for p in CentroGroupObjectPermission.objects.filter(
        content_object__servicio=servicio
    ).select_related("group__rol", "permission", "content_object__region"):
        region = p.content_object.region.codigo
        filas.add((p.group.rol.tipo, p.permission.codename, f"centro {region}", p.group.name))
    sigla = servicio.sigla
    return {(t, c, d, n.replace(sigla, "SIGLA")) for t, c, d, n in filas}


def test_los_grupos_de_rol_conceden_lo_mismo_que_el_producto(datos):
    s001 = Servicio.objects.get(sigla="ESCALA-S001")
    admin = _usuario("escala.admin")
    with actuando_como(admin):
        otro = Servicio.objects.create(sigla="OTRO", nombre="Otro", ministerio="Ministerio")
        services.roles_asegurar(otro)
        for centro in s001.centros.select_related("region"):
            services.roles_asegurar(
                Centro.objects.create(servicio=otro, region=centro.region, nombre=centro.nombre)
            )
    assert _concesiones(s001) == _concesiones(otro)
    assert GrupoRol.objects.filter(servicio=s001).count() == 3 + 16
    assert permisos.es_administrador(admin)
    assert _usuario("escala.admin").is_staff


def test_quien_ve_y_quien_edita(datos):
    todos = set(_documentos(None).values_list("pk", flat=True))
    experto = _usuario("escala.experto")
    assert set(selectors.documentos_visibles_para(experto).values_list("pk", flat=True)) == todos
    assert selectors.documentos_visibles_para(_usuario("escala.admin")).count() >= len(todos)
    propios = set(
        selectors.documentos_visibles_para(_usuario("escala.encargado.s001")).values_list(
            "pk", flat=True
        )
    )
    assert propios == set(
        _documentos(None).filter(servicio__sigla="ESCALA-S001").values_list("pk", flat=True)
    )
    doc = _documentos().get(servicio__sigla="ESCALA-S001", ciclo__abierto=True)
    assert workflow.puede_editar(doc, _usuario("escala.encargado.s001"))
    assert not workflow.puede_editar(doc, _usuario("escala.jefe.s001"))
    assert not workflow.puede_editar(doc, _usuario("escala.encargado.s002"))
    assert workflow.puede_observar(doc, experto)
    en_revision = _documentos().filter(estado=Estado.EN_REVISION_JEFE).first()
    sigla = en_revision.servicio.sigla.removeprefix(escala.PREFIJO).lower()
    jefe = _usuario(f"escala.jefe.{sigla}")
    assert workflow.acciones_disponibles(en_revision, jefe) == [Accion.APROBAR, Accion.DEVOLVER]
    # A GORE follows the documents that concern its region.
    gore = _usuario("escala.gore.xv")
    assert doc.pk in set(selectors.documentos_visibles_para(gore).values_list("pk", flat=True))


def test_las_paginas_abren_para_los_usuarios_generados(datos, client):
    doc = _documentos().get(servicio__sigla="ESCALA-S001", ciclo__abierto=True)
    # Sign in with the shared password, through the login page.
    respuesta = client.post(
        reverse("login"), {"username": "escala.encargado.s001", "password": CONTRASENA}
    )
    assert respuesta.status_code == 302
    assert client.get(reverse("pmggt:documento", args=[doc.pk])).status_code == 200
    assert client.get(reverse("diagnostico:cuadro", args=[doc.pk, "XV"])).status_code == 200
    client.force_login(_usuario("escala.centro.s001.rm"))
    assert client.get(reverse("diagnostico:cuadro", args=[doc.pk, "RM"])).status_code == 200
    client.force_login(_usuario("escala.experto"))
    otro = _documentos().exclude(servicio__sigla="ESCALA-S001").filter(version_actual__gt=0)[0]
    assert client.get(reverse("pmggt:documento", args=[otro.pk])).status_code == 200
    assert client.get(reverse("pmggt:documento_lista")).status_code == 200
    client.force_login(_usuario("escala.admin"))
    assert client.get(reverse("pmggt:mis_pendientes")).status_code == 200
    visado = _documentos().filter(servicio__sigla="ESCALA-S001", version_visada__isnull=False)
    if visado.exists():
        client.force_login(_usuario("escala.gore.xv"))
        pk = visado.first().pk
        assert client.get(reverse("pmggt:documento", args=[pk])).status_code == 200
        assert client.get(reverse("diagnostico:cuadro", args=[pk, "XV"])).status_code == 200


# --- Running it again ----------------------------------------------------------------------------


def test_no_genera_dos_veces_sin_reemplazar(datos):
    antes = _cuentas()
    with pytest.raises(CommandError, match="--reemplazar"):
        _generar()
    assert _cuentas() == antes


def test_reemplazar_deja_los_mismos_datos(datos):
    antes = _cuentas()
    previos = set(_documentos(None).values_list("pk", flat=True))
    misiones = sorted(_documentos().values_list("diagnostico__mision", flat=True))
    objetivos = sorted(
        _documentos(Documento.Etapa.PLAN).values_list("plan__objetivo_general_pt", flat=True)
    )
    salida = _generar("--reemplazar", "--database", "default")
    assert "Datos de escala anteriores borrados" in salida
    # Same rows everywhere (the old ones and their history gone), same seeded content.
    assert _cuentas() == antes
    assert not previos & set(_documentos(None).values_list("pk", flat=True))
    assert sorted(_documentos().values_list("diagnostico__mision", flat=True)) == misiones
    assert (
        sorted(
            _documentos(Documento.Etapa.PLAN).values_list("plan__objetivo_general_pt", flat=True)
        )
        == objetivos
    )


def test_el_nucleo_declara_el_gancho_y_las_etapas_lo_implementan():
    definicion = etapas.de(Documento.Etapa.DIAGNOSTICO)
    assert callable(definicion.escala)
    assert definicion.escala.__module__ == "diagnostico.escala"
    assert etapas.de(Documento.Etapa.PLAN).escala.__module__ == "planes.escala"
