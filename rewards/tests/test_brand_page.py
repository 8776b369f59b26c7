"""The brand page as a person sees it: what they can earn at the top, the join call to action
before the offers, "you already joined", the truth about e-mail sign-in; and the brand page's
own poster and QR code in the console."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages
from django.utils import timezone
from pypdf import PdfReader

from merchants.models import Consent
from merchants.poster import qr_svg_data_uri
from merchants.services import consent_give, consent_withdraw
from rewards.brand_poster import brand_earnings, brand_page_url, brand_poster_html
from rewards.tests.conftest import NOW, login_rule, share_rule
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _tiktok_consumer(make_consumer):
    user = make_consumer("Chloe")
    SocialAccount.objects.get_or_create(user=user, provider="tiktok", uid=f"open-{user.pk}", extra_data={})
    return user


def _page(client, slug="fizz") -> str:
    return client.get(f"/b/{slug}/").content.decode()


def test_the_join_call_to_action_comes_before_the_offers_and_says_what_a_person_can_earn(
    client, make_merchant, make_campaign
):
    merchant = make_merchant("fizz")
    make_campaign(merchant, rules=[login_rule(), share_rule(max_per_post=Decimal("5.00"))])

    page = _page(client)

    earnings = brand_earnings(merchant=merchant, now=NOW)
    assert earnings.headline in page
    assert earnings.headline.startswith("Earn ") and "when you share our video on TikTok" in earnings.headline
    assert page.index("Continue with TikTok") < page.index("What you can earn")
    assert page.index('data-testid="join-cta"') < page.index("What you can earn")
    assert (
        "Only signing in with TikTok or WhatsApp earns rewards here. Signing in with e-mail earns nothing"
        in page
    )
    assert "region=DE" in page  # the WhatsApp form takes German local numbers


def test_the_promise_matches_the_offers_listed_below_it(client, make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50")), share_rule(amount=Decimal("2.00"))])

    page = _page(client)
    earnings = brand_earnings(merchant=merchant, now=NOW)

    share, login = earnings.lines  # best first
    assert (share.action, login.action) == ("SHARE_VIDEO", "TIKTOK_LOGIN")
    assert share.fixed > login.fixed > 0
    assert f"€{share.fixed}" in page and f"€{login.fixed}" in page  # the offers list says the same
    assert (
        earnings.headline
        == f"Earn €{share.fixed} when you share our video on TikTok, plus more as your post is seen"
    )  # no "up to" on the fixed amount, and the engagement it pays on top is not hidden
    assert share.text.startswith(f"Share our video on TikTok: €{share.fixed}, plus ")


def test_up_to_is_said_only_when_an_amount_is_a_ceiling(make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("1.00"))], new_user_multiplier=Decimal("2.00"))

    earnings = brand_earnings(merchant=merchant, now=NOW)

    assert earnings.headline.startswith("Earn up to ")
    assert re.search(r" €\d+\.\d\d when you sign in with TikTok$", earnings.headline)


def test_without_a_live_campaign_nothing_is_promised(client, make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    make_campaign(merchant, activate=False)

    assert brand_earnings(merchant=merchant, now=NOW) is None
    assert "Earn " not in _page(client)
    poster = brand_poster_html(merchant=merchant, now=NOW)
    assert "Cash back with JoyBack" in poster and "€" not in poster


def test_a_person_who_joined_is_told_so_instead_of_a_join_button(
    client, make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant("fizz")
    make_campaign(merchant)
    chloe = _tiktok_consumer(make_consumer)
    consent_give(user=chloe, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(chloe)

    page = _page(client)

    assert "You already joined Fizz" in page
    assert "Join Fizz</a>" not in page and "Continue with TikTok" not in page


def test_after_withdrawing_consent_the_join_button_is_back(
    client, make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant("fizz")
    chloe = _tiktok_consumer(make_consumer)
    consent_give(user=chloe, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    consent_withdraw(user=chloe, merchant=merchant, now=NOW)
    client.force_login(chloe)

    page = _page(client)

    assert "You already joined" not in page
    assert '<a class="button" href="/b/fizz/join/">Join Fizz</a>' in page


def test_a_signed_in_consumer_who_has_not_joined_gets_the_join_button(client, make_merchant, make_consumer):
    make_merchant("fizz")
    client.force_login(_tiktok_consumer(make_consumer))

    page = _page(client)

    assert '<a class="button" href="/b/fizz/join/">Join Fizz</a>' in page
    assert "You already joined" not in page


def test_a_person_signed_in_with_e_mail_is_told_it_earns_nothing_and_offered_tiktok_or_whatsapp(
    client, make_merchant, make_campaign, make_user
):
    merchant = make_merchant("fizz")
    make_campaign(merchant)
    client.force_login(make_user("fan@example.com"))

    page = _page(client)
    assert "You are signed in with e-mail: that earns nothing here." in page
    assert 'name="process" value="connect"' in page and ">Add WhatsApp</a>" in page
    consent_page = client.get("/b/fizz/join/").content.decode()
    assert "You signed in with e-mail: that earns nothing at Fizz." in consent_page

    response = client.post("/b/fizz/join/", {"decision": "agree", "fields": ["EMAIL"]})

    assert response["Location"] == "/b/fizz/"
    assert [str(m) for m in get_messages(response.wsgi_request)][-1].startswith(
        "Signing in with e-mail earns nothing at Fizz: only signing in with TikTok or WhatsApp does."
    )
    # QA: once joined, the page said "You already joined Fizz ... nothing more to do here" and hid the
    # buttons the message above points to ("Connect one of them to your account below").
    joined = _page(client)
    assert "You already joined" not in joined
    assert 'name="process" value="connect"' in joined and ">Add WhatsApp</a>" in joined


# --- the brand page's poster and QR code -------------------------------------------------------


def test_the_brand_poster_is_a_one_page_pdf_that_says_what_a_person_can_earn(
    client, make_merchant, make_campaign
):
    merchant = make_merchant("fizz")
    make_campaign(merchant)
    client.force_login(owner_of(merchant))

    response = client.get("/console/brand-poster/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    earnings = brand_earnings(merchant=merchant, now=NOW)
    assert "Fizz" in text and earnings.headline in text
    assert brand_page_url(merchant=merchant) in text
    html = brand_poster_html(merchant=merchant, now=NOW)
    assert qr_svg_data_uri(data=brand_page_url(merchant=merchant)) in html  # the QR code is of the brand page


def test_the_brand_qr_code_is_an_svg_of_the_brand_page_and_the_dashboard_links_both(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    qr = client.get("/console/brand-qr.svg")
    dashboard = client.get("/console/").content.decode()

    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.lstrip().startswith(b"<?xml") and b"<svg" in qr.content
    assert 'href="/console/brand-poster/"' in dashboard and 'href="/console/brand-qr.svg"' in dashboard
    assert "No campaign is live, so it promises no amount." in dashboard
    settings_page = client.get(f"/console/merchants/merchant/{merchant.pk}/change/").content.decode()
    assert 'href="/console/brand-poster/">A4 poster (PDF)</a>' in settings_page


def test_the_brand_poster_is_for_members_only(client, make_merchant, make_consumer):
    make_merchant("fizz")
    client.force_login(make_consumer("Eve"))

    response = client.get("/console/brand-poster/")

    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"


def test_the_brand_poster_stays_one_a4_page_with_the_longest_name_and_every_offer(
    make_merchant, make_campaign
):
    from weasyprint import HTML

    merchant = make_merchant("fizz", brand_name="Fizz " + "Very Long Brand Name " * 5 + "Ltd")
    make_campaign(
        merchant,
        rules=[
            login_rule(),
            login_rule(action="WHATSAPP_LOGIN"),
            share_rule(max_per_post=None),
            {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.10")},
            {"action": "COMMENT", "is_enabled": True, "amount": Decimal("0.20")},
        ],
    )

    document = HTML(string=brand_poster_html(merchant=merchant, now=NOW)).render()

    assert len(document.pages) == 1
    assert round(document.pages[0].width * 25.4 / 96) == 210


def test_each_line_says_what_an_action_pays_and_a_cap_is_said_as_up_to(make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    make_campaign(merchant, rules=[login_rule(), share_rule(max_per_post=Decimal("5.00"))])

    share, login = brand_earnings(merchant=merchant, now=NOW).lines

    assert share.text.endswith(" per post from its views, likes, comments and shares")
    assert ", plus up to " in share.text
    assert login.text.startswith("Sign in with TikTok: ") and re.search(r"€\d+\.\d\d, once$", login.text)
    assert "up to" not in login.text


def test_a_returning_customer_is_promised_the_returning_amount_not_a_new_customers(
    client, make_merchant, make_campaign, make_consumer
):
    """The engine pays a person with a confirmed reward from the brand the returning amount: the
    page's top says that amount to them, without "up to" a new customer's (tester, #23)."""
    from datetime import timedelta

    from campaigns.models import ActionType
    from campaigns.selectors import landing_offers
    from rewards.models import Reward, RewardStatus
    from rewards.services import action_record, rewards_settle_due

    merchant = make_merchant("fizz")
    make_campaign(
        merchant,
        rules=[login_rule(amount=Decimal("0.50")), share_rule(amount=Decimal("2.00"))],
        new_user_multiplier=Decimal("1.50"),
    )
    chloe = _tiktok_consumer(make_consumer)
    action_record(user=chloe, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    rewards_settle_due(now=NOW + timedelta(days=14, minutes=1))
    assert Reward.objects.get(user=chloe).status == RewardStatus.CONFIRMED
    share_offer = next(
        o
        for item in landing_offers(merchant=merchant, now=NOW)
        for o in item["offers"]
        if o.action == "SHARE_VIDEO"
    )
    assert share_offer.new_user.amount > share_offer.returning_user.amount > 0

    newcomer = make_consumer("Dan")
    client.force_login(newcomer)
    new_top = re.search(r'data-testid="earn-headline"><strong>([^<]*)<', _page(client)).group(1)
    client.force_login(chloe)
    returning_top = re.search(r'data-testid="earn-headline"><strong>([^<]*)<', _page(client)).group(1)

    assert new_top.startswith(f"Earn up to €{share_offer.new_user.amount}")
    assert returning_top.startswith(f"Earn €{share_offer.returning_user.amount} when you share our video")
    assert "up to" not in returning_top.split(",")[0]


# --- the consent: the words shown are the words stored ---------------------------------------


@pytest.mark.parametrize("language", ["en", "it", "de", "fr", "es"])
def test_the_consent_stored_is_the_very_sentence_the_join_page_showed(
    client, make_merchant, make_campaign, make_consumer, language
):
    merchant = make_merchant("fizz", brand_name="Joy Coffee")
    make_campaign(merchant)
    person = _tiktok_consumer(make_consumer)
    person.language = language
    person.save(update_fields=["language"])
    client.force_login(person)

    page = client.get("/b/fizz/join/").content.decode()
    shown = html.unescape(re.search(r'data-testid="consent-text"[^>]*>(.*?)</p>', page, re.S).group(1))
    fields = re.findall(r'name="fields" value="([^"]+)"', page)
    client.post("/b/fizz/join/", {"decision": "agree", "fields": fields})

    stored = Consent.objects.get(user=person, merchant=merchant).text
    assert shown == stored
    assert "Joy Coffee" in shown


def test_the_poster_and_the_qr_code_are_named_in_the_readers_language_with_the_brand_and_the_day(
    client, make_merchant
):
    """They were "tikjoy-poster-fizz.pdf" and "tikjoy-qr-fizz.svg" beside French "recompenses-….csv"."""
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    day = timezone.localdate(timezone.now(), ZoneInfo(merchant.time_zone)).isoformat()

    poster = client.get("/console/brand-poster/", HTTP_ACCEPT_LANGUAGE="fr")
    qr = client.get("/console/brand-qr.svg", HTTP_ACCEPT_LANGUAGE="es")

    assert poster["Content-Disposition"] == f'inline; filename="affiche-fizz-{day}.pdf"'
    assert qr["Content-Disposition"] == f'attachment; filename="codigo-qr-fizz-{day}.svg"'
