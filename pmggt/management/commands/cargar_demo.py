from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pmggt import carga


class Command(BaseCommand):
    help = (
        "Carga los datos de demostración (idempotente): regiones, GORE, Servicios, Centros, "
        "el Ciclo 2009, un usuario por rol (contraseña demo-pmggt) y documentos de ejemplo."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--forzar",
            action="store_true",
            help="Cargar aunque DEBUG esté desactivado (crea usuarios con clave conocida).",
        )

    def handle(self, *args, forzar=False, **options):
        if not settings.DEBUG and not forzar:
            raise CommandError(
                "cargar_demo crea usuarios con la clave pública demo-pmggt: solo se usa con "
                "DEBUG=1 (o con --forzar en un ambiente de prueba aislado)."
            )
        resumen = carga.cargar_demo()
        nuevos = ", ".join(resumen["documentos"]) or "ninguno (ya estaban)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo lista: {resumen['regiones']} regiones, {resumen['usuarios']} usuarios; "
                f"documentos nuevos: {nuevos}. Contraseña de todos los usuarios: {carga.CLAVE_DEMO}"
            )
        )
