"""In a real browser (Playwright, Debian's chromium): a consumer searches Help, asks about one of their
rewards from the wallet, ops answer in /ops/, and the consumer reads the answer. Phone and desktop
screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import ActionType
from rewards.models import Reward
from rewards.services import action_record
from support.models import RequestStatus, SupportRequest
from support.services import Context, support_request_create
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(context, user, *, url: str) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])


def test_a_consumer_asks_about_a_reward_and_reads_ops_answer(
    page, chromium, live_server, make_merchant, make_campaign, make_consumer, ops
):
    coffee = make_merchant("joycoffee", funds="50.00", brand_name="Joy Coffee")
    ops.refresh_from_db()
    ops.is_superuser = True  # after the merchant's top-up, which ops recorded
    ops.save(update_fields=["is_superuser"])
    make_campaign(coffee, now=timezone.now())
    ana = make_consumer("Ana Dances")
    action_record(user=ana, merchant=coffee, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
    reward = Reward.objects.get(user=ana)
    _sign_in(page.context, ana, url=live_server.url)

    # Help: the search box filters as she types (and on the server without JavaScript).
    page.goto(live_server.url + "/wallet/")
    page.get_by_role("link", name="Help", exact=True).click()
    expect(page.get_by_role("heading", name="Help for people who earn JoyBack")).to_be_visible()
    page.get_by_label("Search the help").fill("pending")
    expect(
        page.get_by_role("heading", name="Why is my reward pending, and when does it become available?")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="How do I get my money to my bank?")).to_be_hidden()
    page.get_by_role("button", name="Search").click()
    expect(
        page.get_by_text("answers for “pending”").or_(page.get_by_text("answer for “pending”"))
    ).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "support-help-412.png"), full_page=True)

    # From the reward in her wallet's history to the form, the reward already chosen.
    page.goto(live_server.url + "/wallet/")
    page.get_by_test_id("ask-about-reward").first.click()
    expect(page.get_by_label("Which reward?")).to_have_value(str(reward.pk))
    page.get_by_label("Subject").fill("My Joy Coffee reward is still pending")
    page.get_by_label("Your message").fill("When will it be available?")
    page.screenshot(path=str(ARTEFACTS / "support-request-form-412.png"), full_page=True)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("we received your request")).to_be_visible()
    support_request = SupportRequest.objects.get()
    assert (support_request.user, support_request.reward, support_request.page) == (ana, reward, "/wallet/")

    # Ops answer in /ops/ on a desktop screen.
    desk = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ops_page = desk.new_page()
    ops_page.goto("/ops/login/?next=/ops/support/supportrequest/")
    ops_page.locator("#id_username").fill(ops.email)
    ops_page.locator("#id_password").fill(PASSWORD)
    ops_page.get_by_role("button", name="Log in").click()
    expect(ops_page.get_by_text("none yet: waiting")).to_be_visible()
    ops_page.get_by_role("link", name="My Joy Coffee reward is still pending").click()
    expect(ops_page.get_by_text("When will it be available?")).to_be_visible()
    expect(ops_page.get_by_role("link", name="Open the reward")).to_be_visible()
    ops_page.get_by_role("textbox", name="Answer").fill("It becomes available when its 14-day hold ends.")
    ops_page.locator("#id_assigned_to").select_option(str(ops.pk))
    ops_page.screenshot(path=str(ARTEFACTS / "support-ops-answer-1280.png"), full_page=True)
    ops_page.get_by_role("button", name="Save", exact=True).click()
    expect(ops_page.get_by_text(f"Support request #{support_request.pk} saved.")).to_be_visible()
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.WAITING
    assert support_request.first_response_at is not None
    ops_page.screenshot(path=str(ARTEFACTS / "support-ops-list-1280.png"), full_page=True)

    # The same desk in German: the sidebar's names, the ticket's title and the person's language.
    ops.language = "de"
    ops.save(update_fields=["language"])
    ops_page.goto("/ops/")
    expect(ops_page.get_by_text("Sperrereignisse (Sperren und Aufhebungen)")).to_be_visible()
    expect(ops_page.get_by_text("Ban events")).to_have_count(0)
    ops_page.screenshot(path=str(ARTEFACTS / "support-ops-index-de-1280.png"), full_page=True)
    ops_page.goto(f"/ops/support/supportrequest/{support_request.pk}/change/")
    expect(ops_page.get_by_text("Sprache der Anfrage")).to_be_visible()
    expect(ops_page.get_by_text("Support request #")).to_have_count(0)
    ops_page.screenshot(path=str(ARTEFACTS / "support-ops-ticket-de-1280.png"), full_page=True)
    desk.close()

    # Ana reads the answer on her request's page.
    page.goto(live_server.url + "/support/requests/")
    page.get_by_role("link", name="My Joy Coffee reward is still pending").click()
    expect(page.get_by_text("It becomes available when its 14-day hold ends.")).to_be_visible()
    expect(page.get_by_test_id("request-status")).to_have_text("Answered: waiting for you")
    page.screenshot(path=str(ARTEFACTS / "support-answer-412.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTEFACTS / "support-answer-1280.png"), full_page=True)


def test_a_subject_typed_as_one_long_word_does_not_widen_the_phone_page(page, live_server, make_consumer):
    ana = make_consumer("Ana")
    request = support_request_create(
        user=ana,
        email="",
        topic="OTHER",
        subject="a" * 150,
        body="b" * 600,
        context=Context(),
        submission_key="long-word",
        language="en",
        now=timezone.now(),
    )
    _sign_in(page.context, ana, url=live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/support/requests/{request.pk}/")
    page.screenshot(path=str(ARTEFACTS / "support-long-subject-390.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
