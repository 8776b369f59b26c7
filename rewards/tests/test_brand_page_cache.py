"""The brand page is read through one fingerprint query and kept while what it shows is unchanged
(``rewards.brand_page``): it is never stale about what a person can earn, and its query counts
are pinned so they can't creep back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Campaign, CampaignStatus, MerchantPricing, PauseReason, PricingPlan, RewardRule
from rewards.brand_page import brand_page_get
from rewards.tests.conftest import login_rule, share_rule
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _page(client, slug="fizz", headers=None) -> str:
    response = client.get(f"/b/{slug}/", headers=headers or {})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def fizz(make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50")), share_rule()])
    return merchant, campaign


def test_an_anonymous_visit_costs_one_query_once_the_page_was_built(client, fizz, django_assert_num_queries):
    first = _page(client)
    with django_assert_num_queries(1):  # the fingerprint; the page comes from the cache
        response = client.get("/b/fizz/")
    again = response.content.decode()
    assert response.templates == []  # kept whole: nothing rendered
    assert "Spring JoyBack" in again
    assert first.split('name="csrfmiddlewaretoken"')[0] == again.split('name="csrfmiddlewaretoken"')[0]


def test_a_visitor_who_gets_the_brands_language_costs_one_query_too(client, fizz, django_assert_num_queries):
    """The brand's language (a visitor's fallback) comes with the fingerprint: one statement, not two."""
    merchant, _ = fizz
    type(merchant).objects.filter(pk=merchant.pk).update(language="it")
    _page(client)
    with django_assert_num_queries(1):
        page = _page(client)
    assert '<html lang="it">' in page


def test_a_signed_in_visit_reads_only_the_person_besides_the_fingerprint(
    client, fizz, make_consumer, django_assert_num_queries
):
    client.force_login(make_consumer("Ana"))
    _page(client)
    # the session with the person (one statement; in the database here, Redis in production), and
    # one statement for the fingerprint with joined, the sign-in channel, the creator status and the
    # navigation's consumer rule
    with django_assert_num_queries(2):
        response = client.get("/b/fizz/")
    page = response.content.decode()
    assert response.templates == []  # kept whole for people in the same standing
    assert "Spring JoyBack" in page
    assert "My account" in page and "Console" not in page  # a consumer's navigation


def test_the_standing_read_with_the_brand_state_says_what_the_standing_query_alone_says(fizz, make_consumer):
    """A signed-in visitor's standing is read in the brand's state statement (the brand as ``m.id``,
    the key of their sign-in there written in SQL): the same answers as the query on its own."""
    from allauth.socialaccount.models import SocialAccount

    from merchants import services as merchant_services
    from rewards import brand as brand_views
    from rewards.brand_page import brand_state_get
    from rewards.services import brand_join_complete
    from social.selectors import login_channel_for

    merchant, _ = fizz
    now = timezone.now()
    joined, withdrawn, never = make_consumer("Joy"), make_consumer("Will"), make_consumer("Nev")
    for person in (joined, withdrawn):
        SocialAccount.objects.create(user=person, provider="tiktok", uid=f"open-{person.pk}", extra_data={})
        merchant_services.consent_give(user=person, merchant=merchant, fields=["DISPLAY_NAME"], now=now)
        brand_join_complete(
            user=person,
            merchant=merchant,
            touchpoint_key=None,
            device_id=f"device-{person.pk}",
            ip_address=None,
            channel=login_channel_for(person),
            now=now,
        )
    merchant_services.consent_withdraw(user=withdrawn, merchant=merchant, now=now)
    statement, constants = brand_views._standing_statement(on_brand=True)
    seen = []
    for person in (joined, withdrawn, never):
        state = brand_state_get(slug="fizz", now=now, person=(statement, {**constants, "user": person.pk}))
        assert state.person is not None
        alone = brand_state_get(slug="fizz", now=now)  # no person: the standing is its own query
        assert alone.person is None and alone.version == state.version
        standing = brand_views._standing(person, state)
        assert standing == brand_views._standing(person, alone)
        seen.append((standing["joined"], standing["login_counted"]))
    assert seen == [(True, True), (False, True), (False, False)]


def test_a_merchants_team_member_on_a_brand_page_sees_the_console_link(client, fizz):
    merchant, _ = fizz
    client.force_login(owner_of(merchant))

    page = _page(client)

    assert "Console" in page and "My account" not in page


def test_a_paused_campaign_disappears_at_once_and_comes_back_when_resumed(client, fizz):
    merchant, campaign = fizz
    assert "Spring JoyBack" in _page(client)

    campaign_services.campaign_pause(campaign=campaign, actor=owner_of(merchant))
    assert "Spring JoyBack" not in _page(client)
    assert "has no live campaigns yet" in _page(client)

    campaign_services.campaign_activate(
        campaign=Campaign.objects.get(pk=campaign.pk), actor=owner_of(merchant), now=timezone.now()
    )
    assert "Spring JoyBack" in _page(client)


def test_money_running_out_is_seen_even_when_written_by_a_bulk_update(client, fizz):
    """The engine pauses a campaign when the funds or the budget run out; no write path has to
    remember to invalidate anything (here a plain UPDATE, which skips every model method)."""
    _, campaign = fizz
    assert "Spring JoyBack" in _page(client)

    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.PAUSED, pause_reason=PauseReason.FUNDS
    )

    assert "Spring JoyBack" not in _page(client)


def test_an_edited_amount_is_shown_at_once(client, fizz):
    merchant, campaign = fizz
    assert "€0.40" in _page(client)  # 0.50 at the platform's 80 %

    campaign_services.campaign_update(
        campaign=campaign,
        actor=owner_of(merchant),
        changes={"budget": Decimal("50.00")},
        rules=[login_rule(amount=Decimal("1.00")), share_rule()],
    )

    page = _page(client)
    assert "€0.80" in page and "€0.40" not in page


def test_a_reassigned_pricing_plan_is_shown_at_once(client, fizz):
    merchant, _ = fizz
    assert "€0.40" in _page(client)

    plan = PricingPlan.objects.create(name="Generous", user_share=Decimal("0.90"))
    MerchantPricing.objects.update_or_create(merchant=merchant, defaults={"plan": plan})

    assert "€0.45" in _page(client)


def test_a_platform_maximum_lowered_by_ops_is_offered_at_once_as_the_engine_pays_it(
    client, fizz, make_consumer
):
    """Ops lower the platform's maximum per reward below a rule saved before: the page (kept in the
    cache) offers the capped amount at once, and the engine pays exactly that."""
    from allauth.socialaccount.models import SocialAccount

    from campaigns.models import ActionType, PlatformLimit
    from rewards.models import Reward
    from rewards.services import action_record

    merchant, _ = fizz
    assert "€0.40" in _page(client)  # 0.50 at the platform's 80 %

    PlatformLimit.objects.filter(currency="EUR").update(
        min_reward=Decimal("0.10"), max_reward=Decimal("0.30")
    )

    page = _page(client)
    assert "€0.24" in page and "€0.40" not in page  # 0.30 at 80 %
    ana = make_consumer("Ana")
    SocialAccount.objects.create(user=ana, provider="tiktok", uid="open-ana", extra_data={})
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
    reward = Reward.objects.get(user=ana)
    assert (reward.merchant_price, reward.user_amount) == (Decimal("0.30"), Decimal("0.24"))


def test_rewards_paid_do_not_rebuild_the_page(client, fizz, django_assert_num_queries):
    """What a campaign has spent is not shown: paying rewards keeps the page cached."""
    _, campaign = fizz
    _page(client)
    Campaign.objects.filter(pk=campaign.pk).update(spent=Decimal("12.34"))
    RewardRule.objects.filter(campaign=campaign).update(rewards_paid=F("rewards_paid") + 7)
    with django_assert_num_queries(1):
        response = client.get("/b/fizz/")
    assert response.templates == []


def test_a_campaign_shows_from_the_moment_it_starts_and_not_after_it_ends(make_merchant, make_campaign):
    merchant = make_merchant("later")
    now = timezone.now()
    make_campaign(
        merchant, rules=[login_rule()], starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )

    assert brand_page_get(slug="later", now=now).campaigns == []
    assert [
        i["campaign"].name
        for i in brand_page_get(slug="later", now=now + timedelta(hours=1, seconds=1)).campaigns
    ] == ["Spring JoyBack"]
    assert brand_page_get(slug="later", now=now + timedelta(hours=2, seconds=1)).campaigns == []


def test_a_new_video_is_listed_at_once(client, fizz):
    merchant, _ = fizz
    assert "Videos to share" not in _page(client)

    campaign_services.video_add(
        merchant=merchant,
        actor=owner_of(merchant),
        title="Our summer video",
        caption="Sun",
        tiktok_url="https://www.tiktok.com/@fizz/video/7300000000000000001",
    )

    assert "Our summer video" in _page(client)


def test_a_videos_title_and_caption_are_shown_in_the_visitors_language_at_once(client, fizz):
    merchant, campaign = fizz
    video = campaign_services.video_add(
        merchant=merchant,
        actor=owner_of(merchant),
        title="Our summer video",
        caption="Sun all day",
        hashtags="summer",
        tiktok_url="https://www.tiktok.com/@fizz/video/7300000000000000001",
    )
    italian = _page(client, headers={"Accept-Language": "it"})  # built and kept before the text exists
    assert "Our summer video" in italian

    campaign_services.video_texts_save(
        video=video,
        actor=owner_of(merchant),
        texts={"it": ("Il nostro video d'estate", "Sole tutto il giorno")},
    )

    italian = _page(client, headers={"Accept-Language": "it"})
    assert "Il nostro video d&#x27;estate" in italian and "Our summer video" not in italian
    # The caption to copy is the Italian one, with the video's tags and the campaign's, so it still earns.
    assert f"Sole tutto il giorno #summer #{campaign.hashtag}" in italian
    english = _page(client, headers={"Accept-Language": "en"})
    assert "Our summer video" in english and f"Sun all day #summer #{campaign.hashtag}" in english


def test_an_unknown_brand_is_a_404(client, db):
    assert client.get("/b/nobody-here/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_page_is_built_in_one_snapshot(client, make_merchant, make_campaign):
    """As in production (autocommit): the build runs in a REPEATABLE READ transaction of its own."""
    make_campaign(make_merchant("snap"), rules=[login_rule()])

    assert "Spring JoyBack" in _page(client, "snap")
    assert "Spring JoyBack" in _page(client, "snap")
