from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import checks, signals  # noqa: F401 - registers system checks and the profile signal
        from portal.audit.context import upstream_headers
        from portal.lib import upstream

        # Upstream calls carry the id of the request (or task) that caused them, so both logs can be joined.
        if upstream_headers not in upstream.header_providers:
            upstream.header_providers.append(upstream_headers)
