"""Coins: price table, purchase from the wallet in one ledger transaction, withdrawal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from moneyed import Money

from promote import services
from promote.models import CoinPrice, CoinWallet
from promote.tests.conftest import assert_books_clean, available, coins_of, fund, order_request
from tikjoy.tests.factories import NOW
from wallets.models import Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def test_100_coins_cost_0_99_usd_and_the_minimum_is_100():
    assert services.coin_price(coins_count=100, currency="USD") == Money("0.99", "USD")
    assert services.coin_price(coins_count=1000, currency="USD") == Money("9.90", "USD")
    assert services.coin_price(coins_count=150, currency="USD") == Money("1.49", "USD")  # 1.485 rounded up
    with pytest.raises(services.PromoteError, match="smallest purchase is 100 coins"):
        services.coin_price(coins_count=99, currency="USD")


def test_the_price_is_data():
    CoinPrice.objects.filter(currency="EUR").update(pack_price=Decimal("1.19"), minimum_coins=200)
    assert services.coin_price(coins_count=200, currency="EUR") == Money("2.38", "EUR")
    with pytest.raises(services.PromoteError, match=r"200 coins"):
        services.coin_price(coins_count=100, currency="EUR")


def test_a_consumer_buys_coins_with_joyback_in_one_ledger_transaction(make_consumer):
    ana = make_consumer("Ana")
    fund(ana, "5.00")

    purchase = services.coins_buy_from_wallet(holder=ana, coins_count=300, currency="EUR", actor=ana, now=NOW)

    assert coins_of(ana) == 300
    assert available(ana) == Money("2.03", "EUR")
    txn = Transaction.objects.get(kind="PROMOTE_COIN_PURCHASE")
    amounts = sorted((e.account.purpose, e.amount, e.currency) for e in txn.entries.select_related("account"))
    assert amounts == [
        (Purpose.PROMOTE_COINS, Decimal("300.00"), "XTJ"),
        (Purpose.PROMOTE_COINS_ISSUED, Decimal("-300.00"), "XTJ"),
        (Purpose.PROMOTE_COIN_FUNDS, Decimal("2.97"), "EUR"),
        (Purpose.USER_AVAILABLE, Decimal("-2.97"), "EUR"),
    ]
    assert purchase.amount == Decimal("2.97")
    assert_books_clean()


def test_a_merchant_buys_coins_with_its_prepaid_funds(make_merchant):
    acme = make_merchant("acme", funds="20.00")
    owner = acme.created_by
    services.coins_buy_from_wallet(holder=acme, coins_count=1000, currency="EUR", actor=owner, now=NOW)
    assert coins_of(acme) == 1000
    assert balance(account_for(owner=acme, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")) == Money(
        "10.10", "EUR"
    )
    assert_books_clean()


def test_a_purchase_beyond_the_wallet_is_refused_and_changes_nothing(make_consumer):
    ana = make_consumer("Ana")
    fund(ana, "0.50")
    with pytest.raises(services.PromoteError, match=r"doesn.t hold €0\.99"):
        services.coins_buy_from_wallet(holder=ana, coins_count=100, currency="EUR", actor=ana, now=NOW)
    assert available(ana) == Money("0.50", "EUR")
    assert not Transaction.objects.filter(kind="PROMOTE_COIN_PURCHASE").exists()


def test_paying_in_dollars_from_a_joyback_in_euros_says_the_joyback_is_in_euros(make_consumer):
    ana = make_consumer("Ana")
    fund(ana, "50.00")

    with pytest.raises(services.PromoteError) as refused:
        services.coins_buy_from_wallet(holder=ana, coins_count=100, currency="USD", actor=ana, now=NOW)
    with translation.override("es"), pytest.raises(services.PromoteError) as refused_es:
        services.coins_buy_from_wallet(holder=ana, coins_count=100, currency="USD", actor=ana, now=NOW)

    assert str(refused.value) == (
        "The TikJoy wallet holds no US dollars: its money is in euros. Buy the coins in euros, or pay by card."
    )
    assert str(refused_es.value).startswith(
        "El monedero TikJoy no tiene dólares estadounidenses: su dinero está en euros."
    )
    assert available(ana) == Money("50.00", "EUR")
    assert not CoinWallet.objects.filter(user=ana).exists()
    assert_books_clean()


def test_coins_stay_in_the_currency_of_the_first_purchase(make_consumer):
    ana = make_consumer("Ana")
    fund(ana, "5.00")
    fund(ana, "5.00", "USD")
    services.coins_buy_from_wallet(holder=ana, coins_count=100, currency="EUR", actor=ana, now=NOW)
    with pytest.raises(services.PromoteError, match="paid in EUR"):
        services.coins_buy_from_wallet(holder=ana, coins_count=100, currency="USD", actor=ana, now=NOW)


def test_withdrawal_gives_back_what_was_paid(promoter):
    ana, _ = promoter(coins=1000)  # 9.90 paid
    services.coins_withdraw(holder=ana, coins_count=333, actor=ana, now=NOW)
    assert coins_of(ana) == 667
    assert available(ana) == Money("3.39", "EUR")  # 0.10 left + 3.2967 rounded down
    services.coins_withdraw(holder=ana, coins_count=667, actor=ana, now=NOW)
    assert coins_of(ana) == 0
    assert available(ana) == Money(
        "10.00", "EUR"
    )  # the last coins take the rest: nothing lost, nothing gained
    wallet = CoinWallet.objects.get(user=ana)
    assert balance(account_for(owner=ana, purpose=Purpose.PROMOTE_COIN_FUNDS, currency="EUR")).amount == 0
    assert wallet.backed_coins == 0
    assert_books_clean()


def test_withdrawal_is_refused_while_an_order_is_in_review_and_lists_it(promoter):
    ana, post = promoter()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=400), actor=ana, now=NOW
    )
    with pytest.raises(services.WithdrawalBlocked) as refusal:
        services.coins_withdraw(holder=ana, coins_count=100, actor=ana, now=NOW)
    assert f"#{order.pk} (in review)" in str(refusal.value)
    assert coins_of(ana) == 600


def test_withdrawing_more_than_held_is_refused(promoter):
    ana, _ = promoter(coins=200)
    with pytest.raises(services.PromoteError, match="You have 200 coins"):
        services.coins_withdraw(holder=ana, coins_count=201, actor=ana, now=NOW)


def test_the_same_buy_form_sent_twice_buys_once(client, make_consumer):
    """A retried request (the same form posted again, its one-time key with it) is not a second purchase."""
    import re

    from django.urls import reverse

    from promote.models import CoinWallet

    sam = make_consumer("Sam")
    fund(sam, "20.00")
    CoinWallet.objects.create(user=sam, currency="EUR", birth_date="1990-02-03", created_at=NOW)
    client.force_login(sam)
    page = client.get(reverse("promote:home")).content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f-]{36})"', page)[1]
    form = {"action": "buy", "coins": "100", "currency": "EUR", "request_key": key}

    first = client.post(reverse("promote:home"), form, follow=True).content.decode()
    again = client.post(reverse("promote:home"), form, follow=True).content.decode()

    assert "100 coins bought for €0.99." in first and "100 coins bought for €0.99." in again
    assert coins_of(sam) == 100 and available(sam) == Money("19.01", "EUR")
    assert key not in client.get(reverse("promote:home")).content.decode()  # the next form has a new key
    assert_books_clean()
