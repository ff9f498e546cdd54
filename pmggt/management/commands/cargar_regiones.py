from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pmggt import carga


class Command(BaseCommand):
    help = "Carga (o actualiza) las 16 regiones de Chile y sus Gobiernos Regionales."

    def add_arguments(self, parser):
        parser.add_argument(
            "--usuario",
            required=True,
            help="Usuario existente que queda en el historial (p. ej. un administrador).",
        )

    def handle(self, *args, usuario, **options):
        actor = get_user_model().objects.filter(username=usuario, is_active=True).first()
        if actor is None:
            raise CommandError(
                f"No existe el usuario activo «{usuario}». Cree primero un administrador "
                "(manage.py crear_administrador USUARIO) y páselo con --usuario."
            )
        total = carga.cargar_regiones(actor=actor)
        self.stdout.write(self.style.SUCCESS(f"{total} regiones y sus GORE cargados."))
