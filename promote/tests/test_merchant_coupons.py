"""Coupons a merchant gives its consumers: paid by the merchant from its coins (never by the
platform), under the same rules as ops' coupons; the console page that gives, lists and withdraws them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services
from promote.models import CoinWallet, Coupon, CouponStatus, OrderStatus
from promote.tests.conftest import FixedSpend, assert_books_clean, coins_of, order_request
from tikjoy.tests.factories import NOW
from wallets.models import PLATFORM, Entry, Purpose
from wallets.money import COIN
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(make_merchant):
    """Joy Coffee, with 100.00 EUR of prepaid funds of which 19.80 bought 2,000 coins."""
    merchant = make_merchant("joycoffee", funds="100.00")
    owner = merchant.memberships.get().user
    services.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=NOW)
    return merchant, owner


def fan_of(merchant, user):
    consent_give(user=user, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    return user


def give(merchant, owner, user, *, coins=300, code="JOY300", **fields):
    return services.coupon_issue(
        code=code,
        coins_count=coins,
        valid_from=NOW - timedelta(hours=1),
        valid_until=fields.pop("valid_until", NOW + timedelta(days=30)),
        user=user,
        merchant=merchant,
        actor=owner,
        now=NOW,
        **fields,
    )


def reserve_of(coupon) -> int:
    account = account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_ESCROW, currency=COIN, partition=coupon)
    return int(balance(account).amount)


def funds_of(holder) -> Decimal:
    return balance(account_for(owner=holder, purpose=Purpose.PROMOTE_COIN_FUNDS, currency="EUR")).amount


def revenue() -> Decimal:
    return balance(account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_REVENUE, currency="EUR")).amount


def run_to_the_end(order, ops, *, spend: int):
    services.order_approve(order_id=order.pk, actor=ops, now=NOW)
    order.refresh_from_db()
    end = order.ends_at + timedelta(minutes=5)
    services.deliveries_tick(now=end, source=FixedSpend(spend))
    services.orders_settle_due(now=end)
    order.refresh_from_db()
    return order


def test_giving_a_coupon_sets_the_merchants_coins_aside(brand, promoter, client):
    merchant, owner = brand
    ana, _ = promoter("Ana")
    coupon = give(merchant, owner, fan_of(merchant, ana))

    assert coupon.issued_by_merchant == merchant and coupon.user == ana
    assert (coins_of(merchant), reserve_of(coupon)) == (1700, 300)
    assert CoinWallet.objects.get(merchant=merchant).backed_coins == 2000  # still paid for, still the brand's
    client.force_login(ana)
    page = client.get(reverse("promote:home")).content.decode()
    assert "Coupons you can use" in page and "JOY300" in page and "from Joycoffee" in page
    assert_books_clean()


def test_the_merchant_pays_for_what_its_coupon_buys_not_the_platform(brand, promoter, ops):
    merchant, owner = brand
    ana, post = promoter("Ana")
    give(merchant, owner, fan_of(merchant, ana), coins=300)
    ana_funds, brand_funds = funds_of(ana), funds_of(merchant)

    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=1000, coupon_code="JOY300"), actor=ana, now=NOW
    )
    order = run_to_the_end(order, ops, spend=700)

    assert (order.status, order.consumed_coins, order.refunded_coins) == (OrderStatus.SETTLED, 700, 300)
    assert Coupon.objects.get().status == CouponStatus.CONSUMED
    # The coupon's 300 coins were the brand's: their money (19.80 x 300 / 2,000) leaves its funds.
    assert funds_of(merchant) == brand_funds - Decimal("2.97")
    assert CoinWallet.objects.get(merchant=merchant).backed_coins == 1700
    # Ana pays only the 400 coins beyond the coupon: 9.90 x 400 / 1,000 of her funds.
    assert funds_of(ana) == ana_funds - Decimal("3.96")
    assert coins_of(ana) == 600
    assert revenue() == Decimal("2.97") + Decimal("3.96")
    # The platform's coupon account (ops' coupons) never moved.
    coupons_account = account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_COUPONS, currency=COIN)
    assert not Entry.objects.filter(account=coupons_account).exists()
    assert_books_clean()


def test_the_coupon_coins_an_order_leaves_unspent_go_back_to_the_brand(brand, promoter, ops):
    merchant, owner = brand
    ana, post = promoter("Ana")
    give(merchant, owner, fan_of(merchant, ana), coins=900)
    order = services.order_place(
        holder=ana,
        request=order_request(post, budget_coins=1000, duration_days=1, coupon_code="JOY300"),
        actor=ana,
        now=NOW,
    )
    order = run_to_the_end(order, ops, spend=400)

    assert (order.consumed_coins, order.forfeited_coupon_coins, order.refunded_coins) == (400, 500, 100)
    assert coins_of(ana) == 1000  # her own 100 coins came back; the coupon's unused coins are not hers
    assert coins_of(merchant) == 1100 + 500
    assert CoinWallet.objects.get(merchant=merchant).backed_coins == 1600
    assert funds_of(merchant) == Decimal("19.80") - Decimal("3.96")  # 400 of its 2,000 coins
    assert_books_clean()


def test_a_rejected_order_gives_the_consumer_the_merchants_coupon_back(brand, promoter, ops):
    merchant, owner = brand
    ana, post = promoter("Ana")
    coupon = give(merchant, owner, fan_of(merchant, ana))
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=500, coupon_code="JOY300"), actor=ana, now=NOW
    )
    assert reserve_of(coupon) == 0

    services.order_reject(order_id=order.pk, reason="CONTENT_POLICY", actor=ops, now=NOW)

    coupon.refresh_from_db()
    assert (coupon.status, reserve_of(coupon), coins_of(ana), coins_of(merchant)) == (
        CouponStatus.AVAILABLE,
        300,
        1000,
        1700,
    )
    assert_books_clean()


def test_an_order_costing_the_coupon_is_refused(brand, promoter):
    merchant, owner = brand
    ana, post = promoter("Ana")
    give(merchant, owner, fan_of(merchant, ana))
    with pytest.raises(services.PromoteError, match="costs more than it: more than 300 coins"):
        services.order_place(
            holder=ana,
            request=order_request(post, budget_coins=300, coupon_code="JOY300"),
            actor=ana,
            now=NOW,
        )


def test_only_a_consenting_consumer_gets_a_coupon_and_only_from_coins_the_brand_has(
    brand, promoter, make_merchant
):
    merchant, owner = brand
    ana, _ = promoter("Ana")
    with pytest.raises(services.PromoteError, match="someone who agreed to share with your brand"):
        give(merchant, owner, ana)
    fan_of(merchant, ana)
    with pytest.raises(
        services.PromoteError,
        match=r"Your brand has 2,000 coins, too few for a coupon of 5,000 coins: .* Buy more coins or give a smaller coupon\.",
    ):
        give(merchant, owner, ana, coins=5000)
    poor = make_merchant("poor", funds="10.00")
    fan_of(poor, ana)
    with pytest.raises(services.PromoteError, match="buy some first"):
        give(poor, poor.memberships.get().user, ana, code="POOR1")
    assert not Coupon.objects.exists()
    assert coins_of(merchant) == 2000


def test_an_unused_coupon_comes_back_when_it_expires_or_is_withdrawn(brand, promoter):
    merchant, owner = brand
    ana, post = promoter("Ana")
    fan_of(merchant, ana)
    short = give(merchant, owner, ana, code="SHORT", valid_until=NOW + timedelta(days=1))
    kept = give(merchant, owner, ana, code="KEPT")
    used = give(merchant, owner, ana, code="USED", coins=100)
    services.order_place(
        holder=ana, request=order_request(post, budget_coins=500, coupon_code="USED"), actor=ana, now=NOW
    )
    assert coins_of(merchant) == 1300

    assert services.coupons_expire(now=NOW + timedelta(days=1)) == 1
    assert services.coupons_expire(now=NOW + timedelta(days=1)) == 0
    services.coupon_revoke(coupon_id=kept.pk, merchant=merchant, actor=owner, now=NOW)
    with pytest.raises(services.PromoteError, match="applied to an order: it can't be withdrawn"):
        services.coupon_revoke(coupon_id=used.pk, merchant=merchant, actor=owner, now=NOW)

    short.refresh_from_db()
    kept.refresh_from_db()
    assert (short.status, kept.status) == (CouponStatus.EXPIRED, CouponStatus.REVOKED)
    assert coins_of(merchant) == 1900
    assert_books_clean()


def test_a_brand_withdrawing_its_coins_keeps_the_money_of_its_coupons(brand, promoter, ops):
    merchant, owner = brand
    ana, post = promoter("Ana")
    give(merchant, owner, fan_of(merchant, ana), coins=300)
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=1000, coupon_code="JOY300"), actor=ana, now=NOW
    )

    done = services.coins_withdraw(holder=merchant, coins_count=1700, actor=owner, now=NOW)

    assert done.amount == Decimal("16.83")  # 19.80 x 1,700 / 2,000: the coupon's 2.97 stay
    assert funds_of(merchant) == Decimal("2.97")
    run_to_the_end(order, ops, spend=700)
    assert funds_of(merchant) == Decimal("0.00")
    assert_books_clean()


def test_the_console_gives_lists_and_withdraws_coupons(brand, promoter, client, add_member):
    merchant, owner = brand
    ana, _ = promoter("Ana Fan")
    fan_of(merchant, ana)
    client.force_login(owner)
    url = reverse("console:promote_coupons")

    page = client.get(url).content.decode()
    assert "Ana Fan" in page and "No coupons yet." in page
    fields = {
        "action": "issue",
        "consumer": consumer_ref(merchant_id=merchant.pk, user_id=ana.pk),
        "coins": "250",
        "valid_from": "2026-11-01 00:00",
        "valid_until": "2030-12-31 00:00",
        "kind": "VIDEO",
        "code": "",
    }
    answer = client.post(url, fields)
    assert answer.status_code == 302
    coupon = Coupon.objects.get()
    assert (coupon.coins, coupon.kind, coupon.user, coupon.issued_by_merchant) == (
        250,
        "VIDEO",
        ana,
        merchant,
    )
    assert coupon.code.startswith("JOYCOFFEE-")
    listing = client.get(url).content.decode()
    assert coupon.code in listing and "not used yet" in listing and "Ana Fan" in listing

    refused = client.post(url, {**fields, "valid_until": "2026-10-01 00:00"})
    assert refused.status_code == 400
    assert "A coupon&#x27;s validity ends after it starts." in refused.content.decode()
    too_big = client.post(url, {**fields, "coins": "999999"})
    assert too_big.status_code == 400 and "Your brand has 1,750 coins, too few" in too_big.content.decode()
    italian = client.post(url, {**fields, "coins": "999999"}, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "troppo poche per un coupon da 999.999 monete" in italian
    assert "Acquisti altre monete o dia un coupon più piccolo." in italian

    viewer = add_member(merchant, "viewer@joycoffee.example", role="VIEWER")
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    client.post(url, {**fields, "code": "VIEWER1"})
    assert Coupon.objects.count() == 1

    client.force_login(owner)
    client.post(url, {"action": "revoke", "coupon": coupon.pk})
    coupon.refresh_from_db()
    assert coupon.status == CouponStatus.REVOKED and coins_of(merchant) == 2000
    assert_books_clean()
