"""System checks (`manage.py check`, and every runserver/migrate): upstream settings and Redis, told clearly."""

from __future__ import annotations

from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from portal.lib import secretbox

AUTH_SCHEMES = ("basic", "bearer")


def _check_upstream(conf: dict, setting: str, env_prefix: str) -> list:
    errors = []
    name = conf.get("name", setting)
    url = conf.get("url", "")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        errors.append(
            Error(
                f"{name}: the upstream URL {url!r} is not an http(s) URL with a host.",
                hint=f"Set {env_prefix}_URL, e.g. https://govern.example.com/public/api.",
                id="portal.E001",
            )
        )
    if not conf.get("api_key"):
        errors.append(
            Error(
                f"{name}: no API key is configured.",
                hint=f"Set {env_prefix}_API_KEY (or {env_prefix}_API_KEY_FILE).",
                id="portal.E002",
            )
        )
    if conf.get("auth") not in AUTH_SCHEMES:
        errors.append(
            Error(
                f"{name}: unknown auth scheme {conf.get('auth')!r}.",
                hint=f"Set {env_prefix}_AUTH to 'basic' (the Dataiku documents) or 'bearer' (the OpenAPI files).",
                id="portal.E003",
            )
        )
    return errors


@register(Tags.compatibility)
def check_upstreams(app_configs, **kwargs):
    errors = _check_upstream(settings.GOVERN, "GOVERN", "GOVERN")
    errors += _check_upstream(settings.DSS, "DSS", "DSS")
    if not settings.API_NODES:
        errors.append(
            Warning("No API node is configured: the API services pages will be empty.", hint="Set API_NODES.",
                    id="portal.W001")
        )
    seen = set()
    for node in settings.API_NODES:
        env_id = node["id"].upper().replace("-", "_")
        if not node["id"] or node["id"] in seen:
            errors.append(
                Error(f"API_NODES: node id {node['id']!r} is empty or repeated.", hint="Use API_NODES=id=url,id=url.",
                      id="portal.E004")
            )
        seen.add(node["id"])
        errors += _check_upstream(node, "API_NODES", f"API_NODE_{env_id}")
    return errors


@register(Tags.compatibility)
def check_review_mode(app_configs, **kwargs):
    """GOVERN_REVIEW_AS names a known mode; "user" needs Fernet keys to store the reviewers' personal keys."""
    errors = []
    if settings.GOVERN_REVIEW_AS not in ("service", "user"):
        errors.append(Error(f"GOVERN_REVIEW_AS is {settings.GOVERN_REVIEW_AS!r}.",
                            hint="Set it to 'service' or 'user'.", id="portal.E005"))
    problem = secretbox.check_keys()
    if problem:
        hint = "Set PORTAL_FERNET_KEYS (comma-separated Fernet keys, newest first); see README, 'Personal Govern keys'."
        if settings.GOVERN_REVIEW_AS == "user":
            errors.append(Error(f"GOVERN_REVIEW_AS=user needs encryption keys: {problem}", hint=hint, id="portal.E006"))
        else:
            errors.append(Warning(f"Personal Govern keys cannot be saved: {problem}", hint=hint, id="portal.W003"))
    return errors


@register(Tags.security, deploy=True)
def check_demo_secrets(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        errors.append(Error("DJANGO_SECRET_KEY is the demo key.", hint="Set DJANGO_SECRET_KEY in production.",
                            id="portal.E010"))
    if settings.DEMO_FERNET_KEY in settings.PORTAL_FERNET_KEYS:
        errors.append(Error("PORTAL_FERNET_KEYS holds the demo key.", hint="Generate keys for production (README).",
                            id="portal.E011"))
    return errors


@register(Tags.caches)
def check_redis(app_configs, **kwargs):
    """Warn (not fail) when the configured REDIS_URL cannot be reached: pages degrade, background work stops."""
    if settings.EMBEDDED_REDIS:
        return []  # started on demand by `make run` (rundemo) and the test suite, after checks run
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return [Warning(f"Redis cannot be reached at REDIS_URL: {exc.__class__.__name__}.",
                        hint="Pages still render, but cached status and background work need Redis.",
                        id="portal.W002")]
    return []
