"""Per-person settings the portal keeps beside Django's user: the Govern login and a personal Govern API key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.lib import secretbox


class Profile(models.Model):
    """What the portal knows of a user beyond Django's: who they are in Govern, and (when reviews are sent as each
    reviewer, `GOVERN_REVIEW_AS=user`) their personal Govern API key, sealed with `portal.lib.secretbox`.

    The key is written and read only through `set_govern_api_key` / `govern_api_key`; it is never rendered, logged
    or put in an audit record.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    govern_login = models.CharField(
        max_length=150,
        blank=True,
        help_text="The user's login in Dataiku Govern. Empty means the same as the portal username.",
    )
    govern_api_key_sealed = models.TextField(blank=True, editable=False)
    govern_api_key_saved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when Govern answered 401 to this key: the reviewer is asked to replace it; their actions wait.
    govern_api_key_refused_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.user.username} -> {self.effective_govern_login}"

    @property
    def effective_govern_login(self) -> str:
        return self.govern_login or self.user.username

    # -- the personal Govern API key ----------------------------------------------------------------------------

    @property
    def govern_api_key_status(self) -> str:
        """"none", "saved" or "refused" (Govern answered 401 to it)."""
        if not self.govern_api_key_sealed:
            return "none"
        return "refused" if self.govern_api_key_refused_at else "saved"

    def set_govern_api_key(self, raw_key: str) -> None:
        """Seal and save a new key (clears a refusal). Raises `ImproperlyConfigured` when no Fernet key is set."""
        self.govern_api_key_sealed = secretbox.seal(raw_key)
        self.govern_api_key_saved_at = timezone.now()
        self.govern_api_key_refused_at = None
        self.save(update_fields=["govern_api_key_sealed", "govern_api_key_saved_at", "govern_api_key_refused_at"])

    def clear_govern_api_key(self) -> None:
        self.govern_api_key_sealed = ""
        self.govern_api_key_saved_at = None
        self.govern_api_key_refused_at = None
        self.save(update_fields=["govern_api_key_sealed", "govern_api_key_saved_at", "govern_api_key_refused_at"])

    def govern_api_key(self) -> str | None:
        """The key in clear, for one request to Govern; None when none is saved or it cannot be opened."""
        return secretbox.open_sealed(self.govern_api_key_sealed)

    def mark_govern_api_key_refused(self, sealed: str) -> bool:
        """Record that Govern refused the key sealed as `sealed`; a key replaced meanwhile is left alone. True when
        the refusal was recorded."""
        done = type(self).objects.filter(pk=self.pk, govern_api_key_sealed=sealed).update(
            govern_api_key_refused_at=timezone.now()
        )
        return done == 1


def profile_of(user) -> Profile:
    """The user's profile, created if missing (users made before profiles existed)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def govern_login_of(user) -> str:
    """The Govern login a portal user acts as (the profile field, defaulting to the username)."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.govern_login:
        return profile.govern_login
    return user.get_username()


def display_name_of(user) -> str:
    """How the portal names a person: their full name, else their username."""
    return user.get_full_name().strip() or user.get_username()


def govern_logins_in_group(group: str) -> frozenset[str]:
    """The Govern logins of the active portal users in role group `group` (and of superusers for "admin")."""
    query = models.Q(groups__name=group)
    if group == "admin":
        query |= models.Q(is_superuser=True)
    user_model = Profile._meta.get_field("user").related_model
    rows = user_model.objects.filter(query, is_active=True).values_list("username", "profile__govern_login")
    return frozenset(login or username for username, login in rows)
