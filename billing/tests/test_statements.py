"""Monthly statements: computed from the ledger, reconciled, issued once, printed and frozen."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from billing.models import Statement
from billing.months import Month
from billing.services import StatementDoesNotReconcile, statement_issue
from billing.tests.conftest import clock, merchant_new, ops, pdf_attachments, pdf_text, top_up, utc
from campaigns.models import ActionType
from campaigns.services import campaign_activate, campaign_create
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, reward_reverse
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, post

pytestmark = pytest.mark.django_db

OCT = Month(2026, 10)
AFTER = utc(2026, 11, 1, 3)


def _campaign(merchant, *, at, name="Spring drop", amount="0.50"):
    owner = merchant.memberships.get().user
    with clock(at):
        campaign = campaign_create(
            merchant=merchant,
            actor=owner,
            values={"name": name, "starts_at": at - timedelta(days=1), "hashtag": "joy"},
            rules=[{"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal(amount)}],
        )
        campaign_activate(campaign=campaign, actor=owner, now=at)
    return campaign


def _login_reward(merchant, campaign, *, at, fan: str) -> Reward:
    person = User.objects.create_user(email=None, display_name=fan)
    with clock(at):
        action_record(
            user=person, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=at, campaign=campaign
        )
    return Reward.objects.get(user=person)


def test_a_month_with_top_ups_rewards_reversals_and_a_pending_tail_reconciles_and_prints():
    merchant = merchant_new("joy")
    top_up(merchant, "80.00", at=utc(2026, 9, 20), ref="SEPT-1")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="OCT-1")
    campaign = _campaign(merchant, at=utc(2026, 10, 3))
    paid = [_login_reward(merchant, campaign, at=utc(2026, 10, 5, 10 + n), fan=f"Fan {n}") for n in range(3)]
    with clock(utc(2026, 10, 20)):
        reward_reverse(reward_id=paid[0].pk, reason="post deleted", actor=ops(), now=utc(2026, 10, 20))
    price = paid[1].merchant_price

    statement, created = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert created
    assert statement.opening_balance == Decimal("80.00")
    assert statement.closing_balance == Decimal("180.00") - 2 * price
    assert statement.money_in == Decimal("100.00") + price
    assert statement.money_out == 3 * price
    text = pdf_text(statement.pdf)
    assert "Monthly statement · October 2026" in text
    assert "Opening balance on 1 October 2026 80.00 EUR" in text
    assert f"Closing balance on 31 October 2026 {statement.closing_balance} EUR" in text
    assert "Bank transfers received 1 100.00 EUR" in text
    assert f"Spring drop · Log in with TikTok 3 -{3 * price} EUR" in text
    assert "Reversals refunded to you, by campaign and action" in text
    assert f"Spring drop · Log in with TikTok 1 {price} EUR" in text
    # two rewards are still pending on 31 October (their hold ends later)
    assert all(r.status == RewardStatus.PENDING for r in paid[1:])
    assert f"Rewards still pending (reversible until their hold ends) 2 {2 * price} EUR" in text


def test_the_embedded_csv_lists_every_ledger_line_and_sums_to_the_movements():
    merchant = merchant_new("joy")
    top_up(merchant, "50.00", at=utc(2026, 10, 2), ref="OCT-1")
    campaign = _campaign(merchant, at=utc(2026, 10, 3))
    _login_reward(merchant, campaign, at=utc(2026, 10, 4), fan="Ann")

    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    attached = pdf_attachments(statement.pdf)["ledger-lines.csv"]
    assert attached == bytes(statement.csv)
    rows = list(csv.DictReader(io.StringIO(attached.decode())))
    assert [r["What"] for r in rows] == ["Bank transfer received", "Reward paid to a consumer"]
    assert sum(Decimal(r["Amount"]) for r in rows) == statement.closing_balance - statement.opening_balance
    assert rows[-1]["Balance"] == f"{statement.closing_balance}"


def test_the_csv_reads_in_the_merchants_language_and_time_zone_to_the_second():
    """QA: the CSV was headed "date,transaction,kind,reason,..." with codes (TOP_UP) and mixed
    2026-11-02T09:00:00+01:00 with 2026-11-10T07:46:57.052618+00:00."""
    merchant = merchant_new("berlin", country="DE", language="de")  # Europe/Berlin
    top_up(merchant, "50.00", at=utc(2026, 10, 2, 7, 46, 57, 52618), ref="BER-1")  # summer time
    top_up(merchant, "20.00", at=utc(2026, 10, 30, 8), ref="BER-2")  # winter time

    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    header, *rows = list(csv.reader(io.StringIO(bytes(statement.csv).decode())))
    assert header == ["Zeitpunkt", "Buchung", "Vorgang", "Details", "Betrag", "Währung", "Saldo"]
    assert [row[0] for row in rows] == ["2026-10-02 09:46:57+02:00", "2026-10-30 09:00:00+01:00"]
    assert [row[2:] for row in rows] == [
        ["Überweisung eingegangen", "Referenz BER-1, Wertstellung 02.10.2026", "50.00", "EUR", "50.00"],
        ["Überweisung eingegangen", "Referenz BER-2, Wertstellung 30.10.2026", "20.00", "EUR", "70.00"],
    ]
    assert "TOP_UP" not in bytes(statement.csv).decode()


def test_a_movement_at_the_exact_month_boundary_belongs_to_the_month_it_starts():
    merchant = merchant_new("joy")  # in France: Europe/Paris
    paris = ZoneInfo("Europe/Paris")
    top_up(merchant, "10.00", at=OCT.start_in(paris), ref="AT-START")  # 1 Oct 00:00:00 in Paris: October
    top_up(merchant, "7.00", at=OCT.end_in(paris) - timedelta(microseconds=1), ref="LAST-INSTANT")  # October
    top_up(merchant, "5.00", at=OCT.end_in(paris), ref="AT-END")  # 1 Nov 00:00:00 in Paris: November

    october, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    november, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT.next, now=utc(2026, 12, 1))

    assert (october.opening_balance, october.closing_balance) == (Decimal("0.00"), Decimal("17.00"))
    assert (november.opening_balance, november.closing_balance) == (Decimal("17.00"), Decimal("22.00"))
    assert november.money_in == Decimal("5.00")


def test_a_month_without_movement_opens_and_closes_at_the_same_balance():
    merchant = merchant_new("joy")
    top_up(merchant, "42.00", at=utc(2026, 9, 10), ref="SEPT")

    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert statement.opening_balance == statement.closing_balance == Decimal("42.00")
    assert statement.entry_count == 0
    text = pdf_text(statement.pdf)
    assert "No movement on the wallet this month." in text
    assert "Closing balance on 31 October 2026 42.00 EUR" in text


def test_issuing_twice_gives_the_same_document():
    merchant = merchant_new("joy")
    top_up(merchant, "42.00", at=utc(2026, 10, 10), ref="OCT")

    first, created = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    again, created_again = statement_issue(
        merchant=merchant, currency="EUR", month=OCT, now=AFTER + timedelta(days=3)
    )

    assert created and not created_again
    assert again.pk == first.pk and again.sha256 == first.sha256
    assert Statement.objects.count() == 1


def test_a_transaction_slipped_into_the_ledger_by_hand_blocks_the_statement_and_alerts_ops(
    django_capture_on_commit_callbacks,
):
    merchant = merchant_new("joy")
    ops()  # a staff member to alert
    top_up(merchant, "30.00", at=utc(2026, 10, 2), ref="OCT")
    funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
    with connection.cursor() as cursor:  # balanced, but written past the ledger's API: no balance moved
        cursor.execute(
            "INSERT INTO wallets_transaction (kind, reason, subject_type, subject_id, idempotency_key, fingerprint, "
            "created_at) VALUES ('TOP_UP', 'by hand', '', '', 'by-hand', 'x', %s) RETURNING id",
            [utc(2026, 10, 15)],
        )
        txn_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO wallets_entry (transaction_id, account_id, amount, currency) VALUES (%s, %s, 9, 'EUR'), "
            "(%s, %s, -9, 'EUR')",
            [txn_id, funds.pk, txn_id, bank.pk],
        )
    mail.outbox.clear()

    with (
        pytest.raises(StatementDoesNotReconcile) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert (
        "the entries before 2026-11-01 00:00 Europe/Paris sum to €39.00, but the stored balance minus later "
        "entries gives €30.00" in str(refused.value)
    )
    assert not Statement.objects.exists()
    alert = next(m for m in mail.outbox if m.subject.startswith("[TikJoy ops]"))
    assert alert.to == ["ops@tikjoy.example"]
    assert "does not reconcile" in alert.body


def test_a_movement_backdated_into_a_month_already_stated_blocks_the_next_statement():
    merchant = merchant_new("joy")
    top_up(merchant, "30.00", at=utc(2026, 9, 2), ref="SEPT")
    statement_issue(merchant=merchant, currency="EUR", month=OCT.previous, now=AFTER)
    top_up(merchant, "5.00", at=utc(2026, 9, 29), ref="LATE")  # posted later with a September date

    with pytest.raises(StatementDoesNotReconcile) as refused:
        statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert (
        "The statement of September 2026 closed at €30.00, but the ledger now opens October 2026 at €35.00"
        in str(refused.value)
    )


def test_an_issued_statement_never_changes():
    merchant = merchant_new("joy")
    top_up(merchant, "42.00", at=utc(2026, 10, 10), ref="OCT")
    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    with pytest.raises(IntegrityError, match="never updated or deleted"), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(
            closing_balance=Decimal("1.00"), opening_balance=Decimal("1.00")
        )
    with pytest.raises(IntegrityError, match="never updated or deleted"), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).delete()
    with (
        connection.cursor() as cursor,
        pytest.raises(IntegrityError, match="never updated"),
        transaction.atomic(),
    ):
        cursor.execute("UPDATE billing_statement SET pdf = '' WHERE id = %s", [statement.pk])
    statement.refresh_from_db()
    assert pdf_text(statement.pdf).startswith("Monthly statement")


def test_a_month_not_over_is_refused():
    merchant = merchant_new("joy")
    with pytest.raises(Exception, match="not over yet"):
        statement_issue(merchant=merchant, currency="EUR", month=OCT, now=utc(2026, 10, 31, 22, 59))


def test_a_post_with_no_merchant_funds_movement_does_not_appear():
    merchant = merchant_new("joy")
    top_up(merchant, "10.00", at=utc(2026, 10, 2), ref="OCT")
    with clock(utc(2026, 10, 3)):
        bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
        revenue = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR", partition=merchant
        )
        from moneyed import Money

        post(
            entries=[(bank, -Money("1.00", "EUR")), (revenue, Money("1.00", "EUR"))],
            kind="OTHER",
            reason="x",
            idempotency_key="k",
        )

    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert statement.entry_count == 1


def test_a_reward_held_for_review_is_a_movement_and_is_counted_held_at_month_end():
    merchant = merchant_new("joy")
    top_up(merchant, "50.00", at=utc(2026, 10, 2), ref="OCT-1")
    campaign = _campaign(merchant, at=utc(2026, 10, 3))
    for n, fan in enumerate(("Ana", "Eve")):  # the same device for two people: the second is held
        person = User.objects.create_user(email=None, display_name=fan)
        at = utc(2026, 10, 4, 10 + n)
        with clock(at):
            action_record(
                user=person,
                merchant=merchant,
                action_type=ActionType.TIKTOK_LOGIN,
                now=at,
                campaign=campaign,
                device_id="one-phone",
            )
    held = Reward.objects.get(status=RewardStatus.HELD)

    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    text = pdf_text(statement.pdf)
    assert "Rewards held for review, by campaign and action" in text
    assert f"Rewards held for review 1 {held.merchant_price} EUR" in text
    assert statement.pending_at_end == {
        "pending_count": 1,
        "pending_amount": f"{held.merchant_price}",
        "held_count": 1,
        "held_amount": f"{held.merchant_price}",
    }
