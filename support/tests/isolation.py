"""A support request for ``merchants/tests/test_tenant_isolation.py``: the owner asked about their brand."""

from __future__ import annotations

from django.utils import timezone

from support.models import SupportRequest
from support.services import Context, support_request_create


def populate_support(*, merchant, owner, label: str) -> SupportRequest:
    return support_request_create(
        user=owner,
        email="",
        topic="MERCHANT",
        subject=f"{label} Secret support request",
        body=f"{label} Secret question about our campaign",
        context=Context(page="/console/", merchant=merchant),
        submission_key=f"isolation-{label}",
        language="en",
        now=timezone.now(),
    )
