"""/audit/: the history store's pages."""

from django.urls import path

from portal.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("events/<int:event_id>/", views.event_detail, name="detail"),
    path("export.csv", views.event_export, {"fmt": "csv"}, name="export_csv"),
    path("export.json", views.event_export, {"fmt": "json"}, name="export_json"),
    path("verify/", views.verify_now, name="verify"),
    path("verify/status/", views.verify_status, name="verify_status"),
    path("history/", views.history_fragment, name="history"),
]
