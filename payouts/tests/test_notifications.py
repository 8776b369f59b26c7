"""A person is told about every change to their payout: by e-mail, or by WhatsApp when they have none."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from werkzeug import Response

from merchants.roles import Role
from payouts import services, tasks
from payouts.tests.conftest import NOW, eur
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def test_a_person_who_signs_in_with_whatsapp_is_told_by_whatsapp(
    make_payee, httpserver, settings, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0")
    sent = []

    def graph(request):
        sent.append(json.loads(request.data))
        return Response(
            json.dumps(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"wa_id": "1"}],
                    "messages": [{"id": "wamid.1"}],
                }
            ),
            content_type="application/json",
        )

    httpserver.expect_request(
        f"/v21.0/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages", method="POST"
    ).respond_with_handler(graph)
    ana = make_payee("100.00")
    ana.email, ana.phone, ana.phone_verified = None, "+4915112345678", True
    ana.save(update_fields=["email", "phone", "phone_verified"])

    with django_capture_on_commit_callbacks(execute=True):
        services.payout_request(user=ana, amount=eur("25.00"), now=NOW + timedelta(days=3))

    assert len(sent) == 1
    template = sent[0]["template"]
    assert (sent[0]["to"], template["name"]) == ("4915112345678", settings.WHATSAPP_UPDATE_TEMPLATE_NAME)
    assert template["components"][0]["parameters"][0]["text"] == "We received your payout request of €25.00."
    assert mail.outbox == []


def test_a_person_with_an_e_mail_is_told_by_e_mail(make_payee, django_capture_on_commit_callbacks):
    ben = make_payee("100.00", email="ben@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        services.payout_request(user=ben, amount=eur("25.00"), now=NOW + timedelta(days=3))

    assert [m.to for m in mail.outbox if "Payout" in m.subject] == [["ben@example.com"]]


def test_a_whatsapp_person_is_told_by_whatsapp_when_bank_details_change(
    make_payee, httpserver, settings, django_capture_on_commit_callbacks
):
    from payouts.tests.conftest import add_bank_account

    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0")
    sent = []

    def graph(request):
        sent.append(json.loads(request.data))
        return Response(
            json.dumps(
                {"messaging_product": "whatsapp", "contacts": [{"wa_id": "1"}], "messages": [{"id": "w2"}]}
            ),
            content_type="application/json",
        )

    httpserver.expect_request(
        f"/v21.0/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages", method="POST"
    ).respond_with_handler(graph)
    ana = make_payee("100.00")
    ana.email, ana.phone, ana.phone_verified = None, "+4915112345678", True
    ana.save(update_fields=["email", "phone", "phone_verified"])

    with django_capture_on_commit_callbacks(execute=True):
        add_bank_account(ana, iban="FR14 2004 1010 0505 0001 3M02 606", now=NOW + timedelta(days=3))

    assert len(sent) == 1
    text = sent[0]["template"]["components"][0]["parameters"][0]["text"]
    assert text.startswith("The bank account for your TikJoy payouts was changed")
    assert "If this wasn't you, write to us at once" in text


def test_each_owner_is_told_of_the_merchants_new_bank_details_in_their_own_language(
    make_merchant, add_member, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    merchant.language = "it"
    merchant.save(update_fields=["language"])
    owner = owner_of(merchant)
    partner = add_member(merchant, "partner@fizz.example", role=Role.OWNER)
    partner.language = "fr"
    partner.save(update_fields=["language"])
    details = services.bank_details_clean(
        holder_name="Fizz GmbH", street="Hauptstrasse", building_number="1", postcode="10115", town="Berlin",
        country="DE", iban="DE89370400440532013000",
    )  # fmt: skip
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.bank_account_replace(user=owner, details=details, now=NOW, owner=merchant)

    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    assert set(subjects) == {("owner@fizz.example",), ("partner@fizz.example",)}  # one e-mail each
    assert subjects[("owner@fizz.example",)] == "[TikJoy] I dati bancari di Fizz sono stati aggiunti"
    assert (
        subjects[("partner@fizz.example",)] == "[TikJoy] Les coordonnées bancaires de Fizz ont été ajoutées"
    )


def test_a_batch_told_half_way_before_the_mail_server_failed_tells_each_person_once_on_retry(
    make_payee, monkeypatch
):
    """The retry of a notification task that failed half-way tells only those not told yet."""
    people = [make_payee("100.00", email=f"p{n}@example.com") for n in range(3)]
    payouts = [
        services.payout_request(user=p, amount=eur("25.00"), now=NOW + timedelta(days=3)) for p in people
    ]
    mail.outbox.clear()
    real_send = tasks.send_mail

    def fails_for_the_second(**kwargs):
        if kwargs["recipient_list"] == ["p1@example.com"]:
            raise ConnectionRefusedError("the mail server went away")
        return real_send(**kwargs)

    monkeypatch.setattr(tasks, "send_mail", fails_for_the_second)
    with pytest.raises(ConnectionRefusedError):
        tasks.payouts_notify(payout_ids=[p.pk for p in payouts], state="REQUESTED")
    monkeypatch.setattr(tasks, "send_mail", real_send)
    told = tasks.payouts_notify(payout_ids=[p.pk for p in payouts], state="REQUESTED")

    assert told == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert tasks.payouts_notify(payout_ids=[p.pk for p in payouts], state="REQUESTED") == 0
