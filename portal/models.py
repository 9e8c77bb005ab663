"""Per-person settings the portal keeps beside Django's user (the Govern login)."""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What the portal knows of a user beyond Django's: who they are in Govern."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    govern_login = models.CharField(
        max_length=150,
        blank=True,
        help_text="The user's login in Dataiku Govern. Empty means the same as the portal username.",
    )

    def __str__(self) -> str:
        return f"{self.user.username} -> {self.effective_govern_login}"

    @property
    def effective_govern_login(self) -> str:
        return self.govern_login or self.user.username


def govern_login_of(user) -> str:
    """The Govern login a portal user acts as (the profile field, defaulting to the username)."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.govern_login:
        return profile.govern_login
    return user.get_username()
