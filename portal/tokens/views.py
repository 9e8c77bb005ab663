"""The profile page's API tokens section: create a token (its value shown once, on the answer to the POST), revoke
one. The list itself is part of the profile page (`token_section` gives its context)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.lib.errors import Refused
from portal.tokens import service
from portal.tokens.forms import NewTokenForm

PROFILE = "profile"


def token_section(user, form: NewTokenForm | None = None) -> dict:
    """The profile page's context for its API tokens section."""
    return {"api_tokens": service.tokens_of(user), "token_form": form or NewTokenForm(),
            "max_tokens": service.MAX_ACTIVE}


@login_required
@require_POST
@never_cache
def create(request):
    form = NewTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(m for errors in form.errors.values() for m in errors))
        return redirect(PROFILE)
    try:
        issued = service.create(user=request.user, name=form.cleaned_data["name"])
    except Refused as exc:
        messages.error(request, exc.reason)
        return redirect(PROFILE)
    # Shown in this answer only: never in a message, the session or a redirect; never_cache keeps it out of caches.
    return render(request, "portal/api_token_created.html", {"token": issued.token, "value": issued.value})


@login_required
@require_POST
def revoke(request, token_id: int):
    token = service.revoke(user=request.user, token_id=token_id)
    if token is None:
        messages.error(request, "You have no such API token.")
    else:
        messages.success(request, f"The API token “{token.name}” is revoked: it no longer works.")
    return redirect(PROFILE)
