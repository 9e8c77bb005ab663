"""API-node admin operations over HTTP against the sandbox: each confirmed by an operator, audited, refused with a
message that changes nothing, acted on once per confirmation, and a created key shown once only."""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deployer_ui import apinode_client
from deployer_ui.node_cache import NodeStatusCache
from deployer_ui.node_sampling import sample_all as sample_api_nodes
from deployer_ui.views_apinodes import ALREADY_USED
from portal.audit.models import AuditEvent
from portal.lib import onetime

NODE_A, NODE_B = "apinode-a", "apinode-b"
SERVICE = "fraud-scoring"


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no one-time token on the confirmation page"
    return match.group(1)


def writes(sandbox, node: str) -> dict:
    """The write calls the node received (method and contract path), with their counts."""
    return {k: v for k, v in sandbox.stats().get(node, {}).items() if v and not k.startswith("GET ")}


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bundle/service.json", '{"endpoints": []}')
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/zip")


def raw_keys(node: str) -> dict[str, str]:
    """{key id: key value} as the node holds them (the portal's own client never keeps values)."""
    return {k["id"]: k["key"] for k in apinode_client.get_client(node).request("GET", "/auth/keys")}


def generation_ids(node: str, service: str) -> set[str]:
    return {g.generation_id for g in apinode_client.get_client(node).list_generations(service)}


def operations():
    """Audit events of operations: the test client's sign-ins are audited too."""
    return AuditEvent.objects.exclude(action__startswith="auth.")


def audit_text() -> str:
    return json.dumps(list(operations().values("action", "input", "detail", "outcome", "target_id")))


# --- auth keys -------------------------------------------------------------------------------------------------------


def test_a_created_key_is_shown_once_then_only_masked_and_never_logged_or_audited(login, operator, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client = login(operator)
    url = reverse("deployer_ui:api_key_create", args=[NODE_B])
    before = raw_keys(NODE_B)
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "shown once" in page and 'value="pricing-r"' in page and raw_keys(NODE_B) == before
    sandbox.reset_stats()
    created = client.post(url, {"token": token_of(confirm), "label": "mobile app", "allowed_services": ["pricing-r"]})
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    after = raw_keys(NODE_B)
    (key_id,) = set(after) - set(before)
    secret = after[key_id]
    assert f'value="{secret}"' in created.content.decode()  # shown, once
    assert writes(sandbox, NODE_B) == {"POST /auth/keys": 1}
    assert apinode_client.get_client(NODE_B).get_auth_key(key_id).allowed_services == ("pricing-r",)

    node_page = client.get(reverse("deployer_ui:api_node", args=[NODE_B])).content.decode()
    assert f'data-key="{key_id}"' in node_page and "••••••••" in node_page and secret not in node_page
    event = operations().get(action="api_node.auth_key.create")
    assert (event.outcome, event.actor_username, event.input) == (
        "success", "dave", {"label": "mobile app", "allowed_services": ["pricing-r"]})
    assert secret not in audit_text()
    assert secret not in caplog.text and key_id in caplog.text  # the id is logged, the value never

    again = client.post(url, {"token": token_of(confirm), "label": "mobile app"})  # a double submit
    assert again.status_code == 302 and ALREADY_USED in messages_of(again)
    assert len(raw_keys(NODE_B)) == len(after) and operations().count() == 1


def test_creating_a_key_for_a_service_the_node_does_not_have_is_refused(login, operator, sandbox):
    client = login(operator)
    url = reverse("deployer_ui:api_key_create", args=[NODE_A])
    token = token_of(client.get(url))
    before = raw_keys(NODE_A)
    sandbox.reset_stats()
    for data in ({"label": "x", "allowed_services": ["no-such-service"]}, {"label": "   "}, {"label": "bad\x00label"}):
        response = client.post(url, {"token": token, **data})
        assert response.status_code == 400 and 'data-testid="field-error"' in response.content.decode()
    assert raw_keys(NODE_A) == before and writes(sandbox, NODE_A) == {} and not operations().exists()


def test_a_key_is_deleted_once_however_often_it_is_confirmed(login, operator, sandbox):
    client = login(operator)
    url = reverse("deployer_ui:api_key_delete", args=[NODE_A, "key-2"])
    first, second = client.get(url), client.get(url)  # two tabs, two confirmation pages
    assert first.status_code == 200 and "mobile-app" in first.content.decode()
    assert "key-2" in raw_keys(NODE_A)
    sandbox.reset_stats()
    done = client.post(url, {"token": token_of(first)})
    assert done.status_code == 302 and done["Location"] == reverse("deployer_ui:api_node", args=[NODE_A])
    assert "key-2" not in raw_keys(NODE_A) and "Auth key key-2 deleted." in messages_of(done)

    replay = client.post(url, {"token": token_of(first)})  # the same confirmation sent twice
    assert ALREADY_USED in messages_of(replay)
    stale = client.post(url, {"token": token_of(second)})  # the other tab, after the key is gone
    assert "does not exist" in messages_of(stale) and "Nothing was changed" in messages_of(stale)
    # One DELETE that worked, one that found nothing, none for the replay.
    assert writes(sandbox, NODE_A) == {"DELETE /auth/keys/{keyId}": 2}
    outcomes = list(operations().order_by("id").values_list("action", "outcome", "target_id"))
    assert outcomes == [("api_node.auth_key.delete", "success", "apinode-a/key-2"),
                        ("api_node.auth_key.delete", "failed", "apinode-a/key-2")]


def test_a_token_confirms_only_its_own_operation_and_person(login, operator, admin_user, sandbox):
    client = login(operator)
    token = token_of(client.get(reverse("deployer_ui:api_key_delete", args=[NODE_A, "key-1"])))
    other = client.post(reverse("deployer_ui:api_key_delete", args=[NODE_A, "key-3"]), {"token": token})
    assert ALREADY_USED in messages_of(other)
    client.force_login(admin_user)
    foreign = client.post(reverse("deployer_ui:api_key_delete", args=[NODE_A, "key-1"]), {"token": token})
    assert ALREADY_USED in messages_of(foreign)
    assert {"key-1", "key-3"} <= set(raw_keys(NODE_A)) and not operations().exists()
    assert onetime.redeem(operator, "apinode.delete_key:apinode-a/key-1", token)  # still valid for its owner


# --- generations -----------------------------------------------------------------------------------------------------


def test_an_imported_generation_arrives_inactive_audited_and_the_cache_is_refreshed(login, operator, sandbox):
    sample_api_nodes()
    client = login(operator)
    url = reverse("deployer_ui:api_generation_import", args=[NODE_A, SERVICE])
    confirm = client.get(url)
    page = confirm.content.decode()
    assert confirm.status_code == 200 and 'enctype="multipart/form-data"' in page and 'type="file"' in page
    before = generation_ids(NODE_A, SERVICE)
    content = a_zip()
    done = client.post(url, {"token": token_of(confirm), "file": upload("v7.zip", content)})
    assert done.status_code == 302 and "Generation v7 imported" in messages_of(done)
    assert generation_ids(NODE_A, SERVICE) == before | {"v7"}
    assert apinode_client.get_client(NODE_A).get_service(SERVICE).active_generation != "v7"
    event = operations().get(action="api_service.generation.import")
    assert event.outcome == "success" and event.input["filename"] == "v7.zip" and event.input["size"] == len(content)
    cached = next(v for v in NodeStatusCache().all_views() if v.id == NODE_A)
    assert next(s for s in cached.services if s.service_id == SERVICE).generation_count == len(before) + 1


@pytest.mark.parametrize("files,error", [
    ({}, "This field is required"),
    ({"file": ("v8.zip", b"")}, "empty"),
    ({"file": ("v8.zip", b"this is not a zip")}, "not a ZIP archive"),
    ({"file": ("v8.tar.gz", None)}, "must be a .zip file"),
])
def test_an_import_that_breaks_the_contract_is_refused_before_the_node_is_called(login, operator, sandbox, files,
                                                                                  error):
    client = login(operator)
    url = reverse("deployer_ui:api_generation_import", args=[NODE_A, SERVICE])
    token = token_of(client.get(url))
    before = generation_ids(NODE_A, SERVICE)
    sandbox.reset_stats()
    data = {"token": token}
    for field, (name, content) in files.items():
        data[field] = upload(name, a_zip() if content is None else content)
    response = client.post(url, data)
    assert response.status_code == 400 and error in response.content.decode()
    assert writes(sandbox, NODE_A) == {} and generation_ids(NODE_A, SERVICE) == before
    assert not operations().exists()


def test_deleting_a_generation_removes_only_that_one(login, operator, sandbox):
    client = login(operator)
    service = apinode_client.get_client(NODE_A).get_service(SERVICE)
    inactive = sorted(generation_ids(NODE_A, SERVICE) - {service.active_generation})[0]
    url = reverse("deployer_ui:api_generation_delete", args=[NODE_A, SERVICE, inactive])
    confirm = client.get(url)
    assert confirm.status_code == 200 and f"Delete generation {inactive}" in confirm.content.decode()
    done = client.post(url, {"token": token_of(confirm)})
    assert done["Location"] == reverse("deployer_ui:api_service", args=[NODE_A, SERVICE])
    assert inactive not in generation_ids(NODE_A, SERVICE)
    assert apinode_client.get_client(NODE_A).get_service(SERVICE).active_generation == service.active_generation
    assert operations().get().input == {"generation_id": inactive}


def test_deleting_the_active_generation_is_refused_and_changes_nothing(login, operator, sandbox):
    client = login(operator)
    active = apinode_client.get_client(NODE_A).get_service(SERVICE).active_generation
    url = reverse("deployer_ui:api_generation_delete", args=[NODE_A, SERVICE, active])
    before = generation_ids(NODE_A, SERVICE)
    sandbox.reset_stats()
    shown = client.get(url)  # no confirmation page for what cannot be done
    assert shown.status_code == 302 and "is the active generation" in messages_of(shown)
    forged = client.post(url, {"token": onetime.issue(operator, f"apinode.delete_generation:{NODE_A}/{SERVICE}/"
                                                                f"{active}")})
    assert "is the active generation" in messages_of(forged) and "Nothing was changed" in messages_of(forged)
    assert writes(sandbox, NODE_A) == {} and generation_ids(NODE_A, SERVICE) == before
    event = operations().get()
    assert (event.action, event.outcome) == ("api_service.generation.delete", "refused")
    page = client.get(reverse("deployer_ui:api_service", args=[NODE_A, SERVICE])).content.decode()
    row = re.search(rf'<tr data-generation="{active}">.*?</tr>', page, re.S).group(0)
    assert 'data-testid="delete-generation"' not in row


# --- services --------------------------------------------------------------------------------------------------------


def test_deleting_a_service_removes_it_and_the_overview_shows_it_at_once(login, operator, sandbox):
    sample_api_nodes()
    client = login(operator)
    url = reverse("deployer_ui:api_service_delete", args=[NODE_A, "customer-lookup"])
    confirm = client.get(url)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "segment-query" in text and "enabled and serving now" in text
    done = client.post(url, {"token": token_of(confirm)})
    assert done["Location"] == reverse("deployer_ui:api_node", args=[NODE_A])
    assert "customer-lookup" not in {s.service_id for s in apinode_client.get_client(NODE_A).list_services()}
    overview = client.get(reverse("deployer_ui:api_nodes")).content.decode()
    card = re.search(r'data-node="apinode-a".*?</section>', overview, re.S).group(0)
    assert "customer-lookup" not in card
    again = client.post(url, {"token": onetime.issue(operator, f"apinode.delete_service:{NODE_A}/customer-lookup")})
    assert "does not exist" in messages_of(again)
    assert list(operations().order_by("id").values_list("outcome", flat=True)) == ["success", "failed"]


# --- unknown ids and roles -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,args", [
    ("api_key_create", ["no-such-node"]),
    ("api_key_delete", [NODE_A, "key-404"]),
    ("api_generation_import", [NODE_A, "no-such-service"]),
    ("api_generation_delete", [NODE_A, SERVICE, "v404"]),
    ("api_generation_delete", [NODE_A, "no-such-service", "v1"]),
    ("api_service_delete", [NODE_A, "no-such-service"]),
])
def test_unknown_ids_get_a_friendly_404(login, operator, sandbox, name, args):
    response = login(operator).get(reverse(f"deployer_ui:{name}", args=args))
    assert response.status_code == 404 and "Not found" in response.content.decode()


ADMIN_URLS = [
    ("api_key_create", [NODE_A]),
    ("api_key_delete", [NODE_A, "key-1"]),
    ("api_generation_import", [NODE_A, SERVICE]),
    ("api_generation_delete", [NODE_A, SERVICE, "v1"]),
    ("api_service_delete", [NODE_A, SERVICE]),
]


@pytest.mark.parametrize("persona", ["reviewer", "auditor", "outsider"])
def test_only_operators_and_admins_reach_the_admin_operations(request, login, sandbox, persona):
    client = login(request.getfixturevalue(persona))
    sandbox.reset_stats()
    for name, args in ADMIN_URLS:
        url = reverse(f"deployer_ui:{name}", args=args)
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"token": "x", "label": "x"}).status_code == 403, url
    assert writes(sandbox, NODE_A) == {} and not operations().exists()
    page = client.get(reverse("deployer_ui:api_node", args=[NODE_A])).content.decode()
    assert 'data-testid="create-key"' not in page and 'data-testid="delete-key"' not in page


def test_operators_see_the_admin_operations(login, operator, sandbox):
    client = login(operator)
    node = client.get(reverse("deployer_ui:api_node", args=[NODE_A])).content.decode()
    assert 'data-testid="create-key"' in node and node.count('data-testid="delete-key"') == 3
    service = client.get(reverse("deployer_ui:api_service", args=[NODE_A, SERVICE])).content.decode()
    assert 'data-testid="import-generation"' in service and 'data-testid="delete-service"' in service
