from django.apps import AppConfig


class DiagnosticoConfig(AppConfig):
    name = "diagnostico"
    verbose_name = "Etapa I – Diagnóstico"

    def ready(self):
        from pmggt import etapas

        from .etapa import ETAPA

        etapas.registrar(ETAPA)

        from simple_history.signals import post_create_historical_record

        from .services import recordar_ultima_historia

        post_create_historical_record.connect(
            recordar_ultima_historia, dispatch_uid="diagnostico_ultima_historia"
        )
