"""Where a person lands after signing up with e-mail, and whether the menu offers them the console."""

import re

import pytest
from django.core import mail
from django.test import Client

from tikjoy.tests.factories import affiliate_make, affiliate_program_make

PASSWORD = "a-long-pass-phrase-42"

pytestmark = pytest.mark.django_db


def _sign_up_and_confirm(client, email: str, *, next_url: str | None = None):
    query = f"?next={next_url}" if next_url else ""
    response = client.post(
        f"/accounts/signup/{query}",
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            **({"next": next_url} if next_url else {}),
        },
    )
    assert response.status_code == 302
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    return client.post(confirm)


def test_a_person_who_signs_up_with_email_lands_on_the_home_page_without_a_console_link(client):
    """Signed up with e-mail and nothing else (no team, no earnings): by the one rule a merchant to be,
    so the home page, which offers to create the merchant; never a console they can't use."""
    response = _sign_up_and_confirm(client, "ana@mail.example")

    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert 'href="/merchants/new/"' in page
    assert "/console/" not in page and ">Console<" not in page


def test_a_person_who_signs_up_from_a_brand_page_lands_back_on_it(client, make_merchant):
    make_merchant("fizz")

    response = _sign_up_and_confirm(client, "ana@mail.example", next_url="/b/fizz/join/")

    assert response["Location"] == "/b/fizz/join/"


def test_the_home_pages_merchant_sign_up_leads_to_creating_the_merchant(client):
    home = client.get("/").content.decode()
    signup = re.search(r'href="(/accounts/signup/[^"]*)"[^>]*>Create a merchant account<', home).group(1)
    assert signup == "/accounts/signup/?next=/merchants/new/"

    response = _sign_up_and_confirm(client, "founder@brand.example", next_url="/merchants/new/")

    assert response["Location"] == "/merchants/new/"


def test_the_menu_shows_the_console_to_a_member_of_a_merchants_team(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(merchant.memberships.get().user)

    page = client.get("/").content.decode()

    assert 'href="/console/">Console<' in page


def test_the_home_page_offers_a_signed_in_person_without_a_merchant_to_create_one(client, make_user):
    client.force_login(make_user("ana@mail.example"))

    page = client.get("/").content.decode()

    assert ">Console<" not in page
    assert 'href="/merchants/new/"' in page


def test_a_merchant_sign_up_confirmed_on_another_device_still_leads_to_creating_the_merchant(client):
    """The "next" of a sign-up lives in the browser's session; the confirmation link carries it (a
    local path only), so opening it on another device, then signing in, ends on /merchants/new/."""
    client.post(
        "/accounts/signup/?next=/merchants/new/",
        {
            "email": "founder@brand.example",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "/merchants/new/",
        },
    )
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    other_device = Client()

    page = other_device.get(link).content.decode()
    form_next = re.search(r'name="next" value="([^"]*)"', page).group(1)
    confirmed = other_device.post(link, {"next": form_next})
    assert confirmed["Location"] == "/merchants/new/"
    sign_in = other_device.get(confirmed["Location"])  # /merchants/new/ asks a signed-out person to sign in
    signed_in = other_device.post(
        sign_in.url, {"login": "founder@brand.example", "password": PASSWORD, "next": form_next}
    )

    assert signed_in["Location"] == "/merchants/new/"
    assert "Create your merchant" in other_device.get(signed_in["Location"]).content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_the_confirmation_link_never_carries_a_next_that_leaves_the_site(client, next_url):
    client.post(
        "/accounts/signup/",
        {"email": "founder@brand.example", "password1": PASSWORD, "password2": PASSWORD, "next": next_url},
    )

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)

    assert "next=" not in link and "evil" not in link


def test_an_affiliate_who_signs_in_with_email_lands_on_the_affiliate_programs(client, make_merchant):
    """Pia, an affiliate of a brand who signed up with e-mail (no team, no earnings), used to land on
    the home page, which offers to create a merchant and linked no affiliate page: she lands where her
    links and commissions are, and the home page's Affiliates card links there too."""
    program = affiliate_program_make(make_merchant("fizz"))
    affiliate = affiliate_make(program, email="pia@creator.example")
    affiliate.user.set_password(PASSWORD)
    affiliate.user.save()

    response = client.post("/accounts/login/", {"login": "pia@creator.example", "password": PASSWORD})

    assert response["Location"] == "/affiliates/"
    programs = client.get("/affiliates/").content.decode()
    assert f'href="/affiliates/{program.pk}/"' in programs
    home = client.get("/").content.decode()
    assert 'href="/affiliates/">Affiliate programs</a>' in home
