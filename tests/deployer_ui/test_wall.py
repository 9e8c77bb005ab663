"""The wall against the sandbox: token rules, what a board shows (order, stale marking, governance, paging), the
feed's 304 path, and that neither the pages nor the feeds ever call an upstream."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployer_ui.models import WallScreen
from deployer_ui.node_cache import NodeView
from deployer_ui.node_sampling import sample_all as sample_api_nodes
from deployer_ui.refresh import refresh_all
from deployer_ui.status_cache import StatusCache
from deployer_ui.wall import screens
from deployer_ui.wall import views as wall_views
from deployer_ui.wall.board import WallScope, build_board, node_rates
from govern_ui import bundle_governance
from portal.audit.models import AuditEvent
from portal.lib.locks import AskOnce

TILE = re.compile(r'<li class="(wt [^"]*)" data-testid="wall-tile" data-deployment="([^"]+)" data-health="(\w+)"')
STAGE = re.compile(r'data-testid="wall-stage" data-stage="([^"]*)"')


def tiles(html: str) -> list[tuple[str, str, str]]:
    """(deployment, health, classes) of every tile, in page order."""
    return [(dep, health, classes) for classes, dep, health in TILE.findall(html)]


def tile_html(html: str, deployment: str) -> str:
    start = html.index(f'data-deployment="{deployment}"')
    return html[html.rindex("<li", 0, start):html.index("</li>", start)]


def poll_new(client, feed: str, etag: str):
    """A screen showing `etag` polls after a change: its first poll starts the new board's render (and is answered
    304: it keeps its board meanwhile); once that render is done, the next poll has the new board."""
    first = client.get(feed, HTTP_IF_NONE_MATCH=etag)
    if first.status_code != 304:
        return first
    assert first["ETag"] == etag
    wall_views._preparer.submit(lambda: None).result(timeout=30)  # the render thread is done
    return client.get(feed, HTTP_IF_NONE_MATCH=etag)


def once(client) -> str:
    """The one-time token of a fresh new-screen form."""
    html = client.get(reverse("wall:screens")).content.decode()
    return re.search(r'name="once" value="([^"]+)"', html).group(1)


def upstream_calls(sandbox) -> dict:
    return {name: {k: v for k, v in ops.items() if v} for name, ops in sandbox.stats().items() if any(ops.values())}


@pytest.fixture
def caches(db, sandbox):
    """The three caches as the workers keep them: statuses, API nodes (sampled twice: rates) and governance."""
    refresh_all()
    sample_api_nodes()
    sample_api_nodes()
    bundle_governance.refresh()
    return sandbox


@pytest.fixture
def issue(admin_user):
    def make(name="Ops room", scope=None, expires_at=None) -> screens.IssuedScreen:
        return screens.issue(user=admin_user, name=name, scope=scope or WallScope(), expires_at=expires_at)

    return make


# --- tokens -----------------------------------------------------------------------------------------------------------


def test_admin_creates_a_screen_whose_token_is_shown_once_and_stored_hashed(login, admin_user, caches):
    client = login(admin_user)
    assert client.get(reverse("wall:screens")).status_code == 200
    form = {"name": "Ops room TV", "stages": ["Production"], "once": once(client)}
    response = client.post(reverse("wall:screens"), form)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = re.search(r'value="http://testserver/wall/([A-Za-z0-9_-]{43})/" readonly data-testid="wall-link"',
                      response.content.decode()).group(1)
    screen = WallScreen.objects.get()
    assert screen.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert screen.stages == ["Production"] and screen.created_by_username == "frank"
    stored = [str(v) for v in WallScreen.objects.values_list().get()] + [
        str(v) for event in AuditEvent.objects.all() for v in (event.input, event.detail, event.target_id)]
    assert not any(token in value for value in stored), "the token itself is never stored"
    event = AuditEvent.objects.get(action="wall_screen.create")
    assert event.actor_username == "frank" and event.input["stages"] == ["Production"]
    listing = client.get(reverse("wall:screens")).content.decode()
    assert "Ops room TV" in listing and token not in listing and 'data-state="never"' in listing
    again = client.post(reverse("wall:screens"), form)  # a double submit, or the POST sent again
    assert again.status_code == 302 and WallScreen.objects.count() == 1, "one form, one screen"


def test_screens_are_for_admins_only(login, operator, auditor, caches):
    for user in (operator, auditor):
        assert login(user).get(reverse("wall:screens")).status_code == 403
        assert login(user).post(reverse("wall:screens"), {"name": "x"}).status_code == 403


def test_create_form_refuses_a_past_expiry_and_a_blank_name(login, admin_user, caches):
    client = login(admin_user)
    past = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    token = once(client)
    response = client.post(reverse("wall:screens"), {"name": "Old", "expires_at": past, "once": token})
    assert response.status_code == 400 and "must be in the future" in response.content.decode()
    assert f'value="{token}"' in response.content.decode(), "the same form, fixed, can still be sent once"
    assert client.post(reverse("wall:screens"), {"name": "   ", "once": token}).status_code == 400
    assert not WallScreen.objects.exists() and not AuditEvent.objects.filter(action="wall_screen.create").exists()


def test_token_wall_shows_its_scope_and_no_action(client, caches, issue):
    token = issue(scope=WallScope.of(stages=["Production"], projects=["FRAUD", "CHURN"])).token
    response = client.get(reverse("wall:token_wall", args=[token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert sorted(dep for dep, _, _ in tiles(html)) == ["churn-prod", "fraud-prod", "fraud-prod-eu"]
    board = html[html.index('data-testid="wall-board"'):]
    assert "<a " not in board and "<form" not in board and "<button" not in board
    assert "sessionid" not in response.cookies, "a token wall opens no session"
    feed = client.get(reverse("wall:token_feed", args=[token]))
    assert sorted(dep for dep, _, _ in tiles(feed.content.decode())) == ["churn-prod", "fraud-prod", "fraud-prod-eu"]
    screen = WallScreen.objects.get()
    assert screen.last_seen_at is not None and screen.last_seen_address == "127.0.0.1"


def test_unknown_revoked_and_expired_tokens_get_the_same_plain_answer(client, login, admin_user, caches, issue,
                                                                       caplog):
    unknown = client.get(reverse("wall:token_wall", args=["x" * 43]))
    assert unknown.status_code == 403 and "Access revoked" in unknown.content.decode()

    issued = issue()
    wall_url = reverse("wall:token_wall", args=[issued.token])
    feed_url = reverse("wall:token_feed", args=[issued.token])
    assert client.get(feed_url).status_code == 200
    admin = login(admin_user)
    revoke_url = reverse("wall:screen_revoke", args=[issued.screen.pk])
    assert "Revoke the wall screen" in admin.get(revoke_url).content.decode()  # a confirmation first
    admin.post(revoke_url, {})
    assert WallScreen.objects.get().revoked_at is None, "no revocation without the confirmation's button"
    admin.post(revoke_url, {"confirm": "yes"})
    assert WallScreen.objects.get().revoked_at is not None
    event = AuditEvent.objects.get(action="wall_screen.revoke")
    assert event.actor_username == "frank" and event.target_id == str(issued.screen.pk)

    client.logout()
    revoked = client.get(wall_url)
    revoked_feed = client.get(feed_url, HTTP_X_WALL_POLL="1")
    assert revoked_feed.status_code == 403 and revoked_feed["X-Wall-Access"] == "revoked"

    expiring = issue(name="Lobby")
    WallScreen.objects.filter(pk=expiring.screen.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(reverse("wall:token_wall", args=[expiring.token]))
    for answer in (revoked, expired):
        assert (answer.status_code, answer.content) == (unknown.status_code, unknown.content)
        assert answer["X-Wall-Access"] == unknown["X-Wall-Access"]
    assert issued.token not in caplog.text and expiring.token not in caplog.text, "a token is never logged"


def test_repeated_bad_tokens_from_one_address_are_slowed(client, caches, issue, settings):
    settings.WALL_BAD_TOKEN_LIMIT = 3
    good = issue().token
    for n in range(3):
        assert client.get(reverse("wall:token_feed", args=[f"guess-{n:040d}"])).status_code == 403
    slowed = client.get(reverse("wall:token_feed", args=["guess-again-" + "0" * 30]))
    assert slowed.status_code == 429 and int(slowed["Retry-After"]) > 0
    assert client.get(reverse("wall:token_feed", args=[good])).status_code == 429, "refused before any lookup"
    elsewhere = client.get(reverse("wall:token_feed", args=[good]), REMOTE_ADDR="10.0.0.7")
    assert elsewhere.status_code == 200


def test_admin_list_tells_alive_quiet_and_revoked_screens(login, admin_user, client, caches, issue, settings):
    alive, quiet, gone = issue(name="A alive"), issue(name="B quiet"), issue(name="C gone")
    client.get(reverse("wall:token_feed", args=[alive.token]), REMOTE_ADDR="10.1.1.1")
    WallScreen.objects.filter(pk=quiet.screen.pk).update(last_seen_at=timezone.now() - timedelta(minutes=10),
                                                         last_seen_address="10.2.2.2")
    screens.revoke(user=admin_user, screen=gone.screen)
    html = login(admin_user).get(reverse("wall:screens")).content.decode()
    states = dict(re.findall(r'data-screen="(\d+)" data-state="(\w+)"', html))
    assert states == {str(alive.screen.pk): "alive", str(quiet.screen.pk): "quiet", str(gone.screen.pk): "revoked"}
    assert "10.1.1.1" in html and "10.2.2.2" in html


def test_signed_in_wall_needs_a_role_and_filters_by_query(client, login, outsider, auditor, caches):
    assert client.get(reverse("wall:wall")).status_code == 302
    assert login(outsider).get(reverse("wall:wall")).status_code == 403
    html = login(auditor).get(reverse("wall:wall"), {"stage": "Test", "infra": "infra-test"}).content.decode()
    assert {dep for dep, _, _ in tiles(html)} == {"churn-test", "pricing-test", "reco-test-warns", "credit-test-fails"}
    assert login(auditor).get(reverse("wall:wall"), {"stage": ["x" * 300]}).status_code == 400


# --- the board --------------------------------------------------------------------------------------------------------


def test_board_groups_production_first_and_unhealthy_first(login, operator, caches, settings):
    html = login(operator).get(reverse("wall:wall")).content.decode()
    assert STAGE.findall(html) == ["Production", "Test", "Development"]
    production = html[html.index('data-stage="Production"'):html.index('data-stage="Test"')]
    healths = [health for _, health, _ in tiles(production)]
    severity = ["ERROR", "OUT_OF_SYNC", "WARNING", "UNKNOWN", "LOADING", "HEALTHY"]
    assert healths == sorted(healths, key=severity.index) and healths[0] == "ERROR" and healths[-1] == "HEALTHY"
    counts = dict(re.findall(r'data-testid="wall-count-(\w+)"><span aria-hidden="true">.</span> <strong>(\d+)<', html))
    assert sum(int(n) for health, n in counts.items() if health.upper() in severity) == 14
    settings.WALL_STAGE_ORDER = ["Test"]
    html = login(operator).get(reverse("wall:wall")).content.decode()
    assert STAGE.findall(html) == ["Test", "Production", "Development"]


def test_board_pages_beyond_the_page_size_with_problems_first(caches, settings):
    settings.WALL_PAGE_TILES = 5
    board = build_board(WallScope())
    assert board.paged and len(board.pages) == 3
    pages = [[t for group in page for t in group.tiles] for page in board.pages]
    assert [len(p) for p in pages] == [5, 5, 4]
    # Problems first, the most critical stage's first: the first page is Production's five problems, errors first.
    assert all(t.problem and t.view.stage == "Production" for t in pages[0])
    assert [t.view.health for t in pages[0]][:2] == ["ERROR", "ERROR"]
    healthy = {t.view.id for page in pages for t in page if not t.problem}
    assert len(healthy) == 3 and healthy <= {t.view.id for t in pages[-1]}


def test_stale_tiles_say_since_when_and_why(login, operator, caches, faults):
    faults(target="dss", down=True)
    refresh_all()
    html = login(operator).get(reverse("wall:wall")).content.decode()
    found = tiles(html)
    assert len(found) == 14 and all("wt-stale" in classes for _, _, classes in found)
    assert html.count("stale since ") >= 14 and "Deployer cannot be reached" in html
    assert 'data-testid="wall-deployer-banner"' in html and 'data-error="1"' in html


def test_a_status_too_old_is_stale_even_without_an_error(login, operator, caches):
    statuses = StatusCache()
    snapshot = statuses.read("status", "churn-dev")
    snapshot["last_success_at"] = snapshot["fetched_at"] = time.time() - 3600  # the workers stopped an hour ago
    statuses.write(snapshot, "status", "churn-dev")
    html = login(operator).get(reverse("wall:wall")).content.decode()
    stale = [dep for dep, _, classes in tiles(html) if "wt-stale" in classes]
    assert stale == ["churn-dev"]
    assert re.search(r'data-success="[\d.]+" data-error="" data-since="\d\d:\d\d"', tile_html(html, "churn-dev"))


def test_governance_flags_come_from_the_linked_artifacts(login, operator, caches):
    expected = {(b["projectKey"], b["bundleId"]): b["state"] for b in caches.summary()["bundles"]}
    board = build_board(WallScope())
    seen = set()
    for page in board.pages:
        for tile in (t for group in page for t in group.tiles):
            state = expected[(tile.view.project_key, tile.view.bundle_id)]
            governance = tile.governance
            assert governance is not None, tile.view.id
            if state == "withdrawn":
                assert governance.withdrawn and governance.state == bundle_governance.PENDING
            elif state == "ungoverned":
                assert governance.state == bundle_governance.NOT_GOVERNED and not governance.withdrawn
            else:
                assert governance.state == state and not governance.withdrawn
            assert tile.flagged == (state in ("pending", "rejected", "withdrawn"))
            seen.add(state)
    assert seen == {"approved", "pending", "rejected", "withdrawn", "ungoverned"}
    html = login(operator).get(reverse("wall:wall")).content.decode()
    assert 'data-state="rejected"' in tile_html(html, "pricing-prod-fails")
    assert "wt-flagged" in tile_html(html, "pricing-prod-fails")
    churn = tile_html(html, "churn-prod")
    assert 'data-state="approved"' in churn and "wt-flagged" not in churn


def test_governance_not_yet_read_is_said_so_and_asked_for_once(login, operator, sandbox,
                                                               django_capture_on_commit_callbacks):
    refresh_all()
    sample_api_nodes()
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            html = login(operator).get(reverse("wall:wall")).content.decode()
            assert 'data-state="unknown"' in html and "Govern loading" in html
    assert len(callbacks) == 1, "three views, one governance refresh asked for"
    assert upstream_calls(sandbox).get("govern") is None


def test_api_nodes_band_shows_rates_from_two_samplings(caches):
    board = build_board(WallScope())
    assert [card.view.id for card in board.nodes] == ["apinode-a", "apinode-b"]
    for card in board.nodes:
        assert card.requests_per_minute is not None and card.requests_per_minute >= 0
        assert card.error_percent is None or 0 <= card.error_percent <= 100
    assert [s.service_id for s in board.nodes[1].disabled] == ["recommendations"]


def test_node_rates_per_minute_and_error_share():
    def view(now, before):
        return NodeView(id="n", name="n", metrics={"total_requests": now[0], "error_count": now[1]}, metrics_at=160.0,
                        previous_metrics={"total_requests": before[0], "error_count": before[1]},
                        previous_metrics_at=100.0)

    assert node_rates(view((1000, 10), (400, 4))) == (600.0, 1.0)
    assert node_rates(view((400, 4), (400, 4))) == (0.0, None)  # no request: no error share
    assert node_rates(view((10, 0), (400, 4))) == (None, None)  # the node restarted: its counters went back
    assert node_rates(NodeView(id="n", name="n")) == (None, None)


# --- the feed ---------------------------------------------------------------------------------------------------------


def test_feed_answers_304_until_what_it_shows_changes(client, caches, issue):
    feed = reverse("wall:token_feed", args=[issue().token])
    first = client.get(feed, HTTP_X_WALL_POLL="1")
    etag = first["ETag"]
    assert first.status_code == 200 and etag and "no-store" in first["Cache-Control"]
    same = client.get(feed, HTTP_X_WALL_POLL="1", HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == etag
    assert same["X-Wall-Freshness"].startswith("{") and '"cycle_finished"' in same["X-Wall-Freshness"]

    refresh_all()  # a re-read that changes nothing: still 304 (the ages travel in X-Wall-Freshness)
    assert client.get(feed, HTTP_IF_NONE_MATCH=etag).status_code == 304

    caches.set_health("churn-dev", "ERROR")
    refresh_all()
    changed = poll_new(client, feed, etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert ("churn-dev", "ERROR") in [(dep, health) for dep, health, _ in tiles(changed.content.decode())]


KEEP = re.compile(r'<li data-keep="([^"]+)" data-success="([^"]*)" hidden></li>')
AGE = re.compile(r"<span data-age>[^<]*</span>")


def test_a_screen_receives_only_the_tiles_that_changed(client, caches, issue):
    feed = reverse("wall:token_feed", args=[issue().token])
    first = client.get(feed)
    shown, etag = first.content.decode(), first["ETag"]
    caches.set_health("churn-dev", "ERROR")
    refresh_all()
    delta = poll_new(client, feed, etag)
    body = delta.content.decode()
    assert delta.status_code == 200 and delta["X-Wall-Delta"] == etag
    sent, kept = [dep for dep, _, _ in tiles(body)], dict(KEEP.findall(body))
    assert "churn-dev" in sent and len(sent) < len(kept), "the changed tiles whole, the others as placeholders"
    assert sorted(sent + list(kept)) == sorted(dep for dep, _, _ in tiles(shown))

    # The screen's own tiles put in the placeholders (with their new reading time) make the whole new board.
    def own(match: re.Match) -> str:
        tile = tile_html(shown, match.group(1)) + "</li>"
        return re.sub(r'data-success="[^"]*"', f'data-success="{match.group(2)}"', tile, count=1)

    whole = client.get(feed).content.decode()
    assert "X-Wall-Delta" not in client.get(feed)
    assert AGE.sub("", KEEP.sub(own, body)) == AGE.sub("", whole)
    # A screen showing a version no longer known (or a made-up one) gets the whole board.
    unknown = client.get(feed, HTTP_IF_NONE_MATCH='"0123456789abcdef01234567-00000000"')
    assert "X-Wall-Delta" not in unknown and AGE.sub("", unknown.content.decode()) == AGE.sub("", whole)


def test_a_screen_keeps_its_board_while_the_next_one_is_rendered(client, caches, issue):
    feed = reverse("wall:token_feed", args=[issue().token])
    etag = client.get(feed)["ETag"]
    caches.set_health("churn-dev", "ERROR")
    refresh_all()
    lock = wall_views._preparing[WallScope().key()]
    with lock:  # the process's render thread is busy with this scope
        for _ in range(3):
            waiting = client.get(feed, HTTP_IF_NONE_MATCH=etag)
            assert waiting.status_code == 304 and waiting["ETag"] == etag, "answered at once: it keeps its board"
    changed = poll_new(client, feed, etag)
    assert changed.status_code == 200 and changed["X-Wall-Delta"] == etag
    assert ("churn-dev", "ERROR") in [(dep, health) for dep, health, _ in tiles(changed.content.decode())]

    # Versions coming faster than renders never starve a screen: while the newest renders, a screen showing an
    # older board gets the newest one this process has.
    caches.set_health("churn-dev", "WARNING")
    refresh_all()
    with lock:
        behind = client.get(feed, HTTP_IF_NONE_MATCH=etag)
        assert behind.status_code == 200 and behind["ETag"] == changed["ETag"] and behind["X-Wall-Delta"] == etag
        current = client.get(feed, HTTP_IF_NONE_MATCH=changed["ETag"])
        assert current.status_code == 304 and current["ETag"] == changed["ETag"]


def test_feed_while_a_refresh_cycle_runs(client, caches, issue):
    feed, statuses = reverse("wall:token_feed", args=[issue().token]), StatusCache()
    lock = statuses.lock().acquire()  # a worker's cycle holds the refresh lock
    try:
        statuses.cycle_started()
        answer = client.get(feed, HTTP_X_WALL_POLL="1")
        assert answer.status_code == 200
        assert json.loads(answer["X-Wall-Freshness"])["cycle_started"] is not None
    finally:
        statuses.lock().release(lock)
    answer = client.get(feed, HTTP_X_WALL_POLL="1")
    assert json.loads(answer["X-Wall-Freshness"])["cycle_started"] is None, "a running flag without its lock is stale"


def test_ages_move_the_version_once_an_interval(client, caches, issue, settings):
    """A long refresh cycle re-reading unchanged statuses gives screens their newer times once an interval."""
    feed = reverse("wall:token_feed", args=[issue().token])
    etag = client.get(feed)["ETag"]
    AskOnce(StatusCache().key("version-ages"), 1).clear()  # the interval since the last move has passed
    refresh_all()
    assert poll_new(client, feed, etag).status_code == 200


def test_feeds_and_pages_never_call_an_upstream(client, login, operator, sandbox, issue):
    token = issue().token
    sandbox.reset_stats()
    for _ in range(5):  # cold caches: they only ask the workers
        assert client.get(reverse("wall:token_wall", args=[token])).status_code == 200
        assert client.get(reverse("wall:token_feed", args=[token])).status_code == 200
    assert upstream_calls(sandbox) == {}

    refresh_all()
    sample_api_nodes()
    bundle_governance.refresh()
    sandbox.reset_stats()
    signed_in = login(operator)
    etag = ""
    for _ in range(20):
        assert client.get(reverse("wall:token_wall", args=[token])).status_code == 200
        answer = client.get(reverse("wall:token_feed", args=[token]), HTTP_IF_NONE_MATCH=etag)
        etag = answer["ETag"]
        assert signed_in.get(reverse("wall:feed"), {"stage": "Production"}).status_code == 200
        assert signed_in.get(reverse("wall:wall")).status_code == 200
    assert upstream_calls(sandbox) == {}, "the wall reads the caches only"


def test_signed_in_feed_after_sign_out_says_signed_out(client, login, operator, caches):
    signed_in = login(operator)
    assert signed_in.get(reverse("wall:feed"), HTTP_X_WALL_POLL="1").status_code == 200
    signed_in.logout()
    answer = signed_in.get(reverse("wall:feed"), HTTP_X_WALL_POLL="1")
    assert answer.status_code == 401 and answer["X-Portal-Session"] == "signed-out"
