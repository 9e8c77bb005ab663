"""URLs of the profile page's API tokens section (under /profile/tokens/)."""

from django.urls import path

from portal import converters  # noqa: F401 - registers the "rowid" path converter
from portal.tokens import views

urlpatterns = [
    path("new/", views.create, name="api_token_create"),
    path("<rowid:token_id>/revoke/", views.revoke, name="api_token_revoke"),
]
