"""A purchase soon after another one on the same coin wallet (the back button, a second tab) is
made only once the person confirms it (services.RepeatPurchase, issue #23)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from moneyed import Money

from promote import services
from promote.models import CoinPurchase
from promote.tests.conftest import assert_books_clean, available, coins_of, fund
from promote.tests.test_concurrency import run_together
from tikjoy.tests.factories import NOW, PASSWORD

pytestmark = pytest.mark.django_db


def buy(holder, *, now, actor=None, coins_count=200, **kwargs):
    return services.coins_buy_from_wallet(
        holder=holder,
        coins_count=coins_count,
        currency="EUR",
        actor=actor or holder,
        now=now,
        request_key=uuid.uuid4(),
        **kwargs,
    )


def test_a_second_purchase_within_ten_minutes_is_made_only_once_confirmed(make_consumer):
    ivy = make_consumer("Ivy")
    fund(ivy, "10.00")
    first = buy(ivy, now=NOW)

    with pytest.raises(services.RepeatPurchase) as refused:
        buy(ivy, now=NOW + timedelta(minutes=3))

    assert refused.value.earlier == first
    assert str(refused.value) == (
        "200 coins were bought for €1.98 at 12:00 UTC, 3 minutes ago: confirm to buy again."
    )
    assert coins_of(ivy) == 200
    assert available(ivy) == Money("8.02", "EUR")

    buy(ivy, now=NOW + timedelta(minutes=3), repeat_confirmed=True)

    assert coins_of(ivy) == 400
    assert available(ivy) == Money("6.04", "EUR")
    assert CoinPurchase.objects.filter(wallet__user=ivy).count() == 2
    assert_books_clean()


def test_a_purchase_ten_minutes_after_the_last_needs_no_confirmation(make_consumer):
    ivy = make_consumer("Ivy")
    fund(ivy, "10.00")
    buy(ivy, now=NOW)

    buy(ivy, now=NOW + services.REPEAT_PURCHASE_WINDOW)

    assert coins_of(ivy) == 400
    assert_books_clean()


def test_another_holders_purchase_asks_nothing(make_consumer):
    ivy, sam = make_consumer("Ivy"), make_consumer("Sam")
    fund(ivy, "10.00")
    fund(sam, "10.00")
    buy(ivy, now=NOW)

    buy(sam, now=NOW + timedelta(minutes=1))

    assert coins_of(sam) == 200


@pytest.mark.django_db(transaction=True)
def test_two_tabs_buying_at_once_buy_once_and_the_other_is_asked(make_consumer):
    sam = make_consumer("Sam")
    fund(sam, "20.00")

    outcomes = run_together([lambda: buy(sam, now=NOW).pk, lambda: buy(sam, now=NOW).pk])

    assert sorted(o == "RepeatPurchase" for o in outcomes) == [False, True], outcomes
    assert coins_of(sam) == 200
    assert available(sam) == Money("18.02", "EUR")
    assert_books_clean()


def _key(page: str) -> str:
    return re.search(r'name="request_key" value="([0-9a-f-]{36})"', page).group(1)


def test_the_back_button_asks_before_buying_again_in_the_readers_language_and_zone(client, make_consumer):
    ivy = make_consumer("Ivy")
    ivy.language, ivy.time_zone = "it", "Europe/Rome"
    ivy.save(update_fields=["language", "time_zone"])
    fund(ivy, "10.00")
    client.force_login(ivy)
    fields = {"action": "buy", "coins": "200", "currency": "EUR", "birth_date": "1990-05-01"}
    first_form = client.get(reverse("promote:home")).content.decode()
    page = client.post(reverse("promote:home"), fields | {"request_key": _key(first_form)}, follow=True)
    assert "200 monete acquistate per 1,98\u00a0€." in page.content.decode()
    bought_at = timezone.localtime(CoinPurchase.objects.get().created_at, ZoneInfo("Europe/Rome"))

    # Back: the page is reloaded with a new key, the count typed again.
    again = _key(client.get(reverse("promote:home")).content.decode())
    fields.pop("birth_date")  # asked no more
    page = client.post(reverse("promote:home"), fields | {"request_key": again}).content.decode()

    assert (
        f"Hai acquistato 200 monete per 1,98\u00a0€ alle {bought_at:%H:%M} Roma (Ora dell\u2019Europa centrale), "
        "meno di un minuto fa. Vuoi acquistare altre 200 monete?"
    ) in page
    assert _key(page) == again  # the confirmation buys with the same key
    assert 'data-testid="buy-again"' in page
    assert coins_of(ivy) == 200

    confirm = fields | {"request_key": again, "repeat_confirmed": "yes"}
    page = client.post(reverse("promote:home"), confirm, follow=True).content.decode()
    client.post(reverse("promote:home"), confirm, follow=True)  # a double click on the confirmation

    assert "200 monete acquistate per 1,98\u00a0€." in page
    assert coins_of(ivy) == 400
    assert available(ivy) == Money("6.04", "EUR")
    assert_books_clean()


def test_the_console_asks_before_buying_again(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    client.login(email=joy.created_by.email, password=PASSWORD)
    fields = {"action": "buy", "coins": "1000", "currency": "EUR"}
    client.post(reverse("console:promote"), fields | {"request_key": str(uuid.uuid4())})

    key = str(uuid.uuid4())
    page = client.post(reverse("console:promote"), fields | {"request_key": key}).content.decode()

    assert "1,000 coins were bought for €9.90 at " in page
    assert ", less than a minute ago. Buy another 1,000 coins?" in page
    assert _key(page) == key
    assert coins_of(joy) == 1000

    page = client.post(
        reverse("console:promote"), fields | {"request_key": key, "repeat_confirmed": "yes"}, follow=True
    ).content.decode()

    assert "1,000 coins bought for €9.90." in page
    assert coins_of(joy) == 2000
    assert_books_clean()
