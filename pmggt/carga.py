"""Reference and demo data loaders (idempotent), used by management commands and tests."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import etapas, services
from .historia import actuando_como
from .models import Centro, Ciclo, GobiernoRegional, GrupoRol, Region, Servicio

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


@transaction.atomic
def cargar_demo(*, actor=None) -> dict:
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
            guardar_si_cambia(
                servicio, nombre=fila["nombre"], ministerio=fila["ministerio"], region=region
            )
            services.roles_asegurar(servicio)
            for c in fila["centros"]:
                region_c = Region.objects.get(codigo=c["region"])
                centro = Centro.objects.filter(
                    servicio=servicio, region=region_c
                ).first() or Centro(servicio=servicio, region=region_c)
                guardar_si_cambia(centro, nombre=c["nombre"])
                services.roles_asegurar(centro)
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
            for tipo, referencia in fila["roles"]:
                services.rol_asignar(
                    usuario=usuario, tipo=tipo, objeto=_objeto_rol(tipo, referencia)
                )
    # Each stage loads its own demo documents (from its part of demo.json).
    creados = [creado for etapa in etapas.todas() if etapa.demo for creado in etapa.demo(datos)]
    return {
        "regiones": Region.objects.count(),
        "usuarios": User.objects.count(),
        "documentos": creados,
    }


def usuario_con_rol(servicio, tipo):
    """The first active member of a Servicio's role group (demo loaders act as them)."""
    return (
        get_user_model()
        .objects.filter(groups__rol__servicio=servicio, groups__rol__tipo=tipo, is_active=True)
        .order_by("pk")
        .first()
    )
