"""Pages of the operators' view. Thin: check the role, parse, call one service, render a page or its partial, and map
typed errors (`Refused`, `UpstreamError`) to a message or the banner."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deployer_ui import apinodes, browse, updates
from deployer_ui.apinode_forms import RangeForm
from deployer_ui.charts import RANGES
from deployer_ui.client import UPSTREAM_NAME
from deployer_ui.dashboard import DashboardFilters, read_dashboard
from deployer_ui.forms import BundleForm, ConfirmForm, DashboardFilterForm, GenerationForm
from deployer_ui.models import DeploymentUpdate
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import STOP_POLLING, is_htmx, page_or_partial, upstream_error_text
from portal.roles import ADMIN, ALL_ROLES, OPERATOR, has_role, role_required

READERS = ALL_ROLES
ACTORS = (OPERATOR, ADMIN)


def _can_act(request) -> bool:
    return has_role(request.user, *ACTORS)


def _failed(exc: UpstreamError) -> str:
    return upstream_error_text(exc, UPSTREAM_NAME)


def _confirm_page(request, *, title, message, button, cancel_url, danger=False, extra=None, status=200):
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
    data = read_dashboard(filters)
    context = {"form": form, "data": data, "poll_seconds": 2 if data.loading else
               settings.DEPLOYMENT_DASHBOARD_POLL_SECONDS, "query": request.GET.urlencode()}
    return page_or_partial(request, "deployer_ui/dashboard.html", "deployer_ui/partials/_dashboard.html", context,
                           status=200 if form.is_valid() or not request.GET else 400)


# --- deployment detail and updates -----------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def deployment(request, deployment_id):
    detail = updates.deployment_detail(deployment_id)
    return render(request, "deployer_ui/deployment.html", {"detail": detail, "can_act": _can_act(request)})


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def update_start(request, deployment_id):
    deployment = updates.get_deployment(deployment_id)  # unknown id: friendly 404 via the middleware
    back = reverse("deployer_ui:deployment", args=[deployment_id])
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return _confirm_page(request, title=f"Update {deployment.id}?",
                             message=f"The Deployer will update {deployment.id} on {deployment.infra_id} to bundle "
                                     f"{deployment.bundle_id}. This is a consequential action and is audited.",
                             button="Start the update", cancel_url=back)
    try:
        update = updates.start_update(user=request.user, deployment_id=deployment_id)
    except Refused as exc:
        messages.error(request, exc.reason)
        return redirect(back)
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        messages.error(request, f"The update could not start: {_failed(exc)}")
        return redirect(back)
    messages.success(request, f"Update of {deployment_id} started.")
    return redirect("deployer_ui:update", pk=update.pk)


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def deploy_bundle(request, deployment_id):
    deployment = updates.get_deployment(deployment_id)
    back = reverse("deployer_ui:deployment", args=[deployment_id])
    form = BundleForm(request.POST or None, bundles=updates.bundle_choices(deployment), current=deployment.bundle_id,
                      initial={"bundle": deployment.bundle_id})
    if request.method == "GET" or not form.is_valid():
        return render(request, "deployer_ui/deploy_bundle.html", {"form": form, "deployment": deployment},
                      status=400 if request.method == "POST" else 200)
    bundle = form.cleaned_data["bundle"]
    if form.cleaned_data.get("confirm") != "yes":
        return _confirm_page(
            request, title=f"Deploy bundle {bundle} to {deployment.id}?",
            message=f"The deployment's settings will be saved with bundle {bundle} (now {deployment.bundle_id}), "
                    f"then the deployment will be updated. This is audited.",
            button="Save and update", cancel_url=back, extra={"bundle": bundle},
        )
    try:
        update = updates.start_update(user=request.user, deployment_id=deployment_id, bundle_id=bundle)
    except Refused as exc:
        messages.error(request, exc.reason)
        return redirect(back)
    except UpstreamError as exc:
        messages.error(request, f"The bundle could not be deployed: {_failed(exc)}")
        return redirect(back)
    messages.success(request, f"Bundle {bundle} saved; update of {deployment_id} started.")
    return redirect("deployer_ui:update", pk=update.pk)


@role_required(*READERS)
@require_GET
def update_detail(request, pk):
    update = get_object_or_404(DeploymentUpdate, pk=pk)
    return render(request, "deployer_ui/update.html", {"update": update, "can_act": _can_act(request)})


@role_required(*READERS)
@require_GET
def update_progress(request, pk):
    """The progress panel alone (the update page includes it); htmx stops polling it once the update has ended."""
    update = get_object_or_404(DeploymentUpdate, pk=pk)
    status = STOP_POLLING if update.finished and is_htmx(request) else 200
    return render(request, "deployer_ui/partials/_update_progress.html",
                  {"update": update, "can_act": _can_act(request)}, status=status)


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def update_abort(request, pk):
    update = get_object_or_404(DeploymentUpdate, pk=pk)
    back = reverse("deployer_ui:update", args=[pk])
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return _confirm_page(request, title=f"Abort the update of {update.deployment_id}?",
                             message="The Deployer will be asked to abort this update. The deployment may be left "
                                     "partly updated. This is audited.",
                             button="Abort the update", cancel_url=back, danger=True)
    try:
        updates.abort_update(user=request.user, update=update)
    except Refused as exc:
        messages.error(request, exc.reason)
    except UpstreamError as exc:
        messages.error(request, f"The abort failed: {_failed(exc)}")
    else:
        messages.success(request, "Abort requested.")
    return redirect(back)


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


@role_required(*READERS)
@require_GET
def tasks(request):
    return _live(request, "deployer_ui/tasks.html", lambda: {"tasks": updates.running_tasks()},
                 is_admin=has_role(request.user, ADMIN))


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def task_abort(request, job_id):
    future = updates.get_task(job_id)  # unknown job: friendly 404
    back = reverse("deployer_ui:tasks")
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return _confirm_page(request, title=f"Abort task {future.job_id}?",
                             message=f"The Deployer will be asked to abort task {future.job_id} "
                                     f"({future.progress_label or 'no description'}, owner {future.owner or '?'}). "
                                     "This is audited.",
                             button="Abort the task", cancel_url=back, danger=True)
    try:
        updates.abort_task(user=request.user, job_id=job_id)
    except UpstreamError as exc:
        messages.error(request, f"The abort failed: {_failed(exc)}")
    else:
        messages.success(request, f"Abort of task {job_id} requested.")
    return redirect(back)


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
                                                         "can_act": _can_act(request)})


@role_required(*READERS)
@require_GET
def api_service(request, node_id, service_id):
    chosen = RangeForm(request.GET).chosen()  # a bad range falls back to the default
    detail = apinodes.service_detail(node_id, service_id, chosen)  # unknown node or service: friendly 404
    return render(request, "deployer_ui/api_service.html", {"detail": detail, "ranges": RANGES,
                                                            "can_act": _can_act(request)})


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
        return _confirm_page(request, title=f"{target.label}: {target.target}?",
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
