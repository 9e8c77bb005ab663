from django.apps import AppConfig


class GovernUiConfig(AppConfig):
    name = "govern_ui"
    verbose_name = "Governance"
