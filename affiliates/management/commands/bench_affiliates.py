"""Benchmark the tracked-link redirect ``/r/<code>`` beside a bare Django view, in the same run.

Sets up a program, an approved affiliate and a link, starts a multi-process WSGI server
(forked workers sharing one listening socket, the project's real middleware, PostgreSQL),
and drives each URL with 16 concurrent clients (a browser user agent, a different client
address per request through X-Forwarded-For, as many visitors would be). Prints
requests/s and latency percentiles against the goal (redirect >= 0.8x the bare view's
requests/s, p99 <= 25 ms, ``BELOW GOAL`` otherwise), then checks that every redirect's
click was recorded after the run. It writes into the database it is given: point it at a
throwaway one (``make bench`` does).
"""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import statistics
import threading
import time
import uuid
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import clear_url_caches
from django.utils import timezone

from accounts.services import user_ensure_with_email
from affiliates import services
from affiliates.models import Click, Link
from core.benchmarking import close_connections, server_description
from merchants import services as merchant_services

GOAL_RATIO = 0.8
GOAL_P99_MS = 25.0
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _serve(sock: socket.socket) -> None:
    server = _Server(("127.0.0.1", 0), _Quiet, bind_and_activate=False)
    server.socket = sock
    server.server_address = sock.getsockname()
    server.server_name, server.server_port = "127.0.0.1", server.server_address[1]
    server.setup_environ()
    server.set_app(get_wsgi_application())
    server.serve_forever()


def _drive(
    port: int, path: str, *, expect: int, clients: int, seconds: float
) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    addresses = itertools.count(1)
    deadline = time.perf_counter() + seconds

    def client():
        nonlocal errors
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            n = next(addresses)
            headers = {
                "User-Agent": BROWSER,
                "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
            }
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            mine.append(time.perf_counter() - started)
            bad += response.status != expect
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


class Command(BaseCommand):
    help = "/r/<code> beside a bare one-ORM-get view, 16 clients, multi-process server; every click recorded."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument(
            "--workers", type=int, default=max(2, os.cpu_count() or 2), help="server processes"
        )
        parser.add_argument(
            "--seconds", type=float, default=8.0, help="per URL, in --rounds interleaved slices"
        )
        parser.add_argument("--rounds", type=int, default=4)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_affiliates measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        run = uuid.uuid4().hex[:8]
        self.stdout.write(
            f"bench_affiliates: {options['clients']} clients, {options['workers']} server processes, run {run}"
        )
        self.stdout.write(f"machine: {server_description()}")
        link = self._prepare(run)
        settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        settings.TRUST_X_FORWARDED_FOR = True  # each request a different visitor, as behind a proxy
        settings.ROOT_URLCONF = "affiliates.management.bench_urls"
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
        redirects = 0
        try:
            time.sleep(0.5)
            targets = (
                ("bare view (one ORM get)", f"/bench/bare/{link.code}", 200),
                (f"GET /r/{link.code} (302)", f"/r/{link.code}", 302),
            )
            for _name, path, expect in targets:  # warm both up (connections, caches)
                warm, _, _ = _drive(port, path, expect=expect, clients=options["clients"], seconds=1.0)
                redirects += warm if expect == 302 else 0
            # Interleaved slices, so that a machine whose load changes during the run weighs on both alike.
            measured = {name: ([], 0) for name, _, _ in targets}
            slice_seconds = options["seconds"] / options["rounds"]
            for _round in range(options["rounds"]):
                for name, path, expect in targets:
                    count, latencies, errors = _drive(
                        port, path, expect=expect, clients=options["clients"], seconds=slice_seconds
                    )
                    redirects += count if expect == 302 else 0
                    kept, bad = measured[name]
                    measured[name] = (kept + latencies, bad + errors)
            results = {}
            for name, _path, expect in targets:
                latencies, errors = measured[name]
                rps = len(latencies) / options["seconds"]
                results[name] = (rps, _pct(latencies, 50), _pct(latencies, 99))
                self.stdout.write(
                    f"{name}: {rps:,.0f} requests/s, p50 {_pct(latencies, 50):.1f} ms, "
                    f"p99 {_pct(latencies, 99):.1f} ms, {errors} not {expect}"
                )
            # The clicks are written after each response: give the last ones a moment.
            deadline = time.monotonic() + 10
            while Click.objects.filter(link=link).count() < redirects and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            for pid in children:
                os.kill(pid, 15)
                os.waitpid(pid, 0)
            sock.close()
        (bare_rps, _, _), (r_rps, _, r_p99) = results.values()
        ratio = r_rps / bare_rps if bare_rps else 0.0
        recorded = Click.objects.filter(link=link).count()
        unique = Click.objects.filter(link=link, is_unique=True).count()
        below = ratio < GOAL_RATIO or r_p99 > GOAL_P99_MS or recorded != redirects
        self.stdout.write(
            f"/r/ vs bare: {ratio:.2f}x (goal >= {GOAL_RATIO}x), p99 {r_p99:.1f} ms (goal <= {GOAL_P99_MS:.0f} ms); "
            f"clicks recorded {recorded} of {redirects} redirects ({unique} unique)"
            + (" BELOW GOAL" if below else "")
        )

    def _prepare(self, run: str) -> Link:
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
        return services.link_create(affiliate=affiliate, destination="https://shop.example/p?x=1", now=now)
