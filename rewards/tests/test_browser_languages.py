"""The consumer's pages in German (long words) and Italian on a phone (390 px), in a real browser:
the brand page, the join consent, the wallet, and a campaign's name in the visitor's language.
Nothing may be wider than the phone. Screenshots are kept in ``test-artifacts/`` to look at."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import ActionType
from campaigns.services import campaign_texts_save
from rewards.services import action_record
from rewards.tests.conftest import login_rule, share_rule
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in
from tikjoy.tests.factories import owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name), full_page=True)


@pytest.mark.parametrize(
    ("language", "campaign_name", "earn", "join"),
    [
        ("de", "Frühlings-Cashback-Aktionswochenende", "Was du verdienen kannst", "Mit einem Tipp beitreten"),
        ("it", "Primavera JoyBack", "Quanto puoi guadagnare", "Unisciti con un tocco"),
    ],
)
def test_the_brand_page_and_the_wallet_on_a_phone_in_the_visitors_language(
    page, live_server, make_merchant, make_campaign, make_consumer, language, campaign_name, earn, join
):
    now = timezone.now()
    merchant = make_merchant("joycoffee", funds="100.00", brand_name="Joy Coffee Rösterei")
    campaign = make_campaign(
        merchant, rules=[login_rule(amount=Decimal("0.60")), share_rule(max_per_post=Decimal("5.00"))]
    )
    campaign_texts_save(campaign=campaign, actor=owner_of(merchant), texts={language: campaign_name})
    page.set_viewport_size(PHONE)
    page.set_extra_http_headers({"Accept-Language": language})

    page.goto(live_server.url + "/b/joycoffee/")

    expect(page.get_by_role("heading", name=earn)).to_be_visible()
    expect(page.get_by_role("heading", name=join)).to_be_visible()
    expect(page.get_by_role("heading", name=campaign_name)).to_be_visible()
    expect(page.get_by_text("What you can earn")).to_have_count(0)
    assert_fits(page)
    _shot(page, f"brand-page-390-{language}.png")

    ana = make_consumer("Ana")
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
    sign_in(page, ana, live_server.url)
    page.goto(live_server.url + "/wallet/")

    expect(
        page.get_by_role("heading", name={"de": "Dein Wallet", "it": "Il tuo portafoglio"}[language])
    ).to_be_visible()
    expect(page.get_by_text("Your wallet")).to_have_count(0)
    assert_fits(page)
    _shot(page, f"wallet-390-{language}.png")
