"""URLs of the deployments REST API."""

from django.urls import path

from deployer_ui.api import views
from deployer_ui.models import DeploymentUpdate
from portal import converters  # noqa: F401 - registers the "uid" path converter

app_name = "deployer_ui_api"
urlpatterns = [
    path("", views.DeploymentListView.as_view(), name="deployments"),
    path("updates/", views.UpdateListView.as_view(), name="updates"),
    path("updates/<int:pk>/", views.UpdateDetailView.as_view(), name="update"),
    path("updates/<int:pk>/abort/", views.UpdateAbortView.as_view(), name="update_abort"),
    *(path(f"updates/<int:pk>/{kind}/", views.UpdateFollowUpView.as_view(), {"kind": kind}, name=f"update_{kind}")
      for kind in (DeploymentUpdate.Kind.RETRY, DeploymentUpdate.Kind.ROLLBACK, DeploymentUpdate.Kind.REDEPLOY)),
    path("<uid:deployment_id>/", views.DeploymentDetailView.as_view(), name="deployment"),
]
