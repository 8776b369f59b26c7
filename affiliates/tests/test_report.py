"""Reports -> Performance: every total equals the sum of its ledger postings; CSV; every grouping adds up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from affiliates import selectors, services
from affiliates.tests.conftest import convert, day
from tikjoy.tests.factories import affiliate_click_make, owner_of, sheet_rows
from wallets.models import Entry, Purpose

pytestmark = pytest.mark.django_db


def _ledger(affiliate, purpose: str, *, owner=None) -> Decimal:
    owner = owner or affiliate
    return Entry.objects.filter(
        account__owner_type=owner._meta.label_lower, account__owner_id=owner.pk, account__purpose=purpose
    ).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


@pytest.fixture
def history(program, affiliate, ops):
    """Clicks (two visitors, a repeat and a bot) and commissions in every state, with adjustments."""
    link_a = services.link_create(
        affiliate=affiliate, destination="https://shop.example/a", sub_id="bio", now=day(0)
    )
    link_b = services.link_create(
        affiliate=affiliate, destination="https://shop.example/b", sub_id="story", now=day(0)
    )
    clicks = [
        affiliate_click_make(affiliate, link=link_a, visitor="v1", at=day(0)),
        affiliate_click_make(affiliate, link=link_a, visitor="v1", at=day(0)),  # not unique
        affiliate_click_make(affiliate, link=link_a, visitor="bot", bot=True, at=day(0)),
        affiliate_click_make(affiliate, link=link_b, visitor="v2", at=day(0)),
        affiliate_click_make(affiliate, link=link_b, visitor="v3", at=day(0)),
    ]
    approved = convert(program, clicks[0], "o-approved", at=day(0)).commission
    locked = convert(program, clicks[3], "o-locked", at=day(0)).commission
    reversed_ = convert(program, clicks[4], "o-reversed", at=day(0)).commission
    services.commission_reverse(commission_id=reversed_.pk, code="ITEM_RETURNED", actor=ops, now=day(1))
    services.commissions_advance(now=day(15))
    services.commission_adjust(
        commission_id=locked.pk, amount=Decimal("-5.00"), reason="Part", actor=ops, now=day(16)
    )
    services.commissions_advance(now=day(30))  # both approved...
    services.commission_adjust(
        commission_id=approved.pk, amount=Decimal("2.50"), reason="Tip", actor=ops, now=day(31)
    )
    pending = convert(
        program,
        affiliate_click_make(affiliate, link=link_b, visitor="v4", at=day(31)),
        "o-pending",
        at=day(31),
    )
    return {"affiliate": affiliate, "program": program, "pending": pending.commission}


def test_the_totals_equal_the_ledger(history):
    affiliate = history["affiliate"]
    totals = selectors.performance(program=history["program"], group="day", affiliate=affiliate)["totals"]

    assert totals.pending == _ledger(affiliate, Purpose.AFFILIATE_PENDING) == Decimal("40.00")
    assert totals.locked == _ledger(affiliate, Purpose.AFFILIATE_LOCKED) == Decimal("0.00")
    assert (
        totals.approved
        == _ledger(affiliate, Purpose.USER_AVAILABLE, owner=affiliate.user)
        == Decimal("77.50")
    )
    assert totals.payout == totals.pending + totals.locked + totals.approved
    assert (totals.conversions, totals.reversed, totals.net) == (4, 1, 3)
    assert (totals.clicks, totals.unique_clicks) == (5, 4)  # the bot is not a click; a repeat is not unique
    assert totals.revenue == Decimal("360.00")  # 3 x 120.00, the reversed order left out
    assert totals.conversion_rate == Decimal("75.00")
    assert totals.epc == Decimal("29.38")  # 117.50 / 4


@pytest.mark.parametrize("group", ["day", "month", "link", "sub_id"])
def test_every_grouping_adds_up_to_the_same_totals(history, group):
    report = selectors.performance(program=history["program"], group=group, affiliate=history["affiliate"])
    by_day = selectors.performance(program=history["program"], group="day", affiliate=history["affiliate"])
    assert report["totals"].__dict__ | {"key": None, "label": None, "bar": 0} == by_day["totals"].__dict__ | {
        "key": None,
        "label": None,
        "bar": 0,
    }
    assert sum(r.payout for r in report["rows"]) == report["totals"].payout


def test_the_affiliate_downloads_the_report_as_csv(client, history):
    client.force_login(history["affiliate"].user)
    response = client.get(f"/affiliates/{history['program'].pk}/report/?group=sub_id&format=csv")

    rows = sheet_rows(response, ",")
    assert rows[0] == [
        "Sub-id",
        "Clicks",
        "Unique clicks",
        "Conversions",
        "Reversed",
        "Net",
        "Without a click",
        "Conversion rate (%)",
        "Earnings per click (EUR)",
        "Revenue (EUR)",
        "Payout (EUR)",
        "Pending (EUR)",
        "Locked (EUR)",
        "Approved (EUR)",
    ]
    assert [r[0] for r in rows[1:]] == ["bio", "story", "Total"]
    assert rows[-1][10] == "117.50"
    # named as every file a person downloads: what, whose (the brand), the group, the day
    day = timezone.localdate().isoformat()
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="affiliate-performance-joy-sub_id-{day}.csv"'
    )


def test_a_german_affiliates_csv_is_headed_in_german_with_decimal_commas(client, history):
    """The report's file as a German spreadsheet reads it: the table's heads in German, ";" between
    cells and the amounts with a decimal comma (it read "group,clicks,…" and "117.50", which German
    Excel opens in one column, the amounts as text)."""
    client.force_login(history["affiliate"].user)
    response = client.get(
        f"/affiliates/{history['program'].pk}/report/?group=sub_id&format=csv", HTTP_ACCEPT_LANGUAGE="de"
    )

    header, *rows = sheet_rows(response, ";")
    assert header[:3] == ["Sub-ID", "Klicks", "Eindeutige Klicks"] and header[10] == "Provisionen (EUR)"
    assert rows[-1][0] == "Gesamt" and rows[-1][10] == "117,50" and rows[-1][8] == "29,38"


def test_the_merchant_sees_the_programs_report_in_the_console(client, history):
    client.force_login(owner_of(history["program"].merchant))
    page = client.get("/console/affiliates/report/?group=month").content.decode()
    assert "November 2026" in page and "€117.50" in page  # the month and the amount as English writes them
    german = client.get("/console/affiliates/report/?group=month", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "November 2026" in german and "117,50\xa0€" in german and "Days and months" not in german


def test_ops_see_a_programs_report(client, history, ops):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    page = client.get(f"/ops/affiliates/program/{history['program'].pk}/report/").content.decode()
    assert "€117.50" in page
    # its title once (the admin's own heading), not twice
    assert page.count(f"<h1>Performance · {history['program'].display_name}</h1>") == 1


@pytest.mark.parametrize(
    ("language", "chart", "column", "payout"),
    [
        ("de", "Provisionen pro Tag (EUR)", "Provisionen", "Auszahlung"),
        ("es", "Comisiones por día (EUR)", "Comisiones", "Pago"),
        ("it", "Compensi al giorno (EUR)", "Compenso", "Pagament"),
        ("fr", "Gains par jour (EUR)", "Gains", "Versement"),
    ],
)
def test_the_report_names_the_commissions_earned_not_a_payout(
    client, history, language, chart, column, payout
):
    """#23: the German and Spanish report said "Auszahlung pro Tag" / "Pagos por día" for what was earned,
    while the program page said nothing was paid out."""
    client.force_login(history["affiliate"].user)

    page = client.get(
        f"/affiliates/{history['program'].pk}/report/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert f">{chart}</figcaption>" in page
    assert f'<th scope="col">{column}</th>' in page
    assert (
        f">{payout}" not in page.split("</figcaption>")[0][-200:] and f'<th scope="col">{payout}' not in page
    )


@pytest.mark.parametrize(
    ("language", "caption", "first", "last"),
    [
        ("de", "Provisionen pro Tag (EUR)", "{day0:%d.%m.%Y} 77,50 €", "{day31:%d.%m.%Y} 40,00 €"),
        ("en", "Payout per day (EUR)", "{day0:%-d %b %Y} €77.50", "{day31:%-d %b %Y} €40.00"),
    ],
)
def test_the_reports_chart_names_each_day_and_writes_its_payout(
    client, history, language, caption, first, last
):
    """#23 pass 12: the chart's bars had no labels; each is a day and a payout a reader sees and a
    screen reader reads, in the reader's format, under a caption saying what they are."""
    import re

    client.force_login(history["affiliate"].user)

    page = client.get(
        f"/affiliates/{history['program'].pk}/report/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    chart = page.split('data-testid="payout-chart"')[1].split("</figure>")[0]
    caption_id = re.search(r'<figcaption id="([^"]+)">' + re.escape(caption) + "</figcaption>", chart).group(
        1
    )
    assert f'<ol class="bar-chart__rows" aria-labelledby="{caption_id}">' in chart
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li[^>]*>(.*?)</li>", chart)
    ]
    assert rows == [first.format(day0=day(0)), last.format(day31=day(31))]


def _shown_rows(page: str) -> list[str]:
    import re

    body = page.split('data-testid="performance"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", th).split())
        for th in re.findall(r"<th scope=\"row\">(.*?)</th>", body)
    ]


def test_a_report_of_many_rows_comes_a_page_at_a_time_with_the_totals_of_all(client, history, monkeypatch):
    """A program's links number in the thousands (bench_scale: 2,039, 1.2 s to write them all): the
    page shows PAGE_ROWS of them, links from the first, days from the latest; the totals stay the whole report's."""
    from affiliates import reports

    monkeypatch.setattr(reports, "PAGE_ROWS", 1)
    client.force_login(owner_of(history["program"].merchant))

    first = client.get("/console/affiliates/report/?group=sub_id").content.decode()
    assert _shown_rows(first) == ["bio"]
    assert "Rows 1 to 1 of 2" in first and 'href="?group=sub_id&amp;page=2" rel="next"' in first
    assert "€117.50" in first.split('data-testid="totals"')[1]  # both rows' payout, not the page's

    second = client.get("/console/affiliates/report/?group=sub_id&page=2").content.decode()
    assert _shown_rows(second) == ["story"]
    assert 'rel="next"' not in second and 'href="?group=sub_id&amp;page=1" rel="prev"' in second

    days = client.get("/console/affiliates/report/?group=day").content.decode()
    assert _shown_rows(days) == [f"{day(31):%-d %b %Y}"]  # the latest day first
    assert "Rows 2 to 2 of 2" in days and "€117.50" in days.split('data-testid="totals"')[1]
    assert 'href="?group=day&amp;page=2" rel="prev"' in days and 'rel="next"' not in days
    earlier = client.get("/console/affiliates/report/?group=day&page=2").content.decode()
    assert _shown_rows(earlier) == [f"{day(0):%-d %b %Y}"] and "Rows 1 to 1 of 2" in earlier
    assert 'href="?group=day&amp;page=1" rel="next"' in earlier

    for hostile in ("0", "-1", "99", "x", "1e9"):  # any page asked for is a page, never an error
        response = client.get(f"/console/affiliates/report/?group=sub_id&page={hostile}")
        assert response.status_code == 200 and len(_shown_rows(response.content.decode())) == 1


def test_a_report_that_fits_one_page_has_no_page_links(client, history):
    client.force_login(owner_of(history["program"].merchant))
    page = client.get("/console/affiliates/report/?group=sub_id").content.decode()
    assert _shown_rows(page) == ["bio", "story"] and 'data-testid="report-pages"' not in page


def test_the_reports_chart_is_styled_on_each_of_its_three_pages(client, history, ops):
    """The chart's rules were in the site's stylesheet only: the console and /ops/ (Django's admin
    styles) showed a numbered list with each bar the page's whole width under its day."""
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    program = history["program"]
    pages = [
        (history["affiliate"].user, f"/affiliates/{program.pk}/report/"),
        (owner_of(program.merchant), "/console/affiliates/report/"),
        (ops, f"/ops/affiliates/program/{program.pk}/report/"),
    ]
    for person, url in pages:
        client.force_login(person)
        page = client.get(url).content.decode()
        assert 'data-testid="payout-chart"' in page, url
        assert '<link rel="stylesheet" href="/static/affiliates/performance.css">' in page, url


def test_the_days_open_on_a_full_page_of_the_latest(client, history, monkeypatch):
    """Paged from the oldest, a report of 3 days in pages of 2 opened on its last page: the latest
    day alone ("Rows 3 to 3 of 3", a one-bar chart). Paged from the latest, it opens on two days."""
    from affiliates import reports

    monkeypatch.setattr(reports, "PAGE_ROWS", 2)
    affiliate_click_make(history["affiliate"], visitor="v9", at=day(5))  # a third day with a click
    client.force_login(owner_of(history["program"].merchant))

    page = client.get("/console/affiliates/report/?group=day").content.decode()

    assert _shown_rows(page) == [f"{day(5):%-d %b %Y}", f"{day(31):%-d %b %Y}"]  # in the report's order
    assert "Rows 2 to 3 of 3" in page
    assert page.split('data-testid="payout-chart"')[1].split("</figure>")[0].count("<li") == 2
    earlier = client.get("/console/affiliates/report/?group=day&page=2").content.decode()
    assert _shown_rows(earlier) == [f"{day(0):%-d %b %Y}"] and "Rows 1 to 1 of 3" in earlier


def test_on_a_phone_the_report_shows_the_totals_first_and_a_line_a_day_that_opens_on_every_figure(
    client, history
):
    """A walk at 390 px: the table read as cards made a dozen lines a day. The phone's view (shown
    under 40rem, the table above it) has the totals first, then a line a day, its name and payout,
    that opens on all thirteen figures."""
    import re

    client.force_login(history["affiliate"].user)

    page = client.get(
        f"/affiliates/{history['program'].pk}/report/", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    compact = page.split('data-testid="performance-compact"')[1].split('<div class="table-wrap">')[0]

    def figures(html: str) -> dict[str, str]:
        return {
            name: " ".join(value.split())
            for name, value in re.findall(r'data-figure="(\w+)">(.*?)</dd>', html)
        }

    totals, rows = (
        compact.split('data-testid="compact-row">', 1)[0],
        compact.split('data-testid="compact-row">')[1:],
    )
    assert "<strong>Gesamt</strong>" in totals
    assert figures(totals) == {
        "clicks": "5",
        "unique_clicks": "4",
        "conversions": "4",
        "reversed": "1",
        "net": "3",
        "without_click": "0",
        "conversion_rate": "75 %",
        "epc": "29,38 €",
        "revenue": "360,00 €",
        "payout": "117,50 €",
        "pending": "40,00 €",
        "locked": "0,00 €",
        "approved": "77,50 €",
    }
    summaries = [" ".join(re.sub(r"<[^>]+>", " ", row.split("</summary>")[0]).split()) for row in rows]
    assert summaries == [f"{day(0):%d.%m.%Y} Provisionen 77,50 €", f"{day(31):%d.%m.%Y} Provisionen 40,00 €"]
    assert all(len(figures(row)) == 13 for row in rows)  # every figure of the day, one tap away
    assert figures(rows[1])["pending"] == "40,00 €" and figures(rows[1])["clicks"] == "1"
    assert '<link rel="stylesheet" href="/static/affiliates/performance.css">' in page


@pytest.mark.parametrize(
    ("language", "rate"),
    [("en", "75%"), ("it", "75%"), ("de", "75\xa0%"), ("fr", "75\xa0%"), ("es", "75\xa0%")],
)
def test_the_conversion_rate_is_written_as_the_readers_language_writes_a_percentage(
    client, history, language, rate
):
    """ "75 %" was written in every language: a space English and Italian don't write, and in German,
    French and Spanish an ordinary one, where a line could break between the number and its sign."""
    import re

    client.force_login(history["affiliate"].user)
    page = client.get(
        f"/affiliates/{history['program'].pk}/report/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    totals = page.split('data-testid="compact-totals"')[1].split("</section>")[0]
    assert re.search(r'data-figure="conversion_rate">([^<]*)<', totals).group(1) == rate
    table_total = page.split('<div class="table-wrap">')[1].split("</table>")[0]
    assert f">{rate}</td>" in table_total


@pytest.fixture
def inquiry_beside_a_click(program, affiliate, ops):
    """Day 0: a visitor's click, their order, and an accepted inquiry (an order without a click). Day 1:
    another visitor's click without an order, and two more orders of the first visitor (their click of
    day 0)."""
    from datetime import timedelta

    link = services.link_create(affiliate=affiliate, destination="https://shop.example/a", now=day(0))
    first = affiliate_click_make(affiliate, link=link, visitor="v1", at=day(0))
    convert(program, first, "o-clicked", at=day(0) + timedelta(minutes=5))
    inquiry = services.inquiry_open(
        affiliate=affiliate,
        order_id="o-asked",
        order_date=day(0).date(),
        amount=Decimal("50.00"),
        message="Missing",
        now=day(0) + timedelta(hours=1),
    )
    services.inquiry_decide(
        inquiry_id=inquiry.pk, accept=True, answer="", actor=ops, now=day(0) + timedelta(hours=2)
    )
    affiliate_click_make(affiliate, link=link, visitor="v2", at=day(1))
    convert(program, first, "o-again-1", at=day(1) + timedelta(minutes=5))
    convert(program, first, "o-again-2", at=day(1) + timedelta(minutes=6))
    return {"affiliate": affiliate, "program": program}


def _figures(html: str) -> dict[str, str]:
    import re

    return {
        name: " ".join(value.split()) for name, value in re.findall(r'data-figure="(\w+)">(.*?)</dd>', html)
    }


def test_an_accepted_inquiry_beside_a_click_is_no_conversion_rate_above_100_percent(
    client, inquiry_beside_a_click
):
    """A walk: a day with one click, its order and an accepted inquiry (no click) read "200%". The rate
    counts the conversions that came from a tracked click; the inquiry is shown apart, "Without a click"."""
    program, affiliate = inquiry_beside_a_click["program"], inquiry_beside_a_click["affiliate"]
    client.force_login(affiliate.user)

    page = client.get(f"/affiliates/{program.pk}/report/").content.decode()

    rows = page.split('data-testid="performance-compact"')[1].split('<div class="table-wrap">')[0]
    first_day = _figures(rows.split('data-testid="compact-row">')[1])
    assert first_day["conversion_rate"] == "100%"
    assert (first_day["unique_clicks"], first_day["net"], first_day["without_click"]) == ("1", "2", "1")
    assert "200%" not in page


def test_conversions_from_earlier_clicks_never_make_a_days_rate_above_100_percent(
    client, inquiry_beside_a_click
):
    """Day 1 has one unique click and two orders from a click of day 0: no rate is "200%", the day says
    "—" and the page says why; the totals count 3 orders from clicks on 2 unique clicks: "—" too."""
    program = inquiry_beside_a_click["program"]
    client.force_login(owner_of(program.merchant))

    page = client.get("/console/affiliates/report/").content.decode()

    compact = page.split('data-testid="performance-compact"')[1].split('<div class="table-wrap">')[0]
    second_day = _figures(compact.split('data-testid="compact-row">')[2])
    assert (second_day["unique_clicks"], second_day["net"], second_day["without_click"]) == ("1", "2", "0")
    assert second_day["conversion_rate"] == "—"
    totals = _figures(compact.split('data-testid="compact-row">')[0])
    assert (totals["unique_clicks"], totals["net"], totals["without_click"]) == ("2", "4", "1")
    assert totals["conversion_rate"] == "—"
    assert "never more than 100%:" in page
    german = client.get("/console/affiliates/report/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "nie mehr als 100\xa0%:" in german and '<th scope="col">Ohne Klick</th>' in german


def test_the_csv_gives_the_conversions_without_a_click_and_an_honest_rate(client, inquiry_beside_a_click):
    program = inquiry_beside_a_click["program"]
    client.force_login(inquiry_beside_a_click["affiliate"].user)

    header, *rows = sheet_rows(client.get(f"/affiliates/{program.pk}/report/?group=day&format=csv"), ",")

    assert header[5:8] == ["Net", "Without a click", "Conversion rate (%)"]
    assert [r[5:8] for r in rows] == [["2", "1", "100.00"], ["2", "0", ""], ["4", "1", ""]]


def test_by_sub_id_the_conversions_without_a_click_are_named_not_a_dash_like_links_without_a_sub_id(
    client, inquiry_beside_a_click
):
    """By sub-id, the accepted inquiry's row read "—", as the row of the links without a sub-id does;
    by link it said "no link (a bound customer)", which an inquiry isn't."""
    program = inquiry_beside_a_click["program"]
    client.force_login(inquiry_beside_a_click["affiliate"].user)

    by_sub_id = sheet_rows(client.get(f"/affiliates/{program.pk}/report/?group=sub_id&format=csv"), ",")
    by_link = sheet_rows(client.get(f"/affiliates/{program.pk}/report/?group=link&format=csv"), ",")

    assert [(r[0], r[6]) for r in by_sub_id[1:]] == [("—", "0"), ("Without a click", "1"), ("Total", "1")]
    assert [r[0] for r in by_link[2:]] == ["Without a click", "Total"]


def test_earnings_per_click_leave_out_what_conversions_without_a_click_earned(client, inquiry_beside_a_click):
    """Day 0: one unique click, its order's commission (€40.00) and an accepted inquiry's (€40.00). The
    click earned its order's commission only: counting the inquiry's, the day read €80.00 a click."""
    program = inquiry_beside_a_click["program"]
    client.force_login(inquiry_beside_a_click["affiliate"].user)

    page = client.get(f"/affiliates/{program.pk}/report/").content.decode()
    header, *rows = sheet_rows(client.get(f"/affiliates/{program.pk}/report/?group=day&format=csv"), ",")

    compact = page.split('data-testid="performance-compact"')[1].split('<div class="table-wrap">')[0]
    first_day = _figures(compact.split('data-testid="compact-row">')[1])
    assert (first_day["unique_clicks"], first_day["without_click"], first_day["epc"]) == ("1", "1", "€40.00")
    assert header[8] == "Earnings per click (EUR)"
    # by day: day 0's click earned one bounty; day 1's click, none of its own, but the two orders of the
    # first visitor's click of day 0 are on day 1 (as the conversions are); the totals: three orders
    # from clicks over two unique clicks
    assert [(r[0][-2:] if r[0] != "Total" else r[0], r[8], r[10]) for r in rows] == [
        (rows[0][0][-2:], "40.00", "80.00"),
        (rows[1][0][-2:], "80.00", "80.00"),
        ("Total", "60.00", "160.00"),
    ]
