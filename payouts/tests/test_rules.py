"""Who may be paid, how much, and when: each refusal says why, and moves no money."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation
from moneyed import Money

from accounts.services import user_ensure_with_email
from payouts import services
from payouts.models import BankAccount, IdentityStatus
from payouts.tests.conftest import LATER, NOW, add_bank_account, available, eur, fund
from rewards.services import user_ban
from wallets.debts import debt_incur, debt_repay
from wallets.models import Purpose, Transaction
from wallets.services import account_for

pytestmark = pytest.mark.django_db


def _refused(user, amount, match, now=LATER):
    before = Transaction.objects.count()
    with pytest.raises(services.PayoutError, match=match):
        services.payout_request(user=user, amount=amount, now=now)
    assert Transaction.objects.count() == before


def test_a_banned_person_cannot_withdraw(make_payee, ops):
    user = make_payee("50.00")
    user_ban(user=user, reason="Fake engagement", actor=ops, now=LATER)
    _refused(user, eur("20.00"), "banned")
    assert available(user) == eur("50.00")


def test_no_payout_while_the_person_owes_until_it_is_repaid(make_payee, make_user):
    user = make_payee("50.00")
    creditor = account_for(owner=make_user(), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    debt_incur(
        owner=user, creditor=creditor, amount=eur("12.00"), reason="adjusted", idempotency_key="d", now=NOW
    )
    _refused(user, eur("20.00"), r"You owe €\s?12\.00")
    source = account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR")
    debt_repay(owner=user, source=source, reason="repaid", idempotency_key="r", now=NOW)
    assert available(user) == eur("38.00")
    services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    assert available(user) == eur("18.00")


def test_below_the_minimum_or_above_the_balance_or_not_in_euro(make_payee, settings):
    user = make_payee("50.00")
    _refused(user, eur("9.99"), r"The smallest payout is")
    _refused(user, eur("50.01"), "more than your available balance")
    _refused(user, Money("20.00", "USD"), "in euro")
    settings.PAYOUTS_MIN_AMOUNT = eur("5.00").amount
    services.payout_request(user=user, amount=eur("5.00"), now=LATER)
    assert available(user) == eur("45.00")


@pytest.mark.parametrize(
    ("language", "example"),
    [("en", r"e\.g\. 25\.50\."), ("de", r"z\. B\. 25,50\."), ("fr", r"p\. ex\. 25,50\.")],
)
def test_an_amount_below_the_cent_is_refused_with_an_example_in_the_languages_format(
    make_payee, language, example
):
    user = make_payee("50.00")

    with translation.override(language):
        _refused(user, Money("20.005", "EUR"), example)


def test_an_amount_above_the_balance_is_refused_as_such_before_any_step_about_the_person(
    make_payee, make_user
):
    # 16.00 available, no tax id: 5,000 and a billion are more than the balance, and the person must
    # not be told that a tax id (or an identity) would unlock them.
    user = make_payee("16.00")
    for amount in ("100.00", "5000.00", "1000000000.00"):
        _refused(user, eur(amount), "^That is more than your available balance.$")
    stranger = make_user()  # no identity, no bank details, nothing available
    _refused(stranger, eur("50.00"), "^That is more than your available balance.$")
    assert available(user) == eur("16.00")


def test_identity_comes_before_the_first_payout(db, ops):
    user, _ = user_ensure_with_email(email="new@example.com", password="a-long-pass-phrase-42")
    fund(user, "50.00")
    add_bank_account(user)
    _refused(user, eur("20.00"), "tell us who you are")
    identity = services.identity_submit(
        user=user,
        legal_name="New Person",
        date_of_birth=date(2000, 1, 1),
        street="Weg",
        building_number="1",
        postcode="1010",
        town="Wien",
        country="AT",
        now=NOW,
    )
    services.identity_review(
        identity=identity, actor=ops, verified=False, reason="Upload a clearer ID.", now=NOW
    )
    _refused(user, eur("20.00"), "Upload a clearer ID.")


def test_a_minor_cannot_give_an_identity(db):
    user, _ = user_ensure_with_email(email="kid@example.com", password="a-long-pass-phrase-42")
    with pytest.raises(services.IdentityError, match="18 or over"):
        services.identity_submit(
            user=user,
            legal_name="Kid",
            date_of_birth=NOW.date() - timedelta(days=365 * 16),
            street="Weg",
            building_number="1",
            postcode="1010",
            town="Wien",
            country="AT",
            now=NOW,
        )


def test_a_tax_id_is_needed_above_the_yearly_total(make_payee, ops, settings):
    settings.PAYOUTS_TAX_ID_ABOVE = eur("100.00").amount
    user = make_payee("300.00")
    services.payout_request(user=user, amount=eur("80.00"), now=LATER)
    _refused(user, eur("30.00"), "Payouts above €100.00 in a year need your tax id")
    identity = user.payee_identity
    services.identity_submit(
        user=user,
        legal_name=identity.legal_name,
        date_of_birth=identity.date_of_birth,
        street=identity.street,
        building_number=identity.building_number,
        postcode=identity.postcode,
        town=identity.town,
        country=identity.country,
        tax_id="DE123456789",
        now=LATER,
    )
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.SUBMITTED  # changed details are checked again
    services.payout_request(user=user, amount=eur("30.00"), now=LATER)
    assert available(user) == eur("190.00")


def test_new_bank_details_are_on_hold_for_48_hours(make_payee):
    user = make_payee("50.00")
    add_bank_account(user, iban="FR1420041010050500013M02606", now=LATER)
    _refused(user, eur("20.00"), "can be used from", now=LATER + timedelta(hours=47))
    services.payout_request(user=user, amount=eur("20.00"), now=LATER + timedelta(hours=48, minutes=1))


def test_the_saved_details_replaced_by_the_same_ones_change_nothing_and_say_so(
    make_payee, mailoutbox, django_capture_on_commit_callbacks
):
    """Ops' and the demo's ``bank_account_replace`` made a new row for the same details: the hold
    started again and the person was e-mailed "your bank details were changed"."""
    user = make_payee("50.00")
    (saved,) = BankAccount.objects.filter(user=user)
    mailoutbox.clear()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(
            services.BankDetailsAlreadySaved,
            match=r"^These bank details were already saved: DE89 •••• 3000\. Nothing changed\.$",
        ),
    ):
        add_bank_account(user, now=LATER)

    assert list(
        BankAccount.objects.filter(user=user).values_list("pk", "payouts_hold_until", "retired_at")
    ) == [(saved.pk, saved.payouts_hold_until, None)]
    assert mailoutbox == []
    services.payout_request(user=user, amount=eur("20.00"), now=LATER)  # no hold started again


def test_the_same_details_replaced_during_the_hold_say_until_when_it_runs(make_payee):
    user = make_payee("50.00")
    add_bank_account(user, iban="FR1420041010050500013M02606", now=LATER)

    with translation.override("de"), pytest.raises(services.BankDetailsAlreadySaved) as refused:
        add_bank_account(user, iban="FR1420041010050500013M02606", now=LATER + timedelta(hours=1))

    assert str(refused.value).startswith(
        "Diese Bankdaten waren bereits gespeichert: FR14 •••• 2606. Es hat sich nichts geändert"
    )
    assert BankAccount.objects.filter(user=user).count() == 2  # the first and the French one, no third


def test_bank_details_cannot_change_under_an_open_payout(make_payee):
    user = make_payee("50.00")
    services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    details = services.bank_details_clean(
        holder_name="Ana",
        street="Rue",
        building_number="1",
        postcode="75001",
        town="Paris",
        country="FR",
        iban="FR1420041010050500013M02606",
    )
    with pytest.raises(services.BankDetailsError, match="Cancel it first"):
        services.bank_details_challenge_start(user=user, details=details, now=LATER)
