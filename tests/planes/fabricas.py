"""Plans for tests: built on a visado Diagnóstico of the personas' world (tests/conftest.py)."""

from datetime import date

from pmggt import services
from pmggt.historia import actuando_como
from pmggt.models import Centro, Documento
from pmggt.versiones import contenido_visado
from tests.conftest import Estado, crear_diagnostico, llevar_a


def diagnostico_visado(m, servicio=None, ciclo=None):
    """The Servicio's Diagnóstico of the Ciclo, Visado (with a Cuadro I N°1 row per region,
    each with its "Objetivo recomendado al Plan GT", and a Cuadro I N°2 row per region)."""
    from diagnostico.models import FilaCuadro2

    servicio = servicio or m.servicio
    documento = crear_diagnostico(m, servicio=servicio, ciclo=ciclo)
    with actuando_como(m.encargada):
        diagnostico = documento.diagnostico
        for centro in list(Centro.objects.filter(servicio=servicio)) or [None]:
            FilaCuadro2.objects.create(
                diagnostico=diagnostico,
                centro=centro,
                informacion=FilaCuadro2.Informacion.OFERTA,
                medidas_jefatura="Informar la oferta a la jefatura regional.",
                medidas_gore="Informar la oferta al GORE.",
                objetivo="Oferta regional en el sistema.",
            )
    return llevar_a(m, documento, Estado.VISADO)


def crear_plan(m, servicio=None, *, enviable=True, ciclo=None):
    """A Plan in Borrador on a visado Diagnóstico; ``enviable``: with the least content that
    sending requires (every recommended objective taken up, one indicator with a checked
    fórmula, an activity and a GORE procedure per region)."""
    from planes.models import (
        Actividad,
        Indicador,
        ObjetivoEspecifico,
        ObjetivoInformacion,
        ProcedimientoGore,
    )

    servicio = servicio or m.servicio
    encargado = m.encargada if servicio == m.servicio else m.intruso
    diagnostico_visado(m, servicio=servicio, ciclo=ciclo)
    documento = services.documento_crear(
        servicio=servicio, ciclo=ciclo or m.ciclo, etapa=Documento.Etapa.PLAN, actor=encargado
    )
    if not enviable:
        return documento
    diag, _ = contenido_visado(servicio, ciclo or m.ciclo, Documento.Etapa.DIAGNOSTICO)
    plan = documento.plan
    with actuando_como(encargado):
        plan.objetivo_general_pt = "Incorporar la perspectiva territorial en los productos."
        plan.objetivo_general_informacion = "Incorporar información regional a los sistemas."
        plan.save()
        objetivo = ObjetivoEspecifico.objects.create(
            plan=plan,
            numero=1,
            descripcion="Mejorar el acceso a los productos en cada región.",
            ambito=ObjetivoEspecifico.Ambito.CARACTERISTICAS,
            filas_cuadro1=[f["id"] for f in diag["cuadro1"]],
            fundamento="Mayor valor estratégico.",
        )
        info = ObjetivoInformacion.objects.create(
            plan=plan,
            numero=1,
            informacion="oferta",
            descripcion="Registrar la oferta por región.",
            filas_cuadro2=[f["id"] for f in diag["cuadro2"]["filas"]],
        )
        Indicador.objects.create(
            plan=plan,
            numero=1,
            nombre="Porcentaje de regiones con oferta informada al GORE",
            formula="(N° de regiones con oferta informada / N° de regiones con Centro) * 100",
            numerador="N° de regiones con oferta informada",
            denominador="N° de regiones con Centro",
            unidad="%",
            meta="100",
            meta_numerador="2",
            meta_denominador="2",
            medio_verificacion="Oficios al GORE.",
            objetivo=objetivo,
        )
        for orden, centro in enumerate(Centro.objects.filter(servicio=servicio)):
            Actividad.objects.create(
                plan=plan,
                centro=centro,
                descripcion=f"Informar la oferta al GORE de la región {centro.region.codigo}",
                inicio=date(2009, 3, 1),
                plazo=date(2009, 6, 30),
                responsable="Director/a regional",
                objetivo=objetivo,
                orden=orden,
            )
            ProcedimientoGore.objects.create(
                plan=plan,
                region=centro.region,
                informacion="oferta",
                objetivo_informacion=info,
                formato="Planilla Excel",
                contenido="Oferta de productos por comuna",
                periodicidad=ProcedimientoGore.Periodicidad.TRIMESTRAL,
                canal=ProcedimientoGore.Canal.OFICIO,
                responsable_servicio="Director/a regional",
                responsable_gore="Jefe/a de la División de Planificación",
                instrumento=ProcedimientoGore.Instrumento.OFICIO,
                instrumento_numero="123",
                instrumento_fecha=date(2009, 2, 15),
                estado=ProcedimientoGore.Estado.VIGENTE,
            )
        if not Centro.objects.filter(servicio=servicio).exists():
            Actividad.objects.create(
                plan=plan,
                descripcion="Informar la oferta a los GORE",
                inicio=date(2009, 3, 1),
                plazo=date(2009, 6, 30),
                responsable="Encargado/a GT",
                objetivo=objetivo,
            )
    documento.refresh_from_db()
    return documento
