"""URLs of the wall: the signed-in wall and its feed, token walls and their feeds, the admins' screens."""

from django.urls import path

from deployer_ui.wall import views
from portal import converters  # noqa: F401 - registers the "uid" path converter

app_name = "wall"
urlpatterns = [
    path("", views.wall, name="wall"),
    path("feed/", views.wall_feed, name="feed"),
    path("screens/", views.screen_list, name="screens"),
    path("screens/<int:pk>/revoke/", views.screen_revoke, name="screen_revoke"),
    path("<uid:token>/", views.token_wall, name="token_wall"),
    path("<uid:token>/feed/", views.token_feed, name="token_feed"),
]
