from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import checks, signals  # noqa: F401 - registers system checks and the profile signal
