"""The order form's country list as the merchant sees it (Playwright): it offers the chosen kind's
countries by name, a country chosen for another kind is cleared, and the country and ages are hidden
and set back while the audience is automatic."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import Video
from promote.models import Goal, KindGoal
from tikjoy.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_country_list_follows_the_kind(page: Page, make_merchant):
    merchant = make_merchant("joycoffee", funds="100.00")
    owner = merchant.memberships.get().user
    Video.objects.create(
        merchant=merchant, slot=1, title="Latte art", tiktok_url="https://www.tiktok.com/@joy/video/1"
    )

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.goto("/console/promote/new/")
    country = page.get_by_label("Country")
    automatic = page.get_by_label("Automatic audience")
    expect(automatic).to_be_checked()  # the default: no country and no ages to choose
    expect(country).to_be_hidden()
    automatic.uncheck()
    offered = country.locator("option:not([hidden])")

    expect(offered).to_have_count(21)  # "Choose a country" and Video's twenty
    country.select_option(label="Germany")
    page.get_by_label("Kind").select_option(label="Video with a product anchor")

    expect(offered).to_have_text(["Choose a country", "Indonesia", "United Kingdom", "United States"])
    expect(country).to_have_value("")  # Germany isn't offered for it: not kept chosen

    country.select_option(label="United Kingdom")
    page.get_by_label("Ages from").fill("25")
    automatic.check()  # hidden again and set back: nothing chosen is sent with an automatic audience
    expect(country).to_be_hidden()
    automatic.uncheck()
    expect(country).to_have_value("")
    expect(page.get_by_label("Ages from")).to_have_value("18")

    # The goal follows the kind too: only the kind's goals, the chosen one moved to the kind's first.
    goal = page.get_by_label("Goal")
    for kind in ("VIDEO_ANCHOR", "VIDEO"):
        page.get_by_label("Kind").select_option(kind)
        offered_goals = [
            str(Goal(g).label)
            for g in KindGoal.objects.filter(kind=kind).order_by("pk").values_list("goal", flat=True)
        ]
        expect(goal.locator("option:not([hidden])")).to_have_text(sorted(offered_goals, key=_goal_order))
        assert goal.input_value() in KindGoal.objects.filter(kind=kind).values_list("goal", flat=True)
    expect(goal.locator("option", has_text="More live viewers")).to_be_hidden()


def _goal_order(label: str) -> int:
    """The goals in the form's order (Goal's)."""
    return [str(choice_label) for _value, choice_label in Goal.choices].index(label)
