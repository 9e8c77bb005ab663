"""Secrets at rest: text encrypted with Fernet under the keys in `settings.PORTAL_FERNET_KEYS` (newest first).

The first key encrypts; every key decrypts, so a new key can be put first while the old ones still read what they
wrote, and `rotate` re-encrypts a token under the newest key (`manage.py rotate_secrets`). A token none of the keys
opens reads as absent, never as an exception on a page.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _box() -> MultiFernet:
    keys = list(getattr(settings, "PORTAL_FERNET_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("PORTAL_FERNET_KEYS is not set: secrets cannot be stored.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"PORTAL_FERNET_KEYS holds a malformed key: {exc}") from None


def check_keys() -> str:
    """'' when the configured keys can encrypt, else what is wrong with them (for the system checks)."""
    try:
        _box()
    except ImproperlyConfigured as exc:
        return str(exc)
    return ""


def seal(plaintext: str) -> str:
    """`plaintext` encrypted under the newest key (URL-safe text). Raises `ImproperlyConfigured` without keys."""
    return _box().encrypt(plaintext.encode()).decode()


def open_sealed(token: str) -> str | None:
    """The text sealed in `token`, or None when it is empty or no configured key opens it."""
    if not token:
        return None
    try:
        return _box().decrypt(token.encode()).decode()
    except (InvalidToken, ImproperlyConfigured):
        return None


def rotate(token: str) -> str:
    """`token` re-encrypted under the newest key. Raises `InvalidToken` when no configured key opens it."""
    return _box().rotate(token.encode()).decode()
