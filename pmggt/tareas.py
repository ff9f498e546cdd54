"""Background tasks (Celery, ``pmggt.celery``): reminders, dossiers and batch PDF generation.

Every task is idempotent (a second run, e.g. a redelivery after a worker died, does no harm)
and keeps its state in our models, not in a result backend. Without a broker
(``CELERY_BROKER_URL`` unset: the demo, development, tests) ``.delay()`` runs the task at once
in the same process.
"""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="pmggt.tareas.recordatorios_diarios")
def recordatorios_diarios():
    """The day's reminders and digests (``pmggt.recordatorios``); never the same one twice."""
    from pmggt import recordatorios

    return recordatorios.ejecutar()


@shared_task(name="pmggt.tareas.construir_dossier")
def construir_dossier(dossier_id: int) -> str:
    """Build the auditor's dossier ``dossier_id`` (``pmggt.dossier.ejecutar``); its state."""
    from pmggt import dossier

    return dossier.ejecutar(dossier_id)


@shared_task(name="pmggt.tareas.generar_informes_visados")
def generar_informes_visados(ciclo_id: int) -> dict:
    """Pre-render into the PDF cache (``pmggt.informes.cache``) every PDF report of every
    Visado document of this Ciclo, as the Servicio's people download it: complete and cut to
    each region. Already stored PDFs are left as they are. Counts of what was done."""
    from pmggt import etapas, informes
    from pmggt.informes import cache
    from pmggt.models import Documento

    cuentas = {"generados": 0, "ya_guardados": 0, "errores": 0}
    if not cache.activa():
        logger.info("Caché de PDF desactivada (PMGGT_PDF_CACHE): nada que generar.")
        return cuentas
    documentos = (
        Documento.objects.select_related("servicio__region", "ciclo")
        .filter(ciclo_id=ciclo_id, estado=Documento.Estado.VISADO)
        .order_by("etapa", "servicio__sigla", "pk")
    )
    for documento in documentos:
        if not etapas.disponible(documento.etapa):
            continue
        for informe in etapas.de(documento.etapa).informes:
            if informe.formato != "pdf":
                continue
            regiones = [None, *sorted(informes.regiones_de(documento, informe))]
            for region in regiones:
                clave = cache.clave_interna(documento, informe, region)
                if clave is None:
                    continue
                guardado = cache.abrir(clave)
                if guardado is not None:
                    guardado.close()
                    cuentas["ya_guardados"] += 1
                    continue
                try:
                    archivo = informes.generar(documento, informe, region, None)
                except informes.InformeError as exc:
                    logger.warning(
                        "Informe %s de %s (región %s): %s", informe.nombre, documento, region, exc
                    )
                    cuentas["errores"] += 1
                    continue
                if cache.guardar_interna(clave, archivo.contenido, informe, region):
                    cuentas["generados"] += 1
                else:
                    cuentas["errores"] += 1
    logger.info("Informes visados del Ciclo %s: %s", ciclo_id, cuentas)
    return cuentas
