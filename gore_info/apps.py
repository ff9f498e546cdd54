from django.apps import AppConfig


class GoreInfoConfig(AppConfig):
    name = "gore_info"
    verbose_name = "Información de interés regional"
