"""Promote's coupon validity and a promotion's run in the reader's time zone (#23): the consumer's
on their Promote page and in their e-mail, the merchant's in the console; never a bare UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.services import user_locale_set
from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services
from promote.models import Coupon
from promote.tests.conftest import fund
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db

UNTIL = datetime(2026, 12, 22, 12, 0, tzinfo=UTC)  # 13:00 in Berlin and Rome, 07:00 in New York


@pytest.fixture
def brand(make_merchant):
    """Joy Coffee (Rome time) with 2,000 coins to give as coupons."""
    merchant = make_merchant("joycoffee", funds="100.00", time_zone="Europe/Rome")
    owner = merchant.memberships.get().user
    services.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=NOW)
    return merchant, owner


def _give(merchant, owner, user):
    consent_give(user=user, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    return services.coupon_issue(
        code="JOY300",
        coins_count=300,
        valid_from=NOW - timedelta(hours=1),
        valid_until=UNTIL,
        user=user,
        merchant=merchant,
        actor=owner,
        now=NOW,
    )


def test_the_consumer_reads_a_coupons_validity_in_their_time_zone(brand, make_user, client):
    merchant, owner = brand
    ana = make_user("ana@example.com")
    user_locale_set(user=ana, time_zone="America/New_York")
    _give(merchant, owner, ana)
    client.force_login(ana)

    page = client.get(reverse("promote:home")).content.decode()

    assert "valid until 22 Dec 2026, 07:00 New York (Eastern Time)" in page
    assert "12:00" not in page and "UTC" not in page


def test_below_purchases_listed_in_utc_a_coupons_validity_names_its_own_zone(brand, make_user, client):
    """The coin purchases are in UTC and say so; the coupon just below is in the reader's zone and says
    which: never a bare time after a table in another zone (tester, #23)."""
    merchant, owner = brand
    lena = make_user("lena@example.com")
    user_locale_set(user=lena, language="de", time_zone="Europe/Berlin")
    _give(merchant, owner, lena)
    fund(lena, "5.00")
    services.coins_buy_from_wallet(holder=lena, coins_count=100, currency="EUR", actor=lena, now=NOW)
    client.force_login(lena)

    page = client.get(reverse("promote:home")).content.decode()

    assert "Datum (UTC)" in page
    assert "gültig bis 22.12.2026 um 13:00 Uhr Berlin (Mitteleuropäische Zeit)" in page


def test_a_consumer_whose_zone_is_unknown_is_told_the_time_is_utc(brand, make_user, client):
    merchant, owner = brand
    ana = make_user("ana@example.com")
    _give(merchant, owner, ana)
    client.force_login(ana)

    page = client.get(reverse("promote:home")).content.decode()

    assert "valid until 22 Dec 2026, 12:00 UTC" in page


def test_the_console_shows_a_coupons_validity_in_the_merchants_time_zone(brand, make_user, client):
    merchant, owner = brand
    ana = make_user("ana@example.com")
    user_locale_set(user=ana, time_zone="America/New_York")  # the consumer's zone is not the console's
    user_locale_set(user=owner, time_zone="Asia/Tokyo")  # nor the owner's own: the merchant's
    _give(merchant, owner, ana)
    client.force_login(owner)

    page = client.get(reverse("console:promote_coupons")).content.decode()

    assert "22 Nov 2026, 12:00 to 22 Dec 2026, 13:00" in page  # from 11:00 UTC, until 12:00 UTC
    assert "In your brand&#x27;s time zone, Rome (Central European Time)." in page
    german = client.get(reverse("console:promote_coupons"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "In der Zeitzone Ihrer Marke, Rom (Mitteleuropäische Zeit)." in german


def test_a_coupon_typed_in_the_console_is_read_in_the_merchants_time_zone(brand, make_user, client):
    merchant, owner = brand
    ana = make_user("ana@example.com")
    consent_give(user=ana, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    client.force_login(owner)

    answer = client.post(
        reverse("console:promote_coupons"),
        {
            "action": "issue",
            "consumer": consumer_ref(merchant_id=merchant.pk, user_id=ana.pk),
            "coins": "250",
            "valid_from": "2026-11-01 00:00",
            "valid_until": "2030-12-31 00:00",
            "kind": "",
            "code": "ROME1",
        },
    )

    assert answer.status_code == 302
    coupon = Coupon.objects.get(code="ROME1")
    assert coupon.valid_until == datetime(2030, 12, 30, 23, 0, tzinfo=UTC)  # midnight in Rome


def test_the_coupon_email_gives_the_time_in_the_persons_zone_and_names_it(
    brand, make_user, django_capture_on_commit_callbacks
):
    merchant, owner = brand
    lena = make_user("lena@example.com")
    user_locale_set(user=lena, language="de", time_zone="Europe/Berlin")

    with django_capture_on_commit_callbacks(execute=True):
        _give(merchant, owner, lena)

    (sent,) = [m for m in mail.outbox if m.to == ["lena@example.com"]]
    assert "gültig bis 22. Dezember 2026 um 13:00 Uhr Berlin (Mitteleuropäische Zeit)." in sent.body
