from django.apps import AppConfig


class PlanesConfig(AppConfig):
    name = "planes"
    verbose_name = "Etapa II – Plan y Programa de Trabajo"

    def ready(self):
        from pmggt import etapas

        from .etapa import ETAPA

        etapas.registrar(ETAPA)
