"""Fault knobs and request statistics of the control API."""

from __future__ import annotations

import time

import pytest
import requests


def test_down_refuses_connections_then_recovers(sb, dss, govern):
    sb.knobs("dss", down=True)
    with pytest.raises(requests.ConnectionError):
        requests.get(dss.base_url + "/project-deployer/deployments", auth=("dss-service-key", ""), timeout=5)
    assert govern.get("/roles").status_code == 200  # other upstreams are untouched
    sb.knobs("dss", down=False)
    assert dss.get("/project-deployer/deployments").status_code == 200


def test_reset_brings_down_listeners_back(sb, node_a):
    sb.knobs("all", down=True)
    with pytest.raises(requests.ConnectionError):
        requests.get(node_a.base_url + "/health", timeout=5)
    sb.reset()
    assert node_a.get("/health").status_code == 200


def test_garbage_answers_html(sb, govern, node_b):
    sb.knobs("govern", garbage=True)
    response = govern.get("/artifacts", check=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert node_b.get("/services").json()  # only the target is affected
    sb.knobs("govern", garbage=False)
    assert govern.get("/artifacts").json()


def test_error_rate_answers_503_json(sb, dss):
    sb.knobs("dss", error_rate=1.0)
    response = dss.get("/project-deployer/infras", check=False)
    assert response.status_code == 503 and response.json()["message"]
    assert response.headers["DSS-Version"]
    sb.knobs("dss", error_rate=0.5)
    codes = {dss.get("/project-deployer/infras/stages", check=False).status_code for _ in range(40)}
    assert codes == {200, 503}


def test_latency_is_applied(sb, node_a):
    sb.knobs("apinode-a", latency_ms=300)
    started = time.monotonic()
    node_a.get("/health")
    assert time.monotonic() - started >= 0.3
    knobs = requests.get(sb.url("control") + "/knobs", timeout=5).json()
    assert knobs["apinode-a"]["latency_ms"] == 300 and knobs["apinode-b"]["latency_ms"] == 0


def test_bad_knob_requests_are_400(sb):
    for body in ({"target": "nowhere", "down": True}, {"target": "dss", "down": "yes"}, {"error_rate": 2},
                 {"target": "dss", "speed": 1}):
        response = requests.post(sb.url("control") + "/knobs", json=body, timeout=5)
        assert response.status_code == 400, body


def test_stats_count_by_spec_template(sb, govern, dss, node_a):
    sb.reset_stats()
    for art in ("art-0001", "art-0002", "art-0003"):
        govern.get(f"/artifacts/{art}")
    govern.get("/artifacts")
    for dep in ("churn-dev", "churn-prod"):
        dss.get(f"/project-deployer/deployments/{dep}/status")
    dss.get("/futures/", params={"allUsers": "true", "withScenarios": "false"})
    requests.get(node_a.base_url + "/services", timeout=5)  # a 401 is still a request
    stats = sb.stats()
    assert stats["govern"] == {"GET /artifacts/{artifactId}": 3, "GET /artifacts": 1}
    assert stats["dss"] == {"GET /project-deployer/deployments/{deploymentId}/status": 2, "GET /futures/": 1}
    assert stats["apinode-a"] == {"GET /services": 1}
    assert stats["apinode-b"] == {}
    sb.reset_stats()
    assert sb.stats() == {"govern": {}, "dss": {}, "apinode-a": {}, "apinode-b": {}}


def test_health_knob_changes_one_deployment_now(sb, dss):
    before = dss.get("/project-deployer/deployments/churn-dev/status").json()
    assert before["health"] != "ERROR"
    assert sb.set_health("churn-dev", "ERROR") == {"deployment": "churn-dev", "health": "ERROR"}
    after = dss.get("/project-deployer/deployments/churn-dev/status").json()
    assert after["health"] == "ERROR" and after["healthMessages"][0]["severity"] == "ERROR"
    for body, status in (({"deployment": "nope", "health": "ERROR"}, 404),
                         ({"deployment": "churn-dev", "health": "ON_FIRE"}, 400), ({"deployment": "churn-dev"}, 400)):
        response = requests.post(sb.url("control") + "/dss/health", json=body, timeout=5)
        assert response.status_code == status, body
