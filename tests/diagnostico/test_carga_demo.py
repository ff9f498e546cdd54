"""The 2009 Diagnósticos (fixtures/diagnostico_*_2009.json: SERVIU's and MIDEPLAN's from the
seeds' documents, the DGOP's written from its Etapa IV evaluation) load into the models."""

import copy
from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from diagnostico.carga import cargar_contenido, leer
from diagnostico.contenido import contenido, historiales
from diagnostico.models import (
    Diagnostico,
    FilaCuadro1,
    FilaCuadro2,
    ProductoEstrategico,
)
from pmggt import services
from pmggt.carga import cargar_demo, usuario_sistema
from pmggt.historia import actuando_como
from pmggt.models import Ciclo, Documento, Servicio
from pmggt.workflow import DatosInvalidos
from tests.conftest import mundo_compartido

SERVIU = "SERVIU-ANTOFAGASTA"
REGIONES_MIDEPLAN = [
    "XV", "I", "II", "III", "IV", "V", "RM", "VI", "VII", "VIII", "IX", "XIV", "X", "XI", "XII"
]  # fmt: skip
# Cuadro I N°1 rows per region: one per row of each region's table in the seed, a row covering
# the causales its cell (2) covers (Atacama and Maule write several causales in one cell).
FILAS_CUADRO1 = {
    "XV": 6, "I": 4, "II": 3, "III": 2, "IV": 4, "V": 4, "RM": 4, "VI": 3, "VII": 2,
    "VIII": 6, "IX": 4, "XIV": 6, "X": 7, "XI": 6, "XII": 7,
}  # fmt: skip


demo = mundo_compartido(cargar_demo)  # built once per worker: see tests/conftest.py


def nuevo_diagnostico(sigla: str, username: str, anio: int = 2010) -> Diagnostico:
    """A fresh, empty Diagnóstico of the Servicio in a new Ciclo, created by its Encargado/a."""
    with actuando_como(usuario_sistema()):
        ciclo = Ciclo.objects.create(anio=anio)
    encargado = get_user_model().objects.get(username=username)
    documento = services.documento_crear(
        servicio=Servicio.objects.get(sigla=sigla),
        ciclo=ciclo,
        etapa=Documento.Etapa.DIAGNOSTICO,
        actor=encargado,
    )
    return Diagnostico.objects.get(documento=documento)


def cargar(nombre: str, sigla: str, username: str, anio: int = 2010) -> Diagnostico:
    diagnostico = nuevo_diagnostico(sigla, username, anio)
    encargado = get_user_model().objects.get(username=username)
    cargar_contenido(diagnostico=diagnostico, datos=leer(nombre), actor=encargado)
    return diagnostico


@pytest.fixture
def mideplan(demo):
    return cargar("diagnostico_mideplan_2009.json", "MIDEPLAN", "encargado.mideplan")


@pytest.fixture
def serviu(demo):
    return cargar("diagnostico_serviu_2009.json", SERVIU, "encargado.serviu")


def sin_ids(datos: dict) -> dict:
    """The canonical content without database ids, the regions (from the Servicio's Centros)
    and the fixture's notes; encargados in a database-independent order."""
    datos = copy.deepcopy(datos)
    for clave in ("regiones", "_fuente"):
        datos.pop(clave, None)
    for fila in datos["cuadro1"] + datos["cuadro2"]["filas"]:
        fila.pop("id", None)
    orden = {codigo: i for i, codigo in enumerate([None, *REGIONES_MIDEPLAN])}
    datos["encargados"].sort(key=lambda e: orden[e["region"]])
    return datos


# -- MIDEPLAN: 15 SERPLAC ----------------------------------------------------------------------


def test_mideplan_filas_por_region(mideplan):
    filas1 = FilaCuadro1.objects.filter(diagnostico=mideplan).select_related("centro__region")
    filas2 = FilaCuadro2.objects.filter(diagnostico=mideplan).select_related("centro__region")
    assert all(f.centro.servicio.sigla == "MIDEPLAN" for f in [*filas1, *filas2])
    assert Counter(f.centro.region.codigo for f in filas1) == FILAS_CUADRO1
    por_region = Counter(f.centro.region.codigo for f in filas2)
    assert por_region == dict.fromkeys(REGIONES_MIDEPLAN, 4)
    for codigo in REGIONES_MIDEPLAN:
        informacion = {f.informacion for f in filas2 if f.centro.region.codigo == codigo}
        assert informacion == set(FilaCuadro2.Informacion.values)
    # orden = position within the region, in the seed's order
    for codigo in REGIONES_MIDEPLAN:
        ordenes = [f.orden for f in filas1 if f.centro.region.codigo == codigo]
        assert ordenes == list(range(1, FILAS_CUADRO1[codigo] + 1))


def test_mideplan_textos_de_la_semilla(mideplan):
    datos = contenido(mideplan.documento)
    arica = [f for f in datos["cuadro1"] if f["region"] == "XV"]
    assert arica[0]["productos"] == ["1"]
    assert arica[0]["causales"] == ["diseno"]
    assert arica[0]["objetivo"] == (
        "No aplica, dado que el Diseño y características del instrumento es elaborado desde "
        "el nivel central."
    )
    assert arica[1]["productos"] == ["1", "1.1", "1.2"]
    assert arica[1]["causales"] == ["coordinacion"]
    assert arica[1]["objetivo"] == (
        "Mejorar la coordinación y complementariedad de las redes provinciales y comunales del "
        "Sistema de Protección Social “Chile Solidario” y “Chile Crece Contigo” a través del "
        "Gabinete Sectorial, instalado y operando de manera coordinada con los Comités Técnicos "
        "Provinciales y Locales."
    )
    # The causal heading is not part of the text; the "- " items are "• " lines.
    assert arica[1]["avance"].startswith("Se ha avanzado en establecer las instancias")
    assert "\n• Mejorar el trabajo intersectorial del equipo técnico regional" in arica[1]["mejora"]
    # A row split by a page break is one row with its cells joined.
    assert arica[2]["causales"] == ["acceso"]
    assert arica[2]["avance"] == (
        "Se ha avanzado en establecer acciones que permitan el fortalecimiento del trabajo en "
        "red de Chile Solidario y CHCC, a través del traspaso de recursos, acompañamiento en "
        "actividades de las redes provinciales y comunales, y difusión en red del sistema."
    )
    assert arica[5]["productos"] == ["6", "6.2"]
    assert arica[5]["avance"].startswith("Se ha avanzado en la elaboración de una estrategia")
    # Column (1) as each SERPLAC wrote it; a cell shared by several rows is each row's text.
    assert arica[0]["producto_texto"] == "Producto: 1. Sistema de Protección Social"
    assert (
        arica[1]["producto_texto"]
        == arica[2]["producto_texto"]
        == (
            "Producto: 1. Sistema de Protección Social\n"
            "Subproducto 1.1. Programa Chile Solidario\n"
            "Subproducto: 1.2. Programa Chile Crece Contigo"
        )
    )
    assert all(f["producto_texto"] for f in datos["cuadro1"])
    # Atacama: one row covers the three causales in one avance cell, as written (its own
    # sub-headings kept), and its column (1) says "1.1" where the product is MIDEPLAN's 1.2.
    atacama = [f for f in datos["cuadro1"] if f["region"] == "III"]
    assert atacama[0]["causales"] == ["diseno", "coordinacion", "acceso"]
    assert atacama[0]["producto_texto"] == (
        "Producto: 1. Sistema de Protección Social.\nSubproducto: 1.1 Chile Crece Contigo"
    )
    assert atacama[0]["productos"] == ["1", "1.2"]
    assert atacama[0]["avance"].startswith(
        "Asociado al diseño y/o características del producto:\n\nNo aplica en materia de diseño"
    )
    assert (
        "\n\nEn materia de coordinación y/o complementariedad:\n\nSe han conformado"
        in (atacama[0]["avance"])
    )
    assert atacama[0]["objetivo"].startswith("Fortalecer el rol de las redes comunales")
    assert atacama[1]["causales"] == ["coordinacion", "acceso"]
    assert atacama[1]["producto_texto"].endswith("Subproducto: 1.1 Chile Solidario")
    maule = [f for f in datos["cuadro1"] if f["region"] == "VII"]
    assert [f["causales"] for f in maule] == [
        ["diseno", "coordinacion"],
        ["coordinacion", "acceso"],
    ]
    assert maule[1]["producto_texto"] == (
        "Producto: 3.1 Sistema Nacional de Inversiones\n"
        "3.1.4 Evaluación Ex Post de Iniciativas de inversión"
    )
    # Los Lagos: a "- " list in column (1) is a list.
    lagos = [f for f in datos["cuadro1"] if f["region"] == "X"]
    assert lagos[2]["producto_texto"] == (
        "• Sistema Integrado de Información Social (SIIS)\n"
        "• Prestaciones del Programa Chile Solidario, Convenios con transferencia directa de "
        "Serplac."
    )
    cuadro2 = {(f["region"], f["informacion"]): f for f in datos["cuadro2"]["filas"]}
    assert cuadro2[("XV", "oferta")]["objetivo"] == (
        "Informar al Gobierno Regional respecto del avance de los programas Chile Solidario y "
        "Chile Crece Contigo y de la inversión social administrados por la SERPLAC."
    )
    # Magallanes only filled the first column of "convenios".
    magallanes = cuadro2[("XII", "convenios")]
    assert magallanes["medidas_jefatura"] == (
        "• La SERPLAC no cuenta con recursos como para hacer convenios de complementariedad de "
        "gastos."
    )
    assert magallanes["medidas_gore"] == magallanes["objetivo"] == ""
    # Antofagasta names its rows differently; they map to the four types of information.
    assert cuadro2[("II", "clientes")]["medidas_jefatura"].startswith(
        "En la misma reunión se analizan coberturas programáticas."
    )
    assert cuadro2[("II", "gasto")]["objetivo"] == (
        "Mejorar la oportunidad en la entrega de información de inversiones regionales de "
        "acuerdo a necesidades del GORE"
    )


def test_mideplan_productos_y_perspectiva_territorial(mideplan):
    productos = {p.numero: p for p in mideplan.productos.all()}
    assert [n for n in productos if "." not in n] == ["1", "2", "3", "4", "5", "6"]
    assert len(productos) == 53
    assert productos["1.1.5"].nombre == "Sistema Integrado de Información Social (SIIS)"
    assert productos["1.1.5"].padre == productos["1.1"]
    assert productos["1.1"].padre == productos["1"]
    assert productos["1"].padre is None
    assert productos["6.2"].nombre == "Sistema de información territorial (INFOPAIS)"
    ordenados = sorted(productos.values(), key=lambda p: p.orden)
    assert [p.numero for p in ordenados][:4] == ["1", "1.1", "1.1.1", "1.1.2"]
    assert [o.numero for o in productos["4"].objetivos.all()] == [3]
    # Section IV: SECTRA and Iniciativa Científica Milenio are excluded, with their fundamento.
    for numero in ("2", "3"):
        assert productos[numero].aplica_pt == ProductoEstrategico.Aplica.NO_APLICA
        assert productos[numero].fundamento
    assert productos["1.1"].aplica_pt == ProductoEstrategico.Aplica.APLICA
    assert productos["1.1"].causal_texto.startswith(
        "El producto por sus características tiene perspectiva territorial."
    )
    assert productos["1.2"].causal_acceso and productos["1.2"].causal_coordinacion
    # The regions name their products with other numbers; rows point at the right ones.
    maule = FilaCuadro1.objects.filter(diagnostico=mideplan, centro__region__codigo="VII")
    assert {p.numero for f in maule for p in f.productos.all()} == {"1", "1.1.1", "4", "4.4.1"}
    rm = FilaCuadro1.objects.filter(diagnostico=mideplan, centro__region__codigo="RM")
    assert [sorted(p.numero for p in f.productos.all()) for f in rm][-1] == ["5", "5.1"]


def test_mideplan_red_de_encargados(mideplan):
    encargados = list(mideplan.encargados.select_related("centro__region"))
    assert len(encargados) == 16
    central = [e for e in encargados if e.centro is None]
    assert [(e.unidad, e.nombres) for e in central] == [
        ("División de Planificación Regional", "Iván Castro D.\nFlor Valenzuela")
    ]
    regionales = {e.centro.region.codigo: e for e in encargados if e.centro}
    assert set(regionales) == set(REGIONES_MIDEPLAN)
    assert regionales["XI"].nombres.split("\n") == [
        "Margarita González",
        "Claudio Venegas",
        "Rafael Pla",
    ]
    assert len(regionales["XI"].correos.split("\n")) == 3


# -- SERVIU Región de Antofagasta: no Centros ---------------------------------------------------


def test_serviu_definiciones_y_cuadros(serviu):
    datos = contenido(serviu.documento)
    assert datos["presentacion"].startswith("En el marco del Programa de Mejoramiento de Gestión")
    assert datos["mision"].endswith(
        "\n• generar ciudades integradas social y territorialmente, competitivas y sustentables."
    )
    assert len(datos["objetivos_estrategicos"]) == 6
    numeros = [p["numero"] for p in datos["productos"]]
    assert numeros[:4] == ["1", "1.1", "1.1.1", "1.1.2"]
    productos = {p["numero"]: p for p in datos["productos"]}
    assert productos["1.1.1"]["nombre"] == "Fondo Solidario de Vivienda"
    assert productos["2.2.3"]["nombre"] == (
        "Programa Concursable de Espacios Públicos Patrimoniales"
    )
    assert productos["1"]["objetivos"] == [1, 2, 3]
    assert productos["2"]["objetivos"] == [4, 5, 6]
    assert len(datos["clientes"]) == 7
    assert [c["productos"] for c in datos["clientes"]] == [
        ["2"], ["1"], ["2"], ["1"], ["1"], ["1"], ["1"]
    ]  # fmt: skip
    filas = datos["cuadro1"]
    assert {f["region"] for f in filas} == {None}
    assert [(f["productos"][0], *f["causales"]) for f in filas] == [
        ("1", "diseno"),
        ("1", "coordinacion"),
        ("1", "acceso"),
        ("2", "diseno"),
        ("2", "coordinacion"),
        ("2", "acceso"),
    ]
    # The coordinación row of product 1 runs over two pages: one row, the item rejoined.
    assert (
        "• En la actualidad se cuenta con un catastro producto del Convenio de Cooperación con "
        "la Fundación Nacional para la Superación de la Pobreza en donde ambas partes se "
        "comprometieron a desarrollar acciones para suplir o fortalecer la participación de "
        "terceros interesados en proyectos habitacionales destinados a familias pertenecientes "
        "al primer y segundo quintil de pobreza\n"
    ) in filas[1]["avance"]
    assert filas[1]["medidas"].endswith(
        "\n• Gestionar el Financiamiento para la Macroubanización de 94 Hás en Chimba Alto."
    )
    cuadro2 = {f["informacion"]: f for f in datos["cuadro2"]["filas"]}
    assert set(cuadro2) == {"oferta", "clientes", "gasto"}
    assert cuadro2["oferta"]["medidas_jefatura"] == (
        "Habilitar los reportes e informes ejecutivos en los sistema de negocio del MINVU: RUKAN."
    )


# -- The loader ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nombre", "sigla", "username"),
    [
        ("diagnostico_mideplan_2009.json", "MIDEPLAN", "encargado.mideplan"),
        ("diagnostico_serviu_2009.json", SERVIU, "encargado.serviu"),
        ("diagnostico_dgop_2009.json", "DGOP", "encargado.dgop"),
    ],
)
def test_el_contenido_cargado_es_el_del_archivo_y_vuelve_igual(demo, nombre, sigla, username):
    primero = cargar(nombre, sigla, username, anio=2010)
    datos = contenido(primero.documento)
    assert sin_ids(datos) == sin_ids(leer(nombre))
    # The content of one Diagnóstico loaded into another gives the same content.
    segundo = nuevo_diagnostico(sigla, username, anio=2011)
    encargado = get_user_model().objects.get(username=username)
    cargar_contenido(diagnostico=segundo, datos=datos, actor=encargado)
    assert sin_ids(contenido(segundo.documento)) == sin_ids(datos)


def test_cada_fila_de_historial_nombra_a_quien_cargo(mideplan):
    encargado = get_user_model().objects.get(username="encargado.mideplan")
    filas = [h for qs in historiales(mideplan.documento) for h in qs]
    assert len(filas) > 200
    assert {h.history_user_id for h in filas} == {encargado.pk}


def test_cargar_dos_veces_no_escribe_nada(mideplan):
    encargado = get_user_model().objects.get(username="encargado.mideplan")
    antes = sum(qs.count() for qs in historiales(mideplan.documento))
    cargar_contenido(
        diagnostico=mideplan, datos=leer("diagnostico_mideplan_2009.json"), actor=encargado
    )
    assert sum(qs.count() for qs in historiales(mideplan.documento)) == antes


def test_recargar_reemplaza_lo_que_sobra(mideplan):
    encargado = get_user_model().objects.get(username="encargado.mideplan")
    datos = leer("diagnostico_mideplan_2009.json")
    datos["productos"] = [p for p in datos["productos"] if not p["numero"].startswith("6")]
    datos["cuadro1"] = [f for f in datos["cuadro1"] if not any(p[0] == "6" for p in f["productos"])]
    datos["cuadro2"]["filas"] = [f for f in datos["cuadro2"]["filas"] if f["region"] != "RM"]
    datos["encargados"] = datos["encargados"][:1]
    cargar_contenido(diagnostico=mideplan, datos=datos, actor=encargado)
    assert sin_ids(contenido(mideplan.documento)) == sin_ids(datos)
    assert not mideplan.productos.filter(numero__startswith="6").exists()


def test_datos_que_no_calzan_se_rechazan_sin_escribir(mideplan):
    encargado = get_user_model().objects.get(username="encargado.mideplan")
    datos = leer("diagnostico_serviu_2009.json")
    datos["cuadro1"][0]["region"] = "XVI"  # MIDEPLAN has no Centro in Ñuble
    antes = sin_ids(contenido(mideplan.documento))
    with pytest.raises(DatosInvalidos, match="región XVI"):
        cargar_contenido(diagnostico=mideplan, datos=datos, actor=encargado)
    assert sin_ids(contenido(mideplan.documento)) == antes


# -- The demo's Diagnósticos: visados for the Plans, then reopened ----------------------------


def test_demo_diagnosticos_visados_y_reabiertos(demo):
    """Etapa II's demo needs both 2009 Diagnósticos visados; each was then reopened so Etapa I
    keeps its work: SERVIU's in Borrador, MIDEPLAN's (a correction of two e-mails) with SUBDERE."""
    from diagnostico.contenido import contenido as contenido_diagnostico
    from pmggt import selectors
    from pmggt.models import Transicion

    Accion = Transicion.Accion
    Estado = Documento.Estado

    def cadena(documento):
        return [
            (t.accion, t.version, t.actor.username)
            for t in documento.transiciones.order_by("pk").select_related("actor")
        ]

    etapa1 = Documento.objects.filter(ciclo__anio=2009, etapa=Documento.Etapa.DIAGNOSTICO)
    serviu = etapa1.get(servicio__sigla=SERVIU)
    assert (serviu.estado, serviu.version_actual, serviu.version_visada) == (Estado.BORRADOR, 1, 1)
    assert cadena(serviu) == [
        (Accion.CREAR, 0, "encargado.serviu"),
        (Accion.ENVIAR, 1, "encargado.serviu"),
        (Accion.APROBAR, 1, "jefe.serviu"),
        (Accion.VISAR, 1, "experto.subdere"),
        (Accion.SOLICITAR_MODIFICACION, 1, "encargado.serviu"),
    ]
    mideplan = etapa1.get(servicio__sigla="MIDEPLAN")
    assert (mideplan.estado, mideplan.version_actual, mideplan.version_visada) == (
        Estado.EN_VISACION,
        3,
        2,
    )
    assert cadena(mideplan) == [
        (Accion.CREAR, 0, "encargado.mideplan"),
        (Accion.ENVIAR, 1, "encargado.mideplan"),
        (Accion.DEVOLVER, 1, "jefe.mideplan"),
        (Accion.ENVIAR, 2, "encargado.mideplan"),
        (Accion.APROBAR, 2, "jefe.mideplan"),
        (Accion.VISAR, 2, "experto.subdere"),
        (Accion.SOLICITAR_MODIFICACION, 2, "encargado.mideplan"),
        (Accion.ENVIAR, 3, "encargado.mideplan"),
        (Accion.APROBAR, 3, "jefe.mideplan"),
    ]
    # Version 3 only corrects two e-mails of the network of encargados.
    v2, v3 = (mideplan.versiones.get(numero=n).contenido for n in (2, 3))
    assert v2["cuadro1"] == v3["cuadro1"] and v2["productos"] == v3["productos"]
    correos = {e["region"]: e["correos"] for e in v3["encargados"]}
    assert "ejrojas@mideplan.gov.cl" in correos["IV"] and "mtoledo@mideplan.gov.cl" in correos["V"]
    assert sin_ids(contenido_diagnostico(mideplan)) == sin_ids(v3)
    # The DGOP's (small, without Centros) was sent, approved and visado once: its Plan's base.
    dgop = etapa1.get(servicio__sigla="DGOP")
    assert (dgop.estado, dgop.version_actual, dgop.version_visada) == (Estado.VISADO, 1, 1)
    assert cadena(dgop) == [
        (Accion.CREAR, 0, "encargado.dgop"),
        (Accion.ENVIAR, 1, "encargado.dgop"),
        (Accion.APROBAR, 1, "jefe.dgop"),
        (Accion.VISAR, 1, "experto.subdere"),
    ]
    visado = dgop.versiones.get(numero=1).contenido
    assert len(visado["cuadro1"]) == 4 and all(f["objetivo"] for f in visado["cuadro1"])
    assert {f["informacion"] for f in visado["cuadro2"]["filas"]} == set(
        FilaCuadro2.Informacion.values
    )
    # Etapa I's work: SERVIU's Encargado/a edits, the Experto/a reviews MIDEPLAN's.
    User = get_user_model()
    for username, siglas in {
        "encargado.serviu": [SERVIU],
        "experto.subdere": ["MIDEPLAN"],
        "jefe.serviu": [],
        "jefe.mideplan": [],
        "encargado.mideplan": [],
        "serplac.aysen": [],
        "encargado.dgop": [],
        "jefe.dgop": [],
    }.items():
        pendientes = selectors.documentos_pendientes_para(User.objects.get(username=username))
        assert [
            d.servicio.sigla for d in pendientes.filter(etapa=Documento.Etapa.DIAGNOSTICO)
        ] == siglas, username
