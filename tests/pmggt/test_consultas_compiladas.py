"""``pmggt.consultas.Compilada``: a queryset compiled once gives, for any ids, the same rows and
the same instances as the ORM (fields, annotations, select_related objects, converted values),
in one query; what it cannot compile runs through the ORM.

Checked on the queries every document page runs (``pmggt.acceso``, ``pmggt.workflow``,
``pmggt.views``), over documents with transitions, subrogancias, open, resolved and carried
observaciones and visado versions of earlier Ciclos (the world of
tests/pmggt/test_consultas_documento.py)."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from pmggt import acceso, consultas, views, workflow
from pmggt.models import Documento, Transicion
from tests.pmggt.test_consultas_documento import documentos  # noqa: F401 (the fixture)


def _todos(m):
    return [d for par in m.docs.values() for d in par]


def _valores(obj) -> dict:
    """Every concrete field of an instance, and of each related instance select_related filled
    in (recursively), as read."""
    valores = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for campo in obj._meta.concrete_fields:
        if campo.is_relation and campo.is_cached(obj):
            relacionado = campo.get_cached_value(obj)
            valores[campo.name] = None if relacionado is None else _valores(relacionado)
    return valores


def _iguales(compiladas, orm, anotaciones=()):
    assert [type(o) for o in compiladas] == [type(o) for o in orm]
    assert [_valores(o) for o in compiladas] == [_valores(o) for o in orm]
    for nombre in anotaciones:
        assert [getattr(o, nombre) for o in compiladas] == [getattr(o, nombre) for o in orm]
    for o in compiladas:
        assert o._state.adding is False and o._state.db == "default"


def _una_consulta(funcion):
    with CaptureQueriesContext(connection) as consultas_:
        resultado = funcion()
    assert len(consultas_) == 1
    return resultado


@pytest.mark.django_db
def test_transiciones_como_el_orm(documentos):  # noqa: F811
    con_algo = 0
    for doc in _todos(documentos):
        compiladas = _una_consulta(lambda d=doc: workflow._TRANSICIONES_DE.lista(documento=d.pk))
        orm = list(workflow._transiciones(doc.pk))
        _iguales(compiladas, orm, ["n_arrastradas"])
        assert all(isinstance(t.fecha, datetime.datetime) and t.fecha.tzinfo for t in compiladas)
        con_algo += any(t.n_arrastradas for t in compiladas)
    assert con_algo  # some approval or V°B° carried open observaciones


@pytest.mark.django_db
def test_observaciones_como_el_orm(documentos):  # noqa: F811
    anotaciones = ["arrastrada_aprobar", "arrastrada_visar"]
    vistas = set()
    for doc in _todos(documentos):
        compiladas = _una_consulta(
            lambda d=doc: views._OBSERVACIONES.lista(documento=d.pk, version=d.version_actual)
        )
        orm = list(views._observaciones(doc.pk, doc.version_actual))
        assert compiladas, doc
        _iguales(compiladas, orm, anotaciones)
        vistas |= {(o.resuelta, o.arrastrada_visar) for o in compiladas}
        assert all(type(o.resuelta) is bool for o in compiladas)
    assert {(True, False), (False, False), (False, True)} <= vistas


@pytest.mark.django_db
def test_versiones_como_el_orm(documentos):  # noqa: F811
    anteriores = 0
    for doc in _todos(documentos):
        doc = Documento.objects.select_related("ciclo").get(pk=doc.pk)
        ids = {
            "documento": doc.pk,
            "servicio": doc.servicio_id,
            "etapa": doc.etapa,
            "anio": doc.ciclo.anio,
        }
        compiladas = _una_consulta(lambda i=ids: views._VERSIONES.lista(**i))
        assert compiladas == list(views._versiones(**ids))
        assert all(type(f) is tuple and len(f) == 8 for f in compiladas)
        anteriores += any(f[0] != doc.pk for f in compiladas)
    assert anteriores  # the visado version of an earlier Ciclo comes in the same query


@pytest.mark.django_db
def test_documento_como_el_orm(documentos):  # noqa: F811
    raices = tuple(acceso._raices())
    assert raices  # the stages' root rows come in the same query
    for doc in _todos(documentos):
        leido = _una_consulta(lambda d=doc: acceso._documento(d.pk))
        leido_etapa = _una_consulta(lambda d=doc: acceso._documento(d.pk, etapa=d.etapa))
        orm = list(acceso._consulta_documento(raices, doc.pk))
        _iguales([leido], orm)
        _iguales([leido_etapa], orm)
        with CaptureQueriesContext(connection) as consultas_:
            leido.servicio.region, leido.ciclo.anio  # noqa: B018 (read, no query)
            for raiz in raices:
                getattr(leido, raiz, None)
        assert len(consultas_) == 0


@pytest.mark.django_db
def test_documento_que_no_existe_o_de_otra_etapa_da_404(documentos):  # noqa: F811
    from django.http import Http404

    doc = _todos(documentos)[0]
    with pytest.raises(Http404):
        acceso._documento(10**9)
    with pytest.raises(Http404):
        acceso._documento(doc.pk, etapa=doc.etapa + 1)


@pytest.mark.django_db
def test_un_id_none_va_por_el_orm(documentos):  # noqa: F811
    consulta = consultas.Compilada(
        lambda actor: Transicion.objects.filter(actor_id=actor).order_by("pk"), ids=("actor",)
    )
    assert consulta.lista(actor=None) == list(Transicion.objects.filter(actor=None))
    actor = Transicion.objects.exclude(actor=None).first().actor_id
    assert consulta.lista(actor=actor) == list(
        Transicion.objects.filter(actor_id=actor).order_by("pk")
    )


@pytest.mark.django_db
def test_lo_que_no_se_compila_va_por_el_orm(documentos):  # noqa: F811
    doc = _todos(documentos)[0]
    # The shape depends on the value (an id in a slice is folded into the SQL).
    por_valor = consultas.Compilada(
        lambda n: Transicion.objects.order_by("pk")[: n % 7 + 1], ids=("n",)
    )
    assert por_valor.lista(n=doc.pk) == list(Transicion.objects.order_by("pk")[: doc.pk % 7 + 1])
    assert por_valor._compiladas["default"] is None
    # An id the query does not use.
    sin_usar = consultas.Compilada(
        lambda documento, otro: Transicion.objects.filter(documento_id=documento),
        ids=("documento", "otro"),
    )
    assert sin_usar.lista(documento=doc.pk, otro=1) == list(
        Transicion.objects.filter(documento_id=doc.pk)
    )
    assert sin_usar._compiladas["default"] is None


@pytest.mark.django_db
def test_sin_prefetch_ni_valores_sueltos():
    for construir in (
        lambda d: Transicion.objects.filter(documento_id=d).prefetch_related("arrastradas"),
        lambda d: Transicion.objects.filter(documento_id=d).values_list("pk", flat=True),
        lambda d: Transicion.objects.filter(documento_id=d).values("pk"),
    ):
        with pytest.raises(ValueError):
            consultas.Compilada(construir, ids=("d",)).lista(d=1)


@pytest.mark.django_db
def test_anotacion_y_orden_de_values_list(documentos):  # noqa: F811
    doc = _todos(documentos)[-1]
    consulta = consultas.Compilada(
        lambda documento: (
            Transicion.objects.filter(documento_id=documento)
            .annotate(n=Count("arrastradas"))
            .order_by("pk")
            .values_list("n", "accion", "pk", "fecha")
        ),
        ids=("documento",),
    )
    orm = list(
        Transicion.objects.filter(documento_id=doc.pk)
        .annotate(n=Count("arrastradas"))
        .order_by("pk")
        .values_list("n", "accion", "pk", "fecha")
    )
    assert consulta.lista(documento=doc.pk) == orm
    assert orm


@pytest.mark.django_db
def test_centros_como_el_orm(documentos):  # noqa: F811
    from pmggt.models import Centro

    for servicio in (documentos.servicio, documentos.otro_servicio):
        compilados = _una_consulta(lambda s=servicio: acceso._CENTROS.lista(servicio=s.pk))
        orm = list(Centro.objects.filter(servicio_id=servicio.pk).select_related("region"))
        _iguales(compilados, orm)
    assert len(acceso._CENTROS.lista(servicio=documentos.servicio.pk)) == 2
    assert acceso._CENTROS.lista(servicio=documentos.otro_servicio.pk) == []


@pytest.mark.django_db
def test_ids_de_texto(documentos):  # noqa: F811
    consulta = consultas.Compilada(
        lambda documento, accion: Transicion.objects.filter(
            documento_id=documento, accion=accion
        ).order_by("pk"),
        ids=("documento", "accion"),
        textos=("accion",),
    )
    for doc in _todos(documentos):
        for accion in ("enviar", "devolver", "visar", "no-existe"):
            orm = list(Transicion.objects.filter(documento_id=doc.pk, accion=accion).order_by("pk"))
            _iguales(consulta.lista(documento=doc.pk, accion=accion), orm)
    assert consulta._compiladas["default"] is not None


@pytest.mark.django_db
def test_plazo_de_un_documento_como_plazos_de(documentos):  # noqa: F811
    from pmggt import calendario
    from pmggt.models import Plazo, Prorroga

    docs = _todos(documentos)
    # Deadlines for some of the documents' Ciclos: one with an extension for Servicio A and
    # another for Servicio B (not theirs), one without, and a period of Etapa III aside.
    for n, doc in enumerate(docs[:4]):
        plazo = Plazo.objects.create(
            ciclo_id=doc.ciclo_id, etapa=doc.etapa, periodo=0, vence=datetime.date(2030, 1, 10 + n)
        )
        Plazo.objects.create(
            ciclo_id=doc.ciclo_id, etapa=3, periodo=1, nombre="P1", vence=datetime.date(2030, 6, 1)
        )
        if n % 2 == 0:
            Prorroga.objects.create(
                plazo=plazo,
                servicio=documentos.servicio,
                vence=datetime.date(2030, 2, 1 + n),
                motivo="Motivo",
                otorgada_por=documentos.admin,
            )
        if n < 2:
            Prorroga.objects.create(
                plazo=plazo,
                servicio=documentos.otro_servicio,
                vence=datetime.date(2030, 3, 1),
                motivo="Otro",
                otorgada_por=documentos.admin,
            )
    for doc in docs:
        clave = (doc.servicio_id, doc.ciclo_id, doc.etapa)
        esperado = calendario.plazos_de([clave]).get(clave)
        obtenido = _una_consulta(lambda d=doc: calendario.plazo_de(d))
        if esperado is None:
            assert obtenido is None
            continue
        assert obtenido.vence == esperado.vence
        assert _valores(obtenido.plazo) == _valores(esperado.plazo)
        assert (obtenido.prorroga is None) == (esperado.prorroga is None)
        if esperado.prorroga is not None:
            assert obtenido.prorroga.servicio_id == documentos.servicio.pk
            assert {k: v for k, v in _valores(obtenido.prorroga).items() if k != "otorgada_en"} == {
                k: v for k, v in _valores(esperado.prorroga).items() if k != "otorgada_en"
            }
            assert obtenido.prorroga.otorgada_en == esperado.prorroga.otorgada_en
    assert calendario._PLAZO_DE._compiladas["default"] is not None


@pytest.mark.django_db
def test_observaciones_de_la_ultima_devolucion_como_el_orm(documentos):  # noqa: F811
    from pmggt import devolucion

    devueltos = 0
    for doc in _todos(documentos):
        compiladas = _una_consulta(
            lambda d=doc: devolucion._observaciones_de_la_ultima_devolucion(d)
        )
        _iguales(compiladas, list(devolucion._de_la_ultima(doc.pk)))
        devueltos += bool(compiladas)
        for o in compiladas:  # the return and its actor come with them
            assert o.transicion.accion == "devolver" and o.transicion.actor is not None
    assert devueltos  # some document's last transition is a return
    assert devolucion._DE_LA_ULTIMA._compiladas["default"] is not None


@pytest.mark.django_db
def test_observaciones_abiertas_de_las_paginas_del_plan_como_el_orm(documentos):  # noqa: F811
    from planes import views as vistas_plan
    from pmggt.models import Observacion

    for doc in _todos(documentos):
        compiladas = _una_consulta(lambda d=doc: vistas_plan._ABIERTAS.lista(documento=d.pk))
        orm = list(
            Observacion.objects.filter(documento=doc, resuelta=False)
            .select_related("autor", "resuelta_por")
            .order_by("creada_en", "pk")
        )
        _iguales(compiladas, orm)
    assert vistas_plan._ABIERTAS._compiladas["default"] is not None
