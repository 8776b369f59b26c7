"""The export's values read in the person's language, and what one section names, another holds."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from privacy.tests.test_affiliates_promote import people  # noqa: F401 (a fixture)
from privacy.tests.test_deletion import EMAIL, world  # noqa: F401 (a fixture)
from privacy.tests.test_export import _csv_rows, _export
from support.services import Context, support_request_create, support_request_ops_update
from wallets.models import Purpose

pytestmark = pytest.mark.django_db


def test_a_german_persons_wallet_history_names_its_accounts_in_german_in_time_order(
    client,
    people,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    zoe = people["zoe"]
    zoe.language = "de"
    zoe.save(update_fields=["language"])

    _, archive = _export(client, zoe, django_capture_on_commit_callbacks)

    history = _csv_rows(archive, "wallet_history.csv")
    accounts = {row["account"] for row in history}
    with translation.override("de"):
        assert {str(Purpose.AFFILIATE_PENDING.label), str(Purpose.PROMOTE_COINS.label)} <= accounts
    assert "Affiliate: ausstehende Provisionen" in accounts  # was "AFFILIATE_PENDING"
    assert not accounts & set(Purpose.values)
    assert [row["at"] for row in history] == sorted(row["at"] for row in history)
    assert [row["what"] for row in _csv_rows(archive, "promote_purchases.csv")] == ["gekauft"]  # was "bought"
    assert [row["kind"] for row in _csv_rows(archive, "sign_in_identities.csv")] == ["E-Mail"]


def test_a_german_persons_wallet_history_and_sign_ins_say_their_kinds_in_words(
    client,
    world,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    zoe = world["zoe"]  # rewards available, pending and held, a payout, a TikTok sign-in
    zoe.language = "de"
    zoe.save(update_fields=["language"])

    _, archive = _export(client, zoe, django_capture_on_commit_callbacks)

    kinds = {row["kind"] for row in _csv_rows(archive, "wallet_history.csv")}
    assert "Prämie bestätigt: jetzt verfügbar" in kinds  # was "REWARD_CONFIRM"
    assert "Prämie gutgeschrieben, ausstehend" in kinds  # was "REWARD"
    assert "Auszahlung auf dein Bankkonto" in kinds  # was "PAYOUT_REQUEST", as the wallet says it
    assert not any(kind.isupper() for kind in kinds), kinds  # no ledger code left
    identities = _csv_rows(archive, "sign_in_identities.csv")
    assert sorted((row["kind"], row["identifier"]) for row in identities) == [
        ("E-Mail", EMAIL),
        ("TikTok", "zoe-open-id"),  # was "tiktok", allauth's id
    ]


def test_a_german_persons_support_conversation_names_who_wrote_in_german_and_the_brand_by_name(
    client,
    people,  # noqa: F811
    add_member,
    ops,
    django_capture_on_commit_callbacks,
):
    brand = people["delta"]
    member = add_member(brand, "max@delta.example")  # a team member, who may name the brand
    member.language = "de"
    member.save(update_fields=["language"])
    asked = support_request_create(
        user=member,
        email="",
        topic="REWARDS",
        subject="Wo ist meine Prämie?",
        body="Hallo",
        context=Context(
            page="/wallet/",
            merchant=brand,
            recent_errors=(
                {"at": "2026-10-03T09:00:00+00:00", "page": "/wallet/x/", "method": "GET", "status": 404},
                {"at": "2026-10-03T09:01:00+00:00", "page": "/wallet/", "status": None, "message": "Zu viel"},
            ),
        ),
        submission_key="max-1",
        language="de",
        now=timezone.now(),
    )
    support_request_ops_update(
        support_request=asked,
        actor=ops,
        edit_version=1,
        status="OPEN",
        assigned_to=None,
        reply="Wir schauen nach.",
        internal=False,
        now=timezone.now(),
    )

    _, archive = _export(client, member, django_capture_on_commit_callbacks)

    messages = _csv_rows(archive, "support_messages.csv")
    assert [(m["from"], m["message"]) for m in messages] == [  # was "you", "TikJoy support"
        ("du", "Hallo"),
        ("TikJoy-Support", "Wir schauen nach."),
    ]
    requests = _csv_rows(archive, "support_requests.csv")
    assert [r["merchant"] for r in requests] == [brand.brand_name]  # was the brand's id
    # was "[{'at': '2026-10-03T09:00:00+00:00', 'page': '/wallet/x/', 'method': 'GET', 'status': 404}, ...]"
    assert [r["recent_errors"] for r in requests] == [
        "2026-10-03T09:00:00+00:00 /wallet/x/ (404): Seite nicht gefunden; "
        "2026-10-03T09:01:00+00:00 /wallet/: Zu viel"
    ]
    assert json.loads(archive.read("data.json"))["support_requests"][0]["recent_errors"] == [
        "2026-10-03T09:00:00+00:00 /wallet/x/ (404): Seite nicht gefunden",
        "2026-10-03T09:01:00+00:00 /wallet/: Zu viel",
    ]


def test_every_description_of_the_readme_starts_in_one_column(
    client,
    people,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _, archive = _export(client, people["zoe"], django_capture_on_commit_callbacks)

    lines = [line for line in archive.read("README.txt").decode().splitlines()[4:] if line.strip()]
    starts = {len(line) - len(line.split(" ", 1)[1].lstrip()) for line in lines}
    # "affiliate_applications your applications ..." pushed its words one place right of the others'.
    assert len(starts) == 1, lines


def test_the_export_page_names_the_records_beyond_its_first_list(client, make_user):
    client.force_login(make_user("zoe@example.com"))

    page = " ".join(client.get(reverse("privacy:export"), HTTP_ACCEPT_LANGUAGE="de").content.decode().split())

    # The ZIP holds them (README.txt lists them); the page's list stopped at the payouts.
    assert (
        "Dazu deine Abos, deine WhatsApp-Nachrichten mit Marken, deine Supportanfragen und, wenn du sie"
        " nutzt, deine Affiliate- und Promote-Daten: README.txt im ZIP sagt, was jede Datei enthält." in page
    )
