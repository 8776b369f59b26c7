"""Each event type: written in the transaction of its change, once, signed and delivered; nothing on rollback."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from moneyed import Money
from standardwebhooks.webhooks import Webhook

import rewards.services
from campaigns.models import ActionType, CampaignStatus
from merchants import signals
from merchants.consumer_ids import consumer_ref
from merchants.models import BankTransfer, Consent, Merchant
from merchants.services import consent_give, consent_withdraw
from merchants.wallet import merchant_top_up_record
from rewards.models import SocialAction
from rewards.services import action_record
from tikjoy.tests.factories import NOW, login_rule, owner_of
from webhooks.models import EventType, WebhookEvent
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


class ChangeFailed(Exception):
    pass


@pytest.fixture
def hook(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    return httpserver


def _subscribe(merchant, hook):
    return endpoint_create(
        merchant=merchant,
        url=hook.url_for("/hook"),
        events=EventType.values,
        actor=owner_of(merchant),
        now=timezone.now(),
    )


def _received(hook, endpoint) -> list[dict]:
    """What the endpoint received, each body verified with the standard's own verifier."""
    return [
        Webhook(endpoint.secret).verify(
            r.get_data(as_text=True), {k.lower(): v for k, v in r.headers.items()}
        )
        for r, _ in hook.log
    ]


def _of_type(hook, endpoint, type_: str) -> list[dict]:
    return [p for p in _received(hook, endpoint) if p["type"] == type_]


def _fail_after(receiver_signal):
    """A receiver connected after webhooks' own: the change fails once its event is in the outbox."""

    def fail(**kwargs):
        raise ChangeFailed

    receiver_signal.connect(fail, weak=False, dispatch_uid="test-fail")
    return lambda: receiver_signal.disconnect(dispatch_uid="test-fail")


def test_topup_received_once_signed(make_merchant, ops, hook, django_capture_on_commit_callbacks):
    merchant = make_merchant("acme", ops=ops)
    endpoint = _subscribe(merchant, hook)

    with django_capture_on_commit_callbacks(execute=True):
        record, _ = merchant_top_up_record(
            merchant=merchant,
            amount=Money(Decimal("120.00"), "EUR"),
            bank_reference="BANK-77",
            value_date=date(2026, 11, 20),
            actor=ops,
            now=NOW,
        )
    with django_capture_on_commit_callbacks(execute=True):  # the same transfer again: nothing new
        merchant_top_up_record(
            merchant=merchant,
            amount=Money(Decimal("120.00"), "EUR"),
            bank_reference="BANK-77",
            value_date=date(2026, 11, 20),
            actor=ops,
            now=NOW,
        )

    (payload,) = _of_type(hook, endpoint, "topup.received")
    assert payload["data"] == {
        "id": f"top_{record.pk}",
        "currency": "EUR",
        "amount": "120.00",
        "bank_reference": "BANK-77",
        "value_date": "2026-11-20",
    }


def test_topup_rolled_back_sends_nothing(make_merchant, ops, hook, django_capture_on_commit_callbacks):
    merchant = make_merchant("acme", ops=ops)
    _subscribe(merchant, hook)
    undo = _fail_after(signals.top_up_credited)
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChangeFailed):
            merchant_top_up_record(
                merchant=merchant,
                amount=Money(Decimal("120.00"), "EUR"),
                bank_reference="BANK-78",
                value_date=date(2026, 11, 20),
                actor=ops,
                now=NOW,
            )
    finally:
        undo()
    assert not BankTransfer.objects.filter(bank_reference="BANK-78").exists()
    assert not WebhookEvent.objects.exists()
    assert hook.log == []


def test_rewards_draining_the_wallet_send_low_balance_once(
    make_merchant, make_campaign, make_consumer, ops, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="51.00", ops=ops)  # the threshold is 50.00
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.80"))], now=NOW)
    endpoint = _subscribe(merchant, hook)

    for name in ("Ana", "Ben", "Cy"):
        with django_capture_on_commit_callbacks(execute=True):
            action_record(
                user=make_consumer(name), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
            )

    (payload,) = _of_type(hook, endpoint, "wallet.low_balance")
    assert payload["data"]["threshold"] == "50.00"
    assert payload["data"]["currency"] == "EUR"
    assert Decimal(payload["data"]["balance"]) < Decimal("50.00")
    assert Merchant.objects.get(pk=merchant.pk).low_balance_alerted


def test_low_balance_rolled_back_sends_nothing_and_stays_armed(
    make_merchant, make_campaign, make_consumer, ops, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="50.50", ops=ops)
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.80"))], now=NOW)
    _subscribe(merchant, hook)
    undo = _fail_after(signals.low_balance_reached)
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChangeFailed):
            action_record(
                user=make_consumer("Ana"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
            )
    finally:
        undo()
    assert not WebhookEvent.objects.filter(type="wallet.low_balance").exists()
    assert not Merchant.objects.get(pk=merchant.pk).low_balance_alerted  # the next payment tries again
    assert _of_type_names(hook) == ["reward.created", "consumer.joined"]  # committed before the check


def _of_type_names(hook) -> list[str]:
    return [json.loads(r.get_data())["type"] for r, _ in hook.log]


def test_consent_withdrawn_once_signed(
    make_merchant, make_consumer, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme")
    endpoint = _subscribe(merchant, hook)
    ana = make_consumer("Ana")
    consent = consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(user=ana, merchant=merchant, now=NOW)

    (payload,) = _received(hook, endpoint)
    assert payload["type"] == "consent.withdrawn"
    assert payload["data"] == {
        "consumer": consumer_ref(merchant_id=merchant.pk, user_id=ana.pk),
        "consented_at": consent.given_at.isoformat(),
        "withdrawn_at": NOW.isoformat(),
    }


def test_consent_withdrawal_rolled_back_sends_nothing(
    make_merchant, make_consumer, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme")
    _subscribe(merchant, hook)
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    undo = _fail_after(signals.consent_withdrawn)
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChangeFailed):
            consent_withdraw(user=ana, merchant=merchant, now=NOW)
    finally:
        undo()
    assert Consent.objects.active().filter(user=ana, merchant=merchant).exists()
    assert not WebhookEvent.objects.exists()
    assert hook.log == []


def test_consumer_joined_once_on_the_first_sign_in(
    make_merchant, make_campaign, make_consumer, ops, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW)
    endpoint = _subscribe(merchant, hook)
    ana = make_consumer("Ana")

    for _ in range(2):  # every arrival on /b/acme/join/ records the login again: one join
        with django_capture_on_commit_callbacks(execute=True):
            action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    (payload,) = _of_type(hook, endpoint, "consumer.joined")
    assert payload["data"] == {
        "consumer": consumer_ref(merchant_id=merchant.pk, user_id=ana.pk),
        "channel": "TIKTOK_LOGIN",
        "touchpoint": None,
        "joined_at": NOW.isoformat(),
    }
    assert _of_type_names(hook) == ["reward.created", "consumer.joined"]


def _failing_events_record(monkeypatch, type_: str):
    """The engine's change fails right after this event type was put in the outbox."""
    real = rewards.services.events_record

    def record_then_fail(*, events, now, endpoints=None):
        rows = real(events=events, now=now, endpoints=endpoints)
        if any(e.type == type_ for e in events):
            raise ChangeFailed
        return rows

    monkeypatch.setattr(rewards.services, "events_record", record_then_fail)


def test_consumer_joined_rolled_back_sends_nothing(
    make_merchant, make_campaign, make_consumer, ops, hook, monkeypatch, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW)
    _subscribe(merchant, hook)
    _failing_events_record(monkeypatch, "consumer.joined")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChangeFailed):
        action_record(
            user=make_consumer("Ana"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
        )

    assert not SocialAction.objects.exists()
    assert not WebhookEvent.objects.exists()
    assert hook.log == []


def test_campaign_paused_when_its_budget_is_spent(
    make_merchant, make_campaign, make_consumer, ops, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    campaign = make_campaign(merchant, rules=[login_rule()], budget=Decimal("1.00"), now=NOW)
    endpoint = _subscribe(merchant, hook)

    for name in ("Ana", "Ben", "Cy", "Dee"):
        with django_capture_on_commit_callbacks(execute=True):
            action_record(
                user=make_consumer(name), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
            )

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    (payload,) = _of_type(hook, endpoint, "campaign.paused")
    assert payload["data"] == {
        "campaign": f"cmp_{campaign.pk}",
        "name": "Spring JoyBack",
        "reason": "BUDGET",
        "paused_at": NOW.isoformat(),
    }


def test_campaign_paused_when_the_wallet_runs_dry(
    make_merchant, make_campaign, make_consumer, ops, hook, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="1.00", ops=ops)
    campaign = make_campaign(merchant, rules=[login_rule()], now=NOW)
    endpoint = _subscribe(merchant, hook)

    for name in ("Ana", "Ben", "Cy"):
        with django_capture_on_commit_callbacks(execute=True):
            action_record(
                user=make_consumer(name), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
            )

    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, "FUNDS")
    (payload,) = _of_type(hook, endpoint, "campaign.paused")
    assert payload["data"]["reason"] == "FUNDS"


def test_campaign_pause_rolled_back_sends_nothing(
    make_merchant, make_campaign, make_consumer, ops, hook, monkeypatch, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    campaign = make_campaign(merchant, rules=[login_rule()], budget=Decimal("0.50"), now=NOW)
    _subscribe(merchant, hook)
    _failing_events_record(monkeypatch, "campaign.paused")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChangeFailed):
        action_record(
            user=make_consumer("Ana"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
        )

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE
    assert not WebhookEvent.objects.exists()
    assert hook.log == []
