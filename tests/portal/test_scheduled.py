"""The beat schedule loads and names only tasks that exist."""

from __future__ import annotations

from portal.celery import _beat_schedule, app


def test_beat_schedule_names_registered_tasks_with_expiry():
    app.loader.import_default_modules()
    schedule = _beat_schedule()
    assert schedule, "empty beat schedule"
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name}: task {entry['task']} is not registered"
        assert entry["options"]["expires"] > 0


def test_orphaned_updates_are_swept_at_least_as_often_as_updates_are_polled(settings):
    """A dead poller's update is taken over within its lease plus one poll interval, so the sweep may not be slower."""
    sweep = _beat_schedule()["resume-update-polls"]["schedule"]
    assert sweep <= settings.DEPLOYMENT_UPDATE_POLL_MAX_SECONDS


def test_the_govern_mirror_is_swept_every_tick_and_nothing_rebuilds_a_sign_off_index(settings):
    settings.GOVERN_SYNC_TICK_SECONDS = 5
    schedule = _beat_schedule()
    entry = schedule["sync-govern-mirror"]
    assert (entry["schedule"], entry["options"]["expires"]) == (5.0, 5.0)
    assert not any("index" in name for name in schedule)
