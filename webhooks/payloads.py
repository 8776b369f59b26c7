"""What an event says about the object it reports: the same representation the API returns.

Duck-typed on the engine's ``Reward`` (this app sits below ``rewards`` and can't import it).
"""

from __future__ import annotations

from merchants.consumer_ids import consumer_ref


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def reward_payload(reward, *, action_type: str) -> dict:
    """A reward as ``GET /api/v1/rewards/{id}`` shows it."""
    return {
        "id": f"rwd_{reward.pk}",
        "campaign": f"cmp_{reward.campaign_id}",
        "action_type": action_type,
        "kind": reward.kind,
        "status": reward.status,
        "currency": reward.currency,
        "amount": str(reward.merchant_price),
        "reason": reward.reason,
        "created_at": _iso(reward.created_at),
        "available_at": _iso(reward.available_at),
        "decided_at": _iso(reward.decided_at),
    }


def consumer_joined_payload(
    *, merchant_id: int, user_id: int, channel: str, touchpoint: str | None, joined_at
) -> dict:
    """A person joined the brand: their id as this merchant knows them (``merchants.consumer_ids``;
    ``GET /api/v1/consumers`` shows what they share), no personal data."""
    return {
        "consumer": consumer_ref(merchant_id=merchant_id, user_id=user_id),
        "channel": channel,
        "touchpoint": touchpoint,
        "joined_at": _iso(joined_at),
    }


def consent_withdrawn_payload(consent) -> dict:
    """The merchant must stop using what this person shared (``consent`` is a ``merchants.Consent``)."""
    return {
        "consumer": consumer_ref(merchant_id=consent.merchant_id, user_id=consent.user_id),
        "consented_at": _iso(consent.given_at),
        "withdrawn_at": _iso(consent.withdrawn_at),
    }


def campaign_paused_payload(*, campaign_id: int, name: str, reason: str, paused_at) -> dict:
    return {"campaign": f"cmp_{campaign_id}", "name": name, "reason": reason, "paused_at": _iso(paused_at)}


def low_balance_payload(*, balance, threshold) -> dict:
    """``balance`` is a ``Money``; ``threshold`` a ``Decimal`` in the same currency."""
    return {"currency": str(balance.currency), "balance": str(balance.amount), "threshold": str(threshold)}


def topup_payload(record) -> dict:
    """A credited bank transfer (``merchants.BankTransfer``); ``GET /api/v1/wallet`` has the balance."""
    return {
        "id": f"top_{record.pk}",
        "currency": record.currency,
        "amount": str(record.amount),
        "bank_reference": record.bank_reference,
        "value_date": record.value_date.isoformat(),
    }
