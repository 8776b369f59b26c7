"""Benchmark the public API: ``GET /api/v1/rewards`` (a page of 50) and ``POST /api/v1/actions``
(a reported purchase, paid by the engine) beside a bare Django view.

Sets up one merchant with 500 rewards, 200 consumers who joined it, a read and a write key,
starts a multi-process WSGI server (forked workers sharing one listening socket, the
project's real middleware and API stack, ``DEBUG`` off as in production, PostgreSQL), and
drives each URL with 16 concurrent clients for a few seconds, in the same run. Prints
requests/s and latency percentiles, the goals (rewards list >= 0.5x the bare view's
requests/s; p99 <= 100 ms) and ``BELOW GOAL`` where one is missed. It writes into the
database it is given: point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import clear_url_caches
from django.utils import timezone
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from api.models import KeyKind, Scope
from api.services import api_key_create
from campaigns import services as campaign_services
from campaigns.models import ActionType
from core.benchmarking import close_connections, server_description
from merchants import services as merchant_services
from merchants.models import ConsentField, Merchant
from merchants.services import consent_give
from merchants.wallet import merchant_top_up_record
from rewards.models import Reward
from rewards.services import action_record

GOAL_RATIO = 0.5
GOAL_P99_MS = 100.0


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _serve(sock: socket.socket) -> None:
    server = _Server(("127.0.0.1", 0), _Quiet, bind_and_activate=False)
    server.socket = sock
    server.server_address = sock.getsockname()
    server.server_name, server.server_port = "127.0.0.1", server.server_address[1]  # what server_bind sets
    server.setup_environ()
    server.set_app(get_wsgi_application())
    server.serve_forever()


def _drive(
    port: int, path: str, headers: dict, *, clients: int, seconds: float, body=None
) -> tuple[int, list[float], int]:
    """``body``: None for a GET, else a function giving each POST's (JSON body, Idempotency-Key)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        nonlocal errors
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if body is None:
                conn.request("GET", path, headers=headers)
            else:
                payload, idempotency_key = body()
                conn.request(
                    "POST",
                    path,
                    body=json.dumps(payload),
                    headers={
                        **headers,
                        "Content-Type": "application/json",
                        "Idempotency-Key": idempotency_key,
                    },
                )
            response = conn.getresponse()
            response.read()
            conn.close()
            mine.append(time.perf_counter() - started)
            bad += response.status not in (200, 201)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


class Command(BaseCommand):
    help = (
        "GET /api/v1/rewards (page of 50) and POST /api/v1/actions beside a bare one-ORM-get view, "
        "16 clients, multi-process server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rewards", type=int, default=500)
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument(
            "--workers", type=int, default=max(2, os.cpu_count() or 2), help="server processes"
        )
        parser.add_argument("--seconds", type=float, default=8.0)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_api measures PostgreSQL: point DATABASE_URL at one (make bench does).")
        run = uuid.uuid4().hex[:8]
        self.stdout.write(
            f"bench_api: {options['clients']} clients, {options['workers']} server processes, run {run}"
        )
        self.stdout.write(f"machine: {server_description()}")
        merchant, key, write_key, fans = self._prepare(run, options["rewards"])

        def purchase():
            event = uuid.uuid4().hex
            fan = random.choice(fans)  # noqa: S311 - load, not a secret
            return {"type": "PURCHASE", "consumer": f"usr_{fan}", "event_id": f"order-{event}"}, event

        settings.DEBUG = False  # as in production (no query log in every request)
        settings.API_RATE_LIMIT_PER_MINUTE = 10**9  # measure the API, not its limiter's refusals
        settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        settings.ROOT_URLCONF = "api.management.bench_urls"
        clear_url_caches()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        port = sock.getsockname()[1]
        close_connections()
        children = []
        for _ in range(options["workers"]):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the server process
                try:
                    _serve(sock)
                finally:
                    os._exit(0)
            children.append(pid)
        try:
            time.sleep(0.5)
            results = {}
            for name, path, headers, body in (
                ("bare view (one ORM get)", f"/bench/bare/{merchant.pk}", {}, None),
                (
                    "GET /api/v1/rewards?limit=50",
                    "/api/v1/rewards?limit=50",
                    {"Authorization": f"Bearer {key}"},
                    None,
                ),
                (
                    "POST /api/v1/actions (a purchase, paid)",
                    "/api/v1/actions",
                    {"Authorization": f"Bearer {write_key}"},
                    purchase,
                ),
            ):
                _drive(port, path, headers, clients=options["clients"], seconds=1.0, body=body)  # warm up
                count, latencies, errors = _drive(
                    port, path, headers, clients=options["clients"], seconds=options["seconds"], body=body
                )
                rps = count / options["seconds"]
                results[name] = (rps, _pct(latencies, 50), _pct(latencies, 99))
                self.stdout.write(
                    f"{name}: {rps:,.0f} requests/s, p50 {_pct(latencies, 50):.1f} ms, "
                    f"p99 {_pct(latencies, 99):.1f} ms, {errors} errors"
                )
        finally:
            for pid in children:
                os.kill(pid, 15)
                os.waitpid(pid, 0)
            sock.close()
        (bare_rps, _, _), (api_rps, _, api_p99), (_, _, post_p99) = results.values()
        ratio = api_rps / bare_rps

        def verdict(ok: bool) -> str:
            return "met" if ok else "BELOW GOAL"

        self.stdout.write(
            f"rewards list / bare view (anchor {bare_rps:,.0f} req/s): {ratio:.2f}, goal >= {GOAL_RATIO}: "
            f"{verdict(ratio >= GOAL_RATIO)}"
        )
        self.stdout.write(
            f"rewards list p99 {api_p99:.1f} ms, goal <= {GOAL_P99_MS:.0f} ms: {verdict(api_p99 <= GOAL_P99_MS)}"
        )
        self.stdout.write(
            f"reported action p99 {post_p99:.1f} ms, goal <= {GOAL_P99_MS:.0f} ms: "
            f"{verdict(post_p99 <= GOAL_P99_MS)}"
        )

    def _prepare(self, run: str, rewards: int) -> tuple[Merchant, str, str, list[int]]:
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
        return merchant, keys[0], keys[1], fans
