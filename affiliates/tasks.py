"""Scheduled and queued work of the affiliates app (django-q2); each reloads state and is safe to run twice.

Schedule (migration 0002): ``commissions_advance_daily`` once a day locks, approves and marks
paid the commissions that are due. ``click_write`` records a click after ``/r/<code>`` answered.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from affiliates import services


def commissions_advance_daily() -> dict[str, int]:
    return services.commissions_advance(now=timezone.now())


def click_write(*, link_id: int, click_id: str, visitor: str, user_agent: str, bot: bool, at: str) -> None:
    services.click_record(
        link_id=link_id,
        click_id=click_id,
        visitor=visitor,
        user_agent=user_agent,
        bot=bot,
        at=datetime.fromisoformat(at),
    )


def platform_conversion_record(merchant_id: int) -> None:
    services.platform_conversion_record(merchant_id=merchant_id, now=timezone.now())
