"""Benchmark the public API: ``GET /api/v1/rewards`` (a page of 50) and ``POST /api/v1/actions``
(a reported purchase, paid by the engine) beside a bare Django view.

Sets up one merchant with 500 rewards, 200 consumers who joined it, a read and a write key,
starts gunicorn (``core.benchmarking.HttpServer``: sync workers, the project's real middleware
and API stack, ``DEBUG`` off as in production, PostgreSQL), and drives each URL with wrk, 16
concurrent clients for a few seconds, beside the bare view (one ORM get behind the same
middleware) in the same run and server. Prints requests/s, p50, p95, p99 and errors, the goals
(rewards list >= 0.5x the bare view's requests/s; p99 <= 100 ms; no errors) and ``BELOW GOAL``
where one is missed. It writes into the
database it is given: point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from api.models import KeyKind, Scope
from api.services import api_key_create
from campaigns import services as campaign_services
from campaigns.models import ActionType
from core.benchmarking import BARE_PATH, Goals, HttpServer, Target, Variant, report_rows, server_description
from merchants import services as merchant_services
from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField, Merchant
from merchants.services import consent_give
from merchants.wallet import merchant_top_up_record
from rewards.models import Reward
from rewards.services import action_record

GOAL_RATIO = 0.5
GOAL_P99_MS = 100.0


class Command(BaseCommand):
    help = (
        "GET /api/v1/rewards (page of 50) and POST /api/v1/actions beside a bare one-ORM-get view, "
        "16 clients, multi-process server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rewards", type=int, default=500)
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument(
            "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn sync workers"
        )
        parser.add_argument(
            "--posts", type=int, default=3000, help="distinct POSTs prepared (each sent once)"
        )
        parser.add_argument("--seconds", type=float, default=8.0)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_api measures PostgreSQL: point DATABASE_URL at one (make bench does).")
        run = uuid.uuid4().hex[:8]
        clients = options["clients"]
        self.stdout.write(
            f"bench_api: {clients} clients (wrk), {options['workers']} gunicorn sync workers, run {run}"
        )
        load = os.getloadavg()
        self.stdout.write(
            f"machine: {server_description()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )
        merchant, key, write_key, fans, anchor_pk = self._prepare(run, options["rewards"])

        def purchase() -> Variant:
            event = uuid.uuid4().hex
            fan = random.choice(fans)  # noqa: S311 - load, not a secret
            return Variant(
                "/api/v1/actions",
                "POST",
                {
                    "Authorization": f"Bearer {write_key}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": event,
                },
                json.dumps(
                    {
                        "type": "PURCHASE",
                        "consumer": consumer_ref(merchant_id=merchant.pk, user_id=fan),
                        "event_id": f"order-{event}",
                    }
                ),
            )

        bare = Target("bare view (one ORM get)", (Variant(BARE_PATH.format(pk=anchor_pk)),), p99_goal=False)
        rewards_list = Target(
            "GET /api/v1/rewards?limit=50",
            (Variant("/api/v1/rewards?limit=50", headers={"Authorization": f"Bearer {key}"}),),
            goal_ratio=GOAL_RATIO,
        )
        # Each POST a new Idempotency-Key and event id: more than a run can send.
        actions = Target(
            "POST /api/v1/actions (a purchase, paid)",
            tuple(purchase() for _ in range(options["posts"])),
            ok_statuses=(201,),
            unique=True,
        )
        results = []
        anchors = {}
        # measure the API, not its limiter's refusals (the limiter still counts every request)
        with HttpServer(
            workers=options["workers"], settings_overrides={"API_RATE_LIMIT_PER_MINUTE": 10**9}
        ) as server:
            for target in (bare, rewards_list, actions):
                status, body = server.fetch(target.variants[-1])
                if status not in target.ok_statuses:
                    raise CommandError(f"{target.name}: {status}\n{body[:2000]}")
                if target is not actions:
                    server.load(target, clients=clients, seconds=1.0)  # warm up
                result = server.load(target, clients=clients, seconds=options["seconds"])
                results.append(result)
                if target is bare:
                    anchors[clients] = result.rps
                self.stdout.write(
                    f"  {result.name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, "
                    f"p99 {result.p99_ms:.1f} ms, {result.errors} errors"
                )
        paid = Reward.objects.filter(merchant=merchant, action__action_type=ActionType.PURCHASE).count()
        self.stdout.write(f"  effect: {paid} purchases paid")
        lines, all_met = report_rows(
            results,
            anchors,
            {t.name: t for t in (bare, rewards_list, actions)},
            Goals(p99_ms=GOAL_P99_MS),
        )
        self.stdout.write("")
        for line in lines:
            self.stdout.write(line)
        load_cpu = sum(r.load_cpu_s for r in results)
        server_cpu = sum(r.server_cpu_s for r in results)
        self.stdout.write(
            f"load generator (wrk, one thread) used {load_cpu:.1f} s of CPU against the server workers' "
            f"{server_cpu:.1f} s ({100 * load_cpu / max(server_cpu, 0.001):.1f}%)"
        )
        self.stdout.write("all goals met" if all_met else "BELOW GOAL: see the lines above")

    def _prepare(self, run: str, rewards: int) -> tuple[Merchant, str, str, list[int], int]:
        now = timezone.now()
        password = uuid.uuid4().hex
        owner, _ = user_ensure_with_email(email=f"owner-{run}@bench.example", password=password)
        ops, _ = user_ensure_with_email(email=f"ops-{run}@bench.example", password=password, is_staff=True)
        merchant = merchant_services.merchant_create(
            actor=owner,
            brand_name=f"Bench {run}",
            slug=f"bench-{run}",
            country="DE",
            legal_name=f"Bench {run} GmbH",
            billing_address="Hauptstrasse 1, 10115 Berlin",
            contact_email=f"hello-{run}@bench.example",
        )
        merchant_top_up_record(
            merchant=merchant,
            amount=Money(Decimal(rewards) * 2 + 5000, merchant.currency),  # the POSTs pay 0.50 each
            bank_reference=f"BENCH-API-{run}",
            value_date=timezone.localdate(now),
            actor=ops,
            now=now,
        )
        campaign = campaign_services.campaign_create(
            merchant=merchant,
            actor=owner,
            values={"name": "Bench", "starts_at": now - timedelta(days=1), "hashtag": "bench"},
            rules=[
                {"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("0.50")},
                {"action": ActionType.PURCHASE, "is_enabled": True, "amount": Decimal("0.50")},
            ],
        )
        campaign_services.campaign_activate(campaign=campaign, actor=owner, now=now)
        started = time.perf_counter()
        for i in range(rewards):
            fan = User.objects.create_user(email=None, display_name=f"Fan {run} {i}")
            action_record(user=fan, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
        fans = []
        for i in range(200):
            fan = User.objects.create_user(email=None, display_name=f"Buyer {run} {i}")
            consent_give(user=fan, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=now)
            fans.append(fan.pk)
        made = Reward.objects.filter(merchant=merchant).count()
        self.stdout.write(f"set-up: {made} rewards in {time.perf_counter() - started:.1f} s")
        keys = [
            api_key_create(
                merchant=merchant,
                name=f"bench {scope}",
                kind=KeyKind.SECRET,
                scope=scope,
                expires_at=None,
                actor=owner,
                now=now,
            )[1]
            for scope in (Scope.READ, Scope.WRITE)
        ]
        return merchant, keys[0], keys[1], fans, ops.pk
