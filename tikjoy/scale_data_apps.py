"""The new apps' data of ``manage.py bench_scale --apps``: payouts, affiliates and webhooks at scale.

Built on top of the merchant ``tikjoy.scale_data.build`` made (its consumers hold the money the
payouts take out), set-based like it (``INSERT ... SELECT generate_series`` into the real tables,
ids reserved in advance), ledger included:

- **payouts**: the merchant's consumers with at least 1.00 available each ask for half of it, once
  (N/5 at N rewards: 200,000 payouts at a million); every 2,000 make a SEPA batch built by one
  operator and released by another; 2 % come back from the payee's bank (returned, AC04), the
  newest 1 % are still requested. Each has its bank account (a valid German IBAN), its events
  (requested, approved, sent, paid, returned) and its ledger as ``payouts.services`` posts it:
  request (available -> payout pending), export (-> in transit), paid (-> the platform's bank),
  return (the bank -> available).
- **affiliates**: the merchant's program (through ``affiliates.services.program_create``), N/500
  approved affiliates with a link each (the first, the busiest, with 20 links and sub-ids and a
  tenth of the clicks), N clicks over half a year (4 % bots, two thirds unique), N/10 conversions
  (5 % rejected) and a commission for each accepted one in every state its age gives it
  (pending, held, locked, approved, reversed), with the ledger ``affiliates.services`` posts:
  track (merchant funds -> the affiliate's pending + the platform's pending margin), lock,
  approval (-> the person's available, margin -> revenue), reversal (back to the merchant).
  Commissions marked PAID (a payout covering them) are not built.
- **webhooks and the API**: an endpoint of the merchant and N/5 events (``reward.created``), each
  delivered (3 % given up after an error), with its attempt; a secret API key of the merchant.

The row-by-row triggers are off for the load as in ``scale_data`` (superuser only);
``bench_scale`` runs ``ledger_check`` and ``rewards_check`` after.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from accounts.models import User
from accounts.services import user_ensure_with_email
from affiliates import rollups as affiliate_rollups
from affiliates import services as affiliate_services
from affiliates.holds import HoldCode
from affiliates.models import (
    APPROVE_AFTER_DAYS,
    LOCK_AFTER_DAYS,
    Affiliate,
    Click,
    Commission,
    Conversion,
    Link,
    LinkDay,
    LinkTotal,
    Program,
    ProgramDay,
)
from api.models import ApiKey, KeyKind, Scope
from api.services import api_key_create
from merchants.models import Merchant
from payouts.models import BankAccount, Payout, PayoutBatch, PayoutEvent
from payouts.services import iban_hash
from tikjoy.scale_data import _insert, _max_id, _quote, _setval, _sql, _txn_time
from wallets.models import NEGATIVE_ALLOWED, PLATFORM, Account, Entry, Purpose, Transaction
from wallets.services import account_for
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import secret_new

BATCH = 2_000  # payouts per SEPA batch
DAYS = 180
HEAVY_LINKS = 20


@dataclass
class AppsData:
    payouts: int
    batches: int
    payout_user_id: int | None
    program: Program
    affiliates: int
    heavy_affiliate_user_id: int
    clicks: int
    conversions: int
    commissions: int
    endpoint: WebhookEndpoint
    events: int
    api_key: str
    seconds: dict[str, float]


def _accounts(owner_type: str, source: str, purpose: str, currency: str) -> None:
    """Ledger accounts ``purpose`` for the owners ``source`` selects (``SELECT owner_id ...``), when missing."""
    _sql(
        "INSERT INTO wallets_account (owner_type, owner_id, purpose, currency, partition, balance, "  # noqa: S608
        f"allow_negative, created_at) SELECT %s, o, %s, %s, '', 0, %s, now() FROM ({source}) AS t(o) "
        "ON CONFLICT DO NOTHING",
        [owner_type, purpose, currency, purpose in NEGATIVE_ALLOWED],
    )


def _account_join(alias: str, owner_type: str, owner: str, purpose: str, currency: str) -> str:
    return (
        f"JOIN wallets_account {alias} ON {alias}.owner_type = {_quote(owner_type)} AND {alias}.owner_id = {owner} "
        f"AND {alias}.purpose = {_quote(purpose)} AND {alias}.currency = {_quote(currency)} AND {alias}.partition = ''"
    )


def _entries(txn: str, account: str, amount: str, source: str) -> int:
    return _insert(
        Entry,
        {
            "id": "nextval(pg_get_serial_sequence('wallets_entry', 'id'))",
            "transaction_id": txn,
            "account_id": account,
            "amount": amount,
            "currency": "x.currency",
            "created_at": _txn_time(txn),
        },
        source,
    )


def _key_iban_hashes(*, after_id: int, chunk: int = 10_000) -> None:
    """The bank accounts' ``iban_hash`` as ``payouts.services.iban_hash`` keys it (HMAC with the
    settings' key: an ops search by IBAN looks it up), computed here and written a chunk at a time."""
    rows = BankAccount.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", "iban")
    ids: list[int] = []
    hashes: list[str] = []
    with connection.cursor() as cursor:
        for pk, iban in rows.iterator(chunk_size=chunk):
            ids.append(pk)
            hashes.append(iban_hash(iban))
            if len(ids) == chunk:
                _write_hashes(cursor, ids, hashes)
                ids, hashes = [], []
        _write_hashes(cursor, ids, hashes)


def _write_hashes(cursor, ids: list[int], hashes: list[str]) -> None:
    if ids:
        cursor.execute(
            "UPDATE payouts_bankaccount b SET iban_hash = v.h "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS h) v WHERE b.id = v.id",
            [ids, hashes],
        )


def _payouts(*, merchant: Merchant, run: str, ops: User, ops2: User, now: datetime, limit: int, log) -> tuple:
    sql_now = f"'{now.isoformat()}'::timestamptz"
    currency = "EUR"
    _sql(
        "CREATE TEMP TABLE scale_payee (n serial PRIMARY KEY, user_id bigint, amount numeric) ON COMMIT DROP"
    )
    _sql(
        "INSERT INTO scale_payee (user_id, amount) SELECT a.owner_id, ROUND(a.balance / 2, 2) "
        "FROM wallets_account a JOIN rewards_merchantconsumer m ON m.user_id = a.owner_id AND m.merchant_id = %s "
        "WHERE a.owner_type = 'accounts.user' AND a.purpose = 'USER_AVAILABLE' AND a.currency = %s "
        "AND a.partition = '' AND a.balance >= 1 ORDER BY a.owner_id LIMIT %s",
        [merchant.pk, currency, limit],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), MAX(user_id) FROM scale_payee")
        count, _ = cursor.fetchone()
    if not count:
        return 0, 0, None
    requested = max(count // 100, 1)  # the newest, still waiting
    sent = count - requested
    batches = (sent + BATCH - 1) // BATCH
    b0, k0, p0 = _max_id(BankAccount), _max_id(PayoutBatch), _max_id(Payout)
    # Payout n asked at asked(n), spread over the last 150 days in order (the newest last).
    asked = f"({sql_now} - interval '150 days' * (1 - s.n::float / {count + 1}))"
    bban = "('37040044' || lpad(s.n::text, 10, '0'))"
    iban = f"('DE' || lpad((98 - (({bban} || '131400')::numeric %% 97))::text, 2, '0') || {bban})"
    _insert(
        BankAccount,
        {
            "id": f"{b0} + s.n",
            "owner_type": "'accounts.user'",
            "owner_id": "s.user_id",
            "user_id": "s.user_id",
            "holder_name": "'Scale Consumer ' || s.n",
            "street": "'Skalenweg'",
            "building_number": "(1 + s.n %% 90)::text",
            "postcode": "'10115'",
            "town": "'Berlin'",
            "country": "'DE'",
            "iban": iban,
            "iban_hash": "''",  # keyed as the services key it: _key_iban_hashes below
            "bic": "'COBADEFFXXX'",
            "bank_name": "'Commerzbank'",
            "sepa_eea": "true",
            "payouts_hold_until": f"{sql_now} - interval '170 days'",
            "created_at": f"{sql_now} - interval '172 days'",
        },
        "FROM scale_payee s",
    )
    _key_iban_hashes(after_id=b0)
    # Batch k holds payouts (k-1)*BATCH+1 .. k*BATCH; released the day after the last was asked.
    batch_at = f"({sql_now} - interval '150 days' * (1 - LEAST(g * {BATCH}, {sent})::float / {count + 1}) + interval '1 day')"
    _insert(
        PayoutBatch,
        {
            "id": f"{k0} + g",
            "msg_id": f"'SCALE-{run}-' || g",
            "pmt_inf_id": f"'SCALE-{run}-PMT-' || g",
            "state": "'EXPORTED'",
            "currency": f"'{currency}'",
            "count": f"LEAST(g * {BATCH}, {sent}) - (g - 1) * {BATCH}",
            "control_sum": f"(SELECT SUM(amount) FROM scale_payee WHERE n > (g - 1) * {BATCH} AND n <= g * {BATCH} "  # noqa: S608
            f"AND n <= {sent})",
            "execution_date": f"({batch_at})::date",
            "built_by_id": str(ops.pk),
            "built_at": batch_at,
            "released_by_id": str(ops2.pk),
            "released_at": batch_at,
            "xml": "''::bytea",
        },
        f"FROM generate_series(1, {batches}) AS g",
    )
    state = f"(CASE WHEN s.n > {sent} THEN 'REQUESTED' WHEN s.n %% 50 = 0 THEN 'RETURNED' ELSE 'PAID' END)"
    batch_of = f"{k0} + 1 + (s.n - 1) / {BATCH}"
    exported_at = f"({asked} + interval '1 day')"
    closed_at = f"({asked} + interval '3 days')"
    _insert(
        Payout,
        {
            "id": f"{p0} + s.n",
            "owner_type": "'accounts.user'",
            "owner_id": "s.user_id",
            "requested_by_id": "s.user_id",
            "bank_account_id": f"{b0} + s.n",
            "amount": "s.amount",
            "currency": f"'{currency}'",
            "state": state,
            "end_to_end_id": f"upper('SC{run}' || s.n)",  # upper case, as the services write them
            "creditor_name": "'Scale Consumer ' || s.n",
            "remittance": "'TikJoy payout'",
            "reason": f"(CASE {state} WHEN 'REQUESTED' THEN 'Waiting for our check.' WHEN 'PAID' THEN 'Paid.' "
            "ELSE 'The bank account number is not valid.' END)",
            "reason_code": f"(CASE {state} WHEN 'RETURNED' THEN 'AC04' ELSE '' END)",
            "batch_id": f"(CASE WHEN s.n > {sent} THEN NULL ELSE {batch_of} END)",
            "requested_at": asked,
            "approved_by_id": f"(CASE WHEN s.n > {sent} THEN NULL ELSE {ops.pk} END)",
            "approved_at": f"(CASE WHEN s.n > {sent} THEN NULL ELSE {asked} + interval '1 hour' END)",
            "exported_at": f"(CASE WHEN s.n > {sent} THEN NULL ELSE {exported_at} END)",
            "closed_at": f"(CASE WHEN s.n > {sent} THEN NULL ELSE {closed_at} END)",
        },
        "FROM scale_payee s ORDER BY s.n",
    )
    events = [
        ("", "REQUESTED", "'Asked by the person'", "s.user_id", asked, "TRUE"),
        ("REQUESTED", "APPROVED", "'Approved by an operator'", str(ops.pk), f"{asked} + interval '1 hour'", f"s.n <= {sent}"),
        ("APPROVED", "EXPORTED", f"'Sent to the bank in SCALE-{run}-' || (1 + (s.n - 1) / {BATCH})", str(ops2.pk),
         exported_at, f"s.n <= {sent}"),
        ("EXPORTED", "PAID", "'Debited from the platform''s bank account'", "NULL", closed_at, f"s.n <= {sent}"),
        ("PAID", "RETURNED", "'Returned by the payee''s bank (AC04): The bank account number is not valid.'", "NULL",
         f"{closed_at} + interval '2 days'", f"s.n <= {sent} AND s.n %% 50 = 0"),
    ]  # fmt: skip
    for from_state, to_state, reason, actor, at, where in events:
        _insert(
            PayoutEvent,
            {
                "id": "nextval(pg_get_serial_sequence('payouts_payoutevent', 'id'))",
                "payout_id": f"{p0} + s.n",
                "from_state": _quote(from_state),
                "to_state": _quote(to_state),
                "reason": reason,
                "reason_code": "'AC04'" if to_state == "RETURNED" else "''",
                "actor_id": actor,
                "at": at,
            },
            f"FROM scale_payee s WHERE {where} ORDER BY s.n",
        )
    # The ledger: the payees' payout accounts, then each step's transaction and its two entries.
    for purpose in (Purpose.PAYOUT_PENDING, Purpose.PAYOUT_IN_TRANSIT):
        _accounts("accounts.user", "SELECT user_id FROM scale_payee", purpose, currency)
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=currency)
    t0 = _max_id(Transaction)
    steps = [
        # kind, reason, key, at, where, (from purpose or None for the bank), (to purpose or None)
        ("PAYOUT_REQUEST", "' requested'", "request", asked, "TRUE", Purpose.USER_AVAILABLE, Purpose.PAYOUT_PENDING),
        ("PAYOUT_EXPORT", f"' sent to the bank in SCALE-{run}-' || (1 + (s.n - 1) / {BATCH})", "export", exported_at,
         f"s.n <= {sent}", Purpose.PAYOUT_PENDING, Purpose.PAYOUT_IN_TRANSIT),
        ("PAYOUT_PAID", "' left the bank'", "paid", closed_at, f"s.n <= {sent}", Purpose.PAYOUT_IN_TRANSIT, None),
        ("PAYOUT_RETURN", "' returned (AC04): The bank account number is not valid.'", "return",
         f"{closed_at} + interval '2 days'", f"s.n <= {sent} AND s.n %% 50 = 0", None, Purpose.USER_AVAILABLE),
    ]  # fmt: skip
    entries = 0
    for i, (kind, reason, key, at, where, source, destination) in enumerate(steps):
        txn = f"{t0} + {i * count} + s.n"
        _insert(
            Transaction,
            {
                "id": txn,
                "kind": _quote(kind),
                "reason": f"'Payout ' || upper('SC{run}' || s.n) || {reason}",
                "actor_id": "s.user_id" if key == "request" else "NULL",
                "subject_type": "'payouts.payout'",
                "subject_id": f"({p0} + s.n)::text",
                "idempotency_key": f"'payout:' || ({p0} + s.n) || ':{key}'",
                "fingerprint": "''",
                "created_at": at,
            },
            f"FROM scale_payee s WHERE {where} ORDER BY s.n",
        )
        for purpose, sign in ((source, "-"), (destination, "")):
            if purpose is None:
                account, join = str(bank.pk), ""
            else:
                account, join = "a.id", _account_join("a", "accounts.user", "s.user_id", purpose, currency)
            entries += _entries(
                txn,
                account,
                f"{sign}s.amount",
                f"FROM scale_payee s CROSS JOIN (SELECT '{currency}'::text AS currency) x {join} "
                f"WHERE {where} ORDER BY s.n",
            )
    log(f"  {count:,} payouts in {batches:,} batches, {entries:,} ledger entries")
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id FROM scale_payee ORDER BY n DESC LIMIT 1")
        newest = cursor.fetchone()[0]
    return count, batches, newest


def _affiliates(
    *,
    program: Program,
    merchant: Merchant,
    run: str,
    ops: User,
    now: datetime,
    clicks: int,
    conversions: int,
    log,
):
    sql_now = f"'{now.isoformat()}'::timestamptz"
    currency = program.currency
    n_aff = max(conversions // 50, 5)
    u0, f0, l0, c0, v0, m0 = (
        _max_id(User),
        _max_id(Affiliate),
        _max_id(Link),
        _max_id(Click),
        _max_id(Conversion),
        _max_id(Commission),
    )
    _insert(
        User,
        {
            "id": f"{u0} + g",
            "email": f"'scale-affiliate-{run}-' || g || '@bench.invalid'",
            "password": "'!'",
            "display_name": "'Scale affiliate ' || g",
            "date_joined": f"{sql_now} - interval '{DAYS + 2} days'",
        },
        f"FROM generate_series(1, {n_aff}) AS g",
    )
    _insert(
        Affiliate,
        {
            "id": f"{f0} + g",
            "program_id": str(program.pk),
            "user_id": f"{u0} + g",
            "status": "'APPROVED'",
            "website": "'https://creator-' || g || '.example'",
            "promotion_plan": "'Videos and a newsletter.'",
            "applied_at": f"{sql_now} - interval '{DAYS + 1} days'",
            "decided_at": f"{sql_now} - interval '{DAYS} days'",
            "decided_by_id": str(ops.pk),
        },
        f"FROM generate_series(1, {n_aff}) AS g",
    )
    n_links = n_aff + HEAVY_LINKS - 1
    # Link j belongs to affiliate j (j <= n_aff); the links after them to affiliate 1, the busiest.
    _insert(
        Link,
        {
            "id": f"{l0} + g",
            "affiliate_id": f"{f0} + (CASE WHEN g <= {n_aff} THEN g ELSE 1 END)",
            "code": f"'s{run[:6]}' || g",
            "destination": "'https://scale-brand.example/shop'",
            "sub_id": f"(CASE WHEN g <= {n_aff} THEN '' ELSE 'video-' || (g - {n_aff}) END)",
            "created_at": f"{sql_now} - interval '{DAYS} days'",
        },
        f"FROM generate_series(1, {n_links}) AS g",
    )
    # Click g: a tenth on the busiest affiliate's links, the rest spread over every link.
    link = (
        f"(CASE WHEN g %% 10 = 0 THEN (CASE WHEN (g / 10) %% {HEAVY_LINKS} = 0 THEN 1 "
        f"ELSE {n_aff} + (g / 10) %% {HEAVY_LINKS} END) ELSE 1 + g %% {n_aff} END)"
    )
    at = f"({sql_now} - interval '{DAYS} days' * ((g::bigint * 15485863) %% {clicks})::float / {clicks})"
    _insert(
        Click,
        {
            "id": f"{c0} + g",
            "link_id": f"{l0} + {link}",
            "click_id": f"md5('{run}:' || g)",
            "at": at,
            "hour": f"date_trunc('hour', {at})",
            "visitor_hash": "md5('visitor:' || g)",
            "user_agent": "'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)'",
            "is_bot": "(g %% 25 = 0)",
            "is_unique": "(g %% 25 <> 0 AND g %% 3 <> 0)",
        },
        f"FROM generate_series(1, {clicks}) AS g",
    )
    log(f"  program, {n_aff:,} affiliates, {n_links:,} links, {clicks:,} clicks")
    # Conversion g: from click g * step (never a bot's), an hour after it; 5 % rejected.
    step = max(clicks // conversions, 1)
    _sql(
        "CREATE TEMP TABLE scale_conv (g int PRIMARY KEY, click_id bigint, affiliate_id bigint, at timestamptz) "
        "ON COMMIT DROP"
    )
    _sql(
        "INSERT INTO scale_conv SELECT g, c.id, l.affiliate_id, c.at + interval '1 hour' "  # noqa: S608
        f"FROM generate_series(1, {conversions}) AS g JOIN affiliates_click c ON c.id = {c0} + g * {step} - "
        f"(CASE WHEN (g * {step}) %% 25 = 0 THEN 1 ELSE 0 END) JOIN affiliates_link l ON l.id = c.link_id "
        f"WHERE g * {step} <= {clicks}"
    )
    accepted = "(v.g %% 20 <> 7)"
    _insert(
        Conversion,
        {
            "id": f"{v0} + v.g",
            "program_id": str(program.pk),
            "order_id": f"'SO-{run}-' || v.g",
            "event_type": "'purchase'",
            "amount": "(100 + v.g %% 200)::numeric",
            "currency": f"'{currency}'",
            "occurred_at": "LEAST(v.at, " + sql_now + ")",
            "click_id": "v.click_id",
            "customer_ref": "'customer-' || v.g",
            "customer_email": "''",
            "affiliate_id": f"(CASE WHEN {accepted} THEN v.affiliate_id ELSE NULL END)",
            "source": "'API'",
            "is_accepted": accepted,
            "reject_reason": f"(CASE WHEN {accepted} THEN '' ELSE 'OUTSIDE_WINDOW' END)",
            "created_at": "LEAST(v.at, " + sql_now + ")",
        },
        "FROM scale_conv v ORDER BY v.g",
    )
    bounty = program.bounty
    margin = affiliate_services.program_margin(program).amount
    today = now.date()
    lock_date = f"((LEAST(v.at, {sql_now}) AT TIME ZONE 'UTC')::date + {LOCK_AFTER_DAYS})"
    approve_date = f"({lock_date} + {APPROVE_AFTER_DAYS})"
    state = (
        f"(CASE WHEN v.g %% 20 = 3 THEN 'REVERSED' WHEN {lock_date} > DATE '{today}' "
        f"THEN (CASE WHEN v.g %% 50 = 11 THEN 'HELD' ELSE 'PENDING' END) "
        f"WHEN {approve_date} > DATE '{today}' THEN 'LOCKED' ELSE 'APPROVED' END)"
    )
    tracked = f"LEAST(v.at, {sql_now})"
    locked_at = f"({lock_date}::timestamp AT TIME ZONE 'UTC' + interval '2 hours')"
    approved_at = f"({approve_date}::timestamp AT TIME ZONE 'UTC' + interval '2 hours')"
    _insert(
        Commission,
        {
            "id": f"{m0} + v.g",
            "conversion_id": f"{v0} + v.g",
            "program_id": str(program.pk),
            "affiliate_id": "v.affiliate_id",
            "state": state,
            "amount": str(bounty),
            "margin": str(margin),
            "currency": f"'{currency}'",
            "tracked_at": tracked,
            "lock_date": lock_date,
            "approve_date": approve_date,
            "locked_at": f"(CASE WHEN {state} IN ('LOCKED', 'APPROVED') THEN {locked_at} END)",
            "approved_at": f"(CASE WHEN {state} = 'APPROVED' THEN {approved_at} END)",
            "reversed_at": f"(CASE WHEN {state} = 'REVERSED' THEN {tracked} + interval '2 days' END)",
            "reversal_code": f"(CASE WHEN {state} = 'REVERSED' THEN 'ITEM_RETURNED' ELSE '' END)",
            "hold_reason": f"(CASE WHEN {state} = 'HELD' THEN '{affiliate_services.TAG_HOLD_REASON}' ELSE '' END)",
            "hold_code": f"(CASE WHEN {state} = 'HELD' THEN '{HoldCode.TAG_UNCONFIRMED}' ELSE '' END)",
        },
        f"FROM scale_conv v WHERE {accepted} ORDER BY v.g",
    )
    n_commissions = Commission.objects.filter(pk__gt=m0).count()
    # The ledger, as affiliates.services posts it.
    for purpose in (Purpose.AFFILIATE_PENDING, Purpose.AFFILIATE_LOCKED):
        _accounts(
            "affiliates.affiliate",
            f"SELECT {f0} + g FROM generate_series(1, {n_aff}) g",  # noqa: S608
            purpose,
            currency,
        )
    _accounts(
        "accounts.user",
        f"SELECT {u0} + g FROM generate_series(1, {n_aff}) g",  # noqa: S608
        Purpose.USER_AVAILABLE,
        currency,
    )
    payer = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)
    margin_pending = account_for(
        owner=PLATFORM, purpose=Purpose.AFFILIATE_PENDING, currency=currency, partition=program
    )
    revenue = account_for(
        owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=merchant
    )
    t0 = _max_id(Transaction)
    source = (
        f"FROM affiliates_commission m JOIN affiliates_conversion v ON v.id = m.conversion_id "
        f"JOIN affiliates_affiliate f ON f.id = m.affiliate_id CROSS JOIN (SELECT '{currency}'::text AS currency) x "
    )
    pending = _account_join(
        "ap", "affiliates.affiliate", "m.affiliate_id", Purpose.AFFILIATE_PENDING, currency
    )
    locked = _account_join("al", "affiliates.affiliate", "m.affiliate_id", Purpose.AFFILIATE_LOCKED, currency)
    available = _account_join("ua", "accounts.user", "f.user_id", Purpose.USER_AVAILABLE, currency)
    steps = [
        # kind, key, reason, at, where, [(account, join, amount)]
        (affiliate_services.TRACK_KIND, "track", f"'Affiliate bounty for order ' || v.order_id || ' ({program})'",
         "m.tracked_at", "TRUE",
         [(str(payer.pk), "", f"-{bounty + margin}"), ("ap.id", pending, str(bounty)),
          (str(margin_pending.pk), "", str(margin))]),
        (affiliate_services.LOCK_KIND, "lock", "'Affiliate commission locked (order ' || v.order_id || ')'",
         "m.locked_at", "m.state IN ('LOCKED', 'APPROVED')",
         [("ap.id", pending, f"-{bounty}"), ("al.id", locked, str(bounty))]),
        (affiliate_services.APPROVE_KIND, "approve", "'Affiliate commission approved (order ' || v.order_id || ')'",
         "m.approved_at", "m.state = 'APPROVED'",
         [("al.id", locked, f"-{bounty}"), ("ua.id", available, str(bounty)),
          (str(margin_pending.pk), "", f"-{margin}"), (str(revenue.pk), "", str(margin))]),
        (affiliate_services.REVERSE_KIND, "reverse",
         "'Affiliate commission reversed: Item returned (order ' || v.order_id || ')'",
         "m.reversed_at", "m.state = 'REVERSED'",
         [("ap.id", pending, f"-{bounty}"), (str(payer.pk), "", str(bounty + margin)),
          (str(margin_pending.pk), "", f"-{margin}")]),
    ]  # fmt: skip
    entries = 0
    for i, (kind, key, reason, at, where, legs) in enumerate(steps):
        txn = f"{t0} + {i * conversions} + (m.id - {m0})"
        _insert(
            Transaction,
            {
                "id": txn,
                "kind": _quote(kind),
                "reason": reason,
                "subject_type": "'affiliates.commission'",
                "subject_id": "m.id::text",
                "idempotency_key": f"'affiliates:commission:' || m.id || ':{key}'",
                "fingerprint": "''",
                "created_at": at,
            },
            f"{source} WHERE m.id > {m0} AND {where} ORDER BY m.id",
        )
        for account, join, amount in legs:
            if Decimal(amount) == 0:
                continue
            entries += _entries(
                txn, account, amount, f"{source} {join} WHERE m.id > {m0} AND {where} ORDER BY m.id"
            )
    log(f"  {conversions:,} conversions, {n_commissions:,} commissions, {entries:,} ledger entries")
    # The reports' roll-ups (link days, link totals, program days), set-based as migration 0006 fills them.
    affiliate_rollups.rebuild()
    log(f"  report roll-ups: {LinkDay.objects.count():,} link days")
    return n_aff, u0 + 1, n_commissions


def _webhooks(*, merchant: Merchant, owner: User, now: datetime, events: int, log) -> WebhookEndpoint:
    sql_now = f"'{now.isoformat()}'::timestamptz"
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant,
        url="https://hooks.scale-brand.example/tikjoy",
        events=["reward.created", "reward.confirmed", "reward.reversed"],
        description="Our shop's server",
        secret=secret_new(),
        created_by=owner,
        created_at=now - timedelta(days=DAYS + 1),
    )
    e0, d0 = _max_id(WebhookEvent), _max_id(WebhookDelivery)
    at = f"({sql_now} - interval '{DAYS} days' * (1 - g::float / {events + 1}))"
    _insert(
        WebhookEvent,
        {
            "id": f"{e0} + g",
            "merchant_id": str(merchant.pk),
            "type": "'reward.created'",
            "data": "jsonb_build_object('object', 'reward', 'id', 'rwd_scale_' || g)",
            "created_at": at,
        },
        f"FROM generate_series(1, {events}) AS g",
    )
    failed = "(g %% 33 = 0)"
    _insert(
        WebhookDelivery,
        {
            "id": f"{d0} + g",
            "event_id": f"{e0} + g",
            "endpoint_id": str(endpoint.pk),
            "status": f"(CASE WHEN {failed} THEN 'FAILED' ELSE 'SUCCEEDED' END)",
            "attempts": f"(CASE WHEN {failed} THEN 8 ELSE 1 END)",
            "next_attempt_at": "NULL",
            "last_status_code": f"(CASE WHEN {failed} THEN 503 ELSE 200 END)",
            "last_error": f"(CASE WHEN {failed} THEN 'HTTP 503' ELSE '' END)",
            "delivered_at": f"(CASE WHEN {failed} THEN NULL ELSE {at} + interval '2 seconds' END)",
        },
        f"FROM generate_series(1, {events}) AS g",
    )
    _insert(
        WebhookAttempt,
        {
            "id": "nextval(pg_get_serial_sequence('webhooks_webhookattempt', 'id'))",
            "delivery_id": f"{d0} + g",
            "attempted_at": f"{at} + interval '2 seconds'",
            "status_code": f"(CASE WHEN {failed} THEN 503 ELSE 200 END)",
            "error": f"(CASE WHEN {failed} THEN 'HTTP 503' ELSE '' END)",
            "duration_ms": "40 + g %% 200",
        },
        f"FROM generate_series(1, {events}) AS g",
    )
    log(f"  webhook endpoint, {events:,} events, {events:,} deliveries")
    return endpoint


def build(
    *,
    merchant: Merchant,
    owner: User,
    now: datetime,
    payouts: int,
    clicks: int,
    conversions: int,
    events: int,
    log=print,
) -> AppsData:
    run = uuid.uuid4().hex[:8]
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        seconds[name] = time.perf_counter() - started
        log(f"  {name}: {seconds[name]:.1f} s")
        started = time.perf_counter()

    ops, _ = user_ensure_with_email(
        email=f"scale-apps-ops-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    ops2, _ = user_ensure_with_email(
        email=f"scale-apps-ops2-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    _, raw_key = api_key_create(
        merchant=merchant,
        name="Scale bench",
        kind=KeyKind.SECRET,
        scope=Scope.WRITE,
        expires_at=None,
        actor=owner,
        now=now,
    )
    program = affiliate_services.program_create(
        merchant=merchant,
        name="Scale Brand partners",
        domains=["scale-brand.example"],
        now=now - timedelta(days=DAYS + 2),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    with transaction.atomic():
        if superuser:
            _sql("SET LOCAL session_replication_role = replica")
        t_start = _max_id(Transaction)
        n_payouts, batches, payout_user = _payouts(
            merchant=merchant, run=run, ops=ops, ops2=ops2, now=now, limit=payouts, log=log
        )
        step("payouts")
        n_aff, heavy_aff, n_commissions = _affiliates(
            program=program,
            merchant=merchant,
            run=run,
            ops=ops,
            now=now,
            clicks=clicks,
            conversions=conversions,
            log=log,
        )
        step("affiliates")
        endpoint = _webhooks(merchant=merchant, owner=owner, now=now, events=events, log=log)
        step("webhooks")
        # Every account the new transactions touched: its balance plus their entries.
        _sql(
            "UPDATE wallets_account c SET balance = c.balance + t.total FROM "  # noqa: S608
            f"(SELECT account_id, SUM(amount) AS total FROM wallets_entry WHERE transaction_id > {t_start} "
            "GROUP BY account_id) t WHERE c.id = t.account_id"
        )
        _setval(
            User, BankAccount, PayoutBatch, Payout, Affiliate, Link, Click, Conversion, Commission,
            Transaction, WebhookEvent, WebhookDelivery,
        )  # fmt: skip
        step("balances")
    with connection.cursor() as cursor:
        for model in (
            User, BankAccount, PayoutBatch, Payout, PayoutEvent, Affiliate, Link, Click, Conversion,
            Commission, LinkDay, LinkTotal, ProgramDay, Account, Transaction, Entry, WebhookEvent, WebhookDelivery, WebhookAttempt, ApiKey,
        ):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    step("vacuum analyze")
    return AppsData(
        payouts=n_payouts,
        batches=batches,
        payout_user_id=payout_user,
        program=program,
        affiliates=n_aff,
        heavy_affiliate_user_id=heavy_aff,
        clicks=clicks,
        conversions=conversions,
        commissions=n_commissions,
        endpoint=endpoint,
        events=events,
        api_key=raw_key,
        seconds=seconds,
    )
