"""API tokens in the Django admin: read-only (who has which token, when it was last used). A token is revoked by its
owner on the profile page, where the revocation is audited."""

from django.contrib import admin

from portal.audit.admin import ReadOnlyAdmin
from portal.tokens.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    exclude = ("digest",)
