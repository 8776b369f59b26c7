"""Benchmark the merchant console at a million rewards (``make bench``; docs/benchmarks.md).

Builds one merchant with ``--rewards`` rewards (1,000,000 by default) and everything around them
(``tikjoy/scale_data.py``: consumers, consents, posts, snapshots, actions, the ledger), then times,
in-process with Django's test client signed in as the merchant's owner, every console page a
merchant opens: the dashboard, every list plain, filtered, searched and deep-paged, the detail
pages, every export (time to the first byte, and how the process's memory grows while the rows
stream), and ``/wallet/`` for a consumer with a hundredth of the rewards (10,000). Each page: median
and p95 of ``--runs`` runs after one warm-up, and its query count. Goals (issue #16): dashboard
p95 <= 200 ms, lists and other pages p95 <= 300 ms, exports' first byte <= 1 s with flat memory,
wallet p95 <= 100 ms; ``BELOW GOAL`` marks a miss. ``ledger_check`` and ``rewards_check`` run at the
end. It writes into the database it is given: point it at a throwaway one (``make bench`` does).

``--apps`` (issue #22) also builds payouts, affiliates, webhooks and an API key at their own scale
on the same merchant (``tikjoy/scale_data_apps.py``) and times the pages a merchant, an affiliate,
a consumer, an operator and an API client open in them (``tikjoy/bench_scale_apps.py``), with the
same goals; ``--only-apps`` times only those. With them, billing at volume (years of monthly
statements and invoices of many merchants with their ledger, ``tikjoy/scale_billing.py``) and
Promote at its own scale (orders with their hourly delivery rows, coins ledger, coupons,
``tikjoy/scale_promote.py``); ``--pages REGEX`` times only the apps' pages whose label matches.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from campaigns.models import Campaign
from core.benchmarking import server_description
from merchants.models import BankTransfer
from rewards.models import MerchantConsumer, Reward
from tikjoy import bench_scale_apps, scale_billing, scale_data, scale_data_apps, scale_promote
from tikjoy.scale_data import build, existing

GOALS_MS = {"dashboard": 200, "list": 300, "detail": 300, "wallet": 100, "export": 1000}
FIRST_BYTE_GOAL_MS = 1000
FLAT_MEMORY_MB = 50  # growth of the process while an export streams that still counts as flat


@dataclass(frozen=True)
class Page:
    kind: str  # dashboard | list | detail | wallet
    label: str
    url: str


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1_048_576


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


class Command(BaseCommand):
    help = "Build one merchant with a million rewards and time every console page and export."

    def add_arguments(self, parser):
        parser.add_argument("--rewards", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=7, help="timed runs per page (after one warm-up)")
        parser.add_argument(
            "--merchant",
            help="time the console of this merchant (slug) of an earlier run instead of building one",
        )
        parser.add_argument(
            "--export-rows", type=int, default=200_000, help="rows read of each export (0: all of them)"
        )
        parser.add_argument(
            "--apps",
            action="store_true",
            help="also build and time payouts, affiliates, webhooks and the API (tikjoy/scale_data_apps.py)",
        )
        parser.add_argument("--payouts", type=int, help="consumer payouts (default: rewards / 5)")
        parser.add_argument("--clicks", type=int, help="affiliate clicks (default: rewards)")
        parser.add_argument("--conversions", type=int, help="affiliate conversions (default: rewards / 10)")
        parser.add_argument("--events", type=int, help="webhook events delivered (default: rewards / 5)")
        parser.add_argument(
            "--billing-merchants",
            type=int,
            help="merchants with a billing history of monthly statements and invoices (default: rewards / 1,000)",
        )
        parser.add_argument("--billing-months", type=int, default=24, help="months of that history")
        parser.add_argument(
            "--promote-orders",
            type=int,
            help="promotion orders with their delivery rows (default: rewards / 200)",
        )
        parser.add_argument(
            "--pages",
            help="with --apps: time only the apps' pages whose label matches this regular expression",
        )
        parser.add_argument(
            "--only-apps", action="store_true", help="with --apps: time only the new apps' pages"
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_scale measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
        now = timezone.now()
        self.stdout.write(
            f"bench_scale: {options['rewards']:,} rewards of one merchant, {now:%Y-%m-%d %H:%M} UTC"
        )
        self.stdout.write(f"machine: {server_description()}")
        started = time.perf_counter()
        if options["merchant"]:
            data = existing(slug=options["merchant"])
        else:
            data = build(rewards=options["rewards"], now=now, log=self.stdout.write)
        self.stdout.write(
            f"{'found' if options['merchant'] else 'built'} in {time.perf_counter() - started:.0f} s: "
            f"{data.rewards:,} rewards, {data.consumers:,} consumers, "
            f"{data.actions:,} actions, {data.posts:,} posts, {data.snapshots:,} snapshots"
        )
        self.runs = options["runs"]
        self.below = 0
        apps = None
        if options["apps"]:
            apps = self._apps_data(data, options, now)
        client = Client()
        client.force_login(data.owner)
        self.stdout.write(f"{'page':<52} {'median':>9} {'p95':>9} {'queries':>8}  goal")
        if not options["only_apps"]:
            for page in self._pages(data):
                self._time(client, page)
            self._exports(client, data, options["export_rows"])
            heavy = User.objects.get(pk=data.heavy_user_id)
            wallet_client = Client()
            wallet_client.force_login(heavy)
            held = Reward.objects.filter(user=heavy).count()
            self._time(
                wallet_client, Page("wallet", f"/wallet/ (a consumer with {held:,} rewards)", "/wallet/")
            )
        if apps is not None:
            billing, promote = self._billing_promote_data(data, options, now)
            by_who = bench_scale_apps.clients(data=apps, owner=data.owner)
            by_who["creator"] = bench_scale_apps.creator_client(promote=promote)
            pages = bench_scale_apps.pages(data=apps, merchant=data.merchant)
            if billing is not None:
                pages += bench_scale_apps.billing_pages(billing=billing)
            if promote is not None:
                pages += bench_scale_apps.promote_pages(promote=promote)
            wanted = re.compile(options["pages"]) if options["pages"] else None
            for page in pages:
                if wanted is None or wanted.search(page.label):
                    self._time(by_who[page.who], Page(page.kind, page.label, page.url))
        self.stdout.write(f"{self.below} page(s) BELOW GOAL" if self.below else "every page within its goal")
        for check in ("ledger_check", "rewards_check", "affiliates_check"):
            try:
                call_command(check, stdout=self.stdout, stderr=self.stderr)
            except CommandError as exc:
                self.stdout.write(f"{check}: FAILED ({exc})")
            else:
                self.stdout.write(f"{check}: clean")

    def _apps_data(self, data, options, now):
        """The new apps' data (issue #22): built on the merchant, or found from an earlier run."""
        if options["merchant"]:
            apps = bench_scale_apps.existing(merchant=data.merchant, owner=data.owner)
            if apps is not None:
                self.stdout.write(f"apps found: {apps.payouts:,} payouts, {apps.commissions:,} commissions")
                return apps
        started = time.perf_counter()
        rewards = data.rewards
        apps = scale_data_apps.build(
            merchant=data.merchant,
            owner=data.owner,
            now=now,
            payouts=options["payouts"] or max(rewards // 5, 10),
            clicks=options["clicks"] or max(rewards, 100),
            conversions=options["conversions"] or max(rewards // 10, 10),
            events=options["events"] or max(rewards // 5, 10),
            log=self.stdout.write,
        )
        self.stdout.write(
            f"apps built in {time.perf_counter() - started:.0f} s: {apps.payouts:,} payouts in "
            f"{apps.batches:,} batches, {apps.affiliates:,} affiliates, {apps.clicks:,} clicks, "
            f"{apps.conversions:,} conversions ({apps.commissions:,} commissions), {apps.events:,} webhook events"
        )
        return apps

    def _billing_promote_data(self, data, options, now):
        """Billing at volume and Promote at its own scale (issue #22): built, or found from an earlier run."""
        if options["merchant"]:
            billing = bench_scale_apps.billing_existing(merchant=data.merchant)
            promote = bench_scale_apps.promote_existing(merchant=data.merchant)
            if billing is not None or promote is not None:
                self.stdout.write(
                    f"billing found: {billing.statements if billing else 0:,} statements; promote found: "
                    f"{promote.orders if promote else 0:,} orders"
                )
                return billing, promote
        rewards = data.rewards
        started = time.perf_counter()
        first_own = now - timedelta(days=scale_data.DAYS + 1)
        billing = scale_billing.build(
            merchant=data.merchant,
            owner=data.owner,
            now=now,
            first_own=first_own,
            merchants=options["billing_merchants"] or max(rewards // 1_000, 10),
            months=options["billing_months"],
            log=self.stdout.write,
        )
        self.stdout.write(
            f"billing built in {time.perf_counter() - started:.0f} s: {billing.merchants:,} merchants x "
            f"{billing.months} months, {billing.statements:,} statements, {billing.invoices:,} invoices, "
            f"{billing.transactions:,} ledger transactions"
        )
        started = time.perf_counter()
        promote = scale_promote.build(
            merchant=data.merchant,
            owner=data.owner,
            now=now,
            orders=options["promote_orders"] or max(rewards // 200, 50),
            log=self.stdout.write,
        )
        self.stdout.write(
            f"promote built in {time.perf_counter() - started:.0f} s: {promote.orders:,} orders, "
            f"{promote.ticks:,} delivery ticks, {promote.purchases:,} coin purchases, {promote.coupons:,} coupons"
        )
        return billing, promote

    def _pages(self, data) -> list[Page]:
        merchant = data.merchant
        campaign = Campaign.objects.get(pk=data.campaign_ids[2])
        reward = Reward.objects.filter(merchant=merchant).order_by("-created_at", "-pk")[
            min(25_000, data.rewards // 2)
        ]
        rewards = reverse("console:rewards_reward_changelist")
        consumers = reverse("console:rewards_reward_consumers")
        deep = max(1, min(500, data.rewards // 200))  # page 500 at a million (25,000 rows in)
        pages = [
            Page("dashboard", "dashboard", reverse("console:index")),
            Page("dashboard", "dashboard, last 90 days", reverse("console:index") + "?days=90"),
            Page("list", "rewards", rewards),
            Page("list", f"rewards, page {deep}", rewards + f"?p={deep}"),
            Page("list", "rewards, one campaign", rewards + f"?campaign__id__exact={campaign.pk}"),
            Page("list", "rewards, status pending", rewards + "?status__exact=PENDING"),
            Page("list", "rewards, status reversed", rewards + "?status__exact=REVERSED"),
            Page("list", "rewards, kind engagement", rewards + "?kind__exact=ENGAGEMENT"),
            Page("list", "rewards, action like", rewards + "?action_type__exact=LIKE"),
            Page("list", "rewards, searched 'autumn'", rewards + "?q=autumn"),
            Page(
                "list",
                "rewards, campaign + confirmed, page 20",
                rewards + f"?campaign__id__exact={campaign.pk}&status__exact=CONFIRMED&p={min(20, deep)}",
            ),
            Page("list", "rewards, sorted by price", rewards + "?o=6"),
            Page("detail", "reward detail", reverse("console:rewards_reward_change", args=[reward.pk])),
            Page("list", "consumers who engaged", consumers),
            Page("list", f"consumers who engaged, page {deep}", consumers + f"?page={deep}"),
            Page("list", "campaigns", reverse("console:campaigns_campaign_changelist")),
            Page("detail", "campaign", reverse("console:campaigns_campaign_change", args=[campaign.pk])),
            Page(
                "detail",
                "campaign report",
                reverse("console:campaigns_campaign_report", kwargs={"object_id": campaign.pk}),
            ),
            Page("list", "merchant wallet", reverse("console:wallet")),
            Page("list", f"merchant wallet, page {deep}", reverse("console:wallet") + f"?page={deep}"),
            Page("list", "videos", reverse("console:campaigns_video_changelist")),
            Page("list", "touchpoints", reverse("console:merchants_touchpoint_changelist")),
            Page("list", "team", reverse("console:merchants_membership_changelist")),
            Page("list", "bank transfers", reverse("console:merchants_banktransfer_changelist")),
        ]
        heavy = MerchantConsumer.objects.filter(merchant=merchant, user_id=data.heavy_user_id).first()
        diagnostics = reverse("console:diagnostics")
        pages += [
            Page("list", "diagnostics", diagnostics),
            Page("list", "diagnostics, searched by e-mail", diagnostics + "?q=nobody%40bench.invalid"),
            Page("list", "diagnostics, searched by handle", diagnostics + "?q=%40scale.consumer"),
            Page(
                "detail",
                "diagnostics, campaign",
                reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}),
            ),
        ]
        if heavy is not None:
            pages.append(
                Page(
                    "detail",
                    "diagnostics, the busiest consumer",
                    reverse("console:diagnostics_consumer", kwargs={"ref": heavy.pk}),
                )
            )
        transfer = BankTransfer.objects.filter(merchant=merchant).first()
        if transfer is not None:
            pages.append(
                Page(
                    "detail",
                    "bank transfer",
                    reverse("console:merchants_banktransfer_change", args=[transfer.pk]),
                )
            )
        return pages

    def _verdict(self, value: float, goal: float) -> str:
        if value <= goal:
            return f"<= {goal:.0f} ms"
        self.below += 1
        return f"<= {goal:.0f} ms BELOW GOAL"

    def _time(self, client: Client, page: Page) -> None:
        response = client.get(page.url)
        if response.status_code != 200:
            self.stdout.write(f"{page.label:<52} HTTP {response.status_code} (not timed) BELOW GOAL")
            self.below += 1
            return
        times, queries = [], 0
        for _ in range(self.runs):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                client.get(page.url)
                times.append((time.perf_counter() - started) * 1000)
            queries = len(ctx.captured_queries)
        median, p95 = statistics.median(times), _p95(times)
        self.stdout.write(
            f"{page.label:<52} {median:>7.0f}ms {p95:>7.0f}ms {queries:>8}  p95 "
            + self._verdict(p95, GOALS_MS[page.kind])
        )

    def _exports(self, client: Client, data, rows_wanted: int) -> None:
        campaign = data.campaign_ids[2]
        exports = [
            ("rewards CSV", reverse("console:rewards_reward_export")),
            (
                "rewards CSV, one campaign",
                reverse("console:rewards_reward_export") + f"?campaign__id__exact={campaign}",
            ),
            ("consumers CSV", reverse("console:rewards_reward_consumers_export")),
            ("merchant wallet CSV", reverse("console:wallet_export")),
            (
                "campaign report CSV",
                reverse("console:campaigns_campaign_report_csv", kwargs={"object_id": campaign}) + "?days=90",
            ),
        ]
        self.stdout.write(f"{'export':<52} {'first byte':>10} {'rows':>9} {'rows/s':>8} {'memory':>14}  goal")
        for label, url in exports:
            rss_before = _rss_mb()
            started = time.perf_counter()
            response = client.get(url)
            if response.status_code != 200:
                self.stdout.write(f"{label:<52} HTTP {response.status_code} BELOW GOAL")
                self.below += 1
                continue
            chunks = iter(response.streaming_content if response.streaming else [response.content])
            first = next(chunks, b"")
            first_byte = (time.perf_counter() - started) * 1000
            rss_first, peak, lines = _rss_mb(), _rss_mb(), first.count(b"\n")
            for chunk in chunks:
                lines += chunk.count(b"\n")
                if lines % 10_000 == 0:
                    peak = max(peak, _rss_mb())
                if rows_wanted and lines > rows_wanted:
                    break
            peak = max(peak, _rss_mb())
            elapsed = time.perf_counter() - started
            close = getattr(response, "close", None)
            if close:
                close()
            growth = peak - rss_first
            verdict = "ok"
            if first_byte > FIRST_BYTE_GOAL_MS or growth > FLAT_MEMORY_MB:
                verdict, self.below = "BELOW GOAL", self.below + 1
            self.stdout.write(
                f"{label:<52} {first_byte:>8.0f}ms {lines - 1:>9,} {lines / elapsed:>8,.0f} "
                f"{rss_before:>5.0f}+{growth:>4.0f} MB  first byte <= {FIRST_BYTE_GOAL_MS} ms, "
                f"growth <= {FLAT_MEMORY_MB} MB {verdict}"
            )
