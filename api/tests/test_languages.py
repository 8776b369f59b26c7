"""The API's human-facing parts in the reader's language: problem+json ``title``/``detail`` follow
Accept-Language while ``type`` and ``code`` stay; the widget's frame follows the shop's ``lang``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from api.models import KeyKind, Scope
from merchants.models import TouchpointKind
from merchants.services import touchpoint_create
from tikjoy.tests.factories import login_rule, owner_of

pytestmark = pytest.mark.django_db


def test_a_problem_in_german_keeps_its_code_and_type(api):
    response = api("tj_live_unknown").get("/api/v1/rewards", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["type"] == "https://tikjoy.example/problems/unauthenticated"
    assert body["title"] == "Nicht authentifiziert"
    assert body["detail"] == "Dieser Schlüssel ist unbekannt, widerrufen oder abgelaufen."
    assert response["Content-Language"] == "de"


def test_a_problem_without_accept_language_is_english(api):
    body = api("tj_live_unknown").get("/api/v1/rewards").json()

    assert body["title"] == "Unauthenticated" and body["code"] == "unauthenticated"


def test_field_problems_in_french_keep_the_field_names(brand, make_key, api):
    key = make_key(brand()["merchant"])

    response = api(key).get("/api/v1/rewards", {"limit": "500"}, HTTP_ACCEPT_LANGUAGE="fr")

    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid_request"
    assert body["title"] == "Requête invalide"
    assert body["detail"] == "limit est un nombre entier de 1 à 100."


@pytest.mark.parametrize(
    ("language", "said"), [("es", "Este campo es obligatorio."), ("it", "Questo campo è obbligatorio.")]
)
def test_a_missing_field_is_named_in_djangos_words_as_on_the_pages(brand, make_key, api, language, said):
    """Django REST framework's catalogue said "Este campo es requerido." / "Campo obbligatorio." where
    every form of the site says Django's words."""
    key = make_key(brand()["merchant"])

    response = api(key).post(
        "/api/v1/actions", {}, format="json", HTTP_IDEMPOTENCY_KEY="empty", HTTP_ACCEPT_LANGUAGE=language
    )

    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid_request"
    assert body["errors"]["event_id"] == [said]


FORMATS = "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]"


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", f"Datum und Uhrzeit haben das falsche Format. Erlaubte Formate: {FORMATS}."),
        ("it", f"La data e l\u2019ora non sono nel formato giusto. Formati ammessi: {FORMATS}."),
        ("fr", f"La date et l\u2019heure n\u2019ont pas le bon format. Formats acceptés\u00a0: {FORMATS}."),
    ],
)
def test_a_moment_in_the_wrong_format_is_told_without_du_or_tu(brand, make_key, api, language, said):
    """A newcomer's finding: Django REST framework's catalogue told a merchant's server "Nutze
    stattdessen eines dieser Formate" (du) in German and "Usa uno dei seguenti formati" (tu) in
    Italian; French had a plain apostrophe and space before the colon."""
    key = make_key(brand()["merchant"])

    response = api(key).get("/api/v1/rewards", {"created_after": "2026-99-01"}, HTTP_ACCEPT_LANGUAGE=language)

    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid_request"
    assert body["errors"]["created_after"] == [said]


@pytest.fixture
def shop(brand, make_key):
    world = brand()
    merchant = world["merchant"]
    touchpoint_create(
        merchant=merchant,
        actor=owner_of(merchant),
        kind=TouchpointKind.WEBSITE,
        name="Shop",
        url="https://shop.example/products",
    )
    return {**world, "pk": make_key(merchant, kind=KeyKind.PUBLISHABLE)}


def test_the_frame_speaks_the_language_the_widget_asks_for(client, shop):
    response = client.get(
        "/embed/v1/frame",
        {"key": shop["pk"], "origin": "https://shop.example", "lang": "fr-FR"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in body
    assert "Continuer avec TikTok" in body and "JoyBack de Acme" in body
    assert "Continue with TikTok" not in body
    # the texts frame.js shows while the person agrees, rendered in the frame's language
    assert 'data-text-waiting="Nous vous attendons dans la fenêtre TikJoy…"' in body


def test_a_language_tikjoy_does_not_speak_falls_back_to_the_browsers(client, shop):
    response = client.get(
        "/embed/v1/frame",
        {"key": shop["pk"], "origin": "https://shop.example", "lang": "pt-BR"},
        HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9",
    )

    assert response["Content-Language"] == "es"
    assert "Continuar con TikTok" in response.content.decode()


def test_the_script_passes_the_merchants_and_the_pages_language_to_the_frame(client):
    script = client.get("/embed/v1/widget.js").content.decode()

    assert 'var lang = (script.getAttribute("data-lang") || "")' in script
    assert 'var pageLang = (document.documentElement.lang || "")' in script
    assert '"&lang=" + encodeURIComponent(lang)' in script
    assert '"&page_lang=" + encodeURIComponent(pageLang)' in script


@pytest.mark.parametrize(
    ("lang", "page_lang", "browser", "expected"),
    [
        ("", "en", "de-DE,de;q=0.9", "de"),  # a German visitor on an English shop: their language
        ("", "it", None, "it"),  # the browser says nothing: the shop page's
        ("", "it", "pt-BR", "it"),  # nothing TikJoy speaks in the browser: the shop page's
        ("en", "de", "fr", "en"),  # the merchant's data-lang wins over both
        ("", "", None, "en"),
    ],
)
def test_the_frame_speaks_the_visitors_language_before_the_shop_pages(
    client, shop, lang, page_lang, browser, expected
):
    headers = {"HTTP_ACCEPT_LANGUAGE": browser} if browser else {}
    response = client.get(
        "/embed/v1/frame",
        {"key": shop["pk"], "origin": "https://shop.example", "lang": lang, "page_lang": page_lang},
        **headers,
    )

    assert response["Content-Language"] == expected
    assert f'<html lang="{expected}"' in response.content.decode()


def test_the_frame_puts_french_punctuation_after_an_offers_name(client, shop):
    body = client.get(
        "/embed/v1/frame", {"key": shop["pk"], "origin": "https://shop.example", "lang": "fr"}
    ).content.decode()

    line = body.split('data-action="TIKTOK_LOGIN">')[1].split("</li>")[0]
    assert "TikTok\xa0:" in line and "TikTok:" not in line


def test_the_console_key_page_is_formal_in_italian(client, brand):
    merchant = brand()["merchant"]
    client.force_login(owner_of(merchant))

    page = client.get("/console/api-keys/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "Chiavi API" in page and "Crea la chiave" in page
    assert "solo dai Suoi server" in page


def test_the_api_keys_page_in_german_scrolls_its_table_and_names_the_scope(client, make_merchant, make_key):
    merchant = make_merchant("acme")
    make_key(merchant, scope=Scope.READ)
    client.force_login(owner_of(merchant))

    page = client.get(reverse("console:api_keys"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    table = page.index("<table")
    assert page.rfind('<div class="console-table-wrap">', 0, table) > page.rfind("</div>", 0, table)
    assert "<td>Lesen</td>" in page and "<td>Read</td>" not in page


def _written(amount, language: str) -> str:
    """How a person reading ``language`` writes a euro amount (docs/i18n.md): ``€0.80`` in English,
    ``0,80 €`` (a no-break space) in Italian, German, French and Spanish."""
    text = f"{amount:f}"
    return f"€{text}" if language == "en" else text.replace(".", ",") + "\xa0€"


@pytest.mark.parametrize("language", ["en", "it", "de", "fr", "es"])
def test_the_frames_amounts_are_written_as_the_visitors_language_writes_them(
    client, make_merchant, make_campaign, make_key, language
):
    from campaigns.selectors import landing_offers
    from tikjoy.tests.factories import NOW, share_rule

    merchant = make_merchant("acme", funds="100.00")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("1.00")), share_rule()], now=NOW)
    touchpoint_create(
        merchant=merchant,
        actor=owner_of(merchant),
        kind=TouchpointKind.WEBSITE,
        name="Shop",
        url="https://shop.example/",
    )
    offers = {o.action: o for o in landing_offers(merchant=merchant, now=NOW)[0]["offers"]}
    key = make_key(merchant, kind=KeyKind.PUBLISHABLE)

    body = client.get(
        "/embed/v1/frame", {"key": key, "origin": "https://shop.example", "lang": language}
    ).content.decode()

    login = body.split('data-action="TIKTOK_LOGIN">')[1].split("</li>")[0]
    assert f"<strong>{_written(offers['TIKTOK_LOGIN'].new_user.amount, language)}</strong>" in login
    share = body.split('data-action="SHARE_VIDEO">')[1].split("</li>")[0]
    offer = offers["SHARE_VIDEO"]
    for rate in (offer.per_1000_views, offer.per_like, offer.per_comment, offer.per_share):
        assert _written(rate, language) in share, (rate, share)
    assert _written(offer.max_per_post.amount, language) in share
    assert "EUR" not in login + share  # never "0.80 EUR": the one formatter, as on the brand page
