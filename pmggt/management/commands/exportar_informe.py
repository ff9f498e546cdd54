"""Export any registered report of a stage document from the command line, PDF or Excel.

    python manage.py exportar_informe --listar
    python manage.py exportar_informe --servicio MIDEPLAN --ciclo 2009 --informe etapa1 \
        --salida mideplan-2009.pdf
    python manage.py exportar_informe --servicio MIDEPLAN --ciclo 2009 --region II \
        --salida cuadros-II.xlsx

``--informe`` names a report a stage declares (``--listar`` prints them). The extension of
``--salida`` says PDF or Excel; with .xlsx and no --informe (or a PDF report's name, as before)
the stage's Excel export is written. It prints what the report cost, e.g. "12 páginas en 1,35 s
(0,11 s por página)". The content is the same as the web download (pmggt.informes).
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pmggt import etapas, informes
from pmggt.models import Ciclo, Documento, Servicio


def _decimal(valor: float) -> str:
    return f"{valor:.2f}".replace(".", ",")


class Command(BaseCommand):
    help = (
        "Exporta un informe registrado de un documento de etapa (PDF o Excel, según la "
        "extensión de --salida). --listar muestra los informes disponibles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--listar", action="store_true", help="Lista los informes.")
        parser.add_argument("--servicio", help="Sigla del Servicio.")
        parser.add_argument("--ciclo", type=int, help="Año del ciclo (p. ej. 2009).")
        parser.add_argument(
            "--informe",
            help="Nombre del informe (vea --listar), p. ej. cuadro1, cuadro2 o etapa1.",
        )
        parser.add_argument("--region", help="Código de región (p. ej. II): solo esa región.")
        parser.add_argument("--salida", help="Archivo de salida: .pdf o .xlsx (Excel).")

    def handle(self, *args, listar, servicio, ciclo, informe, region, salida, **options):
        if listar:
            return self._listar()
        for nombre, valor in (("--servicio", servicio), ("--ciclo", ciclo), ("--salida", salida)):
            if valor is None:
                raise CommandError(f"Falta {nombre} (o use --listar).")
        ruta = Path(salida)
        extension = ruta.suffix.lower().lstrip(".")
        if extension not in ("pdf", "xlsx"):
            raise CommandError(
                f"La extensión «{ruta.suffix or '(ninguna)'}» no es válida: use .pdf o .xlsx."
            )
        etapa, declarado = self._informe(informe, extension)
        servicio_obj = Servicio.objects.filter(sigla__iexact=servicio).first()
        if servicio_obj is None:
            raise CommandError(f"No existe el Servicio «{servicio}».")
        if not Ciclo.objects.filter(anio=ciclo).exists():
            raise CommandError(f"No existe el ciclo {ciclo}.")
        documento = (
            Documento.objects.select_related("servicio__region", "ciclo")
            .filter(servicio=servicio_obj, ciclo__anio=ciclo, etapa=etapa.numero)
            .first()
        )
        if documento is None:
            raise CommandError(
                f"El Servicio «{servicio_obj.sigla}» no tiene {etapa.nombre or etapa.titulo} "
                f"en el ciclo {ciclo}."
            )
        if not ruta.parent.is_dir():
            raise CommandError(f"No existe la carpeta de salida «{ruta.parent}».")
        if region is not None:
            if declarado.regiones is None:
                raise CommandError(
                    f"El {declarado.titulo} es del Servicio completo: no use --region."
                )
            disponibles = informes.regiones_de(documento, declarado)
            if region not in disponibles:
                raise CommandError(
                    f"La región «{region}» no corresponde a este documento (regiones: "
                    f"{', '.join(sorted(disponibles)) or 'ninguna'})."
                )
        inicio = time.monotonic()
        try:
            archivo = informes.generar(documento, declarado, region)
        except informes.InformeError as exc:
            raise CommandError(str(exc)) from exc
        ruta.write_bytes(archivo.contenido)
        segundos = time.monotonic() - inicio
        if archivo.paginas is not None:
            paginas = archivo.paginas
            detalle = (
                f"{paginas} {'página' if paginas == 1 else 'páginas'} en {_decimal(segundos)} s "
                f"({_decimal(segundos / max(paginas, 1))} s por página)"
            )
        else:
            detalle = f"Excel de {len(archivo.contenido)} bytes en {_decimal(segundos)} s"
        self.stdout.write(self.style.SUCCESS(f"{ruta}: {detalle}"))

    def _informe(self, nombre: str | None, extension: str):
        """(stage, report) to write: by name, or the stage's Excel export for .xlsx."""
        encontrado = etapas.buscar_informe(nombre) if nombre else None
        if nombre and encontrado is None:
            nombres = ", ".join(i.nombre for _, i in etapas.informes())
            raise CommandError(f"Informe desconocido: «{nombre}». Informes: {nombres}.")
        if encontrado and encontrado[1].formato == extension:
            return encontrado
        if extension == "pdf":
            raise CommandError(
                "Indique el informe PDF con --informe (vea --listar), p. ej. cuadro1, cuadro2 o "
                "etapa1."
            )
        # .xlsx: the Excel export of the named report's stage (or of the first stage with one).
        candidatas = [encontrado[0]] if encontrado else etapas.todas()
        for etapa in candidatas:
            excel = next((i for i in etapa.informes if i.formato == "xlsx"), None)
            if excel is not None:
                return etapa, excel
        raise CommandError("Esta etapa no tiene exportación a Excel.")

    def _listar(self):
        for etapa, informe in etapas.informes():
            region = " [--region CODIGO]" if informe.regiones is not None else ""
            self.stdout.write(
                f"{informe.nombre:<12} .{informe.formato:<5} {etapa.titulo}: "
                f"{informe.titulo}{region}"
            )
