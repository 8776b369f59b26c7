"""Scheduled and queued work of the affiliates app (django-q2); each reloads state and is safe to run twice.

Schedule (migration 0002): ``commissions_advance_daily`` once a day locks, approves and marks
paid the commissions that are due. ``platform_conversion_record`` records TikJoy's program's conversion
after a referred merchant's top-up (queued by ``affiliates.receivers``).
"""

from __future__ import annotations

from django.utils import timezone

from affiliates import services


def commissions_advance_daily() -> dict[str, int]:
    return services.commissions_advance(now=timezone.now())


def platform_conversion_record(merchant_id: int) -> None:
    services.platform_conversion_record(merchant_id=merchant_id, now=timezone.now())
