from . import permisos, selectors


def navegacion(request):
    usuario = getattr(request, "user", None)
    if usuario is None or not usuario.is_authenticated:
        return {}
    return {
        # Lazy: only pages that show the badge pay its query, a bare COUNT (Mis pendientes
        # passes the length of its own list instead).
        "num_pendientes": lambda: selectors.num_pendientes(usuario),
        "es_administrador": permisos.es_administrador(usuario),
    }
