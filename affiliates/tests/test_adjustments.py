"""Adjustments move the platform's margin by the commission's own rule, both ways (#23: -1.00 then +1.00
left the merchant 0.20 richer and the commission's margin 0.20 short)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from affiliates import services
from affiliates.models import CommissionState
from affiliates.tests.conftest import (
    assert_ledger_clean,
    available,
    convert,
    day,
    eur,
    funds,
    locked,
    revenue,
)
from tikjoy.tests.factories import owner_of
from wallets.debts import debt_owed
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def margin_pending(program):
    return balance(
        account_for(owner=PLATFORM, purpose=Purpose.AFFILIATE_PENDING, currency="EUR", partition=program)
    )


def _figures(program, affiliate, commission):
    commission.refresh_from_db()
    return {
        "commission": (commission.amount, commission.margin),
        "merchant": funds(program.merchant),
        "locked": locked(affiliate),
        "available": available(affiliate.user),
        "margin pending": margin_pending(program),
        "revenue": revenue(program.merchant),
    }


def _adjust(commission, amount: str, ops, on: int):
    return services.commission_adjust(
        commission_id=commission.pk, amount=Decimal(amount), reason="Correction", actor=ops, now=day(on)
    )


def test_minus_one_then_plus_one_on_a_locked_commission_restores_every_balance_to_the_cent(
    program, affiliate, click, ops
):
    commission = convert(program, click).commission  # 40.00, margin 8.00
    services.commissions_advance(now=day(15))
    before = _figures(program, affiliate, commission)

    _adjust(commission, "-1", ops, 16)
    middle = _figures(program, affiliate, commission)
    _adjust(commission, "1.00", ops, 17)

    # Down by 1.00, the merchant gets back 1.00 and the rule's margin on it (0.20); up again, it pays both.
    assert middle["commission"] == (Decimal("39.00"), Decimal("7.80"))
    assert middle["merchant"] == before["merchant"] + eur("1.20")
    assert middle["margin pending"] == before["margin pending"] - eur("0.20")
    assert _figures(program, affiliate, commission) == before
    assert_ledger_clean()
    # Approved afterwards, TikJoy's revenue is the original margin, not a cent less.
    services.commissions_advance(now=day(30))
    assert revenue(program.merchant) == eur("8.00")
    assert available(affiliate.user) == eur("40.00")
    assert_ledger_clean()


def test_an_odd_amount_down_and_up_again_keeps_the_rounded_margin(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))
    before = _figures(program, affiliate, commission)

    _adjust(commission, "-0.03", ops, 16)  # 39.97: margin 7.994 rounds down to 7.99
    commission.refresh_from_db()
    assert commission.margin == Decimal("7.99")
    _adjust(commission, "0.03", ops, 17)

    assert _figures(program, affiliate, commission) == before
    assert_ledger_clean()


def test_minus_one_then_plus_one_after_approval_restores_funds_balance_and_revenue(
    program, affiliate, click, ops
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    before = _figures(program, affiliate, commission)

    _adjust(commission, "-1.00", ops, 31)
    middle = _figures(program, affiliate, commission)
    _adjust(commission, "+1", ops, 32)

    assert middle["merchant"] == before["merchant"] + eur("1.20")
    assert middle["revenue"] == before["revenue"] - eur("0.20")
    assert middle["available"] == before["available"] - eur("1.00")
    assert _figures(program, affiliate, commission) == before
    assert_ledger_clean()


def test_a_chargeback_beyond_the_commission_gives_back_no_more_margin_than_was_paid(
    program, affiliate, click, ops
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    before = _figures(program, affiliate, commission)

    adjustment = _adjust(commission, "-50.00", ops, 31)  # 40.00 earned: 10.00 beyond it

    assert adjustment.owed == Decimal("10.00")
    assert revenue(program.merchant) == eur("0.00")  # the 8.00 back, not 10.00
    assert funds(program.merchant) == before["merchant"] + eur("58.00")
    _adjust(commission, "50.00", ops, 32)
    after = _figures(program, affiliate, commission)
    assert (after["merchant"], after["revenue"]) == (before["merchant"], before["revenue"])
    # The person still owes the 10.00 (repaid from the next approval): 50.00 available, 40.00 net.
    assert after["available"] == eur("50.00")
    assert debt_owed(owner=affiliate.user, currency="EUR") == eur("10.00")
    assert_ledger_clean()


def test_the_ledger_writes_both_adjustments_amounts_the_same_way(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))

    _adjust(commission, "-1", ops, 16)
    _adjust(commission, "1", ops, 17)

    reasons = list(
        Transaction.objects.filter(kind="AFFILIATE_ADJUST").order_by("pk").values_list("reason", flat=True)
    )
    assert reasons == [
        "Affiliate commission adjusted by -1.00 EUR: Correction",
        "Affiliate commission adjusted by +1.00 EUR: Correction",
    ]


def test_a_locked_commission_cannot_be_taken_below_zero(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))

    with translation.override("de"), pytest.raises(services.AffiliateError) as refused:
        _adjust(commission, "-40.01", ops, 16)

    assert (
        str(refused.value) == "Die Provision beträgt 40,00\u00a0€; passen Sie höchstens um diesen Betrag an."
    )


def test_funds_that_dont_cover_an_adjustment_are_named_as_the_reader_writes_money(
    program, affiliate, click, ops
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))  # the merchant has 452.00 left

    with translation.override("de"), pytest.raises(services.AffiliateError) as refused:
        _adjust(commission, "5000", ops, 16)  # 5,000.00 and its 1,000.00 margin

    assert str(refused.value) == (
        "Das Guthaben des Programms deckt 6.000,00\u00a0€ nicht: 5.000,00\u00a0€ plus die TikJoy-Marge von "
        "1.000,00\u00a0€."
    )
    with translation.override("fr"), pytest.raises(services.AffiliateError) as refused:
        _adjust(commission, "5000", ops, 16)
    assert "6\u202f000,00\u00a0€" in str(refused.value)
    commission.refresh_from_db()
    assert commission.amount == Decimal("40.00") and commission.state == CommissionState.LOCKED


def test_the_console_refuses_a_billion_euro_adjustment_with_its_limit_in_german(
    client, program, affiliate, click
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))
    client.force_login(owner_of(program.merchant))

    response = client.post(
        f"/console/affiliates/commissions/{commission.pk}/",
        {"action": "adjust", "amount": "1.000.000.000", "reason": "Test"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Dieser Wert muss kleiner oder gleich 10.000 sein." in page
    commission.refresh_from_db()
    assert commission.amount == Decimal("40.00")


@pytest.mark.parametrize(
    ("language", "typed", "refusal"),
    [
        ("de", "-1.000,00", "Die Provision beträgt 40,00\u00a0€; passen Sie höchstens um diesen Betrag an."),
        ("fr", "\u22121\u202f000,00", "ajustez-la au plus de ce montant."),
        ("en", "-1,000.00", "The commission holds €40.00; adjust by at most that."),
    ],
)
def test_a_negative_grouped_adjustment_is_read_in_the_readers_format(
    client, program, affiliate, click, language, typed, refusal
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))
    client.force_login(owner_of(program.merchant))
    url = f"/console/affiliates/commissions/{commission.pk}/"

    page = client.post(
        url,
        {"action": "adjust", "amount": typed, "reason": "Retoure"},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    ).content.decode()

    assert refusal in page  # read as minus one thousand: more than the commission holds
    client.post(
        url,
        {"action": "adjust", "amount": "-2" + typed[-3:], "reason": "Retoure"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    commission.refresh_from_db()
    assert commission.amount == Decimal("38.00")


def test_a_junk_adjustment_is_refused_with_an_example_in_german(client, program, affiliate, click):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))
    client.force_login(owner_of(program.merchant))

    page = client.post(
        f"/console/affiliates/commissions/{commission.pk}/",
        {"action": "adjust", "amount": "--1", "reason": "Test"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    ).content.decode()

    assert "Erwartet wird ein Betrag wie 25,50" in page


def test_the_service_refuses_an_adjustment_beyond_its_limit_in_the_readers_format(
    program, affiliate, click, ops
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))

    with translation.override("de"), pytest.raises(services.AffiliateError) as refused:
        _adjust(commission, "1000000000", ops, 16)

    assert str(refused.value) == "Eine Anpassung beträgt höchstens 10.000,00\u00a0€ in jede Richtung."
