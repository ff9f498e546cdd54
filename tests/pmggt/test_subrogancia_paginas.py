"""The subrogancias page: who sees it, designating and revoking from it, its queries, the nav
link and the admin's read-only list."""

from datetime import timedelta

import pytest
from django.urls import reverse

from pmggt import calendario, services, subrogancia
from pmggt.models import Documento, GrupoRol, Subrogancia
from tests.conftest import crear_diagnostico, huella_bd, llevar_a
from tests.fabricas import ServicioFactory, UsuarioFactory
from tests.pmggt.test_subrogancia import designar, fresco, pasada

Tipo = GrupoRol.Tipo
URL = "/subrogancias/"


def hoy():
    return calendario.hoy()


def _datos(m, subrogante=None, **extra):
    return {
        "servicio": str(m.servicio.pk),
        "subrogante": str((subrogante or m.centro_i).pk),
        "desde": hoy().isoformat(),
        "hasta": (hoy() + timedelta(days=14)).isoformat(),
        "motivo": "Feriado legal",
    } | extra


def test_url():
    assert reverse("pmggt:subrogancias") == URL
    assert reverse("pmggt:subrogancia_revocar", args=[7]) == "/subrogancias/7/revocar/"


@pytest.mark.parametrize(
    ("persona", "esperado"),
    [
        ("jefe", 200),
        ("admin", 200),
        ("encargada", 403),
        ("centro_i", 403),
        ("experta", 403),
        ("intruso", 403),
        ("gore", 403),
    ],
)
def test_quien_ve_la_pagina(mundo, client, persona, esperado):
    client.force_login(getattr(mundo, persona))
    respuesta = client.get(URL)
    assert respuesta.status_code == esperado
    if esperado == 403:
        assert "las designa el Jefe/a de Servicio" in respuesta.content.decode()


def test_el_subrogante_ve_la_suya_tambien_despues(mundo, client):
    m = mundo
    s = designar(m, m.centro_i)
    client.force_login(m.centro_i)
    pagina = client.get(URL).content.decode()
    hasta = s.hasta.strftime("%d-%m-%Y")
    assert f"Usted subroga a {m.jefe.get_full_name()}</strong>" in pagina
    assert f"hasta el {hasta}" in pagina
    assert "Designar subrogante" not in pagina  # a subrogante does not designate
    assert 'href="/subrogancias/"' in pagina  # the nav link, while in force
    # A former subrogante still gets the page (their record), without the banner or the link.
    Subrogancia.objects.filter(pk=s.pk).delete()
    pasada(m, m.centro_i)
    pagina = client.get(URL).content.decode()
    assert "Usted subroga a" not in pagina and "Terminada" in pagina
    assert 'href="/subrogancias/"' not in pagina


def test_el_enlace_de_navegacion(mundo, client):
    for persona, ve in (("jefe", True), ("admin", True), ("encargada", False), ("gore", False)):
        client.force_login(getattr(mundo, persona))
        pagina = client.get(reverse("pmggt:mis_pendientes")).content.decode()
        assert ('href="/subrogancias/"' in pagina) is ve, persona


def test_el_jefe_designa_desde_la_pagina(mundo, client):
    m = mundo
    client.force_login(m.jefe)
    pagina = client.get(URL).content.decode()
    # The people of the Servicio (and its Centros) to choose from; not the Jefe, not others.
    assert f'value="{m.centro_i.pk}"' in pagina and f'value="{m.encargada.pk}"' in pagina
    assert f'<option value="{m.intruso.pk}"' not in pagina
    respuesta = client.post(URL, _datos(m))
    assert respuesta.status_code == 302
    s = Subrogancia.objects.get()
    assert (s.titular, s.subrogante, s.designada_por, s.motivo) == (
        m.jefe,
        m.centro_i,
        m.jefe,
        "Feriado legal",
    )
    pagina = client.get(URL).content.decode()
    assert "subroga a" in pagina and "Vigente" in pagina and "Revocar" in pagina


def test_otra_persona_por_usuario_o_correo(mundo, client):
    m = mundo
    client.force_login(m.jefe)
    datos = _datos(m, subrogante=None) | {"subrogante": "", "otra_persona": m.intruso.email}
    assert client.post(URL, datos).status_code == 302
    assert Subrogancia.objects.get().subrogante == m.intruso


@pytest.mark.parametrize(
    ("cambio", "mensaje"),
    [
        ({"hasta": "2000-01-01"}, "igual o posterior"),
        ({"desde": "ayer"}, "Escriba una fecha válida"),
        ({"subrogante": "", "otra_persona": "nadie.aqui"}, "No hay una cuenta con el usuario"),
        ({"subrogante": ""}, "Indique quién subroga."),
        ({"otra_persona": "intruso"}, "no ambas"),
    ],
)
def test_errores_junto_al_campo_y_nada_guardado(mundo, client, cambio, mensaje):
    m = mundo
    client.force_login(m.jefe)
    antes = huella_bd()
    respuesta = client.post(URL, _datos(m) | cambio)
    assert respuesta.status_code == 400
    pagina = respuesta.content.decode()
    assert mensaje in pagina and 'aria-invalid="true"' in pagina
    assert huella_bd() == antes


def test_traslape_en_la_pagina(mundo, client):
    m = mundo
    designar(m, m.centro_ii)
    client.force_login(m.jefe)
    respuesta = client.post(URL, _datos(m))
    assert respuesta.status_code == 400
    assert "ya tiene una subrogancia en SERV-A" in respuesta.content.decode()
    assert Subrogancia.objects.count() == 1


def test_el_administrador_designa_para_cualquier_jefe_y_filtra(mundo, client):
    m = mundo
    jefe_b = UsuarioFactory(username="jefe.b")
    services.rol_asignar(usuario=jefe_b, tipo=Tipo.JEFE, objeto=m.otro_servicio)
    client.force_login(m.admin)
    pagina = client.get(URL).content.decode()
    assert f'value="{m.otro_servicio.pk}-{jefe_b.pk}"' in pagina
    assert f'value="{m.servicio.pk}-{m.jefe.pk}"' in pagina
    datos = {
        "jefatura": f"{m.otro_servicio.pk}-{jefe_b.pk}",
        "otra_persona": m.centro_i.username,
        "desde": hoy().isoformat(),
        "hasta": (hoy() + timedelta(days=3)).isoformat(),
    }
    assert client.post(URL, datos).status_code == 302
    designar(m, m.encargada)
    s_b = Subrogancia.objects.get(servicio=m.otro_servicio)
    assert (s_b.titular, s_b.subrogante, s_b.designada_por) == (jefe_b, m.centro_i, m.admin)
    filtrada = client.get(URL, {"servicio": m.otro_servicio.pk}).content.decode()
    assert filtrada.count('class="subrogancia-vigente"') == 1
    assert client.get(URL).content.decode().count('class="subrogancia-vigente"') == 2
    # A made-up choice is a message, not a 500.
    respuesta = client.post(URL, datos | {"jefatura": "999-999"})
    assert respuesta.status_code == 400


def test_el_jefe_solo_ve_las_de_su_servicio(mundo, client):
    m = mundo
    jefe_b = UsuarioFactory(username="jefe.b")
    services.rol_asignar(usuario=jefe_b, tipo=Tipo.JEFE, objeto=m.otro_servicio)
    designar(m, m.intruso, titular=jefe_b, actor=jefe_b, servicio=m.otro_servicio)
    designar(m, m.centro_i)
    client.force_login(m.jefe)
    pagina = client.get(URL).content.decode()
    assert pagina.count('class="subrogancia-vigente"') == 1 and "SERV-B" not in pagina


def test_revocar_desde_la_pagina(mundo, client):
    m = mundo
    s = designar(m, m.centro_i)
    url = reverse("pmggt:subrogancia_revocar", args=[s.pk])
    for persona, esperado in (("centro_i", 403), ("experta", 403), ("intruso", 404), ("gore", 404)):
        client.force_login(getattr(m, persona))
        antes = huella_bd()
        assert client.post(url).status_code == esperado, persona
        assert huella_bd() == antes
    client.force_login(m.jefe)
    assert client.get(url).status_code == 405
    respuesta = client.post(url)
    assert respuesta.status_code == 302
    s.refresh_from_db()
    assert s.revocada_por == m.jefe
    # Again: a message, nothing changes.
    antes = huella_bd()
    pagina = client.post(url, follow=True).content.decode()
    assert "ya fue revocada" in pagina and huella_bd() == antes
    assert client.post(reverse("pmggt:subrogancia_revocar", args=[999999])).status_code == 404


def test_el_jefe_de_otro_servicio_no_revoca(mundo, client):
    m = mundo
    s = designar(m, m.centro_i)
    jefe_b = UsuarioFactory(username="jefe.b")
    services.rol_asignar(usuario=jefe_b, tipo=Tipo.JEFE, objeto=m.otro_servicio)
    client.force_login(jefe_b)
    assert client.post(reverse("pmggt:subrogancia_revocar", args=[s.pk])).status_code == 404
    assert Subrogancia.objects.get(pk=s.pk).revocada_en is None


def _muchas(m, n):
    """n subrogancias of n Servicios (each with its Jefe), all visible to the administrator."""
    for i in range(n):
        servicio = ServicioFactory(sigla=f"S{i:03d}", nombre=f"Servicio {i}")
        services.roles_asegurar(servicio)
        jefe = UsuarioFactory(username=f"jefe.{i:03d}")
        services.rol_asignar(usuario=jefe, tipo=Tipo.JEFE, objeto=servicio)
        otro = UsuarioFactory(username=f"sub.{i:03d}")
        pasada(m, otro, servicio=servicio, titular=jefe, designada_por=jefe)
        subrogancia.designar(
            servicio=servicio,
            titular=jefe,
            subrogante=otro,
            desde=hoy(),
            hasta=hoy() + timedelta(days=2),
            actor=fresco(jefe),
        )


@pytest.mark.parametrize("persona", ["admin", "jefe", "centro_i"])
def test_consultas_constantes(mundo, client, django_assert_max_num_queries, persona):
    m = mundo
    designar(m, m.centro_i)
    client.force_login(getattr(m, persona))
    with django_assert_max_num_queries(20) as chico:
        assert client.get(URL).status_code == 200
    _muchas(m, 12)
    for _ in range(8):
        pasada(m, m.centro_i, desde=hoy() - timedelta(days=40), hasta=hoy() - timedelta(days=35))
    with django_assert_max_num_queries(20) as grande:
        assert client.get(URL).status_code == 200
    assert len(grande.captured_queries) == len(chico.captured_queries)


def test_la_pagina_de_un_documento_no_suma_consultas_por_la_subrogancia(
    mundo, client, django_assert_max_num_queries
):
    m = mundo
    doc = llevar_a(m, crear_diagnostico(m), Documento.Estado.EN_REVISION_JEFE)
    url = reverse("pmggt:documento", args=[doc.pk])
    client.force_login(m.jefe)
    with django_assert_max_num_queries(60) as del_jefe:
        client.get(url)
    designar(m, m.centro_i)
    client.force_login(m.centro_i)
    with django_assert_max_num_queries(60) as del_subrogante:
        assert 'name="aprobar-version"' in client.get(url).content.decode()
    assert len(del_subrogante.captured_queries) == len(del_jefe.captured_queries)


def test_el_admin_lista_las_subrogancias_solo_para_leer(mundo, client):
    m = mundo
    s = designar(m, m.centro_i)
    client.force_login(m.admin)
    assert client.get(reverse("admin:pmggt_subrogancia_changelist")).status_code == 200
    assert client.get(reverse("admin:pmggt_subrogancia_change", args=[s.pk])).status_code == 200
    assert client.get(reverse("admin:pmggt_subrogancia_add")).status_code == 403
    client.force_login(m.jefe)
    assert client.get(reverse("admin:pmggt_subrogancia_changelist")).status_code == 302
