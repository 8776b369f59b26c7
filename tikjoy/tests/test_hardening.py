"""The adversarial pass's findings (issue 12), one test each: no 500 for bad input, no-store on
personal pages, and a console request acts on the merchant it was made for."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import user_ensure_with_email
from campaigns.models import Campaign, CampaignStatus, RewardRule
from campaigns.services import campaign_create
from merchants import services
from merchants.models import Membership
from merchants.roles import Role
from tikjoy.tests.html_forms import main_form

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-42"


def _user(email: str, **flags) -> User:
    return user_ensure_with_email(email=email, password=PASSWORD, **flags)[0]


def _merchant(slug: str, owner: User | None = None):
    owner = owner or _user(f"owner@{slug}.example")
    return services.merchant_create(
        actor=owner,
        brand_name=slug.title(),
        slug=slug,
        country="DE",
        legal_name=f"{slug.title()} GmbH",
        billing_address="Hauptstrasse 1, 10115 Berlin",
        contact_email=f"hello@{slug}.example",
    ), owner


# --- Cache-Control on personal and money pages ---------------------------------------------------

PERSONAL_PAGES = ["/wallet/", "/wallet/summary.json", "/me/", "/console/", "/console/wallet/"]


@pytest.mark.parametrize("url", PERSONAL_PAGES)
def test_pages_with_personal_or_money_data_are_never_stored_by_caches(client, url):
    _, owner = _merchant("acme")
    client.force_login(owner)

    response = client.get(url)

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_console_pages_for_a_model_are_never_stored_by_caches(client):
    merchant, owner = _merchant("acme")
    client.force_login(owner)

    for url in ("/console/merchants/touchpoint/", f"/console/merchants/merchant/{merchant.pk}/change/"):
        directives = {d.strip() for d in client.get(url)["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_an_invitation_page_names_the_address_and_is_not_stored_even_when_nobody_is_signed_in(client):
    merchant, owner = _merchant("acme")
    invitation = services.invitation_create(
        merchant=merchant, actor=owner, email="invitee@acme.example", role=Role.VIEWER, now=timezone.now()
    )

    response = client.get(
        reverse("merchants:invitation", kwargs={"token": services.invitation_token(invitation=invitation)})
    )

    assert "invitee@acme.example" in response.content.decode()
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


# --- autocomplete with a field it does not support ------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"app_label": "merchants", "model_name": "touchpoint", "field_name": "campaigns"},  # reverse relation
        {"app_label": "merchants", "model_name": "merchant", "field_name": "memberships"},
        {"app_label": "merchants", "model_name": "touchpoint", "field_name": "no_such_field"},
        {"app_label": "nope", "model_name": "nope", "field_name": "nope"},
        {"app_label": "merchants\x00", "model_name": "touchpoint", "field_name": "merchant"},
    ],
)
def test_autocomplete_with_an_unsupported_field_is_a_4xx(client, params):
    _, owner = _merchant("acme")
    client.force_login(owner)
    client.raise_request_exception = False

    response = client.get(reverse("console:autocomplete"), {**params, "term": "x"})

    assert response.status_code in (400, 403, 404)


# --- NUL bytes and list filters -------------------------------------------------------------------

FILTER_URLS = [
    "/console/campaigns/campaign/?status__exact=%00",
    "/console/campaigns/ugcsubmission/?status__exact=%00",
    "/console/rewards/reward/?status__exact=%00",
    "/console/rewards/reward/?kind=%00",
    "/console/rewards/reward/?kind__exact=%00",
    "/console/merchants/touchpoint/?kind__exact=%00",
    "/console/merchants/touchpoint/?kind=%00",
    "/console/merchants/membership/?role__exact=%00",
    "/console/campaigns/campaign/?q=%00",
    "/console/campaigns/campaign/?o=%00",
]


@pytest.mark.parametrize("url", FILTER_URLS)
def test_a_nul_byte_in_a_console_filter_is_refused_with_a_message(client, url):
    _, owner = _merchant("acme")
    client.force_login(owner)
    client.raise_request_exception = False

    response = client.get(url)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "value"),
    [
        ("/console/campaigns/campaign/", "NOT_A_STATUS"),
        ("/console/merchants/touchpoint/", "x" * 5000),
        ("/console/rewards/reward/", "\u202egnidnep"),
    ],
)
def test_a_list_filter_value_outside_its_choices_is_refused_without_a_500(client, url, value):
    _, owner = _merchant("acme")
    client.force_login(owner)
    client.raise_request_exception = False
    param = {"/console/merchants/touchpoint/": "kind__exact"}.get(url, "status__exact")

    response = client.get(url, {param: value})

    assert response.status_code == 302  # back to the list, without the bad filter
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("field", ["name", "hashtag"])
def test_a_nul_byte_in_a_form_field_is_refused_with_a_message_and_nothing_is_written(client, field):
    _, owner = _merchant("acme")
    client.force_login(owner)
    client.raise_request_exception = False

    response = client.post(
        "/console/campaigns/campaign/add/",
        {"name": "Ok", "starts_at_0": "2026-12-01", "starts_at_1": "10:00", field: "bad\x00value"},
    )

    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_nul_byte_in_a_public_form_is_refused_too(client):
    client.raise_request_exception = False

    response = client.post("/accounts/login/", {"login": "a\x00@b.example", "password": "x"})

    assert response.status_code == 400


# --- numbers the database can't hold ------------------------------------------------------------


def _change_form_data(client, url: str) -> dict:
    form = main_form(client.get(url).content.decode())
    return {**form.data(), "_save": "Save"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rules-0-max_rewards", "99999999999999999999"),
        ("rules-0-max_rewards", "-1"),
        ("hold_days", "99999999999999999999"),
        ("rules-0-amount", "1e100"),
        ("rules-0-amount", "NaN"),
        ("new_user_multiplier", "99999999999999999999"),
        ("budget", "99999999999999999999"),
        ("user_daily_cap", "1e100"),
    ],
)
def test_a_number_the_database_cannot_hold_is_a_form_error_not_a_500(client, field, value):
    merchant, owner = _merchant("acme")
    campaign = campaign_create(
        merchant=merchant,
        actor=owner,
        values={"name": "Spring", "starts_at": timezone.now() - timedelta(days=1)},
        rules=[{"action": "TIKTOK_LOGIN", "is_enabled": True, "amount": Decimal("0.50")}],
    )
    client.force_login(owner)
    client.raise_request_exception = False
    before = list(RewardRule.objects.values_list()), list(Campaign.objects.values_list())
    data = _change_form_data(client, f"/console/campaigns/campaign/{campaign.pk}/change/")
    ok = client.post(f"/console/campaigns/campaign/{campaign.pk}/change/", data)
    assert ok.status_code == 302, ok.context["errors"]  # the baseline saves
    before = list(RewardRule.objects.values_list()), list(Campaign.objects.values_list())

    response = client.post(f"/console/campaigns/campaign/{campaign.pk}/change/", {**data, field: value})

    assert response.status_code == 200
    assert "Please correct the error" in response.content.decode()
    assert (list(RewardRule.objects.values_list()), list(Campaign.objects.values_list())) == before


# --- an agency removed from the merchant it had selected -----------------------------------------


@pytest.fixture
def agency_world():
    alpha, alpha_owner = _merchant("alpha")
    bravo, bravo_owner = _merchant("bravo")
    agency = _user("team@agency.example")
    Membership.objects.create(merchant=alpha, user=agency, role=Role.AGENCY)
    Membership.objects.create(merchant=bravo, user=agency, role=Role.AGENCY)
    now = timezone.now()
    bravo_campaign = campaign_create(
        merchant=bravo,
        actor=bravo_owner,
        values={"name": "Bravo live", "starts_at": now - timedelta(days=1)},
        rules=[{"action": "TIKTOK_LOGIN", "is_enabled": True, "amount": Decimal("0.50")}],
    )
    Campaign.objects.filter(pk=bravo_campaign.pk).update(status=CampaignStatus.ACTIVE)
    return {
        "alpha": alpha,
        "alpha_owner": alpha_owner,
        "bravo": bravo,
        "agency": agency,
        "bravo_campaign": bravo_campaign,
    }


def test_a_member_removed_from_the_selected_merchant_is_not_switched_to_another_one(client, agency_world):
    w = agency_world
    client.force_login(w["agency"])
    client.post("/console/switch/", {"merchant": w["alpha"].pk})
    page = client.get("/console/campaigns/campaign/")  # Alpha's list, open in a tab
    assert page.status_code == 200
    services.membership_remove(
        membership=Membership.objects.get(merchant=w["alpha"], user=w["agency"]), actor=w["alpha_owner"]
    )

    # the stale tab's "select all" + "Pause" lands after the removal
    response = client.post(
        "/console/campaigns/campaign/",
        {"action": "pause", "select_across": "1", "index": 0, "_selected_action": []},
        follow=True,
    )

    assert Campaign.objects.get(pk=w["bravo_campaign"].pk).status == CampaignStatus.ACTIVE
    body = response.content.decode()
    assert "no longer" in body and "Alpha" in body


def test_a_form_made_for_one_merchant_is_refused_after_switching_to_another(client, agency_world):
    w = agency_world
    client.force_login(w["agency"])
    client.post("/console/switch/", {"merchant": w["alpha"].pk})
    client.get("/console/campaigns/campaign/")  # the page carries Alpha
    client.post("/console/switch/", {"merchant": w["bravo"].pk})  # another tab switches to Bravo

    response = client.post(
        "/console/campaigns/campaign/",
        {
            "action": "pause",
            "select_across": "1",
            "index": 0,
            "_selected_action": [],
            "console_merchant": w["alpha"].pk,
        },
        follow=True,
    )

    assert Campaign.objects.get(pk=w["bravo_campaign"].pk).status == CampaignStatus.ACTIVE
    assert "was made for Alpha" in response.content.decode()


def test_console_forms_carry_the_merchant_they_were_made_for(client, agency_world):
    w = agency_world
    client.force_login(w["agency"])
    client.post("/console/switch/", {"merchant": w["bravo"].pk})

    body = client.get("/console/campaigns/campaign/").content.decode()

    assert f'name="console_merchant" value="{w["bravo"].pk}"' in body


@pytest.mark.parametrize("carried", ["²", "١٢", "①"])
def test_digits_of_other_scripts_in_a_carried_merchant_are_refused_not_a_500(client, agency_world, carried):
    """``"²".isdigit()`` is true but ``int("²")`` raises: such a value is not a merchant's id
    (found by review; it was a 500)."""
    w = agency_world
    client.raise_request_exception = False
    client.force_login(w["agency"])
    client.post("/console/switch/", {"merchant": w["bravo"].pk})

    response = client.post(
        "/console/campaigns/campaign/",
        {
            "action": "pause",
            "select_across": "1",
            "index": 0,
            "_selected_action": [],
            "console_merchant": carried,
        },
        follow=True,
    )

    assert response.status_code == 200
    assert Campaign.objects.get(pk=w["bravo_campaign"].pk).status == CampaignStatus.ACTIVE
    assert "was made for another merchant" in response.content.decode()


@pytest.mark.parametrize("url", ["/ops/rewards/reward/²/change/", "/ops/accounts/user/²/change/"])
def test_an_object_id_in_digits_of_another_script_is_a_404_not_a_500(client, url):
    client.raise_request_exception = False
    client.force_login(_user("root@tikjoy.example", is_staff=True, is_superuser=True))

    response = client.get(url)

    assert response.status_code in (302, 404), response.status_code


@pytest.mark.parametrize(
    ("url", "status"),
    [("/stripe/webhook/", 400), ("/webhooks/tiktok/", 403), ("/embed/v1/conversion", 400)],
)
def test_a_form_posted_to_an_endpoint_that_reads_raw_bytes_is_a_4xx_not_a_500(client, url, status):
    """A reviewer's finding: the NUL-byte check read every multipart body as a form, so the Stripe
    webhook's signature check, reading the raw bytes, raised ``RawPostDataException``: a 500."""
    response = client.post(url, {"type": "checkout.session.completed", "id": "evt_1"})

    assert response.status_code == status, response.content[:300]


def test_a_nul_byte_in_a_form_read_whole_is_still_refused(client):
    response = client.post("/stripe/webhook/", {"type": "bad\x00"})
    assert response.status_code == 400 and b"NUL character" in response.content
