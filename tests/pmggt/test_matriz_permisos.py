"""Permission matrix: every named URL, requested by every persona.

Right person: 200 (or 302 after a successful POST); insider without the right: 403;
outsider: 404; anonymous: redirect to the login page. A refused request changes nothing.
A named URL missing from CASOS fails ``test_toda_url_tiene_casos``.
"""

import functools
from dataclasses import dataclass, field

import pytest
from django.urls import URLResolver, get_resolver, reverse

from pmggt import workflow
from pmggt.models import Documento, Observacion
from tests.conftest import (
    PDF_MINIMO,
    PERSONAS,
    construir_mundo,
    huella_bd,
    llevar_a,
    mundo_con_documento_en,
    mundo_segun_la_prueba,
)

Estado = Documento.Estado
INTERNOS = ["encargada", "centro_i", "centro_ii", "jefe", "experta", "admin"]
EXTERNOS = ["intruso", "experta_ajena", "gore_ajeno"]
TODOS = [*PERSONAS, "anonimo"]
LOGIN = "login"


def tabla(permitidos: dict, gore=403) -> dict:
    esperado = {p: 403 for p in INTERNOS} | {p: 404 for p in EXTERNOS}
    esperado |= {"gore": gore, "anonimo": LOGIN}
    return esperado | permitidos


@dataclass
class Caso:
    nombre: str
    esperado: dict
    metodo: str = "get"
    estado: str | None = Estado.BORRADOR  # None: no document needed
    kwargs: dict = field(default_factory=dict)  # extra URL kwargs
    datos: object = None  # dict or callable(mundo, documento) -> dict
    preparar: object = None  # callable(mundo, documento) run before the request
    kwargs_extra: object = None  # callable(mundo, documento) -> URL kwargs known only then
    query: str = ""  # query string appended to the URL
    plan: bool = False  # the document is an Etapa II Plan (on its visado Diagnóstico)

    @property
    def id(self):
        extra = "-".join(str(v) for v in self.kwargs.values()) + self.query
        extra += f"-{self.metodo}" if self.plan else ""
        return f"{self.nombre}{'-' + extra if extra else ''}-{self.estado or 'sin-doc'}"


@functools.cache
def mundo_con_plan_en(estado):
    """The personas' world plus a Plan of Servicio A (tests.planes.fabricas.crear_plan, on its
    visado Diagnóstico) walked to ``estado``, as ``mundo.documento``."""
    from tests.planes.fabricas import crear_plan

    def construir():
        m = construir_mundo()
        m.documento = llevar_a(m, crear_plan(m), estado)
        return m

    construir.__name__ = construir.__qualname__ = f"construir_mundo_con_plan_{Estado(estado).value}"
    return construir


def _con_observacion(m, doc):
    workflow.devolver(
        documento=doc, actor=m.jefe, version=doc.version_actual, observaciones=[{"texto": "X"}]
    )


def _datos_editar(m, doc):
    objetivo = doc.diagnostico.objetivos.get()
    return {
        "def-mision": "Nueva misión",
        "obj-TOTAL_FORMS": "1",
        "obj-INITIAL_FORMS": "1",
        "obj-0-id": str(objetivo.pk),
        "obj-0-diagnostico": str(doc.diagnostico.pk),
        "obj-0-numero": "1",
        "obj-0-descripcion": "Objetivo corregido",
    }


def _datos_crear(m, doc):
    return {"servicio": m.servicio.pk, "ciclo": m.ciclo.pk, "etapa": 1}


def _con_producto_y_fila(m, doc):
    from diagnostico.models import FilaCuadro1, ProductoEstrategico
    from pmggt.historia import actuando_como

    with actuando_como(m.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=doc.diagnostico, numero="1", nombre="Producto uno"
        )
        fila = FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=m.centro_region_i, causales="diseno", avance="A"
        )
        fila.productos.set([producto])


def _con_dos_filas(m, doc):
    from diagnostico.models import FilaCuadro1
    from pmggt.historia import actuando_como

    _con_producto_y_fila(m, doc)
    with actuando_como(m.encargada):
        FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=m.centro_region_i, causales="acceso", orden=2
        )


def _fila_i(m, doc):
    return {"fila_pk": doc.diagnostico.filas_cuadro1.order_by("pk").first().pk}


def _datos_fila(m, doc):
    producto = doc.diagnostico.productos.get()
    return {
        "nueva-productos": [producto.pk],
        "nueva-causales": "acceso",
        "nueva-avance": "Avance",
        "nueva-mejora": "Mejora",
        "nueva-medidas": "• Medida uno\n• Medida dos",
        "nueva-objetivo": "Objetivo",
    }


def _datos_fila_editar(m, doc):
    fila = doc.diagnostico.filas_cuadro1.get(pk=_fila_i(m, doc)["fila_pk"])  # the URL's row
    return {f"f{fila.pk}-{k.split('-', 1)[1]}": v for k, v in _datos_fila(m, doc).items()}


def _siguiente_ciclo(m, doc):
    from tests.fabricas import CicloFactory

    CicloFactory(anio=doc.ciclo.anio + 1)


EDITA_REGION_I = tabla({"encargada": 302, "centro_i": 302})
LECTURA_REGION = tabla({p: 200 for p in INTERNOS})
CASOS_DIAGNOSTICO = [
    Caso("diagnostico:productos", tabla({"encargada": 200})),
    Caso(
        "diagnostico:productos",
        tabla({"encargada": 302}),
        metodo="post",
        datos={
            "prod-TOTAL_FORMS": "1",
            "prod-INITIAL_FORMS": "0",
            "prod-0-numero": "1",
            "prod-0-nombre": "Producto",
            "prod-0-aplica_pt": "aplica",
            "prod-0-causal_diseno": "on",
        },
    ),
    Caso("diagnostico:clientes", tabla({"encargada": 200})),
    Caso("diagnostico:otros", tabla({"encargada": 200})),
    Caso(
        "diagnostico:actualizar",
        tabla({"encargada": 302}, gore=403),
        metodo="post",
        estado=Estado.VISADO,
        preparar=_siguiente_ciclo,
    ),
    Caso("diagnostico:cuadro", LECTURA_REGION, kwargs={"region": "I"}),
    Caso(
        "diagnostico:cuadro",
        tabla({p: 200 for p in INTERNOS}, gore=200),
        estado=Estado.VISADO,
        kwargs={"region": "I"},
    ),
    Caso(
        "diagnostico:cuadro",
        tabla({p: 200 for p in INTERNOS}, gore=403),
        estado=Estado.VISADO,
        kwargs={"region": "II"},
    ),
    Caso(
        "diagnostico:fila_nueva",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        preparar=_con_producto_y_fila,
        datos=_datos_fila,
    ),
    Caso(
        "diagnostico:fila_editar",
        tabla({"encargada": 200, "centro_i": 200}),
        kwargs={"region": "I"},
        preparar=_con_producto_y_fila,
        kwargs_extra=_fila_i,
    ),
    Caso(
        "diagnostico:fila_editar",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        preparar=_con_producto_y_fila,
        kwargs_extra=_fila_i,
        datos=_datos_fila_editar,
    ),
    Caso(
        "diagnostico:fila_eliminar",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        preparar=_con_producto_y_fila,
        kwargs_extra=_fila_i,
    ),
    Caso(
        "diagnostico:fila_mover",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        preparar=_con_dos_filas,
        kwargs_extra=_fila_i,
        datos={"direccion": "abajo"},
    ),
    Caso("diagnostico:pdf", LECTURA_REGION, kwargs={"informe": "cuadro1"}, query="?region=I"),
    Caso(
        "diagnostico:pdf",
        tabla({p: 200 for p in INTERNOS}, gore=200),
        estado=Estado.VISADO,
        kwargs={"informe": "cuadro2"},
        query="?region=I",
    ),
    Caso(
        "diagnostico:pdf",
        tabla({p: 200 for p in INTERNOS}, gore=403),
        estado=Estado.VISADO,
        kwargs={"informe": "etapa1"},
    ),
    Caso("diagnostico:excel_exportar", LECTURA_REGION),
    Caso(
        "diagnostico:excel_exportar",
        tabla({p: 200 for p in INTERNOS}, gore=200),
        estado=Estado.VISADO,
        query="?region=I",
    ),
    # The core's one download view, for any stage's declared reports.
    Caso("pmggt:informe", LECTURA_REGION, kwargs={"informe": "cuadros"}, query="?region=I"),
    Caso(
        "pmggt:informe",
        tabla({p: 200 for p in INTERNOS}, gore=200),
        estado=Estado.VISADO,
        kwargs={"informe": "cuadros"},
        query="?region=I",
    ),
    Caso(
        "pmggt:informe",
        tabla({p: 200 for p in INTERNOS}, gore=403),
        estado=Estado.VISADO,
        kwargs={"informe": "etapa1"},
    ),
    Caso(
        "diagnostico:excel_importar",
        tabla({"encargada": 200, "centro_i": 200, "centro_ii": 200}),
    ),
    Caso(
        "diagnostico:cuadro2_guardar",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        datos={"c2-oferta-medidas_jefatura": "Informe mensual de oferta"},
    ),
]


def _gestion(prefijo, total=0, iniciales=0):
    return {f"{prefijo}-TOTAL_FORMS": str(total), f"{prefijo}-INITIAL_FORMS": str(iniciales)}


def _datos_plan_objetivos(m, doc):
    objetivo = doc.plan.objetivos.get()
    return {
        "gen-objetivo_general_pt": "Objetivo general corregido.",
        **_gestion("obj", 1, 1),
        "obj-0-id": str(objetivo.pk),
        "obj-0-numero": "1",
        "obj-0-descripcion": "Objetivo corregido.",
        "obj-0-filas_cuadro1": [str(f) for f in objetivo.filas_cuadro1],
        **_gestion("med"),
        **_gestion("propir"),
    }


def _datos_plan_informacion(m, doc):
    objetivo = doc.plan.objetivos_informacion.get()
    return {
        "gen-objetivo_general_informacion": "Objetivo general corregido.",
        **_gestion("oi", 1, 1),
        "oi-0-id": str(objetivo.pk),
        "oi-0-numero": "1",
        "oi-0-informacion": "oferta",
        "oi-0-descripcion": "Objetivo de información corregido.",
        **_gestion("gore"),
    }


def _no_abordada(m, doc):
    return {"fila": doc.plan.objetivos.get().filas_cuadro1[0]}


def _actividad_i(m, doc):
    return {"fila_pk": doc.plan.actividades.filter(centro__region__codigo="I").first().pk}


def _indicador_nacional(m, doc):
    return {"fila_pk": doc.plan.indicadores.get(centro=None).pk}


DATOS_ACTIVIDAD = {
    "tipo": "hito",
    "descripcion": "Acta firmada con el GORE",
    "plazo": "2009-05-31",
    "responsable": "Director/a regional",
}
DATOS_INDICADOR = {
    "nombre": "Porcentaje de oficios enviados",
    "formula": "(Oficios enviados / Oficios comprometidos) * 100",
    "numerador": "Oficios enviados",
    "denominador": "Oficios comprometidos",
    "unidad": "%",
    "meta": "50",
    "meta_numerador": "1",
    "meta_denominador": "2",
}


def _prefijados(prefijo, datos, fila=None):
    def construir(m, doc):
        sufijo = fila(m, doc)["fila_pk"] if fila else ""
        return {f"{prefijo}{sufijo}-{k}": v for k, v in datos.items()}

    return construir


PLAN_LECTURA = tabla({p: 200 for p in INTERNOS})
PLAN_VISADO_GORE = tabla({p: 200 for p in INTERNOS}, gore=200)
PLAN_VISADO_SIN_GORE = tabla({p: 200 for p in INTERNOS}, gore=403)
VISADO = Estado.VISADO
CASOS_PLANES = [
    *(
        caso
        for nombre in ("objetivos", "informacion", "indicadores", "programa")
        for caso in (
            Caso(f"planes:{nombre}", PLAN_LECTURA, plan=True),
            Caso(f"planes:{nombre}", PLAN_VISADO_GORE, estado=VISADO, plan=True),
        )
    ),
    Caso(
        "planes:objetivos",
        tabla({"encargada": 302}),
        metodo="post",
        datos=_datos_plan_objetivos,
        plan=True,
    ),
    Caso(
        "planes:informacion",
        tabla({"encargada": 302}),
        metodo="post",
        datos=_datos_plan_informacion,
        plan=True,
    ),
    Caso(
        "planes:no_abordado",
        tabla({"encargada": 302}),
        metodo="post",
        kwargs_extra=_no_abordada,
        datos=lambda m, doc: {f"na{_no_abordada(m, doc)['fila']}-motivo": "Sin presupuesto."},
        plan=True,
    ),
    Caso("planes:region", PLAN_LECTURA, kwargs={"region": "I"}, plan=True),
    Caso("planes:region", PLAN_LECTURA, kwargs={"region": "servicio"}, plan=True),
    Caso("planes:region", PLAN_VISADO_GORE, estado=VISADO, kwargs={"region": "I"}, plan=True),
    Caso("planes:region", PLAN_VISADO_SIN_GORE, estado=VISADO, kwargs={"region": "II"}, plan=True),
    Caso(
        "planes:actividad_nueva",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        datos=_prefijados("act", DATOS_ACTIVIDAD),
        plan=True,
    ),
    Caso(
        "planes:actividad_editar",
        tabla({"encargada": 200, "centro_i": 200}),
        kwargs={"region": "I"},
        kwargs_extra=_actividad_i,
        plan=True,
    ),
    Caso(
        "planes:actividad_editar",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        kwargs_extra=_actividad_i,
        datos=_prefijados("act", DATOS_ACTIVIDAD, _actividad_i),
        plan=True,
    ),
    Caso(
        "planes:actividad_eliminar",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        kwargs_extra=_actividad_i,
        plan=True,
    ),
    Caso(
        "planes:indicador_nuevo",
        EDITA_REGION_I,
        metodo="post",
        kwargs={"region": "I"},
        datos=_prefijados("ind", DATOS_INDICADOR),
        plan=True,
    ),
    Caso(
        "planes:indicador_editar",
        tabla({"encargada": 200}),
        kwargs={"region": "servicio"},
        kwargs_extra=_indicador_nacional,
        plan=True,
    ),
    Caso(
        "planes:indicador_editar",
        tabla({"encargada": 302}),
        metodo="post",
        kwargs={"region": "servicio"},
        kwargs_extra=_indicador_nacional,
        datos=_prefijados("ind", DATOS_INDICADOR, _indicador_nacional),
        plan=True,
    ),
    Caso(
        "planes:indicador_eliminar",
        tabla({"encargada": 302}),
        metodo="post",
        kwargs={"region": "servicio"},
        kwargs_extra=_indicador_nacional,
        plan=True,
    ),
    # The Plan's downloads and import behave as Etapa I's.
    Caso("planes:pdf", PLAN_LECTURA, kwargs={"informe": "plan"}, query="?region=I", plan=True),
    Caso(
        "planes:pdf",
        PLAN_VISADO_GORE,
        estado=VISADO,
        kwargs={"informe": "plan"},
        query="?region=I",
        plan=True,
    ),
    Caso("planes:excel", PLAN_LECTURA, plan=True),
    Caso("planes:excel", PLAN_VISADO_GORE, estado=VISADO, query="?region=I", plan=True),
    Caso(
        "planes:excel_importar",
        tabla({"encargada": 200, "centro_i": 200, "centro_ii": 200}),
        plan=True,
    ),
]

OBS = {
    "obs-TOTAL_FORMS": "3",
    "obs-INITIAL_FORMS": "0",
    "obs-0-campo": "mision",
    "obs-0-texto": "Corregir la misión.",
}
LECTURA = tabla({p: 200 for p in INTERNOS})

# --- calendario (issue 11): its own block, edited only by that work ---
# The Ciclo is not secret: everyone signed in reads it; only the administrator edits (others
# 403). An extension is its Servicio's: outsiders get 404 for it, insiders 403.


def _anio_con_plazo(m, doc):
    from datetime import date

    from pmggt.models import Plazo

    Plazo.objects.get_or_create(
        ciclo=m.ciclo, etapa=1, periodo=0, defaults={"vence": date(2009, 3, 31)}
    )
    return {"anio": m.ciclo.anio}


def _con_prorroga(m, doc):
    from datetime import date

    from pmggt.models import Plazo, Prorroga

    _anio_con_plazo(m, doc)
    prorroga, _ = Prorroga.objects.get_or_create(
        plazo=Plazo.objects.get(ciclo=m.ciclo, etapa=1, periodo=0),
        servicio=m.servicio,
        defaults={"vence": date(2009, 4, 15), "motivo": "Motivo.", "otorgada_por": m.admin},
    )
    return {"pk": prorroga.pk}


def _anio_con_prorroga(m, doc):
    _con_prorroga(m, doc)
    return {"anio": m.ciclo.anio}


def _datos_prorroga_nueva(m, doc):
    from pmggt.models import Plazo

    plazo = Plazo.objects.get(ciclo=m.ciclo, etapa=1, periodo=0)
    return {"servicio": m.servicio.pk, "plazo": plazo.pk, "vence": "15-04-2009", "motivo": "M"}


DATOS_CALENDARIO = {
    "etapa_1": "30-04-2009",
    "periodos-TOTAL_FORMS": "1",
    "periodos-INITIAL_FORMS": "0",
    "periodos-0-nombre": "Primer informe",
    "periodos-0-vence": "01-07-2009",
}
SOLO_ADMIN_CICLO = {p: 403 for p in PERSONAS} | {"anonimo": LOGIN}
CASOS_CALENDARIO = [
    Caso("pmggt:calendario", {p: 200 for p in PERSONAS} | {"anonimo": LOGIN}, estado=None),
    Caso(
        "pmggt:calendario_ciclo",
        {p: 200 for p in PERSONAS} | {"anonimo": LOGIN},
        estado=None,
        kwargs_extra=_anio_con_prorroga,
    ),
    Caso(
        "pmggt:calendario_editar",
        SOLO_ADMIN_CICLO | {"admin": 200},
        estado=None,
        kwargs={"anio": 2009},
    ),
    Caso(
        "pmggt:calendario_editar",
        SOLO_ADMIN_CICLO | {"admin": 302},
        metodo="post",
        estado=None,
        kwargs={"anio": 2009},
        datos=DATOS_CALENDARIO,
    ),
    Caso(
        "pmggt:prorroga_nueva",
        SOLO_ADMIN_CICLO | {"admin": 200},
        estado=None,
        kwargs={"anio": 2009},
    ),
    Caso(
        "pmggt:prorroga_nueva",
        SOLO_ADMIN_CICLO | {"admin": 302},
        metodo="post",
        estado=None,
        kwargs_extra=_anio_con_plazo,
        datos=_datos_prorroga_nueva,
    ),
    Caso("pmggt:prorroga_editar", tabla({"admin": 200}), estado=None, kwargs_extra=_con_prorroga),
    Caso(
        "pmggt:prorroga_editar",
        tabla({"admin": 302}),
        metodo="post",
        estado=None,
        kwargs_extra=_con_prorroga,
        datos={"vence": "20-04-2009", "motivo": "Otro motivo."},
    ),
    Caso(
        "pmggt:prorroga_eliminar",
        tabla({"admin": 302}),
        metodo="post",
        estado=None,
        kwargs_extra=_con_prorroga,
        datos={"eliminar-motivo": "Otorgada por error."},
    ),
]

# --- avisos (issue 11): its own block, edited only by that work ---


def _aviso_de_encargada(m, doc):
    """An aviso of the Encargada's (made before the request, like the case's document): her
    own to open; anyone else's 404. POST on pmggt:avisos («Marcar todos como leídos») only
    updates rows, so it is tested in tests/pmggt/test_avisos.py."""
    from pmggt.models import Aviso

    aviso = Aviso.objects.create(
        usuario=m.encargada, clave="matriz", tipo=Aviso.Tipo.PLAZO_ANTES, asunto="Aviso", url="/"
    )
    return {"pk": aviso.pk}


AVISOS_SOLO_ADMIN = {p: 403 for p in PERSONAS} | {"admin": 200, "anonimo": LOGIN}

CASOS_AVISOS = [
    Caso("pmggt:avisos", {p: 200 for p in PERSONAS} | {"anonimo": LOGIN}, estado=None),
    Caso(
        "pmggt:aviso_abrir",
        {p: 404 for p in PERSONAS} | {"encargada": 302, "anonimo": LOGIN},
        estado=None,
        kwargs_extra=_aviso_de_encargada,
    ),
    Caso("pmggt:avisos_ajustes", AVISOS_SOLO_ADMIN, estado=None),
    Caso(
        "pmggt:avisos_ajustes",
        AVISOS_SOLO_ADMIN | {"admin": 302},
        metodo="post",
        estado=None,
        datos={"activos": "on", "dias_antes": "7, 2", "dias_despues": "1", "dias_devuelto": "3"},
    ),
]

# --- tablero (issue 11): its own block, edited only by that work ---
CASOS_TABLERO = [
    # Administrators and Expertos/as SUBDERE, each over what they may see (experta_ajena:
    # Servicio B's rows only, tests/pmggt/test_tablero.py); everyone else 403 (the page exists
    # for all: nothing to hide). The Excel of the same URL, with the same answers.
    Caso(
        "pmggt:tablero",
        {p: 403 for p in PERSONAS}
        | {"admin": 200, "experta": 200, "experta_ajena": 200, "anonimo": LOGIN},
        estado=None,
    ),
    Caso(
        "pmggt:tablero",
        {p: 403 for p in PERSONAS}
        | {"admin": 200, "experta": 200, "experta_ajena": 200, "anonimo": LOGIN},
        estado=None,
        query="?formato=xlsx",
    ),
]


# --- subrogancia (issue 11): its own block, edited only by that work ---
def _subrogancia(subrogante):
    """kwargs_extra that first writes a subrogancia of Servicio A's Jefe (in force for 10
    days) to ``subrogante``: {"pk": its id}."""

    def crear(m, doc):
        from datetime import timedelta

        from pmggt import calendario
        from pmggt.models import Subrogancia

        hoy = calendario.hoy()
        s = Subrogancia.objects.create(
            servicio=m.servicio,
            titular=m.jefe,
            subrogante=m.personas[subrogante],
            desde=hoy,
            hasta=hoy + timedelta(days=10),
            designada_por=m.jefe,
        )
        return {"pk": s.pk}

    return crear


def _datos_designar(m, doc):
    from datetime import timedelta

    from pmggt import calendario

    hoy = calendario.hoy()
    return {
        "servicio": m.servicio.pk,  # the Jefe's form
        "jefatura": f"{m.servicio.pk}-{m.jefe.pk}",  # the administrator's
        "otra_persona": m.encargada.username,
        "desde": hoy.isoformat(),
        "hasta": (hoy + timedelta(days=7)).isoformat(),
        "motivo": "Feriado legal",
    }


def _subrogancia_de_encargada(m, doc):
    _subrogancia("encargada")(m, doc)
    return {}


# The page: Jefes/as, administrators and (current or former) subrogantes; anyone else 403 (no
# object to hide). Revoking: the Jefe/a of the Servicio or the administrator; the Servicio's
# other people (the subrogante too) 403; anyone else 404.
_PAGINA_SUBROGANCIAS = {p: 403 for p in PERSONAS} | {"jefe": 200, "admin": 200, "anonimo": LOGIN}
CASOS_SUBROGANCIA = [
    Caso("pmggt:subrogancias", _PAGINA_SUBROGANCIAS, estado=None),
    Caso(
        "pmggt:subrogancias",
        _PAGINA_SUBROGANCIAS | {"encargada": 200},
        estado=None,
        query="?pagina=1",
        kwargs_extra=_subrogancia_de_encargada,
    ),
    Caso(
        "pmggt:subrogancias",
        {p: 403 for p in PERSONAS} | {"jefe": 302, "admin": 302, "anonimo": LOGIN},
        metodo="post",
        estado=None,
        datos=_datos_designar,
    ),
    Caso(
        "pmggt:subrogancia_revocar",
        tabla({"jefe": 302, "admin": 302}, gore=404),
        metodo="post",
        estado=None,
        kwargs_extra=_subrogancia("centro_ii"),
    ),
]

# --- dossier (issue 11): its own block, edited only by that work ---
# Whoever reads Servicio A's documents in full; its GORE 403; outsiders 404.
DOSSIER_LECTURA = tabla({p: 200 for p in INTERNOS})
CASOS_DOSSIER = [
    Caso("pmggt:dossier_lista", {p: 200 for p in PERSONAS} | {"anonimo": LOGIN}, estado=None),
    Caso(
        "pmggt:dossier_lista",
        tabla({p: 302 for p in INTERNOS}),
        metodo="post",
        estado=None,
        datos=lambda m, doc: {"servicio": str(m.servicio.pk), "ciclo": str(m.ciclo.anio)},
    ),
    Caso(
        "pmggt:dossier",
        DOSSIER_LECTURA,
        estado=None,
        kwargs_extra=lambda m, doc: _dossier_de_a(m),
    ),
    Caso(
        "pmggt:dossier_descargar",
        DOSSIER_LECTURA,
        estado=None,
        kwargs_extra=lambda m, doc: _dossier_de_a(m, listo=True),
    ),
]


def _dossier_de_a(m, listo=False):
    """A dossier of Servicio A (requested by its Experta), ready with a stored ZIP if listo."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from pmggt.models import Dossier

    d = Dossier.objects.create(servicio=m.servicio, ciclo=m.ciclo, solicitado_por=m.experta)
    if listo:
        nombre = default_storage.save(f"dossieres/{d.pk}/x.zip", ContentFile(b"PK\x05\x06"))
        d.archivo.name = nombre
        d.estado, d.progreso = Dossier.Estado.LISTO, 100
        d.save()
    return {"pk": d.pk}


# --- claveunica (issue 11): its own block, edited only by that work ---
CASOS_CLAVEUNICA = []


CASOS = [
    Caso("pmggt:mis_pendientes", {p: 200 for p in PERSONAS} | {"anonimo": LOGIN}),
    Caso("pmggt:documento_lista", {p: 200 for p in PERSONAS} | {"anonimo": LOGIN}),
    # «Mi región»: every Funcionario/a GORE its own region's list; anyone else 403 (not theirs;
    # no object to hide). The contents: tests/pmggt/test_mi_region.py.
    Caso(
        "pmggt:mi_region",
        {p: 403 for p in PERSONAS} | {"gore": 200, "gore_ajeno": 200, "anonimo": LOGIN},
        estado=None,
    ),
    Caso(
        "pmggt:documento_crear",
        tabla({"encargada": 302}),
        metodo="post",
        estado=None,
        datos=_datos_crear,
    ),
    Caso("pmggt:documento", LECTURA),
    Caso("pmggt:documento", tabla({p: 200 for p in INTERNOS}, gore=200), estado=Estado.VISADO),
    Caso("pmggt:documento_diferencias", LECTURA, estado=Estado.EN_REVISION_JEFE),
    # Once visado, its GORE compares the visado versions (with one: "Aún no hay dos…").
    Caso(
        "pmggt:documento_diferencias",
        tabla({p: 200 for p in INTERNOS}, gore=200),
        estado=Estado.VISADO,
    ),
    # The content's edits, on demand: the Servicio's and SUBDERE's, never a GORE's.
    Caso("pmggt:documento_ediciones", LECTURA),
    Caso(
        "pmggt:documento_ediciones",
        tabla({p: 200 for p in INTERNOS}, gore=403),
        estado=Estado.VISADO,
    ),
    # The observación field picker's options: whoever may observe now.
    Caso(
        "pmggt:documento_campos",
        tabla({"jefe": 200, "experta": 200}),
        estado=Estado.EN_REVISION_JEFE,
    ),
    Caso(
        "pmggt:documento_version",
        LECTURA,
        estado=Estado.EN_REVISION_JEFE,
        kwargs={"numero": 1},
    ),
    Caso(
        "pmggt:documento_accion",
        tabla({"encargada": 302}),
        metodo="post",
        kwargs={"accion": "enviar"},
        datos={"enviar-comentario": ""},
    ),
    Caso(
        "pmggt:documento_accion",
        tabla({"jefe": 302}),
        metodo="post",
        estado=Estado.EN_REVISION_JEFE,
        kwargs={"accion": "aprobar"},
        datos={"aprobar-version": "1"},
    ),
    Caso(
        "pmggt:documento_accion",
        tabla({"jefe": 302}),
        metodo="post",
        estado=Estado.EN_REVISION_JEFE,
        kwargs={"accion": "devolver"},
        datos={"devolver-version": "1", **OBS},
    ),
    Caso(
        "pmggt:documento_accion",
        tabla({"experta": 302}),
        metodo="post",
        estado=Estado.EN_VISACION,
        kwargs={"accion": "devolver"},
        datos={"devolver-version": "1", **OBS},
    ),
    Caso(
        "pmggt:documento_accion",
        tabla({"experta": 302}),
        metodo="post",
        estado=Estado.EN_VISACION,
        kwargs={"accion": "visar"},
        datos={"visar-version": "1"},
    ),
    Caso(
        "pmggt:documento_accion",
        tabla({"encargada": 302}),
        metodo="post",
        estado=Estado.VISADO,
        kwargs={"accion": "solicitar_modificacion"},
        datos={"modificacion-comentario": "Cambio del programa."},
    ),
    Caso(
        "pmggt:observacion_crear",
        tabla({"experta": 302, "jefe": 302}),
        metodo="post",
        estado=Estado.EN_REVISION_JEFE,
        datos={"observar-campo": "mision", "observar-texto": "Revisar redacción."},
    ),
    Caso(
        "pmggt:observacion_resolver",
        tabla({"encargada": 302}),
        metodo="post",
        estado=Estado.EN_REVISION_JEFE,
        preparar=_con_observacion,
    ),
    Caso("diagnostico:editar", tabla({"encargada": 200})),
    Caso(
        "diagnostico:editar",
        tabla({"encargada": 302}),
        metodo="post",
        datos=_datos_editar,
    ),
    *CASOS_DIAGNOSTICO,
    *CASOS_PLANES,
    *CASOS_CALENDARIO,
    *CASOS_AVISOS,
    *CASOS_TABLERO,
    *CASOS_SUBROGANCIA,
    *CASOS_DOSSIER,
    *CASOS_CLAVEUNICA,
    Caso("login", {p: 302 for p in PERSONAS} | {"anonimo": 200}, estado=None),
    Caso("logout", {p: 302 for p in TODOS}, metodo="post", estado=None),
    # Password reset by e-mail: public pages (the flow itself: tests/pmggt/test_cuentas.py).
    Caso("password_reset", {p: 200 for p in TODOS}, estado=None),
    Caso("password_reset_done", {p: 200 for p in TODOS}, estado=None),
    Caso(
        "password_reset_confirm",
        {p: 200 for p in TODOS},  # a made-up link: the «El enlace no es válido» page
        estado=None,
        kwargs={"uidb64": "MQ", "token": "no-vale"},
    ),
    Caso("password_reset_complete", {p: 200 for p in TODOS}, estado=None),
    # Keep-alive of the session-expiry warning: renews the session, writes nothing of PMG-GT.
    Caso(
        "pmggt:sesion_mantener",
        {p: 204 for p in PERSONAS} | {"anonimo": LOGIN},
        metodo="post",
        estado=None,
    ),
    # The admin site is Django's: only administrators get in; everyone else is sent to its login.
    Caso("admin:*", {p: 302 for p in TODOS} | {"admin": 200}, estado=None),
]


def _nombres(resolver, ns=""):
    for patron in resolver.url_patterns:
        if isinstance(patron, URLResolver):
            espacio = patron.namespace
            if espacio == "admin":
                yield "admin:*"
                continue
            yield from _nombres(patron, f"{ns}{espacio}:" if espacio else ns)
        elif patron.name:
            yield ns + patron.name


def test_toda_url_tiene_casos():
    nombres = set(_nombres(get_resolver()))
    cubiertos = {c.nombre for c in CASOS}
    assert nombres - cubiertos == set(), "URLs sin casos en la matriz de permisos"
    assert cubiertos - nombres == set(), "casos de URLs que ya no existen"
    acciones = {c.kwargs["accion"] for c in CASOS if c.nombre == "pmggt:documento_accion"}
    assert acciones == set(workflow.EJECUTORES)


def _url(caso, m, documento):
    if caso.nombre == "admin:*":
        return reverse("admin:index")
    kwargs = dict(caso.kwargs)
    if caso.kwargs_extra:
        kwargs |= caso.kwargs_extra(m, documento)
    if caso.nombre == "pmggt:observacion_resolver":
        kwargs["pk"] = Observacion.objects.get(documento=documento).pk
    elif documento is not None and caso.nombre not in {
        "pmggt:mis_pendientes",
        "pmggt:documento_lista",
    }:
        kwargs["pk"] = documento.pk
    return reverse(caso.nombre, kwargs=kwargs) + caso.query


def _mundo_del_caso(item):
    """The personas' world, with the case's document (if it needs one) already made and walked
    up the chain to caso.estado, as the test would make it: built once per worker and state."""
    caso = item.callspec.params["caso"]
    if caso.estado is None:
        return construir_mundo
    return (mundo_con_plan_en if caso.plan else mundo_con_documento_en)(caso.estado)


mundo_del_caso = mundo_segun_la_prueba(_mundo_del_caso)


@pytest.mark.parametrize("persona", TODOS)
@pytest.mark.parametrize("caso", CASOS, ids=lambda c: c.id)
def test_matriz(client, mundo_del_caso, pdf_simulado, caso, persona):
    mundo = mundo_del_caso
    # The document is crear_diagnostico(mundo) walked with llevar_a to caso.estado.
    documento = None
    if caso.estado is not None:
        documento = mundo.documento
        assert (documento.estado, documento.servicio) == (caso.estado, mundo.servicio)
    if caso.preparar:
        caso.preparar(mundo, documento)
        documento.refresh_from_db()
    if persona != "anonimo":
        client.force_login(mundo.personas[persona])
    url = _url(caso, mundo, documento)
    datos = caso.datos(mundo, documento) if callable(caso.datos) else (caso.datos or {})
    antes = huella_bd()

    respuesta = getattr(client, caso.metodo)(url, datos)

    esperado = caso.esperado[persona]
    if esperado == LOGIN:
        assert respuesta.status_code == 302
        assert respuesta["Location"].startswith(reverse("login") + "?next=")
    else:
        assert respuesta.status_code == esperado, respuesta.content[:500]
    if esperado in (LOGIN, 403, 404):
        assert huella_bd() == antes, "una solicitud rechazada cambió la base de datos"
    elif caso.metodo == "post" and caso.nombre not in {"logout", "pmggt:sesion_mantener"}:
        assert huella_bd() != antes, "la acción permitida no registró nada"
    # PDFs: the renderer is a stub (who gets a PDF is asked here, not what it says); a granted
    # download printed its report once, a refused one printed nothing.
    if caso.nombre in {"diagnostico:pdf", "planes:pdf"}:
        assert len(pdf_simulado) == (1 if esperado == 200 else 0)
        if esperado == 200:
            assert respuesta.content == PDF_MINIMO
