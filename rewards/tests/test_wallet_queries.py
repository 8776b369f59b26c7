"""The wallet's query counts are pinned (they grew to 20 once), and its lists stay short however
many rewards a person has."""

from __future__ import annotations

import pytest

from campaigns.models import ActionType
from rewards.models import RewardStatus
from rewards.selectors import held_and_reversed, wallet_history, wallet_history_page
from rewards.services import action_record
from rewards.tests.conftest import NOW, tracked_post
from rewards.tests.test_wallet import ana_wallet  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_consumer(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer("Ana")
    for _ in range(25):
        action_record(
            user=ana,
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post=tracked_post(ana, campaign),
            campaign=campaign,
            now=NOW,
        )
    return ana


def test_the_wallet_page_makes_at_most_12_queries(client, busy_consumer, django_assert_max_num_queries):
    client.force_login(busy_consumer)
    client.get("/wallet/")
    # The session and the user, the person's figures, the history page, brands awaited, the ledger
    # accounts (balances and debts), the other movements of the available balance, the schedule,
    # unfunded actions, TikTok, the navigation, consents.
    # Nobody's reward is under review or reversed: those two lists are not read.
    with django_assert_max_num_queries(12):
        response = client.get("/wallet/?page=2")
    assert "Page 2 of 2" in response.content.decode()


def test_the_wallet_of_a_person_with_rewards_in_every_state_is_built_in_at_most_20_queries_then_read_in_3(
    client,
    ana_wallet,  # noqa: F811
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    client.force_login(ana_wallet)
    # Built (19): the session and the user, the fingerprint, then in one snapshot (a savepoint in a
    # test's transaction) the fingerprint again, the person as the snapshot has them and the page's
    # 12 reads (the person's figures, the history page, the held and the reversed rewards, brands
    # awaited, the ledger accounts, the other movements, the schedule, unfunded actions, TikTok, the navigation,
    # consents); and the statement's PREPARE on a connection that hasn't seen it yet.
    with django_assert_max_num_queries(20):
        built = client.get("/wallet/").content.decode()
    with django_assert_num_queries(2):  # then: the session with its person, and the fingerprint
        page = client.get("/wallet/").content.decode()
    assert "Under review" in page and "Views bought from a click farm" in page
    assert built.split("csrfmiddlewaretoken")[0] == page.split("csrfmiddlewaretoken")[0]


def test_a_deep_history_page_reads_its_ids_first_and_shows_the_same_lines(busy_consumer):
    every = list(wallet_history(user=busy_consumer))
    assert [r.pk for r in wallet_history_page(user=busy_consumer, offset=20, size=5)] == [
        r.pk for r in every[20:25]
    ]
    deep = wallet_history_page(user=busy_consumer, offset=20, size=5, deep_from=0)
    assert [r.pk for r in deep] == [r.pk for r in every[20:25]]
    assert wallet_history_page(user=busy_consumer, offset=30, size=5, deep_from=0) == []


def test_the_wallet_summary_is_built_in_at_most_12_queries_then_read_in_3(
    client, busy_consumer, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(busy_consumer)
    # the session, the user, the fingerprint (and its PREPARE), a savepoint, the fingerprint again,
    # the summary's 5 reads, the savepoint released
    with django_assert_max_num_queries(12):
        summary = client.get("/wallet/summary.json").json()
    assert summary["counts"]["PENDING"] == 25
    with django_assert_num_queries(2):
        assert client.get("/wallet/summary.json").json() == summary


def test_held_and_reversed_rewards_are_listed_newest_first_up_to_the_limit(ana_wallet):  # noqa: F811
    listed = held_and_reversed(user=ana_wallet, limit=1)
    assert [r.status for r in listed[RewardStatus.HELD]] == ["HELD"]
    assert [r.status for r in listed[RewardStatus.REVERSED]] == ["REVERSED"]
    assert held_and_reversed(user=ana_wallet, limit=0) == {RewardStatus.HELD: [], RewardStatus.REVERSED: []}
