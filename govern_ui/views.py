"""Pages of the reviewers' workspace. Thin: check access, parse, call one subject module, pick the page or its
partial, map typed errors (an unhandled `UpstreamError` becomes the upstream error page in `portal.middleware`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from govern_ui import browse, queue, review
from govern_ui.client import UPSTREAM
from govern_ui.forms import FORMS, ArtifactFilterForm
from govern_ui.models import ReviewAction
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError
from portal.lib.web import STOP_POLLING, is_htmx, page_or_partial, upstream_error_text
from portal.models import govern_login_of
from portal.roles import ALL_ROLES, REVIEWER, has_role, role_required


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
    return render(request, "govern_ui/artifact_detail.html", {"detail": detail, "artifact": detail.artifact})


@role_required(*ALL_ROLES)
@require_GET
def step_detail(request, artifact_id, step_id):
    step = review.step_context(artifact_id, step_id, request.user)
    return render(request, "govern_ui/step_detail.html", {"artifact": step.artifact, "panel": step.panel})


# -- actions -------------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def step_action(request, artifact_id, step_id, kind):
    """Approve, reject or delegate: form, then a confirmation step, then the action is recorded and sent."""
    if kind not in FORMS:
        raise Http404("Unknown action")
    if request.method == "POST" and request.POST.get("confirm"):
        # A double submit or a browser retry of a confirmed form: show the action it already created.
        existing = review.own_action_by_key(request.user, request.POST.get("idempotency_key", ""))
        if existing is not None:
            return redirect("govern_ui:action_detail", action_id=existing.pk)
    step = review.step_context(artifact_id, step_id, request.user, allow_cached=request.method == "POST")
    access = step.panel.access
    allowed = access.can_delegate if kind == "delegate" else access.can_review
    kwargs = {}
    delegates = {}
    if kind == "delegate":
        delegates = review.delegates()
        kwargs = {"users": delegates, "self_login": govern_login_of(request.user)}
    form = FORMS[kind](request.POST if request.method == "POST" else None, **kwargs)
    context = {
        "artifact": step.artifact,
        "panel": step.panel,
        "kind": kind,
        "form": form,
        "stage": "form",
        "degraded": step.degraded,
        "reason": "",
        "delegates": sorted(delegates.values(), key=lambda u: (u.display_name or u.login).casefold()),
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
        context.update(stage="confirm", data=data, delegate_user=delegates.get(data.get("delegate_to", "")))
        return render(request, "govern_ui/step_action.html", context)
    try:
        action, created = review.submit_action(
            user=request.user,
            kind=kind,
            artifact_id=artifact_id,
            step_id=step_id,
            idempotency_key=data["idempotency_key"],
            comment=data.get("comment") or "",
            delegate_to=data.get("delegate_to") or "",
        )
    except Refused as exc:
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
    actions = review.actions_visible_to(request.user, state)[:200]
    return render(
        request,
        "govern_ui/action_list.html",
        {"actions": actions, "state": state, "states": ReviewAction.State.choices},
    )


@role_required(*ALL_ROLES)
@require_GET
def action_detail(request, action_id):
    action = review.action_for(request.user, action_id)
    if action is None:
        raise Http404("No such action")
    # A final action's status panel tells htmx to stop polling it.
    status = STOP_POLLING if is_htmx(request) and action.is_final else 200
    return page_or_partial(
        request, "govern_ui/action_detail.html", "govern_ui/partials/_action_status.html", {"action": action}, status
    )


# -- the queue -----------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_GET
def queue_page(request):
    result = queue.queue_for(request.user)
    status = STOP_POLLING if is_htmx(request) and not result.loading else 200
    return page_or_partial(request, "govern_ui/queue.html", "govern_ui/partials/_queue.html", {"queue": result}, status)


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
