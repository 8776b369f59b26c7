"""Billing at volume for ``manage.py bench_scale --apps`` (issue #22): years of monthly statements
and invoices of many merchants, with the ledger they summarize.

Set-based like ``tikjoy.scale_data`` (``INSERT ... SELECT`` into the real tables, ids reserved in
advance, the row triggers off for the load):

- ``merchants - 1`` more merchants (a third each French, German with a VAT number, American) beside
  the benchmark's merchant, each with its prepaid account and the platform's revenue account kept
  for it;
- for each of them and each of the ``months`` months before the benchmark's own data (24 by
  default): a bank transfer received on the 1st (its ``BankTransfer`` and its ``TOP_UP``
  transaction) and 30 WhatsApp messages to consumers (``CHAT_MESSAGE``: the prepaid account to the
  platform's revenue), so every month has its statement lines and its service-fee invoice;
- the statement of every merchant-month, its figures, sections and CSV computed by SQL from those
  ledger lines (opening and closing balances, money in and out, the line count, every line with
  its running balance), and the finalised invoice of every merchant-month (gapless numbers in the
  ``INV-<year>`` series, the document counters moved past them, the parties and the VAT treatment
  of the buyer's country);
- through the services themselves (``statement_issue``, ``invoice_draft_for_month``,
  ``invoice_finalise``: reconciliation, WeasyPrint, Factur-X, XSD and schematron): the benchmark
  merchant's last month of that history, and its statement and invoice of every complete month of
  its million rewards (statements of hundreds of thousands of lines).

The PDFs (and the invoices' XML) of the set-based rows are the bytes of the benchmark merchant's
document of the same kind rendered by the services: WeasyPrint takes about a second a PDF, so
24,000 of them are not rendered one by one. What is timed reads those bytes, never their words.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from billing import services as billing_services
from billing.models import DocumentCounter, Invoice, Statement
from billing.months import Month, billing_zone
from billing.selectors import SECTION_TITLES, _line_label
from billing.vat import split_gross, vat_treatment
from merchants.countries import country_language, country_time_zone
from merchants.models import BankTransfer, Merchant
from tikjoy.scale_data import _insert, _max_id, _quote, _setval, _sql, _txn_time
from wallets.models import PLATFORM, Account, Entry, Purpose, Transaction

CURRENCY = "EUR"
CHATS = 30  # WhatsApp messages a merchant sends in a month
CHAT_PRICE = Decimal("0.08")
COUNTRIES = ("FR", "DE", "US")
VAT_NUMBERS = {"DE": "DE136695976"}


@dataclass
class BillingData:
    merchants: int
    months: int
    statements: int
    invoices: int
    transactions: int
    big_statement_id: int | None  # the benchmark merchant's largest statement
    big_invoice_id: int | None  # its latest invoice
    seconds: dict[str, float]


def _months_before(*, first_own: datetime, months: int) -> list[Month]:
    last = Month.of(first_own.astimezone(billing_zone()).date()).previous
    out = [last]
    while len(out) < months:
        out.append(out[-1].previous)
    return list(reversed(out))


def _ledger(*, merchant: Merchant, owner: User, run: str, n: int, months: list[Month], log) -> int:
    """The other merchants, the accounts and every merchant-month's top-up and messages."""
    m0 = _max_id(Merchant)
    first = months[0].start
    cases = " ".join(f"WHEN {i} THEN {_quote(c)}" for i, c in enumerate(COUNTRIES))
    country = f"(CASE g %% {len(COUNTRIES)} {cases} END)"
    by_country = {c: (country_language(c), country_time_zone(c), VAT_NUMBERS.get(c, "")) for c in COUNTRIES}

    def pick(index: int) -> str:
        return (
            "(CASE "
            + " ".join(f"WHEN {country} = {_quote(c)} THEN {_quote(v[index])}" for c, v in by_country.items())
            + " END)"
        )

    if n > 1:
        _insert(
            Merchant,
            {
                "id": f"{m0} + g",
                "brand_name": "'Billed Brand ' || g",
                "slug": f"'bill-{run}-' || g",
                "country": country,
                "currency": f"'{CURRENCY}'",
                "language": pick(0),
                "time_zone": pick(1),
                "vat_number": pick(2),
                "legal_name": "'Billed Brand ' || g || ' Ltd'",
                "billing_address": "g || ' Ledger Street'",
                "billing_postcode": "'75002'",
                "billing_city": "'Paris'",
                "contact_email": f"'bill-{run}-' || g || '@bench.invalid'",
                "payment_reference": f"'B{run[:6]}' || g",
                "created_at": f"'{(first - timedelta(days=10)).isoformat()}'::timestamptz",
                "created_by_id": str(owner.pk),
            },
            f"FROM generate_series(1, {n - 1}) AS g",
        )
    _work_tables_drop()  # a run stopped half-way left them
    _sql("CREATE UNLOGGED TABLE bill_merchant (n int PRIMARY KEY, merchant_id bigint) ")
    _sql("INSERT INTO bill_merchant VALUES (0, %s)", [merchant.pk])
    _sql(f"INSERT INTO bill_merchant SELECT g, {m0} + g FROM generate_series(1, {n - 1}) AS g")  # noqa: S608
    _sql(
        "CREATE UNLOGGED TABLE bill_month (k int PRIMARY KEY, first_day date, last_day date, "
        "starts timestamptz, ends timestamptz) "
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bill_month VALUES (%s, %s, %s, %s, %s)",
            [(k, m.first_day, m.last_day, m.start, m.end) for k, m in enumerate(months, start=1)],
        )
    created = f"'{(first - timedelta(days=5)).isoformat()}'::timestamptz"
    _sql(
        "INSERT INTO wallets_account (owner_type, owner_id, purpose, currency, partition, balance, "  # noqa: S608
        f"allow_negative, created_at) SELECT 'merchants.merchant', merchant_id, %s, %s, '', 0, false, {created} "
        "FROM bill_merchant ON CONFLICT DO NOTHING",
        [Purpose.MERCHANT_AVAILABLE, CURRENCY],
    )
    _sql(
        "INSERT INTO wallets_account (owner_type, owner_id, purpose, currency, partition, balance, "  # noqa: S608
        f"allow_negative, created_at) SELECT %s, %s, %s, %s, 'merchants.merchant:' || merchant_id, 0, false, "
        f"{created} FROM bill_merchant ON CONFLICT DO NOTHING",
        [PLATFORM.owner_type, PLATFORM.pk, Purpose.PLATFORM_REVENUE, CURRENCY],
    )
    bank = Account.objects.get_or_create(
        owner_type=PLATFORM.owner_type,
        owner_id=PLATFORM.pk,
        purpose=Purpose.PLATFORM_BANK,
        currency=CURRENCY,
        partition="",
        defaults={"allow_negative": True, "created_at": first},
    )[0]
    _sql(
        "CREATE UNLOGGED TABLE bill_pair (p serial PRIMARY KEY, merchant_id bigint, k int, wallet bigint, "
        "revenue bigint, topup numeric) "
    )
    _sql(
        "INSERT INTO bill_pair (merchant_id, k, wallet, revenue, topup) "  # noqa: S608
        "SELECT b.merchant_id, mo.k, w.id, r.id, 50 + (b.n %% 7) * 10 FROM bill_merchant b CROSS JOIN bill_month mo "
        "JOIN wallets_account w ON w.owner_type = 'merchants.merchant' AND w.owner_id = b.merchant_id "
        f"AND w.purpose = '{Purpose.MERCHANT_AVAILABLE}' AND w.currency = '{CURRENCY}' AND w.partition = '' "
        f"JOIN wallets_account r ON r.owner_type = '{PLATFORM.owner_type}' AND r.owner_id = {PLATFORM.pk} "
        f"AND r.purpose = '{Purpose.PLATFORM_REVENUE}' AND r.currency = '{CURRENCY}' "
        "AND r.partition = 'merchants.merchant:' || b.merchant_id ORDER BY b.n, mo.k"
    )
    pairs = _sql("SELECT 1 FROM bill_pair")
    for table in ("bill_merchant", "bill_month", "bill_pair"):
        _sql(f"ANALYZE {table}")
    t0, k0 = _max_id(Transaction), _max_id(BankTransfer)
    received = "(mo.starts + interval '9 hours')"
    source = (
        "FROM bill_pair p JOIN bill_month mo ON mo.k = p.k JOIN merchants_merchant m ON m.id = p.merchant_id"
    )
    _insert(
        BankTransfer,
        {
            "id": f"{k0} + p.p",
            "merchant_id": "p.merchant_id",
            "amount": "p.topup",
            "currency": f"'{CURRENCY}'",
            "bank_reference": f"'BILL-{run}-' || p.p",
            "value_date": "mo.first_day",
            "recorded_by_id": str(owner.pk),
            "recorded_at": received,
            "ledger_transaction_id": f"{t0} + p.p",
        },
        f"{source} ORDER BY p.p",
    )
    _insert(
        Transaction,
        {
            "id": f"{t0} + p.p",
            "kind": "'TOP_UP'",
            "reason": f"'Bank transfer ref BILL-{run}-' || p.p || ' received ' || mo.first_day",
            "actor_id": str(owner.pk),
            "subject_type": "'merchants.banktransfer'",
            "subject_id": f"({k0} + p.p)::text",
            "idempotency_key": f"'topup:BILL-{run}-' || p.p",
            "fingerprint": "''",
            "created_at": received,
        },
        f"{source} ORDER BY p.p",
    )
    for account, amount in ((str(bank.pk), "-p.topup"), ("p.wallet", "p.topup")):
        _insert(
            Entry,
            {
                "id": "nextval(pg_get_serial_sequence('wallets_entry', 'id'))",
                "transaction_id": f"{t0} + p.p",
                "account_id": account,
                "amount": amount,
                "currency": f"'{CURRENCY}'",
                "created_at": _txn_time(f"{t0} + p.p"),
            },
            "FROM bill_pair p ORDER BY p.p",
        )
    # Message c of pair p: transaction t0 + pairs + (p - 1) * CHATS + c, on day 1 + c of the month.
    txn = f"{t0} + {pairs} + (p.p - 1) * {CHATS} + c"
    _insert(
        Transaction,
        {
            "id": txn,
            "kind": "'CHAT_MESSAGE'",
            "reason": "'WhatsApp message to a consumer (' || m.brand_name || ')'",
            "subject_type": "''",
            "subject_id": "''",
            "idempotency_key": f"'bench-chat:{run}:' || p.p || ':' || c",
            "fingerprint": "''",
            "created_at": f"date_trunc('second', mo.starts + (mo.ends - mo.starts) * ((c - 0.5) / {CHATS}))",
        },
        f"{source} CROSS JOIN generate_series(1, {CHATS}) AS c ORDER BY p.p, c",
    )
    for account, amount in (("p.wallet", f"-{CHAT_PRICE}"), ("p.revenue", str(CHAT_PRICE))):
        _insert(
            Entry,
            {
                "id": "nextval(pg_get_serial_sequence('wallets_entry', 'id'))",
                "transaction_id": txn,
                "account_id": account,
                "amount": amount,
                "currency": f"'{CURRENCY}'",
                "created_at": _txn_time(txn),
            },
            f"FROM bill_pair p CROSS JOIN generate_series(1, {CHATS}) AS c ORDER BY p.p, c",
        )
    _sql(
        "UPDATE wallets_account c SET balance = c.balance + t.total FROM "  # noqa: S608
        f"(SELECT account_id, SUM(amount) AS total FROM wallets_entry WHERE transaction_id > {t0} "
        "GROUP BY account_id) t WHERE c.id = t.account_id"
    )
    _setval(Merchant, BankTransfer, Transaction)
    log(f"  billing: {n:,} merchants x {len(months)} months, {pairs * (CHATS + 1):,} transactions")
    return pairs * (CHATS + 1)


def _words() -> dict[str, dict[str, str]]:
    """The statement's section titles and line labels, in each merchant language used."""
    out = {}
    for language in {country_language(c) for c in COUNTRIES}:
        with translation.override(language):
            out[language] = {
                "topups": gettext(SECTION_TITLES["TOP_UP"]),
                "topup": _line_label("TOP_UP", None, None, None),
                "chats": gettext(SECTION_TITLES["CHAT_MESSAGE"]),
                "chat": _line_label("CHAT_MESSAGE", None, None, None),
            }
    return out


def _documents(
    *, months: list[Month], skip: tuple[int, int], statement: Statement, invoice: Invoice, log
) -> tuple[int, int]:
    """Every merchant-month's statement and invoice but ``skip`` (merchant id, month index), set-based."""
    words = _words()

    def word(key: str) -> str:
        return (
            "(CASE m.language "
            + " ".join(f"WHEN {_quote(lang)} THEN {_quote(w[key])}" for lang, w in words.items())
            + f" ELSE {_quote(words[country_language(COUNTRIES[0])][key])} END)"
        )

    s0, i0 = _max_id(Statement), _max_id(Invoice)
    # The month's figures of each pair, from the ledger lines on its prepaid account.
    _sql(
        "CREATE UNLOGGED TABLE bill_figures AS "
        "SELECT p.p, p.merchant_id, p.k, "
        "COALESCE(SUM(e.amount) FILTER (WHERE t.kind = 'TOP_UP'), 0) AS topups, "
        "COUNT(*) FILTER (WHERE t.kind = 'TOP_UP') AS topup_count, "
        "COALESCE(SUM(e.amount) FILTER (WHERE t.kind = 'CHAT_MESSAGE'), 0) AS chats, "
        "COUNT(*) FILTER (WHERE t.kind = 'CHAT_MESSAGE') AS chat_count, "
        "COALESCE(SUM(e.amount) FILTER (WHERE e.amount > 0), 0) AS money_in, "
        "COALESCE(-SUM(e.amount) FILTER (WHERE e.amount < 0), 0) AS money_out, "
        "COUNT(e.id) AS lines, COALESCE(SUM(e.amount), 0) AS moved "
        "FROM bill_pair p JOIN bill_month mo ON mo.k = p.k "
        "JOIN wallets_entry e ON e.account_id = p.wallet "
        "JOIN wallets_transaction t ON t.id = e.transaction_id AND t.created_at >= mo.starts AND t.created_at < mo.ends "
        "GROUP BY p.p, p.merchant_id, p.k"
    )
    _sql("ANALYZE bill_figures")
    _sql("ALTER TABLE bill_figures ADD COLUMN opening numeric")
    _sql(
        "UPDATE bill_figures f SET opening = o.opening FROM (SELECT p, COALESCE(SUM(moved) OVER "
        "(PARTITION BY merchant_id ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS opening "
        "FROM bill_figures) o WHERE o.p = f.p"
    )
    # Every line of each pair's month with its running balance (the CSV), as ``statement_csv`` writes it.
    _sql(
        "CREATE UNLOGGED TABLE bill_csv AS "
        "SELECT x.p, 'date,transaction,kind,reason,amount,currency,balance' || chr(13) || chr(10) || "
        "string_agg(to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00,' || x.tid "
        "|| ',' || x.kind || ',' || x.reason || ',' || to_char(x.amount, 'FM999999999990.00') || ',' || x.currency "
        "|| ',' || to_char(x.opening + x.running, 'FM999999999990.00') || chr(13) || chr(10), '' "
        "ORDER BY x.created_at, x.tid, x.eid) AS csv FROM (SELECT p.p, t.created_at, t.id AS tid, e.id AS eid, "
        "t.kind, t.reason, e.amount, e.currency, f.opening, SUM(e.amount) OVER (PARTITION BY p.p "
        "ORDER BY t.created_at, t.id, e.id) AS running "
        "FROM bill_pair p JOIN bill_month mo ON mo.k = p.k JOIN bill_figures f ON f.p = p.p "
        "JOIN wallets_entry e ON e.account_id = p.wallet "
        "JOIN wallets_transaction t ON t.id = e.transaction_id AND t.created_at >= mo.starts "
        "AND t.created_at < mo.ends) x GROUP BY x.p"
    )
    skip_merchant, skip_k = skip
    pdf = bytes(statement.pdf)
    sha = hashlib.sha256(pdf).hexdigest()
    _sql("CREATE UNLOGGED TABLE bill_sample (statement_pdf bytea, invoice_xml bytea, invoice_pdf bytea)")
    _sql("INSERT INTO bill_sample VALUES (%s, %s, %s)", [pdf, bytes(invoice.xml), bytes(invoice.pdf)])
    section = (
        "jsonb_build_object('title', {title}, 'total', to_char({total}, 'FM999999999990.00'), 'lines', "
        "jsonb_build_array(jsonb_build_object('label', {label}, 'count', {count}, 'amount', "
        "to_char({total}, 'FM999999999990.00'))))"
    )
    statements = _insert(
        Statement,
        {
            "id": f"{s0} + f.p",
            "merchant_id": "f.merchant_id",
            "currency": f"'{CURRENCY}'",
            "month": "mo.first_day",
            "period_start": "mo.starts",
            "period_end": "mo.ends",
            "time_zone": _quote(billing_zone().key),  # these months are counted in the platform's zone
            "opening_balance": "f.opening",
            "closing_balance": "f.opening + f.money_in - f.money_out",
            "money_in": "f.money_in",
            "money_out": "f.money_out",
            "entry_count": "f.lines",
            "sections": "jsonb_build_array("
            + section.format(
                title=word("topups"), total="f.topups", label=word("topup"), count="f.topup_count"
            )
            + ", "
            + section.format(title=word("chats"), total="f.chats", label=word("chat"), count="f.chat_count")
            + ")",
            "pending_at_end": "jsonb_build_object('pending_count', 0, 'pending_amount', '0.00', 'held_count', 0, "
            "'held_amount', '0.00')",
            "pdf": "(SELECT statement_pdf FROM bill_sample)",
            "csv": "convert_to(c.csv, 'UTF8')",
            "sha256": _quote(sha),
            "issued_at": "mo.ends + interval '1 day'",
        },
        "FROM bill_figures f JOIN bill_month mo ON mo.k = f.k JOIN bill_csv c ON c.p = f.p "
        "JOIN merchants_merchant m ON m.id = f.merchant_id WHERE NOT (f.merchant_id = %s AND f.k = %s) ORDER BY f.p",
        [skip_merchant, skip_k],
    )
    # The invoices: the month's margin (the messages) on the revenue account, numbered per issue year.
    seller = settings.BILLING_SELLER
    vat = {}
    for c in COUNTRIES:
        for has_vat_id in (True, False):
            with translation.override(country_language(c)):
                vat[c, has_vat_id] = vat_treatment(
                    seller_country=seller["country"], buyer_country=c, buyer_vat_id="X" if has_vat_id else ""
                )
    gross = CHAT_PRICE * CHATS

    def by_country(value) -> str:
        return (
            "(CASE "
            + " ".join(
                f"WHEN m.country = {_quote(c)} AND (m.vat_number <> '') = {str(has).lower()} THEN {value(vat[c, has])}"
                for c, has in vat
            )
            + " END)"
        )

    counters = dict(DocumentCounter.objects.values_list("series", "last_value"))
    offsets = (
        " ".join(f"WHEN {_quote(series)} THEN {value}" for series, value in counters.items())
        or "WHEN '' THEN 0"
    )
    _sql(
        "CREATE UNLOGGED TABLE bill_invoice AS "
        "SELECT f.p, f.merchant_id, f.k, 'INV-' || extract(year FROM mo.last_day + 1)::int AS series, "
        "ROW_NUMBER() OVER (PARTITION BY extract(year FROM mo.last_day + 1) ORDER BY f.k, f.p) AS n "
        "FROM bill_figures f JOIN bill_month mo ON mo.k = f.k "
        "WHERE f.chats < 0 AND NOT (f.merchant_id = %s AND f.k = %s)",
        [skip_merchant, skip_k],
    )
    _sql(f"UPDATE bill_invoice SET n = n + (CASE series {offsets} ELSE 0 END)")  # noqa: S608
    invoice_pdf = bytes(invoice.pdf)
    month_words = "to_char(mo.first_day, 'FMMonth YYYY')"
    invoices = _insert(
        Invoice,
        {
            "id": f"{i0} + v.p",
            "kind": "'INVOICE'",
            "status": "'FINALISED'",
            "merchant_id": "v.merchant_id",
            "user_id": "NULL",
            "paid_note": "''",
            "currency": f"'{CURRENCY}'",
            "month": "mo.first_day",
            "period_start": "mo.first_day",
            "period_end": "mo.last_day",
            "period_starts_at": "mo.starts",
            "period_ends_at": "mo.ends",
            "period_time_zone": _quote(billing_zone().key),
            "credited_invoice_id": "NULL",
            "reason": "''",
            "description": f"'TikJoy service fee: platform margin on rewards confirmed in ' || {month_words} || ' (0 confirmations)'",
            "fee_count": str(CHATS),
            "chats_description": f"'WhatsApp messages to consumers in ' || {month_words} || ' ({CHATS} paid messages; failed ones refunded)'",
            "chats_gross_amount": "-f.chats",
            "gross_amount": "-f.chats",
            "net_amount": by_country(lambda t: str(split_gross(gross, t.rate)[0])),
            "vat_category": by_country(lambda t: _quote(t.category)),
            "vat_rate": by_country(lambda t: str(t.rate)),
            "vat_amount": by_country(lambda t: str(split_gross(gross, t.rate)[1])),
            "vat_note": by_country(lambda t: _quote(t.note)),
            "seller": _quote(json.dumps(seller)) + "::jsonb",
            "buyer": "jsonb_build_object('legal_name', m.legal_name, 'address', m.billing_address, 'postcode', "
            "m.billing_postcode, 'city', m.billing_city, 'country', m.country, 'vat_id', m.vat_number, "
            "'email', m.contact_email, 'reference', m.payment_reference)",
            "series": "v.series",
            "sequence": "v.n",
            "number": "v.series || '-' || lpad(v.n::text, 6, '0')",
            "issue_date": "mo.last_day + 1",
            "xml": "(SELECT invoice_xml FROM bill_sample)",
            "pdf": "(SELECT invoice_pdf FROM bill_sample)",
            "sha256": _quote(hashlib.sha256(invoice_pdf).hexdigest()),
            "created_at": "mo.ends + interval '2 hours'",
            "finalised_at": "mo.ends + interval '1 day'",
            "finalised_by_id": "NULL",
            "ledger_transaction_id": "NULL",
        },
        "FROM bill_invoice v JOIN bill_figures f ON f.p = v.p JOIN bill_month mo ON mo.k = v.k "
        "JOIN merchants_merchant m ON m.id = v.merchant_id ORDER BY v.p",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT series, MAX(n) FROM bill_invoice GROUP BY series")
        for series, last in cursor.fetchall():
            DocumentCounter.objects.update_or_create(series=series, defaults={"last_value": last})
    _setval(Statement, Invoice)
    log(f"  billing: {statements:,} statements, {invoices:,} invoices")
    return statements, invoices


# The builder's work tables: UNLOGGED tables, not TEMP ones. A temporary table lives only as long
# as its connection, and the services the builder calls between its steps (statement_issue,
# invoice_finalise) run outside its transactions, where Django may close the connection and open
# another (a CI run of make test lost "bill_pair" there, in tikjoy/tests/test_scale_builders.py).
_WORK_TABLES = (
    "bill_merchant",
    "bill_month",
    "bill_pair",
    "bill_figures",
    "bill_csv",
    "bill_sample",
    "bill_invoice",
)


def _work_tables_drop() -> None:
    for table in _WORK_TABLES:
        _sql(f"DROP TABLE IF EXISTS {table}")


def build(
    *,
    merchant: Merchant,
    owner: User,
    now: datetime,
    first_own: datetime,
    merchants: int,
    months: int = 24,
    log=print,
) -> BillingData:
    """``first_own``: when the benchmark merchant's own data starts (the history ends before it)."""
    run = uuid.uuid4().hex[:8]
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        seconds[name] = time.perf_counter() - started
        log(f"  {name}: {seconds[name]:.1f} s")
        started = time.perf_counter()

    history = _months_before(first_own=first_own, months=months)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    with transaction.atomic():
        if superuser:
            _sql("SET LOCAL session_replication_role = replica")
        transactions = _ledger(merchant=merchant, owner=owner, run=run, n=merchants, months=history, log=log)
    step("billing ledger")
    # The services render the benchmark merchant's last month of the history: the bytes every
    # set-based document carries.
    last = history[-1]
    sample, _ = billing_services.statement_issue(merchant=merchant, currency=CURRENCY, month=last, now=now)
    draft = billing_services.invoice_draft_for_month(
        merchant=merchant, currency=CURRENCY, month=last, now=now
    )
    sample_invoice = billing_services.invoice_finalise(invoice_id=draft.pk, actor=None, now=now)
    step("billing sample documents (services)")
    with transaction.atomic():
        if superuser:
            _sql("SET LOCAL session_replication_role = replica")
        transaction_count = transactions
        statements, invoices = _documents(
            months=history,
            skip=(merchant.pk, len(history)),
            statement=sample,
            invoice=sample_invoice,
            log=log,
        )
    _work_tables_drop()
    step("billing documents (set-based)")
    # The benchmark merchant's own months, through the services (its big statements).
    own = Month.of(first_own.date())
    issued = 0
    while own.ended_everywhere <= now:
        billing_services.statement_issue(merchant=merchant, currency=CURRENCY, month=own, now=now)
        draft = billing_services.invoice_draft_for_month(
            merchant=merchant, currency=CURRENCY, month=own, now=now
        )
        if draft is not None and not draft.is_final:
            billing_services.invoice_finalise(invoice_id=draft.pk, actor=None, now=now)
        issued += 1
        own = own.next
    step(f"billing: the merchant's own {issued} months (services)")
    with connection.cursor() as cursor:
        for model in (Merchant, BankTransfer, Account, Transaction, Entry, Statement, Invoice):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    step("vacuum analyze")
    big = (
        Statement.objects.filter(merchant=merchant)
        .order_by("-entry_count")
        .values_list("pk", flat=True)
        .first()
    )
    latest = (
        Invoice.objects.filter(merchant=merchant, status="FINALISED")
        .order_by("-issue_date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return BillingData(
        merchants=merchants,
        months=len(history),
        statements=statements + 1 + issued,
        invoices=invoices + 1 + issued,
        transactions=transaction_count,
        big_statement_id=big,
        big_invoice_id=latest,
        seconds=seconds,
    )
