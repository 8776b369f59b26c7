"""Affiliate and Promote records of a person: in their export (nothing of anyone else), and in their
deletion with the money handled (commissions reversed "account deleted", coins back into the balance)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from moneyed import Money

from affiliates import services as affiliates
from affiliates.models import Affiliate, Commission, CommissionState, Inquiry, ReversalCode
from affiliates.tests.conftest import convert
from payouts.tests.conftest import add_bank_account, verify_identity
from privacy.models import DataExport
from privacy.selectors import FORFEIT, PAYOUT, deletion_plan_get
from privacy.services import DeletionRefused, account_delete
from promote import services as promote
from promote.models import CoinWallet, PromoteOrder
from promote.tests.conftest import fund, order_request, own_post
from tikjoy.tests.factories import (
    NOW,
    affiliate_click_make,
    affiliate_make,
    affiliate_program_make,
)
from wallets.debts import debt_incur
from wallets.models import Purpose
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db

WEBSITE, PLAN, INQUIRY = (
    "https://zoe-reviews.example/",
    "Zoe's unboxing videos",
    "Zoe asks where order Z-9 went",
)
OTHER_WEBSITE, OTHER_LINK_SUB, OTHER_INQUIRY = "https://olaf.example/", "olaf-sub", "Olaf's own question"


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


def _funds(merchant) -> Money:
    return balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))


@pytest.fixture
def people(make_merchant, ops):
    """Zoe: an affiliate of Delta's program with a link, a click, a pending commission and an inquiry,
    and a Promote wallet with 1,000 coins and a coupon. Olaf: the same kinds of records of his own."""
    delta = make_merchant("delta", funds="500.00", ops=ops)
    program = affiliate_program_make(delta)
    out = {"delta": delta, "program": program}
    for name, website, plan, sub_id, question in (
        ("zoe", WEBSITE, PLAN, "zoe-sub", INQUIRY),
        ("olaf", OTHER_WEBSITE, "Olaf's plan", OTHER_LINK_SUB, OTHER_INQUIRY),
    ):
        affiliate = affiliate_make(
            program, email=f"{name}@people.example", website=website, promotion_plan=plan, now=NOW
        )
        link = affiliates.link_create(
            affiliate=affiliate, destination="https://shop.example/", sub_id=sub_id, now=NOW
        )
        click = affiliate_click_make(affiliate, link=link, visitor=f"{name}-visitor", at=NOW)
        convert(program, click, order_id=f"{name}-order-1", at=NOW)
        affiliates.inquiry_open(
            affiliate=affiliate,
            order_id=f"{name}-missing",
            order_date=NOW.date(),
            amount=Decimal("10"),
            message=question,
            now=NOW,
        )
        user = affiliate.user
        fund(user, "10.00")
        promote.coins_buy_from_wallet(holder=user, coins_count=1000, currency="EUR", actor=user, now=NOW)
        promote.birth_date_declare(user=user, birth_date=date(1996, 5, 1), now=NOW)
        promote.coupon_issue(
            code=f"{name.upper()}-GIFT",
            coins_count=200,
            valid_from=NOW,
            valid_until=NOW + timedelta(days=30),
            actor=ops,
            now=NOW,
            user=user,
        )
        out[name] = user
    return out


def test_the_export_holds_the_persons_affiliate_and_promote_records_and_nothing_of_another(
    client, people, django_capture_on_commit_callbacks
):
    zoe = people["zoe"]
    client.force_login(zoe)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:export"))
    export = DataExport.objects.get(user=zoe)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("privacy:export_download", args=[export.pk])).content)
    )
    data = json.loads(archive.read("data.json"))

    assert [(a["program"], a["website"], a["promotion_plan"]) for a in data["affiliate_applications"]] == [
        ("Delta partners", WEBSITE, PLAN)
    ]
    assert [link["sub_id"] for link in data["affiliate_links"]] == ["zoe-sub"]
    assert len(data["affiliate_clicks"]) == 1 and "visitor" not in json.dumps(data["affiliate_clicks"])
    assert [(c["order"], c["state"], c["amount"]) for c in data["affiliate_commissions"]] == [
        ("zoe-order-1", "Pending", data["affiliate_commissions"][0]["amount"])
    ]
    assert [i["message"] for i in data["affiliate_inquiries"]] == [INQUIRY]
    assert [(w["currency"], w["birth_date"]) for w in data["promote_coins"]] == [("EUR", "1996-05-01")]
    assert [(p["what"], p["coins"]) for p in data["promote_purchases"]] == [("bought", 1000)]
    assert [c["code"] for c in data["promote_coupons"]] == ["ZOE-GIFT"]
    assert data["promote_orders"] == [] and data["promote_card_checkouts"] == []
    assert {"affiliate: pending commissions", "promote: coin balance (coins)"} <= {
        e["account"] for e in data["wallet_history"]
    }
    everything = "\n".join(archive.read(name).decode() for name in archive.namelist())
    for other in (OTHER_WEBSITE, OTHER_LINK_SUB, OTHER_INQUIRY, "olaf-order-1", "OLAF-GIFT", "olaf@people"):
        assert other not in everything
    assert {"affiliate_applications.csv", "promote_orders.csv"} <= set(archive.namelist())


def test_deletion_reverses_pending_commissions_and_turns_coins_back_into_the_balance(people):
    zoe, delta = people["zoe"], people["delta"]
    commission = Commission.objects.get(affiliate__user=zoe)
    funds_before = _funds(delta)
    plan = deletion_plan_get(user=zoe, now=NOW)
    assert plan.refusal == ""
    assert [(g.status_label, g.count) for g in plan.commissions_to_reverse] == [("Pending", 1)]
    assert plan.coins == 1000 and plan.coin_funds == [eur("9.90")]
    # 0.10 left after buying the coins, plus the 9.90 they cost: below the payout minimum, so forfeited.
    assert [(b.amount, b.fate) for b in plan.balances] == [(eur("10.00"), FORFEIT)]

    result = account_delete(user=zoe, confirmed=plan.fingerprint, now=NOW)

    assert (result.commissions_reversed, result.coins_withdrawn, result.forfeited) == (
        1,
        1000,
        [eur("10.00")],
    )
    commission.refresh_from_db()
    assert (commission.state, commission.reversal_code) == (
        CommissionState.REVERSED,
        ReversalCode.ACCOUNT_DELETED,
    )
    assert _funds(delta) == funds_before + Money(commission.amount + commission.margin, "EUR")
    wallet = CoinWallet.objects.get(user=zoe)
    assert promote.coin_balance(wallet=wallet) == 0 and wallet.birth_date is None
    affiliate = Affiliate.objects.get(user=zoe)
    assert (affiliate.website, affiliate.promotion_plan, affiliate.visitor_hash) == ("", "", "")
    assert Inquiry.objects.get(affiliate=affiliate).message == ""
    assert not affiliate.links.exclude(sub_id="").exists()
    # Olaf's records are untouched.
    assert Affiliate.objects.get(user=people["olaf"]).website == OTHER_WEBSITE
    assert Commission.objects.get(affiliate__user=people["olaf"]).state == CommissionState.PENDING
    call_command("ledger_check")
    call_command("rewards_check")


def test_deletion_waits_for_locked_commissions(people):
    zoe = people["zoe"]
    commission = Commission.objects.get(affiliate__user=zoe)
    affiliates.commission_lock(commission_id=commission.pk, now=NOW + timedelta(days=16))
    plan = deletion_plan_get(user=zoe, now=NOW + timedelta(days=16))
    assert plan.refusal.startswith("1 of your affiliate commissions is locked and is approved by")
    with pytest.raises(DeletionRefused, match="locked"):
        account_delete(user=zoe, confirmed=plan.fingerprint, now=NOW + timedelta(days=16))


def test_deletion_waits_for_a_running_promote_order(people):
    zoe = people["zoe"]
    promote.order_place(holder=zoe, request=order_request(own_post(zoe)), actor=zoe, now=NOW)
    assert PromoteOrder.objects.filter(wallet__user=zoe).exists()
    plan = deletion_plan_get(user=zoe, now=NOW)
    assert "Promote order" in plan.refusal


def test_a_merchant_cant_choose_account_deleted_as_a_reversal_reason():
    assert ReversalCode.ACCOUNT_DELETED not in dict(ReversalCode.chosen_by_people())


def test_a_person_who_owes_money_repays_it_from_their_balance_and_the_rest_is_paid_out(people, ops, settings):
    settings.PAYOUTS_MIN_AMOUNT = Decimal("1.00")
    zoe = people["zoe"]
    verify_identity(zoe, ops)
    add_bank_account(zoe, holder="Zoe", now=NOW - timedelta(days=3))
    [before] = deletion_plan_get(user=zoe, now=NOW).balances
    assert before.fate == PAYOUT
    debt_incur(
        owner=zoe,
        creditor=account_for(owner=people["delta"], purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"),
        amount=eur("3.00"),
        reason="Commission adjusted after it was paid out",
        idempotency_key="test-debt-zoe",
        now=NOW,
    )
    plan = deletion_plan_get(user=zoe, now=NOW)
    [repayment] = plan.repayments
    assert (repayment.owed, repayment.taken_back, repayment.written_off) == (
        eur("3.00"),
        eur("3.00"),
        eur("0"),
    )
    assert [(b.fate, b.amount) for b in plan.balances] == [(PAYOUT, before.amount - eur("3.00"))]


def test_the_delete_page_writes_what_the_coins_give_back_the_readers_way(people, client):
    client.force_login(people["zoe"])

    italian = client.get(reverse("privacy:delete"), HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "Le tue 1000 monete Promote vengono riconvertite in 9,90\xa0€" in italian
    assert "€ 9.90" not in italian and "9.90" not in italian
