"""Reads of the affiliates app that are more than a line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import User
from affiliates.models import (
    Affiliate,
    Commission,
    CommissionState,
    Conversion,
    Link,
    LinkDay,
    LinkTotal,
    Program,
    ProgramDay,
)
from affiliates.rollups import AMOUNTS, COLUMNS
from core.spreadsheets import amount
from wallets.formats import percent_text

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The roll-ups' columns whose sum is the payout: commissions not reversed, in every state, and adjustments.
PAYOUT_COLUMNS = ("pending", "held", "locked", "approved", "paid", "adjusted")
PAYOUT = sum((F(column) for column in PAYOUT_COLUMNS[1:]), F(PAYOUT_COLUMNS[0]))


@dataclass(frozen=True)
class RedirectLink:
    """What ``/r/<code>`` needs of a link and its program, read in one indexed statement."""

    pk: int
    destination: str
    program_kind: str
    domains: list[str]
    window_days: int


_REDIRECT_SQL = (
    "SELECT l.id, l.destination, p.kind, p.domains, p.window_days FROM affiliates_link l "
    "JOIN affiliates_affiliate a ON a.id = l.affiliate_id JOIN affiliates_program p ON p.id = a.program_id "
    "WHERE l.code = %s"
)


def redirect_link_get(code: str) -> RedirectLink | None:
    """The hot path of the redirect: a fixed statement, no ORM compilation per request."""
    with connection.cursor() as cursor:
        cursor.execute(_REDIRECT_SQL, [code])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, destination, kind, domains, window_days = row
    if isinstance(domains, str):  # SQLite returns JSON as text
        domains = json.loads(domains)
    return RedirectLink(pk, destination, kind, list(domains), window_days)


def programs_open() -> QuerySet[Program]:
    return Program.objects.filter(is_active=True).select_related("merchant").order_by("kind", "name")


def affiliation_get(*, user: User, program: Program) -> Affiliate | None:
    if not user.is_authenticated:
        return None
    return Affiliate.objects.filter(user=user, program=program).first()


def commission_totals(commissions: QuerySet[Commission]) -> dict[str, Decimal]:
    """What a set of commissions holds in each state (held counts as pending: it is reserved)."""
    rows = dict(commissions.values_list("state").annotate(t=Sum("amount")).order_by())
    return {
        "pending": (rows.get(CommissionState.PENDING) or ZERO) + (rows.get(CommissionState.HELD) or ZERO),
        "held": rows.get(CommissionState.HELD) or ZERO,
        "locked": rows.get(CommissionState.LOCKED) or ZERO,
        "approved": rows.get(CommissionState.APPROVED) or ZERO,
        "paid": rows.get(CommissionState.PAID) or ZERO,
        "reversed": rows.get(CommissionState.REVERSED) or ZERO,
    }


def _totals_from_rollup(queryset: QuerySet) -> dict[str, Decimal]:
    sums = queryset.aggregate(
        **{c: Sum(c) for c in ("pending", "held", "locked", "approved", "paid", "reversed_amount")}
    )
    sums = {
        name: Decimal(value or 0).quantize(CENT) for name, value in sums.items()
    }  # SQLite: floating point
    held = sums["held"] or ZERO
    return {
        "pending": (sums["pending"] or ZERO) + held,
        "held": held,
        "locked": sums["locked"] or ZERO,
        "approved": sums["approved"] or ZERO,
        "paid": sums["paid"] or ZERO,
        "reversed": sums["reversed_amount"] or ZERO,
    }


def program_commission_totals(program: Program) -> dict[str, Decimal]:
    """``commission_totals`` of the program's commissions, from its days' roll-up (a row a day)."""
    return _totals_from_rollup(ProgramDay.objects.filter(program=program))


def affiliate_commission_totals(affiliate: Affiliate) -> dict[str, Decimal]:
    """``commission_totals`` of the affiliate's commissions, from their links' roll-up (a row a link)."""
    return _totals_from_rollup(LinkTotal.objects.filter(affiliate=affiliate))


def commissions_of(affiliate: Affiliate) -> QuerySet[Commission]:
    return (
        Commission.objects.filter(affiliate=affiliate)
        .select_related("conversion", "conversion__click__link")
        .order_by("-tracked_at", "-pk")
    )


def rejected_conversions_of(affiliate: Affiliate) -> QuerySet[Conversion]:
    return Conversion.objects.filter(affiliate=affiliate, is_accepted=False).order_by("-created_at", "-pk")


def links_of(affiliate: Affiliate) -> QuerySet[Link]:
    return Link.objects.filter(affiliate=affiliate).order_by("-created_at", "-pk")


def affiliates_of(program: Program) -> QuerySet[Affiliate]:
    return Affiliate.objects.filter(program=program).select_related("user").order_by("status", "-applied_at")


def program_commissions(program: Program) -> QuerySet[Commission]:
    return (
        Commission.objects.filter(program=program)  # index affiliates_commission_newest
        .select_related("conversion", "affiliate__user")
        .order_by("-tracked_at", "-pk")
    )


# ---------------------------------------------------------------------------
# Reports -> Performance

GROUPS = ("day", "month", "link", "sub_id")
# What a person reads for each grouping (the report's first column and its "Group by" links).
GROUP_LABELS = {
    "day": gettext_lazy("Day"),
    "month": gettext_lazy("Month"),
    "link": gettext_lazy("Link"),
    "sub_id": gettext_lazy("Sub-id"),
}


@dataclass
class PerformanceRow:
    key: object
    label: str = ""
    clicks: int = 0
    unique_clicks: int = 0
    conversions: int = 0
    reversed: int = 0
    revenue: Decimal = ZERO
    payout: Decimal = ZERO
    pending: Decimal = ZERO
    locked: Decimal = ZERO
    approved: Decimal = ZERO
    # Of the net conversions, those without a tracked click (an accepted inquiry, a bound customer's order).
    without_click: int = 0
    # Their payout: earnings per click leave it out, as the rate leaves them out.
    without_click_payout: Decimal = ZERO
    bar: int = 0  # the payout as a percentage of the largest row's, for the chart

    @property
    def period(self):
        """A day's or a month's row: its day (a month: its first), as a date, for the page to write in
        the reader's format (the CSV keeps the ISO ``label``)."""
        return self.key.date() if isinstance(self.key, datetime) else self.key

    @property
    def net(self) -> int:
        return self.conversions - self.reversed

    @property
    def conversion_rate(self) -> Decimal | None:
        """The net conversions that came from a tracked click per unique click, in percent: the one
        definition of the rate (the page, the console, /ops/ and the CSV read it). A conversion without
        a click (``without_click``) isn't one of the clicks' results, and counted made "200%" of a day's
        click beside an accepted inquiry. ``None`` ("—") without a unique click, and where the row's
        conversions from clicks outnumber its unique clicks (orders of a day from clicks of earlier
        days, a visitor who ordered again): a rate above 100% would say something untrue."""
        from_clicks = self.net - self.without_click
        if not self.unique_clicks or from_clicks > self.unique_clicks:
            return None
        return (Decimal(from_clicks) * 100 / self.unique_clicks).quantize(Decimal("0.01"))

    @property
    def conversion_rate_text(self) -> str:
        """The rate as the reader's language writes a percentage ("75%", "75 %" with a no-break
        space, "66,67 %"); "—" without a unique click."""
        rate = self.conversion_rate
        return "—" if rate is None else percent_text(rate)

    @property
    def epc(self) -> Decimal | None:
        """Earnings per unique click: the payout of the conversions that came from a tracked click per
        unique click. The payout of conversions without a click (an accepted inquiry, a bound
        customer's order) isn't what the clicks earned: counted, a day's one click beside an accepted
        inquiry "earned" the inquiry's commission. ``None`` ("—") without a unique click."""
        if not self.unique_clicks:
            return None
        return ((self.payout - self.without_click_payout) / self.unique_clicks).quantize(Decimal("0.01"))

    def add(self, other: PerformanceRow) -> None:
        for name in ("clicks", "unique_clicks", "conversions", "reversed", "without_click"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("revenue", "payout", "pending", "locked", "approved", "without_click_payout"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def performance(*, program: Program, group: str, affiliate: Affiliate | None = None) -> dict:
    """Clicks, conversions and money of a program (or one affiliate of it) grouped by day, month, link or sub-id.

    Clicks count without bots; conversions are accepted ones (gross), reversed, net; money: revenue
    (the orders' amounts, not reversed), payout (commissions not reversed, adjustments included),
    and what is pending (held included), locked, approved (paid included). UTC days. Read from the
    roll-ups (``affiliates.rollups``): the program's days, the affiliate's link days, the links' totals.
    """
    if group in {"day", "month"}:
        source = (
            ProgramDay.objects.filter(program=program)
            if affiliate is None
            else LinkDay.objects.filter(program=program, affiliate=affiliate)
        )
        field = "day"
    else:
        source = LinkTotal.objects.filter(program=program)
        if affiliate is not None:
            source = source.filter(affiliate=affiliate)
        field = "link_pk"
    sums = source.values_list(field).annotate(**{f"s_{c}": Sum(c) for c in COLUMNS}).order_by()
    # The net conversions without a click by day (``link_pk`` 0), for the days and months: the program's
    # days don't keep them apart, its affiliates' link days do (their index: affiliate, link, day).
    without_click: dict = {}
    if group in {"day", "month"}:
        no_link = LinkDay.objects.filter(link_pk=0)
        no_link = (
            no_link.filter(affiliate=affiliate)
            if affiliate is not None
            else no_link.filter(affiliate__in=Affiliate.objects.filter(program=program).values("pk"))
        )
        without_click = {
            value: (n, Decimal(payout).quantize(CENT))  # cents (SQLite adds them up as floating point)
            for value, n, payout in no_link.values_list("day")
            .annotate(n=Sum(F("conversions") - F("reversed")), payout=Sum(PAYOUT))
            .order_by()
        }
    links: dict[int, Link] = {}
    if group in {"link", "sub_id"}:
        # The links of the rows by a subquery: a program's links number in the thousands, and a list
        # of their ids as parameters cost more to send than the rows (bench_scale: 2,039 links).
        links = {
            link.pk: link
            for link in Link.objects.filter(pk__in=source.exclude(link_pk=0).values("link_pk")).only(
                "code", "sub_id"
            )
        }
    rows: dict[object, PerformanceRow] = {}
    for value, *figures in sums:
        f = dict(zip(COLUMNS, figures, strict=True))
        for column in AMOUNTS:  # cents (SQLite adds them up as floating point)
            f[column] = Decimal(f[column]).quantize(CENT)
        if not (f["clicks"] or f["conversions"]):
            continue
        if group == "month":
            key = datetime(value.year, value.month, 1, tzinfo=UTC)
        elif group == "link":
            key = value or None
        elif group == "sub_id":
            key = links[value].sub_id if value else None
        else:
            key = value
        r = rows.setdefault(key, PerformanceRow(key=key))
        r.clicks += f["clicks"]
        r.unique_clicks += f["unique_clicks"]
        r.conversions += f["conversions"]
        r.reversed += f["reversed"]
        payout = sum(f[column] for column in PAYOUT_COLUMNS)
        if group in {"day", "month"}:
            n, no_click_payout = without_click.get(value, (0, ZERO))
            r.without_click += n
            r.without_click_payout += no_click_payout
        elif value == 0:  # the row of conversions without a link
            r.without_click += f["conversions"] - f["reversed"]
            r.without_click_payout += payout
        r.revenue += f["revenue"]
        r.pending += f["pending"] + f["held"]
        r.locked += f["locked"]
        r.approved += f["approved"] + f["paid"] + f["adjusted"]
        r.payout += payout
    # The row of the conversions without a link (an accepted inquiry, a bound customer's order) says so,
    # by link and by sub-id alike (by sub-id it read "—" as the links without a sub-id do).
    if group == "link":
        for key, r in rows.items():
            r.label = f"/r/{links[key].code}" if key else _("Without a click")
    elif group == "sub_id":
        for key, r in rows.items():
            r.label = _("Without a click") if key is None else key or "—"
    else:
        for key, r in rows.items():
            r.label = key.strftime("%Y-%m") if group == "month" and key else str(key) if key else "—"
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, str(r.key)))
    peak = max((r.payout for r in ordered), default=ZERO)
    for r in ordered:
        r.bar = int(r.payout * 100 / peak) if peak > 0 else 0
    totals = PerformanceRow(key="total", label=_("Total"))
    for r in ordered:
        totals.add(r)
    return {"rows": ordered, "totals": totals, "group": group}


def performance_csv_header(*, group_label: str, currency: str) -> list[str]:
    """The CSV's column heads as the page's table heads them, in the reader's language, the amounts'
    with their currency ("Umsatz (EUR)") and the conversion rate's with its unit ("… (%)")."""

    def of_money(label: str) -> str:
        return f"{label} ({currency})"

    return [
        group_label,
        _("Clicks"),
        _("Unique clicks"),
        _("Conversions"),
        pgettext("commissions", "Reversed"),
        _("Net"),
        _("Without a click"),
        f"{_('Conversion rate')} (%)",
        of_money(_("Earnings per click")),
        of_money(_("Revenue")),
        of_money(_("Payout")),
        of_money(pgettext("commissions", "Pending")),
        of_money(pgettext("commissions", "Locked")),
        of_money(pgettext("commissions", "Approved")),
    ]


def performance_csv_rows(report: dict) -> list[list]:
    """Each row, then the totals, as cells: counts as numbers, amounts to the cent (``Decimal``: the
    file writes them with the reader's decimal mark), an undefined rate or EPC empty."""
    return [
        [
            r.label,
            r.clicks,
            r.unique_clicks,
            r.conversions,
            r.reversed,
            r.net,
            r.without_click,
            "" if r.conversion_rate is None else r.conversion_rate,
            "" if r.epc is None else amount(r.epc),
            amount(r.revenue),
            amount(r.payout),
            amount(r.pending),
            amount(r.locked),
            amount(r.approved),
        ]
        for r in [*report["rows"], report["totals"]]
    ]
