"""The reviewers' workspace's app: registers Govern's home section once the apps are loaded."""

from django.apps import AppConfig


class GovernUiConfig(AppConfig):
    name = "govern_ui"
    verbose_name = "Governance"

    def ready(self) -> None:
        from govern_ui.overview import summary
        from portal.lib import home

        # Kept longer than the worker-fed sections: it may call Govern for the artifact list.
        home.register(home.HomeSection("govern", "Govern", summary, "govern_ui/partials/_home.html", 20, order=10))
