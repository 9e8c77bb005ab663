"""The sign-off index rebuild: one Govern call per unchanged artifact, two when its open steps changed."""

from __future__ import annotations

from govern_ui.client import get_client
from govern_ui.index import SignOffIndex, rebuild

ARTIFACT = "GET /artifacts/{artifactId}"
SIGN_OFFS = "GET /artifacts/{artifactId}/sign-offs"


def _calls(sandbox):
    return sandbox.stats()["govern"]


def test_rebuild_reads_only_sign_offs_of_unchanged_artifacts(sandbox, db):
    artifacts = len(get_client().list_artifacts())
    sandbox.reset_stats()
    rebuild()
    first = _calls(sandbox)
    assert first[ARTIFACT] == artifacts and first[SIGN_OFFS] == artifacts

    sandbox.reset_stats()
    rebuild()
    second = _calls(sandbox)
    assert second.get(ARTIFACT, 0) == 0 and second[SIGN_OFFS] == artifacts


def test_rebuild_rereads_an_artifact_whose_open_steps_changed(sandbox, db):
    rebuild()
    item = sandbox.summary()["signOffs"]["NOT_STARTED"][0]
    get_client().add_review(item["artifactId"], item["stepId"], "REJECTED", "decided in Govern")

    sandbox.reset_stats()
    snapshot = rebuild()
    assert _calls(sandbox).get(ARTIFACT) == 1
    open_steps = {s.step_id for s in snapshot.artifacts[item["artifactId"]].steps}
    assert item["stepId"] not in open_steps


def test_rebuild_rereads_details_once_they_are_old(sandbox, db, settings):
    rebuild()
    settings.GOVERN_INDEX_DETAIL_SECONDS = 0
    sandbox.reset_stats()
    rebuild()
    assert _calls(sandbox)[ARTIFACT] == len(SignOffIndex().load().artifacts)
