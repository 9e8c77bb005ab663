"""Django app config: registers the ``runsandbox`` management command and nothing else."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The sandbox has no models; it is an app only to ship a management command."""

    name = "sandbox"
    verbose_name = "Dataiku sandbox"
