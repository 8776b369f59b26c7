"""Scheduled and queued work of the affiliates app (django-q2); each reloads state and is safe to run twice.

Schedule (migration 0002): ``commissions_advance_daily`` once a day locks, approves and marks
paid the commissions that are due. ``platform_conversion_record`` records TikJoy's program's conversion
after a referred merchant's top-up (queued by ``affiliates.receivers``). ``commissions_follow_payouts``
marks the commissions paid, or approved again, once payouts' import of a bank file commits (queued by
payouts for the tasks ``tikjoy.commissions_paid`` registers with it).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from affiliates import services


def commissions_advance_daily() -> dict[str, int]:
    return services.commissions_advance(now=timezone.now())


def platform_conversion_record(merchant_id: int) -> None:
    services.platform_conversion_record(merchant_id=merchant_id, now=timezone.now())


def commissions_follow_payouts(*, user_ids: list[int], currency: str, at: str) -> int:
    """``at``: the import's time (ISO 8601), the commissions' ``paid_at`` and their events' time."""
    return services.commissions_follow_payouts(
        user_ids=user_ids, currency=currency, now=datetime.fromisoformat(at)
    )
