"""Builders of Govern data for the unit tier: sign-offs, reviews, artifacts, index steps and review actions, made in
memory (no sandbox, no Redis, no database) with the default seed's ids and logins."""

from __future__ import annotations

from datetime import datetime, timedelta

from govern_ui.catalog import ArtifactList
from govern_ui.client import ArtifactSummary, FieldSetting, GovernUser, SignOff, SignOffReview
from govern_ui.index import IndexedStep
from govern_ui.models import ReviewAction, attribution
from portal.lib.parsing import ms_to_datetime
from sandbox.seed import BASE_TS, FIRST_ARTIFACT, FIRST_STEP

ALICE, BOB, CAROL = "alice", "bob", "carol"  # reviewers of the default seed (sandbox.seed.REVIEWERS)
SEED_START = ms_to_datetime(BASE_TS)


def day(n: float) -> datetime:
    """A moment `n` days after the seed's fixed start."""
    return SEED_START + timedelta(days=n)


def review(reviewer: str = BOB, outcome: str = "APPROVED", *, on: datetime | None = None, comment: str = "",
           via_portal: str = "") -> SignOffReview:
    """A review; `via_portal` sends it as the portal's service account, attributed to that login."""
    if via_portal:
        reviewer, comment = "svc-portal", f"{attribution(via_portal)} {comment}".strip()
    return SignOffReview(reviewer=reviewer, outcome=outcome, comment=comment, reviewed_on=on)


def sign_off(step_id: str = FIRST_STEP, status: str = "NOT_STARTED", *reviews: SignOffReview, delegated_to: str = "",
             step_name: str = "") -> SignOff:
    return SignOff(step_id=step_id, step_name=step_name or step_id.replace("-", " ").capitalize(), status=status,
                   reviews=tuple(reviews), delegated_to=delegated_to)


def artifact(art_id: str = FIRST_ARTIFACT, name: str = "Customer churn model", *, blueprint_id: str = "bp-model",
             status: str = "draft", created_on: datetime | None = None, created_by: str = "grace") -> ArtifactSummary:
    return ArtifactSummary(id=art_id, name=name, blueprint_id=blueprint_id, status=status,
                           created_on=created_on if created_on is not None else day(0), created_by=created_by)


def artifact_list(*artifacts: ArtifactSummary) -> ArtifactList:
    return ArtifactList.of(tuple(artifacts))


def step(art_id: str = FIRST_ARTIFACT, step_id: str = FIRST_STEP, *, status: str = "NOT_STARTED",
         delegated_to: str = "", reviewers: frozenset[str] = frozenset(), waiting_since: datetime | None = None,
         assignee_type: str = "") -> IndexedStep:
    """An open step as the sign-off index holds it."""
    return IndexedStep(art_id, f"Artifact {art_id}", "bp-model", step_id, step_id, status, delegated_to,
                       frozenset(reviewers), waiting_since, assignee_type)


def action(kind: str = ReviewAction.Kind.APPROVE, state: str = ReviewAction.State.PENDING, *,
           step_id: str = FIRST_STEP, login: str = ALICE) -> ReviewAction:
    """A review action in memory (never saved)."""
    return ReviewAction(kind=kind, state=state, artifact_id=FIRST_ARTIFACT, step_id=step_id, govern_login=login)


def field_setting(field_id: str, field_type: str, name: str = "") -> FieldSetting:
    return FieldSetting(id=field_id, name=name or field_id, description="", type=field_type, required=False,
                        options=())


def govern_users(*logins_and_names: tuple[str, str]) -> dict[str, GovernUser]:
    return {login: GovernUser(login, name, f"{login}@example.com", ()) for login, name in logins_and_names}
