"""The brand sign-in journey: /b/<slug>/join/ asks for consent once, stores it, and moves on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.http import DEVICE_COOKIE_NAME, client_ip_get
from merchants.models import Consent
from merchants.selectors import consented_data_for_merchant
from social.models import TikTokProfile
from social.selectors import login_channel_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiktok_consumer(db):
    user = User.objects.create_user(display_name="Chloe Creates")
    SocialAccount.objects.create(user=user, provider="tiktok", uid="open-42", extra_data={})
    TikTokProfile.objects.create(
        user=user, open_id="open-42", display_name="Chloe Creates", username="chloe.creates"
    )
    return user


@pytest.fixture
def whatsapp_consumer(db):
    return User.objects.create_user(phone="+491701234567", phone_verified=True)


def _agree(client, slug: str, fields: list[str]):
    return client.post(f"/b/{slug}/join/", {"decision": "agree", "fields": fields})


def test_the_brand_page_sign_in_buttons_lead_to_the_join_page(client, make_merchant):
    make_merchant("fizz")

    text = client.get("/b/fizz/").content.decode()

    assert 'name="next" value="/b/fizz/join/"' in text  # Continue with TikTok
    assert "/accounts/whatsapp/?next=/b/fizz/join/" in text
    assert "/accounts/login/?next=/b/fizz/join/" in text


def test_joining_without_signing_in_goes_to_sign_in_and_back(client, make_merchant):
    make_merchant("fizz")

    response = client.get("/b/fizz/join/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/b/fizz/join/"


def test_the_first_join_shows_what_the_brand_will_receive_with_the_persons_real_data(
    client, make_merchant, tiktok_consumer
):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    response = client.get("/b/fizz/join/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "Fizz will receive" in text
    assert '<dd data-testid="consent-display_name">Chloe Creates</dd>' in text
    assert '<dd data-testid="consent-tiktok_handle">@chloe.creates</dd>' in text
    assert "Phone number" not in text and "E-mail address" not in text
    assert "Agree and continue" in text and "Not now" in text
    assert not Consent.objects.exists()


def test_a_whatsapp_consumer_is_shown_their_verified_phone_number(client, make_merchant, whatsapp_consumer):
    make_merchant("fizz")
    client.force_login(whatsapp_consumer)

    text = client.get("/b/fizz/join/").content.decode()

    assert '<dd data-testid="consent-phone">+49 170 1234567</dd>' in text  # grouped, as everywhere
    assert "TikTok handle" not in text


def test_agreeing_stores_who_which_brand_what_and_when_and_lands_on_the_consumer_home(
    client, make_merchant, tiktok_consumer
):
    merchant = make_merchant("fizz")
    client.force_login(tiktok_consumer)
    before = timezone.now()

    response = _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    assert response.status_code == 302
    assert response["Location"] == "/wallet/"  # CONSUMER_HOME_URL
    consent = Consent.objects.get()
    assert (consent.user, consent.merchant) == (tiktok_consumer, merchant)
    assert consent.fields == ["DISPLAY_NAME", "TIKTOK_HANDLE"]
    assert before <= consent.given_at <= timezone.now()
    assert consent.withdrawn_at is None
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["You joined Fizz."]


def test_a_second_join_goes_straight_on_without_asking_again(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    response = client.get("/b/fizz/join/")

    assert response.status_code == 302
    assert response["Location"] == "/wallet/"
    assert Consent.objects.count() == 1


def test_not_now_stores_nothing_and_returns_to_the_brand_page(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    response = client.post("/b/fizz/join/", {"decision": "decline"}, follow=True)

    assert response.redirect_chain == [("/b/fizz/", 302)]
    assert "Nothing was shared with Fizz." in response.content.decode()
    assert not Consent.objects.exists()


def test_fields_other_than_those_shown_are_not_stored(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    response = _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE", "EMAIL"])

    assert response.status_code == 400
    assert "What would be shared has changed" in response.content.decode()
    assert not Consent.objects.exists()


def test_an_unknown_decision_shows_the_consent_page_again(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    response = client.post("/b/fizz/join/", {"decision": "<script>", "fields": "x"})

    assert response.status_code == 400
    assert "Agree and continue" in response.content.decode()
    assert not Consent.objects.exists()


def test_joining_an_unknown_brand_is_a_404(client, tiktok_consumer):
    client.force_login(tiktok_consumer)

    assert client.get("/b/nobody/join/").status_code == 404


def test_agreeing_twice_keeps_one_active_consent(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)
    page = client.get("/b/fizz/join/")  # two tabs showing the consent page
    assert page.status_code == 200

    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])
    response = _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    assert response.status_code == 302
    assert Consent.objects.count() == 1


def test_the_database_refuses_a_second_active_consent_for_the_same_brand(make_merchant, tiktok_consumer):
    merchant = make_merchant("fizz")
    now = timezone.now()
    Consent.objects.create(user=tiktok_consumer, merchant=merchant, shares_display_name=True, given_at=now)

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=tiktok_consumer, merchant=merchant, shares_phone=True, given_at=now)


def test_the_database_refuses_a_consent_that_shares_nothing(make_merchant, tiktok_consumer):
    merchant = make_merchant("fizz")

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=tiktok_consumer, merchant=merchant, given_at=timezone.now())


def test_the_me_page_lists_active_consents_with_what_is_shared(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    text = client.get("/me/").content.decode()

    assert "Brands you share data with" in text
    assert '<td data-label="Brand">Fizz</td>' in text
    assert '<td data-label="What they receive">Name, TikTok handle</td>' in text
    assert 'href="/b/fizz/consent/withdraw/?next=/me/"' in text
    assert "Stop sharing my data with Fizz</a>" in text


def test_withdrawing_stops_sharing_keeps_the_history_and_the_next_join_asks_again(
    client, make_merchant, tiktok_consumer
):
    merchant = make_merchant("fizz")
    client.force_login(tiktok_consumer)
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])
    assert [person.user_id for person in consented_data_for_merchant(merchant=merchant)] == [
        tiktok_consumer.pk
    ]

    response = client.post("/b/fizz/consent/withdraw/", {"next": "/me/"}, follow=True)

    assert response.redirect_chain == [("/me/", 302)]
    text = response.content.decode()
    assert "Fizz no longer receives your data." in text
    assert "You share your data with no brand." in text
    assert consented_data_for_merchant(merchant=merchant) == []
    consent = Consent.objects.get()
    assert consent.withdrawn_at is not None
    page = client.get("/b/fizz/join/")
    assert page.status_code == 200 and "Fizz will receive" in page.content.decode()
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])
    assert Consent.objects.count() == 2
    assert Consent.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_withdrawing_without_a_consent_says_so(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    response = client.post("/b/fizz/consent/withdraw/", follow=True)

    assert response.status_code == 200
    assert "You are not sharing any data with Fizz." in response.content.decode()


def test_withdrawing_does_not_follow_a_next_to_another_site(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    response = client.post("/b/fizz/consent/withdraw/", {"next": "https://evil.example/"})

    assert response["Location"] == "/wallet/"


def test_withdrawing_asks_first_and_only_the_confirmation_withdraws(client, make_merchant, tiktok_consumer):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    page = client.get("/b/fizz/consent/withdraw/?next=/wallet/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Stop sharing your data with Fizz?" in text
    assert "Fizz no longer receives: <strong>Name, TikTok handle</strong>" in text
    assert "Your money is not affected: rewards you earned stay in your wallet" in text
    assert 'name="csrfmiddlewaretoken"' in text and 'method="post"' in text
    assert '<a href="/wallet/">Keep sharing</a>' in text
    assert Consent.objects.get().withdrawn_at is None
    assert client.put("/b/fizz/consent/withdraw/").status_code == 405
    client.post("/b/fizz/consent/withdraw/", {"next": "/wallet/"})
    assert Consent.objects.get().withdrawn_at is not None


def test_the_confirmation_page_without_a_consent_sends_the_person_back(
    client, make_merchant, tiktok_consumer
):
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    response = client.get("/b/fizz/consent/withdraw/", follow=True)

    assert response.redirect_chain == [("/wallet/", 302)]
    assert "You are not sharing any data with Fizz." in response.content.decode()


def test_the_merchant_sees_only_consented_fields_of_people_who_consented_to_it(
    client, make_merchant, tiktok_consumer, whatsapp_consumer
):
    fizz, buzz = make_merchant("fizz"), make_merchant("buzz")
    client.force_login(tiktok_consumer)
    _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])
    client.force_login(whatsapp_consumer)
    _agree(client, "buzz", ["PHONE"])
    User.objects.filter(pk=tiktok_consumer.pk).update(email="chloe@example.com")  # added after consenting

    fizz_people = consented_data_for_merchant(merchant=fizz)
    buzz_people = consented_data_for_merchant(merchant=buzz)

    assert [(p.user_id, p.data) for p in fizz_people] == [
        (tiktok_consumer.pk, {"DISPLAY_NAME": "Chloe Creates", "TIKTOK_HANDLE": "@chloe.creates"})
    ]
    assert [(p.user_id, p.data) for p in buzz_people] == [(whatsapp_consumer.pk, {"PHONE": "+491701234567"})]


def test_the_login_channel_is_tiktok_then_whatsapp_then_none(tiktok_consumer, whatsapp_consumer):
    unverified = User.objects.create_user(phone="+491709999999", phone_verified=False)
    merchant_person = User.objects.create_user(email="owner@fizz.example", password="a-long-pass-phrase-42")
    User.objects.filter(pk=tiktok_consumer.pk).update(phone="+491708888888", phone_verified=True)
    tiktok_consumer.refresh_from_db()

    assert login_channel_for(tiktok_consumer) == "TIKTOK_LOGIN"
    assert login_channel_for(whatsapp_consumer) == "WHATSAPP_LOGIN"
    assert login_channel_for(unverified) is None
    assert login_channel_for(merchant_person) is None


def test_consumer_pages_set_a_long_lived_http_only_device_cookie_that_stays_the_same(
    client, make_merchant, tiktok_consumer
):
    make_merchant("fizz")

    first = client.get("/b/fizz/").cookies[DEVICE_COOKIE_NAME]
    client.force_login(tiktok_consumer)
    second = client.get("/b/fizz/join/").cookies[DEVICE_COOKIE_NAME]

    assert len(first.value) == 32
    assert second.value == first.value
    assert first["httponly"] is True
    assert first["samesite"] == "Lax"
    assert int(first["max-age"]) >= timedelta(days=365).total_seconds()
    assert not first["secure"]  # plain HTTP in development and tests


def test_the_device_cookie_is_secure_in_production_and_a_forged_one_is_replaced(
    client, make_merchant, settings
):
    make_merchant("fizz")
    settings.SESSION_COOKIE_SECURE = True
    client.cookies[DEVICE_COOKIE_NAME] = "<forged>"

    cookie = client.get("/b/fizz/").cookies[DEVICE_COOKIE_NAME]

    assert cookie.value != "<forged>" and len(cookie.value) == 32
    assert cookie["secure"] is True


def test_the_client_ip_is_remote_addr_unless_the_proxy_is_trusted(rf, settings):
    request = rf.get("/b/fizz/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUST_X_FORWARDED_FOR = False
    assert client_ip_get(request) == "10.0.0.7"

    settings.TRUST_X_FORWARDED_FOR = True
    assert client_ip_get(request) == "203.0.113.9"

    assert client_ip_get(rf.get("/", REMOTE_ADDR="not-an-ip")) is None


def test_e_mail_sign_in_from_a_brand_page_lands_on_its_join_page(client, make_merchant, make_user):
    make_merchant("fizz")
    make_user("fan@example.com")

    response = client.post(
        "/accounts/login/?next=/b/fizz/join/",
        {"login": "fan@example.com", "password": "a-long-pass-phrase-42", "next": "/b/fizz/join/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/b/fizz/join/"
    page = client.get("/b/fizz/join/").content.decode()
    assert '<dd data-testid="consent-email">fan@example.com</dd>' in page


def test_joining_after_arriving_through_a_store_poster_still_works(client, make_merchant, tiktok_consumer):
    merchant = make_merchant("fizz")
    key = merchant.touchpoints.get().public_key
    client.force_login(tiktok_consumer)
    client.get(f"/b/fizz/?t={key}")

    response = _agree(client, "fizz", ["DISPLAY_NAME", "TIKTOK_HANDLE"])

    assert response.status_code == 302 and response["Location"] == "/wallet/"
    assert Consent.objects.filter(merchant=merchant).count() == 1


def test_the_italian_consent_says_the_brand_uses_these_data_whatever_their_number(
    client, make_merchant, tiktok_consumer
):
    """ "li usa" was plural where one item is shared ("riceverà: Numero di telefono. … li usa")."""
    make_merchant("fizz")
    client.force_login(tiktok_consumer)

    text = client.get("/b/fizz/join/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "Fizz usa questi dati per sapere chi ha guadagnato i suoi premi" in " ".join(text.split())
    assert "li usa" not in text
