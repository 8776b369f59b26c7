import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from merchants.console_site import console_site
from merchants.models import Merchant
from merchants.roles import Role
from merchants.selectors import wallet_balance
from merchants.services import MerchantError, merchant_update
from merchants.tests.conftest import owner_of
from merchants.tests.test_merchant_language import _form_data
from tikjoy.tests.factories import response_text, sheet_rows

pytestmark = pytest.mark.django_db

DETAILS = {
    "brand_name": "Fizz Renamed",
    "contact_email": "new@fizz.example",
    "legal_name": "Fizz Holding GmbH",
    "country": "DE",
    "currency": "EUR",
    "vat_number": "DE136695976",
    "billing_address": "Neue Strasse 2, Berlin",
    "low_balance_threshold": "20.00",
}


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "purple").save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_an_owner_changes_brand_and_billing_details(client, make_merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    response = client.post(f"/console/merchants/merchant/{merchant.pk}/change/", {**DETAILS, "logo": _png()})

    assert response.status_code == 302
    merchant.refresh_from_db()
    assert (merchant.brand_name, merchant.legal_name, str(merchant.low_balance_threshold)) == (
        "Fizz Renamed",
        "Fizz Holding GmbH",
        "20.00",
    )
    assert merchant.logo.name.startswith("merchants/logos/")
    assert '<img class="brand-hero__logo"' in client.get("/b/fizz/").content.decode()


def test_a_manager_changes_the_brand_but_not_the_billing_details(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    client.force_login(add_member(merchant, "m@fizz.example", Role.MANAGER))

    response = client.post(f"/console/merchants/merchant/{merchant.pk}/change/", DETAILS)

    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.brand_name == "Fizz Renamed"
    assert merchant.legal_name == "Fizz GmbH"
    assert merchant.low_balance_threshold is None


def test_an_agency_cannot_change_the_merchant_but_manages_touchpoints(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    client.force_login(add_member(merchant, "a@agency.example", Role.AGENCY))

    refused = client.post(f"/console/merchants/merchant/{merchant.pk}/change/", DETAILS)
    added = client.post(
        "/console/merchants/touchpoint/add/",
        {"kind": "WHOLESALE", "name": "Metro", "address": "", "url": "", "is_active": "on"},
    )

    assert refused.status_code == 403
    assert Merchant.objects.get().brand_name == "Fizz"
    assert added.status_code == 302
    assert merchant.touchpoints.filter(name="Metro").exists()


def test_an_invalid_vat_number_in_the_console_is_a_form_error(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    response = client.post(
        f"/console/merchants/merchant/{merchant.pk}/change/", {**DETAILS, "vat_number": "DE1"}
    )

    assert response.status_code == 200
    assert "not a valid VAT number" in response.content.decode()


def test_the_console_export_is_a_csv_of_this_merchants_rows(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    response = client.get("/console/merchants/touchpoint/export.csv")

    assert response["Content-Type"].startswith("text/csv")
    lines = response_text(response).splitlines()
    # the UTF-8 byte-order mark first (Excel reads the file as UTF-8), then an English reader's commas
    assert lines[0] == "\ufeffName,Kind,Active,Address,URL,Public key"
    assert lines[1].startswith("TikJoy brand page,TikJoy brand page,Yes")


def test_the_wallet_csv_header_is_in_the_readers_language_in_the_same_order(client, make_merchant):

    from accounts.models import User

    merchant = make_merchant("kaffee", funds="50.00", country="DE", language="de")
    owner = owner_of(merchant)
    User.objects.filter(pk=owner.pk).update(language="de")
    client.force_login(owner)

    rows = sheet_rows(client.get("/console/wallet/export.csv"), ";")

    assert rows[0] == ["Zeitpunkt", "Vorgang", "Details", "Betrag", "Währung"]
    # a number a German spreadsheet adds up: a decimal comma, no thousands' dots, the currency beside it
    assert rows[1][3] == "50,00" and rows[1][4] == "EUR"


def test_the_currency_cannot_change_once_the_wallet_was_funded(client, make_merchant, make_user):
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone
    from moneyed import Money

    from merchants.wallet import merchant_top_up_record

    merchant = make_merchant("fizz")
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("10.00"), "EUR"),
        bank_reference="R1",
        value_date=date(2026, 11, 1),
        actor=make_user("ops@tikjoy.example"),
        now=timezone.now(),
    )
    client.force_login(owner_of(merchant))

    response = client.post(
        f"/console/merchants/merchant/{merchant.pk}/change/", {**DETAILS, "currency": "USD"}, follow=True
    )

    assert (
        "The currency can&#x27;t change once money has moved through the wallet." in response.content.decode()
    )
    merchant.refresh_from_db()
    assert merchant.currency == "EUR"
    assert merchant.brand_name == "Fizz"  # nothing of the refused change was saved


def test_inviting_a_member_again_is_refused_with_a_message(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    add_member(merchant, "m@fizz.example", Role.MANAGER)
    client.force_login(owner_of(merchant))

    response = client.post(
        "/console/merchants/invitation/add/", {"email": "M@fizz.example", "role": "VIEWER"}, follow=True
    )

    assert "The team already has a member with the address m@fizz.example." in response.content.decode()
    assert not merchant.invitations.exists()


def test_an_invitation_typed_in_capitals_is_confirmed_with_the_address_it_went_to(client, make_merchant):
    """The owner typed "NEW.Person@Example.COM ": the invitation goes to new.person@example.com, and the
    console's confirmation named the address as typed beside it; both now name the one it went to."""
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    response = client.post(
        "/console/merchants/invitation/add/",
        {"email": "NEW.Person@Example.COM ", "role": "VIEWER"},
        follow=True,
    )

    page = response.content.decode()
    assert "We e-mailed an invitation link to new.person@example.com." in page
    assert "new.person@example.com invited as Viewer to Fizz" in page
    assert "NEW.Person" not in page


def test_help_texts_read_as_written_on_console_forms(client, make_merchant):
    """A help text with "<...>" in it is shown as text: it never opens a tag that styles the rest of
    the form (the merchant's slug help says /b/<slug>/)."""
    from merchants.console_site import escaped_help_text
    from merchants.models import Merchant

    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    field = escaped_help_text(Merchant._meta.get_field("slug").formfield())
    page = response_text(client.get(f"/console/merchants/merchant/{merchant.pk}/change/"))

    assert (
        field.help_text == "The brand page lives at /b/&lt;slug&gt;/. Lowercase."
    )  # read in the console and in ops
    assert "<slug>" not in page and "<address>" not in page


def test_the_console_has_its_theme_and_menu_and_ops_stays_plain(client, make_merchant, ops):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    console = client.get("/console/")
    body = console.content.decode()
    client.force_login(ops)
    plain = client.get("/ops/").content.decode()

    assert "merchants/console-theme.css" in body and 'class="console-nav"' in body
    assert '<a href="/console/" aria-current="page">Dashboard</a>' in body
    assert "console-theme.css" not in plain and "console-nav" not in plain
    # The site's CSP holds: no inline script, nothing from another origin.
    assert "script-src 'self'" in console["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert not re.search(r'src="(https?:)?//', body)  # nothing loaded from another origin
    assert not re.search(r'<link[^>]+href="(https?:)?//', body)


def test_the_dashboard_reads_every_panels_figures_in_one_query(make_merchant, django_assert_num_queries):
    """Each app's panel declares its figures (``register_panel(figures=...)``); the dashboard reads
    them all in one query and gives each panel its own."""
    joy = make_merchant("joy", funds="50.00")
    with django_assert_num_queries(1):
        figures = console_site.dashboard_figures(joy, now=timezone.now())
    assert {"wallet", "checklist", "rewards", "ugc", "chats", "api", "promote"} <= set(figures)
    assert figures["wallet"]["balance"] == wallet_balance(merchant=joy).amount == 50
    assert figures["checklist"]["fund"] is True
    assert figures["ugc"] == {"waiting": 0}


def test_the_time_zone_label_is_capitalised_like_the_other_labels_in_french_and_italian(
    client, make_merchant
):
    merchant = make_merchant("fizz")
    owner = owner_of(merchant)
    client.force_login(owner)

    for language, label in (("fr", "Fuseau horaire"), ("it", "Fuso orario")):
        type(owner).objects.filter(pk=owner.pk).update(language=language)
        body = client.get(f"/console/merchants/merchant/{merchant.pk}/change/").content.decode()

        assert f'<label for="id_time_zone">{label}' in body
        assert f'<label for="id_time_zone">{label.lower()}' not in body


def test_the_invitations_status_column_is_named_in_the_readers_language(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    client.post("/console/merchants/invitation/add/", {"email": "new@fizz.example", "role": "VIEWER"})

    page = response_text(client.get("/console/merchants/invitation/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Statut" in page
    assert "Status" not in page


def test_the_console_breadcrumbs_name_the_dashboard_as_its_menu_does_and_ops_keep_home(
    client, make_merchant, ops
):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    ops_client = Client()
    ops_client.force_login(ops)
    merchant = make_merchant("fizz")
    owner = owner_of(merchant)
    client.force_login(owner)
    pages = [
        "/console/campaigns/campaign/",
        f"/console/merchants/merchant/{merchant.pk}/change/",
        f"/console/merchants/merchant/{merchant.pk}/history/",
        "/console/wallet/",
    ]

    for url in pages:
        crumbs = response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="de")).split('class="breadcrumbs"')[1][
            :200
        ]
        assert "Übersicht</a>" in crumbs, url
        assert ">Start<" not in crumbs, url
    ops = response_text(ops_client.get("/ops/merchants/merchant/", HTTP_ACCEPT_LANGUAGE="de"))
    assert ">Start</a>" in ops.split('class="breadcrumbs"')[1][:200]


@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [
        ("en", "1e9", "Enter an amount such as 25.50"),
        ("de", "1.000.000.000,00", "Dieser Wert muss kleiner oder gleich 1.000.000 sein."),
        ("fr", "-5", "Le montant doit être supérieur à zéro."),
    ],
)
def test_a_low_balance_alert_beyond_reason_is_refused_in_words_and_nothing_saved(
    client, make_merchant, language, typed, shown
):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    url = f"/console/merchants/merchant/{merchant.pk}/change/"
    data = {**_form_data(client.get(url)), "low_balance_threshold": typed}

    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert shown in response_text(response).replace("\xa0", " ").replace("\u202f", " ")
    merchant.refresh_from_db()
    assert merchant.low_balance_threshold is None  # as it was


def test_a_low_balance_alert_is_typed_as_the_reader_writes_amounts(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    url = f"/console/merchants/merchant/{merchant.pk}/change/"
    data = {**_form_data(client.get(url)), "low_balance_threshold": "1.250,50"}

    assert client.post(url, data, HTTP_ACCEPT_LANGUAGE="de").status_code == 302
    merchant.refresh_from_db()
    assert str(merchant.low_balance_threshold) == "1250.50"


def test_inviting_an_address_with_an_open_invitation_says_it_was_sent_again_not_added(client, make_merchant):
    """Walk finding: the second invitation to max@agency.example said "… was added successfully" while
    the open one was renewed (one row stays)."""
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    url = "/console/merchants/invitation/add/"
    client.post(url, {"email": "max@agency.example", "role": "VIEWER"}, follow=True)

    page = response_text(client.post(url, {"email": "Max@Agency.example", "role": "MANAGER"}, follow=True))

    assert (
        "An invitation to max@agency.example was open already: we e-mailed its link again, as Manager, "
        "valid from now. No second invitation was added." in page
    )
    assert "added successfully" not in page and "We e-mailed an invitation link" not in page
    assert list(merchant.invitations.values_list("email", "role")) == [("max@agency.example", "MANAGER")]


def test_a_billing_postcode_that_is_no_postcode_is_refused_and_nothing_is_saved(client, make_merchant):
    """A postcode of emoji was accepted and printed on the brand's invoices."""
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    page = client.post(
        f"/console/merchants/merchant/{merchant.pk}/change/",
        {
            **_form_data(client.get(f"/console/merchants/merchant/{merchant.pk}/change/")),
            **DETAILS,
            "billing_postcode": "☕☕☕",
        },
    ).content.decode()

    assert "Enter the postcode as the post writes it: 2 to 10 letters, digits, spaces or hyphens" in page
    merchant.refresh_from_db()
    assert merchant.brand_name != "Fizz Renamed" and merchant.billing_postcode != "☕☕☕"


def test_the_merchant_service_refuses_a_postcode_that_is_no_postcode(make_merchant):
    merchant = make_merchant("fizz")
    with pytest.raises(MerchantError, match="Enter the postcode as the post writes it"):
        merchant_update(merchant=merchant, actor=owner_of(merchant), changes={"billing_postcode": "<b>"})
    updated = merchant_update(
        merchant=merchant, actor=owner_of(merchant), changes={"billing_postcode": "75 002 "}
    )
    assert updated.billing_postcode == "75 002"


@pytest.mark.parametrize(
    ("language", "path", "title"),
    [
        ("en", "/console/campaigns/campaign/", "Campaigns"),
        ("fr", "/console/campaigns/campaign/", "Campagnes"),
        ("de", "/console/rewards/reward/", "Prämien"),
        ("it", "/console/billing/invoice/", "Fatture"),
        ("es", "/console/merchants/membership/", "Miembros del equipo"),
    ],
)
def test_a_console_list_is_titled_by_what_it_lists(client, make_merchant, language, path, title):
    """Walk finding: every list was titled as Django's admin titles them, "Select campaign to change",
    in French "Sélectionnez l'objet campagne à changer", for a merchant who only wants their campaigns."""
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    page = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<h1>{title}</h1>" in page and f"<title>{title} |" in page
    assert "Select " not in page and "Sélectionnez" not in page and "auswählen" not in page
