"""The console's webhook pages in the reader's language: why an endpoint is disabled, how long we retry."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.roles import Role
from webhooks import reasons
from webhooks.models import WebhookEndpoint
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def owner_client(client, make_merchant):
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    client.merchant = merchant
    return client


def _disabled(merchant, reason: str) -> WebhookEndpoint:
    endpoint = endpoint_create(
        merchant=merchant,
        url="http://127.0.0.1:9/in",
        events=["reward.created"],
        actor=merchant.memberships.get(role=Role.OWNER).user,
        now=timezone.now(),
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason=reason)
    return endpoint


def test_a_reason_recorded_in_english_reads_in_french_on_both_webhook_pages(owner_client):
    endpoint = _disabled(owner_client.merchant, "Failing for 10 attempts over about three days.")

    listed = _text(owner_client.get(reverse("console:hook_endpoints"), HTTP_ACCEPT_LANGUAGE="fr"))
    detail = _text(
        owner_client.get(reverse("console:hook_endpoint", args=[endpoint.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    )

    for page in (listed, detail):
        assert "Désactivé\u00a0: 10 tentatives ont échoué en trois jours environ." in page
        assert "Failing for" not in page
    endpoint.refresh_from_db()
    assert (
        endpoint.disabled_reason == "Failing for 10 attempts over about three days."
    )  # the API's, as recorded


def test_an_endpoint_disabled_in_the_console_says_so_in_german(owner_client):
    endpoint = _disabled(owner_client.merchant, "x")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=True, disabled_reason="")
    owner_client.post(reverse("console:hook_endpoint", args=[endpoint.pk]), {"action": "disable"})

    page = _text(owner_client.get(reverse("console:hook_endpoints"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "Deaktiviert: In der Konsole deaktiviert." in page
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "Disabled in the console."


def test_a_reason_we_do_not_know_is_shown_as_recorded(owner_client):
    _disabled(owner_client.merchant, "Turned off by hand during the migration.")

    page = _text(owner_client.get(reverse("console:hook_endpoints"), HTTP_ACCEPT_LANGUAGE="it"))

    assert "Turned off by hand during the migration." in page


def test_the_webhooks_page_says_we_retry_for_about_three_days_as_the_schedule_does(owner_client):
    assert sum(reasons.RETRY_DELAYS) / 3600 == pytest.approx(75.6, abs=0.1)  # 5 s … 24 h: 75.6 hours

    english = _text(owner_client.get(reverse("console:hook_endpoints")))
    german = _text(owner_client.get(reverse("console:hook_endpoints"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "and retry for about 3 days until it answers 2xx." in english
    assert "about a day" not in english
    assert "und versuchen es etwa 3 Tage lang erneut" in german
    # The disable e-mail and its recorded reason say the same span.
    assert "about three days" in reasons.reason_english(reasons.FAILING, {"attempts": 10})


def test_the_webhooks_page_follows_a_shorter_schedule(owner_client, monkeypatch):
    monkeypatch.setattr(reasons, "RETRY_DELAYS", [60, 3600, 20 * 3600])  # 21 hours

    page = _text(owner_client.get(reverse("console:hook_endpoints")))

    assert "and retry for about 1 day until it answers 2xx." in page


@pytest.mark.parametrize(
    ("language", "status"),
    [
        ("es", "Desactivado: han fallado 10 intentos en unos tres días."),
        ("it", "Disattivato: non ha risposto correttamente a 10 tentativi in circa tre giorni."),
        ("de", "Deaktiviert: 10 Zustellversuche in etwa drei Tagen sind fehlgeschlagen."),
    ],
)
def test_the_reason_after_disabled_goes_on_in_lower_case_where_the_language_wants_it(
    owner_client, language, status
):
    """#23: "Desactivado: Han fallado…", "Disattivato: Non ha risposto…" (docs/i18n.md, "What follows a colon")."""
    endpoint = _disabled(owner_client.merchant, "Failing for 10 attempts over about three days.")

    listed = _text(owner_client.get(reverse("console:hook_endpoints"), HTTP_ACCEPT_LANGUAGE=language))
    detail = _text(
        owner_client.get(reverse("console:hook_endpoint", args=[endpoint.pk]), HTTP_ACCEPT_LANGUAGE=language)
    )

    assert status in listed and status in detail
