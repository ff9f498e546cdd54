"""Etapa II's entry in the core's stage registry (pmggt.etapas): what the Plan declares."""

from pmggt.etapas import EtapaDef
from pmggt.models import Documento

from . import contenido, demo, escala, excel, informes, pagina
from .models import Plan

ETAPA = EtapaDef(
    numero=Documento.Etapa.PLAN,
    titulo="Etapa II – Plan y Programa de Trabajo",
    nombre="Plan y Programa de Trabajo",
    modelo=Plan,
    requiere=Documento.Etapa.DIAGNOSTICO,  # the same year's Diagnóstico, Visado
    contenido=contenido.contenido,
    aplanar=contenido.aplanar,
    validar_envio=contenido.validar_envio,
    lista_envio=contenido.lista_envio,
    partes_de_campos=contenido.partes_de_campos,
    plantilla="planes/_contenido.html",
    contexto=pagina.contexto,
    historiales=contenido.historiales,
    puede_resolver=contenido.puede_resolver,
    regional=True,
    recortar=contenido.recortar,
    faltantes_partes=contenido.faltantes_de_partes,
    url_parte=contenido.url_parte,
    nombre_parte="Programa de trabajo de su región",
    plantilla_publica="planes/_publico.html",
    informes=(*informes.INFORMES, *excel.EXPORTACIONES),
    demo=demo.cargar,
    escala=escala.generar,
)
