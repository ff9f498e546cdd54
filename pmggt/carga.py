"""Reference and demo data loaders (idempotent), used by management commands and tests."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from . import services, workflow
from .historia import actuando_como
from .models import Centro, Ciclo, Documento, GobiernoRegional, GrupoRol, Region, Servicio

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
CLAVE_DEMO = "demo-pmggt"


def _leer(nombre: str):
    with open(FIXTURES / nombre, encoding="utf-8") as archivo:
        return json.load(archivo)


def _guardar_si_cambia(obj, **valores) -> None:
    if obj.pk is None or any(getattr(obj, campo) != valor for campo, valor in valores.items()):
        for campo, valor in valores.items():
            setattr(obj, campo, valor)
        obj.save()


@transaction.atomic
def cargar_regiones(*, actor) -> int:
    """The 16 regions (north to south) and one GORE each, with its role group."""
    with actuando_como(actor):
        for fila in _leer("regiones.json"):
            region = Region.objects.filter(codigo=fila["codigo"]).first() or Region(
                codigo=fila["codigo"]
            )
            _guardar_si_cambia(
                region,
                nombre=fila["nombre"],
                nombre_corto=fila["nombre_corto"],
                orden=fila["orden"],
            )
            gore = GobiernoRegional.objects.filter(region=region).first() or GobiernoRegional(
                region=region
            )
            _guardar_si_cambia(gore, nombre=fila["gore"])
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
    datos = _leer("demo.json")
    User = get_user_model()
    with actuando_como(admin):
        services.rol_asignar(usuario=admin, tipo=GrupoRol.Tipo.ADMINISTRADOR)
        for fila in datos["ciclos"]:
            ciclo = Ciclo.objects.filter(anio=fila["anio"]).first() or Ciclo(anio=fila["anio"])
            _guardar_si_cambia(ciclo, **{k: v for k, v in fila.items() if k != "anio"})
        for fila in datos["servicios"]:
            servicio = Servicio.objects.filter(sigla=fila["sigla"]).first() or Servicio(
                sigla=fila["sigla"]
            )
            region = Region.objects.get(codigo=fila["region"]) if fila["region"] else None
            _guardar_si_cambia(
                servicio, nombre=fila["nombre"], ministerio=fila["ministerio"], region=region
            )
            services.roles_asegurar(servicio)
            for c in fila["centros"]:
                region_c = Region.objects.get(codigo=c["region"])
                centro = Centro.objects.filter(
                    servicio=servicio, region=region_c
                ).first() or Centro(servicio=servicio, region=region_c)
                _guardar_si_cambia(centro, nombre=c["nombre"])
                services.roles_asegurar(centro)
        for fila in datos["usuarios"]:
            usuario = User.objects.filter(username=fila["username"]).first()
            if usuario is None:
                usuario = User(username=fila["username"])
                usuario.set_password(CLAVE_DEMO)
            _guardar_si_cambia(
                usuario,
                first_name=fila["nombre"],
                last_name=fila["apellido"],
                email=f"{fila['username']}@demo.pmggt.cl",
            )
            for tipo, referencia in fila["roles"]:
                services.rol_asignar(
                    usuario=usuario, tipo=tipo, objeto=_objeto_rol(tipo, referencia)
                )
    creados = [
        sigla
        for sigla, contenido in datos["diagnosticos"].items()
        if _cargar_diagnostico(sigla, contenido, datos["demo_flujo"].get(sigla, {}))
    ]
    return {
        "regiones": Region.objects.count(),
        "usuarios": User.objects.count(),
        "documentos": creados,
    }


def _usuario_con_rol(servicio, tipo):
    return (
        get_user_model()
        .objects.filter(groups__rol__servicio=servicio, groups__rol__tipo=tipo, is_active=True)
        .order_by("pk")
        .first()
    )


def _sin_objetivos_desde(datos: dict, primero_omitido: int) -> dict:
    """The content as first sent: without the objetivos numbered from primero_omitido on."""
    copia = json.loads(json.dumps(datos))
    copia["objetivos_estrategicos"] = [
        o for o in copia["objetivos_estrategicos"] if o["numero"] < primero_omitido
    ]
    for producto in copia.get("productos", []):
        producto["objetivos"] = [n for n in producto.get("objetivos", []) if n < primero_omitido]
    return copia


def _cargar_diagnostico(sigla: str, referencia: dict, flujo: dict) -> bool:
    """Create the demo Diagnóstico with the seed's content and walk it up the chain, once."""
    from diagnostico.carga import cargar_contenido, leer
    from diagnostico.models import Diagnostico

    servicio = Servicio.objects.get(sigla=sigla)
    ciclo = Ciclo.objects.get(anio=referencia["ciclo"])
    if Documento.objects.filter(servicio=servicio, ciclo=ciclo, etapa=1).exists():
        return False
    Tipo = GrupoRol.Tipo
    encargado = _usuario_con_rol(servicio, Tipo.ENCARGADO_GT)
    jefe = _usuario_con_rol(servicio, Tipo.JEFE)
    datos = leer(referencia["archivo"])
    documento = services.documento_crear(servicio=servicio, ciclo=ciclo, etapa=1, actor=encargado)
    diagnostico = Diagnostico.objects.get(documento=documento)
    primera = flujo.get("objetivos_primera_version")
    inicial = _sin_objetivos_desde(datos, primera + 1) if primera else datos
    cargar_contenido(diagnostico=diagnostico, datos=inicial, actor=encargado)
    if flujo.get("estado_final", "borrador") == "borrador":
        return True
    workflow.enviar(documento=documento, actor=encargado)
    if "observacion_jefe" in flujo:
        workflow.devolver(
            documento=documento,
            actor=jefe,
            version=1,
            observaciones=[flujo["observacion_jefe"]],
        )
        cargar_contenido(diagnostico=diagnostico, datos=datos, actor=encargado)
        for obs in documento.observaciones.all():
            services.observacion_resolver(observacion=obs, actor=encargado)
        workflow.enviar(
            documento=documento, actor=encargado, comentario="Se incorpora el objetivo 4."
        )
    documento.refresh_from_db()
    workflow.aprobar(documento=documento, actor=jefe, version=documento.version_actual)
    return True
