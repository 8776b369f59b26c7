"""Promote's /ops/ lists at volume (issue #22, ``bench_scale --apps``): the queries of a page do not
grow with its rows (a wallet, a purchase or a coupon names its holder: selected with the rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from promote import services

pytestmark = pytest.mark.django_db

LISTS = [
    "admin:promote_coinwallet_changelist",
    "admin:promote_coinpurchase_changelist",
    "admin:promote_coupon_changelist",
]


def _people(promoter, make_user, names: list[str]) -> None:
    ops = make_user("coupons@tikjoy.example", is_staff=True)
    now = timezone.now()
    for name in names:
        person, _ = promoter(name)
        services.coupon_issue(
            code=f"OPS-{name.upper()}",
            coins_count=100,
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=30),
            actor=ops,
            now=now,
            user=person,
        )


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("url", LISTS)
def test_ops_promote_lists_count_queries_not_rows(client, make_user, promoter, url):
    client.force_login(make_user("boss@tikjoy.example", is_staff=True, is_superuser=True))
    _people(promoter, make_user, ["Ana"])
    one, _ = _queries(client, reverse(url))
    _people(promoter, make_user, ["Bea", "Cleo", "Dina"])
    four, page = _queries(client, reverse(url))

    assert one == four
    assert all(name in page for name in ("Ana", "Bea", "Cleo", "Dina"))  # each row names its holder


# Each list at scale (core.admin.ListAtScaleMixin): counted at most ten pages ahead, the page's ids
# then its rows; pinned so that a query a row, or a whole count, fails here.
PINNED = {
    "admin:promote_coinwallet_changelist": 3,
    "admin:promote_coinpurchase_changelist": 3,
    "admin:promote_coupon_changelist": 3,
}


@pytest.mark.parametrize("url", LISTS)
def test_ops_promote_lists_are_lists_at_scale(client, make_user, promoter, url):
    client.force_login(make_user("boss@tikjoy.example", is_staff=True, is_superuser=True))
    _people(promoter, make_user, ["Ana", "Bea"])
    count, page = _queries(client, reverse(url))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse(url))

    assert count == PINNED[url]
    assert not any(q["sql"].startswith("SELECT COUNT(*) AS") for q in ctx.captured_queries)  # no whole count
    assert "Ana" in page and "Bea" in page


def test_ops_coupons_are_searched_by_the_start_of_their_code(client, make_user, promoter):
    client.force_login(make_user("boss@tikjoy.example", is_staff=True, is_superuser=True))
    _people(promoter, make_user, ["Ana", "Bea"])
    url = reverse("admin:promote_coupon_changelist")

    found = _queries(client, url + "?q=ops-an")[1]
    middle = _queries(client, url + "?q=ANA")[1]

    assert "OPS-ANA" in found and "OPS-BEA" not in found
    assert "OPS-ANA" not in middle  # a part inside the code is no search (it would read every coupon)
