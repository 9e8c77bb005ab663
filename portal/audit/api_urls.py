"""URLs of the audit log's REST API (under /api/audit/)."""

from django.urls import path

from portal import converters  # noqa: F401 - registers the "rowid" path converter
from portal.audit import api

app_name = "audit_api"
urlpatterns = [
    path("events/", api.EventList.as_view(), name="events"),
    path("events/<rowid:event_id>/", api.EventDetail.as_view(), name="event"),
    path("export.csv", api.ExportCsv.as_view(), name="export_csv"),
    path("export.json", api.ExportJson.as_view(), name="export_json"),
    path("verify/", api.Verification.as_view(), name="verify"),
]
