"""Demo content of Etapa I: the 2009 Diagnósticos of the seeds, walked up the chain.

Registered as the stage's ``demo`` (``diagnostico.etapa``): ``pmggt.carga.cargar_demo`` calls it
with fixtures/demo.json, whose "diagnosticos" key names each Servicio's content file and
"demo_flujo" how far up the chain it goes: a visado one may be reopened ("modificacion") while
its Plan (Etapa II's demo) builds on the visado version.
"""

import json

from pmggt import services, workflow
from pmggt.carga import usuario_con_rol
from pmggt.models import Ciclo, Documento, GrupoRol, Servicio

from .carga import cargar_contenido, leer
from .models import Diagnostico

ETAPA = Documento.Etapa.DIAGNOSTICO


def cargar(datos: dict) -> list[str]:
    """Load every demo Diagnóstico not yet there; the siglas of those created."""
    return [
        sigla
        for sigla, referencia in datos.get("diagnosticos", {}).items()
        if _cargar_diagnostico(sigla, referencia, datos.get("demo_flujo", {}).get(sigla, {}))
    ]


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
    servicio = Servicio.objects.get(sigla=sigla)
    ciclo = Ciclo.objects.get(anio=referencia["ciclo"])
    if Documento.objects.filter(servicio=servicio, ciclo=ciclo, etapa=ETAPA).exists():
        return False
    Tipo = GrupoRol.Tipo
    encargado = usuario_con_rol(servicio, Tipo.ENCARGADO_GT)
    jefe = usuario_con_rol(servicio, Tipo.JEFE)
    datos = leer(referencia["archivo"])
    documento = services.documento_crear(
        servicio=servicio, ciclo=ciclo, etapa=ETAPA, actor=encargado
    )
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
    if flujo.get("estado_final") != "visado":
        return True
    documento.refresh_from_db()
    experto = usuario_con_rol(servicio, Tipo.EXPERTO)
    workflow.visar(documento=documento, actor=experto, version=documento.version_actual)
    if "modificacion" in flujo:
        _modificar(documento, diagnostico, datos, flujo["modificacion"], encargado, jefe)
    return True


def _modificar(documento, diagnostico, datos, modificacion, encargado, jefe) -> None:
    """Reopen the visado Diagnóstico (its Plan keeps reading the visado version), apply the
    text replacements and send it again up to ``modificacion["estado_final"]``."""
    documento.refresh_from_db()
    workflow.solicitar_modificacion(
        documento=documento, actor=encargado, comentario=modificacion["comentario"]
    )
    if modificacion.get("reemplazos"):
        texto = json.dumps(datos, ensure_ascii=False)
        for antes, despues in modificacion["reemplazos"]:
            texto = texto.replace(antes, despues)
        cargar_contenido(diagnostico=diagnostico, datos=json.loads(texto), actor=encargado)
    if modificacion.get("estado_final", "borrador") == "borrador":
        return
    workflow.enviar(documento=documento, actor=encargado, comentario=modificacion.get("envio", ""))
    documento.refresh_from_db()
    workflow.aprobar(documento=documento, actor=jefe, version=documento.version_actual)
