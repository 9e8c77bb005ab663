"""Browsing pages of the reviewers' workspace: blueprints, artifacts, steps, roles and users (the review pages are
in `views_review`). Thin: check access, parse, call one subject module, pick the page or its partial, map typed
errors (an unhandled `UpstreamError` becomes the upstream error page in `portal.middleware`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from govern_ui import browse, review
from govern_ui.client import UPSTREAM
from govern_ui.forms import ArtifactFilterForm
from portal.lib.upstream import UpstreamError
from portal.lib.web import page_or_partial, upstream_error_text
from portal.roles import ALL_ROLES, REVIEWER, has_role, role_required


def back_link(request, default: str) -> tuple[str, str]:
    """Where "back" goes: the local page the person came from (`?back=`, else the Referer), else `default`; and its
    label."""
    queue_url = reverse("govern_ui:queue")
    candidates = [request.GET.get("back", ""), request.headers.get("Referer", "")]
    for url in candidates:
        if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith("/") and parts.path != request.path:
                return path, "My queue" if path.startswith(queue_url) else "Back"
    return default, ""


@role_required(*ALL_ROLES)
@require_GET
def index(request):
    return redirect("govern_ui:queue" if has_role(request.user, REVIEWER) else "govern_ui:artifact_list")


# -- blueprints ----------------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def blueprint_list(request):
    try:
        blueprints, upstream_error = browse.list_blueprints(), ""
    except UpstreamError as exc:
        blueprints, upstream_error = [], upstream_error_text(exc, UPSTREAM)
    return render(
        request, "govern_ui/blueprint_list.html", {"blueprints": blueprints, "upstream_error": upstream_error}
    )


@role_required(*ALL_ROLES)
@require_GET
def blueprint_detail(request, blueprint_id):
    detail = browse.blueprint_detail(blueprint_id)
    return render(request, "govern_ui/blueprint_detail.html", {"detail": detail, "blueprint": detail.blueprint})


@role_required(*ALL_ROLES)
@require_GET
def version_detail(request, blueprint_id, version_id):
    version = browse.version_detail(blueprint_id, version_id)
    return render(request, "govern_ui/version_detail.html", {"version": version, "blueprint_id": blueprint_id})


# -- artifacts -----------------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def artifact_list(request):
    form = ArtifactFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    context = {
        "form": form,
        "upstream_error": "",
        "filters_ignored": form.is_bound and not form.is_valid(),
        "listing": None,
        "sorts": browse.SORTS,
    }
    try:
        context["listing"] = browse.artifact_page(
            blueprint=params.get("blueprint") or "",
            status=params.get("status") or "",
            q=params.get("q") or "",
            sort=params.get("sort") or "name",
            descending=bool(params.get("desc")),
            page=params.get("page") or 1,
        )
    except UpstreamError as exc:
        context["upstream_error"] = upstream_error_text(exc, UPSTREAM)
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    return page_or_partial(request, "govern_ui/artifact_list.html", "govern_ui/partials/_artifact_table.html", context)


@role_required(*ALL_ROLES)
@require_GET
def artifact_detail(request, artifact_id):
    detail = browse.artifact_detail(artifact_id, request.user)
    back, back_label = back_link(request, reverse("govern_ui:artifact_list"))
    context = {"detail": detail, "artifact": detail.artifact, "back": back, "back_label": back_label or "Artifacts"}
    return render(request, "govern_ui/artifact_detail.html", context)


@role_required(*ALL_ROLES)
@require_GET
def step_detail(request, artifact_id, step_id):
    step = review.step_context(artifact_id, step_id, request.user)
    back, back_label = back_link(request, reverse("govern_ui:artifact_detail", args=[artifact_id]))
    context = {"artifact": step.artifact, "panel": step.panel, "back": back, "back_label": back_label}
    return render(request, "govern_ui/step_detail.html", context)


# -- roles and users -----------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def roles(request):
    try:
        items, upstream_error = browse.list_roles(), ""
    except UpstreamError as exc:
        items, upstream_error = [], upstream_error_text(exc, UPSTREAM)
    return render(request, "govern_ui/roles.html", {"roles": items, "upstream_error": upstream_error})


@role_required(*ALL_ROLES)
@require_GET
def users(request):
    try:
        items, upstream_error = browse.list_users(), ""
    except UpstreamError as exc:
        items, upstream_error = [], upstream_error_text(exc, UPSTREAM)
    return render(request, "govern_ui/users.html", {"users": items, "upstream_error": upstream_error})
