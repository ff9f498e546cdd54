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
