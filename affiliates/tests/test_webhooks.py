"""A merchant program's conversions and commissions reach its webhook endpoints through the outbox."""

from __future__ import annotations

import pytest

from affiliates import services
from affiliates.tests.conftest import convert, day
from webhooks.models import WebhookEvent
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def test_conversion_and_commission_events_are_written_in_the_outbox(program, affiliate, click, settings, ops):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint_create(
        merchant=program.merchant,
        url="http://127.0.0.1:9/hook",
        events=[
            "conversion.accepted",
            "conversion.rejected",
            "commission.locked",
            "commission.approved",
            "commission.reversed",
            "commission.adjusted",
        ],
        description="shop",
        actor=None,
        now=day(0),
    )
    kept = convert(program, click, "o-1").commission
    gone = convert(program, click, "o-2").commission
    convert(program, None, "o-3")
    services.commission_reverse(commission_id=gone.pk, code="ORDER_ERROR", actor=ops, now=day(1))
    services.commissions_advance(now=day(30))

    events = list(WebhookEvent.objects.order_by("pk").values_list("type", "data"))
    assert [t for t, _ in events] == [
        "conversion.accepted",
        "conversion.accepted",
        "conversion.rejected",
        "commission.reversed",
        "commission.locked",
        "commission.approved",
    ]
    assert events[0][1]["commission"]["id"] == f"com_{kept.pk}"
    assert events[2][1]["reject_reason"] == "NO_CLICK"
    assert events[3][1]["reversal_code"] == "ORDER_ERROR"
    assert events[5][1]["state"] == "approved"
