from django.apps import AppConfig


class DiagnosticoConfig(AppConfig):
    name = "diagnostico"
    verbose_name = "Etapa I – Diagnóstico"

    def ready(self):
        from pmggt import etapas

        from .etapa import ETAPA

        etapas.registrar(ETAPA)
