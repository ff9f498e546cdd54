"""User text: pasted Word/PDF bullets survive, formatting and markup do not."""

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
