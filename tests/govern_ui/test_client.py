"""The Govern client against the sandbox over HTTP: every operation of the contract, hostile ids, bad bodies.

Every request and response is validated against govern.openapi.yaml by the conftest hook.
"""

from __future__ import annotations

import pytest

from govern_ui.client import (
    Artifact,
    ArtifactSummary,
    Blueprint,
    BlueprintSummary,
    BlueprintVersion,
    BlueprintVersionSummary,
    GovernUser,
    Role,
    SignOff,
    SignOffReview,
    get_client,
)
from portal.lib import upstream
from portal.lib.upstream import UpstreamBadResponse, UpstreamNotFound, UpstreamRefused, encode_segment
from sandbox.seed import DEFAULT_ARTIFACT_COUNT, FIRST_ARTIFACT
from tests.contract import spec_operations


def test_every_contract_operation_has_a_working_method(sandbox):
    client = get_client()
    sandbox.reset_stats()

    blueprints = client.list_blueprints()
    assert {b.id for b in blueprints} >= {"bp-model", "bp-project", "bp-dataset"}
    assert all(isinstance(b, BlueprintSummary) for b in blueprints)

    model = client.get_blueprint("bp-model")
    assert isinstance(model, Blueprint)
    assert {f.type for f in model.field_settings} == {
        "TEXT", "LONG_TEXT", "NUMBER", "BOOLEAN", "DATE", "SELECT", "MULTISELECT", "USER", "USERS"
    }
    assert model.sign_off_steps and model.statuses and model.transitions

    created = client.create_blueprint("Portal test blueprint", description="made by a test")
    assert isinstance(created, Blueprint) and created.name == "Portal test blueprint"
    changed = Blueprint(**{**created.__dict__, "description": "changed", "field_settings": model.field_settings})
    client.update_blueprint(changed)
    assert client.get_blueprint(created.id).description == "changed"

    versions = client.list_blueprint_versions("bp-model")
    assert {v.status for v in versions} == {"DRAFT", "PUBLISHED", "ARCHIVED"}
    assert all(isinstance(v, BlueprintVersionSummary) for v in versions)
    new_version = client.create_blueprint_version(created.id)
    assert isinstance(new_version, BlueprintVersion) and new_version.status == "DRAFT"
    assert client.get_blueprint_version(created.id, new_version.id).id == new_version.id

    artifacts = client.list_artifacts()
    assert len(artifacts) == DEFAULT_ARTIFACT_COUNT and all(isinstance(a, ArtifactSummary) for a in artifacts)
    assert {a.blueprint_id for a in client.list_artifacts(blueprint_id="bp-dataset")} == {"bp-dataset"}

    art = client.create_artifact("Test artifact", "bp-model", custom_fields={"summary": "hello", "uses_pii": False})
    assert isinstance(art, Artifact) and art.custom_fields["summary"] == "hello"
    client.update_artifact(art.id, {"name": "Renamed artifact"})
    assert client.get_artifact(art.id).name == "Renamed artifact"
    client.set_custom_fields(art.id, {"risk_score": 42.5})
    assert client.get_custom_fields(art.id)["risk_score"] == 42.5

    sign_offs = client.list_sign_offs(art.id)
    assert sign_offs and all(isinstance(s, SignOff) and s.status == "NOT_STARTED" for s in sign_offs)
    first, second = sign_offs[0].step_id, sign_offs[1].step_id
    review = client.add_review(art.id, first, "APPROVED", "[via portal: alice] fine")
    assert isinstance(review, SignOffReview) and review.reviewer == "svc-portal"
    client.delegate_sign_off(art.id, second, "carol", "over to you")
    delegated = client.get_sign_off(art.id, second)
    assert delegated.status == "DELEGATED" and delegated.delegated_to == "carol"

    roles = client.list_roles()
    assert "reviewer" in {r.id for r in roles} and all(isinstance(r, Role) for r in roles)
    users = client.list_users()
    assert {"alice", "bob", "carol", "svc-portal"} <= {u.login for u in users}
    assert all(isinstance(u, GovernUser) for u in users)

    client.delete_artifact(art.id)
    with pytest.raises(UpstreamNotFound):
        client.get_artifact(art.id)
    client.delete_blueprint(created.id)
    with pytest.raises(UpstreamNotFound):
        client.get_blueprint(created.id)

    called = set(sandbox.stats()["govern"])
    missing = {f"{m} {p}" for m, p in spec_operations("govern")} - called
    assert not missing, f"operations never exercised: {missing}"
    assert sandbox.contract_hook.checked > 0


def test_refused_review_carries_govern_message(sandbox):
    summary = sandbox.summary()
    item = summary["signOffs"]["APPROVED"][0]
    with pytest.raises(UpstreamRefused) as caught:
        get_client().add_review(item["artifactId"], item["stepId"], "APPROVED", "late")
    assert "already APPROVED" in caught.value.message


@pytest.mark.parametrize(
    "hostile",
    [
        "a/../b", "..", ".", "../artifacts", f"{FIRST_ARTIFACT}/sign-offs", "x?y#z",
        f"{FIRST_ARTIFACT}?blueprintId=bp-model",
    ],
)
def test_hostile_id_is_encoded_and_lands_on_the_artifact_path(sandbox, hostile):
    sent = []
    upstream.response_hooks.append(sent.append)
    try:
        sandbox.reset_stats()
        with pytest.raises(UpstreamNotFound):
            get_client().get_artifact(hostile)
    finally:
        upstream.response_hooks.remove(sent.append)
    assert sandbox.stats()["govern"] == {"GET /artifacts/{artifactId}": 1}
    assert len(sent) == 1 and "/artifacts/" + encode_segment(hostile) in sent[0].request.url


def test_unknown_ids_are_not_found(sandbox):
    client = get_client()
    with pytest.raises(UpstreamNotFound):
        client.get_blueprint("bp-nope")
    with pytest.raises(UpstreamNotFound):
        client.get_sign_off(FIRST_ARTIFACT, "no-such-step")
    with pytest.raises(UpstreamNotFound):
        client.get_blueprint_version("bp-model", "bp-model-v99")


def test_garbage_body_raises_bad_response(sandbox, faults):
    faults(target="govern", garbage=True)
    with pytest.raises(UpstreamBadResponse):
        get_client().list_artifacts()


@pytest.mark.unit
@pytest.mark.parametrize(
    "body",
    [
        {"id": 7, "name": "x"},  # id not a string
        {"id": "a", "createdOn": "yesterday"},
        {"id": "a", "customFields": ["not", "an", "object"]},
        "just a string",
    ],
)
def test_malformed_artifact_shapes_raise_bad_response(body):
    # The sandbox only serves well-formed bodies; this feeds the parser bodies of the wrong shape directly.
    with pytest.raises(UpstreamBadResponse):
        Artifact.from_json(body)


@pytest.mark.unit
def test_malformed_sign_off_reviews_raise_bad_response():
    with pytest.raises(UpstreamBadResponse):
        SignOff.from_json({"stepId": "s", "reviews": {"reviewer": "alice"}})
    with pytest.raises(UpstreamBadResponse):
        Blueprint.from_json({"id": "b", "fieldSettings": [{"id": "f", "required": "yes"}]})
