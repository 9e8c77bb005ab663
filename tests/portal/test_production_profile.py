"""The production profile (DJANGO_ENV=production): `check --deploy` is clean, and it refuses to start without a key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent


def _production_env(tmp_path, **extra) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PORTAL_", "GOVERN_",
                                                                                    "DSS_", "API_NODE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        GOVERN_URL="https://govern.example.com/public/api",
        GOVERN_API_KEY="a-real-key",
        DSS_URL="https://dss.example.com/public/api",
        DSS_API_KEY="a-real-key",
        API_NODES="node-1=https://api-1.example.com/admin/api",
        API_NODE_API_KEY="a-real-key",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        # This test run's own Redis, so that the Redis check sees a live server.
        REDIS_URL=settings.REDIS_URL,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_FERNET_KEYS=Fernet.generate_key().decode(),
    )
    env.update(extra)
    return env


def _check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_in_the_production_profile(tmp_path):
    result = _check_deploy(_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_production_profile_ignores_demo_keys_and_debug(tmp_path):
    env = _production_env(tmp_path, DJANGO_DEBUG="1")
    del env["GOVERN_API_KEY"]
    result = _check_deploy(env)
    # No demo key fills in: the missing Govern key is an error, and debug stays off (no W018 warning).
    assert "portal.E002" in result.stderr + result.stdout
    assert "security.W018" not in result.stderr + result.stdout
