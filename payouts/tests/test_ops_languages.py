"""Ops read the bank-file import and a payout's history in their language (#23)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import User
from payouts.models import PayoutEvent
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


def test_the_bank_file_import_labels_its_file_field_in_german(ops):
    User.objects.filter(pk=ops.pk).update(language="de")
    client = Client()
    client.force_login(ops)

    page = response_text(client.get("/ops/payouts/bankfile/upload/"))

    assert "Datei:" in page
    assert "File:" not in page


def test_a_payouts_history_row_names_its_states_in_italian():
    event = PayoutEvent(payout_id=7, from_state="REQUESTED", to_state="APPROVED", reason="ok")

    with translation.override("it"):
        named = str(event)

    assert named == "Pagamento #7: Richiesto → Approvato"
