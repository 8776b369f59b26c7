"""What an event says about the object it reports: the same representation the API returns.

Duck-typed on the engine's ``Reward`` (this app sits below ``rewards`` and can't import it).
"""

from __future__ import annotations


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
