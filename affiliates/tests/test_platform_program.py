"""TikJoy's own program: a person signs up through an affiliate's link, creates a merchant, tops it up."""

from __future__ import annotations

import pytest

from affiliates.models import CommissionState, Conversion, PlatformReferral
from affiliates.services import link_create
from affiliates.tests.conftest import NOW, assert_ledger_clean, eur
from merchants.wallet import merchant_top_up_record
from tikjoy.tests.factories import MerchantFactory, affiliate_make, affiliate_program_make
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"


def test_a_referred_merchants_first_top_up_earns_the_affiliate_the_platforms_bounty(
    client, ops, django_capture_on_commit_callbacks
):
    program = affiliate_program_make(None, domains=["testserver"])
    affiliate = affiliate_make(program, email="agency@partners.example")
    link = link_create(affiliate=affiliate, destination="http://testserver/accounts/signup/", now=NOW)
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")

    redirect = client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert redirect.status_code == 302 and "tj_ref" in redirect.cookies
    client.post(
        "/accounts/signup/",
        {
            "email": "new@merchant.example",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
        HTTP_USER_AGENT=BROWSER,
    )
    referral = PlatformReferral.objects.get(user__email="new@merchant.example")
    before = balance(bank)

    with django_capture_on_commit_callbacks(execute=True):
        merchant = MerchantFactory(slug="newshop", owner=referral.user, funds="200.00", ops=ops)
    with django_capture_on_commit_callbacks(execute=True):  # a second top-up is not a second conversion
        merchant_top_up_record(
            merchant=merchant,
            amount=eur("50.00"),
            bank_reference="BANK-2",
            value_date=NOW.date(),
            actor=ops,
            now=NOW,
        )

    conversion = Conversion.objects.get(program=program)
    assert conversion.is_accepted and conversion.affiliate == affiliate
    assert conversion.commission.state == CommissionState.PENDING
    assert balance(bank) == before - eur("250.00") - eur("40.00")  # two top-ups in, one bounty out
    assert_ledger_clean()


def test_a_sign_up_without_a_referral_cookie_is_no_referral(client):
    client.post(
        "/accounts/signup/",
        {
            "email": "plain@merchant.example",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert not PlatformReferral.objects.exists()
