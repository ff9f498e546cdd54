"""Writes of the Diagnóstico: sections, products, cuadro rows, with the regional rule.

Every write goes through the core's one edit guard (``pmggt.acceso.edicion``): it locks the
document row, checks that it is in Borrador and that the actor may edit that part, and names
the actor in the history. Here pasted text is normalised and rows are saved one by one so that
the history records every change. Forms, htmx rows, the Excel import and the demo loader all
write through this guard.
"""

import re
from contextlib import contextmanager

from pmggt import acceso, concurrencia
from pmggt.models import Centro, Documento
from pmggt.texto import normalizar
from pmggt.workflow import DatosInvalidos, SinPermiso

from .contenido import CAMPOS_CUADRO1, CAMPOS_CUADRO2, recordar_editables
from .models import (
    Diagnostico,
    FilaCuadro1,
    FilaCuadro2,
    ProductoEstrategico,
    lista_causales,
    unir_causales,
)

NUMERO_PRODUCTO = re.compile(r"^\d{1,3}(\.\d{1,3}){0,2}$")


@contextmanager
def edicion(
    documento: Documento, actor, centro_id=None, *, huella=None, parte=None, diagnostico=None
):
    """The edit guard on one part of the Diagnóstico; yields its Diagnostico.

    ``huella``/``parte``: optimistic concurrency — ``parte(diagnostico)`` gives the history
    querysets of the part being written (see ``historiales_de``). ``diagnostico``: the
    document's Diagnostico if the caller has it (one query less); its row is not written here,
    only its pk is used, so it need not be read under the lock."""
    cargado = []

    def el_diagnostico():
        if not cargado:
            cargado.append(diagnostico or Diagnostico.objects.get(documento_id=documento.pk))
        return cargado[0]

    historiales = None
    if parte is not None:

        def historiales():
            return parte(el_diagnostico())

    with acceso.edicion(
        documento, actor, centro_id=centro_id, huella=huella, historiales=historiales
    ) as (doc, editables):
        # The page drawn after the write needs them too (who edits and resolves what).
        recordar_editables(documento, actor, editables, estado=doc.estado)
        yield el_diagnostico()


# --- The parts users edit, for optimistic concurrency ------------------------------------------

SECCIONES = {
    "definiciones": ("Diagnostico", "ObjetivoEstrategico"),
    "productos": ("ProductoEstrategico",),
    "clientes": ("Cliente",),
    "otros": ("FacultadDesconcentrada", "SistemaInformacion", "EncargadoRed"),
}


def historiales_seccion(nombre: str):
    """parte(diagnostico) -> the history querysets of a Servicio-level section."""
    from . import models

    def parte(diagnostico):
        resultado = []
        for modelo in SECCIONES[nombre]:
            clase = getattr(models, modelo)
            if clase is Diagnostico:
                resultado.append(Diagnostico.history.filter(id=diagnostico.pk))
            else:
                resultado.append(clase.history.filter(diagnostico_id=diagnostico.pk))
        return resultado

    return parte


def recordar_ultima_historia(sender, instance, history_date, **kwargs):
    """A Cuadro I N°1 row just saved remembers when (its newest history record): its huella,
    with no query to read it back (connected in diagnostico.apps)."""
    if isinstance(instance, FilaCuadro1):
        instance.ultima = history_date


def huella_fila(fila: FilaCuadro1) -> str:
    """The row's huella: from its last save in this request, else from its history."""
    ultima = getattr(fila, "ultima", None)
    if ultima is not None:
        return ultima.isoformat()
    return concurrencia.huella(historiales_fila(fila.pk)(fila.diagnostico))


def historiales_fila(fila_pk: int):
    def parte(diagnostico):
        return [FilaCuadro1.history.filter(id=fila_pk, diagnostico_id=diagnostico.pk)]

    return parte


def historiales_cuadro2(centro_id):
    def parte(diagnostico):
        return [FilaCuadro2.history.filter(diagnostico_id=diagnostico.pk, centro_id=centro_id)]

    return parte


# ``centro`` not given: found from the region code.
BUSCAR = object()


def _centro(documento: Documento, region: str | None, centro=BUSCAR) -> Centro | None:
    if centro is not BUSCAR:
        return centro  # the caller found it already (the region of its URL)
    if region is None:
        return None
    return Centro.objects.select_related("region").get(
        servicio_id=documento.servicio_id, region__codigo=region
    )


def fila_cuadro1_guardar(
    *,
    documento: Documento,
    actor,
    region: str | None,
    datos: dict,
    fila: FilaCuadro1 | None = None,
    huella: str | None = None,
    centro=BUSCAR,
    diagnostico: Diagnostico | None = None,
    productos_actuales=None,
) -> FilaCuadro1:
    """Create (fila=None) or update a Cuadro I N°1 row of a region (None: the Servicio's).

    ``centro`` (the region's Centro), ``diagnostico`` and ``productos_actuales`` (the row's
    products, read before the edit): when the caller has them already. A product list read
    before the lock is safe with a huella: a change in between is refused by its check."""
    centro = _centro(documento, region, centro)
    parte = historiales_fila(fila.pk) if fila is not None else None
    with edicion(
        documento,
        actor,
        centro.pk if centro else None,
        huella=huella,
        parte=parte,
        diagnostico=diagnostico,
    ) as diagnostico:
        productos = list(datos.get("productos") or [])
        producto_texto = normalizar(datos.get("producto_texto", ""))
        if not productos and not producto_texto.strip():
            raise DatosInvalidos(
                "Escriba el producto/subproducto (1) o vincule al menos un producto del "
                "Diagnóstico."
            )
        if any(p.diagnostico_id != diagnostico.pk for p in productos):
            raise DatosInvalidos("Un producto indicado no pertenece a este Diagnóstico.")
        if fila is None:
            ultimo = (
                FilaCuadro1.objects.filter(diagnostico=diagnostico, centro=centro)
                .order_by("-orden")
                .values_list("orden", flat=True)
                .first()
            )
            fila = FilaCuadro1(diagnostico=diagnostico, centro=centro, orden=(ultimo or 0) + 1)
        elif fila.diagnostico_id != diagnostico.pk or fila.centro_id != (centro and centro.pk):
            raise SinPermiso("La fila no pertenece a esta región del Diagnóstico.")
        fila.producto_texto = producto_texto
        # 0–3 causales, as codes or their stored form ("coordinacion,acceso"); no other value.
        codigos = datos.get("causales") or []
        if isinstance(codigos, str):
            codigos = [c.strip() for c in codigos.split(",") if c.strip()]
        desconocidas = sorted(set(codigos) - set(lista_causales(",".join(codigos))))
        if desconocidas:
            raise DatosInvalidos(f"Causal no válida: {', '.join(desconocidas)}.")
        fila.causales = unir_causales(codigos)
        for campo in CAMPOS_CUADRO1:
            setattr(fila, campo, normalizar(datos.get(campo, "")))
        nueva = fila.pk is None
        fila.save()
        if nueva:
            fila.productos.add(*productos)
        else:
            if productos_actuales is None:
                productos_actuales = fila.productos.all()
            if set(productos_actuales) != set(productos):
                fila.productos.set(productos)
    return fila


def fila_cuadro1_eliminar(*, fila: FilaCuadro1, actor, huella: str | None = None) -> None:
    with edicion(
        fila.diagnostico.documento,
        actor,
        fila.centro_id,
        huella=huella,
        parte=historiales_fila(fila.pk),
        diagnostico=fila.diagnostico,
    ):
        fila.delete()


def fila_cuadro1_mover(*, fila: FilaCuadro1, actor, arriba: bool) -> None:
    """Swap the row with its neighbour in the same region."""
    with edicion(fila.diagnostico.documento, actor, fila.centro_id, diagnostico=fila.diagnostico):
        _mover(fila, arriba)


def _mover(fila: FilaCuadro1, arriba: bool) -> None:
    hermanas = list(
        FilaCuadro1.objects.filter(diagnostico_id=fila.diagnostico_id, centro_id=fila.centro_id)
    )
    i = next(i for i, f in enumerate(hermanas) if f.pk == fila.pk)
    j = i - 1 if arriba else i + 1
    if not 0 <= j < len(hermanas):
        return
    hermanas[i], hermanas[j] = hermanas[j], hermanas[i]
    for orden, f in enumerate(hermanas, start=1):
        if f.orden != orden:
            f.orden = orden
            f.save(update_fields=["orden"])


def cuadro2_guardar(
    *,
    documento: Documento,
    actor,
    region: str | None,
    filas: dict,
    huella: str | None = None,
    centro=BUSCAR,
    diagnostico: Diagnostico | None = None,
) -> None:
    """Save a region's Cuadro I N°2: {informacion: {campo: texto}} for the four rows."""
    centro = _centro(documento, region, centro)
    centro_id = centro.pk if centro else None
    with edicion(
        documento,
        actor,
        centro_id,
        huella=huella,
        parte=historiales_cuadro2(centro_id),
        diagnostico=diagnostico,
    ) as diagnostico:
        existentes = {
            f.informacion: f
            for f in FilaCuadro2.objects.filter(diagnostico=diagnostico, centro=centro)
        }
        for informacion, valores in filas.items():
            textos = {c: normalizar(valores.get(c, "")) for c in CAMPOS_CUADRO2}
            fila = existentes.get(informacion)
            if fila is None:
                if not any(textos.values()):
                    continue
                fila = FilaCuadro2(diagnostico=diagnostico, centro=centro, informacion=informacion)
            elif all(getattr(fila, c) == t for c, t in textos.items()):
                continue
            for campo, texto in textos.items():
                setattr(fila, campo, texto)
            fila.save()


def seccion_guardar(
    *,
    documento: Documento,
    actor,
    guardar,
    seccion: str | None = None,
    huella=None,
    diagnostico: Diagnostico | None = None,
) -> None:
    """Save a Servicio-level section (Encargado/a GT only) through the given callable."""
    parte = historiales_seccion(seccion) if seccion else None
    with edicion(documento, actor, huella=huella, parte=parte, diagnostico=diagnostico):
        guardar()


def validar_numero_producto(numero: str, existentes: set[str]) -> str | None:
    """Why a product number is not acceptable (None when it is)."""
    if not NUMERO_PRODUCTO.match(numero):
        return "Use números separados por puntos, p. ej. 1, 1.2 o 1.2.3."
    if numero in existentes:
        return f"El número {numero} está repetido."
    padre = numero.rsplit(".", 1)[0] if "." in numero else None
    if padre and padre not in existentes | {numero}:
        return f"Falta el producto {padre}, del que depende {numero}."
    return None


def productos_enlazar_padres(diagnostico: Diagnostico) -> None:
    """Set padre and orden of every product from its dotted number (after a save)."""
    productos = {p.numero: p for p in ProductoEstrategico.objects.filter(diagnostico=diagnostico)}

    def clave(numero):
        return [int(x) for x in numero.split(".")]

    for orden, numero in enumerate(sorted(productos, key=clave), start=1):
        producto = productos[numero]
        padre = productos.get(numero.rsplit(".", 1)[0]) if "." in numero else None
        if producto.padre_id != (padre.pk if padre else None) or producto.orden != orden:
            producto.padre = padre
            producto.orden = orden
            producto.save(update_fields=["padre", "orden"])
