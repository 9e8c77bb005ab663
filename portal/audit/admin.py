"""The audit log in the Django admin (read-only listing)."""

from django.contrib import admin

from portal.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "action", "target_type", "target_id", "outcome", "upstream_status")
    list_filter = ("action", "outcome", "target_type")
    search_fields = ("actor_username", "target_id", "detail")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
