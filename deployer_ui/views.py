"""Pages of the operators' view: the dashboard, the read-only Deployer pages and the API nodes (the update pages are
in `views_updates`). Thin: check the role, parse, call one service, render a page or its partial, and map typed
errors (`Refused`, `UpstreamError`) to a message or the banner."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from deployer_ui import apinodes, browse
from deployer_ui.apinode_forms import RangeForm
from deployer_ui.charts import RANGES
from deployer_ui.client import UPSTREAM_NAME
from deployer_ui.dashboard import DashboardFilters, rendered_dashboard
from deployer_ui.forms import ConfirmForm, DashboardFilterForm, GenerationForm
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import is_htmx, page_or_partial, upstream_error_text
from portal.roles import ADMIN, ALL_ROLES, OPERATOR, has_role, role_required

READERS = ALL_ROLES
ACTORS = (OPERATOR, ADMIN)


def can_act(request) -> bool:
    return has_role(request.user, *ACTORS)


def _failed(exc: UpstreamError) -> str:
    return upstream_error_text(exc, UPSTREAM_NAME)


def confirm_page(request, *, title, message, button, cancel_url, danger=False, extra=None, status=200):
    return render(
        request,
        "deployer_ui/confirm.html",
        {"title": title, "message": message, "button": button, "cancel_url": cancel_url, "danger": danger,
         "extra": extra or {}},
        status=status,
    )


# --- dashboard --------------------------------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def dashboard(request):
    form = DashboardFilterForm(request.GET or None)
    filters = DashboardFilters(**form.cleaned_data) if form.is_valid() else DashboardFilters()
    data, html = rendered_dashboard(
        filters, lambda data: render_to_string("deployer_ui/partials/_dashboard.html", {"data": data}))
    status = 200 if form.is_valid() or not request.GET else 400
    if is_htmx(request):
        return HttpResponse(html, status=status)
    context = {"form": form, "data": data, "dashboard_html": mark_safe(html),  # noqa: S308 - a rendered template
               "poll_seconds": 2 if data.loading else settings.DEPLOYMENT_DASHBOARD_POLL_SECONDS,
               "query": request.GET.urlencode()}
    return render(request, "deployer_ui/dashboard.html", context, status=status)


# --- read-only Deployer pages ----------------------------------------------------------------------------------------


def _live(request, template: str, fetch: Callable[[], dict], **context):
    """Render a page built from a live Deployer read; a failure keeps the page up with the banner (an unknown id is
    the friendly 404)."""
    try:
        context.update(fetch())
        upstream_error = ""
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        upstream_error = _failed(exc)
    return render(request, template, {**context, "upstream_error": upstream_error})


@role_required(*READERS)
@require_GET
def projects(request):
    return _live(request, "deployer_ui/projects.html", lambda: {"projects": browse.published_projects()})


@role_required(*READERS)
@require_GET
def project(request, project_key):
    return _live(request, "deployer_ui/project.html", lambda: {"project": browse.published_project(project_key)},
                 project_key=project_key)


@role_required(*READERS)
@require_GET
def bundles(request):
    return _live(request, "deployer_ui/bundles.html", lambda: {"projects": browse.published_projects()})


def _infrastructure() -> dict:
    found = browse.infrastructure()
    return {"stages": found.stages, "infras": found.infras}


@role_required(*READERS)
@require_GET
def infras(request):
    return _live(request, "deployer_ui/infras.html", _infrastructure)


@role_required(*READERS)
@require_GET
def infra(request, infra_id):
    return _live(request, "deployer_ui/infra.html", lambda: {"infra": browse.infra(infra_id)}, infra_id=infra_id)


@role_required(*READERS)
@require_GET
def stages(request):
    return _live(request, "deployer_ui/stages.html", _infrastructure)


# --- API nodes --------------------------------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def api_nodes(request):
    data = apinodes.overview()
    context = {"data": data, "poll_seconds": 2 if data.loading else settings.DEPLOYMENT_DASHBOARD_POLL_SECONDS}
    return page_or_partial(request, "deployer_ui/api_nodes.html", "deployer_ui/partials/_api_nodes.html", context)


@role_required(*READERS)
@require_GET
def api_node(request, node_id):
    return render(request, "deployer_ui/api_node.html", {"node": apinodes.node_detail(node_id),
                                                         "can_act": can_act(request)})


@role_required(*READERS)
@require_GET
def api_service(request, node_id, service_id):
    chosen = RangeForm(request.GET).chosen()  # a bad range falls back to the default
    detail = apinodes.service_detail(node_id, service_id, chosen)  # unknown node or service: friendly 404
    return render(request, "deployer_ui/api_service.html", {"detail": detail, "ranges": RANGES,
                                                            "can_act": can_act(request)})


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def api_service_action(request, node_id, service_id, action):
    if action not in apinodes.SERVICE_ACTIONS:
        raise Http404("No such action")
    apinodes.require_node(node_id)
    data = request.POST if request.method == "POST" else request.GET
    form = GenerationForm(data) if action in apinodes.GENERATION_ACTIONS else ConfirmForm(data)
    if not form.is_valid():
        return HttpResponse("A generation is required.", status=400, content_type="text/plain")
    generation = form.cleaned_data.get("generation", "")
    # unknown service or generation: friendly 404
    target = apinodes.prepare_service_action(node_id, service_id, action, generation)
    back = reverse("deployer_ui:api_service", args=[node_id, service_id])
    if request.method == "GET" or form.cleaned_data.get("confirm") != "yes":
        return confirm_page(request, title=f"{target.label}: {target.target}?",
                             message=f"{target.label} — {target.target}. This changes live API serving and is audited.",
                             button=target.label, cancel_url=back, danger=action == "disable",
                             extra={"generation": generation} if generation else {})
    try:
        apinodes.run_service_action(user=request.user, action=target)
    except UpstreamError as exc:
        messages.error(request, f"{target.label} failed: {_failed(exc)}")
    else:
        messages.success(request, f"{target.label}: done for {target.target}.")
    return redirect(back)
