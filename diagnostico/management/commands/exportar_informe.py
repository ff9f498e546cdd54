"""Export a Diagnóstico report from the command line: PDF (cuadro1, cuadro2, etapa1) or Excel.

    python manage.py exportar_informe --servicio MIDEPLAN --ciclo 2009 --informe etapa1 \
        --salida mideplan-2009.pdf
    python manage.py exportar_informe --servicio MIDEPLAN --ciclo 2009 --region II \
        --salida cuadros-II.xlsx

It prints what the report costs to render, e.g. "12 páginas en 1,35 s (0,11 s por página)".
The content printed is the same as the web download (see diagnostico.informes.datos_informe).
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diagnostico import informes
from pmggt.models import Ciclo, Documento, Servicio


def _decimal(valor: float) -> str:
    return f"{valor:.2f}".replace(".", ",")


class Command(BaseCommand):
    help = (
        "Exporta un informe del Diagnóstico (Etapa I): PDF del Cuadro I N°1, del Cuadro I N°2 o "
        "el Informe Etapa I completo, o el Excel de los cuadros (según la extensión de --salida)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--servicio", required=True, help="Sigla del Servicio.")
        parser.add_argument("--ciclo", required=True, type=int, help="Año del ciclo (p. ej. 2009).")
        parser.add_argument(
            "--informe",
            choices=informes.INFORMES,
            help="Informe PDF: cuadro1, cuadro2 o etapa1 (no se usa para .xlsx).",
        )
        parser.add_argument(
            "--region", help="Código de región (p. ej. II): solo esa región de los cuadros."
        )
        parser.add_argument(
            "--salida", required=True, help="Archivo de salida: .pdf o .xlsx (Excel)."
        )

    def handle(self, *args, servicio, ciclo, informe, region, salida, **options):
        ruta = Path(salida)
        extension = ruta.suffix.lower()
        if extension not in (".pdf", ".xlsx"):
            raise CommandError(
                f"La extensión «{ruta.suffix or '(ninguna)'}» no es válida: use .pdf o .xlsx."
            )
        servicio_obj = Servicio.objects.filter(sigla__iexact=servicio).first()
        if servicio_obj is None:
            raise CommandError(f"No existe el Servicio «{servicio}».")
        if not Ciclo.objects.filter(anio=ciclo).exists():
            raise CommandError(f"No existe el ciclo {ciclo}.")
        documento = (
            Documento.objects.select_related("servicio", "ciclo")
            .filter(servicio=servicio_obj, ciclo__anio=ciclo, etapa=Documento.Etapa.DIAGNOSTICO)
            .first()
        )
        if documento is None:
            raise CommandError(
                f"El Servicio «{servicio_obj.sigla}» no tiene Diagnóstico en el ciclo {ciclo}."
            )
        if not ruta.parent.is_dir():
            raise CommandError(f"No existe la carpeta de salida «{ruta.parent}».")
        if extension == ".xlsx":
            self._excel(documento, region, ruta)
        else:
            self._pdf(documento, informe, region, ruta)

    def _pdf(self, documento, informe, region, ruta):
        if informe is None:
            raise CommandError("Indique el informe PDF con --informe cuadro1, cuadro2 o etapa1.")
        inicio = time.monotonic()
        datos = informes.datos_informe(documento)
        if region is not None and informe == "etapa1":
            raise CommandError("El Informe Etapa I es del Servicio completo: no use --region.")
        if region is not None and region not in informes.codigos_region(datos):
            disponibles = ", ".join(sorted(informes.codigos_region(datos))) or "ninguna"
            raise CommandError(
                f"La región «{region}» no corresponde a este documento (regiones: {disponibles})."
            )
        try:
            resultado = informes.renderizar(informes.html_informe(datos, informe, region))
        except informes.InformeError as exc:
            raise CommandError(str(exc)) from exc
        ruta.write_bytes(resultado.contenido)
        segundos = time.monotonic() - inicio
        paginas = resultado.paginas
        self.stdout.write(
            self.style.SUCCESS(
                f"{ruta}: {paginas} {'página' if paginas == 1 else 'páginas'} en "
                f"{_decimal(segundos)} s ({_decimal(segundos / max(paginas, 1))} s por página)"
            )
        )

    def _excel(self, documento, region, ruta):
        # Hook: the Excel export lives in diagnostico.excel (written separately).
        try:
            from diagnostico.excel import exportar_cuadros
        except ImportError as exc:
            raise CommandError(
                "La exportación a Excel aún no está disponible (falta diagnostico.excel)."
            ) from exc
        inicio = time.monotonic()
        try:
            contenido = exportar_cuadros(documento, region=region)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        ruta.write_bytes(contenido)
        segundos = time.monotonic() - inicio
        self.stdout.write(
            self.style.SUCCESS(f"{ruta}: Excel de {len(contenido)} bytes en {_decimal(segundos)} s")
        )
