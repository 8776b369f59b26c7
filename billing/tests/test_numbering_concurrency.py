"""Gapless numbering on PostgreSQL with real threads: 50 finalisations at once, 10 of them refused."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import DocumentCounter, DocumentKind, Invoice, InvoiceStatus
from billing.months import Month
from billing.selectors import billing_period
from billing.services import invoice_finalise
from billing.tests.conftest import merchant_new, utc
from billing.validation import InvoiceInvalid
from merchants.models import Merchant

NOW = utc(2026, 11, 1, 3)


def _drafts(merchant: Merchant, count: int, first_year: int) -> list[int]:
    ids = []
    for n in range(count):
        year, month = first_year + n // 12, n % 12 + 1
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        # the merchant's billing period of the month (what finalising checks a draft against)
        period = billing_period(merchant=merchant, currency="EUR", month=Month.of(start))
        invoice = Invoice.objects.create(
            kind=DocumentKind.INVOICE,
            merchant=merchant,
            currency="EUR",
            month=start,
            period_start=start,
            period_end=date.fromordinal(end.toordinal() - 1),
            period_starts_at=period.start,
            period_ends_at=period.end,
            period_time_zone=period.zone,
            description="TikJoy service fee",
            gross_amount=Decimal("12.00"),
            net_amount=Decimal("10.00"),
            vat_amount=Decimal("2.00"),
            vat_category="S",
            vat_rate=Decimal("20.00"),
            vat_note="VAT",
            seller={},
            buyer={},
            created_at=NOW,
        )
        ids.append(invoice.pk)
    return ids


@pytest.fixture
def pool_for_fifty_threads():
    """One connection per thread: finalisations queue on the counter's row lock, not on the pool."""
    options = connection.settings_dict["OPTIONS"].get("pool")
    if not isinstance(options, dict):
        yield
        return
    saved = dict(options)
    connection.close_pool()
    options.update(max_size=55, timeout=120)
    yield
    connection.close_pool()
    options.clear()
    options.update(saved)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("pool_for_fifty_threads")
def test_fifty_concurrent_finalisations_with_forced_rollbacks_give_consecutive_numbers():
    good = merchant_new("good", country="FR")
    broken = merchant_new("broken", country="FR")
    Merchant.objects.filter(pk=broken.pk).update(country="XX")  # its invoices break EN 16931: rolled back
    ids = _drafts(good, 40, 2020) + _drafts(broken, 10, 2020)
    outcomes: dict[int, str] = {}
    barrier = threading.Barrier(len(ids), timeout=60)

    def finalise(invoice_id: int) -> None:
        try:
            barrier.wait()
            invoice_finalise(invoice_id=invoice_id, actor=None, now=NOW)
            outcomes[invoice_id] = "finalised"
        except InvoiceInvalid:
            outcomes[invoice_id] = "refused"
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcomes[invoice_id] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalise, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["finalised"] * 40 + ["refused"] * 10
    finalised = Invoice.objects.filter(status=InvoiceStatus.FINALISED)
    assert sorted(finalised.values_list("sequence", flat=True)) == list(range(1, 41))  # no gap, no duplicate
    assert set(finalised.values_list("merchant_id", flat=True)) == {good.pk}
    assert sorted(finalised.values_list("number", flat=True))[-1] == "INV-2026-000040"
    assert not Invoice.objects.filter(merchant=broken).exclude(status=InvoiceStatus.DRAFT, number="").exists()
    assert DocumentCounter.objects.get(series="INV-2026").last_value == 40
