"""On PostgreSQL with real threads: settlement by 5 workers at once refunds once; a withdrawal
racing a new order can't both pass."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from promote import services
from promote.models import OrderStatus, PromoteOrder
from promote.tests.conftest import assert_books_clean, coins_of, order_request
from tikjoy.tests.factories import NOW
from wallets.models import Transaction


def run_together(functions) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(functions))

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
    end = NOW + timedelta(days=2, minutes=5)
    services.deliveries_tick(now=end)
    assert PromoteOrder.objects.get(pk=order.pk).status == OrderStatus.COMPLETED

    outcomes = run_together([lambda: services.orders_settle_due(now=end)] * 5)

    assert sorted(outcomes) == ["0", "0", "0", "0", "1"]
    order.refresh_from_db()
    assert order.status == OrderStatus.SETTLED
    assert Transaction.objects.filter(kind="PROMOTE_ORDER_SETTLE").count() == 1
    assert coins_of(ana) == order.refunded_coins > 0
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
