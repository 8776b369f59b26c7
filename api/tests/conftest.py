from __future__ import annotations

from functools import cached_property

import pytest
from django.db.models import Q
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiKey, KeyKind, Scope
from api.services import api_key_create, key_hash
from billing.months import Month
from billing.services import billing_run
from billing.tests.conftest import margin_confirmed, utc
from campaigns.models import ActionType
from merchants.models import ConsentField
from merchants.services import consent_give
from rewards.services import action_record
from tikjoy.tests.factories import NOW, login_rule, owner_of


@pytest.fixture
def make_key():
    """``make_key(merchant, scope="write")``: the full key, as the console shows it once."""

    def make(merchant, *, scope=Scope.WRITE, kind=KeyKind.SECRET, expires_at=None, name="server"):
        return api_key_create(
            merchant=merchant,
            name=name,
            kind=kind,
            scope=scope,
            expires_at=expires_at,
            actor=owner_of(merchant),
            now=timezone.now(),
        )[1]

    return make


class KeyClient(APIClient):
    """An API client for one key; ``key_merchant_id``: whose consumer ids (con_...) it speaks in, read
    when first asked (a client made in a test's thread reads nothing before the test's own requests)."""

    raw_key = ""

    @cached_property
    def key_merchant_id(self) -> int | None:
        return (
            ApiKey.objects.filter(Q(key_hash=key_hash(self.raw_key)) | Q(publishable_key=self.raw_key))
            .values_list("merchant_id", flat=True)
            .first()
        )


@pytest.fixture
def api():
    """``api(key)``: a client that sends ``Authorization: Bearer <key>``."""

    def make(key: str | None = None) -> APIClient:
        client = KeyClient()
        if key:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
            client.raw_key = key
        return client

    return make


@pytest.fixture
def brand(make_merchant, make_campaign, make_consumer, ops):
    """A funded merchant with a live campaign, a consumer's rewarded login and their consent (name only)."""

    def make(slug: str = "acme", fan_name: str = "Ana Fan"):
        merchant = make_merchant(slug, funds="100.00", ops=ops)
        campaign = make_campaign(merchant, rules=[login_rule()], now=NOW, name=f"{slug.title()} Spring")
        fan = make_consumer(fan_name)
        fan.email = f"{fan_name.split()[0].lower()}@fans.example"
        fan.save(update_fields=["email"])
        action_record(user=fan, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
        consent_give(user=fan, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
        return {"merchant": merchant, "campaign": campaign, "fan": fan, "reward": merchant.rewards.get()}

    return make


@pytest.fixture
def billed():
    """``billed(merchant)``: November's statement and a finalised service-fee invoice, by the monthly run."""

    def make(merchant):
        margin_confirmed(merchant, "2.00", at=utc(2026, 11, 23), key=f"api-margin:{merchant.pk}")
        billing_run(month=Month(2026, 11), now=utc(2026, 12, 1, 3))
        return {"statement": merchant.statements.get(), "invoice": merchant.invoices.get()}

    return make
