"""An affiliate program with an affiliate, a link, a click and a commission, for the tenant-isolation and
hostile-input walks (``merchants/tests/test_tenant_isolation.py``)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from affiliates import services
from tikjoy.tests.factories import UserFactory


def populate_affiliates(*, merchant, owner, label: str, domain: str) -> None:
    now = timezone.now()
    program = services.program_create(
        merchant=merchant,
        name=f"{label} Secret partners",
        domains=[domain],
        now=now,
        terms=f"{label} Secret terms",
    )
    person = UserFactory(email=f"partner@{domain}")
    affiliate = services.affiliate_apply(
        program=program,
        user=person,
        website=f"https://{domain}/blog",
        promotion_plan=f"{label} Secret plan",
        now=now,
    )
    affiliate = services.affiliate_decide(
        affiliate_id=affiliate.pk, status="APPROVED", reason="", actor=owner, now=now
    )
    link = services.link_create(
        affiliate=affiliate, destination=f"https://{domain}/shop", sub_id=label.lower(), now=now
    )
    click = services.click_record(
        link_id=link.pk,
        click_id=services.new_click_id(),
        visitor=label,
        user_agent="Mozilla/5.0",
        bot=False,
        at=now,
    )
    services.conversion_record(
        program=program,
        order_id=f"{label.upper()}-REF-ORDER",
        event_type="sale",
        amount=Decimal("10.00"),
        currency=program.currency,
        occurred_at=now,
        now=now,
        click_id=click.click_id,
    )
    # A sale the thank-you-page tag reported: held until the merchant confirms it.
    tag_click = services.click_record(
        link_id=link.pk,
        click_id=services.new_click_id(),
        visitor=f"{label}-shopper",
        user_agent="Mozilla/5.0",
        bot=False,
        at=now,
    )
    services.tag_conversion_record(
        program=program,
        click_id=tag_click.click_id,
        order_id=f"{label.upper()}-TAG-ORDER",
        event_type="sale",
        amount=Decimal("12.00"),
        now=now,
    )
