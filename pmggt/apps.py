from django.apps import AppConfig


class PmggtConfig(AppConfig):
    name = "pmggt"
    verbose_name = "PMG-GT: organización, roles y cadena de aprobación"

    def ready(self):
        from . import historia, signals  # noqa: F401

        historia.registrar_usuarios()
