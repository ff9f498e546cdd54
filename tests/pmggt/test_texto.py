"""User text: pasted Word/PDF bullets survive, formatting and markup do not."""

import pytest

from pmggt.texto import bloques, es_formula, normalizar


def test_vinetas_pegadas_desde_word_y_pdf():
    pegado = (
        "Medidas:\r\n\uf0b7\tCapacitar a municipios\r\n•  Informar al GORE\n- Publicar\n\n\nFin"
    )
    assert normalizar(pegado) == (
        "Medidas:\n• Capacitar a municipios\n• Informar al GORE\n• Publicar\n\nFin"
    )
    b = bloques(pegado)
    assert [x.tipo for x in b] == ["p", "ul", "p"]
    assert b[1].items == ["Capacitar a municipios", "Informar al GORE", "Publicar"]


def test_vinetas_en_linea_se_separan():
    assert normalizar("Se avanzó en: • convenios • mesas") == (
        "Se avanzó en:\n• convenios\n• mesas"
    )


def test_espacios_y_controles():
    assert normalizar("a\u00a0\u00a0b\u200b\x07 c") == "a b c"


def test_guion_sin_espacio_no_es_vineta():
    assert normalizar("-5% de déficit") == "-5% de déficit"


def test_html_queda_como_texto():
    assert normalizar("<b>hola</b>") == "<b>hola</b>"


def test_formulas():
    assert es_formula("=SUM(A1)") and es_formula("+56") and es_formula("@x") and es_formula("-1")
    assert not es_formula("Texto")


def test_formulas_tras_tabulador_retorno_o_nul():
    # A leading tab or CR, or characters an xlsx cannot hold (dropped when written) before
    # "=", "+", "-" or "@": still written as text.
    for texto in ["\t=1+1", "\r=1+1", "\t", "\rx", "\x00=SUM(A1)", "\x00\x01+1", "\x00@x"]:
        assert es_formula(texto), repr(texto)
    assert es_formula("\ufffe-1") and es_formula("\x00\t")
    for texto in ["", "\x00", "\x00texto", "\n=1", " =1", "texto =1", None]:
        assert not es_formula(texto), repr(texto)


TEXTOS = [
    None,
    "",
    "   ",
    "Un párrafo.",
    "Dos líneas\nseguidas",
    "Párrafo uno.\n\nPárrafo dos.",
    "Intro:\n• uno\n• dos <b>\n\nCierre & fin",
    "• sola viñeta",
    '<script>alert("x")</script>\n\'comillas\' & "dobles"',
    "a\r\nb\rc\u2028d",
    "• a\nluego texto\n• b",
    "<b>Una línea</b> & 'comillas' \"dobles\" <script>x</script>",  # simple: the shortcut
]


@pytest.mark.parametrize("valor", TEXTOS)
@pytest.mark.parametrize("vacio", [None, "(sin completar)", "<i>nada</i>"])
def test_la_etiqueta_texto_da_el_html_de_su_plantilla(valor, vacio):
    """{% texto %} is drawn in Python: the same HTML as ``pmggt/_texto.html`` (escaped)."""
    from django.template import Context, Template
    from django.template.loader import render_to_string

    from pmggt import texto as texto_mod

    if vacio is None:
        etiqueta = Template("{% load pmggt_texto %}{% texto v %}").render(Context({"v": valor}))
        vacio = "—"
    else:
        etiqueta = Template("{% load pmggt_texto %}{% texto v w %}").render(
            Context({"v": valor, "w": vacio})
        )
    plantilla = render_to_string(
        "pmggt/_texto.html", {"bloques": texto_mod.bloques(valor), "vacio": vacio}
    )
    assert etiqueta == plantilla.removesuffix("\n")  # the file's last newline aside
    assert "<script>" not in etiqueta and "<i>" not in etiqueta


def test_el_atajo_de_una_linea_da_lo_mismo_que_normalizar():
    # es_simple: the one-paragraph shortcut of bloques. For every text it accepts, normalizar
    # gives the text back and bloques one paragraph; it turns down anything normalizar changes.
    import itertools
    import random

    from pmggt.texto import Bloque, bloques, es_simple, normalizar

    piezas = [
        "a",
        "Región",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\u00a0",
        "\u2007",
        "\u202f",
        "\u2003",
        "•",
        "\uf0b7",
        "◦",
        "▪",
        "-",
        "- ",
        "–",
        "* ",
        "·",
        "\u200b",
        "\ufeff",
        "\x00",
        "\x0b",
        "\u2028",
        "\u2029",
        "e\u0301",
        "é",
        "<b>",
        "&",
        "«x»",
        "100%",
        "1.",
        "o ",
        "Ñuble",
    ]
    rng = random.Random(7)
    casos = ["", "a", " a", "a ", "- a", "-a", "• a", "a • b", "a  b", "e\u0301"]
    casos += ["".join(p) for p in itertools.product(piezas[:12], repeat=2)]
    casos += ["".join(rng.choice(piezas) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    aceptados = 0
    for texto in casos:
        if es_simple(texto):
            aceptados += 1
            assert normalizar(texto) == texto, repr(texto)
        lento = [b for b in _bloques_sin_atajo(texto)]
        assert bloques(texto) == lento, repr(texto)
    assert aceptados > 100
    assert bloques("Región de Ñuble") == [Bloque("p", "Región de Ñuble")]


def _bloques_sin_atajo(texto):
    from pmggt import texto as modulo

    original = modulo.es_simple
    modulo.es_simple = lambda _texto: False
    try:
        return modulo.bloques(texto)
    finally:
        modulo.es_simple = original
