"""Two payout requests at once can't both pass the yearly tax-id threshold (found in review): the year's
total is read again under the person's identity row lock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from payouts import services
from payouts.models import Payout
from payouts.tests.conftest import LATER, eur

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_payouts_without_tax_id_do_not_pass_the_yearly_threshold(make_payee, settings):
    settings.PAYOUTS_TAX_ID_ABOVE = Decimal("2000.00")
    user = make_payee("3000.00")  # verified identity, no tax id
    start = threading.Barrier(2, timeout=60)

    def request(_i):
        try:
            start.wait()
            try:
                services.payout_request(user=user, amount=eur("1500.00"), now=LATER)
            except services.PayoutError as exc:
                return str(exc)
            return "ok"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(request, range(2)))

    total = sum(p.amount for p in Payout.objects.filter(requested_by=user))
    assert results.count("ok") == 1, (results, total)
    assert total <= 2000


def test_the_tax_year_is_the_platforms_whatever_the_pages_zone(make_payee, settings):
    settings.PAYOUTS_TAX_ID_ABOVE = Decimal("2000.00")
    settings.BILLING_TIME_ZONE = "UTC"
    user = make_payee("3000.00")
    last_day = datetime(2026, 12, 31, 21, 0, tzinfo=UTC)  # already 1 January 2027 in Auckland
    with timezone.override("Pacific/Auckland"):
        services.payout_request(user=user, amount=eur("1500.00"), now=last_day)
        # Still 2026 for the tax year: the second 1,500.00 would take it to 3,000.00.
        with pytest.raises(services.IdentityError, match="tax id"):
            services.payout_request(user=user, amount=eur("1500.00"), now=last_day)
