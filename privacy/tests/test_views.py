"""/me/delete/: the page states what happens to the money; only a confirmed, current plan deletes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import User
from campaigns.models import ActionType
from core.i18n import moment_text
from payouts.tests.conftest import add_bank_account, fund, verify_identity
from privacy.selectors import deletion_plan_get
from rewards.services import action_record, rewards_settle_due
from subscriptions.models import Plan, Subscription
from subscriptions.services import subscription_start
from tikjoy.tests.factories import NOW, login_rule, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoe(make_merchant, make_campaign, ops):
    merchant = make_merchant("alpha", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW - timedelta(days=20))
    zoe = User.objects.create_user(email="zoe@consumer.example", display_name="Zoe")
    action_record(
        user=zoe, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW - timedelta(days=20)
    )
    rewards_settle_due(now=NOW)
    return zoe


def test_the_page_says_the_balance_is_forfeited_and_why(client, zoe):
    client.force_login(zoe)

    page = " ".join(client.get(reverse("privacy:delete")).content.decode().split())

    assert "0.40</strong> is <strong>forfeited</strong>" in page
    assert "it can't be paid out because it is below the smallest payout" in page
    # No payout can take 0.40 €: the page doesn't tell the person to request one.
    assert "request a payout" not in page
    german = " ".join(
        client.get(reverse("privacy:delete"), HTTP_ACCEPT_LANGUAGE="de").content.decode().split()
    )
    assert "weil es unter der kleinsten Auszahlung (10,00 €) liegt." in german
    assert "Auszahlung in deinem" not in german


def test_a_forfeit_the_person_can_avoid_says_how(client, zoe):
    fund(zoe, "20.00")  # above the smallest payout, but no identity for payouts yet
    client.force_login(zoe)

    page = " ".join(client.get(reverse("privacy:delete")).content.decode().split())

    assert "because we don&#x27;t have your identity for payouts. If you want it, request a payout" in page


def test_the_me_page_links_to_the_deletion(client, zoe):
    client.force_login(zoe)

    assert reverse("privacy:delete") in client.get(reverse("social:me")).content.decode()


def test_without_the_tick_nothing_is_deleted(client, zoe):
    client.force_login(zoe)
    page = client.get(reverse("privacy:delete"))

    response = client.post(
        reverse("privacy:delete"), {"confirmed": page.context["form"].initial["confirmed"]}
    )

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    zoe.refresh_from_db()
    assert zoe.deleted_at is None


def test_a_stale_page_is_refused_and_shows_the_money_as_it_is_now(client, zoe):
    client.force_login(zoe)

    response = client.post(reverse("privacy:delete"), {"confirmed": "stale", "understood": "on"})

    assert response.status_code == 400
    assert "Your money changed since you opened this page" in response.content.decode()
    zoe.refresh_from_db()
    assert zoe.deleted_at is None


def test_confirming_deletes_the_account_and_signs_out(client, zoe):
    client.force_login(zoe)
    page = client.get(reverse("privacy:delete"))

    response = client.post(
        reverse("privacy:delete"),
        {"confirmed": page.context["form"].initial["confirmed"], "understood": "on"},
        follow=True,
    )

    assert "Your account is deleted." in response.content.decode()
    assert not response.context["user"].is_authenticated
    zoe.refresh_from_db()
    assert zoe.deleted_at is not None and zoe.email is None
    assert client.get(reverse("privacy:delete")).status_code == 302  # signed out: to the sign-in page


def test_after_deleting_the_account_the_site_stays_in_the_persons_language(client, zoe):
    zoe.language = "fr"
    zoe.save(update_fields=["language"])
    client.force_login(zoe)
    page = client.get(reverse("privacy:delete"))

    response = client.post(
        reverse("privacy:delete"),
        {"confirmed": page.context["form"].initial["confirmed"], "understood": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert response["Content-Language"] == "fr" and "Votre compte est supprimé" in response.content.decode()


def test_a_team_member_is_told_to_leave_the_team_first(client, make_merchant):
    owner = owner_of(make_merchant("alpha"))
    client.force_login(owner)

    page = client.get(reverse("privacy:delete")).content.decode()

    assert "You are on the team of Alpha." in page
    assert "delete-form" not in page


def test_a_forfeit_during_the_bank_hold_says_to_wait_until_it_ends(client, zoe, ops):
    fund(zoe, "20.00")
    verify_identity(zoe, ops)
    zoe.time_zone = "Europe/Berlin"
    zoe.language = "de"
    zoe.save(update_fields=["time_zone", "language"])
    account = add_bank_account(zoe, now=timezone.now())  # a 48-hour safety hold from now
    client.force_login(zoe)

    page = " ".join(client.get(reverse("privacy:delete")).content.decode().split())

    with translation.override("de"), timezone.override("Europe/Berlin"):
        when = moment_text(account.payouts_hold_until, "SHORT_DATETIME_FORMAT")
    assert f"warte bis {when} und fordere dann vor dem Löschen deines Kontos eine Auszahlung" in page
    assert "fordere vor dem Löschen deines Kontos eine Auszahlung" not in page


def test_the_page_says_which_plans_end_and_that_the_month_paid_is_not_refunded(client, zoe):
    fund(zoe, "20.00")
    subscription = subscription_start(
        user=zoe, plan_id=Plan.objects.get(code="joyplus").pk, terms_accepted=True, now=NOW
    )
    client.force_login(zoe)

    response = client.get(reverse("privacy:delete"))

    page = " ".join(response.content.decode().split())
    until = date_format(timezone.localtime(subscription.period_end), "DATE_FORMAT")
    assert (
        f"Your JoyPlus subscription ends at once. The month you paid (until {until}) is not refunded." in page
    )
    # A plan that ends (or starts) after the page was read is a change to confirm again.
    confirmed = response.context["form"].initial["confirmed"]
    Subscription.objects.filter(pk=subscription.pk).update(
        status="ENDED", ended_at=NOW, end_reason="CANCELLED"
    )
    assert deletion_plan_get(user=zoe, now=timezone.now()).fingerprint != confirmed


def test_after_the_deletion_the_person_is_told_their_payout_goes_to_their_bank(client, zoe, ops):
    fund(zoe, "20.00")
    verify_identity(zoe, ops)
    add_bank_account(zoe, now=timezone.now() - timedelta(days=3))  # past its 48-hour safety hold
    zoe.language = "de"
    zoe.save(update_fields=["language"])
    client.force_login(zoe)
    page = client.get(reverse("privacy:delete"))
    assert "wird vorher auf" in " ".join(page.content.decode().split())  # the plan: paid out first

    response = client.post(
        reverse("privacy:delete"),
        {"confirmed": page.context["form"].initial["confirmed"], "understood": "on"},
        follow=True,
    )

    # No account and no e-mail address are left to tell them later: the last page says it.
    shown = " ".join(response.content.decode().split())
    assert "Dein Konto ist gelöscht." in shown
    assert "Deine Auszahlung von 20,40 € geht wie gewohnt an deine Bank." in shown


def test_the_page_says_the_persons_messages_are_erased_and_tikjoys_answers_kept(client, zoe):
    zoe.language = "fr"
    zoe.save(update_fields=["language"])
    client.force_login(zoe)

    page = re.sub(r"[ \n]+", " ", client.get(reverse("privacy:delete")).content.decode())  # keeps the NBSP

    # The deletion erases the WhatsApp texts and the person's support words (support and chats'
    # erase services); the page named neither.
    assert (
        "Vos conversations WhatsApp avec les marques et ce que vous avez écrit au support TikJoy sont aussi"
        " effacés\u00a0; TikJoy conserve ses propres réponses comme trace." in page
    )
