from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from diagnostico import excel
from pmggt.models import Documento


class Command(BaseCommand):
    help = (
        "Importa los Cuadros I N°1 y N°2 de un Diagnóstico desde un Excel (.xlsx) exportado por "
        "el sistema. Todo o nada: si hay errores, no cambia nada y los lista."
    )

    def add_arguments(self, parser):
        parser.add_argument("archivo", help="Ruta del archivo .xlsx.")
        parser.add_argument("--servicio", required=True, help="Sigla del Servicio.")
        parser.add_argument("--ciclo", required=True, type=int, help="Año del ciclo (p. ej. 2010).")
        parser.add_argument(
            "--usuario",
            required=True,
            help="Usuario que importa: queda en el historial y se revisan sus permisos.",
        )

    def handle(self, *args, archivo, servicio, ciclo, usuario, **options):
        actor = get_user_model().objects.filter(username=usuario, is_active=True).first()
        if actor is None:
            raise CommandError(f"No existe el usuario activo «{usuario}».")
        documento = (
            Documento.objects.select_related("servicio", "ciclo")
            .filter(
                servicio__sigla__iexact=servicio,
                ciclo__anio=ciclo,
                etapa=Documento.Etapa.DIAGNOSTICO,
            )
            .first()
        )
        if documento is None:
            raise CommandError(f"No existe el Diagnóstico {ciclo} del Servicio «{servicio}».")
        ruta = Path(archivo)
        if not ruta.is_file():
            raise CommandError(f"No se encuentra el archivo «{archivo}».")
        try:
            resumen = excel.importar_cuadros(
                documento=documento, archivo=ruta.read_bytes(), actor=actor
            )
        except excel.ErrorImportacion as exc:
            for error in exc.errores:
                self.stderr.write(str(error))
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Importadas {len(resumen['hojas'])} hoja(s) ({', '.join(resumen['hojas'])}): "
                f"{resumen['creadas']} fila(s) agregada(s), {resumen['actualizadas']} "
                f"actualizada(s), {resumen['eliminadas']} eliminada(s), "
                f"{resumen['sin_cambios']} sin cambios."
            )
        )
