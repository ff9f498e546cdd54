"""Server-drawn SVG charts (pmggt.graficos): valid XML, accessible, every number drawn."""

import xml.etree.ElementTree as ET

from pmggt import graficos

SVG = "{http://www.w3.org/2000/svg}"
SERIES = [
    graficos.Serie("a", "Visado", "#1e7b34"),
    graficos.Serie("b", "En visación", "#0f69b4", "diagonal"),
    graficos.Serie("c", "No iniciado", "#ffffff", "vacio"),
]


def _valores(svg):
    return {
        (e.get("data-serie"), int(e.get("data-valor"))) for e in svg.iter() if e.get("data-valor")
    }


def test_barras_apiladas():
    svg = ET.fromstring(
        str(
            graficos.barras_apiladas(
                prefijo="g1",
                titulo="Estado <por> etapa",
                descripcion="Etapa I: 3 visados & 1 en visación.",
                categorias=[("Etapa I", {"a": 3, "b": 1, "c": 0}), ("Etapa II", {"c": 4})],
                series=SERIES,
            )
        )
    )
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Estado <por> etapa"  # escaped, read back
    assert svg.find(f"{SVG}desc").text.startswith("Etapa I: 3 visados")
    assert _valores(svg) == {("a", 3), ("b", 1), ("c", 4)}
    textos = [t.text for t in svg.iter(f"{SVG}text")]
    # The legend names every series; the totals and wide segments carry their number.
    for s in SERIES:
        assert s.etiqueta in textos
    assert textos.count("4") >= 2 and "3" in textos
    # Patterns, not only colour; no style attribute (CSP).
    assert len(svg.findall(f".//{SVG}pattern")) == 3
    assert all("style" not in e.attrib for e in svg.iter())


def test_barras_con_ceros():
    svg = ET.fromstring(
        str(
            graficos.barras(
                prefijo="g2",
                titulo="Atraso",
                descripcion="Nada.",
                datos=[(SERIES[0], 0), (SERIES[1], 5)],
            )
        )
    )
    assert _valores(svg) == {("a", 0), ("b", 5)}
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["Visado", "0", "En visación", "5"]
