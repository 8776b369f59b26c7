"""The website widget's script and frame: who may embed it, what it shows."""

from __future__ import annotations

import gzip

import pytest
from django.utils import timezone

from api.models import ApiKey, KeyKind
from campaigns.selectors import landing_offers
from campaigns.services import campaign_texts_save
from merchants.models import TouchpointKind
from merchants.services import touchpoint_create
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _shop_at(brand, make_key, url: str) -> dict:
    """A brand with a website touchpoint at ``url`` and a publishable key (``pk``)."""
    world = brand()
    merchant = world["merchant"]
    touchpoint_create(
        merchant=merchant, actor=owner_of(merchant), kind=TouchpointKind.WEBSITE, name="Shop", url=url
    )
    return {**world, "pk": make_key(merchant, kind=KeyKind.PUBLISHABLE)}


@pytest.fixture
def shop(brand, make_key):
    return _shop_at(brand, make_key, "https://shop.example/products")


def test_the_script_is_small_and_names_this_site(client):
    response = client.get("/embed/v1/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert 'var TIKJOY = "http://testserver"' in response.content.decode()
    assert len(gzip.compress(response.content)) < 10_000


def test_the_frame_may_be_framed_only_by_the_brands_websites(client, shop):
    response = client.get("/embed/v1/frame", {"key": shop["pk"], "origin": "https://shop.example"})

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1]
    assert "X-Frame-Options" not in response
    body = response.content.decode()
    assert "Acme Spring" in body and "Continue with TikTok" in body
    assert 'data-parent-origin="https://shop.example"' in body


def test_every_other_page_still_refuses_to_be_framed(client):
    response = client.get("/")

    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://shop.example", "https://shop.example:444", ""]
)
def test_another_origin_gets_no_offer(client, shop, origin):
    response = client.get("/embed/v1/frame", {"key": shop["pk"], "origin": origin})

    assert response.status_code == 403
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "Acme Spring" not in response.content.decode()


def test_a_secret_or_revoked_key_opens_nothing(client, shop, make_key):
    secret = make_key(shop["merchant"])
    ApiKey.objects.filter(kind=KeyKind.PUBLISHABLE).update(revoked_at=timezone.now())

    for key in (shop["pk"], secret, "tj_pk_unknown"):
        response = client.get("/embed/v1/frame", {"key": key, "origin": "https://shop.example"})
        assert response.status_code == 404


def test_a_signed_in_consumer_sees_their_balance_with_the_brand(client, shop):
    client.force_login(shop["fan"])

    response = client.get("/embed/v1/frame", {"key": shop["pk"], "origin": "https://shop.example"})

    body = response.content.decode()
    assert "Continue with TikTok" not in body
    figure = body.split('data-figure="balance">')[1].split("<")[0]
    assert figure == f"€{shop['reward'].user_amount}"  # English: the sign first, as on the brand page


def test_the_demo_shop_embeds_the_demo_brands_widget(client, settings, make_merchant):
    from api.demo import demo_widget_seed

    settings.SITE_URL = "http://127.0.0.1:8000"
    merchant = make_merchant("joycoffee")
    lines = demo_widget_seed(merchant=merchant, owner=owner_of(merchant), now=timezone.now())
    demo_widget_seed(merchant=merchant, owner=owner_of(merchant), now=timezone.now())  # twice: same result

    key = ApiKey.objects.get(kind=KeyKind.PUBLISHABLE)
    assert lines == ["widget: demo shop http://localhost:8000/embed/demo-shop/ embeds Joycoffee's widget"]
    assert merchant.touchpoints.filter(url="http://localhost:8000").count() == 1
    page = client.get("/embed/demo-shop/")
    assert (
        f'<script src="http://127.0.0.1:8000/embed/v1/widget.js" data-key="{key.publishable_key}" async>'
        in (page.content.decode())
    )
    assert "script-src http://127.0.0.1:8000;" in page["Content-Security-Policy"]
    frame = client.get("/embed/v1/frame", {"key": key.publishable_key, "origin": "http://localhost:8000"})
    assert frame.status_code == 200


def test_the_offer_is_what_the_shopper_earns_not_the_merchants_price(client, shop):
    rule = shop["campaign"].rules.get()
    offer = landing_offers(merchant=shop["merchant"], now=timezone.now())[0]["offers"][0]
    assert offer.new_user.amount < rule.amount  # TikJoy's margin comes off the price

    body = client.get(
        "/embed/v1/frame", {"key": shop["pk"], "origin": "https://shop.example"}
    ).content.decode()

    line = body.split('data-action="TIKTOK_LOGIN">')[1].split("</li>")[0]
    assert f"<strong>€{offer.new_user.amount}</strong>" in line  # the one money format (English here)
    assert f"€{rule.amount}" not in line and "EUR" not in line


def test_the_frame_names_the_campaign_in_the_visitors_language(client, shop):
    campaign = shop["campaign"]
    campaign_texts_save(
        campaign=campaign, actor=owner_of(shop["merchant"]), texts={"it": "Primavera JoyBack"}
    )
    query = {"key": shop["pk"], "origin": "https://shop.example"}

    italian = client.get("/embed/v1/frame", query, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    english = client.get("/embed/v1/frame", query, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<h2>Primavera JoyBack</h2>" in italian
    assert f"<h2>{campaign.name}</h2>" in english and "Primavera" not in english


def test_a_shop_on_an_internationalised_domain_may_frame_it(client, brand, make_key):
    """The console takes the address as the brand reads it; the browser sends its punycode."""
    key = _shop_at(brand, make_key, "https://müller.de/")["pk"]

    response = client.get("/embed/v1/frame", {"key": key, "origin": "https://xn--mller-kva.de"})

    assert response.status_code == 200
    assert "frame-ancestors https://xn--mller-kva.de" in response["Content-Security-Policy"]
    assert "Acme Spring" in response.content.decode()
