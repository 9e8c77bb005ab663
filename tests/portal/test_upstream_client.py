"""The base upstream client against the sandbox over real HTTP: typed errors, retries, encoding, no key leaks."""

from __future__ import annotations

import pytest
import requests

from portal.lib.upstream import (
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamClient,
    UpstreamNotFound,
    UpstreamRefused,
    UpstreamTimeout,
    UpstreamUnavailable,
    build_path,
    encode_segment,
)

KEY = "govern-service-key"


def govern(sandbox, *, key=KEY, auth="basic", timeout=(1.0, 2.0), retries=2):
    return UpstreamClient(name="Govern", base_url=sandbox.url("govern"), api_key=key, auth=auth, timeout=timeout,
                          retries=retries, backoff=0.01)


def count(sandbox, upstream, op):
    return sandbox.stats().get(upstream, {}).get(op, 0)


@pytest.mark.parametrize("auth", ["basic", "bearer"])
def test_both_auth_schemes_are_accepted(sandbox, auth):
    artifacts = govern(sandbox, auth=auth).request("GET", "/artifacts")
    assert isinstance(artifacts, list) and len(artifacts) >= 40


@pytest.mark.parametrize("auth", ["basic", "bearer"])
def test_wrong_key_is_an_auth_error_that_never_shows_the_key(sandbox, auth):
    secret = "wrong-key-s3cr3t-value"
    with pytest.raises(UpstreamAuthError) as info:
        govern(sandbox, key=secret, auth=auth).request("GET", "/artifacts")
    err = info.value
    assert err.status == 401 and not err.retryable
    for text in (str(err), repr(err), err.message, err.body_excerpt, repr(err.args)):
        assert secret not in text


def test_client_repr_never_shows_the_key(sandbox):
    assert KEY not in repr(govern(sandbox))


def test_unknown_id_is_not_found(sandbox):
    with pytest.raises(UpstreamNotFound) as info:
        govern(sandbox).request("GET", "/artifacts/{artifactId}", path_params={"artifactId": "no-such-artifact"})
    assert info.value.status == 404


HOSTILE_IDS = ["a/../b", "..", ".", "../../blueprints", "x?y=1", "a#b", "%2F", "art-0001/sign-offs"]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_hostile_id_is_encoded_not_followed(sandbox, hostile):
    """Whatever the id, the request lands on the templated artifact path and answers 404: it never reaches another
    resource (a bare '..' would otherwise climb to /public/api)."""
    sandbox.reset_stats()
    with pytest.raises(UpstreamNotFound):
        govern(sandbox).request("GET", "/artifacts/{artifactId}", path_params={"artifactId": hostile})
    # Nothing but the artifact lookup may have been reached (the sandbox may refuse the decoded path outright).
    assert set(sandbox.stats()["govern"]) <= {"GET /artifacts/{artifactId}"}


def test_an_unencoded_id_would_have_reached_another_resource(sandbox):
    """The counter-case that makes the test above meaningful: HTTP clients resolve dot segments, so a raw
    '../blueprints' id lands on /blueprints. The client must never build such a URL."""
    sandbox.reset_stats()
    raw = requests.get(sandbox.url("govern") + "/artifacts/../blueprints", auth=(KEY, ""), timeout=3)
    assert raw.status_code == 200
    assert sandbox.stats()["govern"] == {"GET /blueprints": 1}


def test_encode_segment_escapes_separators_and_dot_segments():
    assert encode_segment("a/../b") == "a%2F..%2Fb"
    assert encode_segment("..") == "%2E%2E"
    assert encode_segment("x?y#z") == "x%3Fy%23z"
    assert build_path("/a/{x}/b/{y}", x="1/2", y="é") == "/a/1%2F2/b/%C3%A9"
    with pytest.raises(ValueError):
        encode_segment("")


def test_bad_request_carries_the_upstreams_own_message(sandbox):
    item = sandbox.summary()["signOffs"]["APPROVED"][0]
    artifact_id, step_id = item["artifactId"], item["stepId"]
    with pytest.raises(UpstreamRefused) as info:
        govern(sandbox).request(
            "POST", "/artifacts/{artifactId}/sign-offs/{signOffStepId}/reviews",
            path_params={"artifactId": artifact_id, "signOffStepId": step_id},
            json={"outcome": "APPROVED", "comment": "again"},
        )
    assert info.value.status == 400
    assert info.value.message and info.value.message != "Bad Request"


def test_down_upstream_is_unavailable_and_retryable(sandbox, faults):
    faults(target="govern", down=True)
    with pytest.raises(UpstreamUnavailable) as info:
        govern(sandbox).request("GET", "/artifacts")
    assert info.value.retryable and info.value.kind == "unavailable"


def test_slow_upstream_times_out(sandbox, faults):
    faults(target="govern", latency_ms=1500)
    with pytest.raises(UpstreamTimeout) as info:
        govern(sandbox, timeout=(1.0, 0.5)).request("GET", "/artifacts")
    assert info.value.retryable


def test_garbage_body_is_a_bad_response(sandbox, faults):
    faults(target="govern", garbage=True)
    with pytest.raises(UpstreamBadResponse):
        govern(sandbox).request("GET", "/artifacts")


def test_idempotent_call_is_retried_on_503(sandbox, faults):
    faults(target="govern", error_rate=1.0)
    sandbox.reset_stats()
    with pytest.raises(UpstreamUnavailable) as info:
        govern(sandbox, retries=2).request("GET", "/roles")
    assert info.value.status == 503
    assert count(sandbox, "govern", "GET /roles") == 3


def test_post_is_never_retried(sandbox, faults):
    item = sandbox.summary()["signOffs"]["NOT_STARTED"][0]
    artifact_id, step_id = item["artifactId"], item["stepId"]
    faults(target="govern", error_rate=1.0)
    sandbox.reset_stats()
    with pytest.raises(UpstreamUnavailable):
        govern(sandbox, retries=2).request(
            "POST", "/artifacts/{artifactId}/sign-offs/{signOffStepId}/reviews",
            path_params={"artifactId": artifact_id, "signOffStepId": step_id},
            json={"outcome": "APPROVED"},
        )
    assert count(sandbox, "govern", "POST /artifacts/{artifactId}/sign-offs/{signOffStepId}/reviews") == 1
