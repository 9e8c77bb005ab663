"""Review pages of the reviewers' workspace: the queue, approve/reject/delegate (form, confirmation, record), an
administrator's hand-back or reassignment of a delegated step, and the review actions. Thin: check access, parse,
call one subject module, pick the page or its partial, map typed errors to a status."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from govern_ui import queue, record, review
from govern_ui.forms import FORMS, QueueFilterForm
from govern_ui.models import ReviewAction
from portal.lib.errors import Refused
from portal.lib.web import STOP_POLLING, is_htmx, page_or_partial
from portal.roles import ADMIN, ALL_ROLES, REVIEWER, role_required

# -- the queue -----------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_GET
def queue_page(request):
    form = QueueFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    result = queue.queue_for(
        request.user,
        tab=params.get("tab") or "mine",
        blueprint=params.get("blueprint") or "",
        status=params.get("status") or "",
        sort=params.get("sort") or "age",
        page=params.get("page") or 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = request.GET.copy()
    for key in ("tab", "page"):
        tab_query.pop(key, None)
    context = {
        "queue": result,
        "form": form,
        "query": query.urlencode(),
        "tab_query": tab_query.urlencode(),
        "tabs": queue.TABS,
        "sorts": queue.SORTS,
        "statuses": [(s, queue.status_label(s)) for s in queue.OPEN_STATUS_CHOICES],
        "filters": params,
    }
    status = STOP_POLLING if is_htmx(request) and not result.loading else 200
    return page_or_partial(request, "govern_ui/queue.html", "govern_ui/partials/_queue.html", context, status)


# -- actions -------------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def step_action(request, artifact_id, step_id, kind):
    """Approve, reject or delegate: form, then a confirmation step, then the action is recorded and sent."""
    if kind not in FORMS:
        raise Http404("Unknown action")
    return _action_page(request, artifact_id, step_id, kind, reassign=False)


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def step_reassign(request, artifact_id, step_id):
    """An administrator hands a delegated step back or to someone else (a delegation of an already delegated step)."""
    return _action_page(request, artifact_id, step_id, "delegate", reassign=True)


def _action_page(request, artifact_id, step_id, kind, *, reassign):
    if request.method == "POST" and request.POST.get("confirm"):
        # A double submit or a browser retry of a confirmed form: show the action it already created.
        existing = review.own_action_by_key(request.user, request.POST.get("idempotency_key", ""))
        if existing is not None:
            return redirect("govern_ui:action_detail", action_id=existing.pk)
    step = review.step_context(artifact_id, step_id, request.user, allow_cached=request.method == "POST")
    access = step.panel.access
    if kind == "delegate":
        allowed = access.can_reassign if reassign else access.can_delegate
    else:
        allowed = access.can_review
    rules, users, choices = None, {}, []
    if kind == "delegate" and allowed:
        rules, users = record.delegation_rules(step, step.viewer)
        choices = rules.choices(users)
    form = FORMS[kind](request.POST if request.method == "POST" else None,
                       **({"users": users, "rules": rules} if kind == "delegate" else {}))
    context = {
        "artifact": step.artifact,
        "panel": step.panel,
        "kind": kind,
        "reassign": reassign,
        "form": form,
        "stage": "form",
        "degraded": step.degraded,
        "reason": "",
        "needs_key": access.needs_key,
        "existing": None,
        "delegates": choices,
    }
    if not allowed:
        reason = access.reason or "Only a step that is delegated can be handed back or reassigned."
        standing = record.standing_action(kind, artifact_id, step_id, step.viewer)
        if standing is not None:
            reason = record.describe(standing, step.viewer.login)
        context.update(stage="blocked", reason=reason, existing=standing)
        return render(request, "govern_ui/step_action.html", context, status=409 if request.method == "POST" else 200)
    if request.method == "GET":
        return render(request, "govern_ui/step_action.html", context)
    if not form.is_valid():
        return render(request, "govern_ui/step_action.html", context, status=400)
    data = form.cleaned_data
    if request.POST.get("edit"):
        return render(request, "govern_ui/step_action.html", context)
    if not data.get("confirm"):
        context.update(stage="confirm", data=data, delegate_user=users.get(data.get("delegate_to", "")))
        return render(request, "govern_ui/step_action.html", context)
    try:
        action, created = record.submit_action(
            user=request.user,
            kind=kind,
            artifact_id=artifact_id,
            step_id=step_id,
            idempotency_key=data["idempotency_key"],
            comment=data.get("comment") or "",
            delegate_to=data.get("delegate_to") or "",
            reassign=reassign,
        )
    except record.AlreadyRecorded as exc:
        context.update(stage="blocked", reason=exc.reason, existing=exc.action)
        return render(request, "govern_ui/step_action.html", context, status=409)
    except record.BadDelegate as exc:
        form.add_error("delegate_to", exc.reason)
        return render(request, "govern_ui/step_action.html", context, status=400)
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
    context = {"action": action, "next": None}
    if is_htmx(request):
        # A final action's status panel tells htmx to stop polling it.
        status = STOP_POLLING if action.is_final else 200
        return render(request, "govern_ui/partials/_action_status.html", context, status=status)
    context["actor_name"] = review.person_name(action.actor)
    if action.actor_id == request.user.pk:
        context["next"] = queue.next_for(request.user, after=(action.artifact_id, action.step_id))
    return render(request, "govern_ui/action_detail.html", context)
