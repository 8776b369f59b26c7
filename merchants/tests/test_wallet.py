import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from moneyed import Money

from accounts.services import user_ensure_with_email
from merchants.models import BankTransfer
from merchants.roles import Role
from merchants.tests.conftest import owner_of
from merchants.wallet import (
    TopUpConflict,
    merchant_available_account,
    merchant_low_balance_check,
    merchant_top_up_record,
)
from tikjoy.tests.factories import NOW
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(db):
    user, _ = user_ensure_with_email(
        email="ops@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True, is_superuser=True
    )
    return user


def _text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def _record(merchant, ops, reference="BANK-001", amount="100.00", value_date=date(2026, 11, 20), now=None):
    return merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal(amount), "EUR"),
        bank_reference=reference,
        value_date=value_date,
        actor=ops,
        now=now or timezone.now(),
    )


def test_recording_a_transfer_credits_the_wallet_and_emails_the_owner(
    make_merchant, ops, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")

    with django_capture_on_commit_callbacks(execute=True):
        record, created = _record(merchant, ops)

    assert created
    assert balance(merchant_available_account(merchant=merchant)) == Money("100.00", "EUR")
    assert record.ledger_transaction.kind == "TOP_UP"
    assert record.ledger_transaction.reason == "Bank transfer ref BANK-001 received 2026-11-20"
    assert [m.to for m in mail.outbox] == [["owner@fizz.example"]]
    assert "Your balance after this top-up: €100.00." in mail.outbox[0].body


def test_recording_the_same_bank_reference_twice_posts_once(make_merchant, ops):
    merchant = make_merchant("fizz")

    first, _ = _record(merchant, ops)
    again, created = _record(merchant, ops, reference=" bank-001 ")

    assert not created
    assert again.pk == first.pk
    assert BankTransfer.objects.count() == 1
    assert Transaction.objects.filter(kind="TOP_UP").count() == 1
    assert balance(merchant_available_account(merchant=merchant)) == Money("100.00", "EUR")


def test_the_same_bank_reference_with_another_amount_is_refused(make_merchant, ops):
    merchant = make_merchant("fizz")
    _record(merchant, ops)

    with pytest.raises(TopUpConflict, match="already recorded"):
        _record(merchant, ops, amount="999.00")

    assert balance(merchant_available_account(merchant=merchant)) == Money("100.00", "EUR")


def test_the_balance_matches_ledger_check(make_merchant, ops, capsys):
    merchant = make_merchant("fizz")
    _record(merchant, ops, reference="A", amount="100.00")
    _record(merchant, ops, reference="B", amount="25.50")
    _record(merchant, ops, reference="A", amount="100.00")

    call_command("ledger_check")

    out = capsys.readouterr().out
    assert "All invariants hold." in out
    assert balance(merchant_available_account(merchant=merchant)) == Money("125.50", "EUR")
    assert re.search(r"MERCHANT_AVAILABLE\s+125.50", out)


def test_ops_record_a_transfer_in_ops_with_the_merchants_payment_reference(client, make_merchant, ops):
    merchant = make_merchant("fizz")
    client.force_login(ops)
    form = {
        "payment_reference": merchant.payment_reference.lower(),
        "amount": "250.00",
        "currency": "EUR",
        "bank_reference": "SEPA-778",
        "value_date": "2026-11-20",
    }

    first = client.post("/ops/merchants/banktransfer/add/", form, follow=True)
    second = client.post("/ops/merchants/banktransfer/add/", form, follow=True)
    unknown = client.post("/ops/merchants/banktransfer/add/", {**form, "payment_reference": "TJ-NOPE"})

    assert "Recorded: SEPA-778: €250.00 to Fizz" in first.content.decode()
    assert "Already recorded earlier, nothing changed" in second.content.decode()
    assert unknown.status_code == 400
    assert "No merchant has the payment reference TJ-NOPE" in unknown.content.decode()
    assert balance(merchant_available_account(merchant=merchant)) == Money("250.00", "EUR")


def test_the_console_shows_the_balance_and_a_paginated_history_with_reasons(client, make_merchant, ops):
    merchant = make_merchant("fizz")
    for n in range(30):
        _record(merchant, ops, reference=f"REF-{n:02}", amount="1.00")
    client.force_login(owner_of(merchant))

    first = _text(client.get("/console/wallet/"))
    second = _text(client.get("/console/wallet/?page=2"))
    dashboard = _text(client.get("/console/"))

    # In the reader's language (English here: "€30.00"), each line in words.
    assert "€30.00" in first
    assert "Bank transfer received" in first and "TOP_UP" not in first
    assert "Reference REF-29, value date 20 Nov 2026" in first  # written now, from the transfer
    assert "Page 1 of 2" in first
    assert "Reference REF-00, value date" in second
    assert "REF-29" not in second
    assert '<dd data-figure="balance">€30.00</dd>' in dashboard


def test_the_console_wallet_lists_movements_by_when_they_happened_not_by_when_they_were_written(
    client, make_merchant, ops
):
    merchant = make_merchant("fizz")
    now = timezone.now()
    _record(merchant, ops, reference="REF-NEW", amount="1.00", now=now)
    _record(merchant, ops, reference="REF-OLD", amount="2.00", now=now - timedelta(days=3))  # written later
    _record(merchant, ops, reference="REF-TIE", amount="3.00", now=now)  # same time as REF-NEW, written after
    client.force_login(owner_of(merchant))

    page = _text(client.get("/console/wallet/"))
    export = b"".join(client.get("/console/wallet/export.csv").streaming_content).decode()

    for text in (page, export):
        assert text.index("REF-TIE") < text.index("REF-NEW") < text.index("REF-OLD")


def test_each_receipt_gives_the_balance_just_after_its_top_up_in_the_ledgers_time_order(
    client, make_merchant, ops, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")  # the factory's own funding comes first
    now = timezone.now()
    start = balance(merchant_available_account(merchant=merchant)).amount
    earlier = now - timedelta(days=13)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        late, _ = _record(merchant, ops, reference="REF-LATE", amount="60.00", value_date=now.date(), now=now)
        early, _ = _record(
            merchant, ops, reference="REF-EARLY", amount="50.00", value_date=earlier.date(), now=earlier
        )
    client.force_login(owner_of(merchant))

    def balance_after(record) -> str:
        receipt = _text(
            client.get(reverse("console:merchants_banktransfer_receipt", kwargs={"object_id": record.pk}))
        )
        return receipt.split('data-figure="balance-after">')[1].split("<")[0]

    # REF-EARLY was written second but happened first: its receipt can't count REF-LATE's 60.00.
    assert balance_after(early) == f"€{start + Decimal('50.00'):,.2f}"
    assert balance_after(late) == f"€{start + Decimal('110.00'):,.2f}"
    # Each e-mail says what was true when it was sent, in the same time order: REF-EARLY's never
    # counts REF-LATE's 60.00, which came after it (the demo's past top-ups are recorded so).
    late_mail, early_mail = mail.outbox
    assert f"Your balance after this top-up: €{start + Decimal('60.00'):,.2f}." in late_mail.body
    assert f"Your balance after this top-up: €{start + Decimal('50.00'):,.2f}." in early_mail.body


def test_add_funds_shows_the_bank_details_and_the_payment_reference_to_owners_only(
    client, make_merchant, add_member, settings
):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))

    page = client.get("/console/wallet/add-funds/").content.decode()

    assert settings.PLATFORM_BANK_DETAILS["iban"] in page
    assert merchant.payment_reference in page
    client.force_login(add_member(merchant, "viewer@fizz.example", Role.VIEWER))
    assert client.get("/console/wallet/add-funds/").status_code == 403


def test_low_balance_emails_the_owners_once_per_crossing(
    make_merchant, ops, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    merchant.low_balance_threshold = Decimal("50.00")
    merchant.save(update_fields=["low_balance_threshold"])
    _record(merchant, ops, amount="100.00")
    wallet = merchant_available_account(merchant=merchant)
    revenue = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR")

    def spend(amount, key):
        transfer(
            source=wallet, destination=revenue, amount=Money(amount, "EUR"), kind="REWARD",
            reason="test spend", idempotency_key=key,
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            return merchant_low_balance_check(merchant=merchant)

    mail.outbox.clear()
    assert spend("30.00", "s1") is False  # 70 left: above
    assert spend("30.00", "s2") is True  # 40 left: crossed
    assert spend("10.00", "s3") is False  # 30 left: still below, no second e-mail
    _record(merchant, ops, reference="BANK-002", amount="100.00")  # 130: re-armed
    assert spend("90.00", "s4") is True  # 40 left: crossed again

    alerts = [m for m in mail.outbox if "running low" in m.subject]
    assert len(alerts) == 2
    assert alerts[0].to == ["owner@fizz.example"]
    assert "holds €40.00, below your alert threshold of €50.00" in alerts[0].body


def test_ops_see_merchants_read_only_but_for_their_language(client, make_merchant, ops):
    merchant = make_merchant("fizz")
    client.force_login(ops)

    page = client.get(f"/ops/merchants/merchant/{merchant.pk}/change/")
    refused = client.post(f"/ops/merchants/merchant/{merchant.pk}/change/", {"brand_name": "Hacked"})

    assert page.status_code == 200
    assert merchant.payment_reference in page.content.decode()
    assert 'name="brand_name"' not in page.content.decode() and 'name="language"' in page.content.decode()
    assert refused.status_code == 200  # the form again: the language is its one field
    merchant.refresh_from_db()
    assert merchant.brand_name == "Fizz"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "1e9", "Write the amount as on the statement"),
        ("amount", "1,000.00", "Write the amount as on the statement"),
        ("amount", "0.00", "The amount must be more than zero"),
        ("currency", "USD", "wallet is in EUR: a transfer in USD is not recorded"),
        ("value_date", "2999-01-01", "is in the future"),
    ],
)
def test_ops_cannot_record_a_top_up_that_is_not_what_the_bank_received(
    client, make_merchant, ops, field, value, message
):
    merchant = make_merchant("fizz")
    client.force_login(ops)
    form = {
        "payment_reference": merchant.payment_reference,
        "amount": "250.00",
        "currency": "EUR",
        "bank_reference": "SEPA-900",
        "value_date": "2026-11-20",
        field: value,
    }

    response = client.post("/ops/merchants/banktransfer/add/", form)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert balance(merchant_available_account(merchant=merchant)) == Money("0.00", "EUR")


def test_a_top_up_above_the_ceiling_is_credited_only_once_a_second_staff_member_confirms_it(
    make_merchant, ops, make_user, settings, capsys
):
    from merchants.services import MerchantError
    from merchants.wallet import merchant_top_up_confirm

    settings.MERCHANT_TOP_UP_CONFIRM_ABOVE = "10000.00"
    merchant = make_merchant("fizz")
    record, created = merchant_top_up_record(
        merchant=merchant,
        amount=Money("25000.00", "EUR"),
        bank_reference="BIG-1",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=NOW,
    )
    assert created and record.ledger_transaction_id is None
    assert balance(merchant_available_account(merchant=merchant)) == Money("0.00", "EUR")

    with pytest.raises(MerchantError, match="A second staff member must confirm"):
        merchant_top_up_confirm(record_id=record.pk, actor=ops, now=NOW)
    second = make_user("second@tikjoy.example", is_staff=True)
    merchant_top_up_confirm(record_id=record.pk, actor=second, now=NOW)

    assert balance(merchant_available_account(merchant=merchant)) == Money("25000.00", "EUR")
    call_command("ledger_check")
    assert "All invariants hold." in capsys.readouterr().out


def test_a_mistaken_top_up_is_reversed_by_a_ledger_transaction_unless_it_was_spent(
    make_merchant, ops, capsys
):
    from merchants.services import MerchantError
    from merchants.wallet import merchant_top_up_reverse
    from wallets.models import PLATFORM, Purpose
    from wallets.services import account_for, transfer

    merchant = make_merchant("fizz")
    record, _ = merchant_top_up_record(
        merchant=merchant,
        amount=Money("100.00", "EUR"),
        bank_reference="OOPS-1",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=NOW,
    )
    wallet = merchant_available_account(merchant=merchant)
    spend = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_HELD, currency="EUR")
    transfer(
        source=wallet,
        destination=spend,
        amount=Money("30.00", "EUR"),
        kind="TEST",
        reason="spent",
        idempotency_key="spent-30",
    )

    with pytest.raises(MerchantError, match=r"€30\.00 of it was already spent\. Only €70\.00 is left"):
        merchant_top_up_reverse(record_id=record.pk, reason="Wrong merchant", actor=ops, now=NOW)
    with pytest.raises(MerchantError, match="Say why"):
        merchant_top_up_reverse(record_id=record.pk, reason=" ", actor=ops, now=NOW)

    transfer(
        source=spend,
        destination=wallet,
        amount=Money("30.00", "EUR"),
        kind="TEST",
        reason="back",
        idempotency_key="back-30",
    )
    reversed_ = merchant_top_up_reverse(record_id=record.pk, reason="Wrong merchant", actor=ops, now=NOW)

    assert reversed_.reversal_transaction.kind == "TOP_UP_REVERSAL"
    assert balance(wallet) == Money("0.00", "EUR")
    assert record.bank_reference in reversed_.reversal_transaction.reason
    call_command("ledger_check")
    assert "All invariants hold." in capsys.readouterr().out


def test_ops_confirm_a_large_top_up_and_reverse_a_mistaken_one_from_the_list(
    client, make_merchant, ops, make_user, settings
):
    settings.MERCHANT_TOP_UP_CONFIRM_ABOVE = "1000.00"
    merchant = make_merchant("fizz")
    client.force_login(ops)
    form = {
        "payment_reference": merchant.payment_reference,
        "amount": "5000.00",
        "currency": "EUR",
        "bank_reference": "SEPA-BIG",
        "value_date": "2026-11-20",
    }
    recorded = client.post("/ops/merchants/banktransfer/add/", form, follow=True)
    assert "credited once a second staff member confirms it" in recorded.content.decode()
    record = merchant.bank_transfers.get()

    client.force_login(make_user("second@tikjoy.example", is_staff=True, is_superuser=True))
    changelist = "/ops/merchants/banktransfer/"
    client.post(changelist, {"action": "confirm_selected", "_selected_action": [record.pk]})
    assert balance(merchant_available_account(merchant=merchant)) == Money("5000.00", "EUR")

    page = client.post(changelist, {"action": "reverse_selected", "_selected_action": [record.pk]})
    assert "Reverse the selected top-ups" in page.content.decode()
    done = client.post(
        changelist,
        {"action": "reverse_selected", "_selected_action": [record.pk], "apply": "1", "reason": "Not ours"},
        follow=True,
    )
    assert "Reversed: SEPA-BIG" in done.content.decode()
    assert balance(merchant_available_account(merchant=merchant)) == Money("0.00", "EUR")


def test_a_credited_transfer_is_mailed_to_each_owner_in_their_own_language(
    make_merchant, add_member, ops, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    merchant.language = "de"
    merchant.save(update_fields=["language"])
    owner = owner_of(merchant)
    owner.language = ""  # no choice of their own: the merchant's language
    owner.save(update_fields=["language"])
    partner = add_member(merchant, "partner@fizz.example", role=Role.OWNER)
    partner.language = "fr"
    partner.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        _record(merchant, ops)

    by_person = {tuple(m.to): m.body.replace("\xa0", " ").replace("\u202f", " ") for m in mail.outbox}
    assert set(by_person) == {("owner@fizz.example",), ("partner@fizz.example",)}
    assert "Wir haben Ihre Überweisung über 100,00 € erhalten" in by_person[("owner@fizz.example",)]
    assert "Nous avons reçu votre virement de 100,00 €" in by_person[("partner@fizz.example",)]


def test_the_top_up_e_mail_writes_the_value_date_as_the_receipt_does_in_german(
    client, make_merchant, ops, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    owner = owner_of(merchant)
    owner.language = "de"
    owner.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        record, _ = _record(merchant, ops, value_date=date(2026, 11, 8))
    client.force_login(owner)
    receipt = client.get(
        reverse("console:merchants_banktransfer_receipt", kwargs={"object_id": record.pk})
    ).content.decode()

    body = mail.outbox[0].body
    assert "Wertstellung 8. November 2026)" in body
    assert "2026-11-08" not in body
    assert '<td data-figure="value-date">8. November 2026</td>' in receipt
