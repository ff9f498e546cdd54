"""Reference and demo data loaders (idempotent), used by management commands and tests.

``reiniciar_demo`` puts a demo database back to its starting state (``cargar_demo --reiniciar``):
a demo-only tool, the one place where documents and their history are deleted.
"""

import json
import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete

from . import calendario as calendario_mod
from . import etapas, services
from .historia import actuando_como
from .models import (
    Centro,
    Ciclo,
    Documento,
    GobiernoRegional,
    GrupoRol,
    Plazo,
    Prorroga,
    Region,
    Servicio,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CLAVE_DEMO = "demo-pmggt"


def leer(nombre: str):
    """A JSON file of fixtures/ (reference data, the demo and its content)."""
    with open(FIXTURES / nombre, encoding="utf-8") as archivo:
        return json.load(archivo)


def guardar_si_cambia(obj, **valores) -> None:
    """Save obj if it is new or any of the values changes it (loading twice writes nothing)."""
    if obj.pk is None or any(getattr(obj, campo) != valor for campo, valor in valores.items()):
        for campo, valor in valores.items():
            setattr(obj, campo, valor)
        obj.save()


@transaction.atomic
def cargar_regiones(*, actor) -> int:
    """The 16 regions (north to south) and one GORE each, with its role group."""
    with actuando_como(actor):
        for fila in leer("regiones.json"):
            region = Region.objects.filter(codigo=fila["codigo"]).first() or Region(
                codigo=fila["codigo"]
            )
            guardar_si_cambia(
                region,
                nombre=fila["nombre"],
                nombre_corto=fila["nombre_corto"],
                orden=fila["orden"],
            )
            gore = GobiernoRegional.objects.filter(region=region).first() or GobiernoRegional(
                region=region
            )
            guardar_si_cambia(gore, nombre=fila["gore"])
            services.roles_asegurar(gore)
    return Region.objects.count()


def usuario_sistema():
    """The demo's administrator, who loads the demo data (created with the demo password)."""
    User = get_user_model()
    usuario = User.objects.filter(username="admin").first()
    if usuario is None:
        usuario = User(username="admin", first_name="Administración", last_name="SUBDERE")
        usuario.set_password(CLAVE_DEMO)
        usuario.is_staff = True
        usuario.save()  # its own first history row names itself (see pmggt.historia)
    return usuario


def _objeto_rol(tipo: str, referencia):
    if tipo == GrupoRol.Tipo.ADMINISTRADOR:
        return None
    if tipo == GrupoRol.Tipo.GORE:
        return GobiernoRegional.objects.get(region__codigo=referencia)
    if tipo == GrupoRol.Tipo.ENCARGADO_CENTRO:
        sigla, codigo = referencia.split("/")
        return Centro.objects.get(servicio__sigla=sigla, region__codigo=codigo)
    return Servicio.objects.get(sigla=referencia)


def _grupo_de_rol(tipo: str, referencia):
    """The group a demo role is held through (created with its grants if missing)."""
    if tipo == GrupoRol.Tipo.ADMINISTRADOR:
        return services.grupo_administradores()
    return services.rol_grupo(tipo=tipo, objeto=_objeto_rol(tipo, referencia))


def _restablecer_usuario(usuario, fila) -> None:
    """A demo user as first loaded: password demo-pmggt, active, only the demo's roles."""
    cambios = {"is_active": True, "is_superuser": False}
    cambios["is_staff"] = any(tipo == GrupoRol.Tipo.ADMINISTRADOR for tipo, _ in fila["roles"])
    if not usuario.check_password(CLAVE_DEMO):
        usuario.set_password(CLAVE_DEMO)
        usuario.save()
    guardar_si_cambia(usuario, **cambios)
    propios = {_grupo_de_rol(tipo, referencia).pk for tipo, referencia in fila["roles"]}
    sobrantes = list(usuario.groups.exclude(pk__in=propios))
    if sobrantes:
        usuario.groups.remove(*sobrantes)


@transaction.atomic
def cargar_demo(*, actor=None, restablecer=False) -> dict:
    """Load the demo (idempotent: loading twice writes nothing).

    ``restablecer`` (``reiniciar_demo``) also puts back what a demo session may have changed in
    the demo's own rows: users' passwords, activity and roles, and active Servicios and Centros.
    """
    admin = actor or usuario_sistema()
    cargar_regiones(actor=admin)
    datos = leer("demo.json")
    User = get_user_model()
    with actuando_como(admin):
        services.rol_asignar(usuario=admin, tipo=GrupoRol.Tipo.ADMINISTRADOR)
        for fila in datos["ciclos"]:
            ciclo = Ciclo.objects.filter(anio=fila["anio"]).first() or Ciclo(anio=fila["anio"])
            guardar_si_cambia(ciclo, **{k: v for k, v in fila.items() if k != "anio"})
        for fila in datos["servicios"]:
            servicio = Servicio.objects.filter(sigla=fila["sigla"]).first() or Servicio(
                sigla=fila["sigla"]
            )
            region = Region.objects.get(codigo=fila["region"]) if fila["region"] else None
            valores = {"nombre": fila["nombre"], "ministerio": fila["ministerio"], "region": region}
            if restablecer:
                valores["activo"] = True
            guardar_si_cambia(servicio, **valores)
            services.roles_asegurar(servicio)
            for c in fila["centros"]:
                region_c = Region.objects.get(codigo=c["region"])
                centro = Centro.objects.filter(
                    servicio=servicio, region=region_c
                ).first() or Centro(servicio=servicio, region=region_c)
                guardar_si_cambia(centro, nombre=c["nombre"])
                services.roles_asegurar(centro)
                if restablecer:
                    services.centro_activar(centro=centro, actor=admin)
        for fila in datos["usuarios"]:
            usuario = User.objects.filter(username=fila["username"]).first()
            if usuario is None:
                usuario = User(username=fila["username"])
                usuario.set_password(CLAVE_DEMO)
            guardar_si_cambia(
                usuario,
                first_name=fila["nombre"],
                last_name=fila["apellido"],
                email=f"{fila['username']}@demo.pmggt.cl",
            )
            if restablecer:
                _restablecer_usuario(usuario, fila)
            for tipo, referencia in fila["roles"]:
                services.rol_asignar(
                    usuario=usuario, tipo=tipo, objeto=_objeto_rol(tipo, referencia)
                )
        _cargar_calendario(datos.get("calendario"), admin, restablecer=restablecer)
    # Each stage loads its own demo documents (from its part of demo.json).
    creados = [creado for etapa in etapas.todas() if etapa.demo for creado in etapa.demo(datos)]
    # Today's reminders, as the daily task would record them (in-app; no e-mail while loading).
    from . import recordatorios

    recordatorios.calcular()
    return {
        "regiones": Region.objects.count(),
        "usuarios": User.objects.count(),
        "documentos": creados,
    }


def _cargar_calendario(calendario: dict | None, admin, *, restablecer: bool) -> None:
    """The demo Ciclo's deadlines, in days from the day the demo is loaded, so that countdowns,
    reminders and the dashboard show real states. Written on the first load (the Ciclo has no
    deadline yet) and put back by ``--reiniciar`` (only what differs is saved, like the rest of
    the demo); otherwise left as the administrator set them: deadlines never move by
    themselves."""
    if not calendario:
        return
    ciclo = Ciclo.objects.get(anio=calendario["anio"])
    if ciclo.plazos.exists() and not restablecer:
        return
    hoy = calendario_mod.hoy()
    deseados = {(int(e), 0): ("", dias) for e, dias in calendario["etapas"].items()}
    for n, periodo in enumerate(calendario.get("periodos_etapa3", []), 1):
        deseados[(3, n)] = (periodo["nombre"], periodo["dias"])
    existentes = {(p.etapa, p.periodo): p for p in ciclo.plazos.all()}
    for clave, plazo in existentes.items():
        if clave not in deseados:
            plazo.delete()
    plazos = {}
    for (etapa, periodo), (nombre, dias) in deseados.items():
        plazo = existentes.get((etapa, periodo)) or Plazo(ciclo=ciclo, etapa=etapa, periodo=periodo)
        guardar_si_cambia(plazo, nombre=nombre, vence=hoy + timedelta(days=dias))
        plazos[etapa, periodo] = plazo
    queridas = set()
    for p in calendario.get("prorrogas", []):
        plazo = plazos[p["etapa"], 0]
        servicio = Servicio.objects.get(sigla=p["servicio"])
        prorroga = Prorroga.objects.filter(plazo=plazo, servicio=servicio).first() or Prorroga(
            plazo=plazo, servicio=servicio, otorgada_por=admin
        )
        guardar_si_cambia(
            prorroga, vence=plazo.vence + timedelta(days=p["dias"]), motivo=p["motivo"]
        )
        queridas.add(prorroga.pk)
    for prorroga in Prorroga.objects.filter(plazo__ciclo=ciclo).exclude(pk__in=queridas):
        prorroga.delete()


# -- Back to the starting state (demo databases only) -------------------------------------------


class BaseNoEsDemo(Exception):
    """The database holds rows the demo did not create: ``reiniciar_demo`` deletes nothing."""

    def __init__(self, ajenos: list[str]):
        self.ajenos = ajenos
        super().__init__(
            "La base tiene datos que no son de la demo ("
            + "; ".join(ajenos)
            + "), así que --reiniciar no borra nada. Para volver a empezar con la demo, use "
            "una base nueva (por ejemplo, borre db.sqlite3 y corra make demo)."
        )


def _lista(valores, maximo: int = 8) -> str:
    valores = sorted(str(v) for v in valores)
    resto = len(valores) - maximo
    return ", ".join(valores[:maximo]) + (f" y {resto} más" if resto > 0 else "")


def datos_ajenos(datos: dict | None = None) -> list[str]:
    """What in this database the demo did not create (empty: it is a demo database).

    Regions, Servicios, Centros, Ciclos and users are compared with fixtures/regiones.json and
    fixtures/demo.json. Documents are not compared: each belongs to a Servicio and a Ciclo, so
    when those are all the demo's, every document is a demo document (loaded or made in it).
    """
    datos = datos or leer("demo.json")
    ajenos = []
    regiones = Region.objects.exclude(codigo__in=[r["codigo"] for r in leer("regiones.json")])
    servicios = Servicio.objects.exclude(sigla__in=[s["sigla"] for s in datos["servicios"]])
    centros_demo = {(s["sigla"], c["region"]) for s in datos["servicios"] for c in s["centros"]}
    centros = [
        f"{sigla} {codigo}"
        for sigla, codigo in Centro.objects.values_list("servicio__sigla", "region__codigo")
        if (sigla, codigo) not in centros_demo
    ]
    ciclos = Ciclo.objects.exclude(anio__in=[c["anio"] for c in datos["ciclos"]])
    usuarios = get_user_model().objects.exclude(
        username__in=[u["username"] for u in datos["usuarios"]]
    )
    for etiqueta, valores in (
        ("regiones", regiones.values_list("codigo", flat=True)),
        ("Servicios", servicios.values_list("sigla", flat=True)),
        ("Centros", centros),
        ("Ciclos", ciclos.values_list("anio", flat=True)),
        ("usuarios", usuarios.values_list("username", flat=True)),
    ):
        valores = list(valores)
        if valores:
            ajenos.append(f"{etiqueta}: {_lista(valores)}")
    return ajenos


def _historico(modelo):
    """The historical model (django-simple-history) of ``modelo``, or None."""
    atributo = getattr(modelo._meta, "simple_history_manager_attribute", None)
    return getattr(modelo, atributo).model if atributo else None


# A row whose foreign key points at a deleted row was deleted with it (or before it).
_BORRADO_CON_SU_PADRE = (models.CASCADE, models.PROTECT, models.RESTRICT)


def _borrar_con_lo_que_cuelga(queryset, profundidad: int = 0) -> None:
    """Delete the rows and whatever hangs from them: first the rows that protect them
    (PROTECT, e.g. a document's versions and transitions), then the rows with their cascade."""
    if profundidad > 10:
        raise RuntimeError("Demasiados niveles de filas protegidas al reiniciar la demo.")
    while True:
        try:
            queryset.delete()
            return
        except models.ProtectedError as error:
            protegidas = error.protected_objects
        except models.RestrictedError as error:
            protegidas = error.restricted_objects
        por_modelo = defaultdict(set)
        for objeto in protegidas:
            por_modelo[type(objeto)].add(objeto.pk)
        for modelo, pks in por_modelo.items():
            _borrar_con_lo_que_cuelga(modelo._default_manager.filter(pk__in=pks), profundidad + 1)


def _borrar_historial(borrados: dict) -> int:
    """Delete the history of the deleted rows (``borrados``: {model: pks}), and of the rows
    that hung from them and had been deleted before (found through their own history), with
    their many-to-many history. The history of a row that still exists is never touched."""
    historicos = {m: h for m in apps.get_models() if (h := _historico(m)) is not None}

    def hijos(modelo, historico) -> set:
        """Pks, in the history, of rows whose parent (a cascading foreign key) was deleted."""
        q = Q()
        for campo in modelo._meta.concrete_fields:
            padre = campo.related_model if campo.is_relation else None
            if (
                borrados.get(padre)
                and campo.remote_field.on_delete in _BORRADO_CON_SU_PADRE
                and any(f.attname == campo.attname for f in historico._meta.concrete_fields)
            ):
                q |= Q(**{f"{campo.attname}__in": borrados[padre]})
        if not q:
            return set()
        pk = modelo._meta.pk.attname
        pks = set(historico.objects.filter(q).values_list(pk, flat=True)) - borrados[modelo]
        vivos = set(modelo._default_manager.filter(pk__in=pks).values_list("pk", flat=True))
        return pks - vivos

    cambio = True
    while cambio:  # to a fixed point: a row deleted before may have had rows of its own
        cambio = False
        for modelo, historico in historicos.items():
            nuevos = hijos(modelo, historico)
            if nuevos:
                borrados[modelo] |= nuevos
                cambio = True
    # Many-to-many history rows point at the history record of their row (``history``).
    m2m = defaultdict(list)
    for modelo in apps.get_models():
        campo = next((f for f in modelo._meta.concrete_fields if f.name == "history"), None)
        if campo is not None and campo.is_relation:
            m2m[campo.related_model].append(modelo)
    total = 0
    for modelo, historico in historicos.items():
        if not borrados.get(modelo):
            continue
        filas = historico.objects.filter(**{f"{modelo._meta.pk.attname}__in": borrados[modelo]})
        for historico_m2m in m2m.get(historico, []):
            historico_m2m.objects.filter(history__in=filas.values("pk")).delete()
        total += filas.delete()[0]
    return total


def _borrar_pdf_guardados(documentos: list[int]) -> None:
    """The stored PDFs of deleted documents (pmggt.informes.cache: derived data)."""
    from .informes import cache

    if not isinstance(default_storage, FileSystemStorage):
        return
    for pk in documentos:
        shutil.rmtree(Path(default_storage.path(f"{cache.CARPETA}/{pk}")), ignore_errors=True)


@transaction.atomic
def reiniciar_demo(*, actor=None) -> dict:
    """Put a demo database back to its starting state (``cargar_demo --reiniciar``).

    Refuses (``BaseNoEsDemo``, nothing deleted) when the database holds anything the demo did
    not create: see ``datos_ajenos``. Then deletes every document with everything that hangs
    from it (content, versions, transitions, observaciones) and all their history rows, and
    loads the demo again with ``restablecer``: demo users get back the password demo-pmggt,
    their active state and exactly their roles; Servicios and Centros are active again.
    Regions, Servicios, Centros, Ciclos and users are never deleted, and their history stays.
    """
    datos = leer("demo.json")
    ajenos = datos_ajenos(datos)
    if ajenos:
        raise BaseNoEsDemo(ajenos)
    admin = actor or usuario_sistema()
    documentos = list(Documento.objects.values_list("pk", flat=True))
    borrados = defaultdict(set)

    def anotar(sender, instance, **kwargs):
        borrados[sender].add(instance.pk)

    post_delete.connect(anotar, weak=False, dispatch_uid="pmggt.carga.reiniciar_demo")
    try:
        with actuando_como(admin):
            _borrar_con_lo_que_cuelga(Documento.objects.filter(pk__in=documentos))
    finally:
        post_delete.disconnect(dispatch_uid="pmggt.carga.reiniciar_demo")
    filas = sum(len(pks) for pks in borrados.values())
    historial = _borrar_historial(borrados)
    # Failed logins of the demo users (django-axes): a locked demo account is usable again.
    AccessAttempt.objects.filter(username__in=[u["username"] for u in datos["usuarios"]]).delete()
    transaction.on_commit(lambda: _borrar_pdf_guardados(documentos))
    resumen = cargar_demo(actor=admin, restablecer=True)
    resumen["borrados"] = {
        "documentos": len(documentos),
        "filas": filas,
        "historial": historial,
    }
    return resumen


def usuario_con_rol(servicio, tipo):
    """The first active member of a Servicio's role group (demo loaders act as them)."""
    return (
        get_user_model()
        .objects.filter(groups__rol__servicio=servicio, groups__rol__tipo=tipo, is_active=True)
        .order_by("pk")
        .first()
    )
