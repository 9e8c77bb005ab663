"""The portal's URL map: its own pages, each app's pages and API, the schema and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import health, views
from portal.metrics import metrics_view

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", include("portal.tokens.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("governance/", include("govern_ui.urls")),
    path("deployments/", include("deployer_ui.urls")),
    path("audit/", include("portal.audit.urls")),
    path("wall/", include("deployer_ui.wall.urls")),
    path("api/", include("portal.api_urls")),
    path("django-admin/", admin.site.urls),
]

handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
