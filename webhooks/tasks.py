"""django-q2 tasks of outgoing webhooks: each takes ids, reloads state, and is safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from webhooks.services import deliveries_due, delivery_attempt_first


def delivery_attempt_task(delivery_id: int) -> None:
    """Queued after the commit that wrote the event: the first attempt (held back for the minute's
    run while the endpoint is failing)."""
    delivery_attempt_first(delivery_id=delivery_id, now=timezone.now())


def deliveries_due_task() -> int:
    """Every minute (a django-q2 schedule made by the migration): the retries whose time has come."""
    return deliveries_due(now=timezone.now())
