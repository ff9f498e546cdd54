from .documentos import Documento, Observacion, Transicion, VersionDocumento
from .organizacion import Centro, Ciclo, GobiernoRegional, Region, Servicio
from .roles import (
    CentroGroupObjectPermission,
    CentroUserObjectPermission,
    GoreGroupObjectPermission,
    GoreUserObjectPermission,
    GrupoRol,
    ServicioGroupObjectPermission,
    ServicioUserObjectPermission,
)

__all__ = [
    "Centro",
    "CentroGroupObjectPermission",
    "CentroUserObjectPermission",
    "Ciclo",
    "Documento",
    "GobiernoRegional",
    "GoreGroupObjectPermission",
    "GoreUserObjectPermission",
    "GrupoRol",
    "Observacion",
    "Region",
    "Servicio",
    "ServicioGroupObjectPermission",
    "ServicioUserObjectPermission",
    "Transicion",
    "VersionDocumento",
]
