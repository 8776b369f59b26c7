"""The consumer's pages in the visitor's language: the brand page (kept per language by its cache)
and the wallet, with the campaign's name in the visitor's language when the merchant wrote one."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.utils import translation

from campaigns.services import campaign_texts_save
from rewards import brand_page
from rewards.console import calculation_rows
from rewards.tests.test_wallet import ana_wallet  # noqa: F401 - the fixture
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{|\{%")


def _text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(body))


def _get(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = _text(response)
    assert not PLACEHOLDER.search(text), PLACEHOLDER.search(text)
    return text


@pytest.fixture
def builds(monkeypatch):
    """How many times the brand page was built (not read from the cache)."""
    counted = []
    build = brand_page._build

    def counting(**kwargs):
        counted.append(kwargs["merchant"].slug)
        return build(**kwargs)

    monkeypatch.setattr(brand_page, "_build", counting)
    return counted


def test_an_italian_then_an_english_visitor_each_see_the_brand_page_in_their_language(
    client, make_merchant, make_campaign, builds
):
    merchant = make_merchant("fizz")
    campaign = make_campaign(merchant)
    campaign_texts_save(campaign=campaign, actor=owner_of(merchant), texts={"it": "Primavera JoyBack"})

    italian = _get(client, "/b/fizz/", "it")
    english = _get(client, "/b/fizz/", "en")
    italian_again = _get(client, "/b/fizz/", "it-IT,it;q=0.9")

    assert "Primavera JoyBack" in italian and "Spring JoyBack" not in italian
    assert "Quanto puoi guadagnare" in italian and "Unisciti con un tocco" in italian
    assert "Guadagna " in italian and "quando condividi il nostro video su TikTok" in italian
    assert "What you can earn" not in italian and "Continue with TikTok" not in italian
    assert "Spring JoyBack" in english and "Primavera JoyBack" not in english
    assert "What you can earn" in english and "when you share our video on TikTok" in english
    assert italian_again == italian
    assert builds == ["fizz", "fizz"]  # once per language: the third visit is the cached Italian page


def test_a_language_without_a_text_of_its_own_shows_the_campaigns_name_in_its_own_language(
    client, make_merchant, make_campaign
):
    merchant = make_merchant("fizz")
    campaign = make_campaign(merchant)
    campaign_texts_save(campaign=campaign, actor=owner_of(merchant), texts={"it": "Primavera JoyBack"})

    german = _get(client, "/b/fizz/", "de")

    assert "Spring JoyBack" in german  # the campaign's own name (English)
    assert "Was du verdienen kannst" in german and "Mit einem Tipp beitreten" in german
    assert "Verdiene " in german and "fürs Teilen unseres Videos auf TikTok" in german
    assert "Prämien bleiben 14 Tage ausstehend" in german


def test_a_changed_text_is_shown_at_once_though_the_page_is_cached(client, make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    campaign = make_campaign(merchant)
    owner = owner_of(merchant)
    campaign_texts_save(campaign=campaign, actor=owner, texts={"fr": "JoyBack de printemps"})
    assert "JoyBack de printemps" in _get(client, "/b/fizz/", "fr")

    campaign_texts_save(campaign=campaign, actor=owner, texts={"fr": "Le printemps JoyBack"})

    french = _get(client, "/b/fizz/", "fr")
    assert "Le printemps JoyBack" in french and "JoyBack de printemps" not in french
    assert "Ce que vous pouvez gagner" in french


def test_the_wallet_in_german_and_spanish(client, ana_wallet):  # noqa: F811 - the fixture
    client.force_login(ana_wallet)

    german = _get(client, "/wallet/", "de")
    spanish = _get(client, "/wallet/", "es")

    assert "Dein Wallet" in german and "Verlauf" in german and "Verbundene Konten" in german
    assert "In Prüfung" in german and "Storniert" in german and "Verfügbar" in german
    assert "Your wallet" not in german and "History" not in german
    assert "Tu monedero" in spanish and "Historial" in spanish and "Cuentas conectadas" in spanish


def test_english_stays_the_default(client, make_merchant, make_campaign):
    merchant = make_merchant("fizz")
    make_campaign(merchant)

    page = _text(client.get("/b/fizz/"))

    assert "What you can earn" in page and "Continue with TikTok" in page


def test_a_visitor_whose_browser_asks_for_no_language_sees_the_brands_whole_page_in_its_language(
    client, make_merchant, make_campaign
):
    merchant = make_merchant("fizz")
    make_campaign(merchant)
    type(merchant).objects.filter(pk=merchant.pk).update(language="it")

    page = _get(client, "/b/fizz/", "")

    assert "Quanto puoi guadagnare" in page and "Guadagna " in page  # the offers too, not only the frame
    assert "What you can earn" not in page


def test_the_wallets_amounts_are_written_the_way_german_and_french_write_them(client, ana_wallet):  # noqa: F811
    client.force_login(ana_wallet)

    german = _get(client, "/wallet/", "de")
    french = _get(client, "/wallet/", "fr")
    english = _get(client, "/wallet/", "en")

    # Bravo's login reward (0.40) is available, Acme's share (0.80) pending, 0.88 reversed.
    assert "0,40 €" in german and "0,80 €" in german and "0,88 €" in german
    assert "€ 0.40" not in german and "€0.40" not in german and "0.80" not in german
    assert "0,40 €" in french and "0,80 €" in french and "0.40" not in french
    assert "€0.40" in english and "€0.80" in english


@pytest.mark.parametrize(
    ("language", "place", "sign_in_with"),
    [
        ("fr", "la première fois que vous vous connectez chez ", "vous vous connectez avec"),
        ("it", "la prima volta che accedi presso ", "accedi con Fizz"),
    ],
)
def test_the_brand_page_says_the_first_sign_in_happens_at_the_brand_not_with_it(
    client, make_merchant, make_campaign, language, place, sign_in_with
):
    make_campaign(make_merchant("fizz"))

    page = _get(client, "/b/fizz/", language)

    assert place in page
    assert sign_in_with not in page


def test_the_french_brand_page_keeps_a_thousand_views_on_one_line(client, make_merchant, make_campaign):
    make_campaign(make_merchant("fizz"))

    page = unescape(client.get("/b/fizz/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    # As Babel writes 1 000 in French (wallets.formats.number_text): a narrow no-break space, which
    # _text() would flatten to a space like any other.
    assert "pour 1\u202f000 vues" in page
    assert "1 000" not in page


def test_an_offer_for_new_and_returning_people_says_each_amount_waits_for_the_check(
    client, make_merchant, make_campaign
):
    campaign = make_campaign(make_merchant("fizz"))
    type(campaign).objects.filter(pk=campaign.pk).update(returning_user_multiplier=Decimal("0.80"))

    page = " ".join(unescape(client.get("/b/fizz/", HTTP_ACCEPT_LANGUAGE="en").content.decode()).split())

    assert "if you have earned with Fizz before (each when your post is verified), plus" in page


def test_no_risk_signal_agrees_with_signals_in_spanish():
    """ "Señales de riesgo: ninguna" (feminine), where "ningún plan" stays masculine."""
    with translation.override("es"):
        rows = dict(calculation_rows({"risk": [], "plans": []}, "EUR"))

    assert rows["Señales de riesgo"] == "ninguna"
    assert rows[next(label for label in rows if label != "Señales de riesgo")] == "ninguno"
