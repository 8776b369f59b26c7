"""An action still waiting for the brand's money (UNFUNDED) when its person deletes their account is
closed by the deletion: a top-up afterwards pays nobody (before, it paid the deleted account: the
brand's money held for no one)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from merchants.selectors import wallet_balance
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from rewards.models import ActionStatus, Reward
from rewards.reasons import Reader, Reason, action_explain
from rewards.services import unfunded_actions_retry
from rewards.tests.conftest import NOW, books_are_clean, login_rule
from rewards.tests.test_unfunded import _login, _top_up

pytestmark = pytest.mark.django_db


def test_a_top_up_after_the_deletion_pays_nothing_to_the_deleted_account(
    make_merchant, make_campaign, make_consumer, ops, capsys, django_capture_on_commit_callbacks
):
    merchant = make_merchant(funds="1.00")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    _login(ana, merchant)
    waiting = _login(ben, merchant, now=NOW + timedelta(minutes=5))
    assert waiting.status == ActionStatus.UNFUNDED

    plan = deletion_plan_get(user=ben, now=NOW + timedelta(hours=1))
    result = account_delete(user=ben, confirmed=plan.fingerprint, now=NOW + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        _top_up(merchant, ops, "20.00", ref="TOPUP-AFTER", now=NOW + timedelta(hours=2))
    unfunded_actions_retry(merchant_id=merchant.pk, now=NOW + timedelta(hours=3))

    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == (ActionStatus.INELIGIBLE, Reason.ACCOUNT_DELETED)
    assert result.erased["actions_waiting_for_money_closed"] == 1
    assert not Reward.objects.filter(user=ben).exists()
    assert wallet_balance(merchant=merchant).amount == Decimal(
        "20.40"
    )  # 1.00 - Ana's 0.60 + 20.00: nothing to Ben
    with translation.override("de"):
        said = action_explain(waiting, reader=Reader.MERCHANT)
    assert said.title == "Die Person hat ihr Konto gelöscht"
    assert said.text.startswith("Die Person hat ihr Konto gelöscht, während dies auf Ihr Guthaben wartete")
    books_are_clean(capsys)
