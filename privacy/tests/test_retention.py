"""The daily retention purge: each kind past its period goes, everything younger stays, the ledger is untouched."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.management import call_command
from django_q.models import Task

from affiliates.models import Click
from campaigns.models import ActionType
from payouts.models import BankFile, BankFileKind
from privacy.services import retention_purge
from rewards.models import RewardedSignIn, SocialAction
from rewards.services import action_record
from social.models import WebhookEvent
from tikjoy.tests.factories import (
    NOW,
    affiliate_click_make,
    affiliate_make,
    affiliate_program_make,
    login_rule,
)
from wallets.models import Entry, Transaction
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.models import WebhookEndpoint as OutgoingEndpoint
from webhooks.models import WebhookEvent as OutgoingEvent

pytestmark = pytest.mark.django_db

DAYS = {
    "action_network_data": 90,
    "incoming_webhooks": 30,
    "raw_bank_files": 3650,
    "emails_sent": 30,
    "outgoing_webhooks": 30,
    "affiliate_clicks": 120,
    "rewarded_sign_ins": 365,
}


@pytest.fixture
def aged(make_merchant, make_campaign, make_consumer, ops, settings):
    """For each kind, one row just past its period and one just inside it (at ``NOW``, a fixed clock)."""
    settings.PRIVACY_RETENTION_DAYS = DAYS
    merchant = make_merchant("alpha", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW)
    rows = {}
    for label, age in (("old", DAYS["action_network_data"] + 1), ("young", DAYS["action_network_data"] - 1)):
        action = action_record(
            user=make_consumer(label),
            merchant=merchant,
            action_type=ActionType.TIKTOK_LOGIN,
            now=NOW,
            occurred_at=NOW - timedelta(days=age),  # through the engine, so its figures agree
            device_id=f"device-{label}",
            ip_address="198.51.100.7",
        )
        rows[f"action_{label}"] = action.pk
    for label, age in (("old", 31), ("young", 29)):
        rows[f"webhook_{label}"] = WebhookEvent.objects.create(
            source="TIKTOK",
            event_key=label,
            payload={"user_openid": label},
            received_at=NOW - timedelta(days=age),
        ).pk
        rows[f"mail_{label}"] = Task.objects.create(
            id=uuid4().hex,
            name=label,
            func="core.tasks.mail_send",
            kwargs={"recipient_list": [f"{label}@example.com"]},
            started=NOW - timedelta(days=age),
            stopped=NOW - timedelta(days=age),
            success=True,
        ).pk
    endpoint = OutgoingEndpoint.objects.create(
        merchant=merchant,
        url="https://hooks.alpha.example/",
        events=["reward.created"],
        secret="whsec_x",
        created_at=NOW,
    )
    for label, age, status in (("old", 31, "SUCCEEDED"), ("pending", 31, "PENDING"), ("young", 29, "FAILED")):
        event = OutgoingEvent.objects.create(
            merchant=merchant,
            type="reward.created",
            data={"person": f"{label} person"},
            created_at=NOW - timedelta(days=age),
        )
        delivery = WebhookDelivery.objects.create(
            event=event, endpoint=endpoint, status=status, next_attempt_at=NOW, attempts=1
        )
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=event.created_at, status_code=500)
        rows[f"outgoing_{label}"] = event.pk
    affiliate = affiliate_make(affiliate_program_make(merchant), email="partner@example.com")
    for label, age in (("old", 121), ("young", 119)):
        for visitor in ("v1", "v2"):  # two visitors on one link in the same hour: both unique clicks
            click = affiliate_click_make(
                affiliate, at=NOW - timedelta(days=age), visitor=f"{label}-{visitor}"
            )
            rows[f"click_{label}_{visitor}"] = click.pk
    for label, age in (("old", 366), ("young", 364)):  # kept by an account deletion that long ago
        rows[f"signin_{label}"] = RewardedSignIn.objects.create(
            merchant=merchant, digest=f"{label:0<64}", created_at=NOW - timedelta(days=age)
        ).pk
    for label, age in (("old", 3651), ("young", 3649)):
        rows[f"bankfile_{label}"] = BankFile.objects.create(
            kind=BankFileKind.CAMT_054,
            sha256=label * 10,
            msg_id=label,
            raw=b"<Document/>",
            uploaded_at=NOW - timedelta(days=age),
        ).pk
    return rows


def test_the_purge_removes_what_is_past_its_period_and_keeps_the_rest(aged):
    ledger = (Transaction.objects.count(), Entry.objects.count())

    counts = retention_purge(now=NOW)

    assert counts == {
        "action_network_data": 1,
        "incoming_webhooks": 1,
        "raw_bank_files": 1,
        "emails_sent": 1,
        "outgoing_webhooks": 1,
        "affiliate_clicks": 2,
        "rewarded_sign_ins": 1,
    }
    old, young = (
        SocialAction.objects.get(pk=aged["action_old"]),
        SocialAction.objects.get(pk=aged["action_young"]),
    )
    assert (old.device_id, old.ip_address) == ("", None)
    assert (young.device_id, young.ip_address) == ("device-young", "198.51.100.7")
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [aged["webhook_young"]]
    assert list(Task.objects.values_list("pk", flat=True)) == [aged["mail_young"]]
    assert bytes(BankFile.objects.get(pk=aged["bankfile_old"]).raw) == b""
    assert bytes(BankFile.objects.get(pk=aged["bankfile_young"]).raw) == b"<Document/>"
    # Outgoing webhook bodies: the old delivered one went with its log; one still being delivered stays.
    assert sorted(OutgoingEvent.objects.values_list("pk", flat=True)) == sorted(
        [aged["outgoing_pending"], aged["outgoing_young"]]
    )
    assert WebhookAttempt.objects.count() == 2
    # Affiliate clicks stay (conversions point at them), without who clicked once past the period.
    for visitor in ("v1", "v2"):
        old, young = (
            Click.objects.get(pk=aged[f"click_old_{visitor}"]),
            Click.objects.get(pk=aged[f"click_young_{visitor}"]),
        )
        assert (old.visitor_hash, old.user_agent) == (f"purged-{old.click_id}", "")
        assert (young.visitor_hash, young.user_agent) == (f"young-{visitor}", "Mozilla/5.0")
    # A deleted account's sign-in digests: a number given up goes to someone else in time.
    assert list(RewardedSignIn.objects.values_list("pk", flat=True)) == [aged["signin_young"]]
    # The ledger is never touched, and the engine's books still hold.
    assert (Transaction.objects.count(), Entry.objects.count()) == ledger
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_second_purge_on_the_same_day_finds_nothing_more(aged):
    retention_purge(now=NOW)

    assert retention_purge(now=NOW) == dict.fromkeys(DAYS, 0)
