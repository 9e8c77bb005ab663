"""The history store's Celery task: the chain's verification (daily from beat, or asked for by an admin)."""

from __future__ import annotations

import logging

from celery import shared_task

from portal import tasknames
from portal.audit import verify
from portal.lib.locks import CacheLock

log = logging.getLogger(__name__)

# One walk at a time; a walk of a million events takes well under this.
LOCK = CacheLock("audit:verify", ttl=3600)


@shared_task(name=tasknames.VERIFY_AUDIT_CHAIN)
def verify_audit_chain(requested_by: str = "beat") -> bool | None:
    """Verify the chain and store the result. Returns whether it passed, or None when another walk was running."""
    token = LOCK.acquire()
    if token is None:
        log.info("audit chain verification already running; skipped")
        return None
    try:
        run = verify.run_verification(requested_by)
    finally:
        LOCK.release(token)
    if not run.ok:
        log.error("audit chain verification FAILED: %s", run.message)
    return run.ok
