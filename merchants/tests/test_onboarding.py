import pytest

from merchants.models import Membership, Merchant, TouchpointKind
from merchants.roles import Role
from merchants.services import merchant_update

pytestmark = pytest.mark.django_db

FORM = {
    "brand_name": "Fizz Cola",
    "slug": "fizz-cola",
    "country": "DE",
    "currency": "EUR",
    "legal_name": "Fizz Cola GmbH",
    "vat_number": "DE 136 695 976",
    "billing_address": "Hauptstrasse 1, 10115 Berlin",
    "contact_email": "hello@fizz.example",
}


def test_signed_in_person_creates_a_merchant_and_becomes_its_owner(client, make_user):
    user = make_user("founder@fizz.example")
    client.force_login(user)

    response = client.post("/merchants/new/", FORM)

    assert response.status_code == 302
    assert response["Location"] == "/console/"
    merchant = Merchant.objects.get(slug="fizz-cola")
    assert merchant.vat_number == "DE136695976"
    assert merchant.currency == "EUR"
    assert merchant.payment_reference.startswith("TJ-")
    assert Membership.objects.get(merchant=merchant).user == user
    assert Membership.objects.get(merchant=merchant).role == Role.OWNER
    assert list(merchant.touchpoints.values_list("kind", flat=True)) == [TouchpointKind.BRAND_PAGE]
    dashboard = client.get("/console/")
    assert dashboard.status_code == 200
    assert "Fizz Cola" in dashboard.content.decode()


def test_an_invalid_vat_number_is_a_form_error_and_creates_nothing(client, make_user):
    client.force_login(make_user("founder@fizz.example"))

    response = client.post("/merchants/new/", {**FORM, "vat_number": "DE123"})

    assert response.status_code == 400
    assert "not a valid VAT number" in response.content.decode()
    assert not Merchant.objects.exists()


def test_a_taken_slug_is_refused_with_a_message(client, make_user, make_merchant):
    make_merchant("fizz-cola")
    client.force_login(make_user("other@fizz.example"))

    response = client.post("/merchants/new/", FORM)

    assert response.status_code == 400
    assert "/b/fizz-cola/ is taken" in response.content.decode()
    assert Merchant.objects.count() == 1


def test_only_eur_usd_and_gbp_are_offered(client, make_user):
    client.force_login(make_user("founder@fizz.example"))

    response = client.post("/merchants/new/", {**FORM, "currency": "JPY"})

    assert response.status_code == 400
    assert not Merchant.objects.exists()


def test_a_merchant_without_vat_in_a_country_without_stdnum_module_is_accepted(client, make_user):
    client.force_login(make_user("founder@fizz.example"))

    response = client.post("/merchants/new/", {**FORM, "country": "US", "currency": "USD", "vat_number": ""})

    assert response.status_code == 302
    assert Merchant.objects.get().currency == "USD"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/merchants/new/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_signed_in_person_without_merchant_is_sent_from_the_console_to_onboarding(client, make_user):
    client.force_login(make_user("nobody@fizz.example"))

    response = client.get("/console/", follow=True)

    assert response.redirect_chain[-1][0] == "/merchants/new/"
    assert "Create your merchant" in response.content.decode()


def test_merchants_never_reach_the_ops_admin(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(merchant.memberships.get().user)

    response = client.get("/ops/")

    assert response.status_code == 302
    assert "/ops/login/" in response["Location"]


def test_a_logo_uploaded_at_onboarding_shows_on_the_brand_page(client, make_user, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "purple").save(buffer, format="PNG")
    client.force_login(make_user("founder@fizz.example"))

    client.post(
        "/merchants/new/", {**FORM, "logo": SimpleUploadedFile("l.png", buffer.getvalue(), "image/png")}
    )

    merchant = Merchant.objects.get()
    assert merchant.logo.name.startswith("merchants/logos/")
    assert f'src="{merchant.logo.url}"' in client.get("/b/fizz-cola/").content.decode()


def test_a_file_that_is_not_an_image_is_a_form_error(client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_user("founder@fizz.example"))

    response = client.post(
        "/merchants/new/", {**FORM, "logo": SimpleUploadedFile("l.png", b"not a png", "image/png")}
    )

    assert response.status_code == 400
    assert not Merchant.objects.exists()


@pytest.mark.parametrize(
    ("vat_number", "words"),
    [
        ("DE123456789", "Das ist keine gültige USt-IdNr. für dieses Land: Die Prüfziffer stimmt nicht."),
        (
            "DE123",
            "Das ist keine gültige USt-IdNr. für dieses Land: Sie hat zu viele oder zu wenige Zeichen.",
        ),
    ],
)
def test_a_bad_vat_number_is_explained_in_the_readers_language_without_the_librarys_english(
    client, make_user, vat_number, words
):
    """QA: "… für dieses Land (The number's checksum or check digit is invalid.)." on /merchants/new/."""
    client.force_login(make_user("founder@fizz.example"))

    response = client.post("/merchants/new/", {**FORM, "vat_number": vat_number}, HTTP_ACCEPT_LANGUAGE="de")

    page = response.content.decode()
    assert words in page
    assert "number" not in page.split("USt-IdNr.", 1)[1].split("</", 1)[0]
    assert ".)." not in page


def test_bidirectional_controls_are_dropped_from_the_brand_name(client, make_user):
    """QA: a brand named "\u202eevil" turned the text around it on every page that names it."""
    client.force_login(make_user("founder@fizz.example"))

    only = client.post("/merchants/new/", {**FORM, "brand_name": "\u202e\u2067"})
    assert only.status_code == 400 and "This field is required." in only.content.decode()

    assert client.post("/merchants/new/", {**FORM, "brand_name": "\u202eFizz\u202c Cola"}).status_code == 302
    merchant = Merchant.objects.get(slug="fizz-cola")
    assert merchant.brand_name == "Fizz Cola"
    merchant_update(
        merchant=merchant, actor=merchant.memberships.get().user, changes={"brand_name": "\u202eevil"}
    )
    assert Merchant.objects.get(pk=merchant.pk).brand_name == "evil"


@pytest.mark.parametrize(
    ("language", "formal", "informal"),
    [
        ("de", "Lassen Sie sich für das bezahlen, was Sie für Ihre Lieblingsmarken tun.", "Lass dich"),
        ("it", "si faccia pagare per quello che fa per i brand che ama.", "fatti pagare"),
        ("es", "cobre por lo que hace por las marcas que le encantan.", "cobra por lo que haces"),
    ],
)
def test_the_new_merchant_page_speaks_formally_down_to_its_footer(
    client, make_user, language, formal, informal
):
    client.force_login(make_user("founder@fizz.example"))

    page = client.get("/merchants/new/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    footer = page[page.index('<footer class="site-footer">') :]
    assert formal in footer
    assert informal.lower() not in footer.lower()
