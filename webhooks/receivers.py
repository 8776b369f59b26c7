"""Merchants' changes that merchants' servers hear about (``merchants.signals``), put in the outbox.

``merchants`` sits below this app and sends its signals inside the transaction that made the
change, so each event here is written in that same transaction: a rolled-back top-up, alert or
withdrawal writes and sends nothing. Connected in ``WebhooksConfig.ready``.
"""

from __future__ import annotations

from django.utils import timezone

from merchants import signals
from webhooks.models import EventType
from webhooks.payloads import consent_withdrawn_payload, low_balance_payload, topup_payload
from webhooks.services import event_record


def on_top_up_credited(sender, *, merchant, record, amount, now, **kwargs) -> None:
    event_record(merchant_id=merchant.pk, type=EventType.TOPUP_RECEIVED, data=topup_payload(record), now=now)


def on_low_balance_reached(sender, *, merchant, balance, threshold, now=None, **kwargs) -> None:
    event_record(
        merchant_id=merchant.pk,
        type=EventType.WALLET_LOW_BALANCE,
        data=low_balance_payload(balance=balance, threshold=threshold),
        now=now or timezone.now(),
    )


def on_consent_withdrawn(sender, *, consent, merchant, user, now, **kwargs) -> None:
    event_record(
        merchant_id=merchant.pk,
        type=EventType.CONSENT_WITHDRAWN,
        data=consent_withdrawn_payload(consent),
        now=now,
    )


def connect() -> None:
    signals.top_up_credited.connect(on_top_up_credited, dispatch_uid="webhooks.topup_received")
    signals.low_balance_reached.connect(on_low_balance_reached, dispatch_uid="webhooks.wallet_low_balance")
    signals.consent_withdrawn.connect(on_consent_withdrawn, dispatch_uid="webhooks.consent_withdrawn")
