"""Ops read the invoices' pages in their language (#23)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from billing.tests.conftest import ops
from billing.tests.test_console import issued  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "link"),
    [
        ("de", "Gutschrift ausstellen"),
        ("fr", "Émettre un avoir"),
        ("it", "Emetti una nota di credito"),
        ("es", "Emitir una nota de crédito"),
    ],
)
def test_an_invoices_credit_note_link_reads_in_the_ops_persons_language(client, issued, language, link):  # noqa: F811
    merchant, _ = issued
    invoice = merchant.invoices.get()
    person = ops()
    User.objects.filter(pk=person.pk).update(language=language)
    client.force_login(person)

    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()

    assert f'">{link}</a>' in page
    assert "Issue a credit note" not in page


def test_ops_asked_for_a_credit_notes_reason_are_addressed_formally_in_german():
    """Walk: German /ops/ pages addressed staff as "du" ("Gib an, warum ..."); staff read "Sie"."""
    with translation.override("de"):
        text = gettext("Say why the invoice is credited: the reason is printed on the credit note.")

    assert text.startswith("Geben Sie an, warum")
