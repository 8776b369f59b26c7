"""The home page: a directory of brands paying now, linking to their pages; products advertised only when live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rewards.brand_directory import product_is_live

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_brands_with_a_live_campaign_and_links_to_their_pages(
    client, make_merchant, make_campaign
):
    now = timezone.now()
    live = make_merchant("fizz", funds="100.00")
    make_campaign(live, now=now)
    ended = make_merchant("oldco", funds="100.00")
    make_campaign(ended, now=now - timedelta(days=90))  # ended 30 days ago
    draft = make_merchant("later", funds="100.00")
    make_campaign(draft, activate=False, now=now)

    page = client.get("/").content.decode()

    directory = page[page.index('data-testid="brand-directory"') :]
    assert '<a href="/b/fizz/">' in directory and "Fizz" in directory
    assert "when you share our video on TikTok" in directory
    assert "/b/oldco/" not in page and "/b/later/" not in page


def test_without_live_campaigns_the_directory_says_so(client, make_merchant):
    make_merchant("fizz")

    page = client.get("/").content.decode()

    assert "No brand has a live campaign right now." in page
    assert "/b/fizz/" not in page


def test_affiliates_and_promote_are_not_advertised_while_they_have_nothing_live(client):
    from affiliates.models import Program
    from promote.models import CoinPrice

    CoinPrice.objects.all().delete()  # no coin can be bought: Promote has nothing on offer
    Program.objects.update(is_active=False)  # no program takes applications
    page = client.get("/").content.decode()

    assert "JoyBack" in page
    assert "Affiliates" not in page and "Promote" not in page


def test_a_product_is_advertised_once_its_app_is_installed_and_says_it_has_something_live(
    client, monkeypatch
):
    from rewards import brand_directory

    class Promote:
        def has_live_offers(self, now) -> bool:
            return True

    class Affiliates:  # installed, but says nothing about being live: not advertised
        pass

    configs = {"promote": Promote(), "affiliates": Affiliates()}
    monkeypatch.setattr(brand_directory, "_installed_app_config", configs.get)

    page = client.get("/").content.decode()

    assert 'data-testid="product-promote"' in page and "Buy coins and boost a video" in page
    assert "Affiliates" not in page
    assert product_is_live("promote", now=timezone.now()) is True


def test_the_home_page_advertises_promote_once_coins_have_a_price_and_it_is_launched(client):
    from promote.models import CoinPrice, LaunchedCountry

    assert CoinPrice.objects.exists() and LaunchedCountry.objects.exists()  # seeded by migrations
    assert 'data-testid="product-promote"' in client.get("/").content.decode()

    CoinPrice.objects.all().delete()
    assert 'data-testid="product-promote"' not in client.get("/").content.decode()


def test_the_home_page_advertises_affiliates_while_a_program_takes_applications(client, make_merchant):
    from tikjoy.tests.factories import affiliate_program_make

    assert 'data-testid="product-affiliates"' not in client.get("/").content.decode()
    affiliate_program_make(make_merchant("acme"))
    page = client.get("/").content.decode()
    assert 'data-testid="product-affiliates"' in page
    # Affiliates, never partners (docs/i18n-glossary.md), in every language.
    assert "Affiliates get tracked links" in page and "Partners" not in page
    german = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Affiliates bekommen Tracking-Links" in german and "Partner bekommen" not in german
