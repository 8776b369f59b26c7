import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from moneyed import Money

from accounts.services import user_ensure_with_email
from merchants import services
from merchants.models import BankTransfer
from merchants.wallet import merchant_available_account, merchant_top_up_record
from wallets.models import Transaction
from wallets.services import balance


@pytest.mark.django_db(transaction=True)
def test_the_same_transfer_recorded_by_two_operators_at_once_is_credited_once():
    owner, _ = user_ensure_with_email(email="owner@fizz.example", password="a-long-pass-phrase-42")
    ops, _ = user_ensure_with_email(
        email="ops@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True
    )
    merchant = services.merchant_create(
        actor=owner,
        brand_name="Fizz",
        slug="fizz",
        country="DE",
        legal_name="Fizz GmbH",
        billing_address="Berlin",
        contact_email="hello@fizz.example",
    )
    barrier = threading.Barrier(4, timeout=60)
    results, errors = [], []

    def record():
        try:
            barrier.wait()
            results.append(
                merchant_top_up_record(
                    merchant=merchant,
                    amount=Money(Decimal("100.00"), "EUR"),
                    bank_reference="SEPA-SAME",
                    value_date=date(2026, 11, 20),
                    actor=ops,
                    now=timezone.now(),
                )
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(created for _record, created in results) == [False, False, False, True]
    assert BankTransfer.objects.count() == 1
    assert Transaction.objects.filter(kind="TOP_UP").count() == 1
    assert balance(merchant_available_account(merchant=merchant)) == Money("100.00", "EUR")
