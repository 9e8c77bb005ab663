"""The pages that must stay fast at scale under concurrent signed-in clients: dashboard, artifact list, /audit/."""

from __future__ import annotations

import datetime as dt

from tests.bench.load import closed_loop, session_of
from tests.bench.stack import Stack

DASHBOARD = ["/deployments/", "/deployments/?health=error", "/deployments/?stage=Production"]
ARTIFACTS = ["/governance/artifacts/", "/governance/artifacts/?q=model", "/governance/artifacts/?page=150",
             "/governance/artifacts/?status=APPROVED&sort=-modified", "/governance/artifacts/?sort=-created&page=7"]


def audit_urls() -> list[str]:
    """The audit page's views an auditor opens: newest, filtered, searched, a date range (the seed spans a year)."""
    since = (dt.date.today() - dt.timedelta(days=265)).isoformat()
    until = (dt.date.today() - dt.timedelta(days=235)).isoformat()
    return ["/audit/", "/audit/?actor=user07", "/audit/?action=deployment", "/audit/?artifact=art-0042",
            "/audit/?source=observed", f"/audit/?since={since}&until={until}", "/audit/?q=comment+99995",
            "/audit/?q=no-such-text"]


def _page(stack: Stack, username: str, urls: list[str], clients: int, requests_per_client: int) -> dict:
    sessions = [session_of(stack.base, key) for key in stack.prepared["sessions"][username][:clients]]
    for url in urls:  # one first read of each view, as a warm server has had (not timed)
        sessions[0].get(stack.base + url, timeout=60)
    return closed_loop(sessions, [stack.base + url for url in urls], requests_per_client)


def measure(stack: Stack, *, clients: int, requests_per_client: int) -> dict:
    """Latencies of each page's views under `clients` concurrent clients, `requests_per_client` GETs each."""
    return {
        "dashboard": _page(stack, "dave", DASHBOARD, clients, requests_per_client),
        "artifacts": _page(stack, "alice", ARTIFACTS, clients, requests_per_client),
        "audit": _page(stack, "erin", audit_urls(), clients, requests_per_client),
    }
