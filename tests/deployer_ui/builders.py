"""Builders for the unit tests of the operators' view: cached status views and snapshots, futures and their results,
with the default seed's names. No sandbox, no Redis: values only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deployer_ui.client import Future
from deployer_ui.client.futures import REPORT_KEYS
from deployer_ui.status_cache import StatusView
from portal.lib.freshness import LOADING

WHEN = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def status_view(deployment_id: str = "churn-prod", *, stage: str = "Production", infra_id: str = "infra-prod",
                project_key: str = "CHURN", health: str = "HEALTHY", stale: bool = False, error: str = "",
                **fields: Any) -> StatusView:
    """A deployment's cached status as the dashboard reads it; `health=LOADING` builds one never read yet."""
    loading = health == LOADING
    return StatusView(
        id=deployment_id, stage=stage, infra_id=infra_id, project_key=project_key,
        project_name=fields.pop("project_name", project_key.title()), bundle_id=fields.pop("bundle_id", "v1"),
        deployed_project_key=fields.pop("deployed_project_key", project_key), health=health,
        fetched_at=None if loading else WHEN, last_success_at=None if loading else WHEN,
        age_seconds=None if loading else fields.pop("age_seconds", 5), stale=stale, error=error, **fields,
    )


def snapshot(*, last_success_at: float | None, error: str = "", health: str = "HEALTHY", **fields: Any) -> dict:
    """A stored status snapshot (epoch seconds), as the refresh cycle writes it."""
    return {"id": "churn-prod", "health": health, "fetched_at": last_success_at, "last_success_at": last_success_at,
            "error": error, **fields}


def report(**flags: bool) -> dict:
    """One of an update's four reports, as the Deployer answers it: success unless a flag says otherwise."""
    return {"messages": [], "success": not (flags.get("error") or flags.get("fatal")), "warning": False,
            "error": False, "fatal": False, **flags}


def update_result(**reports: dict) -> list[dict]:
    """An update future's result: a one-element list of the four reports (each a success unless given)."""
    return [{key: reports.get(key, report()) for key, _ in REPORT_KEYS}]


def future(*, job_id: str = "job-1", alive: bool = False, result: Any = None, aborted: bool = False,
           progress: list[dict] | None = None) -> Future:
    """A task (future) as `GET /futures/{jobId}` answers it: finished unless `alive`, with `result` when given."""
    return Future.from_json({
        "jobId": job_id, "alive": alive, "aborted": aborted, "hasResult": result is not None, "result": result,
        "progress": progress or [], "owner": "deployer", "startTime": 1_735_689_600_000,
    })
