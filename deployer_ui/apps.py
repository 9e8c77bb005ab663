from django.apps import AppConfig


class DeployerUiConfig(AppConfig):
    name = "deployer_ui"
    verbose_name = "Deployments"
