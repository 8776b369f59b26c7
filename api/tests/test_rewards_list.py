"""GET /api/v1/rewards: one fixed statement, each row exactly as the reward's own page shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from api.models import Scope
from api.selectors import _iso
from campaigns.models import ActionType
from rewards.models import Reward
from rewards.services import action_record
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db

TIMES = [
    datetime(2026, 11, 2, 9, 30, tzinfo=UTC),  # no fraction: isoformat() writes none either
    datetime(2026, 11, 2, 9, 30, 5, 18700, tzinfo=UTC),  # PostgreSQL writes .0187
    datetime(2026, 11, 2, 9, 30, 5, 1, tzinfo=UTC),
    datetime(2026, 11, 2, 9, 30, 5, 999999, tzinfo=UTC),
    datetime(1999, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", TIMES)
def test_postgresqls_timestamps_read_as_text_are_written_as_isoformat_writes_them(moment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [moment])
        (text,) = cursor.fetchone()

    assert _iso(text) == moment.isoformat()


@pytest.mark.parametrize(
    "text, written",
    [
        ("2026-11-02 10:30:05.0187+01", "2026-11-02T10:30:05.018700+01:00"),
        ("2026-11-02 04:00:05-05:30", "2026-11-02T04:00:05-05:30"),
    ],
)
def test_a_timestamp_read_in_another_time_zone_keeps_its_offset(text, written):
    """Django's connections read in UTC (the usual, quicker path); any other offset is written out too."""
    assert _iso(text) == written


@pytest.fixture
def rewards(brand, make_consumer):
    """The brand's reward and four more, with times that test every way a timestamp is written."""
    world = brand()
    merchant = world["merchant"]
    for i in range(4):
        action_record(
            user=make_consumer(f"Fan {i}"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
        )
    for reward, moment in zip(Reward.objects.filter(merchant=merchant).order_by("pk"), TIMES, strict=False):
        Reward.objects.filter(pk=reward.pk).update(
            created_at=moment, available_at=moment + timedelta(days=14, microseconds=30)
        )
    last = Reward.objects.filter(merchant=merchant).order_by("pk").last()
    Reward.objects.filter(pk=last.pk).update(
        status="REVERSED", reason="Order cancelled", decided_at=TIMES[1] + timedelta(hours=1)
    )
    return world


def test_each_row_of_the_list_is_the_rewards_own_page(rewards, make_key, api):
    client = api(make_key(rewards["merchant"], scope=Scope.READ))

    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/rewards", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    ids = [
        f"rwd_{pk}"
        for pk in Reward.objects.filter(merchant=rewards["merchant"])
        .order_by("-pk")
        .values_list("pk", flat=True)
    ]
    assert [r["id"] for r in seen] == ids
    assert seen == [client.get(f"/api/v1/rewards/{i}").json() for i in ids]
    assert seen[0]["status"] == "REVERSED" and seen[0]["reason"] == "Order cancelled"
    assert seen[0]["decided_at"] == (TIMES[1] + timedelta(hours=1)).isoformat()
    assert seen[-1]["created_at"] == "2026-11-02T09:30:00+00:00"
    assert seen[-2]["created_at"] == "2026-11-02T09:30:05.018700+00:00"


def test_the_list_filters_by_creation_time_page_by_page(rewards, make_key, api):
    client = api(make_key(rewards["merchant"], scope=Scope.READ))
    window = {"created_after": "2026-11-02T09:30:00Z", "created_before": "2026-11-02T09:30:05.999999Z"}

    first = client.get("/api/v1/rewards", {**window, "limit": 1}).json()
    second = client.get("/api/v1/rewards", {**window, "limit": 1, "cursor": first["next_cursor"]}).json()
    bad = client.get("/api/v1/rewards", {"created_after": "yesterday"})

    assert [r["created_at"] for r in first["data"] + second["data"]] == [
        "2026-11-02T09:30:05.000001+00:00",
        "2026-11-02T09:30:05.018700+00:00",
    ]
    assert second["next_cursor"] is None
    assert bad.status_code == 400 and "created_after" in bad.json()["errors"]


def test_a_page_of_the_list_is_two_queries(rewards, make_key, api, django_assert_max_num_queries):
    client = api(make_key(rewards["merchant"], scope=Scope.READ))
    assert client.get("/api/v1/rewards").status_code == 200  # the key read, kept for a few seconds

    with django_assert_max_num_queries(2):  # the rate-limit count and the page
        response = client.get("/api/v1/rewards", {"limit": 50})

    assert len(response.json()["data"]) == 5


def test_the_rate_limit_counters_skip_the_write_ahead_log():
    """Every request counts itself: the counters are an UNLOGGED table (api/0006), a crash only
    restarts the minute's count."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'api_ratewindow'")
        assert cursor.fetchone() == ("u",)
