"""A person's personal Govern API key: saving, replacing and removing it, each audited (never with the key)."""

from __future__ import annotations

from django.db import transaction

from portal.audit import service as audit
from portal.models import profile_of
from portal.signals import govern_key_saved


def save_govern_key(user, raw_key: str) -> None:
    """Seal and store `raw_key` as `user`'s Govern API key (replacing any), audit it, and tell the apps (their
    actions waiting for a key are retried after commit). Raises `ImproperlyConfigured` without Fernet keys."""
    with transaction.atomic():
        profile = profile_of(user)
        replaced = profile.govern_api_key_status != "none"
        profile.set_govern_api_key(raw_key)
        audit.record(
            actor=user,
            action="profile.govern_key.replace" if replaced else "profile.govern_key.save",
            target_type="user",
            target_id=user.get_username(),
            outcome="ok",
            input={"govern_login": profile.effective_govern_login},
        )
        govern_key_saved.send(sender=type(profile), user=user)


def remove_govern_key(user) -> bool:
    """Forget `user`'s Govern API key, audited. False when there was none."""
    with transaction.atomic():
        profile = profile_of(user)
        if profile.govern_api_key_status == "none":
            return False
        profile.clear_govern_api_key()
        audit.record(
            actor=user,
            action="profile.govern_key.remove",
            target_type="user",
            target_id=user.get_username(),
            outcome="ok",
            input={"govern_login": profile.effective_govern_login},
        )
    return True
