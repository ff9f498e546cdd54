from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pmggt import services
from pmggt.historia import actuando_como
from pmggt.models import GrupoRol


class Command(BaseCommand):
    help = (
        "Crea (o promueve) un Administrador/a SUBDERE: la cuenta queda en el grupo de "
        "administradores y con acceso a /admin/. Defina luego su clave con changepassword."
    )

    def add_arguments(self, parser):
        parser.add_argument("usuario")
        parser.add_argument("--email", default="")
        parser.add_argument("--nombre", default="")
        parser.add_argument("--apellido", default="")

    @transaction.atomic
    def handle(self, *args, usuario, email, nombre, apellido, **options):
        User = get_user_model()
        cuenta = User.objects.filter(username=usuario).first()
        nueva = cuenta is None
        if nueva:
            cuenta = User(username=usuario, email=email, first_name=nombre, last_name=apellido)
            cuenta.set_unusable_password()
            cuenta.save()  # a new account's first history row names itself
        elif not cuenta.is_active:
            raise CommandError(f"La cuenta «{usuario}» está desactivada.")
        with actuando_como(cuenta):
            services.rol_asignar(usuario=cuenta, tipo=GrupoRol.Tipo.ADMINISTRADOR)
        estado = "creada" if nueva else "ya existía"
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrador/a SUBDERE «{usuario}» listo (cuenta {estado}). "
                f"Defina su clave con: manage.py changepassword {usuario}"
            )
        )
