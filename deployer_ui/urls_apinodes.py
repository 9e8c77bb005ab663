"""URLs of the API-node admin operations and chart data, listed before the service actions' catch-all
`services/<service>/<action>/` so that "delete" reaches its own page."""

from django.urls import path

from deployer_ui import views_apinodes as views
from portal import converters  # noqa: F401 - registers the "uid" path converter

NODE = "api-nodes/<uid:node_id>/"
SERVICE = NODE + "services/<uid:service_id>/"

urlpatterns = [
    path(NODE + "chart.json", views.node_chart, name="api_node_chart"),
    path(NODE + "keys/new/", views.key_create, name="api_key_create"),
    path(NODE + "keys/<uid:key_id>/delete/", views.key_delete, name="api_key_delete"),
    path(SERVICE + "chart.json", views.service_chart, name="api_service_chart"),
    path(SERVICE + "delete/", views.service_delete, name="api_service_delete"),
    path(SERVICE + "generations/new/", views.generation_import, name="api_generation_import"),
    path(SERVICE + "generations/<uid:generation_id>/delete/", views.generation_delete, name="api_generation_delete"),
]
