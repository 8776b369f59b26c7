"""Ops read a currency's platform limits in their language, amounts as it writes money (#23)."""

from __future__ import annotations

import pytest

from campaigns.models import PlatformLimit
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


def test_a_currencys_limits_are_named_in_german_with_its_amounts_written_the_german_way(client, make_user):
    client.force_login(make_user("lead@ops.example", is_staff=True, is_superuser=True))
    limit = PlatformLimit.objects.get(currency="USD")  # seeded by migration 0002: 0.01, 50.00, 500.00

    page = response_text(
        client.get(f"/ops/campaigns/platformlimit/{limit.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "USD: 0,01\xa0$ bis 50,00\xa0$ pro Prämie, 500,00\xa0$ pro Beitrag" in page
    assert "per reward" not in page and "0.01 to 50.00" not in page
