"""The /ops/ lists of affiliates at scale (issue #22, docs/affiliates.md "Ops lists at scale"):
commissions, conversions, clicks and affiliates never counted whole, a pinned number of queries
whatever their rows, their filters showing the rows the database holds, searched as an operator
types (an e-mail address in capitals, a link's address), and their actions still working."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from affiliates import services
from affiliates.admin import AffiliateAdmin, ClickAdmin, CommissionAdmin, ConversionAdmin
from affiliates.models import Click, Commission, CommissionState, Conversion
from affiliates.tests.conftest import NOW, convert
from tikjoy.tests.factories import affiliate_click_make, affiliate_make

pytestmark = pytest.mark.django_db

COMMISSIONS = "/ops/affiliates/commission/"
CONVERSIONS = "/ops/affiliates/conversion/"
CLICKS = "/ops/affiliates/click/"
AFFILIATES = "/ops/affiliates/affiliate/"


@pytest.fixture
def client(ops) -> Client:
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(ops)
    return client


def _more(program, n: int, start: int) -> list:
    made = []
    for i in range(start, start + n):
        affiliate = affiliate_make(
            program, email=f"creator{i}@creator.example", website=f"https://shop{i}.example/"
        )
        click = affiliate_click_make(affiliate, visitor=f"v{i}", bot=i >= 10 and i % 3 == 0)
        made.append(
            (affiliate, click, convert(program, click, order_id=f"Order-{i}", customer_ref=f"cust-{i}"))
        )
    return made


@pytest.fixture
def rows(program):
    made = _more(program, 4, 0)
    for n in range(2):  # and two bots' clicks (no conversion)
        affiliate_click_make(made[0][0], visitor=f"bot{n}", bot=True)
    return made


def _get(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _ticked(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="_selected_action" value="(\d+)"', page)}


def _q(term: str) -> str:
    return urlencode({"q": term})


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        (COMMISSIONS, 5),
        (COMMISSIONS + "?state__exact=PENDING", 5),
        (COMMISSIONS + "?" + _q("creator1@creator.example"), 7),  # + the person, + the affiliates
        (CONVERSIONS, 5),
        (CONVERSIONS + "?is_accepted__exact=1&source__exact=API", 5),
        (CLICKS, 4),
        (CLICKS + "?is_bot__exact=1", 4),
        (AFFILIATES, 6),
        (AFFILIATES + "?status__exact=APPROVED", 6),
    ],
)
def test_each_list_reads_a_pinned_number_of_queries_whatever_its_rows(
    client, program, rows, url, pinned, monkeypatch
):
    for admin_class in (CommissionAdmin, ConversionAdmin, ClickAdmin, AffiliateAdmin):
        monkeypatch.setattr(admin_class, "list_per_page", 1)  # several pages: the page's ids first
    _page, few = _get(client, url)
    _more(program, 6, 10)
    _page, many = _get(client, url)
    assert (len(few), len(many)) == (pinned, pinned), ([q[:150] for q in few], [q[:150] for q in many])
    counts = [q for q in many if "COUNT(*)" in q.upper()]
    assert counts and all("LIMIT" in q.upper() for q in counts), counts  # never counted whole


@pytest.mark.parametrize(
    ("url", "typed", "expect"),
    [
        (COMMISSIONS, lambda r: "Order-2", lambda r: {r[2][2].commission.pk}),
        (COMMISSIONS, lambda r: " Order-2 ", lambda r: {r[2][2].commission.pk}),
        (COMMISSIONS, lambda r: "CREATOR1@CREATOR.EXAMPLE", lambda r: {r[1][2].commission.pk}),
        (COMMISSIONS, lambda r: "creator3@", lambda r: {r[3][2].commission.pk}),
        (COMMISSIONS, lambda r: str(r[0][2].commission.pk), lambda r: {r[0][2].commission.pk}),
        (COMMISSIONS, lambda r: "creator", lambda r: set()),  # no @: not an e-mail address
        (AFFILIATES, lambda r: "Creator2@creator.example", lambda r: {r[2][0].pk}),
        (AFFILIATES, lambda r: "shop3", lambda r: {r[3][0].pk}),
    ],
)
def test_search_finds_what_an_operator_types(client, rows, url, typed, expect):
    page, _ = _get(client, url + "?" + _q(typed(rows)))
    assert _ticked(page) == expect(rows)


def test_conversions_and_clicks_are_found_by_their_references(client, rows):
    _affiliate, click, _conversion = rows[1]
    for term in ["Order-1", "cust-1", " cust-1 "]:
        page, _ = _get(client, CONVERSIONS + "?" + _q(term))
        assert "Order-1" in page and "Order-2" not in page, term
    page, _ = _get(client, CONVERSIONS + "?" + _q("order-1"))  # the merchant's id, as it sent it
    assert "Order-1</" not in page
    for term in [
        click.click_id,
        click.link.code,
        f"/r/{click.link.code}",
        f"https://tikjoy.example/r/{click.link.code}/",
    ]:
        page, _ = _get(client, CLICKS + "?" + _q(term))
        listed = set(re.findall(r"[0-9a-f]{24}", page)) & set(
            Click.objects.values_list("click_id", flat=True)
        )
        assert listed == {click.click_id}, term


def test_the_filters_show_the_rows_the_database_holds(client, program, rows, ops):
    services.commission_reverse(
        commission_id=rows[0][2].commission.pk, code="CUSTOMER_FRAUD", actor=ops, now=NOW
    )
    for state in CommissionState.values:
        page, _ = _get(client, COMMISSIONS + f"?state__exact={state}")
        assert _ticked(page) == set(Commission.objects.filter(state=state).values_list("pk", flat=True)), (
            state
        )
    page, _ = _get(client, COMMISSIONS + f"?program__id__exact={program.pk}")
    assert _ticked(page) == set(Commission.objects.filter(program=program).values_list("pk", flat=True))
    clicks = set(Click.objects.values_list("click_id", flat=True))
    for flag in ("0", "1"):
        page, _ = _get(client, CLICKS + f"?is_bot__exact={flag}")
        shown = set(re.findall(r"[0-9a-f]{24}", page)) & clicks
        assert shown == set(Click.objects.filter(is_bot=flag == "1").values_list("click_id", flat=True)), flag
    for flag in ("0", "1"):
        page, _ = _get(client, CONVERSIONS + f"?is_accepted__exact={flag}")
        shown = set(re.findall(r"Order-\d+", page))
        expected = {
            f"{o}"
            for o in Conversion.objects.filter(is_accepted=flag == "1").values_list("order_id", flat=True)
        }
        assert shown == expected, flag


def test_the_actions_still_work_from_the_lists(client, program, rows):
    commission = rows[1][2].commission
    client.post(
        COMMISSIONS,
        {"action": "reverse", "_selected_action": [commission.pk], "apply": "1", "reason": "CUSTOMER_FRAUD"},
        follow=True,
    )
    commission.refresh_from_db()
    assert commission.state == CommissionState.REVERSED
    applicant = affiliate_make(program, approved=False, email="applicant@creator.example")
    response = client.post(AFFILIATES, {"action": "approve", "_selected_action": [applicant.pk]}, follow=True)
    assert response.status_code == 200
    applicant.refresh_from_db()
    assert applicant.status == "APPROVED"
