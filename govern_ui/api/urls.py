"""URLs of the governance REST API (under /api/governance/)."""

from django.urls import path

from govern_ui.api import views
from portal import converters  # noqa: F401 - registers the "uid" path converter

app_name = "govern_ui_api"
urlpatterns = [
    path("artifacts/", views.ArtifactList.as_view(), name="artifact_list"),
    path("artifacts/<uid:artifact_id>/", views.ArtifactDetail.as_view(), name="artifact_detail"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    path("actions/", views.ActionListCreate.as_view(), name="action_list"),
    path("actions/<rowid:action_id>/", views.ActionDetail.as_view(), name="action_detail"),
]
