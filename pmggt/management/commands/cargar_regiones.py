from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pmggt import carga


class Command(BaseCommand):
    help = "Carga (o actualiza) las 16 regiones de Chile y sus Gobiernos Regionales."

    def add_arguments(self, parser):
        parser.add_argument("--usuario", help="Usuario que queda registrado en el historial.")

    def handle(self, *args, usuario=None, **options):
        if usuario:
            actor = get_user_model().objects.filter(username=usuario).first()
            if actor is None:
                raise CommandError(f"No existe el usuario «{usuario}».")
        else:
            actor = carga.usuario_sistema()
        total = carga.cargar_regiones(actor=actor)
        self.stdout.write(self.style.SUCCESS(f"{total} regiones y sus GORE cargados."))
