from pmggt.diferencias import comparar


def test_cambios_por_palabra_agregados_y_eliminados():
    a = [("mision", "Misión", "Contribuir al desarrollo del país"), ("objetivo:1", "Obj 1", "Uno")]
    b = [
        ("mision", "Misión", "Contribuir al desarrollo social del país"),
        ("objetivo:2", "Obj 2", "Dos"),
    ]
    filas = {f.clave: f for f in comparar(a, b)}
    assert filas["mision"].estado == "cambiado"
    assert ("agregado", "social ") in filas["mision"].segmentos or any(
        t == "agregado" and "social" in x for t, x in filas["mision"].segmentos
    )
    assert filas["objetivo:2"].estado == "agregado"
    assert filas["objetivo:1"].estado == "eliminado"


def test_reescritura_completa_se_muestra_en_bloque():
    filas = comparar([("x", "X", "uno dos tres cuatro")], [("x", "X", "cinco seis siete")])
    assert filas[0].segmentos == [
        ("eliminado", "uno dos tres cuatro"),
        ("agregado", "cinco seis siete"),
    ]


def test_sin_cambios():
    filas = comparar([("x", "X", "igual")], [("x", "X", "igual")])
    assert [f.estado for f in filas] == ["igual"]


def test_un_agregado_al_final_no_es_una_reescritura():
    (fila,) = comparar([("x", "X", "mejora")], [("x", "X", "mejora nueva")])
    assert fila.segmentos == [("igual", "mejora"), ("agregado", " nueva")]
    assert not fila.reescrito
    (reescrita,) = comparar([("x", "X", "uno dos tres")], [("x", "X", "cinco seis")])
    assert reescrita.reescrito


def test_lo_eliminado_queda_donde_estaba():
    a = [("a", "A", "1"), ("b", "B", "2"), ("c", "C", "3"), ("d", "D", "4")]
    b = [("a", "A", "1"), ("c", "C", "3"), ("e", "E", "5")]
    assert [(f.clave, f.estado) for f in comparar(a, b)] == [
        ("a", "igual"),
        ("b", "eliminado"),
        ("c", "igual"),
        ("d", "eliminado"),
        ("e", "agregado"),
    ]
    primera = [("x", "X", "1"), ("a", "A", "1")]
    assert [f.clave for f in comparar(primera, [("a", "A", "1")])] == ["x", "a"]


def test_grupos_por_seccion_y_region():
    from pmggt.diferencias import agrupar, grupo_de

    assert grupo_de("Cuadro I N°1 · región I · 1.1 · Avance existente") == "Cuadro I N°1 · región I"
    assert grupo_de("Cuadro I N°2 · Servicio · Oferta · Medidas") == "Cuadro I N°2 · Servicio"
    assert grupo_de("Objetivo estratégico 12") == "Objetivo estratégico"
    assert grupo_de("Producto 1.1.2 · fundamento") == "Producto"
    assert grupo_de("Misión institucional") == "Misión institucional"
    a = [
        ("mision", "Misión institucional", "M"),
        ("objetivo:1", "Objetivo estratégico 1", "Uno"),
        ("c1:1:avance", "Cuadro I N°1 · región I · 1 · Avance", "A"),
        ("c1:2:avance", "Cuadro I N°1 · región II · 1 · Avance", "B"),
    ]
    b = [
        ("mision", "Misión institucional", "M"),
        ("objetivo:1", "Objetivo estratégico 1", "Uno cambiado"),
        ("objetivo:2", "Objetivo estratégico 2", "Dos"),
        ("c1:2:avance", "Cuadro I N°1 · región II · 1 · Avance", "B"),
    ]
    filas = comparar(a, b)
    grupos = agrupar(filas)
    assert [(g.titulo, [f.ancla for f in g.filas]) for g in grupos] == [
        ("Objetivo estratégico", ["cambio-1", "cambio-2"]),
        ("Cuadro I N°1 · región I", ["cambio-3"]),
    ]
    assert [f.nombre_corto for f in grupos[0].filas] == ["1", "2"]
    assert grupos[1].filas[0].nombre_corto == "1 · Avance"
    todos = agrupar(filas, solo_cambios=False)
    assert [g.titulo for g in todos] == [
        "Misión institucional",
        "Objetivo estratégico",
        "Cuadro I N°1 · región I",
        "Cuadro I N°1 · región II",
    ]
    assert todos[0].cambios == [] and todos[0].ancla == ""


def test_resumen_en_palabras():
    from pmggt.diferencias import Resumen

    assert Resumen(3, 2, 7).texto == "12 cambios: 3 agregados, 2 eliminados, 7 modificados"
    assert Resumen(0, 0, 1).texto == "1 cambio: 1 modificado"
    assert Resumen(1, 0, 0).texto == "1 cambio: 1 agregado"
    assert Resumen().texto == "Sin cambios"
