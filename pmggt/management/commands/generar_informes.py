"""Pre-render every visado PDF of a Ciclo into the PDF cache (``pmggt.tareas``).

python manage.py generar_informes --ciclo 2009            # here, now
python manage.py generar_informes --ciclo 2009 --en-cola  # as a task for the workers
"""

from django.core.management.base import BaseCommand, CommandError

from pmggt.models import Ciclo
from pmggt.tareas import generar_informes_visados


class Command(BaseCommand):
    help = (
        "Genera y guarda (caché de PDF) todos los informes PDF de los documentos visados de un "
        "Ciclo, completos y por región, para que se descarguen sin esperar."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ciclo", type=int, required=True, help="Año del Ciclo, p. ej. 2009.")
        parser.add_argument(
            "--en-cola",
            action="store_true",
            help="Encolar la tarea para los workers de Celery en vez de ejecutarla aquí.",
        )

    def handle(self, *args, ciclo, en_cola, **options):
        encontrado = Ciclo.objects.filter(anio=ciclo).first()
        if encontrado is None:
            raise CommandError(f"No existe el Ciclo {ciclo}.")
        if en_cola:
            generar_informes_visados.delay(encontrado.pk)
            self.stdout.write(f"Tarea encolada: informes visados del Ciclo {ciclo}.")
            return
        cuentas = generar_informes_visados(encontrado.pk)
        self.stdout.write(
            f"Ciclo {ciclo}: {cuentas['generados']} PDF generados, "
            f"{cuentas['ya_guardados']} ya estaban guardados, {cuentas['errores']} con error."
        )
