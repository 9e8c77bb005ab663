"""URLs of the reviewers' workspace pages (under /governance/)."""

from django.urls import path

from govern_ui import views, views_review
from portal import converters  # noqa: F401 - registers the "uid" path converter

app_name = "govern_ui"

urlpatterns = [
    path("", views.index, name="index"),
    path("queue/", views_review.queue_page, name="queue"),
    path("blueprints/", views.blueprint_list, name="blueprint_list"),
    path("blueprints/<uid:blueprint_id>/", views.blueprint_detail, name="blueprint_detail"),
    path(
        "blueprints/<uid:blueprint_id>/versions/<uid:version_id>/",
        views.version_detail,
        name="version_detail",
    ),
    path("artifacts/", views.artifact_list, name="artifact_list"),
    path("artifacts/<uid:artifact_id>/", views.artifact_detail, name="artifact_detail"),
    path("artifacts/<uid:artifact_id>/steps/<uid:step_id>/", views.step_detail, name="step_detail"),
    path(
        "artifacts/<uid:artifact_id>/steps/<uid:step_id>/reassign/",
        views_review.step_reassign,
        name="step_reassign",
    ),
    path(
        "artifacts/<uid:artifact_id>/steps/<uid:step_id>/<uid:kind>/",
        views_review.step_action,
        name="step_action",
    ),
    path("actions/", views_review.action_list, name="action_list"),
    path("actions/<int:action_id>/", views_review.action_detail, name="action_detail"),
    path("roles/", views.roles, name="roles"),
    path("users/", views.users, name="users"),
]
