"""The language and time zone of pages and e-mails (docs/i18n.md)."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_lazy

from accounts.middleware import TIME_ZONE_COOKIE, PersonLocaleMiddleware
from accounts.services import LocaleChoiceInvalid, user_locale_set
from core.i18n import language_for, recipient_locale, time_zone_for
from core.tasks import mail_after_commit


def _language(client, path="/", **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response["Content-Language"]


@pytest.mark.django_db
def test_nothing_chosen_and_no_browser_language_is_english(client):
    assert _language(client) == "en"


@pytest.mark.django_db
def test_the_browser_language_is_used_when_nothing_was_chosen(client):
    assert _language(client, HTTP_ACCEPT_LANGUAGE="pt-BR,de-AT;q=0.8,en;q=0.5") == "de"


@pytest.mark.django_db
def test_the_switcher_cookie_beats_the_browser(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert _language(client, HTTP_ACCEPT_LANGUAGE="de") == "fr"


@pytest.mark.django_db
def test_an_unknown_cookie_language_falls_back_to_the_browser(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert _language(client, HTTP_ACCEPT_LANGUAGE="es") == "es"


@pytest.mark.django_db
def test_the_saved_language_beats_cookie_and_browser(client, settings, make_user):
    user = make_user("ana@example.com")
    user_locale_set(user=user, language="it")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert _language(client, HTTP_ACCEPT_LANGUAGE="de") == "it"


@pytest.mark.django_db
def test_a_person_who_chose_nothing_gets_cookie_then_browser(client, settings, make_user):
    client.force_login(make_user("ana@example.com"))
    assert _language(client, HTTP_ACCEPT_LANGUAGE="es") == "es"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert _language(client, HTTP_ACCEPT_LANGUAGE="es") == "de"


@pytest.mark.django_db
def test_the_brand_page_speaks_the_brands_language_only_when_nothing_else_says(client, make_merchant):
    make_merchant("pasta", language="it")
    assert _language(client, "/b/pasta/") == "it"
    assert _language(client, "/b/pasta/", HTTP_ACCEPT_LANGUAGE="pt-PT") == "it"  # a language we don't ship
    assert _language(client, "/b/pasta/", HTTP_ACCEPT_LANGUAGE="en-GB") == "en"
    assert _language(client, "/b/pasta/", HTTP_ACCEPT_LANGUAGE="fr") == "fr"
    assert _language(client, "/") == "en"  # other pages don't


@pytest.mark.django_db
def test_the_saved_time_zone_is_active_for_the_persons_requests_only(make_user):
    def page(request):
        return HttpResponse(f"{timezone.get_current_timezone_name()} {translation.get_language()}")

    middleware = PersonLocaleMiddleware(page)
    user = make_user("ana@example.com")
    user_locale_set(user=user, time_zone="America/New_York", language="es")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert middleware(request).content == b"UTC en"
    request.user = user
    assert middleware(request).content == b"America/New_York es"
    assert (timezone.get_current_timezone_name(), translation.get_language()) == ("UTC", "en")


@pytest.mark.django_db
def test_a_language_or_time_zone_that_does_not_exist_is_refused(make_user):
    user = make_user("ana@example.com")
    with pytest.raises(LocaleChoiceInvalid):
        user_locale_set(user=user, language="xx")
    with pytest.raises(LocaleChoiceInvalid):
        user_locale_set(user=user, time_zone="Mars/Olympus")
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("", "")


@pytest.mark.django_db
def test_language_and_time_zone_for_someone_who_chose_nothing_are_the_defaults(make_user):
    user = make_user("ana@example.com")
    assert (language_for(user), time_zone_for(user)) == ("en", "UTC")
    assert (language_for(None), time_zone_for(None)) == ("en", "UTC")


@pytest.mark.django_db(transaction=True)
def test_an_email_is_written_in_the_recipients_language_and_time_zone(
    make_user, django_capture_on_commit_callbacks
):
    recipient = make_user("lena@example.com")
    user_locale_set(user=recipient, language="de", time_zone="Europe/Berlin")
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # Tuesday 00:30 in Berlin

    with django_capture_on_commit_callbacks(execute=True), recipient_locale(recipient) as language:
        mail_after_commit(
            subject=gettext_lazy("Tuesday"),  # lazy: turned into text here, not in the worker
            message=formats.date_format(timezone.localtime(moment), "l, j. F Y H:i"),
            recipient_list=[recipient.email],
        )
    assert language == "de"
    assert gettext("Tuesday") == "Tuesday"  # the request's language is back
    assert timezone.get_current_timezone_name() == "UTC"
    assert mail.outbox[-1].subject == "Dienstag"
    assert mail.outbox[-1].body == "Dienstag, 1. Dezember 2026 00:30"


def test_recipient_locale_overrides_whatever_was_active():
    class Someone:
        language = "it"
        time_zone = "Europe/Rome"

    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")), recipient_locale(Someone()):
        assert gettext("Monday") == "Lunedì"
        assert timezone.get_current_timezone_name() == "Europe/Rome"


@pytest.mark.django_db
def test_the_browsers_time_zone_is_used_when_the_person_chose_none_and_only_a_real_zone(make_user):
    def page(request):
        return HttpResponse(f"{timezone.get_current_timezone_name()} {request.time_zone_source or '-'}")

    middleware = PersonLocaleMiddleware(page)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert middleware(request).content == b"UTC -"
    request.COOKIES[TIME_ZONE_COOKIE] = "Europe/Berlin"
    assert middleware(request).content == b"Europe/Berlin browser"
    for invalid in ("Mars/Olympus", "../../etc/passwd", "", "Europe/Berlin; x=1"):
        request.COOKIES[TIME_ZONE_COOKIE] = invalid
        assert middleware(request).content == b"UTC -"

    request.COOKIES[TIME_ZONE_COOKIE] = "Europe/Berlin"
    request.user = make_user("ana@example.com")
    assert middleware(request).content == b"Europe/Berlin browser"
    user_locale_set(user=request.user, time_zone="America/New_York")
    assert middleware(request).content == b"America/New_York account"  # the saved choice comes first
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.django_db
def test_a_time_says_its_zone_while_the_zone_is_unknown():
    def page(request):
        template = Template('{% load moments %}{% moment when "H:i" %}')
        return HttpResponse(template.render(Context({"request": request, "when": MOMENT})))

    middleware = PersonLocaleMiddleware(page)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert middleware(request).content == b"14:47 UTC"
    request.COOKIES[TIME_ZONE_COOKIE] = "Europe/Berlin"
    assert middleware(request).content == b"15:47"


MOMENT = datetime(2026, 11, 29, 14, 47, tzinfo=UTC)
