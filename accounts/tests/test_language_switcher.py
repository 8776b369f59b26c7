"""The footer's language switcher (templates/includes/language_switcher.html, accounts.views)."""

import pytest
from django.conf import settings

from accounts.models import User


def _switch(client, language, next_url="/"):
    return client.post("/i18n/language/", {"language": language, "next": next_url})


@pytest.mark.django_db
def test_every_page_has_the_switcher_with_the_current_language_marked(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert 'data-testid="language-switcher"' in page
    assert '<html lang="it">' in page
    assert 'value="it" lang="it" class="link-button" aria-current="true" disabled>Italiano</button>' in page
    assert 'value="de" lang="de" class="link-button">Deutsch</button>' in page
    # every language is named in its own words, never translated into the page's language
    assert 'value="en" lang="en" class="link-button">English</button>' in page
    assert "Inglese" not in page


@pytest.mark.django_db
def test_a_visitor_switching_gets_the_cookie_and_goes_back_to_the_page(client):
    response = _switch(client, "de", "/accounts/login/?next=/wallet/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/wallet/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert client.get("/")["Content-Language"] == "de"


@pytest.mark.django_db
def test_a_signed_in_person_switching_saves_the_choice_on_the_account(client, make_user):
    user = make_user("ana@example.com")
    client.force_login(user)
    _switch(client, "es")
    user.refresh_from_db()
    assert user.language == "es"
    other_device = client_class_for(client)
    other_device.force_login(user)
    assert other_device.get("/", HTTP_ACCEPT_LANGUAGE="fr")["Content-Language"] == "es"


def client_class_for(client):
    return type(client)()


@pytest.mark.django_db
def test_next_pointing_elsewhere_is_not_followed(client):
    response = _switch(client, "fr", "https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_language_we_do_not_ship_changes_nothing(client, make_user):
    user = make_user("ana@example.com")
    client.force_login(user)
    response = _switch(client, "xx")
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert User.objects.get(pk=user.pk).language == ""


@pytest.mark.django_db
def test_switching_needs_a_post(client):
    assert client.get("/i18n/language/?language=de").status_code == 405


def test_signing_out_keeps_the_persons_language_on_the_device(client, make_user):
    """Walk finding: after signing out (or deleting the account) the next page switched to the
    browser's language: the person's saved one was read from their account only."""
    user = make_user("ana@example.com")
    user.language = "de"
    user.save(update_fields=["language"])
    client.force_login(user)

    response = client.post("/accounts/logout/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "de"


def test_a_visitor_without_an_account_gets_no_language_cookie_they_didnt_ask_for(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
