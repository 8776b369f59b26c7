"""The daily retention purge: each kind past its period goes, everything younger stays, the ledger is untouched."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.management import call_command
from django_q.models import Task

from campaigns.models import ActionType
from payouts.models import BankFile, BankFileKind
from privacy.services import retention_purge
from rewards.models import SocialAction
from rewards.services import action_record
from social.models import WebhookEvent
from tikjoy.tests.factories import NOW, login_rule
from wallets.models import Entry, Transaction

pytestmark = pytest.mark.django_db

DAYS = {"action_network_data": 90, "incoming_webhooks": 30, "raw_bank_files": 3650, "emails_sent": 30}


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

    assert counts == {"action_network_data": 1, "incoming_webhooks": 1, "raw_bank_files": 1, "emails_sent": 1}
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
    # The ledger is never touched, and the engine's books still hold.
    assert (Transaction.objects.count(), Entry.objects.count()) == ledger
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_second_purge_on_the_same_day_finds_nothing_more(aged):
    retention_purge(now=NOW)

    assert retention_purge(now=NOW) == dict.fromkeys(DAYS, 0)
