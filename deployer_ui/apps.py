"""The operators' view as a Django app; registers its home-page sections when ready."""

from django.apps import AppConfig


class DeployerUiConfig(AppConfig):
    name = "deployer_ui"
    verbose_name = "Deployments"

    def ready(self) -> None:
        from deployer_ui import metrics as deployer_metrics
        from deployer_ui.overview import api_services_summary, deployment_summary
        from portal.lib import home, metrics

        # Both read caches that workers keep, but counting thousands of snapshots on every view of every screen adds
        # up: a few seconds here makes a hundred screens cost one count.
        home.register(home.HomeSection("deployer", "Project Deployer", deployment_summary,
                                       "deployer_ui/partials/_home_deployments.html", 5, order=20))
        home.register(home.HomeSection("apinodes", "API nodes", api_services_summary,
                                       "deployer_ui/partials/_home_api_nodes.html", 5, order=30))
        metrics.register("portal_updates_in_flight", "Deployment updates whose future is running upstream.",
                         deployer_metrics.updates_in_flight)
        metrics.register("portal_cache_age_seconds", "Seconds since each cache was last refreshed.",
                         deployer_metrics.cache_ages, source="deployer")
