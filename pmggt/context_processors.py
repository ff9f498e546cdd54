from . import avisos, permisos, selectors
from .models import Servicio


def navegacion(request):
    usuario = getattr(request, "user", None)
    if usuario is None or not usuario.is_authenticated:
        return {}
    return {
        # Lazy: only pages that show the badge pay its query, a bare COUNT (Mis pendientes
        # passes the length of its own list instead).
        "num_pendientes": lambda: selectors.num_pendientes(usuario),
        "es_administrador": permisos.es_administrador(usuario),
        # Unread in-app notifications (pmggt.avisos); lazy like the badge above.
        "num_avisos": lambda: avisos.num_no_leidos(usuario),
        # Subrogancias (pmggt.views_subrogancia): Jefes/as, administrators and current
        # subrogantes (who hold the Jefe/a's grants by it), from the grants already read.
        "ve_subrogancias": lambda: (
            permisos.es_administrador(usuario)
            or bool(permisos.ids_con(usuario, "aprobar_documentos", Servicio))
        ),
        # Auditor's dossiers (pmggt.views_dossier): linked for administrators, Expertos and
        # Jefes/as (anyone who reads a Servicio in full may open the page).
        "ve_expedientes": lambda: (
            permisos.es_administrador(usuario)
            or bool(permisos.ids_con(usuario, "visar_documentos", Servicio))
            or bool(permisos.ids_con(usuario, "aprobar_documentos", Servicio))
        ),
        # The national dashboard: administrators and Expertos (pmggt.tablero).
        "ve_tablero": lambda: (
            permisos.es_administrador(usuario)
            or bool(permisos.ids_con(usuario, "visar_documentos", Servicio))
        ),
    }
