"""The audit pages: the searchable history (auditors and admins), one event, exports, the chain's verification, and
the history fragment the artifact, step and deployment pages show."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.audit import browse, enqueue, export, history, verify
from portal.audit.forms import AuditFilterForm
from portal.lib.web import STOP_POLLING, is_htmx, page_or_partial
from portal.roles import ADMIN, AUDITOR, has_role, role_required

READERS = (AUDITOR, ADMIN)


def _verify_context(request) -> dict:
    run = verify.last_run()
    requested_at = enqueue.verification_requested_at()
    waiting = (run is not None and run.running) or (
        requested_at is not None and (run is None or run.started_at < requested_at)
    )
    return {"verify_run": run, "verify_waiting": waiting, "can_verify": has_role(request.user, ADMIN)}


@role_required(*READERS)
@require_GET
def event_list(request):
    form = AuditFilterForm(request.GET)
    context = {"form": form, "known_actions": browse.known_actions(), **_verify_context(request)}
    if not form.is_valid():
        return render(request, "audit/list.html", {**context, "page": None}, status=400)
    filters = form.filters()
    page = browse.page(filters, before=form.cleaned_data.get("before"), after=form.cleaned_data.get("after"),
                       size=max(1, min(int(settings.AUDIT_PAGE_SIZE), 500)))
    return render(request, "audit/list.html", {**context, "page": page, "filtered": bool(filters),
                                               "export_query": page.query()})


@role_required(*READERS)
@require_GET
def event_detail(request, event_id: int):
    event = browse.event(event_id)
    if event is None:
        raise Http404("No such audit event.")
    input_json = json.dumps(event.input, indent=2, ensure_ascii=False, sort_keys=True)
    return render(request, "audit/detail.html", {"event": event, "input_json": input_json, **browse.related(event)})


@role_required(*READERS)
@require_GET
def event_export(request, fmt: str):
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponseBadRequest(f"Invalid filter: {errors}", content_type="text/plain; charset=utf-8")
    filters = form.filters()
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        response = StreamingHttpResponse(export.csv_lines(filters), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(export.json_chunks(filters), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(ADMIN)
@require_POST
def verify_now(request):
    enqueue.request_verification(requested_by=request.user.get_username())
    messages.success(request, "Verification of the audit chain requested; its result shows here when it finishes.")
    return redirect("audit:list")


@role_required(*READERS)
@require_GET
def verify_status(request):
    """The verification panel alone (htmx polls it while a run is requested or running, then is told to stop)."""
    context = _verify_context(request)
    response = render(request, "audit/partials/_verify.html", context)
    if is_htmx(request) and not context["verify_waiting"]:
        response.status_code = STOP_POLLING
    return response


@login_required
@require_GET
def history_fragment(request):
    """The history of one artifact (`?artifact=`, optionally `&step=`), deployment (`?deployment=`) or review action
    (`?review_action=`): the fragment alone for htmx, else a page around it. Whoever can open an artifact or
    deployment page may read its history; a review action's events are for its author, auditors and admins. Client
    addresses and request ids are on /audit/ only."""
    params = request.GET
    if artifact := params.get("artifact", "").strip()[:200]:
        found = history.for_artifact(artifact, params.get("step", "").strip()[:200] or None)
    elif deployment := params.get("deployment", "").strip()[:200]:
        found = history.for_deployment(deployment)
    elif (action := params.get("review_action", "").strip()).isdigit() and len(action) < 19:
        found = history.for_review_action(int(action))
        if not has_role(request.user, *READERS) and found.actor_ids - {request.user.pk}:
            raise PermissionDenied("Only its author, auditors and admins see a review action's events.")
    else:
        return HttpResponse("Name an artifact, a deployment or a review action.", status=400,
                            content_type="text/plain; charset=utf-8")
    context = {"history": found, "audit_reader": has_role(request.user, *READERS)}
    return page_or_partial(request, "audit/history_page.html", "audit/_history.html", context)
