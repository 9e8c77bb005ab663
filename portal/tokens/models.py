"""A personal API token: its owner, its name, a prefix to recognise it by, and the SHA-256 digest of its value."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """The token's value exists only in the answer that created it; the portal keeps its digest. A revoked token is
    kept (who made it and when it was last used stay readable) but never authenticates again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the value ("pt_Ab3dE…"), shown so its owner can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_active_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def touch(self, every_seconds: int) -> None:
        """Stamp `last_used_at`, at most once per `every_seconds` (one conditional UPDATE, not a write per request)."""
        now = timezone.now()
        if self.last_used_at is not None and now - self.last_used_at < timedelta(seconds=every_seconds):
            return
        stale = models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lt=now - timedelta(seconds=every_seconds))
        type(self).objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now
