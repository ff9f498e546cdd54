from .avisos import AjustesAvisos, Aviso
from .calendario import Plazo, Prorroga
from .cuentas import Perfil
from .documentos import Documento, Observacion, Transicion, VersionDocumento
from .dossier import Dossier
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
from .subrogancia import Subrogancia

__all__ = [
    "AjustesAvisos",
    "Aviso",
    "Dossier",
    "Perfil",
    "Plazo",
    "Prorroga",
    "Subrogancia",
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
