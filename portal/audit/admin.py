"""The audit log in the Django admin: read-only. Nobody, superusers included, adds, changes or deletes an event here
(events are written only by the portal's code path, see portal.audit.service)."""

from django.contrib import admin

from portal.audit.models import AuditEvent, VerifyRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "source", "actor_username", "action", "target_type", "target_id", "outcome",
                    "upstream_status")
    list_filter = ("source", "action", "outcome", "target_type")
    search_fields = ("actor_username", "govern_login", "target_id", "artifact_id", "deployment_id", "detail")
    show_full_result_count = False


@admin.register(VerifyRun)
class VerifyRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "requested_by", "ok", "verified", "first_bad_event_id", "message")
