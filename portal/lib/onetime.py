"""One-time form tokens: a confirmation page issues one, and the POST it sends redeems it, at most once.

A double submit (two clicks, a reload of the POST, two tabs) therefore acts once: the second redeem finds the token
gone. A token is bound to the person and to what it confirms (`purpose`, e.g. "apinode.delete_key:node-a/key-3"),
so it cannot confirm anything else, and it expires after `TTL` seconds.

Only a hash is stored in Redis: the key names the hash of (token, user id, purpose), so a redeem is one atomic DEL
whose result says whether the token was valid. When Redis cannot be reached, no token redeems: the action is refused
(the person is asked to confirm again), never done twice.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache

PREFIX = "onetime:v1"
TTL = 30 * 60


def _key(token: str, user_id: object, purpose: str) -> str:
    digest = hashlib.sha256(f"{token}\x00{user_id}\x00{purpose}".encode()).hexdigest()
    return f"{PREFIX}:{digest}"


def issue(user, purpose: str) -> str:
    """A new token that `user` may redeem once for `purpose` within `TTL` seconds."""
    token = secrets.token_urlsafe(24)
    cache.set(_key(token, user.pk, purpose), 1, TTL)
    return token


def redeem(user, purpose: str, token: str) -> bool:
    """True exactly once per issued token, for the same user and purpose; False for a used, expired, forged or
    foreign token (or when Redis is down)."""
    if not token or len(token) > 100:
        return False
    return bool(cache.delete(_key(token, user.pk, purpose)))
