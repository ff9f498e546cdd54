from . import permisos, selectors


def navegacion(request):
    usuario = getattr(request, "user", None)
    if usuario is None or not usuario.is_authenticated:
        return {}
    return {
        # Lazy: only pages that show the badge pay the query.
        "num_pendientes": lambda: selectors.documentos_pendientes_para(usuario).count(),
        "es_administrador": permisos.es_administrador(usuario),
    }
