"""Benchmark: one statement over 100,000 ledger lines; 1,000 invoices finalised with XSD + schematron.

Builds its own data (new merchants each run) in the month now running and closes that month an
hour after its end through the services' ``now``. The 100,000 lines are written with one SQL
statement (balanced transactions, the stored balances moved to match, so the statement reconciles);
the invoices' margins go through ``wallets.services.post``.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from moneyed import Money

from accounts.services import user_ensure_with_email
from billing.months import Month
from billing.services import invoice_draft_for_month, invoice_finalise, statement_issue
from merchants.services import merchant_create
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, post


class Command(BaseCommand):
    help = "Time a 100,000-line statement and the finalisation of 1,000 invoices."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=100_000)
        parser.add_argument("--invoices", type=int, default=1_000)

    def handle(self, *args, lines: int, invoices: int, **options):
        run = secrets.token_hex(3)
        now = timezone.now()
        month = Month.of(now.date())
        closed = month.ended_everywhere + timedelta(hours=1)
        owner = user_ensure_with_email(
            email=f"bench-billing-{run}@tikjoy.example", password=secrets.token_hex(16)
        )[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit')"
            )
            version, fsync, sync = cursor.fetchone()
        self.stdout.write(f"{version.split(' on ')[0]}, fsync={fsync}, synchronous_commit={sync}")

        merchant = self._merchant(owner, f"bench-stmt-{run}", "FR")
        started = time.perf_counter()
        self._lines(merchant, month=month, now=now, count=lines, run=run)
        self.stdout.write(f"wrote {lines:,} ledger lines in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        statement, _ = statement_issue(merchant=merchant, currency="EUR", month=month, now=closed)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"statement of {statement.entry_count:,} lines issued in {seconds:.2f} s (goal <= 10 s): "
            f"PDF {len(statement.pdf):,} bytes, CSV {len(statement.csv):,} bytes"
        )

        drafts = []
        for n in range(invoices):
            country = ("FR", "DE", "US")[n % 3]
            buyer = self._merchant(owner, f"bench-inv-{run}-{n}", country)
            funds = account_for(owner=buyer, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
            bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
            revenue = account_for(
                owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR", partition=buyer
            )
            post(
                entries=[(bank, -Money("10.00", "EUR")), (funds, Money("10.00", "EUR"))],
                kind="TOP_UP",
                reason="bench top-up",
                idempotency_key=f"bench-billing:{run}:{n}:top-up",
            )
            post(
                entries=[(funds, -Money("1.23", "EUR")), (revenue, Money("1.23", "EUR"))],
                kind="REWARD_CONFIRM",
                reason="bench margin",
                idempotency_key=f"bench-billing:{run}:{n}:margin",
            )
            drafts.append(invoice_draft_for_month(merchant=buyer, currency="EUR", month=month, now=closed).pk)
        started = time.perf_counter()
        for pk in drafts:
            invoice_finalise(invoice_id=pk, actor=None, now=closed)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{invoices:,} invoices finalised (number, XSD, EN 16931 schematron, PDF/A-3 with XML) in "
            f"{seconds:.1f} s: {seconds / max(invoices, 1):.3f} s each (goal <= 0.5 s)"
        )

    def _merchant(self, owner, slug: str, country: str):
        vat = {"DE": "DE136695976"}.get(country, "")
        return merchant_create(
            actor=owner,
            brand_name=slug,
            slug=slug,
            country=country,
            legal_name=f"{slug} Ltd",
            billing_address="1 Bench Street",
            contact_email=f"{slug}@tikjoy.example",
            vat_number=vat,
        )

    def _lines(self, merchant, *, month: Month, now, count: int, run: str) -> None:
        """``count`` balanced transactions on the merchant's wallet, spread over the month so far."""
        funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
        bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
        step = max((min(now, month.end) - month.start).total_seconds() / (count + 1), 0.001)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "WITH t AS ("
                " INSERT INTO wallets_transaction (kind, reason, subject_type, subject_id, idempotency_key,"
                "  fingerprint, created_at)"
                " SELECT CASE WHEN g %% 3 = 0 THEN 'REWARD' ELSE 'TOP_UP' END, 'bench line ' || g, '', '',"
                "  'bench-billing:' || %s || ':line:' || g, 'bench', %s::timestamptz + g * (%s * interval '1 second')"
                " FROM generate_series(1, %s) g RETURNING id, kind)"
                " INSERT INTO wallets_entry (transaction_id, account_id, amount, currency)"
                " SELECT id, %s, CASE WHEN kind = 'REWARD' THEN -1.00 ELSE 2.00 END, 'EUR' FROM t"
                " UNION ALL SELECT id, %s, CASE WHEN kind = 'REWARD' THEN 1.00 ELSE -2.00 END, 'EUR' FROM t",
                [run, month.start, step, count, funds.pk, bank.pk],
            )
            rewards = count // 3
            moved = Decimal(2 * (count - rewards) - rewards)
            cursor.execute(
                "UPDATE wallets_account SET balance = balance + %s WHERE id = %s", [moved, funds.pk]
            )
            cursor.execute(
                "UPDATE wallets_account SET balance = balance - %s WHERE id = %s", [moved, bank.pk]
            )
