"""Benchmark the JoyBack engine: engagement snapshots processed per second for one hot merchant.

Sets up one merchant (one hot wallet) with a live share campaign, 10,000 tracked
posts (1,000 consumers x 10 shares, recorded as share actions) and one new
engagement snapshot per post, then times ``snapshots_process`` over all of them
in batches (one commit per batch; every snapshot still pays as its own
idempotent ledger transaction), with pgbench's TPC-B tps on the same server in
the same run. It writes into the database it is given: point it at a throwaway
one (``make bench`` does). ``ledger_check`` must pass afterwards.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from campaigns import services as campaign_services
from campaigns.models import ActionType
from core.benchmarking import pgbench_tps, run_in_processes, server_description
from merchants import services as merchant_services
from merchants.wallet import merchant_top_up_confirm, merchant_top_up_record
from rewards.models import ActionStatus, MerchantConsumer, Reward, SocialAction
from rewards.services import action_key, snapshots_process
from social.models import EngagementSnapshot, TrackedPost
from social.services import EngagementCounts, engagement_snapshots_record

GOAL = 500


def _process(args) -> float:
    ids, batch = args
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        snapshots_process(snapshot_ids=ids[start : start + batch], now=now)
    return time.perf_counter() - started


class Command(BaseCommand):
    help = "Engagement snapshots processed per second for 10,000 posts of one merchant, beside pgbench TPC-B."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=10_000)
        parser.add_argument("--batch", type=int, default=200, help="snapshots per database transaction")
        parser.add_argument("--workers", type=int, default=2, help="worker processes sharing the snapshots")
        parser.add_argument("--pgbench-seconds", type=float, default=20.0)
        parser.add_argument("--skip-pgbench", action="store_true")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_rewards measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        run = uuid.uuid4().hex[:8]
        posts, batch, workers = options["posts"], options["batch"], options["workers"]
        self.stdout.write(
            f"bench_rewards: {posts:,} posts of one merchant, batches of {batch}, {workers} workers, run {run}"
        )
        self.stdout.write(f"machine: {server_description()}")

        started = time.perf_counter()
        snapshot_ids = self._prepare(run, posts)
        self.stdout.write(f"set-up: {len(snapshot_ids):,} snapshots in {time.perf_counter() - started:.1f} s")

        # Each worker takes whole consumers (their tallies are theirs alone), so workers
        # only meet on the campaign and the merchant's wallet.
        by_user = dict(
            EngagementSnapshot.objects.filter(pk__in=snapshot_ids).values_list("pk", "post__user_id")
        )
        users = sorted(set(by_user.values()))
        share = {u: i % workers for i, u in enumerate(users)}
        chunks = [[sid for sid in snapshot_ids if share[by_user[sid]] == w] for w in range(workers)]
        started = time.perf_counter()
        run_in_processes(_process, [(chunk, batch) for chunk in chunks])
        elapsed = time.perf_counter() - started
        paid = Reward.objects.filter(snapshot_id__in=snapshot_ids).count()
        rate = len(snapshot_ids) / elapsed
        self.stdout.write(
            f"engagement snapshots processed: {rate:,.0f}/s ({len(snapshot_ids):,} in {elapsed:.1f} s, "
            f"{paid:,} paid) (goal >= {GOAL}/s) {'OK' if rate >= GOAL else 'BELOW GOAL'}"
        )
        if not options["skip_pgbench"]:
            tps = pgbench_tps(clients=8, seconds=options["pgbench_seconds"], scale=10)
            self.stdout.write(
                f"pgbench TPC-B (scale 10, 8 clients): {tps:.1f} tps; snapshots/tps = {rate / tps:.2f}"
            )

    def _prepare(self, run: str, posts: int) -> list[int]:
        now = timezone.now()
        ops, _ = user_ensure_with_email(
            email=f"bench-ops-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
        )
        owner, _ = user_ensure_with_email(email=f"bench-owner-{run}@bench.invalid", password=uuid.uuid4().hex)
        merchant = merchant_services.merchant_create(
            actor=owner,
            slug=f"bench-{run}",
            brand_name="Bench Brand",
            country="DE",
            legal_name="Bench GmbH",
            billing_address="Benchstrasse 1, Berlin",
            contact_email=f"bench-{run}@bench.invalid",
        )
        record, _ = merchant_top_up_record(
            merchant=merchant,
            amount=Money(Decimal("10000000.00"), "EUR"),
            bank_reference=f"BENCH-{run}",
            value_date=date.today(),  # noqa: DTZ011 - a benchmark's value date
            actor=ops,
            now=now,
        )
        # Above MERCHANT_TOP_UP_CONFIRM_ABOVE: a second staff member confirms it, as in /ops/.
        second, _ = user_ensure_with_email(
            email=f"bench-ops2-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
        )
        merchant_top_up_confirm(record_id=record.pk, actor=second, now=now)
        campaign = campaign_services.campaign_create(
            merchant=merchant,
            actor=owner,
            values={"name": "Bench", "starts_at": now - timedelta(days=1), "hashtag": "bench", "mention": ""},
            rules=[
                {
                    "action": ActionType.SHARE_VIDEO,
                    "is_enabled": True,
                    "amount": Decimal("0.00"),
                    "per_1000_views": Decimal("0.25"),
                    "per_like": Decimal("0.01"),
                    "per_comment": Decimal("0.02"),
                    "per_share": Decimal("0.05"),
                    "max_per_post": Decimal("25.00"),
                }
            ],
        )
        campaign = campaign_services.campaign_activate(campaign=campaign, actor=owner, now=now)
        consumers = User.objects.bulk_create(
            [
                User(display_name=f"Bench consumer {i}", date_joined=now - timedelta(days=90))
                for i in range(posts // 10 or 1)
            ]
        )
        tracked = TrackedPost.objects.bulk_create(
            [
                TrackedPost(
                    video_id=f"bench-{run}-{i}",
                    user=consumers[i % len(consumers)],
                    caption="#bench",
                    posted_at=now,
                    criterion_key=f"campaign:{campaign.pk}",
                    discovered_at=now,
                    track_until=now + timedelta(days=14),
                )
                for i in range(posts)
            ]
        )
        # A share rule with no fixed amount records the share without moving money (what
        # action_record does for it), so the actions are written in bulk here.
        SocialAction.objects.bulk_create(
            [
                SocialAction(
                    key=action_key(
                        action_type=ActionType.SHARE_VIDEO, user=p.user, merchant=merchant, post=p
                    ),
                    user=p.user,
                    merchant=merchant,
                    campaign=campaign,
                    action_type=ActionType.SHARE_VIDEO,
                    status=ActionStatus.RECORDED,
                    tracked_post=p,
                    occurred_at=now,
                    created_at=now,
                )
                for p in tracked
            ]
        )
        # ... with each person's figures for the merchant, which action_record keeps beside each
        # action (rewards_check compares them with the actions).
        MerchantConsumer.objects.bulk_create(
            MerchantConsumer(
                merchant=merchant,
                user_id=row["user_id"],
                actions=row["n"],
                first_at=row["first"],
                last_at=row["last"],
                joined_at=row["joined"],
            )
            for row in SocialAction.objects.filter(merchant=merchant)
            .values("user_id")
            .annotate(
                n=Count("pk"), first=Min("occurred_at"), last=Max("occurred_at"), joined=Min("created_at")
            )
            .order_by()
        )
        rng = random.Random(run)  # noqa: S311 - benchmark data
        snapshots = []
        for start in range(0, len(tracked), 500):  # as the engagement sync writes them, with their figures
            snapshots += engagement_snapshots_record(
                counts={
                    p.pk: EngagementCounts(
                        views=rng.randint(0, 20_000),
                        likes=rng.randint(0, 400),
                        comments=rng.randint(0, 30),
                        shares=rng.randint(0, 10),
                    )
                    for p in tracked[start : start + 500]
                },
                taken_at=now,
            )
        return [s.pk for s in snapshots]
