"""The ops page of a bank account says whose details they are in words, not the ledger's owner key."""

import html

import pytest

from payouts import services
from payouts.tests.conftest import NOW, add_bank_account
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _page(ops_client, account) -> str:
    response = ops_client.get(f"/ops/payouts/bankaccount/{account.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_persons_bank_account_page_says_a_person_not_accounts_user(ops_client, make_consumer):
    account = add_bank_account(make_consumer("Ana Dances"))

    page = _page(ops_client, account)

    assert "Bankdaten von" in page and "Privatperson" in page
    assert "accounts.user" not in page


def test_a_merchants_bank_account_page_names_the_merchant(ops_client, make_merchant):
    merchant = make_merchant("fizz")
    details = services.bank_details_clean(
        holder_name="Fizz GmbH", street="Hauptstrasse", building_number="1", postcode="10115", town="Berlin",
        country="DE", iban="DE89370400440532013000",
    )  # fmt: skip
    account = services.bank_account_replace(user=owner_of(merchant), details=details, now=NOW, owner=merchant)

    page = _page(ops_client, account)

    assert f"Händler: {merchant.brand_name} (Händler #{merchant.pk})" in page
    assert "merchants.merchant" not in page
