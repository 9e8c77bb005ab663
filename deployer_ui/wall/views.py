"""Pages of the wall: the signed-in wall, token walls (no login) and their feeds, the admins' screens.

A feed answers 304 while the board's version (the ETag) is unchanged; else the new board, as a delta from the
version the screen shows (`X-Wall-Delta`, see `rendered`) while that one is still known. Every answer, 304 included,
carries the times a screen counts ages from in `X-Wall-Freshness`. Feeds read caches only: never an upstream.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from functools import cache as memoize
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import close_old_connections
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from deployer_ui.forms import ConfirmForm
from deployer_ui.models import WallScreen
from deployer_ui.wall import board as boards
from deployer_ui.wall import rendered, screens
from deployer_ui.wall.forms import WallScreenForm, scope_from_query
from deployer_ui.wall.rendered import RenderedBoard
from portal.lib import onetime
from portal.roles import ADMIN, ALL_ROLES, role_required

log = logging.getLogger(__name__)

BOARD_TEMPLATE = "deployer_ui/partials/_wall_board.html"
CREATE_SCREEN = "wall_screen.create"  # the one-time token's purpose
RENDERED_TTL = 300  # how long a board's tile keys are shared (a screen that old gets the whole board)


def client_address(request) -> str | None:
    """The screen's address: the connecting peer, or behind the TLS proxy (DJANGO_BEHIND_TLS_PROXY) the address
    that proxy appended last to X-Forwarded-For."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1][:45]
    return request.META.get("REMOTE_ADDR") or None


@memoize
def _template_digest() -> str:
    """Part of every ETag: a new board template means new pages even where the data did not change."""
    return hashlib.sha256(get_template(BOARD_TEMPLATE).template.source.encode()).hexdigest()[:8]


def _etag(state: boards.PollState) -> str:
    return f'"{state.version}-{_template_digest()}"'


# Boards of recent versions by ETag, and the bodies sent from them (whole, or as a delta from a screen's version).
_boards: OrderedDict[str, RenderedBoard] = OrderedDict()
_bodies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_kept_lock = threading.Lock()
BOARDS_KEPT = 3  # the current version of a scope or two, and the one most screens still show
BODIES_KEPT = 6


def _keep(store: OrderedDict, key, value, most: int) -> None:
    with _kept_lock:
        store[key] = value
        store.move_to_end(key)
        while len(store) > most:
            store.popitem(last=False)


def _keys_key(etag: str) -> str:
    return f"wall:board-keys:v1:{etag.strip(chr(34))}"


def _known_keys(etag: str) -> dict[str, str] | None:
    """The tile keys of the board of `etag`, from this process or the shared cache; None once both forgot it."""
    with _kept_lock:
        board = _boards.get(etag)
    if board is not None:
        return board.keys
    data = cache.get(_keys_key(etag))
    return rendered.decode_keys(data) if isinstance(data, bytes) else None


def _board(etag: str, scope: boards.WallScope) -> RenderedBoard:
    """The board of `scope` as of `etag`, rendered once per ETag in this process; its tile keys are shared."""
    with _kept_lock:
        board = _boards.get(etag)
    if board is None:
        sink = rendered.TileSink()
        board = RenderedBoard.cut(_render_board(boards.build_board(scope), sink), sink)
        cache.set(_keys_key(etag), rendered.encode_keys(board.keys), RENDERED_TTL)
        _keep(_boards, etag, board, BOARDS_KEPT)
        with _kept_lock:
            _latest[scope.key()] = etag
    return board


_preparing: dict[str, threading.Lock] = {}  # by scope: one thread of a process renders a scope's next board
_latest: dict[str, str] = {}  # by scope: the ETag of the board this process rendered last
SCOPES_KEPT = 1_000
_preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wall-board")


def _prepare(etag: str, scope: boards.WallScope, lock: threading.Lock) -> None:
    """Render the board of `etag` off the request path (in `_preparer`), then let the next render start."""
    try:
        _board(etag, scope)
    except Exception:  # noqa: BLE001 - a failed render is retried by the next poll; nothing else to tell
        log.exception("wall board %s could not be rendered", etag)
    finally:
        close_old_connections()
        lock.release()


def _body(etag: str, shown: str, scope: boards.WallScope) -> tuple[bytes, bool, str] | None:
    """What a screen showing version `shown` ("" for nothing) receives of `etag`, and the ETag it then shows: a
    delta when its version is still known here or in the shared cache, else the whole board. A new version is
    rendered once per process, by a thread of its own; meanwhile a screen that shows a board already gets the newest
    board this process has (None when that is the one it shows: a 304, it keeps its board, whose tiles keep their
    own reading times) instead of waiting, so versions coming faster than renders never starve it. Only a screen
    with nothing to show waits."""
    with _kept_lock:
        body = _bodies.get((etag, shown))
        board = _boards.get(etag)
        if len(_preparing) > SCOPES_KEPT:  # signed-in walls choose their filters: bound what a process keeps
            _preparing.clear()
            _latest.clear()
        lock = _preparing.setdefault(scope.key(), threading.Lock())
        latest = _latest.get(scope.key(), "")
    if body is not None:
        return body, bool(shown), etag
    if board is None and shown:
        if lock.acquire(blocking=False):
            _preparer.submit(copy_context().run, _prepare, etag, scope, lock)
        with _kept_lock:
            board = _boards.get(latest)
        if board is None or latest == shown:
            return None
        etag = latest
    if board is None:
        with lock:  # wait for a render under way (one at a time per scope), then use it or render
            board = _board(etag, scope)
    before = _known_keys(shown) if shown else None
    pair = (etag, shown if before is not None else "")
    with _kept_lock:
        body = _bodies.get(pair)
    if body is None:  # cheap next to a render (a join over the tiles): two threads building one pair is harmless
        body = board.delta(before) if before is not None else board.full()
        _keep(_bodies, pair, body, BODIES_KEPT)
    return body, before is not None, etag


def _render_board(board: boards.Board, sink: rendered.TileSink | None = None) -> str:
    return render_to_string(BOARD_TEMPLATE, {"board": board, "governance_known": not board.governance.loading,
                                             "tile_sink": sink})


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_cache=True, no_store=True, private=True)
    return response


def _feed(request, scope: boards.WallScope) -> HttpResponse:
    state = boards.poll_state(scope)
    etag = _etag(state)
    held = parse_etags(request.headers.get("If-None-Match", ""))
    if etag in held:
        response = HttpResponseNotModified()
    else:
        shown = held[0] if len(held) == 1 and held[0] != "*" else ""
        found = _body(etag, shown, scope)
        if found is None:  # its next board is being prepared: the screen keeps the one it shows for now
            response = HttpResponseNotModified()
            response["ETag"] = shown
            response["X-Wall-Freshness"] = json.dumps(state.freshness, separators=(",", ":"))
            return _no_store(response)
        body, delta, etag = found
        response = HttpResponse(body)
        if delta:
            response["X-Wall-Delta"] = shown  # the version this answer patches: any other screen must not apply it
    response["ETag"] = etag
    response["X-Wall-Freshness"] = json.dumps(state.freshness, separators=(",", ":"))
    return _no_store(response)


def _page(request, scope: boards.WallScope, *, title: str, feed_url: str, login_url: str = "") -> HttpResponse:
    state = boards.poll_state(scope)
    etag = _etag(state)
    # The board the feed would send for this version, so the first poll after a change can send a delta from it.
    board = mark_safe(_body(etag, "", scope)[0].decode())  # noqa: S308 - rendered by the board template, escaped
    context = {
        "title": title, "scope": scope, "board_html": board, "feed_url": feed_url, "login_url": login_url,
        "etag": etag, "freshness": json.dumps(state.freshness, separators=(",", ":")),
        "poll_seconds": settings.WALL_POLL_SECONDS, "page_seconds": settings.WALL_PAGE_SECONDS,
        "time_zone": settings.TIME_ZONE,
    }
    return _no_store(HttpResponse(render_to_string("deployer_ui/wall.html", context)))


def _refused(status: int = 403, retry_after: int | None = None) -> HttpResponse:
    """The one answer for an unknown, revoked or expired token (page and feed alike): nothing tells them apart."""
    response = HttpResponse(render_to_string("deployer_ui/wall_refused.html", {"slowed": status == 429}),
                            status=status)
    response["X-Wall-Access"] = "revoked" if status == 403 else "slowed"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    # Django logs every 4xx with its path, and this path holds a token: a guess, or a revoked one, but still a
    # secret-looking string that has no place in a log. Marked as logged, it is not.
    response._has_been_logged = True
    return _no_store(response)


def _screen(request, token: str) -> WallScreen | HttpResponse:
    try:
        screen = screens.open_screen(token, client_address(request))
    except screens.TooManyBadTokens as exc:
        return _refused(status=429, retry_after=exc.retry_after)
    return screen if screen is not None else _refused()


# --- signed-in wall ---------------------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
@require_GET
def wall(request):
    scope = scope_from_query(request.GET)
    if scope is None:
        return HttpResponseBadRequest("Too many or malformed filters.", content_type="text/plain")
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    login = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
    return _page(request, scope, title="Deployments", feed_url=reverse("wall:feed") + query, login_url=login)


@role_required(*ALL_ROLES)
@require_GET
def wall_feed(request):
    scope = scope_from_query(request.GET)
    if scope is None:
        return HttpResponseBadRequest("Too many or malformed filters.", content_type="text/plain")
    return _feed(request, scope)


# --- token walls (no login; never an action) -------------------------------------------------------------------------


@require_GET
def token_wall(request, token):
    screen = _screen(request, token)
    if isinstance(screen, HttpResponse):
        return screen
    return _page(request, screens.scope_of(screen), title=screen.name,
                 feed_url=reverse("wall:token_feed", args=[token]))


@require_GET
def token_feed(request, token):
    screen = _screen(request, token)
    if isinstance(screen, HttpResponse):
        return screen
    return _feed(request, screens.scope_of(screen))


# --- the admins' screens --------------------------------------------------------------------------------------------


def _screen_form(request) -> WallScreenForm:
    """The new-screen form with its choices from the status cache: bound to a POST, else with a new one-time token."""
    choices = screens.scope_choices()
    if request.method == "POST":
        return WallScreenForm(request.POST, **choices)
    return WallScreenForm(initial={"once": onetime.issue(request.user, CREATE_SCREEN)}, **choices)


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def screen_list(request):
    form = _screen_form(request)
    if request.method == "POST" and form.is_valid():
        if not onetime.redeem(request.user, CREATE_SCREEN, form.cleaned_data["once"]):
            messages.info(request, "This form was already sent (or has expired): no other screen was created. The "
                                   "list below shows the screens; create one again if one is still missing.")
            return redirect("wall:screens")
        issued = screens.issue(user=request.user, name=form.cleaned_data["name"], scope=form.scope(),
                               expires_at=form.cleaned_data["expires_at"])
        url = request.build_absolute_uri(reverse("wall:token_wall", args=[issued.token]))
        # Shown once, on this answer only: never stored, logged or put in a redirect.
        return _no_store(render(request, "deployer_ui/wall_screen_created.html",
                                {"screen": issued.screen, "url": url, "scope": form.scope()}))
    return render(request, "deployer_ui/wall_screens.html",
                  {"form": form, "rows": screens.screens_overview(), "quiet_seconds": settings.WALL_QUIET_SECONDS},
                  status=400 if request.method == "POST" else 200)


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def screen_revoke(request, pk):
    screen = get_object_or_404(WallScreen, pk=pk)
    back = reverse("wall:screens")
    if request.method == "GET" or not ConfirmForm(request.POST).confirmed():
        return render(request, "deployer_ui/confirm.html", {
            "title": f"Revoke the wall screen “{screen.name}”?",
            "message": "Its link stops working at its next poll, and the screen says “access revoked”. A revoked "
                       "link never works again; a new screen gets a new link. This is audited.",
            "button": "Revoke", "cancel_url": back, "danger": True, "extra": {},
        })
    if screens.revoke(user=request.user, screen=screen):
        messages.success(request, f"The wall screen “{screen.name}” is revoked.")
    else:
        messages.info(request, f"The wall screen “{screen.name}” was already revoked.")
    return redirect(back)
