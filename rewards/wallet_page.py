"""The consumer's wallet (``/wallet/`` and ``/wallet/summary.json``), kept rendered while what it shows
is unchanged.

Building the wallet took 11-13 ORM queries and a template of every section, about 15 ms of CPU a
request, while most requests find it as it was. So one SQL statement (no ORM compilation, one round
trip) reads a fingerprint of the person's wallet: the md5 of the version of every row the page and
its JSON are built from (:func:`_version`: the row's ``xmin`` and ``ctid``, which every UPDATE
moves, whatever column it touched: a column added later joins it by itself; reading the versions
costs PostgreSQL a third less than ``to_jsonb`` of each whole row, which it read before):

- the person's User row (name, phone, language, time zone, staff or not; a new password hash or a
  sign-in's ``last_login`` builds the page again, as it did) and whether they are on a
  merchant's team or have acted for a brand (the menu's consumer rule, ``accounts.people``);
- every ledger account the person owns, with its stored balance (``wallets.services.post`` changes
  the balance row of both sides of every posting, so a reward, a confirmation, a reversal, a payout
  requested, rejected or returned, a debt, coins bought and a commission paid each change a row read
  here: the "Other movements" list, entries of the available accounts, is covered by them);
- their reward figures (``PersonRewardFigures``: the counts per status, the held totals, the
  history's page count);
- the rewards the page lists, with their brand and action: the 20 newest (the history's first page;
  the JSON's 10 are among them), the 10 newest under review and the 10 newest reversed;
- the schedule of pending rewards as the page groups them (day in the person's time zone, currency,
  total, count);
- the 10 newest actions refused for lack of money, with their brand and campaign (the campaign read
  whole, ``to_jsonb``, without its running ``spent`` and ``updated_at``, which change with every
  reward paid and show nothing here: its version would change with them);
- the 10 newest brands awaited, the person's e-mail addresses (how they are told), their TikTok
  profile and their active consents with each brand;

(the JSON's fingerprint reads only what it shows: the accounts, the figures, the 20 newest rewards,
the schedule and the unfunded actions), and the next moment the page changes by time alone: the earliest deadline of a listed unfunded
action still ahead ("Waiting: ... before" turns into "Not paid"). The day in the person's time zone
is in the key too (a day that has come reads "Being checked now"), with the time zone, the active
language, the smallest payout and a digest of the code that renders the page (a release with another template or text
doesn't serve the old one's copies).

Nothing has to remember to invalidate anything: a write through ``update()`` changes a row like any
other, and every process agrees without telling the others. A body is built in one REPEATABLE READ
snapshot with its fingerprint, so a change committed while it is built can't be kept under the key
of the state before it. What is kept (the default cache, an hour at most) is the HTML with a
placeholder where each form's CSRF token goes (each response gets its own token) and the JSON.
Not kept: a page with messages waiting to be shown (``django.contrib.messages``: rendered as it
always was, showing them once), a page with a query string (``?page=``: built as before), and
anything on SQLite. A cache that is down costs a build, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import connection, transaction
from django.template.loader import get_template
from django.utils import timezone, translation

from accounts.models import User
from campaigns.models import Campaign
from core.db import bound_cursor
from merchants.models import Consent, Membership, Merchant
from rewards.models import ActionStatus, LaunchWatch, PersonRewardFigures, Reward, RewardStatus, SocialAction
from rewards.selectors import WALLET_LIST_LIMIT
from social.models import TikTokProfile
from wallets.models import Account, owner_key
from wallets.withdrawals import payout_minimum

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
HISTORY_ROWS = 20  # the history's first page (rewards.views.HISTORY_PAGE_SIZE); the JSON lists 10 of them
LIST_ROWS = WALLET_LIST_LIMIT  # the lists of held and reversed rewards, unfunded actions and brands awaited
# What renders the wallet besides this module: a digest of them is in every key.
TEMPLATES = (
    "wallet/wallet.html",
    "wallet/_connected_accounts.html",
    "wallet/_movement_lines.html",
    "base.html",
    "includes/language_switcher.html",
    "merchants/consents_panel.html",
    "support/ask_about_reward.html",
)


def _version(alias: str) -> str:
    """The version of the row ``alias``: its id, and the id of the transaction that wrote it with its
    place in the table (``xmin``, ``ctid``). PostgreSQL writes every UPDATE as a new version of the
    row, with the writing transaction's id and a new place, so any change to the row moves them,
    whatever column it touched (a row locked ``FOR UPDATE`` keeps them)."""
    return f"({alias}.id || ':' || {alias}.xmin::text || {alias}.ctid::text)"


@functools.cache
def _sql(kind: str) -> str:
    """The fingerprint of the wallet's ``kind``: "page" (everything ``/wallet/`` shows) or "json"
    (the part ``/wallet/summary.json`` shows)."""
    u, ms, a = User._meta.db_table, Membership._meta.db_table, Account._meta.db_table
    f, r, s = PersonRewardFigures._meta.db_table, Reward._meta.db_table, SocialAction._meta.db_table
    m, c, w = Merchant._meta.db_table, Campaign._meta.db_table, LaunchWatch._meta.db_table
    e, t, k = EmailAddress._meta.db_table, TikTokProfile._meta.db_table, Consent._meta.db_table

    def listed(where: str, rows: int) -> str:
        """The ``rows`` newest rewards of the person matching ``where``, each with its action's type
        and its brand. The rows are chosen first and only they are joined and read: a
        generic plan (the statement is prepared) can't know a person has 10,000 rewards, and
        joining before the limit read all of them (190 ms instead of 5)."""
        return f"""
            SELECT r.created_at, r.id,
                   concat_ws(';', r.id || ':' || r.v, sa.action_type, {_version("m")}) AS j
              FROM (SELECT id, created_at, action_id, merchant_id, xmin::text || ctid::text AS v
                      FROM {r} WHERE user_id = %(user)s {where}
                     ORDER BY created_at DESC, id DESC LIMIT {rows}) r
              JOIN {s} sa ON sa.id = r.action_id JOIN {m} m ON m.id = r.merchant_id"""  # noqa: S608 - table names from the models, constant statuses

    # The statuses are written into the statement, not passed: a generic plan can then use the
    # partial index of unfunded actions (and they are the code's constants, never input).
    s_held, s_reversed, s_pending = (
        RewardStatus.HELD.value,
        RewardStatus.REVERSED.value,
        RewardStatus.PENDING.value,
    )
    s_unfunded = ActionStatus.UNFUNDED.value

    def aggregated(rows: str) -> str:
        return f"coalesce((SELECT string_agg(x.j, ',' ORDER BY x.created_at DESC, x.id DESC) FROM ({rows}) x), '')"  # noqa: S608 - table names from the models

    # What the JSON shows (``selectors.wallet_summary``: balances, counts, the schedule's next day,
    # the 10 newest rewards, the unfunded actions); the page shows these and the rest below.
    parts = [
        f"""coalesce((SELECT string_agg({_version("a")}, ',' ORDER BY a.id) FROM {a} a
                       WHERE a.owner_type = %(owner_type)s AND a.owner_id = %(user)s), '')""",  # noqa: S608 - table names from the models
        f"""coalesce((SELECT string_agg({_version("f")}, ',' ORDER BY f.id) FROM {f} f
                       WHERE f.user_id = %(user)s), '')""",  # noqa: S608 - table names from the models
        aggregated(listed("", HISTORY_ROWS)),
        # the schedule as rewards.selectors.availability_schedule groups it
        f"""coalesce((SELECT string_agg(concat_ws(':', d.day, d.currency, d.total, d.n), ','
                                        ORDER BY d.day, d.currency)
                        FROM (SELECT (COALESCE(r.advance_at, r.available_at) AT TIME ZONE %(tz)s)::date AS day,
                                     r.currency, sum(r.user_amount) AS total, count(*) AS n
                                FROM {r} r
                               WHERE r.user_id = %(user)s AND r.status = '{s_pending}' AND r.advanced_at IS NULL
                               GROUP BY 1, 2) d), '')""",  # noqa: S608 - table names from the models
        "coalesce((SELECT string_agg(x.j, ',' ORDER BY x.created_at DESC, x.id DESC) FROM unfunded x), '')",
    ]
    if kind == "page":
        parts += [
            # the person (the menu: name, staff, whether they can sign in with a password), whether
            # they are on a merchant's team and whether they have acted (the menu's consumer rule)
            f"""coalesce((SELECT {_version("u")} FROM {u} u WHERE u.id = %(user)s), '')""",  # noqa: S608 - table names from the models
            f"(SELECT EXISTS (SELECT 1 FROM {ms} WHERE user_id = %(user)s))::text",  # noqa: S608 - table names from the models
            f"(SELECT EXISTS (SELECT 1 FROM {s} WHERE user_id = %(user)s))::text",  # noqa: S608 - table names from the models
            aggregated(listed(f"AND status = '{s_held}'", LIST_ROWS)),
            aggregated(listed(f"AND status = '{s_reversed}'", LIST_ROWS)),
            aggregated(
                f"""SELECT w.created_at, w.id, concat_ws(';', {_version("w")}, {_version("m")}) AS j
                      FROM {w} w JOIN {m} m ON m.id = w.merchant_id
                     WHERE w.user_id = %(user)s
                     ORDER BY w.created_at DESC, w.id DESC LIMIT {LIST_ROWS}"""  # noqa: S608 - table names from the models
            ),
            f"""coalesce((SELECT string_agg({_version("e")}, ',' ORDER BY e.id) FROM {e} e
                       WHERE e.user_id = %(user)s), '')""",  # noqa: S608 - table names from the models
            f"""coalesce((SELECT string_agg({_version("t")}, ',' ORDER BY t.id) FROM {t} t
                       WHERE t.user_id = %(user)s), '')""",  # noqa: S608 - table names from the models
            f"""coalesce((SELECT string_agg(concat_ws(';', {_version("k")}, {_version("m")}), ',' ORDER BY k.id)
                        FROM {k} k JOIN {m} m ON m.id = k.merchant_id
                       WHERE k.user_id = %(user)s AND k.withdrawn_at IS NULL), '')""",  # noqa: S608 - table names from the models
        ]
    # Each part coalesced to '' keeps its place: an empty part can't shift another into its slot.
    return f"""
        WITH unfunded AS (
            SELECT sa.created_at, sa.id,
                   concat_ws(';', {_version("sa")}, {_version("m")},
                             (to_jsonb(c) - 'spent' - 'updated_at')::text) AS j,
                   LEAST(sa.created_at + %(retry)s, c.ends_at) AS deadline
              FROM {s} sa JOIN {m} m ON m.id = sa.merchant_id LEFT JOIN {c} c ON c.id = sa.campaign_id
             WHERE sa.user_id = %(user)s AND sa.status = '{s_unfunded}'
             ORDER BY sa.created_at DESC, sa.id DESC
             LIMIT {LIST_ROWS}
        )
        SELECT md5(concat_ws('|', {", ".join(parts)})),
        (SELECT min(deadline) FROM unfunded WHERE deadline > %(now)s)
    """  # noqa: S608 - table names from the models' metadata; every value is a parameter


@functools.cache
def _code() -> str:
    """A digest of what renders the wallet (its templates, the modules that fill them, the compiled
    translations), read once per process."""
    base = Path(settings.BASE_DIR)
    paths = [Path(get_template(name).origin.name) for name in TEMPLATES]
    paths += [
        Path(__file__).with_name(name)
        for name in ("views.py", "selectors.py", "wallet_page.py", "notices.py", "reasons.py")
    ]
    paths.append(base / "wallets" / "movements.py")  # the words of "Other movements"
    paths.append(base / "wallets" / "withdrawals.py")  # the words of money no payout takes
    paths += sorted(base.glob("*/wallet_details.py"))  # the apps' words for theirs (a plan's fee)
    paths += sorted(base.glob("*/locale/*/LC_MESSAGES/django.mo")) + sorted(
        base.glob("locale/*/LC_MESSAGES/django.mo")
    )
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:16]


def _fingerprint(values: dict, kind: str) -> tuple[str, datetime | None]:
    # Prepared once per database connection (``core.db.bound_cursor``): planning its fifteen parts
    # took about 1.3 ms a request, more than running them.
    with bound_cursor() as cursor:
        cursor.execute(_sql(kind), values)
        return cursor.fetchone()


def wallet_key(*, user: AbstractBaseUser, kind: str, now: datetime) -> str:
    """The cache key of the person's wallet (``kind``: "page" or "json") as it is at ``now``, in the
    active language and time zone."""
    owner_type, owner_id = owner_key(user)
    tz = timezone.get_current_timezone_name()
    # The time zone as the ORM writes it for the schedule's TruncDate (an offset's sign is flipped
    # for PostgreSQL), so the fingerprint groups the days exactly as the page does.
    tz_sql = connection.ops._prepare_tzname_delta(tz)
    digest, next_change = _fingerprint(
        {
            "user": owner_id,
            "owner_type": owner_type,
            "tz": tz_sql,
            "now": now,
            "retry": timedelta(days=settings.REWARDS_UNFUNDED_RETRY_DAYS),
        },
        kind,
    )
    moment = next_change.isoformat() if next_change is not None else "-"
    language = translation.get_language() or settings.LANGUAGE_CODE
    today = timezone.localdate(now).isoformat()
    minimum = payout_minimum().amount  # the schedule's sentence says it (a setting, not a row)
    key = hashlib.sha256(
        f"{digest}|{moment}|{today}|{tz}|{language}|{minimum}|{_code()}".encode()
    ).hexdigest()
    return f"wallet:{kind}:{owner_id}:{key}"


def wallet_body(
    *, user: AbstractBaseUser, kind: str, now: datetime, build: Callable[[str], str]
) -> tuple[str, str]:
    """The person's wallet as ``build(placeholder)`` renders it at ``now``, from the cache while its
    fingerprint is unchanged: ``(placeholder, body)``, the placeholder standing where each
    response puts its own CSRF token."""
    key = wallet_key(user=user, kind=kind, now=now)
    try:
        kept = cache.get(key)
    except Exception:  # a cache down, or one refusing the key: the page is built
        logger.warning("cache unavailable; the wallet is built without it")
        kept = None
    if kept is not None:
        return kept
    # Built from one snapshot of the database, the one its key is computed from: a change
    # committed meanwhile can't end up in a page kept under the key of the state before it.
    outermost = connection.get_autocommit()  # inside another transaction, its snapshot rules
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        key = wallet_key(user=user, kind=kind, now=now)
        placeholder = f"wallet-csrf-{secrets.token_hex(16)}"
        body = build(placeholder)
    try:
        cache.set(key, (placeholder, body), CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable; the wallet was not kept")
    return placeholder, body
