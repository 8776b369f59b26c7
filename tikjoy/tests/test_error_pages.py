"""What a person sees when something goes wrong: 400, 403, 404, 500 and a refused form, in the
site's design, with DEBUG off (as in production); and help texts shown as text."""

from __future__ import annotations

import pytest
from django.template import loader
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def test_404_is_in_the_site_design(client):
    response = client.get("/no-such-page/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "This page doesn't exist" in body
    assert 'aria-label="TikJoy home"' in body and "/static/css/tikjoy.css" in body
    assert "Sign in" in body  # the site's own header, with its navigation


def test_404_for_a_signed_in_person_offers_their_wallet(client, make_consumer):
    client.force_login(make_consumer("Ana"))

    body = client.get("/no-such-page/").content.decode()

    assert "Open your wallet" in body


def test_403_is_in_the_site_design(client, make_user, make_consumer):
    clerk = make_user("clerk@tikjoy.example", is_staff=True)
    client.force_login(clerk)
    person = make_consumer("Ana")

    response = client.get(f"/ops/accounts/user/{person.pk}/ban/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "You can't open this page" in body
    assert 'aria-label="TikJoy home"' in body


@pytest.mark.urls("tikjoy.tests.error_urls")
def test_500_is_in_the_site_design(client):
    client.raise_request_exception = False

    response = client.get("/boom/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "/static/css/tikjoy.css" in body
    assert "a bug" not in body and "Traceback" not in body


def test_500_page_needs_no_database_no_context_processor_and_no_request(settings, django_assert_num_queries):
    # What Django's server_error handler does: the template alone, with no request and no context.
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": ["tikjoy.tests.test_error_pages.broken_processor"],
            },
        }
    ]
    with django_assert_num_queries(0):
        body = loader.get_template("500.html").render()

    assert "Something went wrong on our side" in body


def broken_processor(request):
    raise RuntimeError("a context processor must not be needed by the 500 page")


def test_400_is_in_the_site_design(client):
    response = client.get("/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert "We couldn't understand that request" in response.content.decode()


def test_a_refused_form_says_what_to_do_and_keeps_the_design():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "a@b.example", "password": "x"})

    body = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in body
    assert "Go back, reload the page, and send the form again." in body
    assert 'aria-label="TikJoy home"' in body


# --- help texts are text ---------------------------------------------------------------------------


def test_a_help_text_with_angle_brackets_is_shown_as_written(client, make_user):
    client.force_login(make_user("new@merchant.example"))

    body = client.get("/merchants/new/").content.decode()

    assert "your page will be /b/&lt;address&gt;/." in body
    assert "<address>" not in body


def test_a_read_only_help_text_in_ops_is_shown_as_written(client, ops, make_merchant):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)
    merchant = make_merchant("acme")

    body = client.get(f"/ops/merchants/merchant/{merchant.pk}/change/").content.decode()

    assert "/b/&lt;slug&gt;/" in body
    assert "/b/<slug>/" not in body


def test_help_texts_marked_safe_stay_html(client, ops):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client.force_login(ops)

    body = client.get("/ops/accounts/user/add/").content.decode()

    assert "<ul><li>" in body  # Django's password rules, built with format_html
