"""The reviewers' workspace's app: registers Govern's home section and gauges once the apps are loaded, and retries
a person's waiting actions when they save a new personal Govern API key."""

from django.apps import AppConfig


class GovernUiConfig(AppConfig):
    name = "govern_ui"
    verbose_name = "Governance"

    def ready(self) -> None:
        from govern_ui import metrics as govern_metrics
        from govern_ui.delivery import on_govern_key_saved
        from govern_ui.overview import summary
        from portal.lib import home, metrics
        from portal.signals import govern_key_saved

        home.register(home.HomeSection("govern", "Govern", summary, "govern_ui/partials/_home.html", 5, order=10))
        metrics.register("portal_pending_review_actions", "Review actions not yet delivered to Govern.",
                         govern_metrics.pending_review_actions)
        metrics.register("portal_cache_age_seconds", "Seconds since each cache was last refreshed.",
                         govern_metrics.cache_ages, source="govern")
        metrics.register("portal_govern_mirror_lag_seconds",
                         "Govern mirror lag: seconds its oldest shown reading is behind now.",
                         govern_metrics.mirror_lag)
        govern_key_saved.connect(on_govern_key_saved, dispatch_uid="govern_ui.retry_waiting_for_key")
