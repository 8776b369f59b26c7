"""The console's API keys page in a browser: the website widget's tag is copied with one click."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from api.models import KeyKind
from tikjoy.tests.factories import PASSWORD, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_copies_the_widget_tag_with_the_copy_button(page, make_merchant, make_key, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    merchant = make_merchant("acme")
    publishable = make_key(merchant, kind=KeyKind.PUBLISHABLE, name="Shop widget")
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append((message.text, message.location.get("url", "")))
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner_of(merchant).email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    page.goto("/console/api-keys/")
    page.get_by_role("button", name="Copy the tag").click()

    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == (
        f'<script src="http://127.0.0.1:8000/embed/v1/widget.js" data-key="{publishable}" async></script>'
    )
    assert errors == []
