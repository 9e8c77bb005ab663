"""Django settings for the portal.

Everything that differs between the demo and a production install comes from the environment; the defaults run the
demo (SQLite, an embedded Redis, the sandbox upstreams). Every variable is documented once, in README.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.env import envbool, envfloat, envint, envlist, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent


# --- Core -----------------------------------------------------------------------------------------------------------

# DJANGO_ENV=production: debug off, no demo keys or hosts, secure cookies, HTTPS redirect, HSTS, JSON logs; each
# can still be set explicitly. Anything else is the demo profile.
DJANGO_ENV = os.environ.get("DJANGO_ENV", "demo").strip().lower()
PRODUCTION = DJANGO_ENV == "production"
DEBUG = False if PRODUCTION else envbool("DJANGO_DEBUG", False)
# The demo key only ever signs demo sessions; checks.py refuses it when DEBUG is off and PORTAL_DEMO is not set.
DEMO_SECRET_KEY = "demo-only-insecure-secret-key-change-me"
SECRET_KEY = envsecret("DJANGO_SECRET_KEY", "" if PRODUCTION else DEMO_SECRET_KEY)
if PRODUCTION and not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_ENV=production needs DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE).")
PORTAL_DEMO = False if PRODUCTION else envbool("PORTAL_DEMO", SECRET_KEY == DEMO_SECRET_KEY)
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
# Fernet keys that encrypt secrets at rest (reviewers' personal Govern API keys), comma-separated, newest first: the
# first encrypts, every one decrypts (rotation: README). Only the demo has a default.
DEMO_FERNET_KEY = "ZGVtby1vbmx5LWZlcm5ldC1rZXktY2hhbmdlLW1lISE="
PORTAL_FERNET_KEYS = [
    k.strip() for k in envsecret("PORTAL_FERNET_KEYS", DEMO_FERNET_KEY if PORTAL_DEMO else "").split(",") if k.strip()
]
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "portal.apps.PortalConfig",
    "portal.audit",
    "portal.tokens",
    "govern_ui",
    "deployer_ui",
    # Only for `manage.py runsandbox`; the sandbox shares nothing with the portal but HTTP.
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # First after security: every event a request causes carries its id and client address.
    "portal.audit.context.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.SignedOutPollMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.security.SignedInPagesMiddleware",
    "portal.metrics.RequestMetricsMiddleware",
    "portal.middleware.UpstreamErrorMiddleware",
    "portal.middleware.WorkersUnreachableMiddleware",
    # Last: answers the lockout page when a sign-in was refused because the account or address is locked out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in the demo: wait for locks instead of failing, and write ahead
    # (WAL) so that pages keep reading while the workers write (the Govern mirror's sweeps write every few seconds;
    # in the default journal mode every commit blocked every reader).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker ---------------------------------------------------------------------------------

# Unset REDIS_URL means "the embedded Redis": a real redis-server that `manage.py runredis` (started by `make run`,
# and by the test suite) serves on a unix socket under VAR_DIR.
EMBEDDED_REDIS = not os.environ.get("REDIS_URL")
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = os.environ.get("REDIS_URL") or f"unix://{EMBEDDED_REDIS_SOCKET}?db=0"

# Every Redis call (cache, locks, snapshots, sending a task) gives up after REDIS_SOCKET_TIMEOUT seconds; after one
# such failure the process skips Redis for REDIS_BREAKER_SECONDS at a time until it answers again (the circuit
# breaker, portal/lib/redis_guard.py), so a stalled Redis costs a page one timeout, not one per call.
REDIS_SOCKET_TIMEOUT = envfloat("REDIS_SOCKET_TIMEOUT", 1.0)
REDIS_BREAKER_SECONDS = envfloat("REDIS_BREAKER_SECONDS", 5.0)

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "CONNECTION_POOL_CLASS": "portal.lib.redis_guard.GuardedConnectionPool",
            # A Redis outage degrades pages to "loading" instead of a 500.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Kombu spells a unix socket "redis+socket://"; redis-py and django-redis spell it "unix://".
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    f"redis+socket://{EMBEDDED_REDIS_SOCKET}" if EMBEDDED_REDIS else REDIS_URL
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A pool process killed mid-task (OOM, SIGKILL) has its message requeued at once, not after the visibility timeout;
# every task is safe to run twice (leases, conditional updates).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged message of a worker that vanished whole comes back after this; the beat sweeps (updates,
    # review actions) do not wait for it, and a late duplicate finds its work claimed or done.
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 600),
    # Without a socket timeout a publish to a stalled Redis waits forever (kombu's default); send_now logs the
    # failure, trips the breaker, and beat's sweep sends the work later.
    "socket_timeout": max(REDIS_SOCKET_TIMEOUT, 1.0),
    "socket_connect_timeout": max(REDIS_SOCKET_TIMEOUT, 1.0),
}
CELERY_BROKER_CONNECTION_TIMEOUT = max(REDIS_SOCKET_TIMEOUT, 1.0)
# Sending a task: one immediate retry (a pooled connection Redis closed), then give up (portal.lib.tasks.send_now);
# never a long wait inside a request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
CELERY_TIMEZONE = "UTC"

# --- Upstreams ------------------------------------------------------------------------------------------------------

# Demo defaults point at the sandbox (`manage.py runsandbox`, base port 8100). checks.py validates all of this.
SANDBOX_BASE_PORT = envint("SANDBOX_BASE_PORT", 8100)
_sandbox = "http://127.0.0.1:{port}"

GOVERN = {
    "name": "Govern",
    "url": os.environ.get("GOVERN_URL", _sandbox.format(port=SANDBOX_BASE_PORT + 1) + "/public/api"),
    "api_key": envsecret("GOVERN_API_KEY", "govern-service-key" if PORTAL_DEMO else ""),
    "auth": os.environ.get("GOVERN_AUTH", "basic"),
}
DSS = {
    "name": "Deployer",
    "url": os.environ.get("DSS_URL", _sandbox.format(port=SANDBOX_BASE_PORT + 2) + "/public/api"),
    "api_key": envsecret("DSS_API_KEY", "dss-service-key" if PORTAL_DEMO else ""),
    "auth": os.environ.get("DSS_AUTH", "basic"),
}


def _api_nodes() -> list[dict]:
    """API_NODES="id=url,id=url"; each node's key from API_NODE_<ID>_API_KEY, else API_NODE_API_KEY."""
    default = (
        f"apinode-a={_sandbox.format(port=SANDBOX_BASE_PORT + 3)}/admin/api,"
        f"apinode-b={_sandbox.format(port=SANDBOX_BASE_PORT + 4)}/admin/api"
    )
    shared_key = envsecret("API_NODE_API_KEY", "apinode-admin-key" if PORTAL_DEMO else "")
    nodes = []
    for item in envlist("API_NODES", default):
        node_id, _, url = item.partition("=")
        env_id = node_id.strip().upper().replace("-", "_")
        nodes.append(
            {
                "id": node_id.strip(),
                "name": f"API node {node_id.strip()}",
                "url": url.strip(),
                "api_key": envsecret(f"API_NODE_{env_id}_API_KEY", shared_key),
                "auth": os.environ.get(f"API_NODE_{env_id}_AUTH", os.environ.get("API_NODE_AUTH", "bearer")),
            }
        )
    return nodes


API_NODES = _api_nodes()

# (connect, read) seconds for every upstream call; pages never wait longer than this on an upstream.
UPSTREAM_CONNECT_TIMEOUT = envfloat("UPSTREAM_CONNECT_TIMEOUT", 2.0)
UPSTREAM_READ_TIMEOUT = envfloat("UPSTREAM_READ_TIMEOUT", 5.0)
UPSTREAM_RETRIES = envint("UPSTREAM_RETRIES", 2)
UPSTREAM_POOL_SIZE = envint("UPSTREAM_POOL_SIZE", 20)

# --- Auth -----------------------------------------------------------------------------------------------------------

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
# A session ends PORTAL_SESSION_HOURS after it was last used, and with the browser: portal.security renews it at
# most every 5 minutes of use, instead of a session write on every request (each one a database write).
SESSION_COOKIE_AGE = int(envfloat("PORTAL_SESSION_HOURS", 12.0) * 3600)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG and not PORTAL_DEMO)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A form sent after the session ended or from a stale page gets a page that says nothing was sent (portal.views).
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, redirect plain HTTP, and (once sure) send HSTS. The
# production profile assumes such a proxy, which must overwrite any X-Forwarded-Proto a client sends.
if envbool("DJANGO_BEHIND_TLS_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", PRODUCTION)
# Probes and the metrics scraper may call over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", PRODUCTION)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Reverse proxies in front of the portal whose X-Forwarded-For is trusted for the client address in the audit log
# (0: use the connection's address).
PORTAL_TRUSTED_PROXIES = envint("PORTAL_TRUSTED_PROXIES", 0)

# Sign-in throttling, browser policies, probes and metrics.
from portal.settings_hardening import *  # noqa: E402,F403

# --- I18N, static ---------------------------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("PORTAL_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if envbool("PORTAL_MANIFEST_STATIC", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST API: authentication, throttles, errors, schema (portal/settings_api.py) ---------------------------------

from portal.settings_api import *  # noqa: E402,F403

# --- Logging --------------------------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "one_line_403": {"()": "portal.logging.OneLineForbidden"},
        "quiet_skipped_redis": {"()": "portal.logging.QuietSkippedRedis"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if envbool("PORTAL_LOG_JSON", PRODUCTION) else "plain",
            "filters": ["one_line_403", "quiet_skipped_redis"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PORTAL_LOG_LEVEL", "INFO")},
    "loggers": {
        # urllib3 logs full URLs at DEBUG; keys never travel in URLs, but keep it quiet anyway.
        "urllib3": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lockouts (WARNING) still show, and the audit log has them all.
        "axes": {"level": "WARNING"},
        # A 403 is logged on one line, without the traceback Django attaches.
        "django.request": {"filters": ["one_line_403"]},
    },
}

# --- Feature apps: governance, deployments and API nodes, the history store, wall screens ---------------------------

from portal.settings_apps import *  # noqa: E402,F403

# The review-queue badge in the navigation.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("govern_ui.context_processors.govern")
