"""The Celery app. The beat schedule lives here, in one place; every periodic task has `expires` so that a backlog
left by a stopped worker is dropped instead of replayed (beat keeps sending while workers are down)."""

import os

from celery import Celery
from celery.signals import before_task_publish
from django.conf import settings  # lazy: read when the schedule is built, after Django is configured

from portal import tasknames
from portal.lib import liveness

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict:
    refresh = float(getattr(settings, "DEPLOYMENT_REFRESH_SECONDS", 30))
    node_sample = float(getattr(settings, "API_NODE_SAMPLE_SECONDS", 60))
    sweep = float(getattr(settings, "GOVERN_DELIVERY_SWEEP_SECONDS", 15))
    mirror_tick = float(getattr(settings, "GOVERN_SYNC_TICK_SECONDS", 5))
    verify_audit = float(getattr(settings, "AUDIT_VERIFY_SECONDS", 24 * 3600))
    bundle_refresh = float(getattr(settings, "GOVERN_BUNDLE_REFRESH_SECONDS", 60))
    tick = float(getattr(settings, "PORTAL_BEAT_TICK_SECONDS", 15))
    # No slower than an update's polls: a dead poller's update is taken over within its lease plus one poll interval.
    resume = float(getattr(settings, "DEPLOYMENT_UPDATE_POLL_MAX_SECONDS", 2))
    return {
        "beat-tick": {
            "task": tasknames.BEAT_TICK,
            "schedule": tick,
            "options": {"expires": tick},
        },
        "refresh-deployment-status": {
            "task": tasknames.REFRESH_DEPLOYMENTS,
            "schedule": refresh,
            "options": {"expires": refresh},
        },
        "sample-api-nodes": {
            "task": tasknames.SAMPLE_API_NODES,
            "schedule": node_sample,
            "options": {"expires": node_sample},
        },
        "resume-update-polls": {
            "task": tasknames.RESUME_UPDATE_POLLS,
            "schedule": resume,
            "options": {"expires": resume},
        },
        "prune-api-node-samples": {
            "task": tasknames.PRUNE_API_NODE_SAMPLES,
            "schedule": 3600.0,
            "options": {"expires": 3600.0},
        },
        "deliver-pending-review-actions": {
            "task": tasknames.DELIVER_PENDING_ACTIONS,
            "schedule": sweep,
            "options": {"expires": sweep},
        },
        "sync-govern-mirror": {
            # A bounded slice per tick (one at a time, by a lock): a tick missed while workers were busy is dropped.
            "task": tasknames.SYNC_GOVERN_MIRROR,
            "schedule": mirror_tick,
            "options": {"expires": mirror_tick},
        },
        "verify-audit-chain": {
            "task": tasknames.VERIFY_AUDIT_CHAIN,
            "schedule": verify_audit,
            # A walk missed by more than an hour waits for the next day's rather than piling up.
            "options": {"expires": min(verify_audit, 3600.0)},
        },
        "refresh-bundle-governance": {
            "task": tasknames.REFRESH_BUNDLE_GOVERNANCE,
            "schedule": bundle_refresh,
            "options": {"expires": bundle_refresh},
        },
    }


@app.on_after_finalize.connect
def _setup_periodic_tasks(sender, **kwargs):
    sender.conf.beat_schedule = _beat_schedule()


@before_task_publish.connect
def _beat_sends_its_tick(sender=None, **kwargs):
    # Only beat sends the tick, so its publication is beat's liveness stamp (bounded by the cache's socket timeouts).
    if sender == tasknames.BEAT_TICK:
        liveness.beat_ticked()
