"""`make bench`: the benchmark harness. Measures, never asserts: quote the medians and ratios it prints.

Runs the portal in-process (Django test client, real embedded Redis, SQLite) against a sandbox seeded at scale
(10,000 artifacts, 2,000 deployments by default) over real HTTP, and reports:
- page latency (median and p95 over repeated warm requests, plus the first cold request) for the pages that must
  stay fast at scale: artifact list (plain, searched, filtered and sorted, a deep page), deployments dashboard, home;
- the cost of the background refreshes (cycle time and upstream calls);
- upstream status calls caused by 100 dashboard reads (should be none: pages read the cache);
- the audit page (/audit/) at 100,000 events: plain, filtered, searched, a deep keyset page; and the time to seed
  the chained events and to verify the chain;
- peak memory of the process.

Usage: python -m tests.bench.run [--artifacts N] [--deployments N] [--repeat N] [--audit-events N] [--audit-only]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--deployments", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
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
            from govern_ui.tasks import refresh_signoff_index

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
        if key != "pages":
            print(f"  {key:<45} {value}")
    print(f"  {'page':<34} {'first':>9} {'median':>9} {'p95':>9}")
    for label, row in results["pages"].items():
        print(f"  {label:<34} {row['first_ms']:>7.1f}ms {row['median_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
