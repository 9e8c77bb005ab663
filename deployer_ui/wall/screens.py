"""Wall screens without a login: issuing a token (shown once, stored as a SHA-256 digest), opening a wall by its
token, revoking one, listing which screens are alive, and slowing down an address that tries bad tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from deployer_ui.models import WallScreen
from deployer_ui.status_cache import StatusCache
from deployer_ui.wall.board import WallScope
from portal.audit.service import record

TOKEN_BYTES = 32  # 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
# A screen's last poll is written at most this often (see `WallScreen.seen`).
SEEN_EVERY_SECONDS = 15


class TooManyBadTokens(Exception):
    """This address tried too many unknown, revoked or expired tokens; `retry_after` seconds until it may again."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many bad wall tokens; retry after {retry_after} s")
        self.retry_after = retry_after


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def scope_choices() -> dict[str, list[str]]:
    """The stages, infras and projects a new screen may be limited to: those of the deployments the status cache
    knows."""
    listed = StatusCache().load_list() or []
    return {"stages": sorted({d["stage"] for d in listed if d.get("stage")}),
            "infras": sorted({d["infra_id"] for d in listed if d.get("infra_id")}),
            "projects": sorted({d["project_key"] for d in listed if d.get("project_key")})}


def scope_of(screen: WallScreen) -> WallScope:
    return WallScope.of(screen.stages, screen.infras, screen.projects)


@dataclass(frozen=True)
class IssuedScreen:
    """A new screen and its token: the only time the token exists outside the screen's URL."""

    screen: WallScreen
    token: str


def issue(*, user, name: str, scope: WallScope, expires_at: datetime | None = None) -> IssuedScreen:
    """Create a wall screen with a new random token; audited (without the token). Returns the screen and token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        screen = WallScreen.objects.create(
            name=name, token_sha256=digest(token), stages=list(scope.stages), infras=list(scope.infras),
            projects=list(scope.projects), expires_at=expires_at, created_by=user,
            created_by_username=user.get_username(),
        )
        record(actor=user, action="wall_screen.create", target_type="wall_screen", target_id=str(screen.pk),
               outcome="success", input={"name": name, "stages": list(scope.stages), "infras": list(scope.infras),
                                         "projects": list(scope.projects),
                                         "expires_at": expires_at.isoformat() if expires_at else None})
    return IssuedScreen(screen, token)


def revoke(*, user, screen: WallScreen) -> bool:
    """Revoke a screen's token; its wall says "access revoked" at its next poll. Audited. False if it already was
    revoked (nothing done, nothing audited)."""
    with transaction.atomic():
        done = screen.revoke(by=user.get_username())
        if done:
            record(actor=user, action="wall_screen.revoke", target_type="wall_screen", target_id=str(screen.pk),
                   outcome="success", input={"name": screen.name})
    return done


class BadTokenThrottle:
    """Counts bad tokens per client address in the cache (`wall:bad-token:<address>`, a counter living one window):
    past WALL_BAD_TOKEN_LIMIT the address is refused until its window ends, before any token is looked up."""

    PREFIX = "wall:bad-token"

    def __init__(self):
        self.limit = int(settings.WALL_BAD_TOKEN_LIMIT)
        self.window = int(settings.WALL_BAD_TOKEN_WINDOW_SECONDS)

    def key(self, address: str | None) -> str:
        return f"{self.PREFIX}:{address or 'unknown'}"

    def retry_after(self, address: str | None) -> int | None:
        """Seconds until `address` may try again, or None when it is not blocked."""
        if (cache.get(self.key(address)) or 0) < self.limit:
            return None
        ttl = getattr(cache, "ttl", None)
        left = ttl(self.key(address)) if ttl else None
        return int(left) if isinstance(left, int) and left > 0 else self.window

    def count(self, address: str | None) -> None:
        key = self.key(address)
        if cache.add(key, 1, self.window):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls: this attempt starts a new window
            cache.add(key, 1, self.window)


def open_screen(token: str, address: str | None) -> WallScreen | None:
    """The screen of `token` if it still opens its wall, with this poll recorded; None for an unknown, revoked or
    expired token alike (counted against `address`). Raises `TooManyBadTokens` when the address tried too many."""
    throttle = BadTokenThrottle()
    retry_after = throttle.retry_after(address)
    if retry_after is not None:
        raise TooManyBadTokens(retry_after)
    screen = WallScreen.objects.filter(token_sha256=digest(token)).first() if _TOKEN_SHAPE.match(token) else None
    if screen is None or not screen.usable():
        throttle.count(address)
        return None
    screen.seen(address, every=SEEN_EVERY_SECONDS)
    return screen


@dataclass(frozen=True)
class ScreenRow:
    """A screen as the admins' list shows it: `state` is alive, quiet, never (opened), revoked or expired."""

    screen: WallScreen
    state: str

    @property
    def scope(self) -> WallScope:
        return scope_of(self.screen)


def screens_overview() -> list[ScreenRow]:
    """Every screen, usable ones first, each with whether it polled within WALL_QUIET_SECONDS."""
    now = timezone.now()
    rows = []
    for screen in WallScreen.objects.all():
        if screen.revoked:
            state = "revoked"
        elif screen.expired(now):
            state = "expired"
        elif screen.last_seen_at is None:
            state = "never"
        elif (now - screen.last_seen_at).total_seconds() <= settings.WALL_QUIET_SECONDS:
            state = "alive"
        else:
            state = "quiet"
        rows.append(ScreenRow(screen, state))
    rows.sort(key=lambda r: (r.state in ("revoked", "expired"), r.screen.name.casefold(), r.screen.pk))
    return rows
