"""Benchmark the SEPA pipeline on the PostgreSQL that DATABASE_URL points at.

1. 10,000 approved payouts -> one pain.001.001.09 file, built and validated
   against the ISO XSD: the file alone (``sepa.pain001_build``, goal <= 1.0 s)
   and the whole ``batch_build`` service (row locks, the file, the batch row).
2. The file released (``batch_release``: 10,000 ledger postings), for the record.
3. A camt.054 from the sandbox bank booking the 10,000 debits and returning
   1,000 of them, parsed and applied by ``bank_file_import`` (goal <= 5 s for
   the 1,000 returns; the run times the whole file, debits included).

The fixture (people, bank accounts, identities, funded and reserved approved
payouts) is written in bulk, with the ledger postings a request makes
(user:available -> payout:pending); it writes into the database it is given:
point it at a throwaway one (``make bench`` does).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from moneyed import Money
from schwifty import IBAN

from accounts.models import User
from core.benchmarking import server_description
from payouts import sandbox_bank, sepa, services
from payouts.epc import epc_name
from payouts.models import BankAccount, Payout, PayoutBatch, PayoutEvent, PayoutState
from wallets.models import PLATFORM, Purpose
from wallets.services import Posting, account_for, accounts_for, post_many

FILE_GOAL = 1.0
CAMT_GOAL = 5.0
NAMES = ["Zoë O'Brien & Söhne", "Ελένη Παπαδοπούλου", "Jürgen Müller-Lüdenscheidt", "Ana Dances 😀", "李小龙"]


class Command(BaseCommand):
    help = "Time a 10,000-payout pain.001 file and a camt.054 with 1,000 returns (writes into that database)."

    def add_arguments(self, parser):
        parser.add_argument("--payouts", type=int, default=10_000)
        parser.add_argument("--returns", type=int, default=1_000)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_payouts measures PostgreSQL: point DATABASE_URL at one (make bench does)."
            )
        count, returns = options["payouts"], min(options["returns"], options["payouts"])
        run = uuid.uuid4().hex[:8]
        now = timezone.now()
        self.stdout.write(f"bench_payouts: {count:,} payouts, {returns:,} returns, run {run}")
        self.stdout.write(f"machine: {server_description()}")

        started = time.perf_counter()
        builder, releaser = self._staff(run)
        payouts = self._fixture(run, count, now)
        self.stdout.write(
            f"fixture: {count:,} approved, reserved payouts in {time.perf_counter() - started:.1f} s"
        )

        # 1a. The file alone, from payouts already in memory.
        batch = PayoutBatch(
            msg_id=f"TJMBENCH{run.upper()}",
            pmt_inf_id=f"TJBBENCH{run.upper()}",
            currency="EUR",
            count=len(payouts),
            control_sum=sum((p.amount for p in payouts), Decimal(0)),
            execution_date=services.next_business_day(now.date()),
            built_by=builder,
            built_at=now,
        )
        sepa.schema("pain.001.001.09")  # compiled once per process, as in the web and worker processes
        started = time.perf_counter()
        xml = sepa.pain001_build(batch=batch, payouts=payouts, debtor=sepa.debtor_from_settings(), now=now)
        file_seconds = time.perf_counter() - started
        self.stdout.write(
            f"pain.001 of {count:,} payouts built + XSD-validated: {file_seconds:.3f} s, {len(xml) / 1e6:.1f} MB "
            f"(goal <= {FILE_GOAL} s)  {'OK' if file_seconds <= FILE_GOAL else 'BELOW GOAL'}"
        )

        # 1b. The whole service: lock the approved rows, build, validate, store, link.
        started = time.perf_counter()
        batch = services.batch_build(actor=builder, now=now)
        self.stdout.write(
            f"batch_build() service, {batch.count:,} payouts: {time.perf_counter() - started:.3f} s"
        )

        # 2. Release by a second person: 10,000 ledger postings.
        started = time.perf_counter()
        services.batch_release(batch_id=batch.pk, actor=releaser, now=now)
        self.stdout.write(
            f"batch_release() service, {batch.count:,} postings: {time.perf_counter() - started:.3f} s"
        )

        # 3. The bank books every debit; days later the payees' banks return some of them.
        in_file = list(batch.payouts.order_by("pk"))
        debits = sandbox_bank.camt054_answer(
            batch=batch, payouts=in_file, answer=sandbox_bank.BankAnswer(), now=now
        )
        returned = sandbox_bank.camt054_returns(
            batch=batch, returns=[(p, "AC04") for p in in_file[:returns]], now=now
        )
        started = time.perf_counter()
        result = services.bank_file_import(raw=debits, name="bench-debits.xml", actor=None, now=now)
        self.stdout.write(
            f"camt.054 booking {count:,} debits parsed + applied: {time.perf_counter() - started:.3f} s "
            f"({result.summary()})"
        )
        started = time.perf_counter()
        result = services.bank_file_import(raw=returned, name="bench-returns.xml", actor=None, now=now)
        camt_seconds = time.perf_counter() - started
        self.stdout.write(
            f"camt.054 returning {returns:,} payouts parsed + applied: {camt_seconds:.3f} s "
            f"(goal <= {CAMT_GOAL} s)  {'OK' if camt_seconds <= CAMT_GOAL else 'BELOW GOAL'}  ({result.summary()})"
        )

    def _staff(self, run: str) -> tuple[User, User]:
        return tuple(
            User.objects.create_user(email=f"bench-{run}-ops{i}@bench.invalid", is_staff=True) for i in (1, 2)
        )

    def _fixture(self, run: str, count: int, now) -> list[Payout]:
        people = User.objects.bulk_create(
            [User(email=f"bench-{run}-{i}@bench.invalid", display_name=f"bench {i}") for i in range(count)],
            batch_size=2000,
        )
        ibans = [
            IBAN.generate("DE", bank_code="37040044", account_code=f"{i + 1:010d}") for i in range(count)
        ]
        accounts = BankAccount.objects.bulk_create(
            [
                BankAccount(
                    owner_type="accounts.user",
                    owner_id=person.pk,
                    user=person,
                    holder_name=NAMES[i % len(NAMES)] + f" {i}",
                    street="Hauptstrasse",
                    building_number=str(i % 200 + 1),
                    postcode="10115",
                    town="Berlin",
                    country="DE",
                    iban=iban.compact,
                    iban_hash=services.iban_hash(iban.compact),
                    bic="COBADEFFXXX",
                    sepa_eea=True,
                    payouts_hold_until=now - timedelta(days=3),
                    created_at=now - timedelta(days=5),
                )
                for i, (person, iban) in enumerate(zip(people, ibans, strict=True))
            ],
            batch_size=2000,
        )
        amounts = [Decimal(10 + i % 90) + Decimal(i % 100) / 100 for i in range(count)]
        with transaction.atomic():
            payouts = Payout.objects.bulk_create(
                [
                    Payout(
                        owner_type="accounts.user",
                        owner_id=person.pk,
                        requested_by=person,
                        bank_account=account,
                        amount=amount,
                        currency="EUR",
                        state=PayoutState.APPROVED,
                        end_to_end_id=services.new_end_to_end_id(),
                        creditor_name=epc_name(account.holder_name),
                        remittance="TikJoy JoyBack payout",
                        reason="Approved (benchmark)",
                        requested_at=now,
                        approved_at=now,
                    )
                    for person, account, amount in zip(people, accounts, amounts, strict=True)
                ],
                batch_size=2000,
            )
            PayoutEvent.objects.bulk_create(
                [
                    PayoutEvent(
                        payout=p, from_state="", to_state=PayoutState.APPROVED, reason="benchmark", at=now
                    )
                    for p in payouts
                ],
                batch_size=2000,
            )
            by_owner = accounts_for(
                owner_type="accounts.user",
                owner_ids=[p.pk for p in people],
                purpose=Purpose.PAYOUT_PENDING,
                currency="EUR",
            )
            pending = [by_owner[p.pk] for p in people]
            bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
            # The money reaches each person and is reserved for the payout, as a request reserves it.
            for offset in range(0, count, 250):
                post_many(
                    [
                        Posting(
                            entries=[(bank, -Money(p.amount, "EUR")), (account, Money(p.amount, "EUR"))],
                            kind="BENCH_PAYOUT_RESERVE",
                            reason="benchmark: funds reserved for a payout",
                            idempotency_key=f"bench:{run}:reserve:{p.pk}",
                            subject=p,
                        )
                        for p, account in zip(
                            payouts[offset : offset + 250], pending[offset : offset + 250], strict=True
                        )
                    ]
                )
        for payout, account in zip(payouts, accounts, strict=True):
            payout.bank_account = account
        return payouts
