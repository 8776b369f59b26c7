"""The affiliate pages at scale (issue #22, ``bench_scale --apps``): the console's program page and
the ops lists of affiliates and conversions read a fixed number of queries whatever their rows,
and the program page's row forms (decide, reverse, adjust) are the same forms on every row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from affiliates import services
from affiliates.models import Commission
from affiliates.tests.conftest import NOW, convert
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, owner_of

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def _more(program, n: int, start: int) -> None:
    for i in range(start, start + n):
        affiliate = affiliate_make(program, email=f"creator{i}@creator.example")
        convert(program, affiliate_click_make(affiliate, visitor=f"v{i}"), order_id=f"order-{i}")
    affiliate_make(program, approved=False, email=f"applicant{start}@creator.example")


@pytest.mark.parametrize(
    "who,url",
    [
        ("owner", "/console/affiliates/"),
        ("ops", "/ops/affiliates/affiliate/"),
        ("ops", "/ops/affiliates/conversion/"),
        ("ops", "/ops/affiliates/commission/"),
    ],
)
def test_the_affiliate_lists_read_a_fixed_number_of_queries(program, ops, who, url):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(owner_of(program.merchant) if who == "owner" else ops)
    _more(program, 2, 0)
    few, _ = _queries(client, url)
    _more(program, 6, 10)
    many, page = _queries(client, url)
    assert many == few
    assert "creator15@creator.example" in page


def test_each_row_of_the_program_page_has_its_forms(client, program):
    _more(program, 3, 0)
    services.commission_lock(
        commission_id=Commission.objects.order_by("pk").first().pk, now=NOW + timedelta(days=20)
    )
    client.force_login(owner_of(program.merchant))
    _, page = _queries(client, "/console/affiliates/")
    # Applications: a decision form each; pending commissions: reverse (with its reason codes);
    # locked ones: adjust (an amount and a reason).
    assert page.count('name="status"') == 4
    assert page.count('value="reverse"') == 2 and page.count('<option value="ITEM_RETURNED"') == 2
    assert page.count('value="adjust"') == 1 and page.count('name="amount"') == 1
    assert page.count('name="reason"') == 4 + 1


def test_the_program_page_shows_its_affiliates_fifty_a_page_applications_first(client, program):
    for i in range(50):
        affiliate_make(program, email=f"member{i:02d}@creator.example")
    affiliate_make(program, approved=False, email="waiting@creator.example")
    client.force_login(owner_of(program.merchant))
    first = client.get("/console/affiliates/").content.decode()
    assert "waiting@creator.example" in first and "Page 1 of 2" in first
    assert first.count('name="status"') == 50
    second = client.get("/console/affiliates/?affiliates=2").content.decode()
    assert "Page 2 of 2" in second and second.count('name="status"') == 1
    shown = {
        email
        for page in (first, second)
        for email in (f"member{i:02d}@creator.example" for i in range(50))
        if email in page
    }
    assert len(shown) == 50
