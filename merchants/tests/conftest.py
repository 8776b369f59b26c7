from __future__ import annotations

import pytest

from accounts.services import user_ensure_with_email
from merchants import services
from merchants.models import Membership, Merchant
from merchants.roles import Role

PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def make_user(db):
    def make(email: str):
        user, _ = user_ensure_with_email(email=email, password=PASSWORD)
        return user

    return make


@pytest.fixture
def make_merchant(db, make_user):
    """``make_merchant("acme")``: a merchant whose owner is owner@acme.example."""

    def make(slug: str, *, owner=None, **fields) -> Merchant:
        owner = owner or make_user(f"owner@{slug}.example")
        values = {
            "brand_name": slug.title(),
            "country": "DE",
            "legal_name": f"{slug.title()} GmbH",
            "billing_address": "Hauptstrasse 1, 10115 Berlin",
            "contact_email": f"hello@{slug}.example",
        }
        values.update(fields)
        return services.merchant_create(actor=owner, slug=slug, **values)

    return make


@pytest.fixture
def add_member(db, make_user):
    def add(merchant: Merchant, email: str, role: str = Role.MANAGER):
        user = make_user(email)
        Membership.objects.create(merchant=merchant, user=user, role=role)
        return user

    return add


def owner_of(merchant: Merchant):
    return merchant.memberships.get(role=Role.OWNER).user
