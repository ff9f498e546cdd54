"""Object permissions: who may see and do what on a Servicio, Centro, GORE or Documento.

Every check goes through guardian's object permissions granted to role groups. Superuser
accounts are technical: they see everything as administrators but never act on the chain.
"""

from django.db.models import Q
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from .models import Centro, Documento, GobiernoRegional, Servicio

# Access levels to a document, from most to least.
CONTENIDO = "contenido"  # may read the whole document
CONOCE = "conoce"  # knows it exists (it concerns them) but may not open it now


def es_administrador(usuario) -> bool:
    if not (usuario.is_authenticated and usuario.is_active):
        return False
    return usuario.is_superuser or usuario.has_perm("pmggt.administrar_pmggt")


def permisos_sobre(usuario, objeto) -> set[str]:
    """Codenames this user holds on this object, cached on the user for the request."""
    if not (usuario.is_authenticated and usuario.is_active) or usuario.is_superuser:
        return set()
    cache = usuario.__dict__.setdefault("_pmggt_permisos", {})
    clave = (objeto._meta.label, objeto.pk)
    if clave not in cache:
        cache[clave] = set(ObjectPermissionChecker(usuario).get_perms(objeto))
    return cache[clave]


def tiene(usuario, codename: str, objeto) -> bool:
    return codename in permisos_sobre(usuario, objeto)


def objetos_con(usuario, codename: str, klass):
    """Objects of klass on which the user holds codename through an object grant."""
    if not (usuario.is_authenticated and usuario.is_active) or usuario.is_superuser:
        return klass.objects.none()
    return get_objects_for_user(
        usuario,
        f"pmggt.{codename}",
        klass=klass,
        accept_global_perms=False,
        with_superuser=False,
    )


def centros_editables(usuario, servicio=None):
    qs = objetos_con(usuario, "editar_centro", Centro)
    return qs.filter(servicio=servicio) if servicio is not None else qs


def gores_de(usuario):
    return objetos_con(usuario, "ver_region", GobiernoRegional)


def q_concierne_a_gores(gores, prefijo: str = "") -> Q:
    """Documents (or Servicios, with prefijo="") that concern the regions of these GOREs."""
    regiones = gores.values("region_id")
    return Q(**{f"{prefijo}region__in": regiones}) | Q(
        **{f"{prefijo}centros__region__in": regiones}
    )


def concierne_a_gore(usuario, servicio: Servicio) -> bool:
    gores = gores_de(usuario)
    return Servicio.objects.filter(pk=servicio.pk).filter(q_concierne_a_gores(gores)).exists()


def nivel_acceso_servicio(usuario, servicio: Servicio) -> str | None:
    """CONTENIDO for the Servicio's own people and administrators; CONOCE for its GOREs."""
    if not (usuario.is_authenticated and usuario.is_active):
        return None
    if es_administrador(usuario) or tiene(usuario, "ver_documentos", servicio):
        return CONTENIDO
    if concierne_a_gore(usuario, servicio):
        return CONOCE
    return None


def nivel_acceso(usuario, documento: Documento) -> str | None:
    if not (usuario.is_authenticated and usuario.is_active):
        return None
    if es_administrador(usuario) or tiene(usuario, "ver_documentos", documento.servicio):
        return CONTENIDO
    if concierne_a_gore(usuario, documento.servicio):
        # A GORE reads the last visado version (also while a modification is in progress).
        return CONTENIDO if documento.version_visada is not None else CONOCE
    return None
