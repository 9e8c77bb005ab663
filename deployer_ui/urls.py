"""URLs of the operators' pages (mounted at /deployments/)."""

from django.urls import path

from deployer_ui import views, views_updates
from deployer_ui.models import DeploymentUpdate
from deployer_ui.urls_apinodes import urlpatterns as apinode_urlpatterns
from portal import converters  # noqa: F401 - registers the "uid" path converter

app_name = "deployer_ui"
urlpatterns = [
    *apinode_urlpatterns,
    path("", views.dashboard, name="dashboard"),
    path("d/<uid:deployment_id>/", views_updates.deployment, name="deployment"),
    path("d/<uid:deployment_id>/live/", views_updates.deployment_live, name="deployment_live"),
    path("d/<uid:deployment_id>/update/", views_updates.update_start, name="update_start"),
    path("d/<uid:deployment_id>/bundle/", views_updates.deploy_bundle, name="deploy_bundle"),
    path("updates/<int:pk>/", views_updates.update_detail, name="update"),
    path("updates/<int:pk>/progress/", views_updates.update_progress, name="update_progress"),
    path("updates/<int:pk>/abort/", views_updates.update_abort, name="update_abort"),
    path("updates/<int:pk>/retry/", views_updates.update_followup, {"kind": DeploymentUpdate.Kind.RETRY},
         name="update_retry"),
    path("updates/<int:pk>/rollback/", views_updates.update_followup, {"kind": DeploymentUpdate.Kind.ROLLBACK},
         name="update_rollback"),
    path("updates/<int:pk>/redeploy/", views_updates.update_followup, {"kind": DeploymentUpdate.Kind.REDEPLOY},
         name="update_redeploy"),
    path("projects/", views.projects, name="projects"),
    path("projects/<uid:project_key>/", views.project, name="project"),
    path("bundles/", views.bundles, name="bundles"),
    path("infras/", views.infras, name="infras"),
    path("infras/<uid:infra_id>/", views.infra, name="infra"),
    path("stages/", views.stages, name="stages"),
    path("tasks/", views_updates.tasks, name="tasks"),
    path("tasks/<uid:job_id>/abort/", views_updates.task_abort, name="task_abort"),
    path("api-nodes/", views.api_nodes, name="api_nodes"),
    path("api-nodes/<uid:node_id>/", views.api_node, name="api_node"),
    path("api-nodes/<uid:node_id>/services/<uid:service_id>/", views.api_service, name="api_service"),
    path("api-nodes/<uid:node_id>/services/<uid:service_id>/<uid:action>/", views.api_service_action,
         name="api_service_action"),
]
