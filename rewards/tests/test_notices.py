"""Consumers are told, once each: daily limit reached, reward now available, a brand's campaign started."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext
from werkzeug import Response

from campaigns.models import ActionType, CampaignText
from campaigns.services import campaign_activate
from merchants.services import consent_give, consent_withdraw
from rewards import notices
from rewards.models import ConsumerNotice, NoticeChannel, NoticeKind, Reward
from rewards.services import action_record, brand_join_complete, reward_settle, rewards_settle_due
from rewards.tests.conftest import NOW, login_rule
from social.selectors import login_channel_for
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _verified_email(user, address: str) -> None:
    user.email = address
    user.save(update_fields=["email"])
    EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)


def _notices(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [address]]


@pytest.fixture
def whatsapp_api(httpserver, settings):
    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0")
    sent = []

    def graph(request):
        sent.append(json.loads(request.data))
        body = {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": "1"}],
            "messages": [{"id": "wamid.1"}],
        }
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(
        f"/v21.0/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages", method="POST"
    ).respond_with_handler(graph)
    return sent


@pytest.fixture
def sent_that_day(monkeypatch):
    """The worker sends a notice a minute after the engine queued it, on the test's day (``NOW``),
    not on the day the suite runs: a daily-limit notice goes out only on the day it is about."""
    monkeypatch.setattr(notices, "_clock", lambda: NOW + timedelta(minutes=1))


def _capped_campaign_and_ana(make_merchant, make_campaign, make_consumer):
    """A campaign whose 0.50 daily limit per person a login fills, and Ana, told by e-mail."""
    merchant = make_merchant()
    make_campaign(
        merchant,
        rules=[login_rule(), {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.05")}],
        user_daily_cap=Decimal("0.50"),
    )
    ana = make_consumer("Ana")
    _verified_email(ana, "ana@example.com")
    mail.outbox.clear()
    return merchant, ana


def test_reaching_the_daily_limit_is_told_once_by_e_mail(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks, sent_that_day
):
    merchant, ana = _capped_campaign_and_ana(make_merchant, make_campaign, make_consumer)

    with django_capture_on_commit_callbacks(execute=True):
        login = action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        like = action_record(user=ana, merchant=merchant, action_type=ActionType.LIKE, now=NOW)

    assert login.status == "REWARDED"  # 0.50 fills the day
    assert like.status == "INELIGIBLE"
    assert like.status_detail.startswith("This person reached the campaign's daily limit per person")
    assert _notices("ana@example.com") == ["[TikJoy] You reached today's limit"]
    body = mail.outbox[-1].body
    assert (
        "You reached today's limit for Acme's campaign \"Spring JoyBack\": what you do for it today earns "
        "nothing more. You can earn again tomorrow."
    ) in body
    assert "€0.50" not in body  # the cap is in the merchant's prices, not what the person earns
    assert ConsumerNotice.objects.get().channel == NoticeChannel.EMAIL


def test_a_reward_that_becomes_available_is_told_by_whatsapp_to_a_whatsapp_person(
    make_merchant, make_campaign, make_consumer, whatsapp_api, django_capture_on_commit_callbacks, settings
):
    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule(action="WHATSAPP_LOGIN")], hold_days=0)
    ben = make_consumer("Ben")
    ben.email, ben.phone, ben.phone_verified = None, "+4915112345678", True
    ben.save(update_fields=["email", "phone", "phone_verified"])
    action = action_record(user=ben, merchant=merchant, action_type=ActionType.WHATSAPP_LOGIN, now=NOW)
    reward = Reward.objects.get(action=action)

    with django_capture_on_commit_callbacks(execute=True):
        reward_settle(reward_id=reward.pk, now=NOW + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        reward_settle(reward_id=reward.pk, now=NOW + timedelta(hours=2))  # settled already: nothing more

    assert len(whatsapp_api) == 1
    assert whatsapp_api[0]["to"] == "4915112345678"
    assert whatsapp_api[0]["template"]["name"] == settings.WHATSAPP_UPDATE_TEMPLATE_NAME
    text = whatsapp_api[0]["template"]["components"][0]["parameters"][0]["text"]
    assert text == (
        "Your reward of €0.40 from Acme is now available in your TikJoy wallet. "
        "Your available balance is €0.40; payouts to your bank start at €10.00."
    )
    notice = ConsumerNotice.objects.get()
    assert (notice.kind, notice.channel) == (NoticeKind.REWARD_AVAILABLE, NoticeChannel.WHATSAPP)
    assert not [m for m in mail.outbox if "available" in m.subject]


def test_a_person_who_joined_a_brand_without_a_live_campaign_is_told_once_when_one_starts(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    ana = make_consumer("Ana")
    _verified_email(ana, "ana@example.com")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    brand_join_complete(
        user=ana,
        merchant=merchant,
        touchpoint_key=None,
        device_id="",
        ip_address=None,
        channel=login_channel_for(ana),
        now=NOW,
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        make_campaign(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        make_campaign(merchant, name="Summer JoyBack")  # a second campaign: nobody is told again

    assert _notices("ana@example.com") == ["[TikJoy] A campaign you waited for has started"]
    assert 'Acme started its campaign "Spring JoyBack" on TikJoy.' in mail.outbox[-1].body
    assert "/b/acme/" in mail.outbox[-1].body


def test_a_person_who_stopped_sharing_with_the_brand_is_not_told(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    ana = make_consumer("Ana")
    _verified_email(ana, "ana@example.com")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    brand_join_complete(
        user=ana,
        merchant=merchant,
        touchpoint_key=None,
        device_id="",
        ip_address=None,
        channel=login_channel_for(ana),
        now=NOW,
    )
    consent_withdraw(user=ana, merchant=merchant, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        make_campaign(merchant)

    assert _notices("ana@example.com") == []


def test_the_wallet_lists_the_brands_a_person_waits_for_and_how_they_will_be_told(
    client, make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    brand_join_complete(
        user=ana,
        merchant=merchant,
        touchpoint_key=None,
        device_id="",
        ip_address=None,
        channel=login_channel_for(ana),
        now=NOW,
    )
    client.force_login(ana)

    waiting = client.get("/wallet/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        make_campaign(merchant)
    started = client.get("/wallet/").content.decode()

    assert "<strong>Acme</strong> has no live campaign yet." in waiting
    # Ana signs in with TikTok and has no verified e-mail: the wallet says where she will see it.
    assert "When a brand's first campaign starts, it shows here." in waiting
    assert 'href="/accounts/email/"' in waiting
    assert '<a href="/b/acme/">Acme</a> started a campaign on' in started
    assert ConsumerNotice.objects.get().channel == NoticeChannel.NONE


# --- Written at send time in the recipient's language, whatever language queued them ---------------


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def test_the_daily_limit_notice_is_in_the_persons_language_not_the_requests(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks, sent_that_day
):
    merchant = make_merchant()
    campaign = make_campaign(
        merchant,
        rules=[login_rule(), {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.05")}],
        user_daily_cap=Decimal("0.50"),
    )
    CampaignText.objects.create(campaign=campaign, language="de", name="Frühlings-JoyBack")
    ana = make_consumer("Ana")
    ana.language = "de"
    ana.save(update_fields=["language"])
    _verified_email(ana, "ana@example.com")
    mail.outbox.clear()

    with translation.override("it"):  # the request that triggered it was in Italian
        with django_capture_on_commit_callbacks(execute=True):
            action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            action_record(user=ana, merchant=merchant, action_type=ActionType.LIKE, now=NOW)

    sent = mail.outbox[-1]
    assert (
        sent.subject
        == _in("de", "[TikJoy] You reached today's limit")
        != "[TikJoy] You reached today's limit"
    )
    assert "Frühlings-JoyBack" in sent.body and "Morgen kannst du wieder verdienen." in sent.body
    assert "You reached" not in sent.body and "Spring JoyBack" not in sent.body
    assert ConsumerNotice.objects.get().text in sent.body  # kept as sent


def test_the_reward_available_notice_by_whatsapp_is_in_spanish_with_the_spanish_template(
    make_merchant, make_campaign, make_consumer, whatsapp_api, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule(action="WHATSAPP_LOGIN")], hold_days=0)
    ben = make_consumer("Ben")
    ben.email, ben.phone, ben.phone_verified, ben.language = None, "+34612345678", True, "es"
    ben.save(update_fields=["email", "phone", "phone_verified", "language"])
    action = action_record(user=ben, merchant=merchant, action_type=ActionType.WHATSAPP_LOGIN, now=NOW)
    reward = Reward.objects.get(action=action)

    with django_capture_on_commit_callbacks(execute=True):  # settled by a task: no language active
        reward_settle(reward_id=reward.pk, now=NOW + timedelta(hours=1))

    template = whatsapp_api[0]["template"]
    assert template["language"] == {"code": "es"}
    text = template["components"][0]["parameters"][0]["text"]
    assert "0,40\xa0€" in text and "Acme" in text
    assert "is now available" not in text


def test_the_campaign_started_notice_is_in_french_with_the_french_campaign_name(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    ana = make_consumer("Ana")
    ana.language = "fr"
    ana.save(update_fields=["language"])
    _verified_email(ana, "ana@example.com")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    brand_join_complete(
        user=ana,
        merchant=merchant,
        touchpoint_key=None,
        device_id="",
        ip_address=None,
        channel=login_channel_for(ana),
        now=NOW,
    )
    mail.outbox.clear()

    campaign = make_campaign(merchant, activate=False)
    CampaignText.objects.create(campaign=campaign, language="fr", name="JoyBack de printemps")
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):  # a German owner
        campaign_activate(campaign=campaign, actor=owner_of(merchant), now=NOW)

    sent = mail.outbox[-1]
    assert sent.subject == _in("fr", "[TikJoy] A campaign you waited for has started")
    assert "JoyBack de printemps" in sent.body and "Spring JoyBack" not in sent.body
    assert "started its campaign" not in sent.body


def _three_rewards_rules() -> list[dict]:
    return [
        login_rule(amount=Decimal("1.50")),
        {"action": "COMMENT", "is_enabled": True, "amount": Decimal("3.00")},
        {"action": "LIKE", "is_enabled": True, "amount": Decimal("5.50")},
    ]


def _available_mails(address: str) -> list:
    """The person's mails since the outbox was cleared (after their rewards were granted)."""
    return [m for m in mail.outbox if m.to == [address]]


def test_three_rewards_settled_in_one_run_are_told_in_one_mail_with_their_sum(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    make_campaign(merchant, rules=_three_rewards_rules(), hold_days=0)
    sam = make_consumer("Sam")
    _verified_email(sam, "sam@example.com")
    for action_type in (ActionType.TIKTOK_LOGIN, ActionType.COMMENT, ActionType.LIKE):
        action_record(user=sam, merchant=merchant, action_type=action_type, now=NOW)
    assert sorted(Reward.objects.values_list("user_amount", flat=True)) == [
        Decimal("1.20"),
        Decimal("2.40"),
        Decimal("4.40"),
    ]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        rewards_settle_due(now=NOW + timedelta(hours=1))

    [sent] = _available_mails("sam@example.com")
    assert sent.subject == "[TikJoy] Your rewards are now available"
    assert sent.body.startswith(
        "3 rewards from Acme, €8.00 in total, are now available in your TikJoy wallet. "
        "Your available balance is €8.00; payouts to your bank start at €10.00."
    )
    assert "€4.40" not in sent.body


def test_rewards_settled_in_two_runs_the_same_day_are_each_told_with_that_runs_sum(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    make_campaign(merchant, rules=_three_rewards_rules(), hold_days=0)
    sam = make_consumer("Sam")
    _verified_email(sam, "sam@example.com")
    action_record(user=sam, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    action_record(user=sam, merchant=merchant, action_type=ActionType.COMMENT, now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rewards_settle_due(now=NOW + timedelta(hours=1))
    action_record(user=sam, merchant=merchant, action_type=ActionType.LIKE, now=NOW + timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        rewards_settle_due(now=NOW + timedelta(hours=3))

    first, second = (m.body for m in _available_mails("sam@example.com"))
    assert first.startswith("2 rewards from Acme, €3.60 in total, are now available")
    assert second.startswith("Your reward of €4.40 from Acme is now available")
    assert ConsumerNotice.objects.filter(kind=NoticeKind.REWARD_AVAILABLE).count() == 2


def test_a_run_of_one_brand_is_told_in_the_brands_language_and_of_two_brands_in_english(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    acme = make_merchant("acme", language="it")
    make_campaign(acme, rules=_three_rewards_rules(), hold_days=0)
    beta = make_merchant("beta", language="de")
    make_campaign(beta, rules=[login_rule(amount=Decimal("1.50"))], hold_days=0)
    sam = make_consumer("Sam")  # no saved language, no browser heard
    _verified_email(sam, "sam@example.com")
    action_record(user=sam, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    action_record(user=sam, merchant=acme, action_type=ActionType.LIKE, now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rewards_settle_due(now=NOW + timedelta(hours=1))
    action_record(user=sam, merchant=acme, action_type=ActionType.COMMENT, now=NOW + timedelta(hours=2))
    action_record(user=sam, merchant=beta, action_type=ActionType.TIKTOK_LOGIN, now=NOW + timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        rewards_settle_due(now=NOW + timedelta(hours=3))

    italian, english = _available_mails("sam@example.com")
    assert italian.subject == "[TikJoy] I tuoi premi sono ora disponibili"
    assert italian.body.startswith("2 premi da Acme, 5,60\xa0€ in tutto, sono ora disponibili")
    assert english.body.startswith("2 rewards from Acme and Beta, €3.60 in total, are now available")


def test_a_daily_limit_notice_sent_after_its_day_would_be_untrue_and_is_not_sent(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks, monkeypatch
):
    merchant, ana = _capped_campaign_and_ana(make_merchant, make_campaign, make_consumer)
    # the queue waited (or the demo seeded a past day): the worker sends it two days later
    monkeypatch.setattr(notices, "_clock", lambda: NOW + timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        like = action_record(user=ana, merchant=merchant, action_type=ActionType.LIKE, now=NOW)

    assert like.status == "INELIGIBLE"  # the limit was reached that day
    assert _notices("ana@example.com") == []  # "what you do today earns nothing more" two days later: no
    assert not ConsumerNotice.objects.exists()


def test_the_available_notice_says_the_balance_and_the_smallest_payout_never_that_a_payout_can_be_made(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    merchant = make_merchant()
    make_campaign(merchant, rules=_three_rewards_rules(), hold_days=0)
    ivy = make_consumer("Ivy")
    ivy.language = "de"
    ivy.save(update_fields=["language"])
    _verified_email(ivy, "ivy@example.com")
    action_record(user=ivy, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        rewards_settle_due(now=NOW + timedelta(hours=1))

    [sent] = _available_mails("ivy@example.com")
    assert sent.body.startswith(
        "Deine Prämie von 1,20\xa0€ von Acme ist jetzt in deinem TikJoy-Wallet verfügbar. "
        "Dein verfügbares Guthaben beträgt 1,20\xa0€; Auszahlungen auf dein Bankkonto sind ab 10,00\xa0€ möglich."
    )
    assert "auszahlen lassen" not in sent.body  # 1,20 € can't be paid out: it isn't promised
