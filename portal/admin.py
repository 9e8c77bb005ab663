"""The user admin with each person's profile inline: their Govern login and the state of their personal key."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from portal.models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name = "Govern identity"
    verbose_name_plural = "Govern identity"
    fields = ("govern_login", "govern_api_key")
    readonly_fields = ("govern_api_key",)

    @admin.display(description="Personal Govern API key")
    def govern_api_key(self, profile: Profile) -> str:
        # The state only: the key itself is never shown, not even to an administrator.
        status = profile.govern_api_key_status
        if status == "none":
            return "none saved"
        when = profile.govern_api_key_saved_at
        saved = f"saved {when:%Y-%m-%d %H:%M}" if when else "saved"
        return f"{saved}; refused by Govern, the user must replace it" if status == "refused" else saved


class PortalUserAdmin(UserAdmin):
    inlines = [ProfileInline]

    def get_inlines(self, request, obj):
        # A new user's profile is created by a signal when the user is saved; the inline edits it afterwards.
        return self.inlines if obj is not None else []


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
