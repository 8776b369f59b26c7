"""The demo merchant that ``manage.py seed_demo`` loads. Idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from moneyed import Money

from accounts.models import User
from merchants import services
from merchants.models import Merchant, TouchpointKind
from merchants.roles import Role
from merchants.wallet import merchant_top_up_record

DEMO_SLUG = "joycoffee"
DEMO_TOP_UP_REFERENCE = "DEMO-TOPUP-0001"
# The billing address as the console's form takes it: the street lines, then postcode and city in
# their fields; the country is the merchant's country (invoices print each once).
DEMO_BILLING_ADDRESS = {
    "billing_address": "Torstrasse 1",
    "billing_postcode": "10119",
    "billing_city": "Berlin",
}
# What an earlier seed_demo wrote: all in the street lines, the country's name included.
_EARLIER_BILLING_ADDRESS = "Torstrasse 1\n10119 Berlin\nGermany"
# The wallet's first top-up came before every movement the demo dates in the past: last month's
# (``billing.demo``, at most 61 days back) and the affiliate program's budget (``affiliates.demo``,
# 61 days back). Each top-up e-mail states the balance after it, counted in the ledger's time order
# as its receipt does: it is right only if nothing dated earlier is posted after it.
DEMO_FUNDED_BEFORE = timedelta(days=62)


def demo_merchant_ensure(*, owner: User, manager: User, ops: User, now: datetime | None = None) -> Merchant:
    """Joy Coffee: a store and a website, an owner and a manager, a wallet funded by one top-up,
    received before anything else the demo posts on it (``DEMO_FUNDED_BEFORE``): the wallet's
    history is over by ``now``, and it was posted in time order."""
    now = now or timezone.now()
    funded_at = now - DEMO_FUNDED_BEFORE
    merchant = Merchant.objects.filter(slug=DEMO_SLUG).first()
    if merchant is None:
        merchant = services.merchant_create(
            actor=owner,
            brand_name="Joy Coffee",
            slug=DEMO_SLUG,
            country="DE",
            currency="EUR",
            legal_name="Joy Coffee GmbH",
            vat_number="DE136695976",
            billing_address=DEMO_BILLING_ADDRESS["billing_address"],
            contact_email="hello@joycoffee.example",
        )
    street = (_EARLIER_BILLING_ADDRESS, DEMO_BILLING_ADDRESS["billing_address"])
    if merchant.billing_address in street and not merchant.billing_postcode:  # new, or seeded before
        merchant = services.merchant_update(
            merchant=merchant, actor=owner, changes=dict(DEMO_BILLING_ADDRESS)
        )
    services.membership_ensure(merchant=merchant, user=owner, role=Role.OWNER)
    services.membership_ensure(merchant=merchant, user=manager, role=Role.MANAGER)
    kinds = set(merchant.touchpoints.values_list("kind", flat=True))
    if TouchpointKind.RETAIL_STORE not in kinds:
        services.touchpoint_create(
            merchant=merchant,
            actor=owner,
            kind=TouchpointKind.RETAIL_STORE,
            name="Joy Coffee Mitte",
            address="Torstrasse 1, 10119 Berlin",
        )
    if TouchpointKind.WEBSITE not in kinds:
        services.touchpoint_create(
            merchant=merchant,
            actor=owner,
            kind=TouchpointKind.WEBSITE,
            name="joycoffee.example",
            url="https://joycoffee.example",
        )
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("500.00"), "EUR"),
        bank_reference=DEMO_TOP_UP_REFERENCE,
        value_date=funded_at.date(),
        actor=ops,
        now=funded_at,
    )
    return merchant
