"""Unit tier: the Govern client's parsing rule at the boundary (govern_ui.client.types), on bodies built in memory:
ids and shapes strict, display text lenient, timestamps as datetimes that the API shows back as epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from govern_ui.api.serializers import ArtifactSummarySerializer
from govern_ui.client import Artifact, ArtifactSummary, GovernUser, SignOff
from portal.lib.upstream import UpstreamBadResponse
from sandbox.seed import BASE_TS, FIRST_ARTIFACT

pytestmark = pytest.mark.unit


def test_timestamps_become_utc_datetimes_and_the_api_shows_the_same_milliseconds():
    millis = BASE_TS + 123
    summary = ArtifactSummary.from_json({"id": FIRST_ARTIFACT, "createdOn": millis})
    assert summary.created_on == datetime(2025, 1, 1, 0, 0, 0, 123_000, tzinfo=UTC)
    assert ArtifactSummarySerializer(summary).data["created_on"] == millis
    sign_off = SignOff.from_json({"stepId": "s", "reviews": [{"reviewer": "bob", "reviewedOn": millis}]})
    assert sign_off.reviews[0].reviewed_on == summary.created_on
    assert Artifact.from_json({"id": FIRST_ARTIFACT}).last_modified_on is None


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (Artifact.from_json, {"name": "no id"}),
        (Artifact.from_json, {"id": ""}),
        (Artifact.from_json, {"id": "a", "blueprintId": 7}),
        (Artifact.from_json, {"id": "a", "lastModifiedOn": 1.5}),
        (SignOff.from_json, {"status": "NOT_STARTED"}),
        (SignOff.from_json, {"stepId": "s", "delegatedTo": ["carol"]}),
        (GovernUser.from_json, {"displayName": "Nobody"}),
    ],
)
def test_ids_references_and_typed_values_are_strict(parse, body):
    with pytest.raises(UpstreamBadResponse):
        parse(body)


def test_display_text_is_lenient():
    art = Artifact.from_json({"id": FIRST_ARTIFACT, "name": 42})
    assert art.name == "42" and art.created_by == "" and art.custom_fields == {}
    user = GovernUser.from_json({"login": "bob", "displayName": None, "email": ["x"]})
    assert (user.display_name, user.email) == ("", "['x']")
