"""/metrics in Prometheus text, behind a bearer token or an address allow-list, and the middleware that counts
requests and their latency by view."""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from portal.audit.context import client_ip_from
from portal.lib import metrics


class RequestMetricsMiddleware:
    """Counts each request by method, view name and status class, and times it. The view name (not the path) keeps
    the number of series bounded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unmatched"
        method = request.method if request.method in {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE"} else "other"
        metrics.REQUESTS.labels(method, view, f"{response.status_code // 100}xx").inc()
        metrics.REQUEST_SECONDS.labels(method, view).observe(time.monotonic() - started)
        return response


def _allowed(request) -> bool:
    token = settings.PORTAL_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token):
            return True
    address = client_ip_from(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.PORTAL_METRICS_ALLOW)


def _registry():
    """The process's own registry, or under gunicorn with PROMETHEUS_MULTIPROC_DIR every process's, merged."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(metrics.RegisteredGauges())
    return registry


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus text; 403 unless the caller has the bearer token or an allowed address."""
    if not _allowed(request):
        return HttpResponseForbidden("metrics: bearer token or allowed address required\n", content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
