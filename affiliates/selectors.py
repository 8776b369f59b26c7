"""Reads of the affiliates app that are more than a line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from affiliates.models import (
    Adjustment,
    Affiliate,
    Click,
    Commission,
    CommissionState,
    Conversion,
    Link,
    Program,
)

ZERO = Decimal("0.00")


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
        Commission.objects.filter(affiliate__program=program)
        .select_related("conversion", "affiliate__user")
        .order_by("-tracked_at", "-pk")
    )


# ---------------------------------------------------------------------------
# Reports -> Performance

GROUPS = {
    # name: (the click's field, the commission's field)
    "day": ("day", "day"),
    "month": ("month", "month"),
    "link": ("link_id", "conversion__click__link_id"),
    "sub_id": ("link__sub_id", "conversion__click__link__sub_id"),
}
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
    bar: int = 0  # the payout as a percentage of the largest row's, for the chart

    @property
    def net(self) -> int:
        return self.conversions - self.reversed

    @property
    def conversion_rate(self) -> Decimal | None:
        """Net conversions per unique click, in percent."""
        if not self.unique_clicks:
            return None
        return (Decimal(self.net) * 100 / self.unique_clicks).quantize(Decimal("0.01"))

    @property
    def epc(self) -> Decimal | None:
        """Earnings per (unique) click."""
        if not self.unique_clicks:
            return None
        return (self.payout / self.unique_clicks).quantize(Decimal("0.01"))

    def add(self, other: PerformanceRow) -> None:
        for name in ("clicks", "unique_clicks", "conversions", "reversed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("revenue", "payout", "pending", "locked", "approved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _annotated(queryset: QuerySet, field: str, time_field: str) -> QuerySet:
    if field == "day":
        return queryset.annotate(day=TruncDate(time_field, tzinfo=UTC))
    if field == "month":
        return queryset.annotate(month=TruncMonth(time_field, tzinfo=UTC))
    return queryset


def performance(*, program: Program, group: str, affiliate: Affiliate | None = None) -> dict:
    """Clicks, conversions and money of a program (or one affiliate of it) grouped by day, month, link or sub-id.

    Clicks count without bots; conversions are accepted ones (gross), reversed, net; money: revenue
    (the orders' amounts, not reversed), payout (commissions not reversed, adjustments included),
    and what is pending (held included), locked, approved (paid included). UTC days.
    """
    click_field, commission_field = GROUPS[group]
    clicks = Click.objects.filter(link__affiliate__program=program, is_bot=False)
    commissions = Commission.objects.filter(affiliate__program=program)
    adjustments = Adjustment.objects.filter(commission__affiliate__program=program, after_approval=True)
    if affiliate is not None:
        clicks = clicks.filter(link__affiliate=affiliate)
        commissions = commissions.filter(affiliate=affiliate)
        adjustments = adjustments.filter(commission__affiliate=affiliate)
    rows: dict[object, PerformanceRow] = {}

    def row(key) -> PerformanceRow:
        return rows.setdefault(key, PerformanceRow(key=key))

    for key, total, unique in (
        _annotated(clicks, click_field, "at")
        .values_list(click_field)
        .annotate(n=Count("id"), u=Count("id", filter=Q(is_unique=True)))
        .order_by()
    ):
        row(key).clicks += total
        row(key).unique_clicks += unique
    for key, state, count, amount, revenue in (
        _annotated(commissions, commission_field, "tracked_at")
        .values_list(commission_field, "state")
        .annotate(n=Count("id"), a=Sum("amount"), r=Sum("conversion__amount"))
        .order_by()
    ):
        r = row(key)
        r.conversions += count
        if state == CommissionState.REVERSED:
            r.reversed += count
            continue
        r.payout += amount
        r.revenue += revenue
        if state in {CommissionState.PENDING, CommissionState.HELD}:
            r.pending += amount
        elif state == CommissionState.LOCKED:
            r.locked += amount
        else:
            r.approved += amount
    adjustment_field = "commission__" + commission_field if group in {"link", "sub_id"} else group
    for key, amount in (
        _annotated(adjustments, adjustment_field, "commission__tracked_at")
        .values_list(adjustment_field)
        .annotate(a=Sum("amount"))
        .order_by()
    ):
        row(key).payout += amount
        row(key).approved += amount
    if group == "link":
        codes = dict(Link.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "code"))
        for key, r in rows.items():
            r.label = f"/r/{codes[key]}" if key else _("no link (a bound customer)")
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


CSV_HEADER = [
    "group",
    "clicks",
    "unique_clicks",
    "conversions",
    "reversed",
    "net",
    "conversion_rate_percent",
    "epc",
    "revenue",
    "payout",
    "pending",
    "locked",
    "approved",
]


def performance_csv_rows(report: dict) -> list[list[str]]:
    out = []
    for r in [*report["rows"], report["totals"]]:
        out.append(
            [
                r.label,
                str(r.clicks),
                str(r.unique_clicks),
                str(r.conversions),
                str(r.reversed),
                str(r.net),
                "" if r.conversion_rate is None else str(r.conversion_rate),
                "" if r.epc is None else str(r.epc),
                str(r.revenue),
                str(r.payout),
                str(r.pending),
                str(r.locked),
                str(r.approved),
            ]
        )
    return out
