"""In-app avisos (pmggt.views_avisos): the list, marking read, opening one, and the
administrator's settings page. Permission cases of every persona: the matrix (CASOS_AVISOS)."""

import pytest
from django.urls import reverse

from pmggt import avisos
from pmggt.models import AjustesAvisos, Aviso

LISTA = reverse("pmggt:avisos")
AJUSTES = reverse("pmggt:avisos_ajustes")


def crear_avisos(usuario, n, desde=0, **extra):
    return [
        Aviso.objects.create(
            usuario=usuario,
            clave=f"prueba:{i}",
            tipo=Aviso.Tipo.PLAZO_ANTES,
            asunto=f"Aviso número {i}",
            texto=f"Texto del aviso {i}.",
            url=extra.get("url", "/documentos/"),
        )
        for i in range(desde, desde + n)
    ]


def test_lista_la_mas_reciente_primero_y_paginada(client, mundo):
    crear_avisos(mundo.encargada, 30)
    crear_avisos(mundo.jefe, 2, desde=100)  # another person's: never listed
    client.force_login(mundo.encargada)
    respuesta = client.get(LISTA)
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    assert html.count('class="aviso-item') == 25
    assert html.index("Aviso número 29") < html.index("Aviso número 5")
    assert "Aviso número 4<" not in html and "Aviso número 100" not in html
    assert html.count("Sin leer</span>") == 25
    assert "<strong>30</strong> sin leer" in html
    assert "Página 1 de 2" in html
    html = client.get(LISTA, {"pagina": 2}).content.decode()
    assert html.count('class="aviso-item') == 5 and "Aviso número 0<" in html


def test_la_cuenta_del_menu(client, mundo):
    crear_avisos(mundo.encargada, 3)
    client.force_login(mundo.encargada)
    html = client.get(reverse("pmggt:mis_pendientes")).content.decode()
    assert '3<span class="sr-only"> sin leer</span>' in html


def test_vacia(client, mundo):
    client.force_login(mundo.gore)
    html = client.get(LISTA).content.decode()
    assert "Aún no tiene avisos" in html and "Marcar todos como leídos" not in html


def test_marcar_todos_como_leidos(client, mundo):
    propios = crear_avisos(mundo.encargada, 3)
    ajeno = crear_avisos(mundo.jefe, 1)[0]
    client.force_login(mundo.encargada)
    html = client.get(LISTA).content.decode()
    assert "Marcar todos como leídos" in html
    respuesta = client.post(LISTA, follow=True)
    assert respuesta.redirect_chain == [(LISTA, 302)]
    html = respuesta.content.decode()
    assert "Se marcaron 3 avisos como leídos." in html
    assert "Sin leer</span>" not in html and "<strong>0</strong> sin leer" in html
    assert all(Aviso.objects.get(pk=a.pk).leido_en for a in propios)
    assert Aviso.objects.get(pk=ajeno.pk).leido_en is None
    assert "No tenía avisos sin leer." in client.post(LISTA, follow=True).content.decode()


def test_solo_sin_leer(client, mundo):
    leido, sin_leer = crear_avisos(mundo.encargada, 2)
    avisos.marcar_leidos(mundo.encargada, [leido.pk])
    client.force_login(mundo.encargada)
    html = client.get(LISTA, {"ver": "sin_leer"}).content.decode()
    assert "Aviso número 1" in html and "Aviso número 0" not in html


@pytest.mark.parametrize("metodo", ["get", "post"])
def test_abrir_marca_leido_y_lleva_a_su_pagina(client, mundo, metodo):
    aviso = crear_avisos(mundo.encargada, 1, url="/documentos/7/")[0]
    client.force_login(mundo.encargada)
    respuesta = getattr(client, metodo)(reverse("pmggt:aviso_abrir", args=[aviso.pk]))
    assert respuesta.status_code == 302 and respuesta["Location"] == "/documentos/7/"
    assert Aviso.objects.get(pk=aviso.pk).leido_en is not None


def test_abrir_sin_pagina_lleva_a_la_lista(client, mundo):
    aviso = crear_avisos(mundo.encargada, 1, url="")[0]
    client.force_login(mundo.encargada)
    respuesta = client.get(reverse("pmggt:aviso_abrir", args=[aviso.pk]))
    assert respuesta["Location"] == LISTA


def test_abrir_el_aviso_de_otra_persona_es_404(client, mundo):
    aviso = crear_avisos(mundo.jefe, 1)[0]
    client.force_login(mundo.encargada)
    assert client.get(reverse("pmggt:aviso_abrir", args=[aviso.pk])).status_code == 404
    assert client.post(reverse("pmggt:aviso_abrir", args=[aviso.pk])).status_code == 404
    assert client.get(reverse("pmggt:aviso_abrir", args=[99999])).status_code == 404
    assert Aviso.objects.get(pk=aviso.pk).leido_en is None


def test_anonimo_va_al_ingreso(client, mundo):
    aviso = crear_avisos(mundo.jefe, 1)[0]
    for url in (LISTA, reverse("pmggt:aviso_abrir", args=[aviso.pk]), AJUSTES):
        respuesta = client.get(url)
        assert respuesta.status_code == 302 and respuesta["Location"].startswith("/cuentas/")
    assert client.post(LISTA).status_code == 302
    assert Aviso.objects.get(pk=aviso.pk).leido_en is None


def test_consultas_constantes(client, mundo, django_assert_max_num_queries):
    client.force_login(mundo.encargada)
    crear_avisos(mundo.encargada, 2)
    with django_assert_max_num_queries(12) as pocas:
        assert client.get(LISTA).status_code == 200
    crear_avisos(mundo.encargada, 80, desde=2)
    with django_assert_max_num_queries(len(pocas)):
        assert client.get(LISTA, {"pagina": 2}).status_code == 200


# --- Settings (administrator) --------------------------------------------------------------------


def test_ajustes_solo_el_administrador(client, mundo):
    for persona in ("encargada", "jefe", "experta", "gore", "intruso"):
        client.force_login(mundo.personas[persona])
        assert client.get(AJUSTES).status_code == 403
        assert client.post(AJUSTES, {"dias_antes": "1"}).status_code == 403
    assert not AjustesAvisos.objects.exists()


def test_ajustes_guarda_con_historial(client, mundo):
    client.force_login(mundo.admin)
    html = client.get(AJUSTES).content.decode()
    assert 'value="14, 7, 2"' in html and "Historial de cambios" in html
    respuesta = client.post(
        AJUSTES,
        {"activos": "on", "dias_antes": "2, 10, 10 ,5", "dias_despues": "", "dias_devuelto": "4"},
        follow=True,
    )
    assert respuesta.redirect_chain == [(AJUSTES, 302)]
    ajustes = AjustesAvisos.actuales()
    assert (ajustes.activos, ajustes.dias_antes, ajustes.dias_despues, ajustes.dias_devuelto) == (
        True,
        "10, 5, 2",
        "",
        "4",
    )
    html = respuesta.content.decode()
    assert "Se guardaron los ajustes de los recordatorios." in html
    ultimo = ajustes.history.latest("history_date")
    assert ultimo.history_user == mundo.admin
    assert "10, 5, 2" in html
    assert f"<td>{mundo.admin.get_full_name() or mundo.admin.username}</td>" in html


def test_ajustes_desactivar(client, mundo):
    client.force_login(mundo.admin)
    client.post(AJUSTES, {"dias_antes": "7", "dias_despues": "1", "dias_devuelto": "3"})
    assert AjustesAvisos.actuales().activos is False


@pytest.mark.parametrize(
    "datos, campo, mensaje",
    [
        ({"dias_antes": "siete"}, "dias_antes", "Escriba números enteros de días entre 0 y 365"),
        ({"dias_despues": "400"}, "dias_despues", "entre 0 y 365"),
        ({"dias_devuelto": "-3"}, "dias_devuelto", "entre 0 y 365"),
        (
            {"dias_antes": ",".join(str(n) for n in range(12))},
            "dias_antes",
            "a lo más 10 días distintos",
        ),
        ({"dias_antes": "", "dias_despues": "", "dias_devuelto": ""}, None, "al menos un día"),
    ],
)
def test_ajustes_errores_en_castellano(client, mundo, datos, campo, mensaje):
    client.force_login(mundo.admin)
    AjustesAvisos.actuales()
    antes = AjustesAvisos.history.count()
    base = {"activos": "on", "dias_antes": "14, 7", "dias_despues": "1", "dias_devuelto": "3"}
    respuesta = client.post(AJUSTES, base | datos)
    assert respuesta.status_code == 200
    assert mensaje in respuesta.content.decode()
    if campo:
        assert f'id="id_{campo}_error"' in respuesta.content.decode()
    assert AjustesAvisos.history.count() == antes
    assert AjustesAvisos.actuales().dias_antes == "14, 7, 2"


def test_admin_de_avisos_solo_lectura(client, mundo):
    aviso = crear_avisos(mundo.encargada, 1)[0]
    client.force_login(mundo.admin)
    lista = client.get(reverse("admin:pmggt_aviso_changelist"))
    assert lista.status_code == 200 and "Aviso número 0" in lista.content.decode()
    assert client.get(reverse("admin:pmggt_aviso_change", args=[aviso.pk])).status_code == 200
    assert client.get(reverse("admin:pmggt_aviso_add")).status_code == 403
    client.force_login(mundo.encargada)
    assert client.get(reverse("admin:pmggt_aviso_changelist")).status_code == 302
