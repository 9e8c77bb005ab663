"""URLs of the deployments REST API (under /api/deployments/): statuses, updates, running tasks, API nodes."""

from django.urls import path

from deployer_ui.api import views, views_nodes
from deployer_ui.models import DeploymentUpdate
from portal import converters  # noqa: F401 - registers the "uid" and "rowid" path converters

NODE = "api-nodes/<uid:node_id>/"
SERVICE = NODE + "services/<uid:service_id>/"

app_name = "deployer_ui_api"
urlpatterns = [
    path("", views.DeploymentListView.as_view(), name="deployments"),
    path("updates/", views.UpdateListView.as_view(), name="updates"),
    path("updates/<rowid:pk>/", views.UpdateDetailView.as_view(), name="update"),
    path("updates/<rowid:pk>/abort/", views.UpdateAbortView.as_view(), name="update_abort"),
    *(path(f"updates/<rowid:pk>/{kind}/", views.UpdateFollowUpView.as_view(), {"kind": kind}, name=f"update_{kind}")
      for kind in (DeploymentUpdate.Kind.RETRY, DeploymentUpdate.Kind.ROLLBACK, DeploymentUpdate.Kind.REDEPLOY)),
    path("tasks/", views_nodes.TaskList.as_view(), name="tasks"),
    path("tasks/<uid:job_id>/abort/", views_nodes.TaskAbort.as_view(), name="task_abort"),
    path("api-nodes/", views_nodes.NodeList.as_view(), name="api_nodes"),
    path(NODE, views_nodes.NodeDetail.as_view(), name="api_node"),
    path(NODE + "chart/", views_nodes.NodeChart.as_view(), name="api_node_chart"),
    path(NODE + "keys/", views_nodes.AuthKeys.as_view(), name="api_keys"),
    path(NODE + "keys/<uid:key_id>/", views_nodes.AuthKey.as_view(), name="api_key"),
    path(SERVICE, views_nodes.ServiceDetail.as_view(), name="api_service"),
    path(SERVICE + "chart/", views_nodes.ServiceChart.as_view(), name="api_service_chart"),
    path(SERVICE + "actions/", views_nodes.ServiceAction.as_view(), name="api_service_action"),
    path(SERVICE + "generations/", views_nodes.Generations.as_view(), name="api_generations"),
    path(SERVICE + "generations/<uid:generation_id>/", views_nodes.Generation.as_view(), name="api_generation"),
    path("<uid:deployment_id>/", views.DeploymentDetailView.as_view(), name="deployment"),
    path("<uid:deployment_id>/bundles/", views.BundleChoicesView.as_view(), name="deployment_bundles"),
]
