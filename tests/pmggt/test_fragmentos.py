"""The HTML fragments the document and cuadro pages build in Python (pmggt.fragmentos, the
timeline's events, the table of regions) print exactly what their templates printed, escaping
included; and on the pages, user text stays text."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from diagnostico.contenido import _filas_regiones
from diagnostico.models import FilaCuadro1, ProductoEstrategico, SistemaInformacion
from pmggt import fragmentos, workflow
from pmggt.historia import actuando_como
from pmggt.linea_tiempo import Evento, html_eventos
from pmggt.models import Documento, Observacion
from tests.conftest import crear_diagnostico, llevar_a

Estado = Documento.Estado
PELIGROSO = "<script>alert(\"x\")</script> & 'comillas' {llaves}"

# What the templates were, before the fragments replaced them.
OBSERVACION = """<div class="observacion{% if obs.resuelta %} resuelta{% endif %}" id="observacion-{{ obs.pk }}">
  <div class="meta">{{ obs.autor.get_full_name|default:obs.autor.username }} · {{ obs.creada_en|date:"d-m-Y H:i" }}{% if obs.version %} · sobre v{{ obs.version }}{% endif %}{% if mostrar_destino %} · <strong>{{ obs.destino }}</strong>{% endif %}{% if obs.resuelta %} · resuelta por {{ obs.resuelta_por.get_full_name|default:obs.resuelta_por.username }} el {{ obs.resuelta_en|date:"d-m-Y H:i" }}{% endif %}</div>
  <div class="texto-largo">{{ obs.texto }}</div>
  {% if obs.puede_resolver and documento.estado == "borrador" %}
  <form method="post" action="{% url 'pmggt:observacion_resolver' obs.pk %}" class="mt-1">{% csrf_token %}<input type="hidden" name="siguiente" value="{{ request.get_full_path }}"><button type="submit" class="btn btn-sm btn-outline-success">Marcar como resuelta</button></form>
  {% endif %}
</div>
"""  # noqa: E501
OBSERVAR_CELDA = """{% for obs in observaciones %}{{ obs.html }}{% endfor %}
{% if puede_observar and clave %}
<details class="observar-celda">
  <summary class="small">Observar esta celda</summary>
  <form method="post" action="{% url 'pmggt:observacion_crear' documento.pk %}" data-borrador>{% csrf_token %}
    <input type="hidden" name="observar-campo" value="{{ clave }}">
    <input type="hidden" name="siguiente" value="{{ request.get_full_path }}">
    <label class="sr-only" for="obs-{{ clave|slugify }}">Observación</label>
    <textarea class="form-control" id="obs-{{ clave|slugify }}" name="observar-texto" rows="2" required></textarea>
    <button type="submit" class="btn btn-sm btn-primary mt-1">Registrar observación</button>
  </form>
</details>
{% endif %}
"""  # noqa: E501
EVENTOS = """{% for e in linea_tiempo %}
        <li class="evento-{{ e.tipo }}">
          <div class="fecha">{{ e.fecha|date:"d-m-Y H:i" }}</div>
          <div><strong>{{ e.nombre }}</strong> {{ e.texto }}</div>
          {% if e.detalle %}<div class="text-muted small texto-largo">{{ e.detalle|truncatechars:300 }}</div>{% endif %}
        </li>
        {% endfor %}"""  # noqa: E501
REGIONES = """{% for r in c.regiones %}
      <tr id="region-{{ r.url_codigo }}">
        <td>{% if r.codigo %}<strong>{{ r.codigo }}</strong> {{ r.nombre }}<br><small class="text-muted">{{ r.centro }}</small>{% else %}{{ r.nombre }}{% endif %}</td>
        <td>{{ r.filas_cuadro1 }}</td>
        <td>{% if r.faltan %}<details><summary class="small text-danger">{{ r.faltan|length }} pendiente{{ r.faltan|length|pluralize }}</summary><ul class="small mb-0">{% for f in r.faltan %}<li>{{ f }}</li>{% endfor %}</ul></details>{% else %}<span class="text-success small">Completo</span>{% endif %}</td>
        <td>{% if r.observaciones %}<span class="badge badge-danger">{{ r.observaciones }}</span>{% else %}—{% endif %}</td>
        <td><a class="btn btn-sm {% if r.editable %}btn-primary{% else %}btn-outline-primary{% endif %}" href="{% url 'diagnostico:cuadro' documento.pk r.url_codigo %}">{% if r.editable %}Editar{% else %}Ver{% endif %} cuadros</a></td>
      </tr>
    {% endfor %}"""  # noqa: E501

UTC = datetime.UTC
FECHAS = [
    datetime.datetime(2026, 1, 15, 3, 5, tzinfo=UTC),  # summer time in Santiago
    datetime.datetime(2026, 7, 1, 23, 59, tzinfo=UTC),  # winter time, next day in UTC
    datetime.datetime(2026, 4, 5, 2, 30, tzinfo=UTC),  # the night the clocks go back
]
TEXTOS = [
    "Simple.",
    PELIGROSO,
    "a" * 99 + "e\u0301",  # decomposed: NFC composes it
    "b" * 300,
    "c" * 301,
    "d" * 150 + "e\u0301" * 200,  # combining marks do not count
    "Ñandú " * 80,
]


def _sin_token(html: str) -> str:
    """Each CSRF token is masked anew: compare everything else."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def _usuario(nombre="", apellido="", usuario="u"):
    return get_user_model()(username=usuario, first_name=nombre, last_name=apellido)


def _request(ruta="/documentos/7/?a=1&b=<x>"):
    return RequestFactory().get(ruta)


def _contexto(request, **valores):
    """What a page's template gets from the request (no context processors: no queries)."""
    return Context({"request": request, "csrf_token": get_token(request), **valores})


def _observaciones():
    autores = [_usuario("Ana", "Pérez <b>"), _usuario(usuario="solo<usuario>"), None]
    resultado = []
    for i, (resuelta, version, puede) in enumerate(
        [(False, 2, True), (False, None, False), (True, 3, True), (True, 0, False)]
    ):
        resultado.append(
            SimpleNamespace(
                pk=100 + i,
                autor=autores[i % 2],
                creada_en=FECHAS[i % 3],
                version=version,
                destino=PELIGROSO if i % 2 else "Misión institucional",
                resuelta=resuelta,
                resuelta_por=autores[(i + 1) % 3] if resuelta else None,
                resuelta_en=FECHAS[(i + 1) % 3] if resuelta else None,
                texto=TEXTOS[i % len(TEXTOS)],
                puede_resolver=puede,
            )
        )
    return resultado


@pytest.mark.parametrize("estado", [Estado.BORRADOR, Estado.EN_VISACION])
def test_observacion_como_su_plantilla(estado):
    request = _request()
    documento = SimpleNamespace(pk=7, estado=estado)
    observaciones = _observaciones()
    fragmentos.Observaciones(request, documento).preparar(observaciones, con_destino=True)
    plantilla = Template(OBSERVACION)
    for obs in observaciones:
        for destino, html in ((False, obs.html), (True, obs.html_con_destino)):
            contexto = {"obs": obs, "documento": documento, "mostrar_destino": destino}
            esperado = plantilla.render(_contexto(request, **contexto))
            assert _sin_token(html) == _sin_token(esperado)
    assert "&lt;script&gt;" in observaciones[1].html_con_destino
    assert "<script>" not in "".join(o.html_con_destino for o in observaciones)


@pytest.mark.parametrize("puede_observar", [True, False])
@pytest.mark.parametrize("clave", ["c1:12:avance", "c2:7:medidas_gore", ""])
def test_celda_como_su_plantilla(puede_observar, clave):
    request = _request("/diagnostico/7/cuadros/II/?x=<y>")
    documento = SimpleNamespace(pk=7, estado=Estado.BORRADOR)
    html = fragmentos.Observaciones(request, documento)
    for n in (0, 1, 3):
        observaciones = _observaciones()[:n]
        html.preparar(observaciones)
        contexto = {
            "observaciones": observaciones,
            "clave": clave,
            "puede_observar": puede_observar,
            "documento": documento,
        }
        esperado = Template(OBSERVAR_CELDA).render(_contexto(request, **contexto))
        assert _sin_token(html.celda(observaciones, clave, puede_observar)) == _sin_token(esperado)


def test_linea_de_tiempo_como_su_plantilla():
    quienes = [None, _usuario("Ana", "Pérez"), _usuario(usuario="<jefe>")]
    eventos = [
        Evento(FECHAS[i % 3], quienes[i % 3], tipo, f"observó {PELIGROSO}", texto)
        for i, (tipo, texto) in enumerate(
            [(t, x) for t in ("transicion", "observacion", "resolucion") for x in [*TEXTOS, ""]]
        )
    ]
    esperado = Template(EVENTOS).render(Context({"linea_tiempo": eventos}))
    assert html_eventos(eventos) == esperado
    assert html_eventos([]) == ""


def test_fila_de_region_como_su_plantilla():
    regiones = [
        {
            "codigo": "I",
            "nombre": "Región de Tarapacá",
            "centro": PELIGROSO,
            "url_codigo": "I",
            "faltan": ["Cuadro I N°1 sin filas", PELIGROSO],
            "filas_cuadro1": 0,
            "editable": True,
            "observaciones": 3,
        },
        {
            "codigo": "II",
            "nombre": "Región de Antofagasta",
            "centro": "Centro II",
            "url_codigo": "II",
            "faltan": ["Uno"],
            "filas_cuadro1": 1234,
            "editable": False,
            "observaciones": 0,
        },
        {
            "codigo": None,
            "nombre": "Servicio <propio>",
            "centro": "",
            "url_codigo": "servicio",
            "faltan": [],
            "filas_cuadro1": 2,
            "editable": False,
            "observaciones": 1,
        },
    ]
    documento = SimpleNamespace(pk=7)
    esperado = Template(REGIONES).render(
        Context({"c": {"regiones": regiones}, "documento": documento})
    )
    assert _filas_regiones(documento, regiones) == esperado


@pytest.mark.parametrize("texto", TEXTOS)
def test_recortado_y_fecha_como_sus_filtros(texto):
    plantilla = Template('{{ t|truncatechars:300 }}|{{ f|date:"d-m-Y H:i" }}')
    fechas = fragmentos.Fechas()
    for fecha in [*FECHAS, None]:
        esperado = plantilla.render(Context({"t": texto, "f": fecha}))
        hecho = Template("{{ t }}|{{ f }}").render(
            Context({"t": fragmentos.recortado(texto, 300), "f": fechas(fecha)})
        )
        assert hecho == esperado


# --- On the pages ------------------------------------------------------------------------------


def test_pagina_del_documento_escapa_observaciones_destinos_y_linea_de_tiempo(client, mundo):
    doc = crear_diagnostico(mundo)
    with actuando_como(mundo.encargada):
        SistemaInformacion.objects.create(
            diagnostico=doc.diagnostico, nombre="<b>SIG</b>", datos_regionales="Sí"
        )
    llevar_a(mundo, doc, Estado.EN_REVISION_JEFE)
    workflow.devolver(
        documento=doc,
        actor=mundo.jefe,
        version=1,
        comentario="<i>comentario</i> " + "x" * 400,
        observaciones=[
            {"texto": '<script>alert("obs")</script>', "campo": "sistema:1"},
            {"texto": "<em>general</em>", "campo": ""},
        ],
    )
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:documento", args=[doc.pk])).content.decode()
    assert "<script>alert" not in html and "<b>SIG</b>" not in html and "<em>" not in html
    assert "&lt;script&gt;alert(&quot;obs&quot;)&lt;/script&gt;" in html
    assert "<strong>Sistema de información 1 · &lt;b&gt;SIG&lt;/b&gt;</strong>" in html
    assert "&lt;i&gt;comentario&lt;/i&gt; " + "x" * 281 + "…</div>" in html  # cut at 300
    obs = Observacion.objects.get(documento=doc, campo="")
    accion = reverse("pmggt:observacion_resolver", args=[obs.pk])
    assert html.count(f'<form method="post" action="{accion}" class="mt-1">') == 2
    assert html.count(f'id="observacion-{obs.pk}"') == 2  # in its place and in the list


def test_cuadro_escapa_y_observa_cada_celda(client, mundo):
    doc = llevar_a(mundo, crear_diagnostico(mundo), Estado.EN_REVISION_JEFE)
    with actuando_como(mundo.encargada):
        producto = ProductoEstrategico.objects.create(
            diagnostico=doc.diagnostico, numero="1", nombre="<b>Producto</b>"
        )
        fila = FilaCuadro1.objects.create(
            diagnostico=doc.diagnostico, centro=mundo.centro_region_i, causales="diseno"
        )
        fila.productos.set([producto])
    Observacion.objects.create(
        documento=doc,
        version=1,
        autor=mundo.jefe,
        texto="<script>x</script>",
        campo=f"c1:{fila.pk}:avance",
    )
    client.force_login(mundo.jefe)  # observes while reviewing
    url = reverse("diagnostico:cuadro", args=[doc.pk, "I"])
    html = client.get(url + "?a=<b>").content.decode()
    assert "<script>x" not in html and "<b>Producto</b>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&lt;b&gt;Producto&lt;/b&gt;" in html
    assert f'id="obs-c1{fila.pk}avance"' in html
    # Every cell of the region's rows (this one and crear_diagnostico's); Cuadro I N°2 has no
    # rows here: nothing to observe there.
    filas = doc.diagnostico.filas_cuadro1.filter(centro=mundo.centro_region_i).count()
    assert filas == 2
    assert html.count('name="siguiente" value="/diagnostico/') == 4 * filas
    assert f'value="/diagnostico/{doc.pk}/cuadros/I/?a=%3Cb%3E"' in html


def test_url_repetida_es_la_de_reverse():
    cuadro = fragmentos.UrlRepetida("diagnostico:cuadro", 7)
    for codigo in ["I", "XV", "RM", "servicio", "a b", "ñ", "Ñuble", 12]:
        assert cuadro(codigo) == reverse("diagnostico:cuadro", args=[7, codigo])
    fila = fragmentos.UrlRepetida("diagnostico:fila_editar", 987654321, "II")  # marker twice
    assert fila(5) == reverse("diagnostico:fila_editar", args=[987654321, "II", 5])
    resolver = fragmentos.UrlRepetida("pmggt:observacion_resolver")
    assert resolver(42) == reverse("pmggt:observacion_resolver", args=[42])
