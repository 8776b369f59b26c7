"""The database constraints' messages in the reader's language (#23): ops' forms and a model's own
validation say what is wrong in German, French, Italian or Spanish, never in the code's English."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from campaigns.models import Campaign, PlatformLimit, PricingPlan
from campaigns.tests.conftest import NOW
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(make_user):
    return make_user("lead@ops.example", is_staff=True, is_superuser=True)


def test_ops_setting_the_largest_reward_below_the_smallest_reads_the_refusal_in_german(client, lead):
    limit = PlatformLimit.objects.get(currency="EUR")  # seeded by migration 0002
    client.force_login(lead)

    response = client.post(
        f"/ops/campaigns/platformlimit/{limit.pk}/change/",
        {"currency": "EUR", "min_reward": "1.00", "max_reward": "0.50", "max_per_post": "25.00"},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    page = response_text(response)
    assert response.status_code == 200  # the form again, with the error
    assert "Die Höchstprämie darf nicht kleiner als die Mindestprämie sein." in page
    assert "be smaller than the smallest" not in page
    limit.refresh_from_db()
    assert limit.max_reward >= limit.min_reward


def test_a_second_default_pricing_plan_is_refused_in_italian(client, lead):
    assert PricingPlan.objects.filter(is_default=True).exists()  # "Standard", seeded by migration 0002
    client.force_login(lead)

    response = client.post(
        "/ops/campaigns/pricingplan/add/",
        {"name": "Premium", "user_share": "0.9000", "is_default": "on"},
        HTTP_ACCEPT_LANGUAGE="it",
    )

    page = response_text(response)
    assert "Un altro piano tariffario è già quello predefinito: può esserlo uno solo." in page
    assert "already the default" not in page
    assert not PricingPlan.objects.filter(name="Premium").exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "La campagne doit se terminer après son début."),
        ("es", "La campaña debe terminar después de su inicio."),
    ],
)
def test_a_campaign_ending_before_it_starts_is_refused_in_the_readers_language(merchant, language, message):
    campaign = Campaign(
        merchant=merchant,
        name="Summer JoyBack",
        currency="EUR",
        starts_at=NOW,
        ends_at=NOW - timedelta(days=1),
        budget=Decimal("50.00"),
    )

    with translation.override(language), pytest.raises(ValidationError) as refused:
        campaign.validate_constraints()

    assert refused.value.messages == [message]
