"""Object permissions: who may see and do what on a Servicio, Centro, GORE or Documento.

Every check goes through guardian's object permissions granted to role groups. Superuser
accounts are technical: they see everything as administrators but never act on the chain.

A user's grants are read once per request (``concedidos``): one query over the direct
permission tables (``models/roles.py``) and the global administrator permission, kept on the
user object, which Django builds anew for each request. Every check and every selector uses
those ids; none asks the permission tables again.
"""

from django.contrib.auth.models import Permission, User
from django.db.models import CharField, IntegerField, Q, Value
from django.db.models.functions import Cast

from . import calendario
from .models import Centro, Documento, GobiernoRegional, Servicio, Subrogancia
from .models.roles import (
    CentroGroupObjectPermission,
    CentroUserObjectPermission,
    GoreGroupObjectPermission,
    GoreUserObjectPermission,
    ServicioGroupObjectPermission,
    ServicioUserObjectPermission,
)

# Access levels to a document, from most to least.
CONTENIDO = "contenido"  # may read the whole document
CONOCE = "conoce"  # knows it exists (it concerns them) but may not open it now


_CACHE = "_pmggt_concedidos"
_GLOBAL = "global"
_ADMINISTRAR = "administrar_pmggt"
# (table, how it reaches the user, the label its ids are kept under)
_TABLAS = (
    (ServicioUserObjectPermission, "user", Servicio._meta.label),
    (ServicioGroupObjectPermission, "group__user", Servicio._meta.label),
    (CentroUserObjectPermission, "user", Centro._meta.label),
    (CentroGroupObjectPermission, "group__user", Centro._meta.label),
    (GoreUserObjectPermission, "user", GobiernoRegional._meta.label),
    (GoreGroupObjectPermission, "group__user", GobiernoRegional._meta.label),
)


# Subrogancia (pmggt.subrogancia): while one is in force its subrogante holds the Jefe/a's grants
# on that Servicio. Its union part yields (_SUBROGANCIA, servicio id as text, subrogancia id);
# ``concedidos`` turns each row into these Servicio grants and keeps, under
# (_SUBROGANCIA, _POR_SUBROGANCIA), the Servicios whose approval the user holds only by it.
_SUBROGANCIA = "subrogancia"
_POR_SUBROGANCIA = "servicios"
CODENAMES_JEFE = ("ver_documentos", "aprobar_documentos")  # services.PERMISOS_ROL[JEFE]


def _activo(usuario) -> bool:
    return bool(usuario.is_authenticated and usuario.is_active)


def concedidos(usuario) -> dict[tuple[str, str], frozenset[int]]:
    """{(model label, codename): ids} of this user's object grants, plus
    ``("global", "administrar_pmggt")`` when held globally. One query, once per user object."""
    if not _activo(usuario) or usuario.is_superuser:
        return {}
    cache = usuario.__dict__.get(_CACHE)
    if cache is not None:
        return cache

    # The user's groups as a subquery of the membership table: ``group__user`` would join
    # auth_group (every role group in the country) for nothing.
    grupos = User.groups.through.objects.filter(user_id=usuario.pk).values("group_id")

    def filas(modelo, camino, etiqueta):
        filtro = {"group_id__in": grupos} if camino == "group__user" else {camino: usuario}
        return (
            modelo.objects.filter(**filtro)
            .annotate(_t=Value(etiqueta, output_field=CharField()))
            .values_list("_t", "permission__codename", "content_object_id")
            .order_by()
        )

    globales = (
        Permission.objects.filter(
            Q(user=usuario) | Q(group__user=usuario),
            codename=_ADMINISTRAR,
            content_type__app_label="pmggt",
        )
        .annotate(
            _t=Value(_GLOBAL, output_field=CharField()), _i=Value(0, output_field=IntegerField())
        )
        .values_list("_t", "codename", "_i")
        .order_by()
    )
    partes = [filas(*tabla) for tabla in _TABLAS]
    # Subrogancias in force today (``hasta`` inclusive, not revoked): the date is in the query,
    # so one ends by itself. Same query (one more part of the union).
    hoy = calendario.hoy()
    partes.append(
        Subrogancia.objects.en_vigor(hoy)
        .filter(subrogante_id=usuario.pk)
        .annotate(
            _t=Value(_SUBROGANCIA, output_field=CharField()),
            _c=Cast("servicio_id", output_field=CharField()),
        )
        .values_list("_t", "_c", "pk")
        .order_by()
    )
    ids: dict[tuple[str, str], set[int]] = {}
    subrogadas: dict[int, int] = {}  # servicio id -> subrogancia id
    for etiqueta, codename, pk in globales.union(*partes, all=True):
        if etiqueta == _SUBROGANCIA:
            subrogadas.setdefault(int(codename), pk)
        else:
            ids.setdefault((etiqueta, codename), set()).add(pk)
    servicio = Servicio._meta.label
    propias = set(ids.get((servicio, "aprobar_documentos"), ()))
    for servicio_id, subrogancia_id in subrogadas.items():
        for codename in CODENAMES_JEFE:
            ids.setdefault((servicio, codename), set()).add(servicio_id)
        if servicio_id not in propias:  # holding the role directly is not «por subrogancia»
            ids.setdefault((_SUBROGANCIA, _POR_SUBROGANCIA), set()).add(servicio_id)
            ids[(_SUBROGANCIA, str(servicio_id))] = {subrogancia_id}
    cache = usuario.__dict__[_CACHE] = {clave: frozenset(v) for clave, v in ids.items()}
    return cache


def servicios_por_subrogancia(usuario) -> frozenset[int]:
    """Servicios whose Jefe/a grants this user holds today only through a subrogancia."""
    return concedidos(usuario).get((_SUBROGANCIA, _POR_SUBROGANCIA), frozenset())


def subrogancia_en(usuario, servicio) -> int | None:
    """The id of the subrogancia through which this user acts as Jefe/a of this Servicio today
    (None: none, or the user holds the role directly)."""
    servicio_id = getattr(servicio, "pk", servicio)
    ids = concedidos(usuario).get((_SUBROGANCIA, str(servicio_id)))
    return next(iter(ids)) if ids else None


def olvidar(usuario) -> None:
    """Drop the grants kept on this user object (after changing its groups or grants)."""
    usuario.__dict__.pop(_CACHE, None)
    usuario.__dict__.pop("_perm_cache", None)
    usuario.__dict__.pop("_user_perm_cache", None)
    usuario.__dict__.pop("_group_perm_cache", None)


def ids_con(usuario, codename: str, klass) -> frozenset[int]:
    return concedidos(usuario).get((klass._meta.label, codename), frozenset())


def es_administrador(usuario) -> bool:
    if not _activo(usuario):
        return False
    return usuario.is_superuser or (_GLOBAL, _ADMINISTRAR) in concedidos(usuario)


def permisos_sobre(usuario, objeto) -> set[str]:
    """Codenames this user holds on this object through an object grant."""
    etiqueta = objeto._meta.label
    return {c for (e, c), ids in concedidos(usuario).items() if e == etiqueta and objeto.pk in ids}


def tiene(usuario, codename: str, objeto) -> bool:
    return objeto.pk in ids_con(usuario, codename, type(objeto))


def objetos_con(usuario, codename: str, klass):
    """Objects of klass on which the user holds codename through an object grant."""
    ids = ids_con(usuario, codename, klass)
    if not ids:
        return klass.objects.none()
    return klass.objects.filter(pk__in=sorted(ids))


def centros_editables(usuario, servicio=None):
    qs = objetos_con(usuario, "editar_centro", Centro)
    return qs.filter(servicio=servicio) if servicio is not None else qs


def gores_de(usuario):
    return objetos_con(usuario, "ver_region", GobiernoRegional)


def q_concierne_a_gores(gores, prefijo: str = "") -> Q:
    """Documents (or Servicios, with prefijo="") that concern the regions of these GOREs."""
    regiones = gores.values("region_id")
    # A subquery of the Centros' Servicios, not a join through them: no duplicate rows, and
    # the planner does not join every Centro.
    con_centro = Centro.objects.filter(region__in=regiones).values("servicio_id")
    return Q(**{f"{prefijo}region__in": regiones}) | Q(
        **{f"{prefijo}in" if prefijo else "pk__in": con_centro}
    )


def concierne_a_gore(usuario, servicio: Servicio) -> bool:
    if not ids_con(usuario, "ver_region", GobiernoRegional):
        return False
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
