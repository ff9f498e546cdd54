"""Named personas and documents at any point of the chain; shared worlds built once per worker.

Servicio A (national) has Centros in regions I and II; Servicio B is another Servicio.
The personas are those of the permission matrix:

- encargada: Encargada GT of A          - intruso: Encargado GT of B (outsider)
- centro_i / centro_ii: Encargadas de Centro of A in regions I / II
- jefe: Jefe of A                        - experta: Experta SUBDERE assigned to A
- experta_ajena: Experta assigned to B   - gore: GORE of region I (concerned by A)
- gore_ajeno: GORE of region III         - admin: Administradora SUBDERE

Shared worlds (``mundo_compartido``): the personas' world (``mundo``), the personas' world
with a document already walked to a state (``mundo_con_documento_en``, chosen per parametrised
test with ``mundo_segun_la_prueba``) and the demo (``cargar_demo``, declared in the test modules
that use it) are each built once per worker (pytest-xdist process), inside an outer transaction
that stays open. Every test that uses one runs in a savepoint inside it (pytest-django's
``db``), rolled back after the test, and gets fresh instances of the world's objects. A test
that uses no world runs with no outer transaction open, and so does every transactional test
(``transactional_db``, ``live_server``, ``django_db(transaction=True)``): the open world is
rolled back before them. Tests are reordered (stably) so that the tests of one world run
together: see ``pytest_collection_modifyitems``.

``pdf_simulado`` replaces the PDF renderer (WeasyPrint) with a stub, for the tests that check
who gets a PDF rather than what it says.
"""

import functools
import importlib
from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from pytest_django.fixtures import validate_django_db

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


# ----------------------------------------------------------------------------------------------
# Shared worlds: built once per worker, one savepoint per test


def mundo_compartido(construir):
    """A fixture giving the world that ``construir()`` builds, shared by the tests that use it.

    The world is built once per worker (and again only after a test of another world, or one
    that needs an empty or transactional database, ran on that worker), in an outer transaction
    that stays open; each test runs in a savepoint inside it, rolled back after the test. The
    fixture returns what ``construir()`` returned, with every model instance in it (also inside
    namespaces, dicts, lists and tuples) fetched again for this test: permission checks cache
    results on user objects and tests change instances, so no instance is shared.

    Declare it at module level, e.g. ``demo = mundo_compartido(cargar_demo)``: the fixture
    takes the name it is assigned to, and one builder is one world wherever it is declared.
    """

    def fixture(db, _mundos):
        return refrescar(_mundos.valor_de(construir))

    fixture._pmggt_mundo = construir
    fixture.__doc__ = f"The shared world built by {construir.__module__}.{construir.__name__}()."
    return pytest.fixture(fixture)


def mundo_segun_la_prueba(elegir):
    """Like ``mundo_compartido``, for a world that depends on the test's parameters.

    ``elegir(item)`` returns the builder of the world that this test item needs (it is asked
    when tests are collected, to group them, and again when the test runs): e.g. the personas'
    world with a document already walked to the state the test is parametrised with
    (``mundo_con_documento_en``). One builder is still one world.
    """

    def fixture(request, db, _mundos):
        return refrescar(_mundos.valor_de(elegir(request.node)))

    fixture._pmggt_elegir_mundo = elegir
    fixture.__doc__ = f"The shared world chosen by {elegir.__module__}.{elegir.__name__}(item)."
    return pytest.fixture(fixture)


def refrescar(valor):
    """``valor`` with its model instances fetched again (one query per model), the rest copied.

    Instances that were one object (same model and pk) are one fresh object again.
    """
    encontradas = defaultdict(set)

    def buscar(v):
        if isinstance(v, Model):
            encontradas[type(v)].add(v.pk)
        elif isinstance(v, SimpleNamespace):
            for x in vars(v).values():
                buscar(x)
        elif isinstance(v, dict):
            for x in v.values():
                buscar(x)
        elif isinstance(v, list | tuple | set | frozenset):
            for x in v:
                buscar(x)

    buscar(valor)
    frescas = {
        (modelo, pk): instancia
        for modelo, pks in encontradas.items()
        for pk, instancia in modelo._default_manager.in_bulk(pks).items()
    }

    def copiar(v):
        if isinstance(v, Model):
            return frescas[(type(v), v.pk)]
        if isinstance(v, SimpleNamespace):
            return SimpleNamespace(**{k: copiar(x) for k, x in vars(v).items()})
        if isinstance(v, dict):
            return {k: copiar(x) for k, x in v.items()}
        if isinstance(v, list | tuple | set | frozenset):
            return type(v)(copiar(x) for x in v)
        return v

    return copiar(valor)


FIXTURES_TRANSACCIONALES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def es_transaccional(item) -> bool:
    """Whether pytest-django runs this test as a TransactionTestCase (see _django_db_helper)."""
    marca = item.get_closest_marker("django_db")
    if marca is not None:
        transaccion, reinicia_secuencias, _bases, serializa, _apps = validate_django_db(marca)
        if transaccion or reinicia_secuencias or serializa:
            return True
    return bool(FIXTURES_TRANSACCIONALES & set(getattr(item, "fixturenames", ())))


def mundo_de(item):
    """The builder of the shared world this test uses (through any fixture), or None."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    constructores = set()
    for nombre in info.names_closure:
        definiciones = info.name2fixturedefs.get(nombre)
        if definiciones:
            funcion = definiciones[-1].func
            construir = getattr(funcion, "_pmggt_mundo", None)
            elegir = getattr(funcion, "_pmggt_elegir_mundo", None)
            if elegir is not None:
                construir = elegir(item)
            if construir is not None:
                constructores.add(construir)
    if len(constructores) > 1:
        nombres = ", ".join(sorted(c.__name__ for c in constructores))
        raise pytest.UsageError(f"{item.nodeid} usa más de un mundo compartido: {nombres}")
    if constructores and es_transaccional(item):
        raise pytest.UsageError(
            f"{item.nodeid}: una prueba transaccional no puede usar un mundo compartido "
            "(vive en una transacción abierta); construya sus datos en la prueba."
        )
    return constructores.pop() if constructores else None


class Mundos:
    """The shared world open on this worker: an outer transaction, rolled back to leave it."""

    def __init__(self, bloqueador):
        self.bloqueador = bloqueador
        self.construir = None  # builder of the open world, None when no world is open
        self.valor = None
        self.atomico = None

    def usar(self, construir) -> None:
        """Make ``construir``'s world the open one (None: no world, no outer transaction)."""
        if construir is self.construir and self.atomico is not None:
            return
        self.cerrar()
        if construir is None:
            return
        with self.bloqueador.unblock():
            conexion = transaction.get_connection()
            assert not conexion.in_atomic_block, "ya hay una transacción abierta"
            atomico = transaction.atomic()
            # As Django's TestCase marks its own: a durable atomic block may run inside.
            atomico._from_testcase = True
            atomico.__enter__()
            try:
                valor = construir()
            except BaseException as exc:
                transaction.set_rollback(True)
                atomico.__exit__(type(exc), exc, exc.__traceback__)
                raise
        self.construir, self.valor, self.atomico = construir, valor, atomico

    def valor_de(self, construir):
        assert self.construir is construir and self.atomico is not None, (
            f"el mundo de {construir.__name__} no está abierto"
        )
        return self.valor

    def verificar(self) -> None:
        """After a test: if it left the world's transaction unusable, drop the world."""
        if self.atomico is None:
            return
        conexion = transaction.get_connection()
        if (
            not conexion.in_atomic_block
            or conexion.needs_rollback
            or conexion.closed_in_transaction
            or conexion.savepoint_ids
        ):
            self.cerrar()

    def cerrar(self) -> None:
        if self.atomico is None:
            return
        atomico, self.construir, self.valor, self.atomico = self.atomico, None, None, None
        with self.bloqueador.unblock():
            conexion = transaction.get_connection()
            while conexion.savepoint_ids:  # a savepoint left open by a test: roll it back too
                transaction.set_rollback(True)
                conexion.atomic_blocks[-1].__exit__(None, None, None)
            if conexion.in_atomic_block:
                transaction.set_rollback(True)
                atomico.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _mundos(django_db_setup, django_db_blocker):
    mundos = Mundos(django_db_blocker)
    yield mundos
    mundos.cerrar()


@pytest.fixture
def _mundo_de_la_prueba(request, _mundos):
    construir = mundo_de(request.node)
    _mundos.usar(construir)  # None (no world) for transactional tests, see mundo_de
    yield
    _mundos.verificar()


@pytest.fixture
def _django_db_helper(_mundo_de_la_prueba, _django_db_helper):
    """pytest-django's own (behind db, transactional_db, django_db and live_server), run once
    the world this test needs is open, or none is."""
    yield


def pytest_collection_modifyitems(config, items):
    """Stable reorder: transactional tests first (the slowest, the browser's, spread over the
    workers from the start), then the tests without a shared world, then each world's tests
    together, so that a worker builds each world about once."""
    grupos = {}

    def grupo(item):
        if es_transaccional(item):
            return 0
        construir = mundo_de(item)
        if construir is None:
            return 1
        return 2 + grupos.setdefault(construir, len(grupos))

    claves = {id(item): grupo(item) for item in items}
    items.sort(key=lambda item: claves[id(item)])


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


mundo = mundo_compartido(construir_mundo)


def crear_diagnostico(
    m,
    servicio=None,
    mision="Misión de prueba.",
    objetivos=("Objetivo uno",),
    ciclo=None,
    cuadro1=True,
):
    """A Diagnóstico in Borrador that may be sent: its misión, objetivos and (``cuadro1``) one
    Cuadro I N°1 row in each region (the Servicio's own part without Centros), which sending
    requires (diagnostico.envio)."""
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
        if cuadro1:
            cuadro1_minimo(diagnostico)
    return documento


def cuadro1_minimo(diagnostico, *, solo_faltantes=False):
    """One Cuadro I N°1 row in each region of the Diagnóstico's Servicio (its own part when it
    has no Centros), or only in those without any (``solo_faltantes``): what sending requires
    of the cuadros (diagnostico.envio)."""
    from diagnostico.models import FilaCuadro1

    servicio_id = diagnostico.documento.servicio_id
    con_filas = set(diagnostico.filas_cuadro1.values_list("centro_id", flat=True))
    for centro in list(Centro.objects.filter(servicio_id=servicio_id)) or [None]:
        if solo_faltantes and (centro.pk if centro else None) in con_filas:
            continue
        FilaCuadro1.objects.create(
            diagnostico=diagnostico,
            centro=centro,
            avance="Avance de prueba.",
            mejora="Mejora de prueba.",
            medidas="Medidas de prueba.",
            objetivo="Objetivo de prueba.",
        )


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


@functools.cache
def mundo_con_documento_en(estado):
    """The builder of the personas' world plus the Diagnóstico of Servicio A that
    ``documento_en(estado)`` makes (``crear_diagnostico``, then ``llevar_a`` with the right
    actors), as ``mundo.documento``: one builder, so one shared world, per state."""
    estado = Estado(estado)

    def construir():
        m = construir_mundo()
        m.documento = llevar_a(m, crear_diagnostico(m), estado)
        return m

    construir.__name__ = construir.__qualname__ = f"construir_mundo_con_documento_{estado.value}"
    return construir


@pytest.fixture
def documento_en(mundo):
    def _crear(estado=Estado.BORRADOR):
        return llevar_a(mundo, crear_diagnostico(mundo), estado)

    return _crear


def huella_bd() -> dict:
    """Row counts of every table that a refused action must leave untouched.

    Each count is that of the model's default manager (``_default_manager.count()``), all
    taken in one query: the matrix and the chain's tests take two per test.
    """
    etapas_y_nucleo = {"pmggt", "diagnostico", "planes"}
    modelos = [m for m in apps.get_models() if m._meta.app_label in etapas_y_nucleo]
    modelos += [Documento, Transicion, VersionDocumento, Observacion]
    modelos = list(dict.fromkeys(modelos))
    partes, parametros = [], []
    for numero, modelo in enumerate(modelos):
        sql, params = modelo._default_manager.all().query.sql_with_params()
        partes.append(f"(SELECT COUNT(*) FROM ({sql}) AS huella_{numero})")
        parametros.extend(params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(partes), parametros)
        cuentas = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(modelos, cuentas, strict=True)}


def estado_documento(documento) -> tuple:
    documento = Documento.objects.get(pk=documento.pk)
    return (documento.estado, documento.version_actual, documento.version_visada)


# ----------------------------------------------------------------------------------------------
# PDF reports without WeasyPrint, for tests that check who gets a PDF, not what it says

# The one function that turns a report's HTML into a PDF (WeasyPrint): the only place to change
# if the renderer moves.
RENDERIZADOR = "pmggt.informes.pdf.renderizar"


def _pdf_minimo() -> bytes:
    """A valid one-page (blank, A4) PDF, with a correct cross-reference table."""
    objetos = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    posiciones = []
    for numero, cuerpo in enumerate(objetos, start=1):
        posiciones.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (numero, cuerpo)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objetos) + 1)
    for posicion in posiciones:
        pdf += b"%010d 00000 n \n" % posicion
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objetos) + 1)
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(pdf)


PDF_MINIMO = _pdf_minimo()


@pytest.fixture
def pdf_simulado(monkeypatch):
    """Replace the real renderer with a fast stub returning PDF_MINIMO (one page).

    Returns the list of the HTML documents that were handed to the renderer, in order: each is
    checked to be a whole HTML document, so a test still proves the report was produced and
    can assert on what would have been printed. Tests that read a PDF's text, pages or marks
    (pdftotext) must not use it.
    """
    nombre_modulo, nombre = RENDERIZADOR.rsplit(".", 1)
    modulo = importlib.import_module(nombre_modulo)
    assert callable(getattr(modulo, nombre))
    impresos = []

    def renderizar(html, *args, **kwargs):
        assert isinstance(html, str), type(html)
        assert "<html" in html and "</html>" in html, html[:500]
        impresos.append(html)
        return modulo.PDF(contenido=PDF_MINIMO, paginas=1, segundos=0.0)

    monkeypatch.setattr(RENDERIZADOR, renderizar)
    return impresos
