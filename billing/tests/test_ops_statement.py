"""A statement's ops page shows its stored figures as the PDF prints them, in the reader's number format
(issue #23)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from accounts.services import user_locale_set
from billing.months import Month
from billing.services import billing_run
from billing.tests.conftest import margin_confirmed, merchant_new, ops, top_up, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement():
    merchant = merchant_new("berlin", country="DE")
    top_up(merchant, "1250.00", at=utc(2026, 10, 2), ref="B-1")
    margin_confirmed(merchant, "6.40", at=utc(2026, 10, 9), key="b:m")
    billing_run(month=Month(2026, 10), now=utc(2026, 11, 1, 3))
    return merchant.statements.get()


def page_text(client, statement, language: str) -> str:
    reader = ops()
    user_locale_set(user=reader, language=language)
    client.force_login(reader)
    page = client.get(reverse("admin:billing_statement_change", args=[statement.pk])).content.decode()
    return re.sub(r"\s+", " ", html.unescape(page).replace("\xa0", " ").replace("\u202f", " "))


def test_a_statements_sections_read_as_a_table_in_the_readers_number_format(client, statement):
    page = page_text(client, statement, "fr")

    assert "<th>Quoi</th>" in page
    assert 'Bank transfers received</td><td class="num">1</td><td class="num">1 250,00 €' in page
    assert "-6,40 €" in page
    assert 'Récompenses retenues pour vérification</td><td class="num">0</td><td class="num">0,00 €' in page
    assert '"lines": [' not in page and '"amount": "' not in page
    assert "1250.00" not in page and "pending_amount" not in page
    assert statement.sections[0]["lines"][0]["amount"].count(".") == 1  # the stored JSON is kept as is
