# ruff: noqa: S608 - the statements are built from constants
"""The affiliate reports' roll-ups (``LinkDay``, ``ProgramDay``): written with the change, rebuilt, checked.

A click adds to its link's day; a commission counts on the day it was tracked (UTC, as the reports
show it) under the link of its conversion's click (0: a bound customer's conversion without a
click), with its amount in the column of its state; an adjustment after approval adds to
``adjusted``. A change of a commission is written as the difference between what it added before
and after (``commission_figures``), in the transaction of the change and under the commission's
row lock, so concurrent writers only ever add to a row (an upsert: ``x = x + excluded.x``).

Three grains: ``LinkDay`` (affiliate, link, day: the affiliate's reports by day and month),
``LinkTotal`` (affiliate, link: the reports by link and sub-id, the affiliate's totals) and
``ProgramDay`` (program, day: the program's reports by day and month, its totals). Lock order:
every writer upserts its ``LinkDay`` rows first, in (affiliate, link, day) order, then its
``LinkTotal`` rows in (affiliate, link) order, then its ``ProgramDay`` rows in (program, day)
order, as the last thing it writes; so two writers never wait for each other's rows the other way
round.

``recompute`` adds everything up again from the clicks, commissions and adjustments (the check,
``manage.py affiliates_check``); ``rebuild`` refills the tables set-based (the data builder of
``bench_scale --apps``; migration 0006's backfill has its own copy of those statements).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from affiliates.models import Adjustment, Click, Commission, CommissionState, LinkDay, LinkTotal, ProgramDay

COUNTS = ("clicks", "unique_clicks", "conversions", "reversed")
AMOUNTS = ("revenue", "pending", "held", "locked", "approved", "paid", "reversed_amount", "adjusted")
COLUMNS = COUNTS + AMOUNTS
# The amount column of each state.
STATE_COLUMN = {
    CommissionState.PENDING: "pending",
    CommissionState.HELD: "held",
    CommissionState.LOCKED: "locked",
    CommissionState.APPROVED: "approved",
    CommissionState.PAID: "paid",
    CommissionState.REVERSED: "reversed_amount",
}


@dataclass(frozen=True, order=True)
class Key:
    affiliate_id: int
    link_pk: int
    day: date
    program_id: int


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def commission_key(commission: Commission) -> Key:
    """Where a commission counts: its conversion's click's link (select it with the commission)."""
    click = commission.conversion.click
    link_pk = click.link_id if click is not None else 0
    return Key(commission.affiliate_id, link_pk, utc_day(commission.tracked_at), commission.program_id)


def commission_figures(commission: Commission) -> dict[str, object]:
    """What the commission adds to its row as it is now."""
    reversed_ = commission.state == CommissionState.REVERSED
    return {
        "conversions": 1,
        "reversed": 1 if reversed_ else 0,
        "revenue": Decimal(0) if reversed_ else commission.conversion.amount,
        STATE_COLUMN[commission.state]: commission.amount,
    }


class Changes:
    """Differences to add to the roll-ups, written together (``apply``) at the end of a transaction."""

    def __init__(self) -> None:
        self.rows: dict[Key, dict[str, object]] = defaultdict(dict)

    def add(self, key: Key, figures: dict[str, object], sign: int = 1) -> None:
        row = self.rows[key]
        for column, value in figures.items():
            row[column] = row.get(column, 0) + sign * value

    def commission(self, key: Key, before: dict[str, object] | None, after: dict[str, object]) -> None:
        if before is not None:
            self.add(key, before, -1)
        self.add(key, after)

    def apply(self) -> None:
        link_days = sorted(k for k, row in self.rows.items() if any(row.values()))
        if not link_days:
            return
        link_totals: dict[tuple[int, int, int], dict[str, object]] = defaultdict(dict)
        program_days: dict[tuple[int, date], dict[str, object]] = defaultdict(dict)
        for key in link_days:
            for total in (
                link_totals[(key.affiliate_id, key.link_pk, key.program_id)],
                program_days[(key.program_id, key.day)],
            ):
                for column, value in self.rows[key].items():
                    total[column] = total.get(column, 0) + value
        _upsert(
            LinkDay._meta.db_table,
            ("program_id", "affiliate_id", "link_pk", "day"),
            ("affiliate_id", "link_pk", "day"),
            [((k.program_id, k.affiliate_id, k.link_pk, k.day), self.rows[k]) for k in link_days],
        )
        _upsert(
            LinkTotal._meta.db_table,
            ("affiliate_id", "link_pk", "program_id"),
            ("affiliate_id", "link_pk"),
            [(key, link_totals[key]) for key in sorted(link_totals)],
        )
        _upsert(
            ProgramDay._meta.db_table,
            ("program_id", "day"),
            ("program_id", "day"),
            [(key, program_days[key]) for key in sorted(program_days)],
        )
        self.rows.clear()


def _upsert(table: str, key_columns: tuple, conflict: tuple, rows: list[tuple[tuple, dict]]) -> None:
    """``INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x`` (PostgreSQL and SQLite), in the rows' order."""
    columns = key_columns + COLUMNS
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET "
        + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COLUMNS)
    )
    params: list[object] = []
    for key, figures in rows:
        params.extend(key)
        params.extend(figures.get(c, 0) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def clicks_add(clicks: list[tuple[int, int, int, datetime, bool]]) -> None:
    """Count written clicks (program, affiliate, link, time, unique; bots left out by the caller)."""
    changes = Changes()
    for program_id, affiliate_id, link_id, at, unique in clicks:
        changes.add(
            Key(affiliate_id, link_id, utc_day(at), program_id), {"clicks": 1, "unique_clicks": int(unique)}
        )
    changes.apply()


# The click writer's part on PostgreSQL, appended to its statement's WITH (``uniq``: the clicks
# inserted as unique, ``rest``: the others, bots included). Each upsert reads the one before it
# (``WHERE (SELECT count(*) FROM ...) >= 0``), so it runs to its end before the next one starts: the
# lock order above, each in key order.
def _clicks_upsert(table: str, keys: str, conflict: str, order: str) -> str:
    zeros = ", 0" * (len(COLUMNS) - 2)
    return (
        f"INSERT INTO {table} ({keys}, {', '.join(COLUMNS)}) SELECT {keys}, sum(clicks), sum(unique_clicks){zeros} "
        f"FROM counted WHERE {{after}} GROUP BY {keys} ORDER BY {order} ON CONFLICT ({conflict}) DO UPDATE SET "
        f"clicks = {table}.clicks + excluded.clicks, unique_clicks = {table}.unique_clicks + excluded.unique_clicks"
    )


CLICKS_ROLLUP_POSTGRESQL = (
    "counted AS (SELECT a.program_id, l.affiliate_id, x.link_id AS link_pk, (x.at AT TIME ZONE 'UTC')::date AS day, "
    "count(*) AS clicks, count(*) FILTER (WHERE x.is_unique) AS unique_clicks "
    "FROM (SELECT link_id, at, true AS is_unique FROM uniq "
    "UNION ALL SELECT link_id, at, false FROM rest WHERE NOT is_bot) x "
    "JOIN affiliates_link l ON l.id = x.link_id JOIN affiliates_affiliate a ON a.id = l.affiliate_id "
    "GROUP BY 1, 2, 3, 4), "
    "link_days AS ("
    + _clicks_upsert(
        "affiliates_linkday", "program_id, affiliate_id, link_pk, day", "affiliate_id, link_pk, day",
        "affiliate_id, link_pk, day",
    ).format(after="TRUE")
    + " RETURNING 1), link_totals AS ("
    + _clicks_upsert(
        "affiliates_linktotal", "program_id, affiliate_id, link_pk", "affiliate_id, link_pk", "affiliate_id, link_pk"
    ).format(after="(SELECT count(*) FROM link_days) >= 0")
    + " RETURNING 1) "
    + _clicks_upsert("affiliates_programday", "program_id, day", "program_id, day", "program_id, day").format(
        after="(SELECT count(*) FROM link_totals) >= 0"
    )
)  # fmt: skip


# ---------------------------------------------------------------------------
# Recomputed from the rows (the check) and rebuilt set-based


def recompute(*, program_id: int | None = None) -> dict[Key, dict[str, object]]:
    """Every link day's figures added up from the clicks, commissions and adjustments (rows with
    something in them only)."""
    clicks = Click.objects.filter(is_bot=False)
    commissions = Commission.objects.all()
    adjustments = Adjustment.objects.filter(after_approval=True)
    if program_id is not None:
        clicks = clicks.filter(link__affiliate__program_id=program_id)
        commissions = commissions.filter(program_id=program_id)
        adjustments = adjustments.filter(commission__program_id=program_id)
    rows: dict[Key, dict[str, object]] = defaultdict(dict)

    def add(key: Key, figures: dict) -> None:
        row = rows[key]
        for column, value in figures.items():
            row[column] = row.get(column, 0) + (value or 0)

    for program, affiliate, link, day, n, u in (
        clicks.annotate(d=TruncDate("at", tzinfo=UTC))
        .values_list("link__affiliate__program_id", "link__affiliate_id", "link_id", "d")
        .annotate(n=Count("id"), u=Count("id", filter=Q(is_unique=True)))
        .order_by()
    ):
        add(Key(affiliate, link, day, program), {"clicks": n, "unique_clicks": u})
    not_reversed = ~Q(state=CommissionState.REVERSED)
    for program, affiliate, link, day, state, n, amount, revenue in (
        commissions.annotate(d=TruncDate("tracked_at", tzinfo=UTC))
        .values_list("program_id", "affiliate_id", "conversion__click__link_id", "d", "state")
        .annotate(n=Count("id"), a=Sum("amount"), r=Sum("conversion__amount", filter=not_reversed))
        .order_by()
    ):
        add(
            Key(affiliate, link or 0, day, program),
            {
                "conversions": n,
                "reversed": n if state == CommissionState.REVERSED else 0,
                "revenue": revenue or Decimal(0),
                STATE_COLUMN[state]: amount,
            },
        )
    for program, affiliate, link, day, amount in (
        adjustments.annotate(d=TruncDate("commission__tracked_at", tzinfo=UTC))
        .values_list(
            "commission__program_id",
            "commission__affiliate_id",
            "commission__conversion__click__link_id",
            "d",
        )
        .annotate(a=Sum("amount"))
        .order_by()
    ):
        add(Key(affiliate, link or 0, day, program), {"adjusted": amount})
    return rows


def _stored(model, key_fields: tuple[str, ...], program_id: int | None) -> dict[tuple, dict[str, object]]:
    queryset = model.objects.all() if program_id is None else model.objects.filter(program_id=program_id)
    return {row[: len(key_fields)]: dict(zip(COLUMNS, row[len(key_fields) :], strict=True)) for row in
            queryset.values_list(*key_fields, *COLUMNS)}  # fmt: skip


def _differences(what: str, expected: dict, actual: dict) -> list[str]:
    out = []
    for key in sorted(set(expected) | set(actual), key=str):
        want = expected.get(key, {})
        have = actual.get(key, {})
        for column in COLUMNS:
            if Decimal(want.get(column, 0) or 0) != Decimal(have.get(column, 0) or 0):
                out.append(
                    f"{what} {key}: {column} is {have.get(column, 0)}, recomputed {want.get(column, 0) or 0}"
                )
    return out


def check(*, program_id: int | None = None) -> list[str]:
    """The roll-ups against the figures recomputed from the rows: a line per difference."""
    link_days = recompute(program_id=program_id)
    expected = {(k.program_id, k.affiliate_id, k.link_pk, k.day): row for k, row in link_days.items()}
    problems = _differences(
        "link day",
        expected,
        _stored(LinkDay, ("program_id", "affiliate_id", "link_pk", "day"), program_id),
    )
    link_totals: dict[tuple, dict[str, object]] = defaultdict(dict)
    program_days: dict[tuple, dict[str, object]] = defaultdict(dict)
    for key, row in link_days.items():
        for total in (
            link_totals[(key.program_id, key.affiliate_id, key.link_pk)],
            program_days[(key.program_id, key.day)],
        ):
            for column, value in row.items():
                total[column] = total.get(column, 0) + value
    problems += _differences(
        "link total", link_totals, _stored(LinkTotal, ("program_id", "affiliate_id", "link_pk"), program_id)
    )
    problems += _differences(
        "program day", program_days, _stored(ProgramDay, ("program_id", "day"), program_id)
    )
    return problems


def rebuild_statements(vendor: str) -> list[str]:
    """Refill the roll-ups from the rows, set-based: the link days from the clicks, commissions and
    adjustments, then the link totals and program days from them (migration 0006 keeps a copy)."""

    def day(column: str) -> str:
        return f"({column} AT TIME ZONE 'UTC')::date" if vendor == "postgresql" else f"date({column})"

    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    columns = ", ".join(COLUMNS)
    state = "COALESCE(sum(m.amount) FILTER (WHERE m.state = '{}'), 0)"
    return [
        "DELETE FROM affiliates_programday",
        "DELETE FROM affiliates_linktotal",
        "DELETE FROM affiliates_linkday",
        f"INSERT INTO affiliates_linkday (program_id, affiliate_id, link_pk, day, {columns}) "
        f"SELECT program_id, affiliate_id, link_pk, day, {sums} FROM ("
        f"SELECT a.program_id, l.affiliate_id, c.link_id AS link_pk, {day('c.at')} AS day, "
        "count(*) AS clicks, count(*) FILTER (WHERE c.is_unique) AS unique_clicks, 0 AS conversions, "
        "0 AS reversed, 0 AS revenue, 0 AS pending, 0 AS held, 0 AS locked, 0 AS approved, 0 AS paid, "
        "0 AS reversed_amount, 0 AS adjusted FROM affiliates_click c JOIN affiliates_link l ON l.id = c.link_id "
        "JOIN affiliates_affiliate a ON a.id = l.affiliate_id WHERE NOT c.is_bot GROUP BY 1, 2, 3, 4 "
        f"UNION ALL SELECT m.program_id, m.affiliate_id, COALESCE(k.link_id, 0), {day('m.tracked_at')}, "
        "0, 0, count(*), count(*) FILTER (WHERE m.state = 'REVERSED'), "
        "COALESCE(sum(v.amount) FILTER (WHERE m.state <> 'REVERSED'), 0), "
        + ", ".join(state.format(s) for s in ("PENDING", "HELD", "LOCKED", "APPROVED", "PAID", "REVERSED"))
        + ", 0 FROM affiliates_commission m JOIN affiliates_conversion v ON v.id = m.conversion_id "
        "LEFT JOIN affiliates_click k ON k.id = v.click_id GROUP BY 1, 2, 3, 4 "
        f"UNION ALL SELECT m.program_id, m.affiliate_id, COALESCE(k.link_id, 0), {day('m.tracked_at')}, "
        "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(j.amount) FROM affiliates_adjustment j "
        "JOIN affiliates_commission m ON m.id = j.commission_id JOIN affiliates_conversion v ON v.id = m.conversion_id "
        "LEFT JOIN affiliates_click k ON k.id = v.click_id WHERE j.after_approval GROUP BY 1, 2, 3, 4"
        ") x GROUP BY program_id, affiliate_id, link_pk, day",
        f"INSERT INTO affiliates_linktotal (program_id, affiliate_id, link_pk, {columns}) "
        f"SELECT program_id, affiliate_id, link_pk, {sums} FROM affiliates_linkday GROUP BY program_id, affiliate_id, link_pk",
        f"INSERT INTO affiliates_programday (program_id, day, {columns}) "
        f"SELECT program_id, day, {sums} FROM affiliates_linkday GROUP BY program_id, day",
    ]


def rebuild() -> None:
    """Refill every roll-up from the rows, set-based (call it inside a transaction)."""
    with connection.cursor() as cursor:
        for statement in rebuild_statements(connection.vendor):
            cursor.execute(statement)
