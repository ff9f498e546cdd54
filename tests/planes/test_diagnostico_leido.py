"""What the Plan reads of its visado Diagnóstico (``planes.contenido.lectura_del_diagnostico``)
is kept per process by ``pmggt.versiones.contenido_visado(resumen=...)``: the same single query,
without the version's JSON while the kept reading is still of the visado version, and read again
as soon as the visado version is another one (a new V°B°, or another row with that id)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planes import contenido as cm
from pmggt import versiones
from pmggt.models import Documento, VersionDocumento
from tests.planes.fabricas import crear_plan

DIAGNOSTICO = Documento.Etapa.DIAGNOSTICO


def _leer(documento):
    """A fresh document object (the reading is kept on it too) and its reading, in a count."""
    documento = Documento.objects.select_related("servicio", "ciclo").get(pk=documento.pk)
    with CaptureQueriesContext(connection) as consultas:
        leido = cm.diagnostico_visado(documento)
    return leido, consultas


@pytest.fixture
def plan(mundo):
    versiones._RESUMENES.clear()
    return crear_plan(mundo)


@pytest.mark.django_db
def test_la_lectura_es_la_del_contenido_completo(mundo, plan):
    completo, version = versiones.contenido_visado(mundo.servicio, mundo.ciclo, DIAGNOSTICO)
    (leido, version_leida), _ = _leer(plan)
    assert version_leida.pk == version.pk
    assert cm.filas_del_diagnostico(leido) == cm.filas_del_diagnostico(completo)
    assert leido["cuadro2"]["no_pertinente"] == (completo.get("cuadro2") or {}).get("no_pertinente")
    # What the Plan's pages draw from it is the same as from the whole content.
    contenido = cm.contenido(Documento.objects.get(pk=plan.pk))
    assert cm.cobertura(contenido, leido) == cm.cobertura(contenido, completo)


@pytest.mark.django_db
def test_segunda_lectura_sin_el_json_en_una_consulta(mundo, plan):
    (primera, _), consultas = _leer(plan)
    assert len(consultas) == 1
    (segunda, version), consultas = _leer(plan)
    assert len(consultas) == 1
    assert segunda is primera  # the kept reading
    assert version._contenido is None  # the JSON did not travel
    assert "contenido" in version.get_deferred_fields()
    # Through the query compiled once (pmggt.consultas): its ids, the sha256 among them.
    assert versiones._VISADA_SIN_CONTENIDO._compiladas[connection.alias] is not None


@pytest.mark.django_db
def test_la_lectura_guardada_no_se_puede_cambiar(plan):
    (leido, _), _ = _leer(plan)
    with pytest.raises(TypeError):
        leido["cuadro1"][0]["objetivo"] = "otro"
    with pytest.raises(TypeError):
        leido["extra"] = 1
    with pytest.raises(AttributeError):
        leido["cuadro1"].append({})


@pytest.mark.django_db
def test_otra_version_visada_se_lee_de_nuevo(mundo, plan):
    (primera, version), _ = _leer(plan)
    # Another row with the kept id but another content (a test database reuses ids; in
    # production a new V°B° is a new version): its sha256 differs and the JSON is read.
    VersionDocumento.objects.filter(pk=version.pk).update(sha256="0" * 64)
    (segunda, otra), consultas = _leer(plan)
    assert len(consultas) == 1
    assert segunda is not primera
    assert otra._contenido is not None
    assert cm.filas_del_diagnostico(segunda) == cm.filas_del_diagnostico(primera)


@pytest.mark.django_db
def test_sin_version_visada_nada(mundo, plan):
    (leido, _), _ = _leer(plan)
    assert leido is not None
    Documento.objects.filter(servicio=mundo.servicio, ciclo=mundo.ciclo, etapa=DIAGNOSTICO).update(
        version_visada=None
    )
    (nada, consultas) = _leer(plan)
    assert nada is None
    assert len(consultas) == 1


@pytest.mark.django_db
def test_la_memoria_tiene_tope(mundo, plan, monkeypatch):
    monkeypatch.setattr(versiones, "MAX_RESUMENES", 1)
    _leer(plan)
    versiones.contenido_visado(mundo.servicio, mundo.ciclo, DIAGNOSTICO, resumen=lambda c: c)
    assert len(versiones._RESUMENES) == 1
