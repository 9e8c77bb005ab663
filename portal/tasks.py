"""The portal's own task: beat's tick, which proves to /readyz that beat sends and a worker runs."""

from celery import shared_task

from portal import tasknames
from portal.lib import liveness


@shared_task(name=tasknames.BEAT_TICK, ignore_result=True)
def beat_tick() -> None:
    """Stamp the worker heartbeat (beat stamped its tick when it sent this). Returns nothing, raises nothing."""
    liveness.worker_alive()
