"""Settings for the test suite: the real settings, with a Redis and a key space of its own."""

import os
from pathlib import Path

# Before importing the settings, which read the environment: keep the test suite's embedded Redis apart from a
# running demo's.
# One directory per test run (its own embedded Redis socket and SQLite file), so that two runs on one machine never
# share state; subprocesses (Celery workers) inherit it through the environment.
os.environ.setdefault("PORTAL_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / f"test-{os.getpid()}"))
os.environ.setdefault("CACHE_KEY_PREFIX", f"portal-test-{os.getpid()}")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests hit the sandbox on loopback: short timeouts keep the outage tests quick.
UPSTREAM_CONNECT_TIMEOUT = 1.0
UPSTREAM_READ_TIMEOUT = 3.0
UPSTREAM_RETRIES = 1

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not :memory:, so that a real Celery worker started by a test sees the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
# The governance reader's budget protects a real Govern; the sandbox on loopback needs no protecting in tests.
GOVERN_BUNDLE_REQUESTS_PER_SECOND = 500.0
# The same for the Govern mirror's reader, except in the tests that measure its budget (they set their own).
GOVERN_SYNC_MAX_RPS = float(os.environ.get("GOVERN_SYNC_MAX_RPS", 1000.0))
