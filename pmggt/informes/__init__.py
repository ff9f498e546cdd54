"""Reports toolkit of the core: every stage declares its reports (``etapas.Informe``) and this
package builds them, for the one download view (``pmggt.informes.views``) and the one command
(``exportar_informe``).

- ``pdf``: WeasyPrint rendering (restricted URL fetcher, time cap, PDF/A-3b) and what every
  report prints (identification, state, version and hash, V°B°).
- ``excel``: styles, formula-safe cells, title/header rows, a sheet per region plus a
  consolidated one, and the all-or-nothing import framework.
- ``cache``: PDFs of visado versions, rendered once and served from storage by the view.
"""

from dataclasses import dataclass

from pmggt import etapas

from . import pdf
from .pdf import InformeDemasiadoLento, InformeError, RegionNoEncontrada

__all__ = [
    "Archivo",
    "InformeDemasiadoLento",
    "InformeError",
    "RegionNoEncontrada",
    "generar",
    "nombre_archivo",
]

TIPOS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Archivo:
    nombre: str
    contenido: bytes
    tipo: str
    paginas: int | None = None  # PDF only
    segundos: float | None = None  # PDF render time


def nombre_archivo(documento, informe: etapas.Informe, region: str | None = None) -> str:
    partes = [documento.servicio.sigla, str(documento.ciclo.anio), informe.nombre]
    if region and informe.regiones is not None:
        partes.append(region)
    return "-".join(partes) + f".{informe.formato}"


def regiones_de(documento, informe: etapas.Informe) -> set[str]:
    return set(informe.regiones(documento)) if informe.regiones else set()


def generar(documento, informe: etapas.Informe, region: str | None = None, usuario=None):
    """Build one declared report of this document. ``region``: only that region's part."""
    if informe.regiones is None:
        region = None
    elif region is not None and region not in regiones_de(documento, informe):
        raise RegionNoEncontrada(f"El documento no tiene la región «{region}».")
    resultado = informe.construir(documento, region, usuario)
    nombre = nombre_archivo(documento, informe, region)
    if informe.formato == "pdf":
        # Looked up at call time: tests replace pdf.renderizar with a stub.
        impreso = pdf.renderizar(resultado)
        return Archivo(nombre, impreso.contenido, TIPOS["pdf"], impreso.paginas, impreso.segundos)
    return Archivo(nombre, resultado, TIPOS[informe.formato])
