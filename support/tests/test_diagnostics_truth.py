"""The Diagnostics pages say only true things, in the reader's language: a reward's words follow its
status now, an ended campaign is not "running", a caption rule's "or" is translated, a rule's figures
say who pays what and who gets what, a person is found by the name they shared, a reversal's reason
is translated."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns import services as campaign_services
from campaigns.models import ActionType, PlatformLimit
from merchants.models import ConsentField
from merchants.services import consent_give
from rewards.models import MerchantConsumer, Reward, RewardStatus
from rewards.services import action_record, reward_reverse, reward_settle
from support import diagnostics
from tikjoy.tests.factories import NOW, login_rule, owner_of, response_text, share_rule

pytestmark = pytest.mark.django_db

REVERSAL = "The post was deleted or made private before the hold period ended."


@pytest.fixture
def merchant(make_merchant, ops):
    return make_merchant("joycoffee", funds="100.00", ops=ops, brand_name="Joy Coffee")


def _get(client, merchant, name, language="en", **kwargs):
    client.force_login(owner_of(merchant))
    response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response_text(response))


def _consumer_page(client, merchant, user, language="en"):
    ref = MerchantConsumer.objects.get(merchant=merchant, user=user).pk
    return _get(client, merchant, "console:diagnostics_consumer", language, ref=ref)


def _login(user, merchant):
    return action_record(user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)


def _german(text: str) -> str:
    with translation.override("de"):
        translated = translation.gettext(text)
    assert translated != text
    return translated


# --- 1. a reward's words follow its status ----------------------------------------------------------


def test_an_available_reward_is_not_said_to_wait_for_its_hold(client, merchant, make_campaign, make_consumer):
    make_campaign(merchant, rules=[login_rule()])
    ana = make_consumer()
    reward = _login(ana, merchant).rewards.get()
    reward = reward_settle(reward_id=reward.pk, now=reward.available_at + timedelta(hours=1))
    assert reward.status == RewardStatus.CONFIRMED

    english = _consumer_page(client, merchant, ana)
    german = _consumer_page(client, merchant, ana, "de")

    assert "Paid €0.50; the reward is available to the person." in english
    campaign_page = _get(client, merchant, "console:diagnostics_campaign", campaign_id=reward.campaign_id)
    assert "Paid €0.50; the reward is available to the person." in campaign_page
    assert "waits for its hold period" not in campaign_page
    assert "waits for its hold period" not in english
    assert "Wartezeit" not in german
    assert _german("Paid %(price)s; the reward is available to the person.").split("%(price)s")[1] in german


def test_a_pending_reward_waits_for_its_hold_then_for_its_check(merchant, make_campaign, make_consumer):
    make_campaign(merchant, rules=[login_rule()])
    ana = make_consumer()
    reward = _login(ana, merchant).rewards.get()
    ref = MerchantConsumer.objects.get(merchant=merchant, user=ana).pk

    during = diagnostics.consumer_diagnosis(merchant=merchant, ref=ref, now=NOW).lines[0]
    after = diagnostics.consumer_diagnosis(
        merchant=merchant, ref=ref, now=reward.available_at + timedelta(minutes=1)
    ).lines[0]

    assert during.explanation.text == "Paid €0.50; the reward waits for its hold period to end."
    assert "its hold period ended on" in after.explanation.text
    assert "waits for its hold period" not in after.explanation.text


def test_a_reversed_reward_reads_its_reason_in_the_readers_language(
    client, merchant, make_campaign, make_consumer, ops
):
    make_campaign(merchant, rules=[login_rule()])
    ana = make_consumer()
    reward = _login(ana, merchant).rewards.get()
    reward_reverse(reward_id=reward.pk, reason=REVERSAL, actor=ops, now=NOW)

    german = _consumer_page(client, merchant, ana, "de")
    french = _consumer_page(client, merchant, ana, "fr")

    assert REVERSAL not in german
    assert REVERSAL not in french
    assert _german(REVERSAL) in german
    assert Reward.objects.get(pk=reward.pk).status == RewardStatus.REVERSED


# --- 2. an ended campaign -------------------------------------------------------------------------


def test_an_ended_campaign_is_not_said_to_be_running(client, merchant, make_campaign):
    campaign = make_campaign(merchant, rules=[login_rule()], ends_at=None)
    campaign_services.campaign_end(campaign=campaign, actor=owner_of(merchant))

    english = _get(client, merchant, "console:diagnostics_campaign", campaign_id=campaign.pk)
    german = _get(client, merchant, "console:diagnostics_campaign", "de", campaign_id=campaign.pk)

    assert "Running since" not in english
    assert "until it ended on" in english
    assert "no end date" not in english
    assert _german("Running since %(starts)s, with no end date.").split("%")[0] not in german


# --- 3. the caption rule's "or" -------------------------------------------------------------------


def test_the_caption_rule_joins_hashtag_and_mention_in_the_readers_language(client, merchant, make_campaign):
    campaign = make_campaign(
        merchant, rules=[share_rule()], hashtag="joycoffeewinter", mention="joycoffee.demo"
    )

    german = _get(client, merchant, "console:diagnostics_campaign", "de", campaign_id=campaign.pk)
    french = _get(client, merchant, "console:diagnostics_campaign", "fr", campaign_id=campaign.pk)

    assert "#joycoffeewinter or @joycoffee.demo" not in german
    assert "#joycoffeewinter oder @joycoffee.demo" in german
    assert "#joycoffeewinter ou @joycoffee.demo" in french


# --- 4. who pays what, who gets what --------------------------------------------------------------


def test_a_rule_says_what_the_merchant_pays_and_what_the_person_gets(client, merchant, make_campaign):
    campaign = make_campaign(
        merchant, rules=[login_rule(amount=Decimal("1.00"))], new_user_multiplier=Decimal("1.50")
    )

    body = _get(client, merchant, "console:diagnostics_campaign", campaign_id=campaign.pk)

    # The default plan gives the person 80 %: the brand page offers €1.20 to a new customer.
    assert (
        "Log in with TikTok: you pay €1.50 for a new customer, who gets €1.20; €1.00 for a customer who "
        "has earned with you before, who gets €0.80." in body
    )
    assert "pays €1.00" not in body


# --- 5. found by the name they shared -------------------------------------------------------------


def _ben(merchant, make_consumer, fields):
    ben = make_consumer("Ben Consumer")
    ben.email = "ben@example.com"
    ben.save(update_fields=["email"])
    consent_give(user=ben, merchant=merchant, fields=fields, now=NOW)
    _login(ben, merchant)
    return ben


def test_a_person_is_found_by_the_name_they_shared_and_not_by_their_unshared_email(
    client, merchant, make_campaign, make_consumer
):
    make_campaign(merchant, rules=[login_rule()])
    ben = _ben(merchant, make_consumer, [ConsentField.DISPLAY_NAME])
    ref = MerchantConsumer.objects.get(merchant=merchant, user=ben).pk
    client.force_login(owner_of(merchant))

    by_name = client.get(reverse("console:diagnostics"), {"q": "Ben Consumer"})
    by_part = diagnostics.consumer_search(merchant=merchant, query="ben cons")
    by_email = diagnostics.consumer_search(merchant=merchant, query="ben@example.com")

    assert reverse("console:diagnostics_consumer", kwargs={"ref": ref}) in response_text(by_name)
    assert [found.ref for found in by_part] == [ref]
    assert by_email == []


def test_a_name_not_shared_finds_nobody(merchant, make_campaign, make_consumer):
    make_campaign(merchant, rules=[login_rule()])
    _ben(merchant, make_consumer, [ConsentField.EMAIL])

    assert diagnostics.consumer_search(merchant=merchant, query="Ben Consumer") == []
    assert len(diagnostics.consumer_search(merchant=merchant, query="ben@example.com")) == 1


# --- 7. the consumers list's link ---------------------------------------------------------------------


def test_the_consumers_list_link_says_the_glossarys_word(client, merchant, make_campaign, make_consumer):
    make_campaign(merchant, rules=[login_rule()])
    _login(make_consumer(), merchant)

    german = _get(client, merchant, "console:rewards_reward_consumers", "de")

    assert "Warum keine Prämie?" in german
    assert "Belohnung" not in german


# --- 6. the limits per person and the maximum per reward, with the multipliers ---------------------


def test_a_cap_only_new_customers_exceed_after_the_multiplier_is_a_problem_for_them(
    client, merchant, make_campaign
):
    # €1.00 a sign-in, times 1.50 for a new customer: €1.50, above the €1.20 a person may earn a day.
    campaign = make_campaign(
        merchant,
        rules=[login_rule(amount=Decimal("1.00"))],
        new_user_multiplier=Decimal("1.50"),
        user_daily_cap=Decimal("1.20"),
    )

    body = _get(client, merchant, "console:diagnostics_campaign", campaign_id=campaign.pk)

    assert 'data-check="caps" data-level="PROBLEM"' in body
    assert (
        "Log in with TikTok pays €1.50 to a customer new to your brand (with the multiplier): more than a "
        "person may earn, so new customers are never paid for it." in body
    )
    assert "so it never pays" not in body


def test_a_cap_below_the_base_amount_but_above_the_returning_price_is_not_said_to_never_pay(
    client, merchant, make_campaign
):
    # €1.00 a sign-in, €0.50 for a returning customer (x0.50), €1.00 for a new one (x1.00): a €0.80 cap
    # stops new customers only; returning ones are paid.
    campaign = make_campaign(
        merchant,
        rules=[login_rule(amount=Decimal("1.00"))],
        returning_user_multiplier=Decimal("0.50"),
        user_campaign_cap=Decimal("0.80"),
    )

    body = _get(client, merchant, "console:diagnostics_campaign", campaign_id=campaign.pk)

    assert "so it never pays" not in body
    assert "so new customers are never paid for it" in body


def test_the_maximum_per_reward_is_checked_against_the_multiplied_price(client, merchant, make_campaign):
    campaign = make_campaign(
        merchant, rules=[login_rule(amount=Decimal("1.00"))], new_user_multiplier=Decimal("1.50")
    )
    # Ops lower the platform's maximum per reward after the campaign was saved: €1.50 is cut to €1.20.
    PlatformLimit.objects.filter(currency="EUR").update(max_reward=Decimal("1.20"))

    body = _get(client, merchant, "console:diagnostics_campaign", campaign_id=campaign.pk)

    assert "Log in with TikTok: €1.50 is cut to the largest reward allowed, €1.20." in body
