"""/audit/: who may open it, filters, keyset pages, bad input, escaping, the verification panel, and the history
fragment the artifact, step and deployment pages include."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from portal.audit.models import AuditEvent, VerifyRun
from portal.audit.service import record
from tests.portal.audit_helpers import add_events, bulk_events

AUDIT_URLS = ["/audit/", "/audit/export.csv", "/audit/export.json"]


@pytest.mark.parametrize("persona", ["reviewer", "operator", "outsider"])
def test_reviewers_operators_and_others_get_403_on_audit_pages_and_exports(db, request, login, persona):
    event = add_events(1)[0]
    client = login(request.getfixturevalue(persona))
    for url in [*AUDIT_URLS, f"/audit/events/{event.pk}/", "/audit/verify/status/"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/audit/verify/").status_code == 403


@pytest.mark.parametrize("persona", ["auditor", "admin_user"])
def test_auditors_and_admins_open_the_audit_pages(db, request, login, persona):
    event = add_events(1)[0]
    client = login(request.getfixturevalue(persona))
    for url in [*AUDIT_URLS, f"/audit/events/{event.pk}/"]:
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_reviewers_keep_seeing_their_own_review_actions_page(login, reviewer):
    assert login(reviewer).get("/governance/actions/").status_code == 200


def test_only_admins_may_run_the_verification_from_the_page(login, auditor, admin_user,
                                                           django_capture_on_commit_callbacks):
    from portal.audit.tasks import verify_audit_chain

    add_events(3)
    assert login(auditor).post("/audit/verify/").status_code == 403
    page = login(auditor).get("/audit/").content.decode()
    assert "not been verified yet" in page and "Verify now" not in page
    client = login(admin_user)
    assert "Verify now" in client.get("/audit/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client.post("/audit/verify/")
    assert response.status_code == 302 and len(sent) == 1  # the task is sent once the request commits
    waiting = client.get("/audit/").content.decode()
    assert "Verification requested" in waiting and 'hx-trigger="every 3s"' in waiting
    assert client.get("/audit/verify/status/", HTTP_HX_REQUEST="true").status_code == 200  # keep polling
    assert verify_audit_chain(requested_by="frank") is True  # what the worker runs
    run = VerifyRun.objects.get()
    assert run.ok and run.requested_by == "frank" and run.verified >= 3
    page = client.get("/audit/").content.decode()
    assert "Chain intact." in page and "by frank" in page and "every 3s" not in page
    assert client.get("/audit/verify/status/", HTTP_HX_REQUEST="true").status_code == 286


def test_a_failed_verification_is_shown_with_a_link_to_the_event(login, auditor):
    from tests.portal.audit_helpers import raw_sql

    events = add_events(3)
    raw_sql("UPDATE audit_auditevent SET detail = 'x' WHERE id = %s", [events[1].pk])
    from portal.audit.verify import run_verification

    run_verification("beat")
    page = login(auditor).get("/audit/").content.decode()
    assert "Chain verification failed" in page and f'href="/audit/events/{events[1].pk}/"' in page


def test_the_verification_panel_stops_polling_when_nothing_is_running(login, auditor):
    response = login(auditor).get("/audit/verify/status/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286


def test_newest_first_with_keyset_pages_and_no_offset(login, auditor, settings):
    settings.AUDIT_PAGE_SIZE = 50
    bulk_events(120)
    client = login(auditor)
    ids = list(AuditEvent.objects.filter(action="test.bulk").order_by("-id").values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/audit/?action=test.bulk")
    assert first.status_code == 200
    audit_sql = [q["sql"] for q in queries.captured_queries if "audit_auditevent" in q["sql"]]
    assert audit_sql and not any("OFFSET" in sql.upper() for sql in audit_sql)
    page1 = first.context["page"]
    assert [e.pk for e in page1.events] == ids[:50] and page1.newer is None and page1.older == ids[49]
    second = client.get(f"/audit/?{page1.older_query}").context["page"]
    assert [e.pk for e in second.events] == ids[50:100]
    third = client.get(f"/audit/?{second.older_query}").context["page"]
    assert [e.pk for e in third.events] == ids[100:] and third.older is None
    back = client.get(f"/audit/?{second.newer_query}").context["page"]
    assert [e.pk for e in back.events] == ids[:50] and back.newer is None


def test_filters_by_actor_action_source_artifact_blueprint_deployment_and_text(login, auditor, reviewer):
    reviewer.profile.govern_login = "alice.martin"
    reviewer.profile.save()
    record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0001/review",
           outcome="pending", input={"comment": "Looks fine to me, même ici"})
    record(actor=None, actor_name="alice.martin", source="observed", action="govern.review", target_type="signoff",
           target_id="art-0002/review", blueprint_id="bp-model", outcome="APPROVED", natural_key="r1")
    record(actor=None, action="deployment.update.finish", target_type="deployment", target_id="churn-prod",
           outcome="success", detail="Update finished with warnings")
    client = login(auditor)

    def actions(query):
        response = client.get(f"/audit/?{query}")
        assert response.status_code == 200, response.content
        return sorted(e.action for e in response.context["page"].events)

    assert actions("actor=alice.martin") == ["govern.review", "signoff.approve"]
    assert actions("action=signoff") == ["signoff.approve"]
    assert actions("action=signoff.approve") == ["signoff.approve"]
    assert actions("source=observed") == ["govern.review"]
    assert actions("artifact=art-0001") == ["signoff.approve"]
    assert actions("blueprint=bp-model") == ["govern.review"]
    assert actions("deployment=churn-prod") == ["deployment.update.finish"]
    assert actions("q=looks+FINE") == ["signoff.approve"]
    assert actions("q=m%C3%AAme") == ["signoff.approve"]
    assert actions("q=warnings") == ["deployment.update.finish"]
    today = dt.date.today().isoformat()
    assert len(actions(f"since={today}&until={today}&action=signoff")) == 1
    assert actions("since=2001-01-01&until=2001-01-02") == []


def test_a_filter_on_an_unknown_artifact_gives_an_empty_page(login, auditor):
    add_events(3)
    response = login(auditor).get("/audit/?artifact=art-does-not-exist")
    assert response.status_code == 200
    assert "No events match these filters." in response.content.decode()


@pytest.mark.parametrize("query", ["since=yesterday", "until=2026-13-45", "since=2026-02-01&until=2026-01-01",
                                   "before=abc", "source=nope"])
def test_unparseable_filters_give_a_form_error_not_a_500(login, auditor, query):
    response = login(auditor).get(f"/audit/?{query}")
    assert response.status_code == 400
    assert "These filters cannot be used" in response.content.decode()
    assert login(auditor).get(f"/audit/export.csv?{query}").status_code == 400


def test_the_empty_store_says_so(rf, auditor):
    from portal.audit.views import event_list

    request = rf.get("/audit/")
    request.user = auditor  # no sign-in, so no auth.login event either
    body = event_list(request).content.decode()
    assert "Nothing has been recorded yet" in body and "not been verified yet" in body


def test_everything_recorded_is_escaped(login, auditor):
    hostile = '<script>alert("x")</script>'
    event = record(actor=None, actor_name=hostile, action="test.escape", target_type="artifact", target_id=hostile,
                   outcome="failed", input={"comment": hostile}, detail=hostile)
    client = login(auditor)
    for url in ("/audit/", f"/audit/events/{event.pk}/", "/audit/history/?artifact=" + hostile[:20]):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body, url
    assert "&lt;script&gt;" in client.get("/audit/").content.decode()


def test_the_event_page_shows_every_field_and_links_to_related_views(login, auditor, reviewer):
    portal_event = record(actor=reviewer, action="signoff.approve", target_type="signoff",
                          target_id="art-0001/review", outcome="delivered", request_id="req-12345678",
                          client_ip="10.1.2.3")
    echo = record(actor=None, actor_name="alice", source="observed", action="govern.review",
                  target_type="signoff", target_id="art-0001/review", outcome="APPROVED", natural_key="k",
                  portal_event=portal_event)
    client = login(auditor)
    page = client.get(f"/audit/events/{portal_event.pk}/").content.decode()
    for text in ("req-12345678", "10.1.2.3", portal_event.hash, portal_event.prev_hash, f"/audit/events/{echo.pk}/",
                 "/audit/?request=req-12345678", "/audit/?artifact=art-0001"):
        assert text in page, text
    assert f"/audit/events/{portal_event.pk}/" in client.get(f"/audit/events/{echo.pk}/").content.decode()
    assert client.get("/audit/events/999999/").status_code == 404


def test_the_artifact_history_is_readable_by_whoever_sees_the_artifact(login, reviewer, operator, delegate):
    record(actor=delegate, action="signoff.delegate", target_type="signoff", target_id="art-0003/review",
           outcome="delivered", input={"delegate_to": "bob", "comment": "on leave"}, client_ip="10.9.9.9")
    record(actor=delegate, action="signoff.approve", target_type="signoff", target_id="art-0003/other",
           outcome="refused", upstream_status=409, detail="Step already decided")
    record(actor=None, action="test.elsewhere", target_type="artifact", target_id="art-0004", outcome="ok")
    for user in (reviewer, operator):
        body = login(user).get("/audit/history/?artifact=art-0003").content.decode()
        assert "signoff.delegate" in body and "→ bob" in body and "on leave" in body
        assert "Step already decided" in body and "HTTP 409" in body
        assert "test.elsewhere" not in body and "10.9.9.9" not in body
    step = login(reviewer).get("/audit/history/?artifact=art-0003&step=review").content.decode()
    assert "signoff.delegate" in step and "signoff.approve" not in step
    empty = login(reviewer).get("/audit/history/?artifact=art-none").content.decode()
    assert "Nothing recorded for this artifact art-none yet." in empty
    assert login(reviewer).get("/audit/history/").status_code == 400


def test_the_deployment_history_lists_updates_and_aborts(login, operator):
    record(actor=operator, action="deployment.update", target_type="deployment", target_id="churn-prod",
           outcome="started", input={"bundle_id": "v7"})
    record(actor=operator, action="deployment.update.abort", target_type="deployment", target_id="churn-prod",
           outcome="requested")
    body = login(operator).get("/audit/history/?deployment=churn-prod").content.decode()
    assert "deployment.update.abort" in body and "bundle v7" in body


def test_a_review_actions_events_are_for_its_author_and_auditors(login, reviewer, reviewer2, auditor):
    record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0001/review",
           outcome="pending", input={"action_id": 41})
    record(actor=reviewer, action="signoff.approve", target_type="signoff", target_id="art-0001/review",
           outcome="delivered", input={"action_id": 41})
    own = login(reviewer).get("/audit/history/?review_action=41")
    assert own.status_code == 200 and own.content.decode().count("signoff.approve") == 2
    assert "<title>History of review action 41" in own.content.decode()  # a page of its own when linked to
    fragment = login(reviewer).get("/audit/history/?review_action=41", HTTP_HX_REQUEST="true").content.decode()
    assert "<title>" not in fragment and fragment.count("signoff.approve") == 2
    assert login(reviewer2).get("/audit/history/?review_action=41").status_code == 403
    assert login(auditor).get("/audit/history/?review_action=41").status_code == 200


def test_the_history_template_tag_renders_in_one_line(rf, reviewer):
    record(actor=reviewer, action="signoff.reject", target_type="signoff", target_id="art-0005/review",
           outcome="pending", input={"comment": "needs tests"})
    request = rf.get("/")
    request.user = reviewer
    html = Template("{% load audit_tags %}{% audit_history artifact='art-0005' %}").render(
        Context({"request": request}))
    assert "signoff.reject" in html and "needs tests" in html


def test_the_navigation_links_the_audit_page_for_auditors_only(login, auditor, reviewer):
    assert 'href="/audit/"' in login(auditor).get("/audit/").content.decode()
    assert 'href="/audit/"' not in login(reviewer).get("/governance/actions/").content.decode()


def test_the_deployment_page_shows_its_audit_history(login, operator, sandbox):
    record(actor=operator, action="deployment.update", target_type="deployment", target_id="churn-prod",
           outcome="failed", upstream_status=503, detail="Deployer cannot be reached", input={"bundle_id": "v3"})
    body = login(operator).get("/deployments/d/churn-prod/").content.decode()
    assert "Audit history" in body and "Deployer cannot be reached" in body and "bundle v3" in body


@pytest.mark.django_db(transaction=True)
def test_a_decision_made_through_the_portal_shows_in_the_artifact_step_and_action_histories(sandbox, reviewer,
                                                                                           auditor, login):
    from govern_ui.client import get_client
    from govern_ui.models import ReviewAction
    from tests.govern_ui.helpers import confirm, find_step, open_form

    art, step = find_step(sandbox.summary(), "NOT_STARTED", required=1)
    client = login(reviewer)
    confirm(client, art, step, "approve", open_form(client, art, step, "approve"), comment="History please")
    action = ReviewAction.objects.get()
    blueprint = get_client().get_artifact(art).blueprint_id
    events = AuditEvent.objects.filter(artifact_id=art).order_by("id")
    assert [(e.outcome, e.blueprint_id) for e in events] == [("pending", blueprint), ("delivered", blueprint)]

    for url in (f"/governance/artifacts/{art}/", f"/governance/artifacts/{art}/steps/{step}/",
                f"/governance/actions/{action.pk}/"):
        body = client.get(url).content.decode()
        assert "Audit history" in body and body.count("signoff.approve") >= 2 and "History please" in body, url
    listing = client.get("/governance/actions/").content.decode()
    assert f'href="/audit/history/?review_action={action.pk}"' in listing
    assert client.get(f"/audit/history/?review_action={action.pk}").status_code == 200
    found = login(auditor).get(f"/audit/?blueprint={blueprint}&artifact={art}").context["page"].events
    assert {e.outcome for e in found} == {"pending", "delivered"}
