"""From a future finishing upstream to its result on the page: deployment updates started through the REST API.

Each update's future runs `future_seconds` in the sandbox, which finishes it on its next 0.1 s tick after
startTime + duration; the page is the update's progress panel as htmx polls it (it answers 286 once the update has
ended), read every 100 ms. The delay is from the future's due end to the first 286, so it includes up to 0.1 s of
the sandbox's tick and up to 0.1 s of this poll's period.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.bench.load import session_of, summary
from tests.bench.stack import Stack

DSS_KEY = "dss-service-key"  # the sandbox's Deployer service key (portal.settings' demo default)
PAGE_POLL_SECONDS = 0.1


def _one(stack: Stack, api: requests.Session, dss: requests.Session, page: requests.Session, deployment: str) -> dict:
    started = api.post(f"{stack.base}/api/deployments/updates/", json={"deployment_id": deployment}, timeout=30)
    if started.status_code != 202:
        return {"deployment": deployment, "error": f"start answered {started.status_code}"}
    update = started.json()
    deadline = time.monotonic() + 30
    while not update.get("job_id") and time.monotonic() < deadline:
        time.sleep(0.1)
        update = api.get(f"{stack.base}/api/deployments/updates/{update['id']}/", timeout=30).json()
    future = dss.get(f"{stack.sandbox.url('dss')}/futures/{update['job_id']}", timeout=30).json()
    due = future["startTime"] / 1000 + stack.scale.future_seconds
    url = f"{stack.base}/deployments/updates/{update['id']}/progress/"
    deadline = time.monotonic() + stack.scale.future_seconds + 60
    while time.monotonic() < deadline:
        if page.get(url, headers={"HX-Request": "true"}, timeout=30).status_code == 286:
            return {"deployment": deployment, "delay_ms": round((time.time() - due) * 1000, 1)}
        time.sleep(PAGE_POLL_SECONDS)
    return {"deployment": deployment, "error": "the page never showed the result"}


def measure(stack: Stack, *, count: int, parallel: int) -> dict:
    """`count` updates of distinct deployments, `parallel` at a time: delays from due end to the page (summary)."""
    dss = requests.Session()
    dss.auth = (DSS_KEY, "")
    listed = dss.get(f"{stack.sandbox.url('dss')}/project-deployer/deployments", timeout=60).json()
    step = max(1, len(listed) // max(count, 1))
    deployments = [item["deploymentBasicInfo"]["id"] for item in listed[::step]][:count]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {stack.prepared['operator_token']}"
    pages = threading.local()
    keys = iter(stack.prepared["sessions"]["dave"])

    def run(deployment: str) -> dict:
        if not hasattr(pages, "session"):
            pages.session = session_of(stack.base, next(keys))
        return _one(stack, api, dss, pages.session, deployment)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        outcomes = list(pool.map(run, deployments))
    delays = [o["delay_ms"] for o in outcomes if "delay_ms" in o]
    return summary(delays, future_seconds=stack.scale.future_seconds, parallel=parallel,
                   errors=[o for o in outcomes if "error" in o])
