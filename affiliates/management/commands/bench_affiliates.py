"""Benchmark the tracked-link redirect ``/r/<code>`` beside a bare Django view, in the same run.

Sets up a program, an approved affiliate and a link, starts gunicorn on the shared harness
(``core.benchmarking.HttpServer``: sync workers, the project's real middleware, ``DEBUG`` off,
PostgreSQL, the bare view of ``core.bench_urls``) and drives each URL with wrk, 16 concurrent
clients (a browser user agent, a different client address per request through
X-Forwarded-For, as many visitors would be). Prints requests/s and latency percentiles against
the goals (redirect >= 0.8x the bare view's requests/s, p99 <= 25 ms, ``BELOW GOAL``
otherwise), then stops the server as production does (SIGTERM) and checks that every redirect
the server sent (its access log) has its click in the database. It writes into the database it
is given: point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import os
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.services import user_ensure_with_email
from affiliates import services
from affiliates.models import Click, Link
from core.benchmarking import (
    BARE_PATH,
    Goals,
    HttpServer,
    LoadResult,
    Target,
    Variant,
    report_rows,
    server_description,
)
from merchants import services as merchant_services

GOAL_RATIO = 0.8
GOAL_P99_MS = 25.0
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
VISITORS = 4096  # client addresses wrk cycles through (a visitor recurs within the hour, as in life)


def _merge(name: str, slices: list[LoadResult]) -> LoadResult:
    """One result from interleaved slices: requests and time added, each percentile the highest
    slice's (a slice's p99 can't be averaged into the run's; the highest is the honest bound)."""
    return LoadResult(
        name=name,
        clients=slices[0].clients,
        seconds=sum(r.seconds for r in slices),
        requests=sum(r.requests for r in slices),
        p50_ms=max(r.p50_ms for r in slices),
        p95_ms=max(r.p95_ms for r in slices),
        p99_ms=max(r.p99_ms for r in slices),
        errors=sum(r.errors for r in slices),
        reused=sum(r.reused for r in slices),
        load_cpu_s=sum(r.load_cpu_s for r in slices),
        server_cpu_s=sum(r.server_cpu_s for r in slices),
    )


class Command(BaseCommand):
    help = "/r/<code> beside a bare one-ORM-get view, 16 clients (wrk), gunicorn; every click recorded."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument(
            "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn sync workers"
        )
        parser.add_argument(
            "--seconds", type=float, default=8.0, help="per URL, in --rounds interleaved slices"
        )
        parser.add_argument("--rounds", type=int, default=2)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_affiliates measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        run = uuid.uuid4().hex[:8]
        clients = options["clients"]
        self.stdout.write(
            f"bench_affiliates: {clients} clients (wrk), {options['workers']} gunicorn sync workers, run {run}"
        )
        load = os.getloadavg()
        self.stdout.write(
            f"machine: {server_description()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )
        link, anchor_pk = self._prepare(run)
        path = f"/r/{link.code}"
        bare = Target("bare view (one ORM get)", (Variant(BARE_PATH.format(pk=anchor_pk)),), p99_goal=False)
        redirect = Target(
            f"GET {path} (302)",
            tuple(
                Variant(
                    path,
                    headers={
                        "User-Agent": BROWSER,
                        "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                    },
                )
                for n in range(1, VISITORS + 1)
            ),
            ok_statuses=(302,),
            goal_ratio=GOAL_RATIO,
        )
        targets = (bare, redirect)
        slices: dict[str, list[LoadResult]] = {t.name: [] for t in targets}
        slice_seconds = options["seconds"] / max(1, options["rounds"])
        # each request a different visitor, as behind the production proxy
        server = HttpServer(
            workers=options["workers"], settings_overrides={"TRUST_X_FORWARDED_FOR": True}, access_log=True
        )
        with server:
            for target in targets:
                status, body = server.fetch(target.variants[0])
                if status not in target.ok_statuses:
                    raise CommandError(f"{target.name}: {status}\n{body[:2000]}")
                server.load(target, clients=clients, seconds=1.0)  # warm up
            # Interleaved slices, so that a machine whose load changes during the run weighs on both alike.
            for _round in range(max(1, options["rounds"])):
                for target in targets:
                    slices[target.name].append(server.load(target, clients=clients, seconds=slice_seconds))
            # The clicks are written after each response, in batches: stop the server as a deploy
            # would (SIGTERM; each worker writes what it holds as it exits), then count.
            started = time.monotonic()
            server.stop()
            stopped_in = time.monotonic() - started
            redirects = server.responses_sent(302, path)
        results = [_merge(t.name, slices[t.name]) for t in targets]
        for r in results:
            self.stdout.write(
                f"  {r.name}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.1f} ms, p95 {r.p95_ms:.1f} ms, "
                f"p99 {r.p99_ms:.1f} ms, {r.errors} errors"
            )
        lines, all_met = report_rows(
            results, {clients: results[0].rps}, {t.name: t for t in targets}, Goals(p99_ms=GOAL_P99_MS)
        )
        recorded = Click.objects.filter(link=link).count()
        unique = Click.objects.filter(link=link, is_unique=True).count()
        clicks_ok = recorded == redirects and redirects > 0
        all_met &= clicks_ok
        self.stdout.write("")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(
            f"clicks recorded after the run: {recorded:,} of the {redirects:,} redirects the server sent "
            f"({unique:,} unique; server stopped in {stopped_in:.1f} s) "
            + ("met" if clicks_ok else "BELOW GOAL")
        )
        load_cpu = sum(r.load_cpu_s for r in results)
        server_cpu = sum(r.server_cpu_s for r in results)
        self.stdout.write(
            f"load generator (wrk, one thread) used {load_cpu:.1f} s of CPU against the server workers' "
            f"{server_cpu:.1f} s ({100 * load_cpu / max(server_cpu, 0.001):.1f}%)"
        )
        self.stdout.write("all goals met" if all_met else "BELOW GOAL: see the lines above")

    def _prepare(self, run: str) -> tuple[Link, int]:
        now = timezone.now()
        owner, _ = user_ensure_with_email(email=f"bench-aff-{run}@bench.example", password=uuid.uuid4().hex)
        merchant = merchant_services.merchant_create(
            actor=owner,
            brand_name=f"Bench {run}",
            slug=f"bench-aff-{run}",
            country="DE",
            currency="EUR",
            legal_name=f"Bench {run} GmbH",
            billing_address="Benchstrasse 1",
            contact_email=f"bench-{run}@bench.example",
        )
        program = services.program_create(
            merchant=merchant, name="Bench partners", domains=["shop.example"], now=now
        )
        person, _ = user_ensure_with_email(email=f"partner-{run}@bench.example", password=uuid.uuid4().hex)
        affiliate = services.affiliate_apply(
            program=program, user=person, website="https://partner.example/", promotion_plan="bench", now=now
        )
        affiliate = services.affiliate_decide(
            affiliate_id=affiliate.pk, status="APPROVED", reason="", actor=owner, now=now
        )
        link = services.link_create(affiliate=affiliate, destination="https://shop.example/p?x=1", now=now)
        return link, owner.pk
