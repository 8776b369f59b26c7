"""The console's delivery log in the reader's language: a refusal recorded in English reads as the
endpoint form says it."""

from __future__ import annotations

import re
import socket
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.models import ActionType
from merchants.roles import Role
from rewards.services import action_record
from tikjoy.tests.factories import NOW, login_rule
from webhooks.models import WebhookAttempt
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def gone_host(
    make_merchant, make_campaign, make_consumer, ops, monkeypatch, django_capture_on_commit_callbacks
):
    """An endpoint whose host resolved when it was added and no longer does when a reward is sent;
    the delivery is made while French is active (as a replay from a French page would be)."""
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW)
    real = socket.getaddrinfo
    resolvable = {"hooks.acme.example": True}

    def lookup(host, port, *args, **kwargs):
        if host == "hooks.acme.example":
            if not resolvable[host]:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    owner = merchant.memberships.get(role=Role.OWNER).user
    endpoint = endpoint_create(
        merchant=merchant,
        url="http://hooks.acme.example:9/in",
        events=["reward.created"],
        actor=owner,
        now=timezone.now(),
    )
    resolvable["hooks.acme.example"] = False
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        action_record(
            user=make_consumer("Ana"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
        )
    return endpoint, owner


def test_a_refused_delivery_reads_in_the_readers_language_in_the_log(client, gone_host):
    endpoint, owner = gone_host
    client.force_login(owner)
    url = reverse("console:hook_endpoint", args=[endpoint.pk])

    french = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    german = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    english = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))

    refused = (
        "The host hooks.acme.example doesn't resolve to an address on the public internet: "
        "webhooks go to the public internet only."
    )
    assert "L\u2019hôte hooks.acme.example ne correspond à aucune adresse de l\u2019internet public" in french
    assert "doesn't resolve" not in french
    assert (
        "Der Host hooks.acme.example wird nicht zu einer Adresse im öffentlichen Internet aufgelöst" in german
    )
    assert refused in english
    # Recorded in English whatever language was active when it was sent.
    assert WebhookAttempt.objects.get().error == refused


def test_a_delivery_log_row_recorded_before_the_sentence_changed_still_reads_in_french(gone_host):
    """Rows written before 2026-12-01 say "can't be resolved": the catalogue keeps that sentence."""
    attempt = WebhookAttempt.objects.get()
    attempt.error = "The host hooks.acme.example can't be resolved."

    with translation.override("fr"):
        assert attempt.error_text == "L\u2019hôte hooks.acme.example ne peut pas être résolu."


def test_an_error_that_is_not_ours_is_shown_as_recorded(client, gone_host):
    endpoint, owner = gone_host
    WebhookAttempt.objects.update(error="ConnectionError: connection refused by 203.0.113.9")
    client.force_login(owner)

    page = _text(client.get(reverse("console:hook_endpoint", args=[endpoint.pk]), HTTP_ACCEPT_LANGUAGE="it"))

    assert "ConnectionError: connection refused by 203.0.113.9" in page
