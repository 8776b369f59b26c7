"""Scheduled tasks (django-q2; the schedule is created by migration 0002). Safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from promote import services


def deliver_and_settle() -> tuple[int, int]:
    """Every 5 minutes: launch approved orders at the provider, record the hours delivered, complete ended orders, settle them, return
    the coins of merchant coupons that expired unused (the unspent coins are back within 15 minutes of an order's end)."""
    services.orders_launch()
    now = timezone.now()
    ticks = services.deliveries_tick(now=now)
    services.coupons_expire(now=now)
    return ticks, services.orders_settle_due(now=now)
