"""django-q2 tasks of the API app (safe to run twice)."""

from __future__ import annotations

from django.utils import timezone

from api.services import idempotency_prune, rate_windows_prune


def prune() -> dict[str, int]:
    """Hourly: drop Idempotency-Key records past their 24 hours and rate-limit windows past their minute."""
    now = timezone.now()
    return {"idempotency": idempotency_prune(now=now), "rate_windows": rate_windows_prune(now=now)}
