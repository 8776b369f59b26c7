"""An address only a form or a button sends to (POST), opened with GET, is a page that says so in the
reader's language and where to go, never a blank 405 (tester pass 8, #23); the API keeps its
problem+json (tikjoy.middleware.MethodNotAllowedPageMiddleware)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from api.models import KeyKind, Scope
from api.services import api_key_create
from tikjoy.tests.factories import owner_of, response_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/console/affiliates/commissions/7/", "/console/affiliates/inquiries/1/"],
)
def test_a_console_action_opened_directly_is_a_formal_page_in_the_readers_language(
    client, make_merchant, path
):
    client.force_login(owner_of(make_merchant("fizz")))

    response = client.get(path, HTTP_ACCEPT_LANGUAGE="de")

    page = response_text(response)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "<h1>Diese Seite lässt sich nicht direkt öffnen</h1>" in page
    assert "Gehen Sie zurück zur vorherigen Seite und nutzen Sie dort die Schaltfläche." in page
    assert 'href="/console/">Dashboard der Konsole</a>' in page


def test_a_consumers_post_only_page_opened_directly_speaks_informally(client, make_consumer):
    client.force_login(make_consumer("Ana"))

    response = client.get("/me/whatsapp/offers/", HTTP_ACCEPT_LANGUAGE="it")

    page = response_text(response)
    assert response.status_code == 405
    assert "<h1>Questa pagina non si può aprire direttamente</h1>" in page
    assert "Torna alla pagina precedente e usa il pulsante che trovi lì." in page
    assert 'href="/wallet/"' in page


def test_the_api_keeps_its_problem_json(client, make_merchant):
    merchant = make_merchant("fizz")
    key = api_key_create(
        merchant=merchant,
        name="server",
        kind=KeyKind.SECRET,
        scope=Scope.WRITE,
        expires_at=None,
        actor=owner_of(merchant),
        now=timezone.now(),
    )[1]

    response = client.delete("/api/v1/campaigns/cmp_1/activate", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/problem+json")
    assert b"<html" not in response.content
