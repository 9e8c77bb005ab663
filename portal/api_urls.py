"""The portal's REST API: one include per app, the schema and its docs page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from portal import api_docs

urlpatterns = [
    path("governance/", include("govern_ui.api.urls")),
    path("deployments/", include("deployer_ui.api.urls")),
    path("audit/", include("portal.audit.api_urls")),
    path("wall/", include("deployer_ui.wall.api_urls")),
    path("tokens/", include("portal.tokens.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs.docs, name="api-docs"),
]
