import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from merchants.models import Invitation, Merchant
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import PASSWORD, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_founder_signs_up_creates_a_merchant_invites_a_manager_and_sees_the_dashboard(page):
    # Sign up and confirm the e-mail address.
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("founder@fizz.example")
    page.get_by_label("Password:", exact=True).fill("a-long-pass-phrase-42")
    page.get_by_label("Password (again)").fill("a-long-pass-phrase-42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    page.goto(_link(mail.outbox[-1]))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    # Create the merchant.
    page.goto("/merchants/new/")
    page.get_by_label("Brand name").fill("Fizz Cola")
    page.get_by_label("Brand page address").fill("fizz-cola")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Legal name").fill("Fizz Cola GmbH")
    page.get_by_label("VAT number").fill("DE136695976")
    page.get_by_label("Billing address").fill("Hauptstrasse 1\n10115 Berlin")
    page.get_by_label("Contact e-mail").fill("hello@fizz.example")
    page.get_by_role("button", name="Create merchant").click()
    page.wait_for_url("**/console/")
    expect(page.get_by_text("Fizz Cola is ready")).to_be_visible()

    # Invite a manager.
    page.goto("/console/merchants/invitation/add/")
    page.get_by_label("E-mail").fill("max@agency.example")
    page.get_by_label("Role").select_option("MANAGER")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("We e-mailed an invitation link to max@agency.example")).to_be_visible()
    assert Invitation.objects.get().email == "max@agency.example"
    assert any(message.to == ["max@agency.example"] for message in mail.outbox)

    # The dashboard.
    page.goto("/console/")
    expect(page.get_by_role("heading", name="Fizz Cola", exact=True)).to_be_visible()
    expect(page.get_by_text("You are Owner")).to_be_visible()
    expect(page.locator('[data-figure="balance"]').first).to_have_text(re.compile(r"€0\.00"))
    expect(page.locator('[data-figure="campaigns"]')).to_have_text("0")
    assert Merchant.objects.get().slug == "fizz-cola"


def _owner_on_a_phone(page, merchant, language: str) -> None:
    """The merchant's owner signed in, at 390 px, reading ``language``."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner_of(merchant).email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_extra_http_headers({"Accept-Language": language})


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_dashboards_list_of_all_pages_keeps_to_a_phones_width(page, make_merchant, language):
    """A newcomer's finding: at 390 px the dashboard's list of all pages was wider than the screen
    (its hidden column headers, kept on one line, reached 405 px in English and 622 in German)."""
    _owner_on_a_phone(page, make_merchant("acme", funds="100.00"), language)

    page.goto("/console/")

    past = page.evaluate(
        """() => [...document.querySelectorAll('.console-all-pages *')]
             .filter(e => e.getBoundingClientRect().right > 391)
             .map(e => `${e.tagName} ${e.textContent.trim().slice(0, 30)} ${Math.round(e.getBoundingClientRect().right)}`)"""
    )
    assert past == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_phone_keeps_the_consoles_log_out_and_help_links(page, make_merchant, language):
    """A newcomer's finding: below 768 px the console hid its user links, so a merchant on a phone
    could neither log out nor reach Help or support from any console page."""
    _owner_on_a_phone(page, make_merchant("acme", funds="100.00"), language)

    page.goto("/console/campaigns/campaign/")

    log_out, help_ = {"en": ("Log out", "Help"), "fr": ("Déconnexion", "Aide")}[language]
    tools = page.locator("#user-tools")
    expect(tools.get_by_role("button", name=log_out)).to_be_visible()
    expect(tools.get_by_role("link", name=help_, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("width", [390, 1280])
def test_the_consoles_log_out_reads_like_the_links_beside_it(page, make_merchant, width):
    """Walk finding: "Log out" (a button, in a form) was lighter than Help, Contact support and the
    other links beside it, so it looked disabled."""
    _owner_on_a_phone(page, make_merchant("acme", funds="100.00"), "en")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/console/")

    style = "e => { const s = getComputedStyle(e); return [s.color, s.fontWeight, s.fontSize]; }"
    link = page.locator("#user-tools a").first.evaluate(style)
    log_out = page.locator("#logout-form button").evaluate(style)
    assert log_out == link


def test_a_member_abroad_reads_the_brands_time_zone_not_djangos_server_time(
    chromium, live_server, make_merchant
):
    """Walk finding: a member whose browser is in New York read Django's "Note: You are 6 hours behind
    server time." under a campaign's start, beside the console's own "Times in your brand's time zone:
    Berlin". The brand's zone is the one named; "Now" gives the time there."""
    merchant = make_merchant("acme", funds="100.00")
    Merchant.objects.filter(pk=merchant.pk).update(time_zone="Europe/Berlin")
    context = chromium.new_context(base_url=live_server.url, timezone_id="America/New_York")
    sign_in(context, owner_of(merchant), live_server.url)
    page = context.new_page()
    try:
        page.goto("/console/campaigns/campaign/add/")

        starts = page.locator(".field-starts_at")
        expect(starts.get_by_text("Times in your brand's time zone: Berlin")).to_be_visible()
        expect(starts.get_by_text("server time")).to_be_hidden()
        starts.get_by_role("link", name="Now").click()
        typed = starts.locator("input[name='starts_at_1']").input_value()
        berlin = timezone.now().astimezone(ZoneInfo("Europe/Berlin"))
        assert typed[:2] == f"{berlin:%H}" or berlin.minute == 59  # the hour can turn meanwhile
    finally:
        context.close()
