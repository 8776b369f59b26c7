"""The Django side of ``make prod-smoke`` (scripts/prod-smoke.sh): data for the load test, the work
the fault test interrupts, the checks that nothing was lost or done twice, and the queue flood.

    python scripts/prod/topology.py loadprep            # shell exports for the locustfile
    python scripts/prod/topology.py faultprep STATE N   # N posts to pay, N rewards to settle
    python scripts/prod/topology.py enqueue COPIES      # the sweeps, COPIES times each, on the queue
    python scripts/prod/topology.py progress STATE      # "paid settled" so far
    python scripts/prod/topology.py kill-mid STATE PGID # SIGKILL that cluster in the middle of the work
    python scripts/prod/topology.py kick                # the two schedules due now (their next run)
    python scripts/prod/topology.py verify STATE        # each post paid once, each reward settled once
    python scripts/prod/topology.py flood RUN N         # N tasks on the queue, each counts itself once
    python scripts/prod/topology.py flood-count RUN     # how many ran; the queue's length

It runs with the same environment as the web and worker processes (the production profile).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tikjoy.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.brokers import get_broker  # noqa: E402
from django_q.models import Schedule, Task  # noqa: E402
from django_q.tasks import async_task  # noqa: E402
from moneyed import Money  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import user_ensure_with_email  # noqa: E402
from accounts.session_db import SessionStore  # noqa: E402
from affiliates.models import Link  # noqa: E402
from api.models import KeyKind, Scope  # noqa: E402
from api.services import api_key_create  # noqa: E402
from campaigns import services as campaign_services  # noqa: E402
from campaigns.models import ActionType  # noqa: E402
from merchants import services as merchant_services  # noqa: E402
from merchants.demo import DEMO_SLUG  # noqa: E402
from merchants.models import Membership, Merchant  # noqa: E402
from merchants.wallet import merchant_top_up_confirm, merchant_top_up_record  # noqa: E402
from rewards.models import ActionStatus, MerchantConsumer, Reward, RewardStatus, SocialAction  # noqa: E402
from rewards.services import action_key, snapshots_process  # noqa: E402
from social.models import TrackedPost  # noqa: E402
from social.services import EngagementCounts, engagement_snapshots_record  # noqa: E402
from wallets.models import Purpose, Transaction  # noqa: E402
from wallets.services import account_for  # noqa: E402

SWEEPS = ("rewards.tasks.snapshots_process_latest", "rewards.tasks.settle_due")
FAULT_TOP_UP = Decimal("10000000.00")  # the fault run's merchant: its one top-up


def loadprep() -> None:
    merchant = Merchant.objects.get(slug=DEMO_SLUG)
    owner = Membership.objects.filter(merchant=merchant, role="OWNER").select_related("user").first()
    if owner is None:  # a key works only while its creator is an owner (docs/api.md): no stand-in
        raise SystemExit(f"loadprep: {merchant} has no owner to make the load test's API key: run seed_demo.")
    actor = owner.user
    _, raw = api_key_create(
        merchant=merchant,
        name=f"prod-smoke load {uuid.uuid4().hex[:6]}",
        kind=KeyKind.SECRET,
        scope=Scope.READ,
        expires_at=None,
        actor=actor,
        now=timezone.now(),
    )
    link = Link.objects.order_by("pk").first()
    sessions = []
    for i in range(64):  # signed-in browsers of the demo's consumers with rewards
        person = User.objects.get(email=f"{('ana', 'ben', 'dan', 'eve')[i % 4]}@demo.tikjoy.local")
        store = SessionStore()
        store[SESSION_KEY] = str(person.pk)
        store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        store[HASH_SESSION_KEY] = person.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    print(f"export SMOKE_BRAND={merchant.slug}")
    print(f"export SMOKE_API_KEY={raw}")
    print(f"export SMOKE_AFFILIATE_CODE={link.code if link else 'none'}")
    print(f"export SMOKE_WALLET_SESSIONS={','.join(sessions)}")


def _merchant(run: str, now):
    ops, _ = user_ensure_with_email(
        email=f"smoke-ops-{run}@smoke.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    second, _ = user_ensure_with_email(
        email=f"smoke-ops2-{run}@smoke.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    owner, _ = user_ensure_with_email(email=f"smoke-owner-{run}@smoke.invalid", password=uuid.uuid4().hex)
    merchant = merchant_services.merchant_create(
        actor=owner,
        slug=f"smoke-{run}",
        brand_name=f"Smoke {run}",
        country="DE",
        legal_name="Smoke GmbH",
        billing_address="Smokestrasse 1, Berlin",
        contact_email=f"smoke-{run}@smoke.invalid",
    )
    record, _ = merchant_top_up_record(
        merchant=merchant,
        amount=Money(FAULT_TOP_UP, "EUR"),
        bank_reference=f"SMOKE-{run}",
        value_date=now.date(),
        actor=ops,
        now=now,
    )
    merchant_top_up_confirm(record_id=record.pk, actor=second, now=now)
    campaign = campaign_services.campaign_create(
        merchant=merchant,
        actor=owner,
        values={"name": "Smoke", "starts_at": now - timedelta(days=1), "hashtag": "smoke", "mention": ""},
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
    return merchant, campaign


def _posts(run: str, tag: str, merchant, campaign, count: int, now) -> list[int]:
    """``count`` tracked shares of the campaign, each with one engagement snapshot that earns something."""
    consumers = User.objects.bulk_create(
        [User(display_name=f"Smoke {tag} {i}", date_joined=now - timedelta(days=90)) for i in range(count)]
    )
    tracked = TrackedPost.objects.bulk_create(
        [
            TrackedPost(
                video_id=f"smoke-{run}-{tag}-{i}",
                user=consumers[i],
                caption="#smoke",
                posted_at=now,
                criterion_key=f"campaign:{campaign.pk}",
                discovered_at=now,
                track_until=now + timedelta(days=30),
            )
            for i in range(count)
        ]
    )
    SocialAction.objects.bulk_create(
        [
            SocialAction(
                key=action_key(action_type=ActionType.SHARE_VIDEO, user=p.user, merchant=merchant, post=p),
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
    # Each person's figures for the merchant, as the engine keeps them beside each action it records
    # (rewards_check compares them with the actions).
    MerchantConsumer.objects.bulk_create(
        [
            MerchantConsumer(
                merchant=merchant, user=p.user, actions=1, first_at=now, last_at=now, joined_at=now
            )
            for p in tracked
        ]
    )
    with transaction.atomic(durable=True):  # as the engagement sync writes them, with their figures
        snapshots = engagement_snapshots_record(
            counts={
                p.pk: EngagementCounts(views=2000 + i, likes=5, comments=1, shares=0)
                for i, p in enumerate(tracked)
            },
            taken_at=now,
        )
    return [s.pk for s in snapshots]


def faultprep(state_path: str, count: int) -> None:
    """Work for the sweeps: ``count`` posts whose engagement is unpaid (processing), and ``count``
    rewards paid 30 days ago whose hold has ended and whose post was seen since (settlement)."""
    run = uuid.uuid4().hex[:8]
    now = timezone.now()
    past = now - timedelta(days=30)
    merchant, campaign = _merchant(run, past)
    settle_ids = _posts(run, "settle", merchant, campaign, count, past)
    for start in range(0, len(settle_ids), 200):
        snapshots_process(snapshot_ids=settle_ids[start : start + 200], now=past)
    TrackedPost.objects.filter(snapshots__pk__in=settle_ids).update(last_synced_at=now)
    pay_ids = _posts(run, "pay", merchant, campaign, count, now - timedelta(hours=1))
    due = Reward.objects.filter(snapshot_id__in=settle_ids).due(now=now).count()
    state = {"run": run, "merchant": merchant.pk, "pay_snapshots": pay_ids, "settle_snapshots": settle_ids}
    Path(state_path).write_text(json.dumps(state))
    print(f"fault run {run}: {len(pay_ids)} snapshots to pay, {due} rewards due to settle")


def enqueue(copies: int) -> None:
    for _ in range(copies):
        for func in SWEEPS:
            async_task(func)
    print(f"queued {copies} x {', '.join(SWEEPS)}")


def _counts(state: dict) -> tuple[int, int]:
    paid = Reward.objects.filter(snapshot_id__in=state["pay_snapshots"]).count()
    settled = (
        Reward.objects.filter(snapshot_id__in=state["settle_snapshots"])
        .exclude(status__in=[RewardStatus.PENDING, RewardStatus.HELD])
        .count()
    )
    return paid, settled


def progress(state_path: str) -> None:
    paid, settled = _counts(json.loads(Path(state_path).read_text()))
    print(paid, settled)


def kill_mid(state_path: str, pgid: int) -> int:
    """SIGKILL the cluster whose process group is ``pgid`` in the middle of both sweeps: at the first
    look where some posts are paid and some remain, and some rewards are settled and some remain.

    It kills the cluster in any case (so the run goes on); it exits 1 when that moment never came
    (one sweep finished before the other began, or nothing moved in five minutes)."""
    state = json.loads(Path(state_path).read_text())
    count = len(state["pay_snapshots"])
    deadline = time.monotonic() + 300
    paid = settled = 0
    while time.monotonic() < deadline:
        paid, settled = _counts(state)
        if 0 < paid < count and 0 < settled < count:
            os.killpg(pgid, signal.SIGKILL)
            print(f"after {paid} of {count} paid and {settled} of {count} settled (both sweeps mid-way)")
            return 0
        if paid == count or settled == count:
            break
        time.sleep(0.02)
    os.killpg(pgid, signal.SIGKILL)
    print(f"after {paid} of {count} paid and {settled} of {count} settled: NOT both mid-way")
    return 1


def kick() -> None:
    """The sweeps' schedules are due now: what happens at their next run, without waiting for it."""
    n = Schedule.objects.filter(func__in=SWEEPS).update(next_run=timezone.now())
    print(f"{n} schedules due now")


def verify(state_path: str) -> int:
    """Every post paid exactly once and every reward settled exactly once, counted three ways: the
    rewards, their ledger transactions (one each, under the reward's idempotency key), and the
    money that left the merchant's funds (exactly the rewards' prices); then the books' own checks."""
    state = json.loads(Path(state_path).read_text())
    count = len(state["pay_snapshots"])
    paid, settled = _counts(state)
    twice = (
        Reward.objects.filter(action__tracked_post__snapshots__pk__in=state["pay_snapshots"])
        .values("action_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    pay_rewards = list(
        Reward.objects.filter(snapshot_id__in=state["pay_snapshots"]).values_list("pk", "status")
    )
    credited = Transaction.objects.filter(
        idempotency_key__in=[
            f"reward:{pk}:{'hold' if status == RewardStatus.HELD else 'credit'}" for pk, status in pay_rewards
        ]
    ).count()
    confirmed_ids = list(
        Reward.objects.filter(
            snapshot_id__in=state["settle_snapshots"], status=RewardStatus.CONFIRMED
        ).values_list("pk", flat=True)
    )
    confirm_postings = Transaction.objects.filter(
        idempotency_key__in=[f"reward:{pk}:confirm" for pk in confirmed_ids]
    ).count()
    merchant = Merchant.objects.get(pk=state["merchant"])
    spent = (
        FAULT_TOP_UP - account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR").balance
    )
    priced = (  # a reversed reward's price went back to the funds
        Reward.objects.filter(merchant=merchant)
        .exclude(status=RewardStatus.REVERSED)
        .aggregate(total=Sum("merchant_price"))["total"]
    )
    print(
        f"engagement: {paid} of {count} posts paid, {twice} paid twice, {credited} ledger postings; "
        f"settlement: {settled} of {count} rewards settled ({len(confirmed_ids)} confirmed, "
        f"{confirm_postings} ledger postings); the merchant's funds paid {spent} EUR for rewards "
        f"priced {priced} EUR"
    )
    call_command("ledger_check")
    call_command("rewards_check")
    ok = (
        paid == count
        and twice == 0
        and credited == len(pay_rewards)
        and settled == count
        and confirm_postings == len(confirmed_ids)
        and spent == priced
    )
    print("nothing lost, nothing twice" if ok else "FAILED: work lost or done twice")
    return 0 if ok else 1


def flood(run: str, tasks: int) -> None:
    """``tasks`` tasks on the queue; each adds one to a counter in the cache (Redis INCR)."""
    key = f"smoke-flood-{run}"
    cache.set(key, 0, timeout=None)
    for _ in range(tasks):
        async_task("django.core.cache.cache.incr", key, 1)
    print(f"queued {tasks} tasks")


def flood_count(run: str) -> None:
    """How many ran, how many are still queued, how many failed (recorded by the cluster)."""
    key = f"smoke-flood-{run}"
    failed = sum(
        1
        for (args,) in Task.objects.filter(func="django.core.cache.cache.incr", success=False).values_list(
            "args"
        )
        if args and args[0] == key
    )
    print(cache.get(key), get_broker().queue_size(), failed)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "loadprep":
        loadprep()
    elif command == "faultprep":
        faultprep(args[0], int(args[1]))
    elif command == "enqueue":
        enqueue(int(args[0]))
    elif command == "progress":
        progress(args[0])
    elif command == "kill-mid":
        sys.exit(kill_mid(args[0], int(args[1])))
    elif command == "kick":
        kick()
    elif command == "verify":
        sys.exit(verify(args[0]))
    elif command == "flood":
        flood(args[0], int(args[1]))
    elif command == "flood-count":
        flood_count(args[0])
    else:
        sys.exit(f"unknown command {command}")
