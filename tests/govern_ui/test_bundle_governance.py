"""Bundle governance: the rules (pure, no sandbox) and the worker's refresh against the sandbox's linked artifacts."""

from __future__ import annotations

import pytest

from govern_ui import bundle_governance as bg
from govern_ui.bundle_governance import ArtifactLink, BundleGovernance, BundleGovernanceCache
from govern_ui.client import SignOff, get_client

LIST = "GET /artifacts"
DETAIL = "GET /artifacts/{artifactId}"
SIGN_OFFS = "GET /artifacts/{artifactId}/sign-offs"


def sign_offs(*statuses: str) -> list[SignOff]:
    return [SignOff(step_id=f"s{n}", step_name=f"Step {n}", status=s) for n, s in enumerate(statuses)]


def link(artifact_id: str, state: str | None, created_on: int, bundle=("CHURN", "v4")) -> ArtifactLink:
    return ArtifactLink(artifact_id=artifact_id, name=artifact_id, created_on=created_on, project_key=bundle[0],
                        bundle_id=bundle[1], checked_at=1.0, state=state)


# --- the rules --------------------------------------------------------------------------------------------------------


def test_sign_off_state_of_an_artifact():
    assert bg.sign_off_state(sign_offs("APPROVED", "APPROVED")) == bg.APPROVED
    assert bg.sign_off_state(sign_offs("APPROVED", "REJECTED")) == bg.REJECTED
    assert bg.sign_off_state(sign_offs("IN_PROGRESS", "REJECTED")) == bg.REJECTED
    assert bg.sign_off_state(sign_offs("APPROVED", "DELEGATED")) == bg.PENDING
    assert bg.sign_off_state(sign_offs("APPROVED", "NOT_STARTED")) == bg.PENDING
    assert bg.sign_off_state([]) == bg.PENDING


def test_the_newest_artifact_decides_and_an_older_approval_makes_it_a_withdrawal():
    bundles = bg.derive_bundles([link("a1", bg.APPROVED, 1), link("a2", bg.PENDING, 2)], {}, now=100.0)
    only = bundles[("CHURN", "v4")]
    assert (only.state, only.artifact_id, only.withdrawn, only.flagged) == (bg.PENDING, "a2", True, True)
    bundles = bg.derive_bundles([link("a1", bg.PENDING, 1), link("a2", bg.APPROVED, 2)], {}, now=100.0)
    assert bundles[("CHURN", "v4")].state == bg.APPROVED and not bundles[("CHURN", "v4")].flagged


def test_an_approval_seen_earlier_and_lost_since_is_a_withdrawal_until_approved_again():
    first = bg.derive_bundles([link("a1", bg.APPROVED, 1)], {}, now=100.0)
    assert first[("CHURN", "v4")].approved_at == 100.0
    second = bg.derive_bundles([link("a1", bg.REJECTED, 1)], first, now=200.0)
    assert second[("CHURN", "v4")].withdrawn and second[("CHURN", "v4")].approved_at == 100.0
    third = bg.derive_bundles([link("a1", bg.PENDING, 1)], second, now=300.0)
    assert third[("CHURN", "v4")].withdrawn, "stays withdrawn while it is not approved"
    fourth = bg.derive_bundles([link("a1", bg.APPROVED, 1)], third, now=400.0)
    assert not fourth[("CHURN", "v4")].withdrawn


def test_unlinked_and_unread_artifacts_govern_nothing():
    unlinked = ArtifactLink(artifact_id="a1", name="x", created_on=1, checked_at=1.0, state=None)
    assert bg.derive_bundles([unlinked, link("a2", None, 2)], {}, now=1.0) == {}


def test_lookup_says_not_governed_only_once_every_link_is_known():
    known = {("CHURN", "v4"): BundleGovernance("CHURN", "v4", bg.APPROVED)}
    partial = bg.GovernanceSnapshot(built_at=1.0, ok=True, complete=False, bundles=known)
    assert partial.lookup("CHURN", "v4").state == bg.APPROVED
    assert partial.lookup("FRAUD", "v1") is None
    complete = bg.GovernanceSnapshot(built_at=1.0, ok=True, complete=True, bundles=known)
    assert complete.lookup("FRAUD", "v1").state == bg.NOT_GOVERNED


# --- the refresh, against the sandbox ---------------------------------------------------------------------------------


@pytest.fixture
def seeded(sandbox):
    """The seed's bundles: {(project, bundle): {"state", "artifactIds"}}."""
    return {(b["projectKey"], b["bundleId"]): b for b in sandbox.summary()["bundles"]}


def test_refresh_maps_every_deployed_bundle_to_its_seeded_state(sandbox, seeded):
    snapshot = bg.refresh()
    assert snapshot.ok and snapshot.complete
    for key, bundle in seeded.items():
        governance = snapshot.lookup(*key)
        if bundle["state"] == "ungoverned":
            assert governance.state == bg.NOT_GOVERNED
        elif bundle["state"] == "withdrawn":
            assert governance.state == bg.PENDING and governance.withdrawn
            assert governance.artifact_id == bundle["artifactIds"][-1]
        else:
            assert governance.state == bundle["state"] and not governance.withdrawn
    assert BundleGovernanceCache().load() == snapshot


def test_refresh_reads_links_once_and_sign_offs_of_linked_artifacts_each_cycle(sandbox, seeded):
    artifacts = len(get_client().list_artifacts())
    linked = sum(len(b["artifactIds"]) for b in seeded.values())
    sandbox.reset_stats()
    bg.refresh()
    assert sandbox.stats()["govern"] == {LIST: 1, DETAIL: artifacts, SIGN_OFFS: linked}
    sandbox.reset_stats()
    stamp = BundleGovernanceCache().display()
    bg.refresh()
    assert sandbox.stats()["govern"] == {LIST: 1, SIGN_OFFS: linked}
    assert BundleGovernanceCache().display() == stamp, "nothing changed: screens see the same digest"


def test_a_blueprint_filter_reads_only_that_blueprints_artifacts(sandbox, seeded, settings):
    settings.GOVERN_BUNDLE_BLUEPRINTS = ["bp-bundle"]
    linked = sum(len(b["artifactIds"]) for b in seeded.values())
    sandbox.reset_stats()
    snapshot = bg.refresh()
    assert sandbox.stats()["govern"] == {LIST: 1, DETAIL: linked, SIGN_OFFS: linked}
    assert snapshot.complete and len(snapshot.bundles) == len([b for b in seeded.values() if b["artifactIds"]])


def test_the_link_fields_are_settings(sandbox, settings):
    settings.GOVERN_BUNDLE_PROJECT_FIELD = "no_such_field"
    snapshot = bg.refresh()
    assert snapshot.bundles == {} and snapshot.lookup("CHURN", "v4").state == bg.NOT_GOVERNED


def test_a_first_refresh_is_spread_over_cycles_within_its_budget(sandbox, settings):
    settings.GOVERN_BUNDLE_REQUESTS_PER_SECOND = 20.0
    settings.GOVERN_BUNDLE_REFRESH_SECONDS = 1  # room for 20 artifact reads a cycle
    artifacts = len(get_client().list_artifacts())
    sandbox.reset_stats()
    first = bg.refresh()
    assert sandbox.stats()["govern"][DETAIL] == 20 and not first.complete
    assert first.lookup("NO_SUCH", "v1") is None, "unknown until every link is read, never 'not governed'"
    cycles = 1
    while not bg.refresh().complete:
        cycles += 1
        assert cycles < 10
    assert sum(1 for _ in BundleGovernanceCache().load().links) == artifacts
    assert sandbox.stats()["govern"][DETAIL] == artifacts, "each artifact's custom fields read once"


def test_a_new_review_and_a_reopened_bundle_show_at_the_next_refresh(sandbox, seeded):
    bg.refresh()
    pending = next(key for key, b in seeded.items() if b["state"] == "pending")
    approved = next(key for key, b in seeded.items() if b["state"] == "approved")
    client = get_client()
    artifact_id = seeded[pending]["artifactIds"][-1]
    for sign_off in client.list_sign_offs(artifact_id):
        client.add_review(artifact_id, sign_off.step_id, "APPROVED", "ok")
    client.create_artifact(f"{approved[0]} {approved[1]} re-review", "bp-bundle", custom_fields={
        "summary": "Re-review", "project_key": approved[0], "bundle_id": approved[1]})
    snapshot = bg.refresh()
    assert snapshot.lookup(*pending).state == bg.APPROVED and not snapshot.lookup(*pending).flagged
    reopened = snapshot.lookup(*approved)
    assert reopened.state == bg.PENDING and reopened.withdrawn and reopened.flagged


def test_govern_down_keeps_the_last_states_and_says_so(sandbox, faults):
    before = bg.refresh()
    faults(target="govern", down=True)
    after = bg.refresh()
    assert not after.ok and "cannot be reached" in after.error
    assert after.bundles == before.bundles and after.built_at == before.built_at


def test_one_refresh_at_a_time(sandbox):
    store = BundleGovernanceCache()
    token = store.lock().acquire()
    try:
        assert bg.refresh() is None
    finally:
        store.lock().release(token)
    assert bg.refresh() is not None
    assert bg.refresh(on_demand=True) is None, "an on-demand refresh finds it warm"
