"""URLs of the wall screens' REST API (under /api/wall/)."""

from django.urls import path

from deployer_ui.wall import api
from portal import converters  # noqa: F401 - registers the "rowid" path converter

app_name = "wall_api"
urlpatterns = [
    path("screens/", api.ScreenList.as_view(), name="screens"),
    path("screens/<rowid:pk>/revoke/", api.ScreenRevoke.as_view(), name="screen_revoke"),
]
