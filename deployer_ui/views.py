"""Pages of the operators' view. Thin: check the role, parse, call one service, render a page or its partial."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deployer_ui import apinode_client, services
from deployer_ui.client import get_client
from deployer_ui.forms import BundleForm, ConfirmForm, DashboardFilterForm, GenerationForm
from deployer_ui.models import DeploymentUpdate
from deployer_ui.refresh import describe
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.roles import ADMIN, ALL_ROLES, OPERATOR, has_role, role_required

READERS = ALL_ROLES
ACTORS = (OPERATOR, ADMIN)
HTMX_STOP_POLLING = 286


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _can_act(request) -> bool:
    return has_role(request.user, *ACTORS)


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
    filters = services.DashboardFilters(**form.cleaned_data) if form.is_valid() else services.DashboardFilters()
    data = services.dashboard(filters)
    context = {"form": form, "data": data, "poll_seconds": 2 if data.loading else
               settings.DEPLOYMENT_DASHBOARD_POLL_SECONDS, "query": request.GET.urlencode()}
    template = "deployer_ui/partials/_dashboard.html" if _is_htmx(request) else "deployer_ui/dashboard.html"
    return render(request, template, context, status=200 if form.is_valid() or not request.GET else 400)


# --- deployment detail and updates -----------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def deployment(request, deployment_id):
    detail = services.deployment_detail(deployment_id)
    bundles = services.bundle_choices(detail.deployment) if detail.deployment else []
    return render(request, "deployer_ui/deployment.html",
                  {"d": detail, "bundles": bundles, "can_act": _can_act(request)})


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def update_start(request, deployment_id):
    deployment = get_client().get_deployment(deployment_id)  # unknown id: friendly 404 via the middleware
    back = reverse("deployer_ui:deployment", args=[deployment_id])
    confirm = _confirm_page
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return confirm(request, title=f"Update {deployment.id}?",
                       message=f"The Deployer will update {deployment.id} on {deployment.infra_id} to bundle "
                               f"{deployment.bundle_id}. This is a consequential action and is audited.",
                       button="Start the update", cancel_url=back)
    try:
        update = services.start_update(user=request.user, deployment_id=deployment_id)
    except services.ActionRefusedError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        messages.error(request, f"The update could not start: {describe(exc)}")
        return redirect(back)
    messages.success(request, f"Update of {deployment_id} started.")
    return redirect("deployer_ui:update", pk=update.pk)


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def deploy_bundle(request, deployment_id):
    deployment = get_client().get_deployment(deployment_id)
    bundles = services.bundle_choices(deployment)
    back = reverse("deployer_ui:deployment", args=[deployment_id])
    form = BundleForm(request.POST or None, bundles=bundles, current=deployment.bundle_id,
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
        update = services.start_update(user=request.user, deployment_id=deployment_id, bundle_id=bundle)
    except services.ActionRefusedError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    except UpstreamError as exc:
        messages.error(request, f"The bundle could not be deployed: {describe(exc)}")
        return redirect(back)
    messages.success(request, f"Bundle {bundle} saved; update of {deployment_id} started.")
    return redirect("deployer_ui:update", pk=update.pk)


@role_required(*READERS)
@require_GET
def update_detail(request, pk):
    update = get_object_or_404(DeploymentUpdate, pk=pk)
    return render(request, "deployer_ui/update.html", {"u": update, "can_act": _can_act(request)})


@role_required(*READERS)
@require_GET
def update_progress(request, pk):
    update = get_object_or_404(DeploymentUpdate, pk=pk)
    response = render(request, "deployer_ui/partials/_update_progress.html", {"u": update,
                                                                              "can_act": _can_act(request)})
    if update.finished and _is_htmx(request):
        response.status_code = HTMX_STOP_POLLING
    return response


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
        services.abort_update(user=request.user, update=update)
    except services.ActionRefusedError as exc:
        messages.error(request, exc.message)
    except UpstreamError as exc:
        messages.error(request, f"The abort failed: {describe(exc)}")
    else:
        messages.success(request, "Abort requested.")
    return redirect(back)


# --- read-only Deployer pages ----------------------------------------------------------------------------------------


def _live(request, template, fetch, **context):
    """Render a page built from a live Deployer call; a failure keeps the page up with a banner."""
    try:
        context.update(fetch())
        error = ""
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        error = describe(exc)
    return render(request, template, {**context, "upstream_error": error})


@role_required(*READERS)
@require_GET
def projects(request):
    return _live(request, "deployer_ui/projects.html", lambda: {"projects": get_client().list_published_projects()})


@role_required(*READERS)
@require_GET
def project(request, project_key):
    return _live(request, "deployer_ui/project.html",
                 lambda: {"project": get_client().get_published_project(project_key)}, project_key=project_key)


@role_required(*READERS)
@require_GET
def bundles(request):
    return _live(request, "deployer_ui/bundles.html", lambda: {"projects": get_client().list_published_projects()})


@role_required(*READERS)
@require_GET
def infras(request):
    def fetch():
        client = get_client()
        return {"infras": client.list_infras(), "stages": client.list_stages()}

    return _live(request, "deployer_ui/infras.html", fetch)


@role_required(*READERS)
@require_GET
def infra(request, infra_id):
    return _live(request, "deployer_ui/infra.html", lambda: {"infra": get_client().get_infra(infra_id)},
                 infra_id=infra_id)


@role_required(*READERS)
@require_GET
def stages(request):
    def fetch():
        client = get_client()
        return {"stages": client.list_stages(), "infras": client.list_infras()}

    return _live(request, "deployer_ui/stages.html", fetch)


@role_required(*READERS)
@require_GET
def tasks(request):
    response = _live(request, "deployer_ui/tasks.html", lambda: {"tasks": services.running_tasks()},
                     is_admin=has_role(request.user, ADMIN))
    return response


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def task_abort(request, job_id):
    future = get_client().get_future(job_id, peek=True)  # unknown job: friendly 404
    back = reverse("deployer_ui:tasks")
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return _confirm_page(request, title=f"Abort task {future.job_id}?",
                             message=f"The Deployer will be asked to abort task {future.job_id} "
                                     f"({future.progress_label or 'no description'}, owner {future.owner or '?'}). "
                                     "This is audited.",
                             button="Abort the task", cancel_url=back, danger=True)
    try:
        services.abort_task(user=request.user, job_id=job_id)
    except UpstreamError as exc:
        messages.error(request, f"The abort failed: {describe(exc)}")
    else:
        messages.success(request, f"Abort of task {job_id} requested.")
    return redirect(back)


# --- API nodes --------------------------------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def api_nodes(request):
    data = services.api_nodes()
    context = {"data": data, "poll_seconds": 2 if data.loading else settings.DEPLOYMENT_DASHBOARD_POLL_SECONDS}
    template = "deployer_ui/partials/_api_nodes.html" if _is_htmx(request) else "deployer_ui/api_nodes.html"
    return render(request, template, context)


@role_required(*READERS)
@require_GET
def api_node(request, node_id):
    detail = services.api_node_detail(node_id)
    return render(request, "deployer_ui/api_node.html", {"node": detail})


@role_required(*READERS)
@require_GET
def api_service(request, node_id, service_id):
    conf = apinode_client.node_settings(node_id)
    client = apinode_client.get_client(node_id)
    error = ""
    service, generations = None, []
    try:
        service = client.get_service(service_id)
        generations = [client.get_generation(service_id, g.generation_id)
                       for g in client.list_generations(service_id)]
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        error = describe(exc)
    return render(request, "deployer_ui/api_service.html", {
        "node_id": node_id, "node_name": conf["name"], "service_id": service_id, "service": service,
        "generations": generations, "series": services.service_series(node_id, service_id),
        "upstream_error": error, "can_act": _can_act(request),
    })


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def api_service_action(request, node_id, service_id, action):
    if action not in services.SERVICE_ACTIONS:
        raise Http404("No such action")
    apinode_client.node_settings(node_id)
    back = reverse("deployer_ui:api_service", args=[node_id, service_id])
    needs_generation = action in ("switch", "preload")
    data = request.POST if request.method == "POST" else request.GET
    form = GenerationForm(data) if needs_generation else ConfirmForm(data)
    if not form.is_valid():
        return HttpResponse("A generation is required.", status=400, content_type="text/plain")
    generation = form.cleaned_data.get("generation", "")
    client = apinode_client.get_client(node_id)
    if needs_generation:
        client.get_generation(service_id, generation)  # unknown service or generation: friendly 404
    else:
        client.get_service(service_id)
    label = services.SERVICE_ACTIONS[action]
    target = f"{service_id} on {node_id}" + (f", generation {generation}" if generation else "")
    if request.method == "GET" or form.cleaned_data.get("confirm") != "yes":
        return _confirm_page(request, title=f"{label}: {target}?",
                             message=f"{label} — {target}. This changes live API serving and is audited.",
                             button=label, cancel_url=back, danger=action == "disable",
                             extra={"generation": generation} if generation else {})
    try:
        services.service_action(user=request.user, node_id=node_id, service_id=service_id, action=action,
                                generation_id=generation)
    except UpstreamError as exc:
        messages.error(request, f"{label} failed: {describe(exc)}")
    else:
        messages.success(request, f"{label}: done for {target}.")
    return redirect(back)
