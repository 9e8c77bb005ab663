"""Pages of the API-node admin operations, and the traffic charts as JSON.

Every operation is a confirmation page (GET: what will happen, read from the node, and a one-time token) and a POST
that redeems the token and calls one `apinode_admin` use case: a double submit finds the token used and does
nothing. Refusals (the portal's rules, an unknown id, the node saying no) become one message and change nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from deployer_ui import apinode_admin, charts
from deployer_ui.apinode_forms import CreateKeyForm, ImportGenerationForm, RangeForm, TokenForm
from portal.lib import onetime
from portal.lib.errors import Refused
from portal.lib.upstream import UpstreamError, UpstreamNotFound, UpstreamRefused
from portal.lib.web import upstream_error_text
from portal.roles import ADMIN, ALL_ROLES, OPERATOR, role_required

ACTORS = (OPERATOR, ADMIN)
ALREADY_USED = ("This confirmation was already used, or has expired: nothing more was done. The page below shows "
                "the current state; start again if something is still to do.")


# --- charts ----------------------------------------------------------------------------------------------------------


def _chart_json(request, build):
    form = RangeForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": "Unknown range: choose one of " + ", ".join(charts.RANGES) + "."}, status=400)
    try:
        chart = build(charts.parse_range(form.chosen()))
    except UpstreamNotFound:
        return JsonResponse({"error": "No such API node."}, status=404)
    return JsonResponse(chart.to_json())


@role_required(*ALL_ROLES)
@require_GET
def service_chart(request, node_id, service_id):
    """A service's requests per minute, error rate and latency over `?range=` (1h, 24h, 7d), from stored samples."""
    return _chart_json(request, lambda chosen: charts.service_chart(node_id, service_id, chosen))


@role_required(*ALL_ROLES)
@require_GET
def node_chart(request, node_id):
    """A node's totals over `?range=`, from stored samples."""

    def build(chosen):
        name = apinode_admin.node_name(node_id)
        return charts.node_charts([(node_id, name)], chosen)[node_id]

    return _chart_json(request, build)


# --- shared steps ----------------------------------------------------------------------------------------------------


def _confirm_page(request, plan: apinode_admin.Plan, *, back: str, form=None, status: int = 200, multipart=False):
    """The confirmation page of `plan`; a new one-time token unless `form` (re-shown with its errors) has one."""
    token = form["token"].value() if form is not None and form.is_bound else onetime.issue(request.user, plan.purpose)
    return render(request, "deployer_ui/apinodes/confirm.html", {
        "plan": plan, "back": back, "form": form, "token": token, "multipart": multipart,
    }, status=status)


def _redeemed(request, form, purpose: str) -> bool:
    return form.is_valid() and onetime.redeem(request.user, purpose, form.cleaned_data["token"])


def _failure(request, exc: UpstreamError, what: str, not_found: str) -> None:
    if isinstance(exc, UpstreamNotFound):
        messages.error(request, f"{not_found} Nothing was changed.")
    elif isinstance(exc, UpstreamRefused):
        messages.error(request, f"{what} was refused: {upstream_error_text(exc)}. Nothing was changed.")
    else:
        messages.error(request, f"{what} failed: {upstream_error_text(exc)}. Check the node before trying again.")


def _node_url(node_id: str) -> str:
    return reverse("deployer_ui:api_node", args=[node_id])


def _service_url(node_id: str, service_id: str) -> str:
    return reverse("deployer_ui:api_service", args=[node_id, service_id])


# --- auth keys -------------------------------------------------------------------------------------------------------


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
@never_cache
def key_create(request, node_id):
    services, plan = apinode_admin.create_key_plan(node_id)
    back = _node_url(node_id)
    if request.method == "GET":
        return _confirm_page(request, plan, back=back, form=CreateKeyForm(services=services))
    form = CreateKeyForm(request.POST, services=services)
    if not form.is_valid():
        return _confirm_page(request, plan, back=back, form=form, status=400)
    if not _redeemed(request, form, plan.purpose):
        messages.error(request, ALREADY_USED)
        return redirect(back)
    try:
        created = apinode_admin.create_auth_key(user=request.user, node_id=node_id, label=form.cleaned_data["label"],
                                                allowed_services=form.cleaned_data["allowed_services"])
    except UpstreamError as exc:
        _failure(request, exc, "Creating the key", "The node no longer has one of the chosen services.")
        return redirect(back)
    # Shown in this response only: never in a message, the session or a redirect target. never_cache keeps it out
    # of the browser's and any proxy's cache.
    return render(request, "deployer_ui/apinodes/key_created.html", {
        "node_id": node_id, "node_name": plan.node_name, "key": created.key,
        "secret": created.secret,
    })


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def key_delete(request, node_id, key_id):
    back = _node_url(node_id)
    if request.method == "GET":
        _, plan = apinode_admin.delete_key_plan(node_id, key_id)
        return _confirm_page(request, plan, back=back)
    if not _redeemed(request, TokenForm(request.POST), apinode_admin.purpose("delete_key", node_id, key_id)):
        messages.error(request, ALREADY_USED)
        return redirect(back)
    try:
        apinode_admin.delete_auth_key(user=request.user, node_id=node_id, key_id=key_id)
    except UpstreamError as exc:
        _failure(request, exc, "Deleting the key", f"Auth key {key_id} does not exist on this node (already deleted?).")
    else:
        messages.success(request, f"Auth key {key_id} deleted.")
    return redirect(back)


# --- generations -----------------------------------------------------------------------------------------------------


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def generation_import(request, node_id, service_id):
    back = _service_url(node_id, service_id)
    _, plan = apinode_admin.import_plan(node_id, service_id)
    if request.method == "GET":
        return _confirm_page(request, plan, back=back, form=ImportGenerationForm(), multipart=True)
    form = ImportGenerationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _confirm_page(request, plan, back=back, form=form, status=400, multipart=True)
    if not _redeemed(request, form, plan.purpose):
        messages.error(request, ALREADY_USED)
        return redirect(back)
    archive = form.cleaned_data["file"]
    try:
        generation = apinode_admin.import_generation(user=request.user, node_id=node_id, service_id=service_id,
                                                     archive=archive, filename=archive.name)
    except UpstreamError as exc:
        _failure(request, exc, "The import", f"Service {service_id} no longer exists on this node.")
    else:
        messages.success(request, f"Generation {generation.generation_id} imported into {service_id}. It is not "
                                  "active: switch to it when you are ready.")
    return redirect(back)


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def generation_delete(request, node_id, service_id, generation_id):
    back = _service_url(node_id, service_id)
    if request.method == "GET":
        try:
            _, plan = apinode_admin.delete_generation_plan(node_id, service_id, generation_id)
        except Refused as exc:
            messages.error(request, exc.reason)
            return redirect(back)
        return _confirm_page(request, plan, back=back)
    if not _redeemed(request, TokenForm(request.POST),
                     apinode_admin.purpose("delete_generation", node_id, service_id, generation_id)):
        messages.error(request, ALREADY_USED)
        return redirect(back)
    try:
        apinode_admin.delete_generation(user=request.user, node_id=node_id, service_id=service_id,
                                        generation_id=generation_id)
    except Refused as exc:
        messages.error(request, f"{exc.reason} Nothing was changed.")
    except UpstreamError as exc:
        _failure(request, exc, "Deleting the generation",
                 f"Generation {generation_id} of {service_id} does not exist on this node (already deleted?).")
    else:
        messages.success(request, f"Generation {generation_id} of {service_id} deleted.")
    return redirect(back)


# --- services --------------------------------------------------------------------------------------------------------


@role_required(*ACTORS)
@require_http_methods(["GET", "POST"])
def service_delete(request, node_id, service_id):
    if request.method == "GET":
        _, plan = apinode_admin.delete_service_plan(node_id, service_id)
        return _confirm_page(request, plan, back=_service_url(node_id, service_id))
    back = _node_url(node_id)
    if not _redeemed(request, TokenForm(request.POST), apinode_admin.purpose("delete_service", node_id, service_id)):
        messages.error(request, ALREADY_USED)
        return redirect(back)
    try:
        apinode_admin.delete_service(user=request.user, node_id=node_id, service_id=service_id)
    except UpstreamError as exc:
        _failure(request, exc, "Deleting the service",
                 f"Service {service_id} does not exist on this node (already deleted?).")
    else:
        messages.success(request, f"Service {service_id} deleted, with its generations.")
    return redirect(back)

