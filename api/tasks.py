"""django-q2 tasks of the API app (safe to run twice)."""

from __future__ import annotations

from django.utils import timezone

from api.services import idempotency_prune, rate_windows_prune, widget_passes_prune


def prune() -> dict[str, int]:
    """Hourly: drop Idempotency-Key records past their 24 hours, rate-limit windows past their minute
    and widget passes past the minutes they can be collected in."""
    now = timezone.now()
    return {
        "idempotency": idempotency_prune(now=now),
        "rate_windows": rate_windows_prune(now=now),
        "widget_passes": widget_passes_prune(now=now),
    }
