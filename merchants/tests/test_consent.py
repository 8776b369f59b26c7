"""Consent services: give once, withdraw once, keep the history; the database holds the rules."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.services import user_ensure_with_email
from merchants.models import Consent
from merchants.services import ConsentError, consent_give, consent_withdraw, merchant_create


def _merchant(slug: str = "fizz"):
    owner, _ = user_ensure_with_email(email=f"owner@{slug}.example", password="a-long-pass-phrase-42")
    return merchant_create(
        actor=owner,
        brand_name=slug.title(),
        slug=slug,
        country="DE",
        legal_name=f"{slug.title()} GmbH",
        billing_address="Hauptstrasse 1, 10115 Berlin",
        contact_email=f"hello@{slug}.example",
    )


@pytest.mark.django_db
def test_giving_consent_records_the_fields_and_the_time_passed_in():
    user = User.objects.create_user(phone="+491701234567", phone_verified=True)
    merchant = _merchant()
    given_at = timezone.now() - timedelta(minutes=5)

    consent = consent_give(user=user, merchant=merchant, fields=["PHONE"], now=given_at)

    assert consent.fields == ["PHONE"]
    assert consent.field_labels == ["Phone number"]
    assert consent.given_at == given_at and consent.withdrawn_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"), [([], r"There is nothing to share\."), (["SHOE_SIZE"], "SHOE_SIZE")]
)
def test_a_consent_without_known_fields_is_refused_with_a_clear_message(fields, message):
    user = User.objects.create_user(display_name="Ana")

    with pytest.raises(ConsentError, match=message):
        consent_give(user=user, merchant=_merchant(), fields=fields, now=timezone.now())

    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_withdrawing_twice_says_there_is_nothing_left_to_withdraw():
    user = User.objects.create_user(display_name="Ana")
    merchant = _merchant()
    now = timezone.now()
    consent_give(user=user, merchant=merchant, fields=["DISPLAY_NAME"], now=now)

    withdrawn = consent_withdraw(user=user, merchant=merchant, now=now + timedelta(days=1))

    assert withdrawn.withdrawn_at == now + timedelta(days=1)
    with pytest.raises(ConsentError, match=r"You are not sharing any data with Fizz\."):
        consent_withdraw(user=user, merchant=merchant, now=now + timedelta(days=2))
    assert Consent.objects.get().withdrawn_at == now + timedelta(days=1)


@pytest.mark.django_db
def test_withdrawing_one_brand_leaves_the_others():
    user = User.objects.create_user(display_name="Ana")
    fizz, buzz = _merchant("fizz"), _merchant("buzz")
    now = timezone.now()
    consent_give(user=user, merchant=fizz, fields=["DISPLAY_NAME"], now=now)
    consent_give(user=user, merchant=buzz, fields=["DISPLAY_NAME"], now=now)

    consent_withdraw(user=user, merchant=fizz, now=now)

    assert list(Consent.objects.active().values_list("merchant__slug", flat=True)) == ["buzz"]


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_agreements_store_one_active_consent():
    user = User.objects.create_user(display_name="Ana")
    merchant = _merchant()
    barrier = threading.Barrier(4, timeout=60)
    results, errors = [], []

    def agree():
        try:
            barrier.wait()
            results.append(
                consent_give(user=user, merchant=merchant, fields=["DISPLAY_NAME"], now=timezone.now()).pk
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=agree) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Consent.objects.count() == 1
    assert results == [Consent.objects.get().pk] * 4
