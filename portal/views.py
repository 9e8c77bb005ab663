"""Pages of the portal itself: home and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.lib.web import is_htmx
from portal.overview import down_once, overview


@login_required
@require_GET
def home(request):
    sections = overview()
    template = "portal/partials/_overview.html" if is_htmx(request) else "portal/home.html"
    return render(request, template, {"sections": sections, "down": down_once(sections)})


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def error_500(request):
    return render(request, "500.html", status=500)
