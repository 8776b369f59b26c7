"""Benchmark the public API: ``GET /api/v1/rewards`` (a page of 50) beside a bare Django view.

Sets up one merchant with 500 rewards and a read key, starts a multi-process WSGI server
(forked workers sharing one listening socket, the project's real middleware and API
stack, PostgreSQL), and drives each URL with 16 concurrent clients for a few seconds, in
the same run. Prints requests/s and latency percentiles and the ratio against the goal
(rewards list >= 0.5x the bare view's requests/s, p99 <= 100 ms). It writes into the
database it is given: point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import http.client
import os
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
from merchants.models import Merchant
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
    port: int, path: str, headers: dict, *, clients: int, seconds: float
) -> tuple[int, list[float], int]:
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
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            mine.append(time.perf_counter() - started)
            bad += response.status != 200
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
        "GET /api/v1/rewards (page of 50) beside a bare one-ORM-get view, 16 clients, multi-process server."
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
        merchant, key = self._prepare(run, options["rewards"])

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
            for name, path, headers in (
                ("bare view (one ORM get)", f"/bench/bare/{merchant.pk}", {}),
                (
                    "GET /api/v1/rewards?limit=50",
                    "/api/v1/rewards?limit=50",
                    {"Authorization": f"Bearer {key}"},
                ),
            ):
                _drive(port, path, headers, clients=options["clients"], seconds=1.0)  # warm up
                count, latencies, errors = _drive(
                    port, path, headers, clients=options["clients"], seconds=options["seconds"]
                )
                rps = count / options["seconds"]
                results[name] = (rps, _pct(latencies, 50), _pct(latencies, 99))
                self.stdout.write(
                    f"{name}: {rps:,.0f} requests/s, p50 {_pct(latencies, 50):.1f} ms, "
                    f"p99 {_pct(latencies, 99):.1f} ms, {errors} non-200"
                )
        finally:
            for pid in children:
                os.kill(pid, 15)
                os.waitpid(pid, 0)
            sock.close()
        (bare_rps, _, _), (api_rps, _, api_p99) = results.values()
        ratio = api_rps / bare_rps
        self.stdout.write(
            f"rewards list / bare view: {ratio:.2f} (goal >= {GOAL_RATIO}); rewards list p99 {api_p99:.1f} ms "
            f"(goal <= {GOAL_P99_MS:.0f} ms): {'met' if ratio >= GOAL_RATIO and api_p99 <= GOAL_P99_MS else 'NOT met'}"
        )

    def _prepare(self, run: str, rewards: int) -> tuple[Merchant, str]:
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
            amount=Money(Decimal(rewards) * 2, merchant.currency),
            bank_reference=f"BENCH-API-{run}",
            value_date=timezone.localdate(now),
            actor=ops,
            now=now,
        )
        campaign = campaign_services.campaign_create(
            merchant=merchant,
            actor=owner,
            values={"name": "Bench", "starts_at": now - timedelta(days=1), "hashtag": "bench"},
            rules=[{"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("0.50")}],
        )
        campaign_services.campaign_activate(campaign=campaign, actor=owner, now=now)
        started = time.perf_counter()
        for i in range(rewards):
            fan = User.objects.create_user(email=None, display_name=f"Fan {run} {i}")
            action_record(user=fan, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
        made = Reward.objects.filter(merchant=merchant).count()
        self.stdout.write(f"set-up: {made} rewards in {time.perf_counter() - started:.1f} s")
        _, key = api_key_create(
            merchant=merchant,
            name="bench",
            kind=KeyKind.SECRET,
            scope=Scope.READ,
            expires_at=None,
            actor=owner,
            now=now,
        )
        return merchant, key
