import pytest

from accounts.services import user_ensure_with_email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_merchant_signs_in_from_the_home_page(page):
    user_ensure_with_email(email="owner@brand.example", password="a-long-pass-phrase-42")

    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("owner@brand.example")
    page.get_by_label("Password").fill("a-long-pass-phrase-42")
    page.get_by_role("button", name="Sign In").click()

    page.wait_for_url("**/")
    assert page.get_by_role("button", name="Sign out").is_visible()
