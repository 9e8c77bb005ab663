"""The profile page's API tokens section: a person creates a named token and sees its value once, sees when each
was last used, and revokes one; the page never shows a value again."""

from __future__ import annotations

from django.test import Client

from portal.audit.models import AuditEvent
from portal.tokens.models import ApiToken


def test_a_token_made_on_the_profile_page_is_shown_once_then_revoked(login, operator):
    client = login(operator)
    page = client.get("/profile/").content.decode()
    assert 'id="api-tokens"' in page and 'data-testid="no-api-tokens"' in page

    created = client.post("/profile/tokens/new/", {"name": "CI pipeline"})
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    token = ApiToken.objects.get(user=operator)
    html = created.content.decode()
    value = html.split('data-testid="token-value"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert value.startswith(token.prefix) and len(value) > 40

    assert Client().get("/api/tokens/", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 200
    page = client.get("/profile/").content.decode()
    assert "CI pipeline" in page and f"{token.prefix}…" in page
    assert value not in page

    revoked = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302 and revoked["Location"].endswith("/profile/")
    assert Client().get("/api/tokens/", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 401
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="api_token.").order_by("id")] == [
        "api_token.create", "api_token.revoke"]


def test_a_token_needs_a_printable_name_and_another_persons_token_cannot_be_revoked(login, operator, auditor):
    client = login(operator)
    refused = client.post("/profile/tokens/new/", {"name": "   "}, follow=True)
    assert "This field is required" in refused.content.decode() or "printable name" in refused.content.decode()
    assert not ApiToken.objects.exists()
    client.post("/profile/tokens/new/", {"name": "mine"})
    token = ApiToken.objects.get()
    other = login(auditor).post(f"/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "You have no such API token." in other.content.decode()
    assert ApiToken.objects.get().active


def test_token_pages_need_a_sign_in_and_a_post(client, db):
    assert client.post("/profile/tokens/new/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()
