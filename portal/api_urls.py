"""The portal's REST API: one include per app."""

from django.urls import include, path

urlpatterns = [
    path("governance/", include("govern_ui.api.urls")),
    path("deployments/", include("deployer_ui.api.urls")),
]
