from django.apps import AppConfig


class SeguimientoConfig(AppConfig):
    name = "seguimiento"
    verbose_name = "Etapas III y IV – Implementación, Evaluación y Seguimiento"
