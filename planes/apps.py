from django.apps import AppConfig


class PlanesConfig(AppConfig):
    name = "planes"
    verbose_name = "Etapa II – Plan y Programa de Trabajo"
