"""Settings for sign-in throttling, browser security policies, probes and metrics (imported by portal.settings)."""

from __future__ import annotations

from csp.constants import NONE, SELF

from portal.env import envfloat, envint, envlist, envsecret

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username, or from one address, sign-in
# is refused for that username or address for PORTAL_LOCKOUT_MINUTES, whatever password is given.
AXES_FAILURE_LIMIT = envint("PORTAL_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = envfloat("PORTAL_LOCKOUT_MINUTES", 15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "portal.audit.context.client_ip_from"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Browser features no page uses, turned off for every page (portal.security.SignedInPagesMiddleware sends it).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
# Content-Security-Policy: scripts, styles, images and requests from the portal only; no inline script or style
# attribute anywhere (templates keep behaviour in static/js, tests/portal/test_csp.py checks both). htmx's indicator
# style is turned off in base.html's htmx-config meta, so it injects no <style>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Probes and metrics ---------------------------------------------------------------------------------------------

# Beat sends a tick every N seconds; the worker that runs it stamps its heartbeat. /readyz answers 503 when either is
# older than four ticks.
PORTAL_BEAT_TICK_SECONDS = envint("PORTAL_BEAT_TICK_SECONDS", 15)
# /metrics answers a caller with `Authorization: Bearer <PORTAL_METRICS_TOKEN>`, or from an address in
# PORTAL_METRICS_ALLOW (comma-separated addresses or networks).
PORTAL_METRICS_TOKEN = envsecret("PORTAL_METRICS_TOKEN", "")
PORTAL_METRICS_ALLOW = envlist("PORTAL_METRICS_ALLOW", "127.0.0.1,::1")
