"""Writes a Diagnóstico's canonical content (see diagnostico.contenido) into the models.

Used by the demo (fixtures/diagnostico_*_2009.json, taken from the 2009 seed documents) and to copy
one version's content into another Diagnóstico. ``cargar_contenido`` brings the Diagnóstico to the
given content: rows are matched (objetivos, productos and clientes by number, Cuadro I N°2 rows
by region and type of information, the other lists by position within their region), changed
rows are saved, missing ones created and surplus ones deleted. Everything is saved row by row
through the core's edit guard (``pmggt.acceso.edicion``: the document locked, in Borrador, the
actor its Encargado/a GT, named in the history), and loading the same content twice writes
nothing.

Keys the models do not hold ("id", "regiones", "_fuente"…) are ignored.
"""

import re

from pmggt import acceso, carga
from pmggt.models import Centro
from pmggt.texto import normalizar
from pmggt.workflow import DatosInvalidos

from .contenido import CAMPOS_CUADRO1, CAMPOS_CUADRO2, causales_de
from .models import (
    Cliente,
    Diagnostico,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
    unir_causales,
)

NUMERO = re.compile(r"^\d{1,3}(\.\d{1,3}){0,2}$")
CAUSALES = {
    "diseno": "causal_diseno",
    "acceso": "causal_acceso",
    "coordinacion": "causal_coordinacion",
}


def leer(nombre: str) -> dict:
    """The content stored in fixtures/<nombre> (e.g. "diagnostico_mideplan_2009.json")."""
    return carga.leer(nombre)


def _enlazar(relacion, objetos) -> None:
    """Set a many-to-many relation only when it changes (each change is a history row)."""
    if {o.pk for o in relacion.all()} != {o.pk for o in objetos}:
        relacion.set(objetos)


def _clave_numero(numero: str) -> list[int]:
    return [int(x) for x in numero.split(".")]


def cargar_contenido(*, diagnostico: Diagnostico, datos: dict, actor) -> None:
    """Bring ``diagnostico`` to the canonical content ``datos`` (empty or not), as ``actor``."""
    servicio = diagnostico.documento.servicio
    centros = {
        c.region.codigo: c
        for c in Centro.objects.filter(servicio=servicio).select_related("region")
    }

    def centro(codigo):
        if codigo is None:
            return None
        if codigo not in centros:
            raise DatosInvalidos(f"{servicio.sigla} no tiene un Centro en la región {codigo}.")
        return centros[codigo]

    with acceso.edicion(diagnostico.documento, actor):
        cuadro2 = datos.get("cuadro2") or {}
        carga.guardar_si_cambia(
            diagnostico,
            presentacion=normalizar(datos.get("presentacion")),
            mision=normalizar(datos.get("mision")),
            cuadro2_no_pertinente=bool(cuadro2.get("no_pertinente", False)),
            cuadro2_motivo=normalizar(cuadro2.get("motivo")),
        )
        objetivos = _objetivos(diagnostico, datos.get("objetivos_estrategicos", []))
        productos = _productos(diagnostico, datos.get("productos", []), objetivos)

        def de_numeros(numeros):
            faltan = [n for n in numeros if n not in productos]
            if faltan:
                raise DatosInvalidos(f"No existen los productos {', '.join(faltan)}.")
            return [productos[n] for n in numeros]

        _clientes(diagnostico, datos.get("clientes", []), de_numeros)
        _cuadro1(diagnostico, datos.get("cuadro1", []), centro, de_numeros)
        _cuadro2(diagnostico, cuadro2.get("filas", []), centro)
        _por_posicion(
            list(diagnostico.facultades.all()),
            datos.get("facultades", []),
            lambda: FacultadDesconcentrada(diagnostico=diagnostico),
            lambda f: {
                "ambito": f["ambito"],
                "situacion": f["situacion"],
                "descripcion": normalizar(f["descripcion"]),
            },
        )
        _por_posicion(
            list(diagnostico.sistemas_informacion.all()),
            datos.get("sistemas_informacion", []),
            lambda: SistemaInformacion(diagnostico=diagnostico),
            lambda s: {
                "nombre": normalizar(s["nombre"]),
                "datos_regionales": normalizar(s["datos_regionales"]),
            },
        )
        _por_posicion(
            list(diagnostico.encargados.all()),
            datos.get("encargados", []),
            lambda: EncargadoRed(diagnostico=diagnostico),
            lambda e: {
                "centro": centro(e.get("region")),
                "unidad": normalizar(e.get("unidad")),
                "nombres": normalizar(e["nombres"]),
                "correos": normalizar(e.get("correos")),
            },
        )


def _objetivos(diagnostico, filas) -> dict[int, ObjetivoEstrategico]:
    existentes = {o.numero: o for o in diagnostico.objetivos.all()}
    resultado = {}
    for fila in filas:
        numero = int(fila["numero"])
        objetivo = existentes.pop(numero, None) or ObjetivoEstrategico(
            diagnostico=diagnostico, numero=numero
        )
        carga.guardar_si_cambia(objetivo, descripcion=normalizar(fila["descripcion"]))
        resultado[numero] = objetivo
    for sobrante in existentes.values():
        sobrante.delete()
    return resultado


def _productos(diagnostico, filas, objetivos) -> dict[str, ProductoEstrategico]:
    numeros = [str(f["numero"]) for f in filas]
    for numero in numeros:
        if not NUMERO.match(numero):
            raise DatosInvalidos(f"Número de producto inválido: {numero!r}.")
        padre = numero.rsplit(".", 1)[0] if "." in numero else None
        if padre and padre not in numeros:
            raise DatosInvalidos(f"Falta el producto {padre}, del que depende {numero}.")
    if len(set(numeros)) != len(numeros):
        raise DatosInvalidos("Hay números de producto repetidos.")
    existentes = {p.numero: p for p in diagnostico.productos.all()}
    # Surplus products first (children before their parent), so no number is reused meanwhile.
    for numero in sorted(set(existentes) - set(numeros), key=_clave_numero, reverse=True):
        existentes.pop(numero).delete()
    resultado = {}
    for orden, fila in enumerate(sorted(filas, key=lambda f: _clave_numero(str(f["numero"]))), 1):
        numero = str(fila["numero"])
        padre = resultado[numero.rsplit(".", 1)[0]] if "." in numero else None
        producto = existentes.get(numero) or ProductoEstrategico(
            diagnostico=diagnostico, numero=numero
        )
        causales = set(fila.get("causales", []))
        desconocidas = causales - set(CAUSALES)
        if desconocidas:
            raise DatosInvalidos(f"Causales desconocidas: {', '.join(sorted(desconocidas))}.")
        carga.guardar_si_cambia(
            producto,
            padre=padre,
            orden=orden,
            nombre=normalizar(fila["nombre"]),
            aplica_pt=fila.get("aplica_pt", ""),
            causal_texto=normalizar(fila.get("causal_texto")),
            fundamento=normalizar(fila.get("fundamento")),
            **{campo: clave in causales for clave, campo in CAUSALES.items()},
        )
        faltan = [n for n in fila.get("objetivos", []) if int(n) not in objetivos]
        if faltan:
            raise DatosInvalidos(f"El producto {numero} cita objetivos inexistentes: {faltan}.")
        _enlazar(producto.objetivos, [objetivos[int(n)] for n in fila.get("objetivos", [])])
        resultado[numero] = producto
    return resultado


def _clientes(diagnostico, filas, de_numeros) -> None:
    existentes = {c.numero: c for c in diagnostico.clientes.all()}
    for fila in filas:
        numero = int(fila["numero"])
        cliente = existentes.pop(numero, None) or Cliente(diagnostico=diagnostico, numero=numero)
        carga.guardar_si_cambia(cliente, nombre=normalizar(fila["nombre"]))
        _enlazar(cliente.productos, de_numeros(fila.get("productos", [])))
    for sobrante in existentes.values():
        sobrante.delete()


def _agrupar_por_region(filas) -> dict:
    grupos: dict = {}
    for fila in filas:
        grupos.setdefault(fila.get("region"), []).append(fila)
    return grupos


def _cuadro1(diagnostico, filas, centro, de_numeros) -> None:
    """Rows matched by position within their region; orden = position (1, 2…)."""
    existentes: dict = {}
    for fila in diagnostico.filas_cuadro1.order_by("orden", "id"):
        existentes.setdefault(fila.centro_id, []).append(fila)
    for codigo, grupo in _agrupar_por_region(filas).items():
        c = centro(codigo)
        previas = existentes.pop(c.pk if c else None, [])
        for orden, fila in enumerate(grupo, start=1):
            # 0–3 causales per row (a version frozen earlier has one "causal": causales_de).
            desconocidas = set(causales_de(fila)) - set(CAUSALES)
            if desconocidas:
                raise DatosInvalidos(
                    f"Cuadro I N°1, región {codigo or 'del Servicio'}: causales desconocidas: "
                    f"{', '.join(sorted(desconocidas))}."
                )
            objeto = (
                previas[orden - 1]
                if orden <= len(previas)
                else FilaCuadro1(diagnostico=diagnostico)
            )
            carga.guardar_si_cambia(
                objeto,
                centro=c,
                orden=orden,
                producto_texto=normalizar(fila.get("producto_texto")),
                causales=unir_causales(causales_de(fila)),
                **{campo: normalizar(fila.get(campo)) for campo in CAMPOS_CUADRO1},
            )
            _enlazar(objeto.productos, de_numeros(fila.get("productos", [])))
        for sobrante in previas[len(grupo) :]:
            sobrante.delete()
    for sobrantes in existentes.values():
        for sobrante in sobrantes:
            sobrante.delete()


def _cuadro2(diagnostico, filas, centro) -> None:
    """One row per region and type of information (the model's unique constraint)."""
    existentes = {(f.centro_id, f.informacion): f for f in diagnostico.filas_cuadro2.all()}
    vistas = set()
    for fila in filas:
        c = centro(fila.get("region"))
        clave = (c.pk if c else None, fila["informacion"])
        if clave in vistas:
            raise DatosInvalidos(
                f"Cuadro I N°2 repetido: región {fila.get('region')}, {fila['informacion']}."
            )
        vistas.add(clave)
        objeto = existentes.pop(clave, None) or FilaCuadro2(
            diagnostico=diagnostico, centro=c, informacion=fila["informacion"]
        )
        textos = {campo: normalizar(fila.get(campo)) for campo in CAMPOS_CUADRO2}
        carga.guardar_si_cambia(objeto, **textos)
    for sobrante in existentes.values():
        sobrante.delete()


def _por_posicion(existentes, filas, nuevo, valores) -> None:
    for i, fila in enumerate(filas):
        carga.guardar_si_cambia(existentes[i] if i < len(existentes) else nuevo(), **valores(fila))
    for sobrante in existentes[len(filas) :]:
        sobrante.delete()
