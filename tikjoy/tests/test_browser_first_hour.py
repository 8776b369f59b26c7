"""Issue 13's journey, the first hour of a merchant and a consumer, in a real browser.

A new merchant signs up, follows the console's first-run checklist to a funded live campaign
(the bank transfer arrives as the bank would send it: recorded by ops); the brand page's QR code
is read off the screen like a phone camera would; a new consumer opens that address, signs in
with the sandbox TikTok and sees the login reward in their wallet. It runs at a phone's width
(390 px) and a desktop's (1280 px); screenshots of the console dashboard and the wallet are
kept as test artefacts (``test-artifacts/``, git-ignored, or ``$TIKJOY_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import zxingcpp
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from moneyed import Money
from PIL import Image
from playwright.sync_api import Page, expect

from accounts.services import user_ensure_with_email
from merchants.models import Merchant
from merchants.wallet import merchant_top_up_record
from tikjoy.tests.artefacts import ARTEFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"
PERSONA = "Ana Dances"


def _shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name), full_page=True)


def _no_sideways_scroll(page: Page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than a {width}px screen"


def _step(page: Page, key: str):
    return page.locator(f'[data-step="{key}"]')


def _follow_step(page: Page, key: str) -> None:
    """Click a checklist item's link, from the dashboard, as the merchant would."""
    page.goto("/console/")
    expect(_step(page, key)).to_have_attribute("data-done", "no")
    _step(page, key).get_by_role("link").click()
    page.wait_for_load_state()


def _sign_up_and_create_the_merchant(page: Page, slug: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(f"founder@{slug}.example")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    page.goto("/merchants/new/")
    page.get_by_label("Brand name").fill("Fizz Cola")
    page.get_by_label("Brand page address").fill(slug)
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Legal name").fill("Fizz Cola GmbH")
    page.get_by_label("VAT number").fill("DE136695976")
    page.get_by_label("Billing address").fill("Hauptstrasse 1\n10115 Berlin")
    page.get_by_label("Contact e-mail").fill(f"hello@{slug}.example")
    page.get_by_role("button", name="Create merchant").click()
    page.wait_for_url("**/console/")


def _the_bank_transfer_arrives(merchant: Merchant, reference_shown: str) -> None:
    """What ops do when the bank statement shows the merchant's transfer (tested in /ops/ elsewhere)."""
    ops, _ = user_ensure_with_email(email="ops@tikjoy.example", password=PASSWORD, is_staff=True)
    assert reference_shown == merchant.payment_reference
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("250.00"), "EUR"),
        bank_reference=f"BANK-{merchant.slug}",
        value_date=timezone.localdate(),
        actor=ops,
        now=timezone.now(),
    )


def _create_the_campaign(page: Page) -> None:
    today = timezone.localdate()
    page.get_by_label("Name:", exact=True).fill("Summer JoyBack")  # not "Name in other languages"
    page.locator("#id_starts_at_0").fill(today.isoformat())
    page.locator("#id_starts_at_1").fill("00:00:00")
    page.locator("#id_ends_at_0").fill(today.replace(year=today.year + 1).isoformat())
    page.locator("#id_ends_at_1").fill("00:00:00")
    page.get_by_label("Hashtag").fill("fizzsummer")
    login = page.locator(".inline-related").filter(
        has=page.locator('select option[selected][value="TIKTOK_LOGIN"]')
    )
    login.locator('input[name$="-is_enabled"]').check()
    login.locator('input[name$="-amount"]').fill("1.00")
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page)


def _saved(page: Page) -> None:
    if page.locator(".errornote").count():
        _shot(page, "first-hour-form-error.png")
        errors = page.locator(".errorlist").all_inner_texts()
        raise AssertionError(f"the form was refused: {errors}")


def _add_a_video(page: Page) -> None:
    page.get_by_role("textbox", name="Title:", exact=True).fill("Ice cold")  # not the other languages' group
    page.get_by_role("textbox", name="Caption:", exact=True).fill("Summer in a can")
    page.get_by_label("Hashtags").fill("fizzsummer")
    page.get_by_label("TikTok URL").fill("https://www.tiktok.com/@fizzcola/video/7300000000000000001")
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page)


def _go_live(page: Page) -> None:
    page.get_by_role("row").filter(has_text="Summer JoyBack").locator(
        'input[name="_selected_action"]'
    ).check()
    page.locator('select[name="action"]').select_option("activate")
    page.get_by_role("button", name=re.compile("Go|Run")).click()
    page.wait_for_load_state()


def _read_the_qr_code(page: Page) -> str:
    """Open the brand page's QR code and read it off the screen, as a phone's camera would."""
    svg = page.request.get("/console/brand-qr.svg")
    assert svg.ok and svg.headers["content-type"] == "image/svg+xml"
    page.set_content(f'<body style="margin:40px;background:#fff">{svg.text().split("?>", 1)[-1]}</body>')
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.screenshot())))
    assert len(found) == 1, "one QR code on the screen"
    return found[0].text


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_a_new_merchant_follows_the_checklist_and_a_new_consumer_joins_from_the_qr_code(
    page, chromium, sandbox, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    slug = f"fizz-{width}"
    _sign_up_and_create_the_merchant(page, slug)
    merchant = Merchant.objects.get(slug=slug)

    # The checklist greets a new merchant with nothing done.
    expect(page.locator(".console-checklist h3")).to_have_text("Get started: 0 of 5 done")
    _no_sideways_scroll(page, width)

    # 1. Fund the wallet: the page gives the reference to put on the bank transfer.
    _follow_step(page, "fund")
    expect(page.get_by_text(merchant.payment_reference).first).to_be_visible()
    _the_bank_transfer_arrives(merchant, merchant.payment_reference)

    # 2. Create a campaign: 1.00 for a TikTok login.
    _follow_step(page, "campaign")
    _create_the_campaign(page)

    # 3. Add a video people can share.
    _follow_step(page, "videos")
    _add_a_video(page)

    # 4. Put the campaign live from the campaign list.
    _follow_step(page, "live")
    _go_live(page)
    expect(page.get_by_text(re.compile("live", re.I)).first).to_be_visible()

    page.goto("/console/")
    for done in ("fund", "campaign", "videos", "live"):
        expect(_step(page, done)).to_have_attribute("data-done", "yes")
    expect(page.locator(".console-checklist h3")).to_have_text("Get started: 4 of 5 done")
    _no_sideways_scroll(page, width)
    _shot(page, f"first-hour-console-dashboard-{width}.png")

    # 5. The poster's QR code leads to the brand page.
    address = _read_the_qr_code(page)
    assert address == f"{settings.SITE_URL}/b/{slug}/"

    # A new consumer scans it, on their own phone: the brand page says what they earn.
    consumer = chromium.new_context(base_url=sandbox.url, viewport={"width": width, "height": height})
    consumer.set_default_timeout(15_000)
    phone = consumer.new_page()
    phone.goto(address)
    expect(phone.get_by_role("heading", name="Fizz Cola").first).to_be_visible()
    _no_sideways_scroll(phone, width)
    phone.get_by_role("button", name="Continue with TikTok").click()
    phone.get_by_role("button", name=f"Authorize as {PERSONA}").click()
    phone.wait_for_url(f"**/b/{slug}/join/")
    phone.get_by_role("button", name="Agree and continue").click()

    # The reward is in the wallet at once, pending: the consumer's share of 1.00.
    phone.wait_for_url("**/wallet/")
    expect(phone.get_by_text("You joined Fizz Cola.")).to_be_visible()
    pending = phone.locator('[data-figure="pending-EUR"]').inner_text()
    assert Decimal(re.sub(r"[^\d.]", "", pending)) > 0, pending
    expect(phone.get_by_text("Log in with TikTok").first).to_be_visible()
    _no_sideways_scroll(phone, width)
    _shot(phone, f"first-hour-wallet-{width}.png")
    consumer.close()

    # Back in the console, the merchant sees the first consumer.
    page.goto("/console/")
    expect(page.locator('[data-total="consumers"]')).to_have_text("1")

    call_command("ledger_check")
    call_command("rewards_check")
