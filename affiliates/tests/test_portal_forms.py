"""The portal's forms (a link, an inquiry): a refused one comes back as typed, each error just above
its field's label and tied to its input, never a redirect that empties the form (#23, tester pass 13)."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings

from affiliates import services
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db

INQUIRY = {"order_id": "JOY-2001", "order_date": "2026-11-22", "amount": "-5", "message": "Not in my list"}


def _error_of(page: str, field: str) -> str:
    """The error shown for ``field``; it must sit right above the field's label (nothing between)."""
    match = re.search(
        rf'<ul class="errorlist" id="id_{field}_error"><li>(.*?)</li></ul>\s*<p>\s*<label for="id_{field}">',
        page,
    )
    assert match, f"no error beside the field {field}"
    return html.unescape(match.group(1))


def test_a_refused_inquiry_keeps_what_was_typed_and_says_why_beside_the_amount(client, program, affiliate):
    client.force_login(affiliate.user)

    response = client.post(f"/affiliates/{program.pk}/inquiries/", INQUIRY, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    page = response.content.decode()
    assert _error_of(page, "amount") == "El importe debe ser mayor que cero."
    assert 'value="JOY-2001"' in page and 'value="2026-11-22"' in page and 'value="-5"' in page
    assert "Not in my list</textarea>" in page
    assert 'aria-describedby="id_amount_error"' in page
    assert "Su consulta no se ha enviado: el formulario de abajo indica el motivo." in html.unescape(page)
    assert not affiliate.inquiries.exists()


def test_an_empty_inquiry_names_each_missing_field_beside_it_not_four_times_at_the_top(
    client, program, affiliate
):
    client.force_login(affiliate.user)

    response = client.post(f"/affiliates/{program.pk}/inquiries/", {}, HTTP_ACCEPT_LANGUAGE="es")

    page = response.content.decode()
    for field in ("order_id", "order_date", "amount", "message"):
        assert _error_of(page, field) == "Este campo es obligatorio."  # Django's words, not DRF's "requerido"
    top = page[: page.index("<h1")]
    assert "obligatorio" not in top
    assert "requerido" not in page


def test_a_refused_link_keeps_the_typed_page_and_sub_id(client, program, affiliate):
    client.force_login(affiliate.user)

    response = client.post(
        f"/affiliates/{program.pk}/links/",
        {"destination": "not a page", "sub_id": "bio story"},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert _error_of(page, "destination") == "La URL no es válida."
    assert _error_of(page, "sub_id").startswith("Hasta 64 letras")
    assert 'value="not a page"' in page and 'value="bio story"' in page
    assert "Su enlace no se ha creado: el formulario de abajo indica el motivo." in html.unescape(page)
    assert not affiliate.links.exists()


def test_a_sub_id_typed_with_spaces_around_it_is_accepted_without_them(client, program, affiliate):
    client.force_login(affiliate.user)

    response = client.post(
        f"/affiliates/{program.pk}/links/",
        {"destination": "https://shop.example/shoes", "sub_id": "  bio  "},
        follow=True,
    )

    page = html.unescape(response.content.decode())
    assert "Your link is ready" in page and "Up to 64 letters" not in page
    assert list(affiliate.links.values_list("sub_id", flat=True)) == ["bio"]


def test_a_link_the_program_refuses_keeps_the_typed_page_and_says_why(client, program, affiliate):
    client.force_login(affiliate.user)

    response = client.post(
        f"/affiliates/{program.pk}/links/", {"destination": "https://evil.example/x", "sub_id": "bio"}
    )

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "only to the program's sites" in page
    assert 'value="https://evil.example/x"' in page and 'value="bio"' in page


def test_an_accepted_inquiry_still_goes_back_to_an_empty_form(client, program, affiliate):
    client.force_login(affiliate.user)

    response = client.post(f"/affiliates/{program.pk}/inquiries/", {**INQUIRY, "amount": "31.50"})

    assert response.status_code == 302 and response["Location"] == f"/affiliates/{program.pk}/"
    assert affiliate.inquiries.get().order_id == "JOY-2001"


def _inquiry_row(page: str, order_id: str) -> str:
    return next(row for row in page.split('<tr data-testid="inquiry">')[1:] if order_id in row).split(
        "</tr>"
    )[0]


def test_an_inquiry_not_answered_yet_says_so_under_its_answer(client, program, affiliate):
    """On a phone the row is a card with each column's name above its value: an open inquiry's
    "ANTWORT" stood over nothing (UX walk, 390 px)."""
    client.force_login(affiliate.user)
    client.post(f"/affiliates/{program.pk}/inquiries/", {**INQUIRY, "amount": "31.50"})

    page = html.unescape(client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode())

    answer = _inquiry_row(page, "JOY-2001").split('<td data-label="Antwort">')[1].split("</td>")[0]
    assert answer == '<span class="muted">Noch keine Antwort.</span>'


def test_an_answered_inquiry_shows_the_answer_and_a_silent_acceptance_a_dash(client, program, affiliate):
    client.force_login(affiliate.user)
    for order_id in ("JOY-2001", "JOY-2002"):
        client.post(
            f"/affiliates/{program.pk}/inquiries/", {**INQUIRY, "order_id": order_id, "amount": "31.50"}
        )
    owner = owner_of(program.merchant)
    for inquiry in affiliate.inquiries.all():
        declined = inquiry.order_id == "JOY-2001"  # a decline says why; an acceptance may say nothing
        services.inquiry_decide(
            inquiry_id=inquiry.pk,
            accept=not declined,
            answer="Found it in the till." if declined else "",
            actor=owner,
            now=inquiry.created_at,
        )

    page = html.unescape(client.get(f"/affiliates/{program.pk}/").content.decode())

    assert '<td data-label="Answer">Found it in the till.</td>' in _inquiry_row(page, "JOY-2001")
    assert '<td data-label="Answer">—</td>' in _inquiry_row(page, "JOY-2002")
    assert "No answer yet." not in page


def test_a_second_link_to_the_same_page_and_sub_id_is_refused_pointing_to_the_first(
    client, program, affiliate
):
    """A walk made two tracked links of one page and sub-id (the partner's clicks then split between
    them): the second is refused beside the page's field, in the reader's language, naming the link
    they have; another sub-id is another link."""
    client.force_login(affiliate.user)
    typed = {"destination": "https://shop.example/shoes", "sub_id": "bio"}
    client.post(f"/affiliates/{program.pk}/links/", typed)
    first = affiliate.links.get()

    response = client.post(
        f"/affiliates/{program.pk}/links/",
        {"destination": "https://SHOP.example/shoes", "sub_id": " bio "},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert _error_of(page, "destination") == (
        f"Sie haben bereits einen Link zu dieser Seite mit dieser Sub-ID: {settings.SITE_URL}/r/{first.code}"
    )
    assert "Ihr Link wurde nicht erstellt: Das Formular unten nennt den Grund." in html.unescape(page)
    assert affiliate.links.count() == 1
    client.post(f"/affiliates/{program.pk}/links/", {**typed, "sub_id": "story"})
    assert affiliate.links.count() == 2


def test_the_service_refuses_a_duplicate_link_with_the_existing_one(affiliate):
    from tikjoy.tests.factories import NOW

    first = services.link_create(affiliate=affiliate, destination="https://shop.example/a?x=1", now=NOW)

    with pytest.raises(services.LinkExists) as refused:
        services.link_create(affiliate=affiliate, destination=" https://shop.example/a?x=1 ", now=NOW)

    assert refused.value.link == first
    assert (
        services.link_create(affiliate=affiliate, destination="https://shop.example/a?x=2", now=NOW) != first
    )


@pytest.mark.parametrize("form", ["links", "inquiries"])
def test_switching_language_on_a_refused_forms_page_comes_back_to_the_portal(
    client, program, affiliate, form
):
    """A refused form's page has the form's address (/links/, /inquiries/); the language switcher sends
    the person back to it, which read "This page can't be opened directly". It is the portal again."""
    client.force_login(affiliate.user)

    response = client.post(
        "/i18n/language/", {"language": "de", "next": f"/affiliates/{program.pk}/{form}/"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/affiliates/{program.pk}/"
    page = html.unescape(response.content.decode())
    assert "Diese Seite lässt sich nicht direkt öffnen" not in page and "Ihre Links" in page
