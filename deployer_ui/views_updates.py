"""Pages of deployment updates: the deployment page and its live part, starting, following and aborting an update,
retry, roll back and redeploy, and the running tasks. Thin, as `views`: role, input, one service, page or partial,
typed errors to a message or the banner."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deployer_ui import deployment_page, followups, updates
from deployer_ui.forms import BundleForm, ConfirmForm, TokenForm
from deployer_ui.models import DeploymentUpdate
from deployer_ui.views import ACTORS, READERS, can_act, confirm_page
from portal.lib import onetime
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError, UpstreamNotFound
from portal.lib.web import STOP_POLLING, is_htmx, page_or_partial
from portal.roles import ADMIN, has_role, role_required

ALREADY_USED = ("This confirmation was already used, or has expired: nothing more was done. The page below shows "
                "the current state.")


def _failed(exc: UpstreamError) -> str:
    return updates.upstream_text(exc)


def _polling_status(request, polling: bool) -> int:
    """htmx stops polling an element whose request answers 286: when nothing is left to wait for."""
    return STOP_POLLING if is_htmx(request) and not polling else 200


# --- the deployment page ---------------------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def deployment(request, deployment_id):
    detail = deployment_page.deployment_detail(deployment_id)
    return render(request, "deployer_ui/deployment.html", {"detail": detail, "live": detail.live,
                                                            "can_act": can_act(request)})


@role_required(*READERS)
@require_GET
def deployment_live(request, deployment_id):
    """The live part of the deployment page alone (database and cache only), while an update runs."""
    live = deployment_page.live_part(deployment_id)
    return render(request, "deployer_ui/partials/_deployment_live.html",
                  {"live": live, "can_act": can_act(request), "oob": True},
                  status=_polling_status(request, live.polling))


# --- starting, following and aborting --------------------------------------------------------------------------------


def _start(request, back: str, what: str, **kwargs):
    try:
        update = updates.start_update(user=request.user, **kwargs)
    except Refused as exc:
        messages.error(request, exc.reason)
        return redirect(back)
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        messages.error(request, f"{what}: {_failed(exc)}")
        return redirect(back)
    # No "started" message: the update page says what is happening, and a message would outlive it.
    return redirect("deployer_ui:update", pk=update.pk)


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def update_start(request, deployment_id):
    deployment = updates.get_deployment(deployment_id)  # unknown id: friendly 404 via the middleware
    back = reverse("deployer_ui:deployment", args=[deployment_id])
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return confirm_page(request, title=f"Update {deployment.id}?",
                            message=f"The Deployer will update {deployment.id} on {deployment.infra_id} to bundle "
                                    f"{deployment.bundle_id}. This is a consequential action and is audited.",
                            button="Start the update", cancel_url=back)
    return _start(request, back, "The update could not start", deployment_id=deployment_id)


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
        return confirm_page(
            request, title=f"Deploy bundle {bundle} to {deployment.id}?",
            message=f"The deployment's settings will be saved with bundle {bundle} (now {deployment.bundle_id}), "
                    f"then the deployment will be updated. This is audited.",
            button="Save and update", cancel_url=back, extra={"bundle": bundle},
        )
    return _start(request, back, "The bundle could not be deployed", deployment_id=deployment_id, bundle_id=bundle)


def _update_context(request, update: DeploymentUpdate) -> dict:
    return {"update": update, "page": followups.update_page(update), "can_act": can_act(request)}


@role_required(*READERS)
@require_GET
def update_detail(request, pk):
    update = get_object_or_404(DeploymentUpdate.objects.select_related("requester", "origin"), pk=pk)
    return render(request, "deployer_ui/update.html", _update_context(request, update))


@role_required(*READERS)
@require_GET
def update_progress(request, pk):
    """The progress panel alone (the update page includes it); htmx stops polling it once the update has ended."""
    update = get_object_or_404(DeploymentUpdate.objects.select_related("requester", "origin"), pk=pk)
    return render(request, "deployer_ui/partials/_update_progress.html", _update_context(request, update),
                  status=_polling_status(request, not update.finished))


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def update_abort(request, pk):
    update = get_object_or_404(DeploymentUpdate, pk=pk)
    back = reverse("deployer_ui:update", args=[pk])
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return confirm_page(request, title=f"Abort the update of {update.deployment_id}?",
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


# --- retry, roll back, redeploy --------------------------------------------------------------------------------------


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def update_followup(request, pk, kind):
    """GET: the confirmation page (the deployment as it is now, and a one-time token). POST: redeem the token and
    start the follow-up, then follow it live on its own update page."""
    origin = get_object_or_404(DeploymentUpdate, pk=pk)
    back = reverse("deployer_ui:deployment" if kind == followups.Kind.REDEPLOY else "deployer_ui:update",
                   args=[origin.deployment_id if kind == followups.Kind.REDEPLOY else pk])
    if request.method == "GET":
        try:
            confirmation = followups.confirm(origin, kind)
        except Refused as exc:
            messages.error(request, exc.reason)
            return redirect(back)
        except UpstreamError as exc:
            messages.error(request, f"The deployment could not be read: {_failed(exc)}. Nothing was changed.")
            return redirect(back)
        token = onetime.issue(request.user, confirmation.follow_up.purpose)
        return render(request, "deployer_ui/followup_confirm.html",
                      {"confirmation": confirmation, "origin": origin, "token": token, "back": back})
    form = TokenForm(request.POST)
    purpose = followups.purpose(origin, kind)
    if not (form.is_valid() and onetime.redeem(request.user, purpose, form.cleaned_data["token"])):
        messages.error(request, ALREADY_USED)
        return redirect(back)
    try:
        update = followups.start(user=request.user, update=origin, kind=kind)
    except Refused as exc:
        messages.error(request, exc.reason)
        return redirect(back)
    except UpstreamError as exc:
        messages.error(request, f"It could not start: {_failed(exc)}")
        return redirect(back)
    return redirect("deployer_ui:update", pk=update.pk)


# --- running tasks ---------------------------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def tasks(request):
    """Every running task; it refreshes itself while one runs (or while the Deployer cannot say) and then stops."""
    context = {"is_admin": has_role(request.user, ADMIN), "tasks": [], "upstream_error": ""}
    try:
        context["tasks"] = updates.running_tasks()
    except UpstreamNotFound:
        raise
    except UpstreamError as exc:
        context["upstream_error"] = _failed(exc)
    context["polling"] = bool(context["tasks"] or context["upstream_error"])
    return page_or_partial(request, "deployer_ui/tasks.html", "deployer_ui/partials/_tasks.html", context,
                           status=_polling_status(request, context["polling"]))


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def task_abort(request, job_id):
    future = updates.get_task(job_id)  # unknown job: friendly 404
    back = reverse("deployer_ui:tasks")
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return confirm_page(request, title=f"Abort task {future.job_id}?",
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
