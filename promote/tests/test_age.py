"""Promote is for people 18 or older: someone younger is told at once, plainly, and sold no coins."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.urls import reverse
from moneyed import Money

from promote import services
from promote.models import CoinPurchase, CoinWallet
from promote.tests.conftest import available, coins_of, fund
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db

UNDER_AGE = {
    "fr": "Promote est réservé aux personnes de 18 ans ou plus\u00a0: vous ne pouvez ni acheter de coins "
    "ni promouvoir une publication.",
    "de": "Promote ist für Personen ab 18 Jahren: Du kannst keine Coins kaufen und keinen Beitrag bewerben.",
}
THANKS = {"fr": "Merci\u00a0: votre date de naissance est enregistrée.", "de": "Danke"}
WRONG = {
    "fr": "Si votre date de naissance est erronée, contactez le support\u00a0: elle ne peut pas être modifiée ici.",
    "de": "Wenn dein Geburtsdatum falsch ist, kontaktiere den Support: Hier lässt es sich nicht ändern.",
}


@pytest.fixture
def buyer(make_consumer):
    """A consumer who bought 500 coins and has not said their birth date yet."""
    user = make_consumer("Zoé")
    fund(user, "10.00")
    services.coins_buy_from_wallet(holder=user, coins_count=500, currency="EUR", actor=user, now=NOW)
    return user


@pytest.mark.parametrize("language", ["fr", "de"])
def test_someone_under_18_is_told_at_once_and_offered_no_coins(client, buyer, language):
    client.force_login(buyer)

    page = client.post(
        reverse("promote:home"),
        {"action": "birth_date", "birth_date": "2012-03-04", "birth_date_confirmed": "2012-03-04"},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    ).content.decode()

    assert page.count(UNDER_AGE[language]) == 2  # the message, and the notice where coins were sold
    assert THANKS[language] not in page
    assert WRONG[language] in page
    assert 'data-testid="buy-wallet"' not in page
    assert 'name="action" value="withdraw"' in page  # the coins held can still be turned back into money
    assert 'data-testid="promote-new"' not in page


def test_the_order_form_tells_someone_under_18_why_and_sells_no_coins(client, buyer):
    services.birth_date_declare(user=buyer, birth_date=date(2012, 3, 4), now=NOW)
    client.force_login(buyer)

    page = client.get(reverse("promote:order_new"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert UNDER_AGE["de"] in page
    assert "Coins kaufen</a>" not in page
    # QA: every field and "See the estimate" were still there under the refusal
    assert 'data-testid="estimate-button"' not in page and 'name="budget_coins"' not in page


@pytest.mark.parametrize("action", ["birth_date", "buy"])
def test_a_date_that_makes_someone_under_18_is_asked_about_before_it_is_saved_for_good(client, buyer, action):
    """A slip of the year (2012 for 2002) would shut an adult out of Promote until support answers:
    the date is asked about once, nothing is saved, and a corrected date goes through at once."""
    client.force_login(buyer)
    fields = {"action": action, "birth_date": "2012-03-04"}
    if action == "buy":
        CoinWallet.objects.filter(user=buyer).update(birth_date=None)
        fields.update(coins="100", currency="EUR")

    asked = client.post(reverse("promote:home"), fields)
    page = html.unescape(asked.content.decode())
    corrected = client.post(reverse("promote:home"), {**fields, "birth_date": "2002-03-04"}, follow=True)

    assert asked.status_code == 200
    assert "By this date you are " in page and "a saved birth date can't be changed" in page
    assert 'name="birth_date_confirmed" value="2012-03-04"' in page  # sent again as it is: the answer
    assert corrected.status_code == 200
    assert CoinWallet.objects.get(user=buyer).birth_date == date(2002, 3, 4)
    assert not services.under_age(wallet=CoinWallet.objects.get(user=buyer), today=NOW.date())


def test_the_question_is_in_the_persons_language(client, buyer):
    client.force_login(buyer)

    page = client.post(
        reverse("promote:home"),
        {"action": "birth_date", "birth_date": "2012-03-04"},
        HTTP_ACCEPT_LANGUAGE="de",
    ).content.decode()

    assert "Nach diesem Datum bist du " in page and CoinWallet.objects.get(user=buyer).birth_date is None


def test_coins_are_not_sold_to_someone_under_18(client, buyer):
    services.birth_date_declare(user=buyer, birth_date=date(2012, 3, 4), now=NOW)
    client.force_login(buyer)

    page = client.post(
        reverse("promote:home"),
        {"action": "buy", "coins": "100", "currency": "EUR"},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    ).content.decode()

    assert UNDER_AGE["fr"] in page
    assert coins_of(buyer) == 500
    with pytest.raises(services.PromoteError, match="18 or older"):
        services.card_checkout_start(
            holder=buyer,
            coins_count=100,
            currency="EUR",
            actor=buyer,
            success_url="http://testserver/promote/?paid=1",
            cancel_url="http://testserver/promote/",
            now=NOW,
        )


def test_an_adult_is_thanked_and_still_sold_coins(client, buyer):
    client.force_login(buyer)

    page = client.post(
        reverse("promote:home"),
        {"action": "birth_date", "birth_date": "1990-03-04"},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    ).content.decode()

    assert THANKS["fr"] in page
    assert 'data-testid="buy-wallet"' in page
    assert 'data-testid="under-age"' not in page


def test_a_birth_date_is_declared_once_and_a_wrong_one_is_supports(client, buyer):
    services.birth_date_declare(user=buyer, birth_date=date(2012, 3, 4), now=NOW)
    client.force_login(buyer)

    page = client.post(
        reverse("promote:home"),
        {"action": "birth_date", "birth_date": "1990-03-04"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    ).content.decode()

    assert "Dein Geburtsdatum ist bereits gespeichert. " + WRONG["de"] in page
    assert services.under_age(wallet=CoinWallet.objects.get(user=buyer), today=NOW.date())


def test_nothing_is_sold_before_the_age_is_known_and_a_minor_buying_first_is_refused(client, make_consumer):
    ivy = make_consumer("Ivy")
    fund(ivy, "20.00")
    client.force_login(ivy)

    form = client.get(reverse("promote:home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    without_date = client.post(reverse("promote:home"), {"action": "buy", "coins": "100", "currency": "EUR"})
    minor = client.post(
        reverse("promote:home"),
        {
            "action": "buy",
            "coins": "100",
            "currency": "EUR",
            "birth_date": "2012-02-03",
            "birth_date_confirmed": "2012-02-03",
        },
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    ).content.decode()

    assert 'name="birth_date"' in form and "Promote ist für Personen ab 18 Jahren" in form
    assert without_date.status_code == 200 and coins_of(ivy) == 0  # the form asks for the date
    assert UNDER_AGE["de"] in minor
    assert coins_of(ivy) == 0 and available(ivy) == Money("20.00", "EUR")
    assert not CoinPurchase.objects.filter(wallet__user=ivy).exists()


def test_an_adult_gives_the_date_with_the_first_purchase_and_is_asked_no_more(client, make_consumer):
    ivy = make_consumer("Ivy")
    fund(ivy, "20.00")
    client.force_login(ivy)

    client.post(
        reverse("promote:home"),
        {"action": "buy", "coins": "100", "currency": "EUR", "birth_date": "1990-02-03"},
    )
    again = client.get(reverse("promote:home")).content.decode()

    assert coins_of(ivy) == 100
    assert CoinWallet.objects.get(user=ivy).birth_date == date(1990, 2, 3)
    assert 'name="birth_date"' not in again


def test_a_first_purchase_refused_in_one_currency_leaves_the_person_free_to_buy_in_another(
    client, make_consumer
):
    """A JoyBack in euros, coins asked in dollars with the birth date: refused, the date kept, and the
    page offers euros again (the refused currency must not become the wallet's)."""
    sam = make_consumer("Sam")
    fund(sam, "20.00")
    client.force_login(sam)

    refused = client.post(
        reverse("promote:home"),
        {"action": "buy", "coins": "100", "currency": "USD", "birth_date": "1990-02-03"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    bought = client.post(
        reverse("promote:home"), {"action": "buy", "coins": "1000", "currency": "EUR"}, follow=True
    ).content.decode()

    assert "son argent est en euros" in refused
    assert '<option value="EUR"' in refused and "Payés en USD" not in refused
    assert 'name="birth_date"' not in refused  # the date is kept: not asked twice
    assert coins_of(sam) == 1000 and available(sam) == Money("10.10", "EUR")
    assert CoinWallet.objects.get(user=sam).currency == "EUR"
    assert "1,000 coins bought for €9.90." in bought
    assert '<p class="stat" data-figure="coins">1,000 coins</p>' in bought  # grouped as the reader writes it
    assert "Paid in EUR." in bought


def test_once_a_purchase_chose_the_currency_the_other_is_refused(client, make_consumer):
    sam = make_consumer("Sam")
    fund(sam, "20.00")
    fund(sam, "20.00", "USD")
    services.birth_date_declare(user=sam, birth_date=date(1990, 2, 3), currency="USD", now=NOW)
    services.coins_buy_from_wallet(holder=sam, coins_count=100, currency="EUR", actor=sam, now=NOW)

    with pytest.raises(services.PromoteError, match="paid in EUR"):
        services.coins_buy_from_wallet(holder=sam, coins_count=100, currency="USD", actor=sam, now=NOW)
    assert CoinWallet.objects.get(user=sam).currency == "EUR"


@pytest.mark.parametrize("typed", [date(2090, 1, 1), date(1850, 1, 1)])
def test_a_birth_date_that_cant_be_real_is_refused_as_such_not_measured(make_consumer, typed):
    ivy = make_consumer("Ivy")

    with pytest.raises(services.PromoteError, match=r"Enter your real birth date\."):
        services.birth_date_declare(user=ivy, birth_date=typed, currency="EUR", now=NOW)
    assert not CoinWallet.objects.filter(user=ivy).exists()
