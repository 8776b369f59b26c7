"""What the API and the webhooks say about a conversion and its commission (one representation)."""

from __future__ import annotations

from affiliates.models import Commission, Conversion


def commission_data(commission: Commission) -> dict:
    return {
        "id": f"com_{commission.pk}",
        "conversion": f"cnv_{commission.conversion_id}",
        "state": commission.state.lower(),
        "amount": str(commission.amount),
        "currency": commission.currency,
        "lock_date": commission.lock_date.isoformat(),
        "approve_date": commission.approve_date.isoformat(),
        "reversal_code": commission.reversal_code,
    }


def conversion_data(conversion: Conversion) -> dict:
    try:
        commission = conversion.commission  # with select_related("commission") a list reads no more rows
    except Commission.DoesNotExist:
        commission = None
    return {
        "id": f"cnv_{conversion.pk}",
        "order_id": conversion.order_id,
        "event_type": conversion.event_type,
        "amount": str(conversion.amount),
        "currency": conversion.currency,
        "occurred_at": conversion.occurred_at.isoformat(),
        # superseded: a tag report set aside for the shop's own report of the order (its commission reversed)
        "status": "superseded"
        if conversion.superseded_at
        else ("accepted" if conversion.is_accepted else "rejected"),
        "reject_reason": conversion.reject_reason,
        "commission": None if commission is None else commission_data(commission),
    }
