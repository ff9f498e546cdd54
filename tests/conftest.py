"""Named personas and documents at any point of the chain, built once per test.

Servicio A (national) has Centros in regions I and II; Servicio B is another Servicio.
The personas are those of the permission matrix:

- encargada: Encargada GT of A          - intruso: Encargado GT of B (outsider)
- centro_i / centro_ii: Encargadas de Centro of A in regions I / II
- jefe: Jefe of A                        - experta: Experta SUBDERE assigned to A
- experta_ajena: Experta assigned to B   - gore: GORE of region I (concerned by A)
- gore_ajeno: GORE of region III         - admin: Administradora SUBDERE
"""

from types import SimpleNamespace

import pytest
from django.apps import apps

from pmggt import services, workflow
from pmggt.historia import actuando_como
from pmggt.models import Centro, Documento, GrupoRol, Observacion, Transicion, VersionDocumento
from tests.fabricas import CicloFactory, GoreFactory, RegionFactory, ServicioFactory, UsuarioFactory

Tipo = GrupoRol.Tipo
Estado = Documento.Estado

PERSONAS = [
    "encargada",
    "intruso",
    "centro_i",
    "centro_ii",
    "jefe",
    "experta",
    "experta_ajena",
    "gore",
    "gore_ajeno",
    "admin",
]


def construir_mundo():
    admin = UsuarioFactory(username="admin.subdere")
    with actuando_como(admin):
        services.rol_asignar(usuario=admin, tipo=Tipo.ADMINISTRADOR)
        r1 = RegionFactory(codigo="I", nombre="Región de Tarapacá", orden=2)
        r2 = RegionFactory(codigo="II", nombre="Región de Antofagasta", orden=3)
        r3 = RegionFactory(codigo="III", nombre="Región de Atacama", orden=4)
        gores = [GoreFactory(region=r) for r in (r1, r2, r3)]
        a = ServicioFactory(sigla="SERV-A", nombre="Servicio A")
        b = ServicioFactory(sigla="SERV-B", nombre="Servicio B")
        c1 = Centro.objects.create(servicio=a, region=r1, nombre="Centro A Tarapacá")
        c2 = Centro.objects.create(servicio=a, region=r2, nombre="Centro A Antofagasta")
        for objeto in (a, b, c1, c2, *gores):
            services.roles_asegurar(objeto)
        ciclo = CicloFactory(anio=2009)

        def persona(username, tipo, objeto):
            usuario = UsuarioFactory(username=username)
            services.rol_asignar(usuario=usuario, tipo=tipo, objeto=objeto)
            return usuario

        m = SimpleNamespace(
            admin=admin,
            servicio=a,
            otro_servicio=b,
            centro_region_i=c1,
            centro_region_ii=c2,
            ciclo=ciclo,
            regiones=(r1, r2, r3),
        )
        m.personas = {
            "encargada": persona("encargada", Tipo.ENCARGADO_GT, a),
            "intruso": persona("intruso", Tipo.ENCARGADO_GT, b),
            "centro_i": persona("centro.i", Tipo.ENCARGADO_CENTRO, c1),
            "centro_ii": persona("centro.ii", Tipo.ENCARGADO_CENTRO, c2),
            "jefe": persona("jefe", Tipo.JEFE, a),
            "experta": persona("experta", Tipo.EXPERTO, a),
            "experta_ajena": persona("experta.ajena", Tipo.EXPERTO, b),
            "gore": persona("gore.i", Tipo.GORE, gores[0]),
            "gore_ajeno": persona("gore.iii", Tipo.GORE, gores[2]),
            "admin": admin,
        }
    for nombre, usuario in m.personas.items():
        setattr(m, nombre, usuario)
    return m


@pytest.fixture
def mundo(db):
    return construir_mundo()


def crear_diagnostico(
    m, servicio=None, mision="Misión de prueba.", objetivos=("Objetivo uno",), ciclo=None
):
    from diagnostico.models import Diagnostico, ObjetivoEstrategico

    servicio = servicio or m.servicio
    encargado = m.encargada if servicio == m.servicio else m.intruso
    documento = services.documento_crear(
        servicio=servicio,
        ciclo=ciclo or m.ciclo,
        etapa=Documento.Etapa.DIAGNOSTICO,
        actor=encargado,
    )
    with actuando_como(encargado):
        diagnostico = Diagnostico.objects.get(documento=documento)
        diagnostico.mision = mision
        diagnostico.save()
        for numero, texto in enumerate(objetivos, start=1):
            ObjetivoEstrategico.objects.create(
                diagnostico=diagnostico, numero=numero, descripcion=texto
            )
    return documento


def llevar_a(m, documento, estado):
    """Walk the document up the chain with the right actors until it reaches estado."""
    camino = [Estado.BORRADOR, Estado.EN_REVISION_JEFE, Estado.EN_VISACION, Estado.VISADO]
    for siguiente in camino[camino.index(documento.estado) + 1 : camino.index(estado) + 1]:
        documento.refresh_from_db()
        if siguiente == Estado.EN_REVISION_JEFE:
            workflow.enviar(documento=documento, actor=m.encargada)
        elif siguiente == Estado.EN_VISACION:
            workflow.aprobar(documento=documento, actor=m.jefe, version=documento.version_actual)
        else:
            workflow.visar(documento=documento, actor=m.experta, version=documento.version_actual)
    documento.refresh_from_db()
    return documento


@pytest.fixture
def documento_en(mundo):
    def _crear(estado=Estado.BORRADOR):
        return llevar_a(mundo, crear_diagnostico(mundo), estado)

    return _crear


def huella_bd() -> dict:
    """Row counts of every table that a refused action must leave untouched."""
    modelos = [m for m in apps.get_models() if m._meta.app_label in {"pmggt", "diagnostico"}]
    modelos += [Documento, Transicion, VersionDocumento, Observacion]
    return {m._meta.label: m._default_manager.count() for m in modelos}


def estado_documento(documento) -> tuple:
    documento = Documento.objects.get(pk=documento.pk)
    return (documento.estado, documento.version_actual, documento.version_visada)
