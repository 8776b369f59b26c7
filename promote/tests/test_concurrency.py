"""On PostgreSQL with real threads: settlement by 5 workers at once refunds once; a withdrawal
racing a new order can't both pass."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services
from promote.models import OrderStatus, PromoteOrder
from promote.tests.conftest import FixedSpend, assert_books_clean, coins_of, order_request
from tikjoy.tests.factories import NOW
from wallets.models import Transaction


def run_together(functions) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(functions), timeout=60)

    def run(function) -> None:
        try:
            barrier.wait()
            outcomes.append(repr(function()))
        except services.PromoteError as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # pragma: no cover - shown by the assertions
            outcomes.append(f"crash {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_five_workers_settling_at_once_refund_once(promoter, ops):
    ana, post = promoter()
    order = services.order_place(holder=ana, request=order_request(post), actor=ana, now=NOW)
    services.order_approve(order_id=order.pk, actor=ops, now=NOW)
    coins_before = coins_of(ana)
    end = NOW + timedelta(days=2, minutes=5)
    # A known spend (the simulator's fill depends on the order's id, and can be all of the budget):
    # 600 of the 1,000 coins, so 400 come back.
    services.deliveries_tick(now=end, source=FixedSpend(600))
    assert PromoteOrder.objects.get(pk=order.pk).status == OrderStatus.COMPLETED

    outcomes = run_together([lambda: services.orders_settle_due(now=end)] * 5)

    assert sorted(outcomes) == ["0", "0", "0", "0", "1"]
    order.refresh_from_db()
    assert order.status == OrderStatus.SETTLED
    assert Transaction.objects.filter(kind="PROMOTE_ORDER_SETTLE").count() == 1
    assert coins_of(ana) - coins_before == order.refunded_coins == 400
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_racing_a_new_order_cant_both_pass(promoter):
    for attempt in range(5):
        ana, post = promoter(f"Ana{attempt}")
        outcomes = run_together(
            [
                lambda ana=ana, post=post: (
                    services.order_place(
                        holder=ana, request=order_request(post, budget_coins=600), actor=ana, now=NOW
                    ).status
                ),
                lambda ana=ana: (
                    services.coins_withdraw(holder=ana, coins_count=1000, actor=ana, now=NOW).coins
                ),
            ]
        )
        placed = PromoteOrder.objects.filter(wallet__user=ana).exists()
        withdrawn = ana.coin_wallet.withdrawals.exists()
        assert placed != withdrawn, outcomes  # exactly one of the two passed
        assert coins_of(ana) == (400 if placed else 0)
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_a_brand_withdrawing_while_its_coupon_is_settled_keeps_the_books(promoter, ops, make_merchant):
    """Settlement charges the brand's coin funds for its coupon while the brand withdraws its coins:
    both lock the brand's coin wallet, so each sees the other's result and no money is counted twice."""
    brand = make_merchant("joy", funds="100.00")
    owner = brand.memberships.get().user
    services.coins_buy_from_wallet(holder=brand, coins_count=2000, currency="EUR", actor=owner, now=NOW)
    ana, post = promoter()
    consent_give(user=ana, merchant=brand, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    services.coupon_issue(
        code="JOY300",
        coins_count=300,
        valid_from=NOW - timedelta(hours=1),
        valid_until=NOW + timedelta(days=30),
        user=ana,
        merchant=brand,
        actor=owner,
        now=NOW,
    )
    order = services.order_place(
        holder=ana, request=order_request(post, coupon_code="JOY300"), actor=ana, now=NOW
    )
    services.order_approve(order_id=order.pk, actor=ops, now=NOW)
    end = NOW + timedelta(days=2, minutes=5)
    services.deliveries_tick(now=end, source=FixedSpend(700))

    outcomes = run_together(
        [
            lambda: services.orders_settle_due(now=end),
            lambda: services.coins_withdraw(holder=brand, coins_count=1700, actor=owner, now=end).amount,
        ]
    )

    assert "1" in outcomes and "Decimal('16.83')" in outcomes, outcomes
    assert coins_of(brand) == 0
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_the_same_buy_form_sent_by_four_requests_at_once_buys_once(make_consumer):
    import uuid

    from promote.models import CoinPurchase
    from promote.tests.conftest import available, fund

    sam = make_consumer("Sam")
    fund(sam, "20.00")
    key = uuid.uuid4()

    def buy():
        return services.coins_buy_from_wallet(
            holder=sam, coins_count=100, currency="EUR", actor=sam, now=NOW, request_key=key
        ).pk

    outcomes = run_together([buy] * 4)

    assert len(set(outcomes)) == 1 and not any(o.startswith("crash") for o in outcomes)
    assert CoinPurchase.objects.filter(wallet__user=sam).count() == 1
    assert coins_of(sam) == 100
    assert available(sam).amount == 20 - services.coin_price(coins_count=100, currency="EUR").amount
    assert_books_clean()
