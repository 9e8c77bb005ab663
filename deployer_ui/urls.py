from django.urls import path

from deployer_ui import views

app_name = "deployer_ui"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("d/<str:deployment_id>/", views.deployment, name="deployment"),
    path("d/<str:deployment_id>/update/", views.update_start, name="update_start"),
    path("d/<str:deployment_id>/bundle/", views.deploy_bundle, name="deploy_bundle"),
    path("updates/<int:pk>/", views.update_detail, name="update"),
    path("updates/<int:pk>/progress/", views.update_progress, name="update_progress"),
    path("updates/<int:pk>/abort/", views.update_abort, name="update_abort"),
    path("projects/", views.projects, name="projects"),
    path("projects/<str:project_key>/", views.project, name="project"),
    path("bundles/", views.bundles, name="bundles"),
    path("infras/", views.infras, name="infras"),
    path("infras/<str:infra_id>/", views.infra, name="infra"),
    path("stages/", views.stages, name="stages"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<str:job_id>/abort/", views.task_abort, name="task_abort"),
    path("api-nodes/", views.api_nodes, name="api_nodes"),
    path("api-nodes/<str:node_id>/", views.api_node, name="api_node"),
    path("api-nodes/<str:node_id>/services/<str:service_id>/", views.api_service, name="api_service"),
    path("api-nodes/<str:node_id>/services/<str:service_id>/<str:action>/", views.api_service_action,
         name="api_service_action"),
]
