"""Creating, listing, revoking and checking personal API tokens; creating and revoking are audited (never the value).

A token is `pt_` + 43 URL-safe characters from `secrets.token_urlsafe(32)` (256 bits): too many to guess, so the
digest needs no salt or slow hash, and a lookup by digest is one index read. The value found is compared with
`hmac.compare_digest` once more before it is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.audit.service import record
from portal.lib.errors import Refused
from portal.tokens.models import ApiToken

PREFIX = "pt_"
TOKEN_BYTES = 32
SHOWN_CHARS = 8  # of the value after the prefix, kept to tell tokens apart
MAX_ACTIVE = 20
# The shape of a value worth looking up; anything else is refused without a database read.
MAX_CHARS = 100


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its value: the only time the value exists outside its owner's hands."""

    token: ApiToken
    value: str


def active_tokens(user) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return sorted(ApiToken.objects.filter(user=user), key=lambda t: (not t.active, -t.created_at.timestamp()))


def create(*, user, name: str) -> IssuedToken:
    """A new token for `user` named `name`; audited without its value. Raises `Refused` past MAX_ACTIVE tokens."""
    name = name.strip()
    with transaction.atomic():
        if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE:
            reason = f"You have {MAX_ACTIVE} active API tokens: revoke one you no longer use first."
            record(actor=user, action="api_token.create", target_type="user", target_id=user.get_username(),
                   outcome="refused", input={"name": name}, detail=reason)
            raise Refused(reason)
        value = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        token = ApiToken.objects.create(user=user, name=name, prefix=value[: len(PREFIX) + SHOWN_CHARS],
                                        digest=digest(value))
        record(actor=user, action="api_token.create", target_type="api_token", target_id=str(token.pk),
               outcome="success", input={"name": name, "prefix": token.prefix})
    return IssuedToken(token, value)


def revoke(*, user, token_id: int) -> ApiToken | None:
    """Revoke one of `user`'s tokens (audited). None when `user` has no such token; a token already revoked is
    returned as it is, with nothing done or audited."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
        if token is None or not token.active:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=user, action="api_token.revoke", target_type="api_token", target_id=str(token.pk),
               outcome="success", input={"name": token.name, "prefix": token.prefix})
    return token


def authenticate(value: str) -> ApiToken | None:
    """The active token whose value is `value`, with its owner, its use stamped; None for anything else (unknown,
    revoked, malformed, or an inactive owner)."""
    if not value.startswith(PREFIX) or len(value) > MAX_CHARS or not value.isascii():
        return None
    wanted = digest(value)
    token = ApiToken.objects.select_related("user").filter(digest=wanted).first()
    if token is None or not hmac.compare_digest(token.digest, wanted) or not token.active:
        return None
    if not token.user.is_active:
        return None
    token.touch(int(settings.API_TOKEN_TOUCH_SECONDS))
    return token
