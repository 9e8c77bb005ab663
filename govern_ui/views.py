"""Pages of the reviewers' workspace. Thin: check access, parse, call one service, pick the page or its partial."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from govern_ui import catalog, services
from govern_ui.forms import FORMS, ArtifactFilterForm
from govern_ui.models import ReviewAction
from portal.lib.upstream import UpstreamError
from portal.models import govern_login_of
from portal.roles import ALL_ROLES, REVIEWER, has_role, role_required

log = logging.getLogger(__name__)

HTMX_STOP_POLLING = 286


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _banner(exc: UpstreamError) -> str:
    return f"{exc.upstream or 'Govern'} {exc.message}."


@role_required(*ALL_ROLES)
@require_GET
def index(request):
    return redirect("govern_ui:queue" if has_role(request.user, REVIEWER) else "govern_ui:artifact_list")


# -- blueprints ----------------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def blueprint_list(request):
    try:
        blueprints, error = services.list_blueprints(), ""
    except UpstreamError as exc:
        blueprints, error = [], _banner(exc)
    return render(request, "govern_ui/blueprint_list.html", {"blueprints": blueprints, "error": error})


@role_required(*ALL_ROLES)
@require_GET
def blueprint_detail(request, blueprint_id):
    detail = services.blueprint_detail(blueprint_id)
    return render(request, "govern_ui/blueprint_detail.html", {"detail": detail, "blueprint": detail.blueprint})


@role_required(*ALL_ROLES)
@require_GET
def version_detail(request, blueprint_id, version_id):
    version = services.version_detail(blueprint_id, version_id)
    return render(request, "govern_ui/version_detail.html", {"version": version, "blueprint_id": blueprint_id})


# -- artifacts -----------------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def artifact_list(request):
    form = ArtifactFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    context = {"form": form, "error": "", "listing": None, "sorts": services.SORTS}
    if form.is_bound and not form.is_valid():
        context["error"] = "Some filters were not understood and were ignored."
    try:
        context["listing"] = services.artifact_page(
            blueprint=params.get("blueprint") or "",
            status=params.get("status") or "",
            q=params.get("q") or "",
            sort=params.get("sort") or "name",
            descending=bool(params.get("desc")),
            page=params.get("page") or 1,
        )
    except UpstreamError as exc:
        context["error"] = _banner(exc)
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    template = "govern_ui/partials/_artifact_table.html" if _is_htmx(request) else "govern_ui/artifact_list.html"
    return render(request, template, context)


@role_required(*ALL_ROLES)
@require_GET
def artifact_detail(request, artifact_id):
    detail = services.artifact_detail(artifact_id, request.user)
    return render(request, "govern_ui/artifact_detail.html", {"detail": detail, "artifact": detail.artifact})


@role_required(*ALL_ROLES)
@require_GET
def step_detail(request, artifact_id, step_id):
    context = services.step_context(artifact_id, step_id, request.user)
    return render(
        request, "govern_ui/step_detail.html", {"artifact": context.artifact, "panel": context.panel}
    )


# -- actions -------------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def step_action(request, artifact_id, step_id, kind):
    """Approve, reject or delegate: form, then a confirmation step, then the action is recorded and sent."""
    if kind not in FORMS:
        raise Http404("Unknown action")
    if request.method == "POST":
        # A double submit or a browser retry of a confirmed form: show the action it already created.
        existing = ReviewAction.objects.filter(
            idempotency_key=request.POST.get("idempotency_key", ""), actor=request.user
        ).first()
        if existing is not None and request.POST.get("confirm"):
            return redirect("govern_ui:action_detail", action_id=existing.pk)
    step = services.step_context(artifact_id, step_id, request.user, allow_cached=request.method == "POST")
    access = step.panel.access
    allowed = access.can_delegate if kind == "delegate" else access.can_review
    login = govern_login_of(request.user)
    kwargs = {}
    users = {}
    if kind == "delegate":
        users = catalog.users()  # the delegate must be a known Govern user: no list, no delegation
        kwargs = {"users": users, "self_login": login}
    form = FORMS[kind](request.POST if request.method == "POST" else None, **kwargs)
    context = {
        "artifact": step.artifact,
        "panel": step.panel,
        "kind": kind,
        "form": form,
        "stage": "form",
        "degraded": step.degraded,
        "reason": "",
        "users": sorted(users.values(), key=lambda u: (u.display_name or u.login).casefold()),
    }
    if not allowed:
        context.update(stage="blocked", reason=access.reason)
        return render(request, "govern_ui/step_action.html", context, status=409 if request.method == "POST" else 200)
    if request.method == "GET":
        return render(request, "govern_ui/step_action.html", context)
    if not form.is_valid():
        return render(request, "govern_ui/step_action.html", context, status=400)
    data = form.cleaned_data
    if request.POST.get("edit"):
        return render(request, "govern_ui/step_action.html", context)
    if not data.get("confirm"):
        delegate_user = users.get(data.get("delegate_to", ""))
        context.update(stage="confirm", data=data, delegate_user=delegate_user)
        return render(request, "govern_ui/step_action.html", context)
    try:
        action, created = services.submit_action(
            user=request.user,
            kind=kind,
            artifact_id=artifact_id,
            step_id=step_id,
            idempotency_key=data["idempotency_key"],
            comment=data.get("comment") or "",
            delegate_to=data.get("delegate_to") or "",
        )
    except services.ActionNotAllowedError as exc:
        context.update(stage="blocked", reason=exc.reason)
        return render(request, "govern_ui/step_action.html", context, status=409)
    if created:
        messages.info(request, "Your action was recorded.")
    return redirect("govern_ui:action_detail", action_id=action.pk)


@role_required(*ALL_ROLES)
@require_GET
def action_list(request):
    state = request.GET.get("state", "")
    if state not in ReviewAction.State.values:
        state = ""
    actions = services.actions_visible_to(request.user, state)[:200]
    return render(
        request,
        "govern_ui/action_list.html",
        {"actions": actions, "state": state, "states": ReviewAction.State.choices},
    )


@role_required(*ALL_ROLES)
@require_GET
def action_detail(request, action_id):
    action = services.action_for(request.user, action_id)
    if action is None:
        raise Http404("No such action")
    if _is_htmx(request):
        response = render(request, "govern_ui/partials/_action_status.html", {"action": action})
        if action.is_final:
            response.status_code = HTMX_STOP_POLLING
        return response
    return render(request, "govern_ui/action_detail.html", {"action": action})


# -- the queue -----------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_GET
def queue(request):
    result = services.queue_for(request.user)
    template = "govern_ui/partials/_queue.html" if _is_htmx(request) else "govern_ui/queue.html"
    response = render(request, template, {"queue": result})
    if _is_htmx(request) and not result.loading:
        response.status_code = HTMX_STOP_POLLING
    return response


# -- roles and users -----------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def roles(request):
    try:
        items, error = services.list_roles(), ""
    except UpstreamError as exc:
        items, error = [], _banner(exc)
    return render(request, "govern_ui/roles.html", {"roles": items, "error": error})


@role_required(*ALL_ROLES)
@require_GET
def users(request):
    try:
        items, error = services.list_users(), ""
    except UpstreamError as exc:
        items, error = [], _banner(exc)
    return render(request, "govern_ui/users.html", {"users": items, "error": error})
