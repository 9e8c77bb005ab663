"""Fixtures of the operators' view tests."""

from __future__ import annotations

import time

import pytest

from deployer_ui.models import DeploymentUpdate
from deployer_ui.refresh import refresh_all
from sandbox.seed import STAGES

STAGE_ORDER = [stage for stage, _ in STAGES]  # the Deployer's order of the default seed's stages


@pytest.fixture
def short_futures(sandbox):
    """Sandbox updates finish in half a second."""
    sandbox.config(future_seconds=0.5)
    return sandbox


@pytest.fixture
def warm_cache(sandbox):
    """A status cache filled by one in-process refresh cycle (what beat does)."""
    result = refresh_all()
    assert result.get("ok"), result
    return result


@pytest.fixture
def clean_broker(_redis):
    """Drop task messages a previous test left in the broker, so a worker starts on an empty queue."""
    from portal.celery import app

    app.control.purge()
    yield
    app.control.purge()


@pytest.fixture
def worker(clean_broker, celery_worker_factory):
    return celery_worker_factory("w1")


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll `predicate` until it returns a truthy value (returned) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def wait_finished(update_id: int, timeout: float = 30.0) -> DeploymentUpdate:
    def done():
        update = DeploymentUpdate.objects.get(pk=update_id)
        return update if update.finished else None

    return wait_for(done, timeout=timeout, interval=0.2)
