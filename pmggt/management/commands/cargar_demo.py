from django.core.management.base import BaseCommand

from pmggt import carga


class Command(BaseCommand):
    help = (
        "Carga los datos de demostración (idempotente): regiones, GORE, Servicios, Centros, "
        "el Ciclo 2009, un usuario por rol (contraseña demo-pmggt) y documentos de ejemplo."
    )

    def handle(self, *args, **options):
        resumen = carga.cargar_demo()
        nuevos = ", ".join(resumen["documentos"]) or "ninguno (ya estaban)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo lista: {resumen['regiones']} regiones, {resumen['usuarios']} usuarios; "
                f"documentos nuevos: {nuevos}. Contraseña de todos los usuarios: {carga.CLAVE_DEMO}"
            )
        )
