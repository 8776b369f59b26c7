"""Benchmark the ledger on the PostgreSQL that DATABASE_URL points at.

Prints, in one run: transfers/s through ``transfer()`` from one hot account to
many (N concurrent worker processes), transfers/s between cold accounts,
pgbench's TPC-B tps with the same number of clients on the same server as the
anchor, the two ratios, and the latency of a balance read on an account with
1,000,000 entries. It writes benchmark rows into the database it is given:
point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import statistics
import time
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from moneyed import Money

from core.benchmarking import close_connections, pgbench_tps, run_in_processes, server_description
from wallets.models import PLATFORM, Account, Purpose
from wallets.services import account_for, balance, transfer

HOT_GOAL = 0.3
COLD_GOAL = 0.5


def _transfer_loop(args) -> int:
    """One worker process: transfer for ``seconds``; returns how many succeeded."""
    mode, worker, seconds, run_id, pairs = args
    close_connections()  # never share the parent's sockets
    accounts = {a.pk: a for a in Account.objects.filter(pk__in={pk for pair in pairs for pk in pair})}
    amount = Money(Decimal("0.01"), "EUR")
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        source_id, destination_id = pairs[done % len(pairs)]
        transfer(
            source=accounts[source_id],
            destination=accounts[destination_id],
            amount=amount,
            kind="BENCH",
            reason=f"benchmark {mode} transfer",
            idempotency_key=f"bench:{run_id}:{mode}:{worker}:{done}",
        )
        done += 1
    close_connections()
    return done


class Command(BaseCommand):
    help = (
        "Ledger throughput against pgbench TPC-B on the same PostgreSQL server (writes into that database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=8)
        parser.add_argument("--seconds", type=float, default=20.0, help="length of each timed phase")
        parser.add_argument(
            "--entries", type=int, default=1_000_000, help="entries on the balance-read account"
        )
        parser.add_argument("--pgbench-scale", type=int, default=10)
        parser.add_argument("--skip-pgbench", action="store_true")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_ledger measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        workers, seconds = options["workers"], options["seconds"]
        run_id = uuid.uuid4().hex[:8]
        self.stdout.write(f"bench_ledger: {workers} worker processes, {seconds:g} s per phase, run {run_id}")
        self.stdout.write(f"machine: {server_description()}")

        hot_pairs, cold_pairs = self._prepare(workers, run_id)
        hot = self._run("hot", workers, seconds, run_id, hot_pairs)
        cold = self._run("cold", workers, seconds, run_id, cold_pairs)
        self.stdout.write(f"hot account  transfer(): {hot:10.1f} transfers/s (one source, {workers} workers)")
        self.stdout.write(f"cold accounts transfer(): {cold:9.1f} transfers/s (disjoint pairs)")

        if not options["skip_pgbench"]:
            tps = pgbench_tps(clients=workers, seconds=seconds, scale=options["pgbench_scale"])
            self.stdout.write(
                f"pgbench TPC-B (scale {options['pgbench_scale']}, {workers} clients): {tps:.1f} tps"
            )
            self.stdout.write(
                f"ratio hot/pgbench:  {hot / tps:.2f} (goal >= {HOT_GOAL})  "
                f"{'OK' if hot / tps >= HOT_GOAL else 'BELOW GOAL'}"
            )
            self.stdout.write(
                f"ratio cold/pgbench: {cold / tps:.2f} (goal >= {COLD_GOAL})  "
                f"{'OK' if cold / tps >= COLD_GOAL else 'BELOW GOAL'}"
            )

        if options["entries"]:
            self._balance_reads(options["entries"], run_id)

    def _prepare(self, workers: int, run_id: str):
        owners = [
            get_user_model().objects.create_user(email=f"bench-{run_id}-{i}@bench.invalid")
            for i in range(1 + 2 * workers + 64)
        ]
        bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
        hot = account_for(owner=owners[0], purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
        fund = Money(Decimal("1000000.00"), "EUR")
        transfer(
            source=bank,
            destination=hot,
            amount=fund,
            kind="BENCH",
            reason="fund",
            idempotency_key=f"bench:{run_id}:hot",
        )
        sinks = [
            account_for(owner=o, purpose=Purpose.USER_AVAILABLE, currency="EUR")
            for o in owners[1 + 2 * workers :]
        ]
        hot_pairs = [[(hot.pk, sink.pk) for sink in sinks[w::workers]] for w in range(workers)]
        cold_pairs = []
        for w in range(workers):
            a = account_for(owner=owners[1 + 2 * w], purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
            b = account_for(owner=owners[2 + 2 * w], purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
            for account in (a, b):
                transfer(
                    source=bank,
                    destination=account,
                    amount=fund,
                    kind="BENCH",
                    reason="fund",
                    idempotency_key=f"bench:{run_id}:cold:{account.pk}",
                )
            cold_pairs.append([(a.pk, b.pk), (b.pk, a.pk)])
        return hot_pairs, cold_pairs

    def _run(self, mode: str, workers: int, seconds: float, run_id: str, pairs) -> float:
        started = time.perf_counter()
        counts = run_in_processes(
            _transfer_loop, [(mode, w, seconds, run_id, pairs[w]) for w in range(workers)]
        )
        elapsed = time.perf_counter() - started
        return sum(counts) / max(elapsed, seconds)

    def _balance_reads(self, entries: int, run_id: str) -> None:
        owner = get_user_model().objects.create_user(email=f"bench-{run_id}-big@bench.invalid")
        big = account_for(owner=owner, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
        bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
        started = time.perf_counter()
        batch = 100_000
        for offset in range(0, entries, batch):
            n = min(batch, entries - offset)
            # n one-cent top-ups in one SQL statement each: n transactions, 2n entries, the
            # balances moved by the same amounts, all through the same triggers as transfer().
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    WITH txn AS (
                        INSERT INTO wallets_transaction
                            (kind, reason, subject_type, subject_id, idempotency_key, fingerprint, created_at)
                        SELECT 'BENCH', 'balance-read fixture', '', '', %s || g, '', now()
                          FROM generate_series(1, %s) AS g
                        RETURNING id
                    )
                    INSERT INTO wallets_entry (transaction_id, account_id, amount, currency)
                    SELECT id, acct, amt, 'EUR' FROM txn,
                           LATERAL (VALUES (%s::bigint, 0.01::numeric), (%s::bigint, -0.01::numeric)) AS leg(acct, amt)
                    """,
                    [f"bench:{run_id}:big:{offset}:", n, big.pk, bank.pk],
                )
                cursor.execute(
                    "UPDATE wallets_account SET balance = balance + %s WHERE id = %s",
                    [Decimal(n) / 100, big.pk],
                )
                cursor.execute(
                    "UPDATE wallets_account SET balance = balance - %s WHERE id = %s",
                    [Decimal(n) / 100, bank.pk],
                )
        self.stdout.write(
            f"fixture: {entries:,} entries on one account in {time.perf_counter() - started:.1f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE wallets_entry")
        timings = []
        for _ in range(1000):
            started = time.perf_counter()
            value = balance(big)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        self.stdout.write(
            f"balance read with {entries:,} entries: p50 {statistics.median(timings):.3f} ms, "
            f"p99 {timings[989]:.3f} ms, max {timings[-1]:.3f} ms (goal < 10 ms); balance {value}"
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(amount) FROM wallets_entry WHERE account_id = %s", [big.pk])
            summed = cursor.fetchone()[0]
        self.stdout.write(
            f"(for contrast, summing its entries takes {(time.perf_counter() - started) * 1000:.1f} ms: {summed})"
        )
