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
