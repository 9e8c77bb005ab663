"""The API's docs page: Swagger UI from the pinned drf-spectacular-sidecar package, served by the portal itself (no
CDN), started by a static script so that the Content-Security-Policy (no inline script or style) holds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET


@login_required
@require_GET
def docs(request):
    return render(request, "portal/api_docs.html", {"schema_url": reverse("api-schema") + "?format=json"})
