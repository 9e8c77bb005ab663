from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from portal.audit import signals  # noqa: F401 - records sign-ins, sign-outs and failed sign-ins
