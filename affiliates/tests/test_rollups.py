"""The reports' roll-ups: the same figures as the reports computed from the rows, kept exact by every
writer, a wrong row caught by ``affiliates_check``, and the set-based rebuild (migration 0006's
backfill) equal to what the writers keep."""

from __future__ import annotations

import importlib
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth

from affiliates import rollups, selectors, services
from affiliates.models import (
    Adjustment,
    Click,
    Commission,
    CommissionState,
    Link,
    LinkDay,
    LinkTotal,
    ProgramDay,
)
from affiliates.tests.conftest import NOW, assert_ledger_clean, convert, day
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------
# The reports as they were computed before the roll-ups (from the clicks, commissions and
# adjustments themselves), kept here as the reference the roll-ups must equal.

_GROUPS = {
    "day": ("day", "day"),
    "month": ("month", "month"),
    "link": ("link_id", "conversion__click__link_id"),
    "sub_id": ("link__sub_id", "conversion__click__link__sub_id"),
}


def _annotated(queryset, field, time_field):
    if field == "day":
        return queryset.annotate(day=TruncDate(time_field, tzinfo=UTC))
    if field == "month":
        return queryset.annotate(month=TruncMonth(time_field, tzinfo=UTC))
    return queryset


def performance_from_rows(*, program, group, affiliate=None) -> dict:
    click_field, commission_field = _GROUPS[group]
    clicks = Click.objects.filter(link__affiliate__program=program, is_bot=False)
    commissions = Commission.objects.filter(affiliate__program=program)
    adjustments = Adjustment.objects.filter(commission__affiliate__program=program, after_approval=True)
    if affiliate is not None:
        clicks = clicks.filter(link__affiliate=affiliate)
        commissions = commissions.filter(affiliate=affiliate)
        adjustments = adjustments.filter(commission__affiliate=affiliate)
    rows = {}

    def row(key):
        return rows.setdefault(key, selectors.PerformanceRow(key=key))

    for key, total, unique in (
        _annotated(clicks, click_field, "at")
        .values_list(click_field)
        .annotate(n=Count("id"), u=Count("id", filter=Q(is_unique=True)))
        .order_by()
    ):
        row(key).clicks += total
        row(key).unique_clicks += unique
    for key, state, clicked, count, amount, revenue in (
        _annotated(commissions, commission_field, "tracked_at")
        .annotate(clicked=ExpressionWrapper(Q(conversion__click__isnull=False), output_field=BooleanField()))
        .values_list(commission_field, "state", "clicked")
        .annotate(n=Count("id"), a=Sum("amount"), r=Sum("conversion__amount"))
        .order_by()
    ):
        r = row(key)
        r.conversions += count
        if state == CommissionState.REVERSED:
            r.reversed += count
            continue
        if not clicked:
            r.without_click += count
            r.without_click_payout += amount
        r.payout += amount
        r.revenue += revenue
        if state in {CommissionState.PENDING, CommissionState.HELD}:
            r.pending += amount
        elif state == CommissionState.LOCKED:
            r.locked += amount
        else:
            r.approved += amount
    adjustment_field = "commission__" + commission_field if group in {"link", "sub_id"} else group
    for key, clicked, amount in (
        _annotated(adjustments, adjustment_field, "commission__tracked_at")
        .annotate(
            clicked=ExpressionWrapper(
                Q(commission__conversion__click__isnull=False), output_field=BooleanField()
            )
        )
        .values_list(adjustment_field, "clicked")
        .annotate(a=Sum("amount"))
        .order_by()
    ):
        row(key).payout += amount
        row(key).approved += amount
        if not clicked:
            row(key).without_click_payout += amount
    if group == "link":
        codes = dict(Link.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "code"))
        for key, r in rows.items():
            r.label = f"/r/{codes[key]}" if key else "Without a click"
    elif group == "sub_id":
        for key, r in rows.items():
            r.label = "Without a click" if key is None else key or "—"
    else:
        for key, r in rows.items():
            r.label = key.strftime("%Y-%m") if group == "month" and key else str(key) if key else "—"
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, str(r.key)))
    peak = max((r.payout for r in ordered), default=Decimal("0.00"))
    for r in ordered:
        r.bar = int(r.payout * 100 / peak) if peak > 0 else 0
    totals = selectors.PerformanceRow(key="total", label="Total")
    for r in ordered:
        totals.add(r)
    return {"rows": ordered, "totals": totals, "group": group}


def _shown(report: dict) -> list:
    """Everything a person reads of a report: each row's label and figures, the totals, the CSV."""
    return [(r.key, r.label, r.bar, r.__dict__) for r in report["rows"]] + [
        report["totals"].__dict__ | {"label": None},
        [row[1:] for row in selectors.performance_csv_rows(report)],
        [row[0] for row in selectors.performance_csv_rows(report)[:-1]],
    ]


# ---------------------------------------------------------------------------


@pytest.fixture
def varied(make_merchant, ops):
    """Two affiliates, links sharing a sub-id or without one, clicks on both sides of UTC midnights and a
    month's end, repeats, bots, and commissions in every state: reversed, held and released, confirmed by
    the merchant's server with another amount, a bound customer's order without a click, an accepted
    inquiry, adjusted while locked and after approval."""
    program = affiliate_program_make(make_merchant("big", funds="3000.00"))
    ana = affiliate_make(program, email="ana@creator.example")
    ben = affiliate_make(program, email="ben@creator.example")

    def link(affiliate, sub_id="", page="x"):
        return services.link_create(
            affiliate=affiliate, destination=f"https://shop.example/{page}", sub_id=sub_id, now=NOW
        )

    # two pages under one sub-id (one page and sub-id is one link)
    ana_bio, ana_bio2, ana_plain, ben_plain = link(ana, "bio"), link(ana, "bio", "y"), link(ana), link(ben)
    midnight = NOW.replace(hour=0, minute=0, second=0) + timedelta(days=1)  # 2026-11-23 00:00 UTC
    month_end = NOW.replace(day=30, hour=23, minute=59, second=59)  # 2026-11-30 23:59:59 UTC
    clicks = {}
    for name, affiliate, on, visitor, at, bot in [
        ("late", ana, ana_bio, "v1", midnight - timedelta(seconds=1), False),
        ("early", ana, ana_bio, "v1", midnight + timedelta(seconds=1), False),
        ("repeat", ana, ana_bio, "v1", midnight + timedelta(minutes=30), False),  # same hour: not unique
        ("bot", ana, ana_bio, "bot", midnight, True),
        ("bio2", ana, ana_bio2, "v2", midnight - timedelta(minutes=5), False),
        ("plain", ana, ana_plain, "v3", month_end, False),
        ("december", ana, ana_plain, "v4", month_end + timedelta(seconds=2), False),
        ("ben", ben, ben_plain, "v5", midnight + timedelta(hours=20), False),
        ("ben2", ben, ben_plain, "v6", month_end, False),
        ("ben3", ben, ben_plain, "v7", month_end + timedelta(hours=3), False),
    ]:
        clicks[name] = affiliate_click_make(affiliate, link=on, visitor=visitor, at=at, bot=bot)
    # A batch as the writer thread writes it, with a click id written already (a retry: not counted twice).
    services.clicks_record_many(
        [
            {"link_id": ana_bio.pk, "click_id": clicks["late"].click_id, "visitor": "v1", "user_agent": "x",
             "bot": False, "at": clicks["late"].at},
            {"link_id": ben_plain.pk, "click_id": "batch-1", "visitor": "v8", "user_agent": "x", "bot": False,
             "at": midnight - timedelta(seconds=2)},
            {"link_id": ben_plain.pk, "click_id": "batch-2", "visitor": "v8", "user_agent": "x", "bot": False,
             "at": midnight - timedelta(seconds=1)},
            {"link_id": ben_plain.pk, "click_id": "batch-3", "visitor": "b", "user_agent": "", "bot": True,
             "at": midnight},
        ]
    )  # fmt: skip

    at = midnight - timedelta(seconds=1)
    reversed_ = convert(program, clicks["late"], "o-reversed", at=at).commission
    services.commission_reverse(commission_id=reversed_.pk, code="ITEM_RETURNED", actor=ops, now=at)
    approved = convert(
        program, clicks["early"], "o-approved", amount=Decimal("80.00"), at=midnight
    ).commission
    locked = convert(program, clicks["bio2"], "o-locked", at=midnight, customer_ref="cust-1").commission
    # The bound customer's next order comes without a click: it counts under "no link".
    convert(program, None, "o-bound", at=midnight + timedelta(hours=1), customer_ref="cust-1")
    tag = services.tag_conversion_record(
        program=program,
        click_id=clicks["ben"].click_id,
        order_id="o-tag",
        event_type="sale",
        amount=Decimal("55.00"),
        now=clicks["ben"].at + timedelta(minutes=5),
    )
    assert tag.commission.state == CommissionState.HELD
    services.tag_conversion_confirm(
        conversion_id=tag.pk,
        amount=Decimal("65.50"),
        click_id=clicks["ben"].click_id,
        occurred_at=clicks["ben"].at + timedelta(minutes=5),
        now=day(2),
    )
    held_tag = services.tag_conversion_record(
        program=program,
        click_id=clicks["ben2"].click_id,
        order_id="o-held",
        event_type="sale",
        amount=Decimal("30.00"),
        now=month_end,
    )
    services.commissions_advance(now=day(18))  # the first ones lock
    services.commission_adjust(
        commission_id=locked.pk, amount=Decimal("-7.50"), reason="Part", actor=ops, now=day(18)
    )
    services.commissions_advance(now=day(33))  # ... and are approved
    services.commission_adjust(
        commission_id=approved.pk, amount=Decimal("3.25"), reason="Tip", actor=ops, now=day(33)
    )
    inquiry = services.inquiry_open(
        affiliate=ben,
        order_id="o-inquiry",
        order_date=(NOW + timedelta(days=8)).date(),
        amount=Decimal("99.90"),
        message="Missing",
        now=month_end + timedelta(hours=1),
    )
    services.inquiry_decide(
        inquiry_id=inquiry.pk, accept=True, answer="", actor=ops, now=month_end + timedelta(hours=1)
    )
    services.commission_release(commission_id=held_tag.commission.pk, actor=ops, now=day(34))
    december = convert(program, clicks["december"], "o-december", at=clicks["december"].at).commission
    services.commission_lock(commission_id=december.pk, now=day(34))  # locked, not yet approved
    return {"program": program, "ana": ana, "ben": ben, "midnight": midnight}


def test_the_reports_show_the_same_figures_as_computed_from_the_rows(varied):
    program = varied["program"]
    for group in ("day", "month", "link", "sub_id"):
        for affiliate in (None, varied["ana"], varied["ben"]):
            assert _shown(selectors.performance(program=program, group=group, affiliate=affiliate)) == _shown(
                performance_from_rows(program=program, group=group, affiliate=affiliate)
            ), (group, affiliate)

    # The program page's and the affiliate's totals, and the program's newest commissions.
    assert selectors.program_commission_totals(program) == selectors.commission_totals(
        Commission.objects.filter(affiliate__program=program)
    )
    for affiliate in (varied["ana"], varied["ben"]):
        assert selectors.affiliate_commission_totals(affiliate) == selectors.commission_totals(
            Commission.objects.filter(affiliate=affiliate)
        )
    newest = list(selectors.program_commissions(program)[:3])
    assert newest == list(
        Commission.objects.filter(affiliate__program=program).order_by("-tracked_at", "-pk")[:3]
    )

    # The comparison is only worth something if the data reaches every figure.
    totals = selectors.performance(program=program, group="day")["totals"]
    assert (totals.clicks, totals.unique_clicks) == (11, 9)
    assert (totals.conversions, totals.reversed) == (8, 1)
    assert totals.pending and totals.locked and totals.approved and totals.revenue
    assert LinkTotal.objects.filter(program=program, link_pk=0).count() == 2  # bound customer, inquiry
    stored = dict(ProgramDay.objects.filter(program=program).values_list("day", "clicks"))
    midnight = varied["midnight"]
    # 23:59:59 counts on the 22nd, 00:00:01 on the 23rd (UTC days, as the reports show them).
    assert stored[midnight.date() - timedelta(days=1)] == 4 and stored[midnight.date()] == 3
    assert ProgramDay.objects.filter(program=program).aggregate(s=Sum("adjusted"))["s"] == Decimal("3.25")
    assert ProgramDay.objects.filter(program=program).aggregate(s=Sum("held"))["s"] == Decimal("0.00")
    # Revenue holds the server's amount of a confirmed tag order (65.50, not the tag's 55.00).
    assert Commission.objects.filter(conversion__order_id="o-tag").values_list(
        "conversion__amount", flat=True
    )[0] == Decimal("65.50")


def test_the_check_is_clean_catches_a_wrong_row_and_the_rebuild_equals_the_writers(varied):
    assert_ledger_clean()  # ledger_check, rewards_check and affiliates_check
    program = varied["program"]

    def stored():
        return [
            sorted(
                LinkDay.objects.values_list("program_id", "affiliate_id", "link_pk", "day", *rollups.COLUMNS)
            ),
            sorted(LinkTotal.objects.values_list("program_id", "affiliate_id", "link_pk", *rollups.COLUMNS)),
            sorted(ProgramDay.objects.values_list("program_id", "day", *rollups.COLUMNS)),
        ]

    # The set-based rebuild (migration 0006's backfill, the scale data's fill) equals what the writers kept.
    kept = stored()
    rollups.rebuild()
    assert stored() == kept

    for model, change in (
        (LinkDay, {"clicks": F("clicks") + 1}),
        (LinkTotal, {"approved": F("approved") - Decimal("0.01")}),
        (ProgramDay, {"unique_clicks": F("unique_clicks") + 1}),
    ):
        row = model.objects.filter(program=program).order_by("pk").first()
        model.objects.filter(pk=row.pk).update(**change)
        with pytest.raises(CommandError, match="1 affiliate roll-up difference"):
            call_command("affiliates_check")
        _undo(model, row.pk, change)
        call_command("affiliates_check")
    # A row missing altogether (nothing counted for a day that had clicks).
    LinkDay.objects.filter(program=program).order_by("pk").first().delete()
    with pytest.raises(CommandError, match="affiliate roll-up difference"):
        call_command("affiliates_check")
    rollups.rebuild()
    call_command("affiliates_check")


def _undo(model, pk, change):
    """Put back what the test changed (the same expression, the other way)."""
    ((name, expression),) = change.items()
    step = expression.rhs.value
    model.objects.filter(pk=pk).update(
        **{name: F(name) - step if expression.connector == "+" else F(name) + step}
    )


def test_the_migrations_backfill_is_the_rebuild():
    migration = importlib.import_module("affiliates.migrations.0006_rollups")
    for vendor in ("postgresql", "sqlite"):
        assert migration._rebuild_statements(vendor) == rollups.rebuild_statements(vendor)
