"""With the sandbox WhatsApp (``make run``), no message leaves the server: the pages that say a code was
sent on WhatsApp say where it is instead, the sandbox's inbox. With the live WhatsApp they say nothing more."""

from __future__ import annotations

import pytest

from social.tests.conftest import body_json

pytestmark = pytest.mark.django_db

SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "491701234567", "wa_id": "491701234567"}],
    "messages": [{"id": "wamid.1"}],
}
NOTE = 'data-testid="whatsapp-sandbox-note"'
INBOX = 'href="/sandbox/whatsapp/inbox/"'


@pytest.mark.parametrize("sandbox", [True, False])
def test_the_sign_in_code_page_points_at_the_sandbox_inbox_only_in_the_sandbox(
    client, whatsapp_api, settings, sandbox
):
    settings.SOCIAL_SANDBOX = sandbox
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+49 170 1234567"})

    page = client.get("/accounts/login/code/confirm/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "+49 170 1234567" in page
    assert (NOTE in page, INBOX in page) == (sandbox, sandbox)
    if sandbox:
        assert "Demo mode: no WhatsApp message leaves this server." in page


def test_the_note_speaks_the_readers_language(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+49 170 1234567"}, HTTP_ACCEPT_LANGUAGE="de")

    page = client.get("/accounts/login/code/confirm/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Demo-Modus" in page and INBOX in page


def test_the_connect_code_page_points_at_the_sandbox_inbox(client, whatsapp_api, connected_user):
    client.force_login(connected_user())
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/me/whatsapp/", {"phone": "+491701234567"})
    assert body_json(whatsapp_api.log[-1][0])["to"] == "491701234567"

    page = client.get("/me/whatsapp/code/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "We sent a 6-digit code to" in page
    assert NOTE in page and INBOX in page
