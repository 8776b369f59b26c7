"""Issue #7's journey through the sandbox, as a consumer sees it (Playwright).

Sign in with TikTok on a brand page -> login reward pending -> post a video with the
campaign's hashtag in the sandbox studio -> the share and its engagement are rewarded,
and the engagement grows -> after the hold (clock advanced by ``rewards_settle
--advance-days``) it is all available. The engine runs for real: the same tasks the
worker runs on its schedules, talking to the sandbox TikTok over HTTP.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from moneyed import Money
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.services import user_ensure_with_email
from campaigns import services as campaign_services
from campaigns.models import ActionType
from merchants.services import merchant_create
from merchants.wallet import merchant_top_up_record
from rewards.models import Reward, RewardKind, RewardStatus
from rewards.tasks import shares_discover_for_user, snapshots_process_latest
from social.services import engagement_sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONA = "Ana Dances"  # a sandbox persona with ~1,240 followers (not a creator, not a new account)


@pytest.fixture
def joy_coffee(db):
    """Joy Coffee with 100 EUR of funds and a live campaign: 1.00 for the TikTok login, 2.00 for a
    share carrying #joycoffeemoments plus its engagement; default plan (the user gets 80 %)."""
    now = timezone.now()
    owner, _ = user_ensure_with_email(email="owner@joycoffee.example", password="a-long-pass-phrase-42")
    ops, _ = user_ensure_with_email(
        email="ops@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True
    )
    merchant = merchant_create(
        actor=owner,
        brand_name="Joy Coffee",
        slug="joycoffee",
        country="DE",
        legal_name="Joy Coffee GmbH",
        billing_address="Hauptstrasse 1, 10115 Berlin",
        contact_email="hello@joycoffee.example",
    )
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("100.00"), "EUR"),
        bank_reference="BANK-JOY-1",
        value_date=timezone.localdate(now),
        actor=ops,
        now=now,
    )
    campaign = campaign_services.campaign_create(
        merchant=merchant,
        actor=owner,
        values={
            "name": "Morning JoyBack",
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=60),
            "hashtag": "joycoffeemoments",
            "mention": "",
            "hold_days": 14,
        },
        rules=[
            {"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("1.00")},
            {
                "action": ActionType.SHARE_VIDEO,
                "is_enabled": True,
                "amount": Decimal("2.00"),
                "per_1000_views": Decimal("0.25"),
                "per_like": Decimal("0.01"),
                "per_comment": Decimal("0.02"),
                "per_share": Decimal("0.05"),
                "max_per_post": Decimal("10.00"),
            },
        ],
    )
    return campaign_services.campaign_activate(campaign=campaign, actor=owner, now=now)


# --- reading the wallet as a person reads it ------------------------------------------------


def amount(text: str) -> Decimal:
    """An amount as the page prints it ("€ 1.60", with a no-break space) as a Decimal."""
    digits = re.sub(r"[^\d.]", "", text)
    assert digits, f"no amount in {text!r}"
    return Decimal(digits)


def figure(page: Page, name: str) -> Decimal:
    return amount(page.locator(f'[data-figure="{name}"]').inner_text())


def history(page: Page) -> list[tuple[str, Decimal, str]]:
    """Every history line: (what it was for, amount, status as shown), newest first."""
    lines = []
    for item in page.locator(".wallet-history__item").all():
        lines.append(
            (
                item.locator(".wallet-history__what span").inner_text(),
                amount(item.locator(".wallet-history__amount").inner_text()),
                item.locator(".badge").inner_text(),
            )
        )
    return lines


def engagement_total(page: Page) -> Decimal:
    return sum(
        (a for what, a, _ in history(page) if what == "Engagement on your shared post"), Decimal("0.00")
    )


def fast_forward_an_hour(studio: Page, caption: str) -> None:
    studio.goto("/sandbox/tiktok/studio/")
    studio.get_by_role("row").filter(has_text=caption).get_by_role("button", name="+1 hour").click()
    studio.wait_for_url("**/sandbox/tiktok/studio/")


def sync_engagement_and_pay() -> None:
    """What the worker does every 30 and 10 minutes: snapshot the posts' counts, pay what they earn."""
    engagement_sync(now=timezone.now())
    snapshots_process_latest()


# --- the journey ----------------------------------------------------------------------------


def test_a_consumer_joins_shares_sees_engagement_grow_and_then_available(page, sandbox, joy_coffee):
    # Sign in with TikTok on the brand page, as a sandbox persona, and agree to share.
    page.goto("/b/joycoffee/")
    share_offer = page.locator('.offer[data-action="SHARE_VIDEO"]')
    hashtag = share_offer.locator("strong").inner_text()
    assert hashtag == "#joycoffeemoments"
    page.get_by_role("button", name="Continue with TikTok").click()
    page.get_by_role("button", name=f"Authorize as {PERSONA}").click()
    page.wait_for_url("**/b/joycoffee/join/")
    page.get_by_role("button", name="Agree and continue").click()

    # The login reward is in the wallet at once, pending: the person's 80 % of 1.00.
    page.wait_for_url("**/wallet/")
    expect(page.get_by_text("You joined Joy Coffee.")).to_be_visible()
    assert page.get_by_test_id("wallet-name").inner_text() == PERSONA
    assert figure(page, "pending-EUR") == Decimal("0.80")
    assert figure(page, "available-EUR") == Decimal("0.00")
    assert history(page) == [("Log in with TikTok", Decimal("0.80"), "Pending")]
    user = User.objects.get(display_name=PERSONA)

    # Share: post a video with the campaign's hashtag as the persona, in the sandbox studio.
    # TikTok gives a video's create_time in whole seconds and only posts made after the join
    # count: let the second of the join pass first.
    time.sleep(1.1)
    caption = f"Flat white before work at Joy Coffee {hashtag}"
    studio = page.context.new_page()
    studio.goto("/sandbox/tiktok/studio/")
    studio.get_by_label("Persona").select_option(label="sandbox @ana.dances")
    studio.get_by_label("Caption").fill(caption)
    studio.get_by_role("button", name="Post video").click()
    expect(studio.get_by_role("row").filter(has_text=caption)).to_be_visible()

    # The worker's share discovery recognises the post and pays the share (80 % of 2.00).
    assert shares_discover_for_user(user.pk) == 1
    page.reload()
    assert history(page) == [
        ("Share a video on TikTok", Decimal("1.60"), "Pending"),
        ("Log in with TikTok", Decimal("0.80"), "Pending"),
    ]
    assert figure(page, "pending-EUR") == Decimal("2.40")

    # An hour of views, likes, comments and shares later, the engagement sync pays for them.
    fast_forward_an_hour(studio, caption)
    sync_engagement_and_pay()
    page.reload()
    first_engagement = engagement_total(page)
    assert first_engagement > 0
    assert [line[0] for line in history(page)] == [
        "Engagement on your shared post",
        "Share a video on TikTok",
        "Log in with TikTok",
    ]
    pending_before = figure(page, "pending-EUR")
    assert pending_before == Decimal("2.40") + first_engagement

    # Another hour: the post has earned more, and the wallet shows the difference paid on top.
    fast_forward_an_hour(studio, caption)
    sync_engagement_and_pay()
    page.reload()
    assert engagement_total(page) > first_engagement
    assert figure(page, "pending-EUR") > pending_before
    assert all(status == "Pending" for _, _, status in history(page))
    earned = figure(page, "pending-EUR")
    assert earned == sum((a for _, a, _ in history(page)), Decimal("0.00"))

    # After the 14-day hold (the clock advanced for the demo), everything becomes available.
    call_command("rewards_settle", advance_days=15)
    page.reload()
    lines = history(page)
    assert len(lines) == 4 and all(status == "Available" for _, _, status in lines)
    assert figure(page, "pending-EUR") == Decimal("0.00")
    assert figure(page, "available-EUR") == earned == sum((a for _, a, _ in lines), Decimal("0.00"))
    expect(page.get_by_text("No pending rewards.")).to_be_visible()

    # The page tells the truth: the engine's records agree with what the person saw.
    rewards = Reward.objects.filter(user=user)
    assert {r.status for r in rewards} == {RewardStatus.CONFIRMED}
    assert sum(r.user_amount for r in rewards) == earned
    assert rewards.filter(kind=RewardKind.ENGAGEMENT).count() == 2
