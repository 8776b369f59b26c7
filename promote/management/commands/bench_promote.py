"""Benchmark Promote's delivery and settlement on the PostgreSQL that DATABASE_URL points at.

1. 10,000 active orders (1,000 consumers with 10 orders each, placed with their ledger
   postings) are ticked by the simulator, one hour at a time, twice: order-ticks/s
   (goal >= 1,000), each tick a ``DeliveryTick`` row and the order's running totals.
2. The same orders ended (marked completed, as ``deliveries_tick`` marks them at their
   end) and settled by ``orders_settle_due``: seconds for 10,000 (goal <= 60 s, well
   inside the 15-minute promise), each a ledger transaction.

The fixture is written in bulk, with the ledger postings a purchase and a placement make;
it writes into the database it is given: point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from moneyed import Money

from accounts.models import User
from core.benchmarking import server_description
from promote import services
from promote.models import CoinWallet, OrderStatus, PromoteOrder
from social.models import TrackedPost
from wallets.models import PLATFORM, Purpose
from wallets.money import COIN
from wallets.services import Posting, account_for, accounts_for, post_many

TICK_GOAL = 1_000  # order-ticks/s
SETTLE_GOAL = 60.0  # seconds for 10,000


class Command(BaseCommand):
    help = "Time 10,000 active promotion orders ticked by the simulator, then settled (writes into that database)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--per-holder", type=int, default=10)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_promote measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        count, per_holder = options["orders"], options["per_holder"]
        run = uuid.uuid4().hex[:8]
        start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
        self.stdout.write(f"bench_promote: {count:,} orders, {per_holder} per consumer, run {run}")
        self.stdout.write(f"machine: {server_description()}")

        started = time.perf_counter()
        ids = self._fixture(run, count, per_holder, start)
        self.stdout.write(f"fixture: {count:,} active orders in {time.perf_counter() - started:.1f} s")

        # 1. Ticks: two hours, each for every order.
        for hour in (1, 2):
            started = time.perf_counter()
            ticks = services.deliveries_tick(now=start + timedelta(hours=hour, minutes=1))
            elapsed = time.perf_counter() - started
            rate = ticks / elapsed if elapsed else 0.0
            self._figure(
                f"ticks, hour {hour}",
                f"{ticks:,} order-ticks in {elapsed:.2f} s = {rate:,.0f}/s",
                "goal >= 1,000/s",
                rate >= TICK_GOAL,
            )

        # 2. Settlement of the same orders, ended.
        PromoteOrder.objects.filter(pk__in=ids).update(
            status=OrderStatus.COMPLETED, completed_at=start + timedelta(days=1)
        )
        started = time.perf_counter()
        settled = services.orders_settle_due(now=start + timedelta(days=1, minutes=5))
        elapsed = time.perf_counter() - started
        self._figure(
            "settlement",
            f"{settled:,} orders in {elapsed:.1f} s ({settled / elapsed if elapsed else 0:,.0f}/s)",
            f"goal <= {SETTLE_GOAL:.0f} s for 10,000",
            elapsed * 10_000 / max(settled, 1) <= SETTLE_GOAL,
        )

    def _figure(self, what: str, figure: str, goal: str, met: bool) -> None:
        self.stdout.write(f"{what}: {figure} ({goal}){'' if met else '  BELOW GOAL'}")

    def _fixture(self, run: str, count: int, per_holder: int, start) -> list[int]:
        holders = max(count // per_holder, 1)
        people = User.objects.bulk_create(
            [User(email=None, display_name=f"bench promote {run} {i}") for i in range(holders)],
            batch_size=2000,
        )
        posts = TrackedPost.objects.bulk_create(
            [
                TrackedPost(
                    video_id=f"bench-{run}-{p.pk}",
                    user=p,
                    posted_at=start,
                    criterion_key="bench",
                    track_until=start,
                )
                for p in people
            ],
            batch_size=2000,
        )
        wallets = CoinWallet.objects.bulk_create(
            [CoinWallet(user=p, currency="EUR", created_at=start) for p in people], batch_size=2000
        )
        budgets = [500 + (i % 20) * 100 for i in range(count)]
        coins_of = [sum(budgets[h * per_holder : (h + 1) * per_holder]) for h in range(holders)]
        with transaction.atomic():
            coin_accounts = accounts_for(
                owner_type="accounts.user",
                owner_ids=[p.pk for p in people],
                purpose=Purpose.PROMOTE_COINS,
                currency=COIN,
            )
            funds = accounts_for(
                owner_type="accounts.user",
                owner_ids=[p.pk for p in people],
                purpose=Purpose.PROMOTE_COIN_FUNDS,
                currency="EUR",
            )
            bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
            issued = account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_COINS_ISSUED, currency=COIN)
            for i in range(0, holders, 500):
                post_many(
                    [
                        Posting(
                            entries=[
                                (bank, -Money(Decimal(n) * Decimal("0.0099"), "EUR")),
                                (funds[p.pk], Money(Decimal(n) * Decimal("0.0099"), "EUR")),
                                (issued, services.coins(-n)),
                                (coin_accounts[p.pk], services.coins(n)),
                            ],
                            kind="PROMOTE_COIN_PURCHASE",
                            reason=f"bench: {n} coins",
                            idempotency_key=f"bench-promote:{run}:buy:{p.pk}",
                            now=start,
                        )
                        for p, n in zip(people[i : i + 500], coins_of[i : i + 500], strict=True)
                    ]
                )
            for wallet, n in zip(wallets, coins_of, strict=True):
                wallet.backed_coins = n
            CoinWallet.objects.bulk_update(wallets, ["backed_coins"], batch_size=2000)
            orders = PromoteOrder.objects.bulk_create(
                [
                    PromoteOrder(
                        wallet=wallets[i // per_holder],
                        created_by=people[i // per_holder],
                        kind="VIDEO",
                        goal="VIEWS",
                        tracked_post=posts[i // per_holder],
                        content_label=f"bench {i}",
                        commercial_music_declared=True,
                        budget_coins=budgets[i],
                        duration_days=1,
                        status=OrderStatus.ACTIVE,
                        created_at=start,
                        reviewed_at=start,
                        starts_at=start,
                        delivered_until=start,
                        ends_at=start + timedelta(days=1),
                    )
                    for i in range(holders * per_holder)
                ],
                batch_size=2000,
            )
            escrows = {
                o.pk: account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_ESCROW, currency=COIN, partition=o)
                for o in orders
            }
            for i in range(0, len(orders), 1000):
                post_many(
                    [
                        Posting(
                            entries=[
                                (escrows[o.pk], services.coins(o.budget_coins)),
                                (coin_accounts[o.created_by_id], services.coins(-o.budget_coins)),
                            ],
                            kind="PROMOTE_ORDER_PLACE",
                            reason=f"bench: promotion #{o.pk}",
                            idempotency_key=f"promote:order:{o.pk}:place:1",
                            subject=o,
                            now=start,
                        )
                        for o in orders[i : i + 1000]
                    ]
                )
        return [o.pk for o in orders]
