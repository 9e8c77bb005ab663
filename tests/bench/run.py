"""`make bench`: the benchmark harness. Measures, never asserts: quote the medians and ratios it prints.

Runs the portal in-process (Django test client, real embedded Redis, SQLite) against a sandbox seeded at scale
(10,000 artifacts, 2,000 deployments by default) over real HTTP, and reports:
- page latency (median and p95 over repeated warm requests, plus the first cold request) for the pages that must
  stay fast at scale: artifact list (plain, searched, filtered and sorted, a deep page), deployments dashboard, home;
- the cost of the background refreshes (cycle time and upstream calls);
- upstream status calls caused by 100 dashboard reads (should be none: pages read the cache);
- the wall feed: fifty screens polling every 5 s (half the whole wall, half one stage each) for --wall-seconds while
  the sandbox drifts (two deployments change health every 2 s) and a worker process runs a refresh cycle every
  30 s: latency of every poll (median, p95), of the answers with a body, and the share answered 304; also the cost
  of the bundle governance refresh that feeds it;
- the audit page (/audit/) at 100,000 events: plain, filtered, searched, a deep keyset page; and the time to seed
  the chained events and to verify the chain;
- peak memory of the process.

Usage: python -m tests.bench.run [--artifacts N] [--deployments N] [--repeat N] [--wall-seconds N] [--audit-events N]
       [--audit-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _setup_django(var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.test_settings"
    os.environ["PORTAL_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-{os.getpid()}"
    os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _timed(fn, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
        "n": repeat,
    }


def _bench_audit(results: dict, events: int, repeat: int) -> None:
    """Seed `events` chained audit events through the service's bulk path, then time /audit/ as an auditor."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from portal.audit import verify
    from portal.audit.models import AuditEvent
    from portal.audit.service import build_event, record_many

    actors = [f"user{i:02d}" for i in range(40)]
    actions = ["signoff.approve", "signoff.reject", "signoff.delegate", "deployment.update", "deployment.update.abort",
               "api_service.switch", "auth.login", "auth.logout", "govern.review"]
    start = timezone.now() - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / max(events, 1)

    def one(i: int):
        action = actions[i % len(actions)]
        deployment = action.startswith("deployment")
        return build_event(
            actor=None, actor_name=actors[i % len(actors)], action=action,
            target_type="deployment" if deployment else "signoff",
            target_id=f"dep-{i % 2000:04d}" if deployment else f"art-{i % 10000:05d}/review",
            blueprint_id="" if deployment else f"bp-{i % 7}", outcome=("delivered", "refused", "pending")[i % 3],
            input={"comment": f"bench comment {i}"} if i % 5 == 0 else {}, at=start + step * i,
            source="observed" if action == "govern.review" else "portal",
            natural_key=f"bench:{i}" if action == "govern.review" else None,
        )

    started = time.perf_counter()
    for first in range(0, events, 10_000):
        record_many(one(i) for i in range(first, min(events, first + 10_000)))
    results["audit_events"] = AuditEvent.objects.count()
    results["audit_seed_s"] = round(time.perf_counter() - started, 2)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load, before the planner can choose
            cursor.execute("ANALYZE audit_auditevent")
    started = time.perf_counter()
    check = verify.verify_chain()
    results["audit_verify_s"] = round(time.perf_counter() - started, 2)
    results["audit_verify_ok"] = check.ok

    auditor = get_user_model().objects.create_user("bench-auditor", password="bench")
    auditor.groups.add(Group.objects.get_or_create(name="auditor")[0])
    client = Client()
    client.force_login(auditor)
    middle = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[events // 2]
    since = (start + dt.timedelta(days=100)).date().isoformat()
    until = (start + dt.timedelta(days=130)).date().isoformat()
    pages = {
        "audit, newest page": "/audit/",
        "audit, deep keyset page": f"/audit/?before={middle}",
        "audit, actor filter": "/audit/?actor=user07",
        "audit, action family": "/audit/?action=deployment",
        "audit, artifact filter": "/audit/?artifact=art-00042",
        "audit, source=observed": "/audit/?source=observed",
        "audit, date range": f"/audit/?since={since}&until={until}",
        "audit, free text": "/audit/?q=comment+99995",
        "audit, free text, no match": "/audit/?q=no-such-text",
        "audit, unknown artifact": "/audit/?artifact=art-none",
    }
    results.setdefault("pages", {})
    for label, url in pages.items():
        def call(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        first = _timed(call, 1)["median_ms"]
        results["pages"][label] = {"first_ms": first, **_timed(call, repeat)}


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, int(len(ordered) * share) - 1)], 1) if ordered else 0.0


def _wall_feed(user, sandbox, *, seconds: float, screens_count: int = 50, poll_seconds: float = 5.0) -> dict:
    """Fifty wall screens polling their feeds with If-None-Match, in real time, while the Deployer drifts and a
    worker process (as beat and Celery would, but without a broker) runs the refresh every DEPLOYMENT_REFRESH_SECONDS.
    The worker is a separate process, as in production: in this one it would compete with the feed for the GIL."""
    import subprocess

    from django.conf import settings
    from django.test import Client

    from deployer_ui.node_sampling import sample_all as sample_api_nodes
    from deployer_ui.wall import screens
    from deployer_ui.wall.board import WallScope

    sample_api_nodes()
    sample_api_nodes()
    stages = ["Production", "Test", "Development"]
    feeds = []
    for n in range(screens_count):
        scope = WallScope() if n % 2 == 0 else WallScope.of(stages=[stages[n % len(stages)]])
        token = screens.issue(user=user, name=f"screen {n}", scope=scope).token
        feeds.append(f"/wall/{token}/feed/")
    sandbox.config(drift=True, drift_seconds=2)
    worker_code = (
        "import time, django; django.setup()\n"
        "from django.conf import settings\n"
        "from deployer_ui.refresh import refresh_all\n"
        "while True:\n"
        "    time.sleep(settings.DEPLOYMENT_REFRESH_SECONDS)\n"
        "    refresh_all()\n"
    )
    nodes = ",".join(f"{n['id']}={n['url']}" for n in settings.API_NODES)
    worker = subprocess.Popen(
        [sys.executable, "-c", worker_code], cwd=ROOT,
        env={**os.environ, "GOVERN_URL": settings.GOVERN["url"], "DSS_URL": settings.DSS["url"], "API_NODES": nodes,
             "DEPLOYER_REQUESTS_PER_SECOND": str(settings.DEPLOYER_REQUESTS_PER_SECOND)},
    )
    client, etags = Client(), [""] * screens_count
    latencies, bodies, not_modified = [], [], 0
    step = poll_seconds / screens_count
    started = time.monotonic()
    tick = 0
    try:
        while time.monotonic() - started < seconds:
            due = started + tick * step
            time.sleep(max(0.0, due - time.monotonic()))
            screen = tick % screens_count
            begin = time.perf_counter()
            response = client.get(feeds[screen], HTTP_IF_NONE_MATCH=etags[screen], HTTP_X_WALL_POLL="1")
            elapsed = (time.perf_counter() - begin) * 1000
            assert response.status_code in (200, 304), response.status_code
            latencies.append(elapsed)
            if response.status_code == 304:
                not_modified += 1
            else:
                bodies.append(elapsed)
            etags[screen] = response["ETag"]
            tick += 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sandbox.config(drift=False)
    return {
        "screens": screens_count, "poll_seconds": poll_seconds, "seconds": seconds, "polls": len(latencies),
        "median_ms": round(statistics.median(latencies), 1), "p95_ms": _percentile(latencies, 0.95),
        "share_304": round(not_modified / len(latencies), 3),
        "body_median_ms": round(statistics.median(bodies), 1) if bodies else 0.0,
        "body_p95_ms": _percentile(bodies, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--deployments", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--wall-seconds", type=float, default=60.0)
    parser.add_argument("--audit-events", type=int, default=100_000)
    parser.add_argument("--audit-only", action="store_true", help="only the audit page (no sandbox)")
    args = parser.parse_args()

    var_dir = ROOT / "var" / f"bench-{os.getpid()}"
    var_dir.mkdir(parents=True, exist_ok=True)
    _setup_django(var_dir)

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from portal import embedded_redis
    from portal.lib import upstream
    from tests.sandbox_process import SandboxProcess

    redis_proc = None
    if settings.EMBEDDED_REDIS and not embedded_redis.is_up(settings.EMBEDDED_REDIS_SOCKET):
        redis_proc = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
    sandbox = SandboxProcess(artifacts=args.artifacts, deployments=args.deployments, future_seconds=1.0)
    results: dict = {"pages": {}} if args.audit_only else {"artifacts": args.artifacts,
                                                            "deployments": args.deployments, "pages": {}}
    try:
        if args.audit_only:
            call_command("migrate", verbosity=0)
            _bench_audit(results, args.audit_events, args.repeat)
        else:
            sandbox.start()
            settings.GOVERN["url"] = sandbox.url("govern")
            settings.DSS["url"] = sandbox.url("dss")
            for node in settings.API_NODES:
                node["url"] = sandbox.url(node["id"])
            settings.DEPLOYER_REQUESTS_PER_SECOND = 10_000  # measure the portal, not the budget
            upstream.reset_clients()
            call_command("migrate", verbosity=0)
            from django.contrib.auth import get_user_model
            from django.contrib.auth.models import Group

            user = get_user_model().objects.create_user("bench", password="bench")
            for role in ("reviewer", "operator"):
                user.groups.add(Group.objects.get_or_create(name=role)[0])
            client = Client()
            client.force_login(user)

            from deployer_ui.tasks import refresh_deployments
            from govern_ui.tasks import refresh_bundle_governance, refresh_signoff_index

            sandbox.reset_stats()
            started = time.perf_counter()
            refresh_deployments()
            results["deployment_refresh_cycle_s"] = round(time.perf_counter() - started, 2)
            results["deployment_refresh_dss_calls"] = sum(sandbox.stats()["dss"].values())
            sandbox.reset_stats()
            started = time.perf_counter()
            refresh_signoff_index()
            results["signoff_index_build_s"] = round(time.perf_counter() - started, 2)
            results["signoff_index_govern_calls"] = sum(sandbox.stats()["govern"].values())
            sandbox.reset_stats()
            started = time.perf_counter()
            refresh_signoff_index()  # steady state: unchanged artifacts cost one call
            results["signoff_index_rebuild_s"] = round(time.perf_counter() - started, 2)
            results["signoff_index_rebuild_govern_calls"] = sum(sandbox.stats()["govern"].values())

            def get(url):
                def call():
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)

                return call

            pages = {
                "artifact list, page 1": "/governance/artifacts/",
                "artifact list, search": "/governance/artifacts/?q=model",
                "artifact list, filter+sort": "/governance/artifacts/?status=APPROVED&sort=-modified",
                "artifact list, page 150": "/governance/artifacts/?page=150",
                "deployments dashboard": "/deployments/",
                "deployments dashboard, filtered": "/deployments/?health=error",
                "home": "/",
            }
            for label, url in pages.items():
                cache.delete_many(["overview:govern", "overview:deployer", "overview:apinodes"])
                first = _timed(get(url), 1)["median_ms"]
                warm = _timed(get(url), args.repeat)
                results["pages"][label] = {"first_ms": first, **warm}

            sandbox.reset_stats()
            for _ in range(100):
                client.get("/deployments/")
            status_calls = sum(n for op, n in sandbox.stats()["dss"].items() if op.endswith("/status"))
            results["dss_status_calls_per_100_dashboard_reads"] = status_calls
            sandbox.reset_stats()
            started = time.perf_counter()
            refresh_bundle_governance()
            results["bundle_governance_refresh_s"] = round(time.perf_counter() - started, 2)
            results["bundle_governance_govern_calls"] = sum(sandbox.stats()["govern"].values())
            results["wall_feed"] = _wall_feed(user, sandbox, seconds=args.wall_seconds)
            _bench_audit(results, args.audit_events, args.repeat)
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    finally:
        sandbox.stop()
        if redis_proc is not None:
            embedded_redis.stop(redis_proc)
        shutil.rmtree(var_dir, ignore_errors=True)

    out = ROOT / "var" / "bench-results.json"
    out.write_text(json.dumps(results, indent=2))
    scale = (f"audit only, {args.audit_events} events" if args.audit_only
             else f"{args.artifacts} artifacts, {args.deployments} deployments, {args.audit_events} audit events")
    print(f"\nBenchmark ({scale}; one run, this machine)")
    for key, value in results.items():
        if key not in ("pages", "wall_feed"):
            print(f"  {key:<45} {value}")
    wall = results.get("wall_feed")
    if wall:
        print(f"  wall feed: {wall['screens']} screens every {wall['poll_seconds']:.0f} s for {wall['seconds']:.0f} s, "
              f"{wall['polls']} polls: median {wall['median_ms']} ms, p95 {wall['p95_ms']} ms, "
              f"{wall['share_304']:.0%} answered 304 (answers with a body: median {wall['body_median_ms']} ms, "
              f"p95 {wall['body_p95_ms']} ms)")
    print(f"  {'page':<34} {'first':>9} {'median':>9} {'p95':>9}")
    for label, row in results["pages"].items():
        print(f"  {label:<34} {row['first_ms']:>7.1f}ms {row['median_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
