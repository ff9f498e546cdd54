"""Writes of the shared core: role groups and grants, documents, observaciones."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from . import etapas, permisos
from .historia import actuando_como
from .models import (
    Centro,
    CentroGroupObjectPermission,
    CentroUserObjectPermission,
    Ciclo,
    Documento,
    GobiernoRegional,
    GoreGroupObjectPermission,
    GrupoRol,
    Observacion,
    Servicio,
    ServicioGroupObjectPermission,
    Transicion,
)
from .workflow import DatosInvalidos, EstadoInvalido, SinPermiso

Tipo = GrupoRol.Tipo

# Object permissions each role holds: {tipo: [(target, [codenames])]}.
PERMISOS_ROL = {
    Tipo.ENCARGADO_GT: [("servicio", ["ver_documentos", "editar_documentos"])],
    Tipo.JEFE: [("servicio", ["ver_documentos", "aprobar_documentos"])],
    Tipo.EXPERTO: [("servicio", ["ver_documentos", "visar_documentos"])],
    Tipo.ENCARGADO_CENTRO: [("centro", ["editar_centro"]), ("servicio", ["ver_documentos"])],
    Tipo.GORE: [("gore", ["ver_region"])],
}
ROLES_DE_SERVICIO = [Tipo.ENCARGADO_GT, Tipo.JEFE, Tipo.EXPERTO]

# Model permissions of the Administradores SUBDERE group (the admin site).
PERMISOS_ADMINISTRADOR = {
    "pmggt": ["region", "gobiernoregional", "servicio", "centro", "ciclo", "gruporol"],
    "auth": ["user"],
}
NOMBRE_GRUPO_ADMINISTRADORES = "Administradores/as SUBDERE"


def _nombre_grupo(tipo: str, objeto) -> str:
    """What tells groups apart goes first: lists and pickers cut long names at the end."""
    etiqueta = Tipo(tipo).label
    if isinstance(objeto, Servicio):
        return f"{objeto.sigla} · {etiqueta}"
    if isinstance(objeto, Centro):
        return f"{objeto.servicio.sigla} {objeto.region.codigo} · {etiqueta}"
    return f"GORE {objeto.region.codigo} · {etiqueta}"


@transaction.atomic
def rol_grupo(*, tipo: str, objeto) -> Group:
    """The per-object group of this role, created with its grants if missing."""
    campo = {Servicio: "servicio", Centro: "centro", GobiernoRegional: "gore"}[type(objeto)]
    rol = GrupoRol.objects.select_related("grupo").filter(tipo=tipo, **{campo: objeto}).first()
    if rol is not None:
        nombre = _nombre_grupo(tipo, objeto)
        if rol.grupo.name != nombre:  # the Servicio's sigla changed
            rol.grupo.name = nombre
            rol.grupo.save(update_fields=["name"])
        return rol.grupo
    grupo, _ = Group.objects.get_or_create(name=_nombre_grupo(tipo, objeto))
    rol = GrupoRol(tipo=tipo, grupo=grupo, **{campo: objeto})
    if isinstance(objeto, Centro):
        rol.servicio = objeto.servicio
    rol.save()
    for destino, codenames in PERMISOS_ROL[tipo]:
        objetivo = objeto.servicio if destino == "servicio" and campo == "centro" else objeto
        for codename in codenames:
            assign_perm(f"pmggt.{codename}", grupo, objetivo)
    return grupo


def roles_asegurar(objeto) -> list[Group]:
    """Create every role group an organisation needs (idempotent)."""
    if isinstance(objeto, Servicio):
        tipos = ROLES_DE_SERVICIO
    elif isinstance(objeto, Centro):
        tipos = [Tipo.ENCARGADO_CENTRO]
    else:
        tipos = [Tipo.GORE]
    return [rol_grupo(tipo=tipo, objeto=objeto) for tipo in tipos]


@transaction.atomic
def grupo_administradores() -> Group:
    grupo, _ = Group.objects.get_or_create(name=NOMBRE_GRUPO_ADMINISTRADORES)
    if not hasattr(grupo, "rol"):
        GrupoRol.objects.create(grupo=grupo, tipo=Tipo.ADMINISTRADOR)
    permisos_modelo = Permission.objects.filter(
        content_type__app_label="pmggt", codename="administrar_pmggt"
    )
    for app, modelos in PERMISOS_ADMINISTRADOR.items():
        codenames = [f"{accion}_{m}" for m in modelos for accion in ("add", "change", "view")]
        permisos_modelo |= Permission.objects.filter(
            content_type__app_label=app, codename__in=codenames
        )
    grupo.permissions.add(*permisos_modelo)
    return grupo


def rol_asignar(*, usuario, tipo: str, objeto=None) -> None:
    grupo = (
        grupo_administradores()
        if tipo == Tipo.ADMINISTRADOR
        else rol_grupo(tipo=tipo, objeto=objeto)
    )
    # Adding an existing member would still write a history row: skip it (idempotent).
    if not usuario.groups.filter(pk=grupo.pk).exists():
        usuario.groups.add(grupo)
    if tipo == Tipo.ADMINISTRADOR and not usuario.is_staff:
        usuario.is_staff = True
        usuario.save(update_fields=["is_staff"])


def motivo_no_iniciable(definicion: etapas.EtapaDef, visadas: set[int], ciclo) -> str | None:
    """Why this stage cannot start yet (None: it can), given the stages already Visado in the
    same Servicio and Ciclo (numbers)."""
    if definicion.requiere is None or definicion.requiere in visadas:
        return None
    previa = etapas.de(definicion.requiere) if etapas.disponible(definicion.requiere) else None
    nombre = previa.titulo if previa else f"Etapa {definicion.requiere}"
    return (
        f"La {definicion.titulo} del ciclo {ciclo.anio} se inicia cuando la {nombre} del mismo "
        "ciclo esté Visada por SUBDERE."
    )


def etapas_visadas(servicio: Servicio, ciclo: Ciclo) -> set[int]:
    return set(
        Documento.objects.filter(
            servicio=servicio, ciclo=ciclo, version_visada__isnull=False
        ).values_list("etapa", flat=True)
    )


@transaction.atomic
def documento_crear(*, servicio: Servicio, ciclo: Ciclo, etapa: int, actor) -> Documento:
    if not permisos.tiene(actor, "editar_documentos", servicio):
        raise SinPermiso("Solo el Encargado/a GT del Servicio puede crear sus documentos.")
    if not ciclo.abierto:
        raise EstadoInvalido(f"El {ciclo} está cerrado: no se pueden crear documentos.")
    if Documento.objects.filter(servicio=servicio, ciclo=ciclo, etapa=etapa).exists():
        raise DatosInvalidos("Este documento ya existe para el Servicio y el ciclo.")
    definicion = etapas.de(etapa)
    motivo = motivo_no_iniciable(definicion, etapas_visadas(servicio, ciclo), ciclo)
    if motivo:
        raise EstadoInvalido(motivo)
    with actuando_como(actor):
        documento = Documento.objects.create(
            servicio=servicio, ciclo=ciclo, etapa=etapa, creado_por=actor
        )
        Transicion.objects.create(
            documento=documento,
            accion=Transicion.Accion.CREAR,
            estado_destino=documento.estado,
            actor=actor,
        )
        definicion.crear_raiz(documento)
    return documento


CAMPO_GENERAL = ("", "El documento en general")


def campos_observables(documento: Documento, *, fresco=False) -> list[tuple[str, str]]:
    """[(clave, etiqueta)] an observación may point at, from the current content (``fresco``:
    read now, not the content the page already built)."""
    from .versiones import contenido_vigente

    definicion = etapas.de(documento.etapa)
    contenido = definicion.contenido(documento) if fresco else contenido_vigente(documento)
    return [CAMPO_GENERAL] + [
        (clave, etiqueta) for clave, etiqueta, _ in definicion.aplanar(contenido)
    ]


def _validar_destino(documento: Documento, campo: str) -> None:
    if campo and campo not in {c for c, _ in campos_observables(documento, fresco=True)}:
        raise DatosInvalidos("La observación apunta a un campo que no existe en el documento.")


@transaction.atomic
def observacion_crear(
    *, documento: Documento, autor, texto: str, campo: str = "", fila: str = ""
) -> Observacion:
    """An observación outside a return: an Experto at any time, the Jefe/a while reviewing."""
    from .workflow import puede_observar

    if not puede_observar(documento, autor):
        raise SinPermiso(
            "Solo el Experto/a SUBDERE asignado, o el Jefe/a durante su revisión, puede observar."
        )
    if not texto.strip():
        raise DatosInvalidos("Escriba el texto de la observación.")
    _validar_destino(documento, campo)
    with actuando_como(autor):
        return Observacion.objects.create(
            documento=documento,
            version=documento.version_actual,
            autor=autor,
            texto=texto.strip(),
            campo=campo,
            fila=fila,
        )


@transaction.atomic
def observacion_resolver(*, observacion: Observacion, actor) -> Observacion:
    obs = (
        Observacion.objects.select_for_update()
        .select_related("documento__servicio")
        .get(pk=observacion.pk)
    )
    from .workflow import puede_resolver

    if obs.resuelta:
        raise EstadoInvalido("La observación ya estaba resuelta.")
    if not puede_resolver(obs, actor):
        raise SinPermiso("No le corresponde resolver esta observación.")
    if obs.documento.estado != Documento.Estado.BORRADOR:
        raise EstadoInvalido(
            "Las observaciones se resuelven mientras el documento está en Borrador."
        )
    obs.resuelta = True
    obs.resuelta_por = actor
    obs.resuelta_en = timezone.now()
    with actuando_como(actor):
        obs.save()
    return obs


# --- Withdrawing grants: a deactivated or deleted Centro, a deleted role. ---


def rol_permisos_revocar(*, grupo_id: int, tipo: str) -> int:
    """Remove every object permission a role group holds (and the administrators' model
    permissions): the group and its members stay, for the record, but it grants nothing."""
    from guardian.models import GroupObjectPermission

    borradas = 0
    for modelo in (
        ServicioGroupObjectPermission,
        CentroGroupObjectPermission,
        GoreGroupObjectPermission,
        GroupObjectPermission,  # guardian's generic table, in case anything landed there
    ):
        borradas += modelo.objects.filter(group_id=grupo_id).delete()[0]
    if tipo == Tipo.ADMINISTRADOR:
        borradas += Group.permissions.through.objects.filter(group_id=grupo_id).delete()[0]
    return borradas


def centro_permisos_revocar(centro: Centro) -> int:
    """Withdraw the grants of the Centro's role groups (on the Centro and on its Servicio)
    and any other grant on the Centro: its former Encargado/a no longer reads the documents."""
    borradas = 0
    for grupo_id, tipo in GrupoRol.objects.filter(centro=centro).values_list("grupo_id", "tipo"):
        borradas += rol_permisos_revocar(grupo_id=grupo_id, tipo=tipo)
    borradas += CentroGroupObjectPermission.objects.filter(content_object=centro).delete()[0]
    borradas += CentroUserObjectPermission.objects.filter(content_object=centro).delete()[0]
    return borradas


def centro_permisos_otorgar(centro: Centro) -> None:
    """Create the Centro's role groups if missing and (re)grant what PERMISOS_ROL says."""
    for grupo in roles_asegurar(centro):
        tipo = grupo.rol.tipo
        for destino, codenames in PERMISOS_ROL[tipo]:
            objetivo = centro.servicio if destino == "servicio" else centro
            for codename in codenames:
                assign_perm(f"pmggt.{codename}", grupo, objetivo)


def centro_permisos_sincronizar(centro: Centro) -> None:
    """Grants follow Centro.activo: an active Centro's role grants, none for an inactive one."""
    if centro.activo:
        centro_permisos_otorgar(centro)
    else:
        centro_permisos_revocar(centro)


@transaction.atomic
def centro_desactivar(*, centro: Centro, actor) -> int:
    """Deactivate a Centro (never delete it: its history stays) and withdraw its grants."""
    if centro.activo:
        centro.activo = False
        with actuando_como(actor):
            centro.save(update_fields=["activo"])
    return centro_permisos_revocar(centro)


@transaction.atomic
def centro_activar(*, centro: Centro, actor) -> None:
    """Reactivate a Centro: its role group (same members) holds its grants again."""
    if not centro.activo:
        centro.activo = True
        with actuando_como(actor):
            centro.save(update_fields=["activo"])
    with actuando_como(actor):
        centro_permisos_otorgar(centro)
