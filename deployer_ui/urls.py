"""URLs of the operators' pages (mounted at /deployments/)."""

from django.urls import path

from deployer_ui import views
from deployer_ui.urls_apinodes import urlpatterns as apinode_urlpatterns
from portal import converters  # noqa: F401 - registers the "uid" path converter

app_name = "deployer_ui"
urlpatterns = [
    *apinode_urlpatterns,
    path("", views.dashboard, name="dashboard"),
    path("d/<uid:deployment_id>/", views.deployment, name="deployment"),
    path("d/<uid:deployment_id>/update/", views.update_start, name="update_start"),
    path("d/<uid:deployment_id>/bundle/", views.deploy_bundle, name="deploy_bundle"),
    path("updates/<int:pk>/", views.update_detail, name="update"),
    path("updates/<int:pk>/progress/", views.update_progress, name="update_progress"),
    path("updates/<int:pk>/abort/", views.update_abort, name="update_abort"),
    path("projects/", views.projects, name="projects"),
    path("projects/<uid:project_key>/", views.project, name="project"),
    path("bundles/", views.bundles, name="bundles"),
    path("infras/", views.infras, name="infras"),
    path("infras/<uid:infra_id>/", views.infra, name="infra"),
    path("stages/", views.stages, name="stages"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<uid:job_id>/abort/", views.task_abort, name="task_abort"),
    path("api-nodes/", views.api_nodes, name="api_nodes"),
    path("api-nodes/<uid:node_id>/", views.api_node, name="api_node"),
    path("api-nodes/<uid:node_id>/services/<uid:service_id>/", views.api_service, name="api_service"),
    path("api-nodes/<uid:node_id>/services/<uid:service_id>/<uid:action>/", views.api_service_action,
         name="api_service_action"),
]
