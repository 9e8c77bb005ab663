"""Briefly cached Govern lists: all artifacts (the artifact list pages locally over it), users and roles.

The artifact list is stored in Redis as compact tuples under a stamp; each process keeps the decoded list (and the
lower-cased names for search) until the stamp changes, so a page of a 10,000-artifact list costs one small Redis
GET plus filtering and sorting in Python.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from govern_ui.client import ArtifactSummary, GovernUser, Role, get_client

ARTIFACTS_KEY = "govern:artifacts:v1"
ARTIFACTS_STAMP_KEY = "govern:artifacts:v1:stamp"
USERS_KEY = "govern:users:v1"
ROLES_KEY = "govern:roles:v1"


@dataclass(frozen=True)
class ArtifactList:
    stamp: str
    artifacts: tuple[ArtifactSummary, ...]
    names: tuple[str, ...]  # casefolded, parallel to `artifacts`
    blueprint_ids: tuple[str, ...]
    statuses: tuple[str, ...]


_memo_lock = threading.Lock()
_memo: ArtifactList | None = None


def artifact_list() -> ArtifactList:
    """Every artifact, from the cache or (on a miss) from Govern. Raises `UpstreamError` on a miss Govern fails."""
    global _memo
    stamp = cache.get(ARTIFACTS_STAMP_KEY)
    memo = _memo
    if stamp is not None and memo is not None and memo.stamp == stamp:
        return memo
    rows = cache.get(ARTIFACTS_KEY) if stamp is not None else None
    if rows is None:
        items = get_client().list_artifacts()
        rows = [(a.id, a.name, a.blueprint_id, a.status, a.created_on, a.created_by) for a in items]
        stamp = secrets.token_hex(8)
        ttl = settings.GOVERN_ARTIFACT_CACHE_SECONDS
        cache.set(ARTIFACTS_KEY, rows, ttl)
        cache.set(ARTIFACTS_STAMP_KEY, stamp, ttl)
    artifacts = tuple(ArtifactSummary(*row) for row in rows)
    built = ArtifactList(
        stamp=stamp,
        artifacts=artifacts,
        names=tuple(a.name.casefold() for a in artifacts),
        blueprint_ids=tuple(sorted({a.blueprint_id for a in artifacts})),
        statuses=tuple(sorted({a.status for a in artifacts})),
    )
    with _memo_lock:
        _memo = built
    return built


def forget_artifacts() -> None:
    cache.delete_many([ARTIFACTS_KEY, ARTIFACTS_STAMP_KEY])


def users() -> dict[str, GovernUser]:
    """Govern users by login (cached). Raises `UpstreamError` on a miss Govern fails."""
    found = cache.get(USERS_KEY)
    if found is None:
        found = {u.login: u for u in get_client().list_users()}
        cache.set(USERS_KEY, found, settings.GOVERN_DIRECTORY_CACHE_SECONDS)
    return found


def roles() -> list[Role]:
    """Govern roles (cached). Raises `UpstreamError` on a miss Govern fails."""
    found = cache.get(ROLES_KEY)
    if found is None:
        found = get_client().list_roles()
        cache.set(ROLES_KEY, found, settings.GOVERN_DIRECTORY_CACHE_SECONDS)
    return found
