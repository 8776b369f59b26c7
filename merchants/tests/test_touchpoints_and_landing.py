import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from merchants.models import Touchpoint, TouchpointKind
from merchants.poster import JOYBACK_LINE, poster_html, touchpoint_landing_url
from merchants.roles import Role
from merchants.tests.conftest import owner_of
from rewards.brand import SOURCE_SESSION_KEY

pytestmark = pytest.mark.django_db


def _store(merchant, **fields):
    values = {"kind": TouchpointKind.RETAIL_STORE, "name": "Berlin Mitte", "address": "Torstrasse 1, Berlin"}
    values.update(fields)
    return Touchpoint.objects.create(merchant=merchant, **values)


def test_a_manager_adds_a_website_touchpoint_with_its_own_key(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    client.force_login(add_member(merchant, "m@fizz.example", Role.MANAGER))

    response = client.post(
        "/console/merchants/touchpoint/add/",
        {"kind": "WEBSITE", "name": "Shop", "url": "https://fizz.example", "is_active": "on", "address": ""},
    )

    assert response.status_code == 302
    website = merchant.touchpoints.get(kind=TouchpointKind.WEBSITE)
    assert website.url == "https://fizz.example"
    assert len(website.public_key) >= 16
    assert website.public_key != merchant.touchpoints.get(kind=TouchpointKind.BRAND_PAGE).public_key


def test_a_website_without_url_is_a_form_error(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    response = client.post(
        "/console/merchants/touchpoint/add/", {"kind": "WEBSITE", "name": "Shop", "url": "", "address": ""}
    )

    assert response.status_code == 200
    assert "A website or e-commerce touchpoint needs its URL." in response.content.decode()
    assert merchant.touchpoints.count() == 1


def test_a_store_poster_is_an_a4_pdf_with_the_brand_and_a_qr_code_to_its_landing_page(client, make_merchant):
    merchant = make_merchant("fizz")
    store = _store(merchant)
    client.force_login(owner_of(merchant))

    response = client.get(f"/console/merchants/touchpoint/{store.pk}/poster.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    html = poster_html(touchpoint=store)
    assert "Fizz" in html and JOYBACK_LINE in html and "data:image/svg+xml;base64," in html
    assert touchpoint_landing_url(touchpoint=store).endswith(f"/b/fizz/?t={store.public_key}")
    assert touchpoint_landing_url(touchpoint=store) in html


def test_the_poster_is_one_a4_page(make_merchant):
    from weasyprint import HTML

    store = _store(make_merchant("fizz"))

    document = HTML(string=poster_html(touchpoint=store)).render()

    assert len(document.pages) == 1
    assert round(document.pages[0].width * 25.4 / 96) == 210
    assert round(document.pages[0].height * 25.4 / 96) == 297


def test_the_brand_page_shows_the_brand_and_a_no_campaigns_state(client, make_merchant):
    make_merchant("fizz")

    response = client.get("/b/fizz/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Fizz</h1>" in text
    assert "Fizz has no live campaigns yet" in text
    assert "Continue with TikTok" in text
    assert "Continue with WhatsApp" in text
    assert "sign in with e-mail" in text


def test_continue_with_tiktok_starts_the_tiktok_login(client, make_merchant):
    make_merchant("fizz")
    client.get("/b/fizz/")

    response = client.post(reverse("tiktok_login"), {"process": "login", "next": "/b/fizz/"})

    assert response.status_code == 302


def test_the_brand_page_remembers_the_touchpoint_key_as_the_source(client, make_merchant):
    merchant = make_merchant("fizz")
    store = _store(merchant)

    client.get(f"/b/fizz/?t={store.public_key}")

    assert client.session[SOURCE_SESSION_KEY] == {"merchant": merchant.pk, "touchpoint": store.pk}


def test_a_key_of_another_merchant_or_an_inactive_touchpoint_is_not_remembered(client, make_merchant):
    make_merchant("fizz")
    other_store = _store(make_merchant("buzz"))
    inactive = _store(Touchpoint.objects.first().merchant, is_active=False, name="Closed")

    client.get(f"/b/fizz/?t={other_store.public_key}")
    client.get(f"/b/fizz/?t={inactive.public_key}")

    assert SOURCE_SESSION_KEY not in client.session


def test_an_unknown_brand_page_is_a_404(client):
    assert client.get("/b/nobody/").status_code == 404


def test_a_store_poster_is_printed_in_the_viewers_language_as_the_brand_poster_is(client, make_merchant):
    merchant = make_merchant("fizz")
    merchant.language = "de"  # the merchant's language is not the one of the person printing
    merchant.save(update_fields=["language"])
    store = _store(merchant)
    client.force_login(owner_of(merchant))

    response = client.get(f"/console/merchants/touchpoint/{store.pk}/poster.pdf", HTTP_ACCEPT_LANGUAGE="it")

    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Inquadra il codice, accedi con TikTok o WhatsApp" in text
    assert "Scannen" not in text


def _website(merchant, url="https://müller.de/shop", **fields):
    return Touchpoint.objects.create(
        merchant=merchant, kind=TouchpointKind.WEBSITE, name="Shop", url=url, **fields
    )


def test_an_owner_sees_where_the_widget_opens_and_where_its_tag_is(client, make_merchant):
    merchant = make_merchant("fizz")
    website = _website(merchant)
    client.force_login(owner_of(merchant))

    page = client.get(f"/console/merchants/touchpoint/{website.pk}/change/").content.decode()

    assert "Website widget" in page
    assert "The widget may open on the pages of https://xn--mller-kva.de." in page
    assert (
        f'<a href="{reverse("console:api_keys")}">Its tag, with your publishable key, is on the API keys page.</a>'
        in page
    )


def test_a_manager_is_told_an_owner_has_the_tag(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    website = _website(merchant, url="https://fizz.example", is_active=False)
    client.force_login(add_member(merchant, "m@fizz.example", Role.MANAGER))

    page = client.get(f"/console/merchants/touchpoint/{website.pk}/change/").content.decode()

    assert "The widget opens on no page of https://fizz.example while this touchpoint is inactive." in page
    assert "An owner can copy its tag from the API keys page." in page
    assert reverse("console:api_keys") not in page


def test_a_website_whose_address_is_no_origin_is_told_so_and_a_store_has_no_widget(client, make_merchant):
    merchant = make_merchant("fizz")
    website = _website(merchant, url="shop.fizz.example")
    store = _store(merchant)
    client.force_login(owner_of(merchant))

    page = client.get(f"/console/merchants/touchpoint/{website.pk}/change/").content.decode()
    store_page = client.get(f"/console/merchants/touchpoint/{store.pk}/change/").content.decode()

    assert (
        "The widget can&#x27;t open on this address: give the website&#x27;s address, e.g. https://shop.example."
        in page
    )
    assert "Website widget" not in store_page


def test_an_inactive_website_beside_an_active_one_at_the_same_origin_says_the_widget_opens(
    client, make_merchant
):
    """Review: "opens on no page" was untrue there: the widget's origins are every active website's."""
    merchant = make_merchant("fizz")
    old = _website(merchant, url="https://fizz.example/old", is_active=False)
    _website(merchant, url="https://fizz.example/shop")
    client.force_login(owner_of(merchant))

    page = client.get(f"/console/merchants/touchpoint/{old.pk}/change/").content.decode()

    assert "The widget may open on the pages of https://fizz.example." in page
    assert "opens on no page" not in page
