"""The catalog: Govern's lists, cached briefly in Redis — every artifact (the artifact list pages locally over it),
the users and the roles — and the display names read from it.

The artifact list is a stamped document: each process keeps the decoded list (and the lower-cased names for search)
until the stamp changes, so a page of a 10,000-artifact list costs one small Redis GET plus filtering and sorting in
Python.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from govern_ui.client import ArtifactSummary, GovernUser, Role, get_client
from portal.lib.parsing import datetime_to_ms, ms_to_datetime
from portal.lib.snapshot import RedisSnapshot, one_at_a_time
from portal.lib.upstream import UpstreamError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArtifactList:
    artifacts: tuple[ArtifactSummary, ...]
    names: tuple[str, ...]  # casefolded, parallel to `artifacts`
    blueprint_ids: tuple[str, ...]
    statuses: tuple[str, ...]

    @classmethod
    def of(cls, artifacts: tuple[ArtifactSummary, ...]) -> ArtifactList:
        return cls(
            artifacts=artifacts,
            names=tuple(a.name.casefold() for a in artifacts),
            blueprint_ids=tuple(sorted({a.blueprint_id for a in artifacts})),
            statuses=tuple(sorted({a.status for a in artifacts})),
        )


class Catalog(RedisSnapshot):
    """Key format, TTLs and (JSON) serialisation of the cached lists."""

    PREFIX = "govern:catalog:v1"

    def __init__(self) -> None:
        super().__init__(ttl=settings.GOVERN_ARTIFACT_CACHE_SECONDS)

    def artifact_list(self) -> ArtifactList:
        """Every artifact, from the cache or (on a miss) from Govern. Raises `UpstreamError` on a miss Govern fails."""
        found = self.read_stamped("artifacts", _decode_artifacts)
        if found is not None:
            return found
        # When the list expires, the threads of a process that miss it together wait for one of them to read it
        # from Govern, instead of each reading and decoding ten thousand artifacts at once (the process's peak).
        with one_at_a_time(self.key("artifacts", "fill")):
            found = self.read_stamped("artifacts", _decode_artifacts)
            if found is not None:
                return found
            rows = [
                [a.id, a.name, a.blueprint_id, a.status, datetime_to_ms(a.created_on), a.created_by]
                for a in get_client().list_artifacts()
            ]
            self.write_stamped("artifacts", rows)
            return _decode_artifacts(rows)

    def users(self) -> dict[str, GovernUser]:
        """Govern users by login. Raises `UpstreamError` on a miss Govern fails."""
        found = self.read("users")
        if found is None:
            found = [dataclasses.asdict(u) for u in get_client().list_users()]
            self.write(found, "users", ttl=settings.GOVERN_DIRECTORY_CACHE_SECONDS)
        return {u["login"]: GovernUser(**{**u, "roles": tuple(u["roles"])}) for u in found}

    def roles(self) -> list[Role]:
        """Govern roles. Raises `UpstreamError` on a miss Govern fails."""
        found = self.read("roles")
        if found is None:
            found = [dataclasses.asdict(r) for r in get_client().list_roles()]
            self.write(found, "roles", ttl=settings.GOVERN_DIRECTORY_CACHE_SECONDS)
        return [Role(**{**r, "permissions": tuple(r["permissions"])}) for r in found]


def _decode_artifacts(rows: list[list[Any]]) -> ArtifactList:
    return ArtifactList.of(
        tuple(
            ArtifactSummary(art_id, name, bp_id, status, ms_to_datetime(created_on), created_by)
            for art_id, name, bp_id, status, created_on, created_by in rows
        )
    )


def users_or_empty() -> dict[str, GovernUser]:
    """Govern users by login, or {} when Govern cannot give them: display names are a nicety, pages show logins."""
    try:
        return Catalog().users()
    except UpstreamError as exc:
        log.warning("Govern users unavailable, showing logins: %s", exc)
        return {}


def display_name(login: str, users: dict[str, GovernUser]) -> str:
    """The user's display name, else the login itself."""
    user = users.get(login)
    return user.display_name or login if user else login
