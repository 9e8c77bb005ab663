"""Pages of the portal itself: home, the signed-in person's profile, error pages (JSON under /api/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from portal import keys
from portal.forms import GovernKeyForm
from portal.lib.web import is_htmx
from portal.models import display_name_of, profile_of
from portal.overview import down_once, overview
from portal.roles import roles_of
from portal.tokens.views import token_section


@login_required
@require_GET
def home(request):
    sections = overview()
    template = "portal/partials/_overview.html" if is_htmx(request) else "portal/home.html"
    return render(request, template, {"sections": sections, "down": down_once(sections)})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Who the person is here and in Govern; save, replace or remove their personal Govern API key; their API tokens
    (created and revoked by `portal.tokens.views`)."""
    form = GovernKeyForm(request.POST if request.POST.get("save") else None)
    status = 200
    if request.method == "POST":
        if request.POST.get("remove"):
            if keys.remove_govern_key(request.user):
                messages.success(request, "Your Govern API key was removed.")
            return redirect("profile")
        if form.is_valid():
            try:
                keys.save_govern_key(request.user, form.cleaned_data["api_key"])
            except ImproperlyConfigured:
                form.add_error(None, "The portal cannot store keys: its encryption keys are not configured.")
            else:
                messages.success(request, "Your Govern API key was saved. It will not be shown again.")
                return redirect("profile")
        status = 400
    context = {
        "form": form,
        "profile": profile_of(request.user),
        "name": display_name_of(request.user),
        "roles": sorted(roles_of(request.user)),
        "review_as": settings.GOVERN_REVIEW_AS,
        **token_section(request.user),
    }
    return render(request, "portal/profile.html", context, status=status)


def _api(request) -> bool:
    """The REST API answers errors in JSON, as its schema says, even those Django answers before any API view."""
    return request.path.startswith("/api/")


def error_404(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": str(exception or "") or "Forbidden."}, status=403)
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def csrf_failure(request, reason=""):
    """A form sent from an ended session or a stale page: say that nothing was sent, offer to sign in again and hand
    back what was typed, instead of Django's technical CSRF page."""
    context = {
        "signed_in": request.user.is_authenticated,
        "again": request.path if url_has_allowed_host_and_scheme(request.path, allowed_hosts=None) else "/",
        "typed": (request.POST.get("comment") or "")[:5000],
    }
    return render(request, "csrf_failure.html", context, status=403)


def error_500(request):
    if _api(request):
        return JsonResponse({"detail": "The portal failed on this request; it is logged."}, status=500)
    return render(request, "500.html", status=500)
