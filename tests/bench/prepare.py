"""The bench's Django side, run once before the server starts: migrate, demo users, audit events, wall screens, a token.

Run as ``python -m tests.bench.prepare --audit-events N --screens N`` with the environment the portal's processes
get (database, Redis, upstream URLs); it prints one JSON line: the wall screens' feed paths and the operator's API
token. Everything is written through the portal's own services, as the pages would write it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.conf import settings  # noqa: E402 - after setup
from django.contrib.auth import (  # noqa: E402 - after setup
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,  # noqa: E402
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from deployer_ui.node_sampling import sample_all  # noqa: E402
from deployer_ui.refresh import refresh_all  # noqa: E402
from deployer_ui.wall import screens  # noqa: E402
from deployer_ui.wall.board import WallScope  # noqa: E402
from govern_ui import bundle_governance  # noqa: E402
from govern_ui.mirror import sweep  # noqa: E402
from portal.audit.service import build_event, record_many  # noqa: E402
from portal.demo import seed_demo_users  # noqa: E402
from portal.tokens import service as tokens  # noqa: E402

ACTORS = [f"user{i:02d}" for i in range(40)]
ACTIONS = ["signoff.approve", "signoff.reject", "signoff.delegate", "deployment.update", "deployment.update.abort",
           "api_service.switch", "auth.login", "auth.logout", "govern.review"]
STAGES = ["Production", "Test", "Development"]
BATCH = 10_000


def _event(i: int, start: dt.datetime, step: dt.timedelta):
    action = ACTIONS[i % len(ACTIONS)]
    deployment = action.startswith("deployment")
    return build_event(
        actor=None, actor_name=ACTORS[i % len(ACTORS)], action=action,
        target_type="deployment" if deployment else "signoff",
        target_id=f"dep-{i % 2000:04d}" if deployment else f"art-{i % 10000 + 1:04d}/review",
        blueprint_id="" if deployment else f"bp-{i % 7}", outcome=("delivered", "refused", "pending")[i % 3],
        input={"comment": f"bench comment {i}"} if i % 5 == 0 else {}, at=start + step * i,
        source="observed" if action == "govern.review" else "portal",
        natural_key=f"bench:{i}" if action == "govern.review" else None,
    )


def seed_audit(events: int) -> float:
    """`events` chained audit events over the past year through the service's bulk path; returns the seconds taken."""
    started = time.perf_counter()
    start = timezone.now() - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / max(events, 1)
    for first in range(0, events, BATCH):
        record_many(_event(i, start, step) for i in range(first, min(events, first + BATCH)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load, before the planner can choose
            cursor.execute("ANALYZE audit_auditevent")
    return round(time.perf_counter() - started, 2)


def issue_screens(count: int) -> list[str]:
    """`count` wall screens, half the whole wall and half one stage each; returns their feed paths."""
    admin = get_user_model().objects.get(username="frank")
    feeds = []
    for n in range(count):
        scope = WallScope() if n % 2 == 0 else WallScope.of(stages=[STAGES[n % len(STAGES)]])
        token = screens.issue(user=admin, name=f"bench screen {n}", scope=scope).token
        feeds.append(f"/wall/{token}/feed/")
    return feeds


def fill(took: dict, steps: tuple) -> None:
    """Run the fill `steps` ((name, function), …) in turn, recording the seconds each took in `took`."""
    for name, step in steps:
        started = time.perf_counter()
        step()
        took[name] = round(time.perf_counter() - started, 2)


# What beat and the worker fill at their first runs, so measures start from a warm portal and the worker's later runs
# are its steady state. Govern's (Redis only, no database) run in a thread while the audit events are written.
def fill_govern_mirror() -> None:
    """The Govern mirror's first sync, swept until nothing is due. A warm-up, not a measure: at the production budget
    (10 calls/s) a first sync of 10,000 artifacts takes about 35 minutes, so this process sweeps without one; the
    stack's worker keeps the real budget afterwards, and that is what the steady-state row counts."""
    settings.GOVERN_SYNC_MAX_RPS = 1000.0
    while (done := sweep.sweep(seconds=600)) is not None and done.due_left and not done.error:
        pass


GOVERN_FILLS = (("govern_mirror", fill_govern_mirror), ("bundle_governance", bundle_governance.refresh))
DEPLOYER_FILLS = (("deployments", refresh_all), ("api_nodes", sample_all))


def signed_in_sessions(usernames: tuple[str, ...], count: int) -> dict[str, list[str]]:
    """`count` session keys per user, each a separate signed-in session, as the login form would make them (without
    computing the password hash once per bench client)."""
    keys: dict[str, list[str]] = {}
    for user in get_user_model().objects.filter(username__in=usernames):
        keys[user.username] = []
        for _ in range(count):
            session = SessionStore()
            session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                            HASH_SESSION_KEY: user.get_session_auth_hash()})
            session.create()
            keys[user.username].append(session.session_key)
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit-events", type=int, default=100_000)
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=16, help="signed-in sessions per demo user")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed_demo_users()
    filled: dict = {}
    govern = threading.Thread(target=fill, args=(filled, GOVERN_FILLS))
    govern.start()
    seconds = seed_audit(args.audit_events)
    fill(filled, DEPLOYER_FILLS)
    govern.join()
    feeds = issue_screens(args.screens)
    operator = get_user_model().objects.get(username="dave")
    token = tokens.create(user=operator, name="bench").value
    json.dump({"feeds": feeds, "operator_token": token, "audit_seed_s": seconds, "first_fill_s": filled,
               "sessions": signed_in_sessions(("alice", "dave", "erin"), args.sessions)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
