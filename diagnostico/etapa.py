"""Etapa I's entry in the core's stage registry (pmggt.etapas): what the Diagnóstico declares."""

from pmggt.etapas import EtapaDef
from pmggt.models import Documento

from . import contenido, demo, envio, escala, excel, informes
from .models import Diagnostico

ETAPA = EtapaDef(
    numero=Documento.Etapa.DIAGNOSTICO,
    titulo="Etapa I – Diagnóstico",
    nombre="Diagnóstico",
    modelo=Diagnostico,
    requiere=None,  # the first stage of the cycle
    contenido=contenido.contenido,
    aplanar=contenido.aplanar,
    validar_envio=contenido.validar_envio,
    lista_envio=envio.lista_envio,
    partes_de_campos=envio.partes_de_campos,
    plantilla="diagnostico/_contenido.html",
    contexto=contenido.contexto,
    historiales=contenido.historiales,
    puede_resolver=contenido.puede_resolver,
    regional=True,
    recortar=contenido.recortar,
    faltantes_partes=contenido.faltantes_de_partes,
    url_parte=contenido.url_cuadro,
    plantilla_publica="diagnostico/_publico.html",
    informes=(*informes.INFORMES, excel.EXPORTACION),
    demo=demo.cargar,
    escala=escala.generar,
)
