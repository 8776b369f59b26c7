"""API keys and webhook endpoints in the console: owners make and revoke them; others can't."""

from __future__ import annotations

import hashlib
import html
import re

import pytest
from django.urls import reverse

from api.models import ApiKey, ApiKeyEvent, KeyAction
from merchants.roles import Role

pytestmark = pytest.mark.django_db


def _once(page) -> str:
    """The one-use token of the form on ``page`` (a second POST of it makes nothing)."""
    return re.search(r'name="once" value="([\w-]+)"', page.content.decode()).group(1)


def test_an_owner_makes_a_key_sees_it_once_and_only_its_hash_is_kept(client, make_merchant, api):
    merchant = make_merchant("acme")
    owner = merchant.memberships.get(role=Role.OWNER).user
    client.force_login(owner)

    made = client.post(
        reverse("console:api_keys"), {"name": "shop server", "kind": "SECRET", "scope": "write"}
    )
    page = client.get(made["Location"])

    assert made.status_code == 302 and made["Location"] == reverse("console:api_keys")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    raw = re.search(r'data-figure="new-key">(tj_test_[\w-]+)<', page.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values_list())
    assert key.last_four == raw[-4:]
    again = client.get(reverse("console:api_keys")).content.decode()  # a reload
    assert raw not in again and f"tj_test_…{raw[-4:]}" in again
    assert 'data-figure="new-key"' not in again
    assert ApiKey.objects.count() == 1
    assert api(raw).get("/api/v1/wallet").status_code == 200
    assert ApiKeyEvent.objects.get().action == KeyAction.CREATED


@pytest.mark.parametrize(
    ("language", "said", "typed"),
    [
        (
            "en",
            "Optional, e.g. 2027-12-31 23:59, in your brand's time zone: Berlin (Central European Time).",
            "2027-12-31 23:59",
        ),
        (
            "de",
            "Optional, z. B. 31.12.2027 23:59, in der Zeitzone Ihrer Marke: Berlin (Mitteleuropäische Zeit).",
            "31.12.2027 23:59",
        ),
    ],
)
def test_a_keys_expiry_is_asked_as_the_readers_language_types_it_in_the_brands_time_zone(
    client, make_merchant, language, said, typed
):
    """A newcomer's finding: German read "z. B. 2027-12-31 23:59", and no zone was named."""
    merchant = make_merchant("acme")
    merchant.time_zone = "Europe/Berlin"
    merchant.save(update_fields=["time_zone"])
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)

    page = html.unescape(
        client.get(reverse("console:api_keys"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    )
    client.post(
        reverse("console:api_keys"),
        {"name": "shop", "kind": "SECRET", "scope": "read", "expires_at": typed},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert said in page
    expires = ApiKey.objects.get().expires_at  # the example typed is read as written, in Berlin
    assert expires.isoformat() == "2027-12-31T22:59:00+00:00"


def test_a_double_click_on_create_the_key_makes_one_key_shown_once(client, make_merchant):
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    form = {"name": "shop server", "kind": "SECRET", "scope": "write"}
    form["once"] = _once(client.get(reverse("console:api_keys")))

    first = client.post(reverse("console:api_keys"), form)
    second = client.post(reverse("console:api_keys"), form)
    shown = client.get(second["Location"]).content.decode()
    reloaded = client.get(second["Location"]).content.decode()

    assert first.status_code == second.status_code == 302
    assert ApiKey.objects.count() == 1
    assert shown.count('data-figure="new-key"') == 1
    assert 'data-figure="new-key"' not in reloaded
    # a new rendering of the form makes a new key
    form["once"] = _once(client.get(reverse("console:api_keys")))
    client.post(reverse("console:api_keys"), form)
    assert ApiKey.objects.count() == 2


def test_a_webhook_endpoints_secret_is_shown_once_after_the_redirect_and_a_reload_makes_nothing(
    client, make_merchant, settings
):
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    form = {"url": "http://127.0.0.1:9/hook", "events": ["reward.created"]}
    form["once"] = _once(client.get(reverse("console:hook_endpoints")))

    made = client.post(reverse("console:hook_endpoints"), form)
    again = client.post(reverse("console:hook_endpoints"), form)  # a double click
    shown = client.get(reverse("console:hook_endpoints")).content.decode()
    reloaded = client.get(reverse("console:hook_endpoints")).content.decode()

    assert made.status_code == again.status_code == 302
    endpoint = merchant.webhook_endpoints.get()
    assert endpoint.secret.startswith("whsec_")
    assert shown.count(endpoint.secret) == 1
    assert endpoint.secret not in reloaded


def test_a_rotated_webhook_secret_is_shown_once_after_the_redirect(client, make_merchant, settings):
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    client.post(
        reverse("console:hook_endpoints"), {"url": "http://127.0.0.1:9/hook", "events": ["reward.created"]}
    )
    endpoint = merchant.webhook_endpoints.get()
    url = reverse("console:hook_endpoint", args=[endpoint.pk])
    form = {"action": "rotate", "once": _once(client.get(url))}

    rotated = client.post(url, form)
    again = client.post(url, form)  # a double click
    shown = client.get(url).content.decode()
    reloaded = client.get(url).content.decode()

    endpoint.refresh_from_db()
    assert rotated.status_code == again.status_code == 302 and rotated["Location"] == url
    assert endpoint.previous_secret and endpoint.secret != endpoint.previous_secret
    assert shown.count(endpoint.secret) == 1 and "New secret, shown only now" in shown
    assert endpoint.secret not in reloaded and "New secret, shown only now" not in reloaded


def test_a_revoked_key_is_refused_at_once_and_the_trail_says_who(client, make_merchant, make_key, api):
    merchant = make_merchant("acme")
    owner = merchant.memberships.get(role=Role.OWNER).user
    raw = make_key(merchant)
    client.force_login(owner)

    client.post(reverse("console:api_key_revoke", args=[ApiKey.objects.get().pk]), {"confirm": "yes"})

    assert api(raw).get("/api/v1/wallet").status_code == 401
    assert list(ApiKeyEvent.objects.order_by("pk").values_list("action", "actor")) == [
        (KeyAction.CREATED, owner.pk),
        (KeyAction.REVOKED, owner.pk),
    ]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENCY, Role.VIEWER])
def test_only_owners_manage_keys_and_webhooks(client, make_merchant, add_member, make_key, role):
    merchant = make_merchant("acme")
    make_key(merchant)
    member = add_member(merchant, f"{role.lower()}@acme.example", role)
    client.force_login(member)

    for url in (reverse("console:api_keys"), reverse("console:hook_endpoints")):
        assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("console:api_keys"), {"name": "x", "kind": "SECRET", "scope": "write"}
        ).status_code
        == 403
    )
    revoke = reverse("console:api_key_revoke", args=[ApiKey.objects.get().pk])
    assert client.post(revoke, {"confirm": "yes"}).status_code == 403
    assert ApiKey.objects.get().revoked_at is None


def test_another_merchants_key_cannot_be_revoked(client, make_merchant, make_key):
    alpha, bravo = make_merchant("alpha"), make_merchant("bravo")
    make_key(bravo)
    client.force_login(alpha.memberships.get(role=Role.OWNER).user)

    response = client.post(
        reverse("console:api_key_revoke", args=[ApiKey.objects.get().pk]), {"confirm": "yes"}
    )

    assert response.status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_an_owner_registers_a_webhook_and_a_private_url_is_refused(client, make_merchant, settings):
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    refused = client.post(
        reverse("console:hook_endpoints"), {"url": "http://169.254.169.254/", "events": ["reward.created"]}
    )

    assert refused.status_code == 200
    assert "link-local" in refused.content.decode()
    assert not merchant.webhook_endpoints.exists()


def test_a_loopback_url_is_refused_in_one_whole_sentence_in_each_language(client, make_merchant, settings):
    """#23: German read "Der Host 127.0.0.1 löst zu eine Loopback-Adresse auf" (a sentence glued from pieces)."""
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    pages = {
        language: client.post(
            reverse("console:hook_endpoints"),
            {"url": "http://127.0.0.1:9000/hook", "events": ["reward.created"]},
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
        for language in ("de", "fr")
    }

    assert "Der Host 127.0.0.1 wird zu einer Loopback-Adresse aufgelöst (127.0.0.1)" in pages["de"]
    assert (
        "L\u2019hôte 127.0.0.1 correspond à une adresse de bouclage (127.0.0.1)\u00a0: les webhooks"
        in pages["fr"]
    )
    assert not merchant.webhook_endpoints.exists()


def test_the_api_reference_is_served_from_our_own_files(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_dashboard_counts_the_owners_keys_and_webhooks(client, make_merchant, make_key, add_member):
    merchant = make_merchant("acme")
    make_key(merchant)
    make_key(merchant)
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)

    assert "2 active keys · 0 webhook endpoints" in client.get("/console/").content.decode()

    viewer = add_member(merchant, "viewer@acme.example", Role.VIEWER)
    client.force_login(viewer)
    assert "API and webhooks" not in client.get("/console/").content.decode()


def test_the_api_keys_page_shows_the_widget_tag_with_the_publishable_key_ready_to_copy(
    client, make_merchant, make_key, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    merchant = make_merchant("acme")
    make_key(merchant)  # a secret key is never put in the tag
    publishable = make_key(merchant, kind="PUBLISHABLE", name="Shop widget")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)

    page = client.get(reverse("console:api_keys")).content.decode()

    shown = re.search(r'data-figure="widget-tag">([^<]*)</textarea>', page).group(1)
    # the very tag the demo shop carries (api/tests/test_widget.py)
    assert html.unescape(shown) == (
        f'<script src="http://127.0.0.1:8000/embed/v1/widget.js" data-key="{publishable}" async></script>'
    )
    assert 'data-copy-target="widget-tag"' in page and "api/copy.js" in page
    assert "Shop widget" in page
    assert "add your website as a touchpoint" in page  # no website touchpoint yet


def test_without_a_publishable_key_the_page_says_how_to_get_the_widget_tag(client, make_merchant, make_key):
    merchant = make_merchant("acme")
    make_key(merchant)
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)

    page = client.get(reverse("console:api_keys")).content.decode()

    assert 'data-figure="widget-tag"' not in page
    assert "create a key below with the kind “Publishable”" in page


def test_revoke_asks_first_naming_the_key_and_saying_requests_fail_at_once(
    client, make_merchant, make_key, api
):
    merchant = make_merchant("acme")
    raw = make_key(merchant, name="shop server")
    key = ApiKey.objects.get()
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    keys_page = client.get(reverse("console:api_keys")).content.decode()
    revoke = reverse("console:api_key_revoke", args=[key.pk])

    confirm = client.get(revoke)

    page = confirm.content.decode()
    assert f'href="{revoke}"' in keys_page  # the list's "Revoke" opens the question, it revokes nothing
    assert confirm.status_code == 200
    assert f"Are you sure you want to revoke the key “shop server” (tj_test_…{raw[-4:]})?" in page
    assert "Every request with this key fails at once" in page
    assert 'name="confirm" value="yes"' in page and "Yes, revoke the key" in page
    assert ApiKey.objects.get().revoked_at is None
    assert api(raw).get("/api/v1/wallet").status_code == 200


def test_neither_a_get_nor_a_post_without_confirmation_revokes(client, make_merchant, make_key, api):
    merchant = make_merchant("acme")
    raw = make_key(merchant)
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)
    revoke = reverse("console:api_key_revoke", args=[ApiKey.objects.get().pk])

    for _ in range(2):
        assert client.get(revoke).status_code == 200
    unconfirmed = client.post(revoke)  # the old one-click form, e.g. from a page left open

    assert unconfirmed.status_code == 200 and "Yes, revoke the key" in unconfirmed.content.decode()
    assert ApiKey.objects.get().revoked_at is None
    assert api(raw).get("/api/v1/wallet").status_code == 200
    assert not ApiKeyEvent.objects.filter(action=KeyAction.REVOKED).exists()
