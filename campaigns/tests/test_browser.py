import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from campaigns.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_the_rule_editor_recomputes_the_example_as_the_merchant_types(page, merchant, owner, make_campaign):
    campaign = make_campaign(merchant)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, owner.email)

    page.goto(reverse("console:campaigns_campaign_change", args=[campaign.pk]))
    share = page.locator(".inline-related").filter(
        has=page.locator('select option[selected][value="SHARE_VIDEO"]')
    )
    quote = share.locator("output.rule-quote")
    expect(quote).to_contain_text(re.compile(r"you pay €\s?8\.15"))
    share.locator('input[name$="-per_1000_views"]').fill("0.50")

    # 2.00 + (10 x 0.50 + 3.00 + 0.40 + 0.25) = 10.65; the user gets 1.60 + 6.92
    expect(quote).to_contain_text(re.compile(r"you pay €\s?10\.65, the user gets €\s?8\.52"))
    assert not [e for e in errors if "Content Security Policy" in e]


def test_every_field_of_the_campaign_form_keeps_to_its_card_on_a_phone(page, merchant, owner, make_campaign):
    """Django sizes a form row to the screen less 30 px; the console's cards are narrower, so at 390 px
    the rules' inputs and their help text ran past the card's edge, cut off (a newcomer's finding)."""
    campaign = make_campaign(merchant)
    sign_in(page, owner.email)
    page.set_viewport_size({"width": 390, "height": 844})

    for url in (
        reverse("console:campaigns_campaign_change", args=[campaign.pk]),
        reverse("console:campaigns_campaign_add"),
    ):
        page.goto(url)
        past = page.evaluate(
            """() => [...document.querySelectorAll('#content-main .form-row *')].filter(e => {
                 const r = e.getBoundingClientRect();
                 const card = e.closest('fieldset, .inline-related').getBoundingClientRect();
                 return r.width > 0 && r.right > card.right + 1;
               }).map(e => `${e.tagName} ${e.getAttribute('name') || e.className}`)"""
        )
        assert past == [], (url, past)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        per_like = page.locator('input[name$="-per_like"]').first
        assert per_like.is_visible() and per_like.bounding_box()["width"] >= 150, url


def test_a_consumer_copies_a_videos_caption_on_the_brand_page(page, merchant, owner):
    from campaigns import services

    services.video_add(
        merchant=merchant,
        actor=owner,
        title="Beach",
        caption="Sun!",
        hashtags="#acmesummer",
        tiktok_url="https://www.tiktok.com/@acme/video/1",
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    page.goto(f"/b/{merchant.slug}/")
    page.get_by_role("button", name="Copy caption").click()

    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "Sun! #acmesummer"


def test_a_brand_name_of_one_long_word_wraps_on_its_page_and_in_the_console(
    page, merchant, owner, make_campaign
):
    """QA: "Kaffeespezialitätenrösterei" made the brand page 458 px wide at 390 (the heading and the
    join card cut off) and a longer name the console 737 px."""
    merchant.brand_name = "Kaffeespezialitätenröstereiundkonditoreimanufaktur"
    merchant.save(update_fields=["brand_name"])
    make_campaign(merchant)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/b/{merchant.slug}/")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
             .map(e => `${e.tagName}.${e.className}`)"""
    )
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    sign_in(page, owner.email)
    page.goto(reverse("console:index"))
    header = page.evaluate(
        """() => [...document.querySelectorAll('#header *')].filter(e => e.getBoundingClientRect().right > 391
             && !e.closest('.console-nav')).map(e => `${e.tagName}.${e.className}`)"""
    )
    assert header == []  # the name wraps in the header (it made the whole console 737 px wide)
    expect(page.locator(".console-brand")).to_have_text(merchant.brand_name)
