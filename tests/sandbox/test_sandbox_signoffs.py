"""The sign-off state machine described in sandbox/README.md."""

from __future__ import annotations


def pick(sb, status: str, required: int | None = None, reviews: int | None = None) -> dict:
    for item in sb.summary()["signOffs"][status]:
        if (required is None or item["requiredReviewers"] == required) and (reviews is None or
                                                                             item["reviews"] == reviews):
            return item
    raise AssertionError(f"seed has no {status} step with required={required} reviews={reviews}")


def review_path(item: dict) -> str:
    return f"/artifacts/{item['artifactId']}/sign-offs/{item['stepId']}/reviews"


def step(govern, item: dict) -> dict:
    return govern.get(f"/artifacts/{item['artifactId']}/sign-offs/{item['stepId']}").json()


def test_approvals_reach_required_reviewers(sb, govern, govern_as):
    item = pick(sb, "NOT_STARTED", required=2)
    first = govern_as("alice").post(review_path(item), json={"outcome": "APPROVED", "comment": "ok"}).json()
    assert first["reviewer"] == "alice" and first["outcome"] == "APPROVED" and first["reviewedOn"] > 0
    assert step(govern, item)["status"] == "IN_PROGRESS"
    govern_as("bob").post(review_path(item), json={"outcome": "APPROVED"})
    after = step(govern, item)
    assert after["status"] == "APPROVED"
    assert [r["reviewer"] for r in after["reviews"]] == ["alice", "bob"]


def test_single_reviewer_step_approves_at_once(sb, govern_as, govern):
    item = pick(sb, "NOT_STARTED", required=1)
    govern_as("carol").post(review_path(item), json={"outcome": "APPROVED"})
    assert step(govern, item)["status"] == "APPROVED"


def test_rejection_rejects(sb, govern, govern_as):
    item = pick(sb, "IN_PROGRESS", required=2, reviews=1)
    reviewer = next(login for login in ("alice", "bob", "carol")
                    if login not in {r["reviewer"] for r in step(govern, item)["reviews"]})
    govern_as(reviewer).post(review_path(item), json={"outcome": "REJECTED", "comment": "bias found"})
    assert step(govern, item)["status"] == "REJECTED"


def test_review_on_decided_step_is_400(sb, govern):
    for status in ("APPROVED", "REJECTED"):
        item = pick(sb, status)
        before = step(govern, item)
        response = govern.post(review_path(item), json={"outcome": "APPROVED"}, check=False)
        govern.validator.validate_error(response)
        assert response.status_code == 400
        assert status in response.json()["message"]
        assert step(govern, item) == before


def test_user_cannot_review_twice_but_service_account_can(sb, govern, govern_as):
    item = pick(sb, "NOT_STARTED", required=2)
    govern_as("alice").post(review_path(item), json={"outcome": "APPROVED"})
    again = govern_as("alice").post(review_path(item), json={"outcome": "APPROVED"}, check=False)
    assert again.status_code == 400 and "already reviewed" in again.json()["message"]
    assert step(govern, item)["status"] == "IN_PROGRESS"
    service = govern.post(review_path(item), json={"outcome": "APPROVED"}).json()
    assert service["reviewer"] == "svc-portal"
    assert step(govern, item)["status"] == "APPROVED"


def test_delegated_step_only_delegate_or_service_may_review(sb, govern, govern_as):
    item = pick(sb, "DELEGATED")
    delegate = item["delegatedTo"]
    other = next(login for login in ("alice", "bob", "carol", "dave") if login != delegate)
    refused = govern_as(other).post(review_path(item), json={"outcome": "APPROVED"}, check=False)
    assert refused.status_code == 400 and delegate in refused.json()["message"]
    assert step(govern, item)["status"] == "DELEGATED"
    govern_as(delegate).post(review_path(item), json={"outcome": "APPROVED"})
    assert step(govern, item)["status"] == "APPROVED"  # the seeded approval plus the delegate's


def test_delegation(sb, govern):
    item = pick(sb, "IN_PROGRESS")
    path = f"/artifacts/{item['artifactId']}/sign-offs/{item['stepId']}/delegate"
    govern.post(path, json={"delegateTo": "heidi", "comment": "on leave"})
    after = step(govern, item)
    assert (after["status"], after["delegatedTo"]) == ("DELEGATED", "heidi")
    unknown = govern.post(path, json={"delegateTo": "mallory"}, check=False)
    assert unknown.status_code == 400 and "mallory" in unknown.json()["message"]
    decided = pick(sb, "APPROVED")
    response = govern.post(f"/artifacts/{decided['artifactId']}/sign-offs/{decided['stepId']}/delegate",
                           json={"delegateTo": "bob"}, check=False)
    assert response.status_code == 400


def test_the_open_steps_knob_leaves_exactly_that_many_steps_undecided(sb):
    left = sb.keep_open_steps(5)
    summary = sb.summary()["signOffs"]
    assert left["open"] == 5 and left["closed"] > 0
    assert sum(len(summary.get(s, [])) for s in ("NOT_STARTED", "IN_PROGRESS", "DELEGATED")) == 5
