"""Every write of subscriptions: subscribe, cancel, renew (django-q2, idempotent per period).

Money: each period's fee moves from the person's ``USER_AVAILABLE`` account to the platform's
revenue (``PLATFORM_REVENUE``, not partitioned: it is earned on no merchant) in one ledger
transaction, kind ``SUBSCRIPTION_FEE``, keyed by the subscription and the period's start, and
recorded as one ``SubscriptionPayment`` (unique per period) in the same database transaction.

Locks: the subscription row (``SELECT ... FOR UPDATE``), then the ledger accounts inside
``wallets.post``. Two renewals of one subscription at once renew it once: the second finds the
period already moved on (and the payment row and the ledger key are unique besides).
"""

from __future__ import annotations

import logging
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from core.db import retry_on_conflict
from core.errors import DomainError
from core.tasks import mail_after_commit
from subscriptions.models import (
    EndReason,
    Plan,
    Subscription,
    SubscriptionPayment,
    SubscriptionStatus,
)
from subscriptions.selectors import plan_terms, subscription_ids_due
from wallets.debts import debt_owed
from wallets.models import PLATFORM, Purpose
from wallets.services import InsufficientFunds, account_for, balance, post

logger = logging.getLogger(__name__)

FEE_KIND = "SUBSCRIPTION_FEE"


class SubscriptionError(DomainError):
    """A subscription can't be started or changed the way it was asked."""


def period_after(start: datetime) -> datetime:
    """The end of a monthly period starting at ``start`` (the same day next month, or its last day)."""
    return start + relativedelta(months=1)


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y")


def _charge(*, subscription: Subscription, user: User, start: datetime, now: datetime) -> None:
    """Pay the period starting at ``start`` from the person's available balance (InsufficientFunds if it
    can't): the payment row and the ledger transaction, both unique per period."""
    end = period_after(start)
    SubscriptionPayment.objects.create(
        subscription=subscription,
        period_start=start,
        period_end=end,
        amount=subscription.monthly_fee,
        currency=subscription.currency,
        paid_at=now,
    )
    post(
        entries=[
            (
                account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=subscription.currency),
                -subscription.fee_money,
            ),
            (
                account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=subscription.currency),
                subscription.fee_money,
            ),
        ],
        kind=FEE_KIND,
        reason=f"{subscription.plan.name}: {_day(start)} to {_day(end)}",
        idempotency_key=f"subscription:{subscription.pk}:{start.isoformat()}",
        actor=user,
        subject=subscription,
        now=now,
    )


def subscription_start(*, user: User, plan_id: int, terms_accepted: bool, now: datetime) -> Subscription:
    """Subscribe ``user`` to a plan: the first month is paid at once from their available balance.

    Refused (nothing written) when the plan is not offered, the rules were not accepted, the person
    already has the plan, owes money, or their available balance can't pay the first month.
    """
    plan = Plan.objects.filter(pk=plan_id, is_offered=True).first()
    if plan is None:
        raise SubscriptionError("This plan is not offered any more: choose one of the plans on the page.")
    if not terms_accepted:
        raise SubscriptionError(f"Tick the box to say you read how {plan.name} works before subscribing.")
    owed = debt_owed(owner=user, currency=plan.currency)
    if owed.amount > 0:
        raise SubscriptionError(
            f"You owe {owed} (a reward paid early was reversed): it is repaid from your next rewards first. "
            "You can subscribe once it is repaid."
        )
    terms = "\n\n".join(plan_terms(plan))
    try:
        with transaction.atomic(durable=True):
            try:
                with transaction.atomic():
                    subscription = Subscription.objects.create(
                        user=user,
                        plan=plan,
                        currency=plan.currency,
                        monthly_fee=plan.monthly_fee,
                        bonus_rate=plan.bonus_rate,
                        bonus_margin_cap=plan.bonus_margin_cap,
                        fast_hold_hours=plan.fast_hold_hours,
                        terms=terms,
                        started_at=now,
                        period_start=now,
                        period_end=period_after(now),
                    )
            except IntegrityError:
                raise SubscriptionError(f"You already have {plan.name}.") from None
            _charge(subscription=subscription, user=user, start=now, now=now)
    except InsufficientFunds:
        available = balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=plan.currency))
        raise SubscriptionError(
            f"{plan.name} costs {plan.fee_money} a month, paid from your available balance, which is "
            f"{available}. Subscribe once your rewards become available."
        ) from None
    return subscription


def subscription_cancel(*, user: User, subscription_id: int, now: datetime) -> Subscription:
    """Stop renewing: the plan runs until the end of the paid period, then ends. Nothing is refunded."""
    with transaction.atomic(durable=True):
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(pk=subscription_id, user=user)
            .first()
        )
        if subscription is None:
            raise SubscriptionError("This subscription is not yours, or does not exist.")
        if subscription.status != SubscriptionStatus.ACTIVE:
            raise SubscriptionError(f"{subscription.plan.name} has already ended.")
        if not subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = True
            subscription.save(update_fields=["cancel_at_period_end"])
    return subscription


def subscription_keep(*, user: User, subscription_id: int, now: datetime) -> Subscription:
    """Undo a cancellation before the period ends: the plan renews again."""
    with transaction.atomic(durable=True):
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(pk=subscription_id, user=user)
            .first()
        )
        if subscription is None:
            raise SubscriptionError("This subscription is not yours, or does not exist.")
        if subscription.status != SubscriptionStatus.ACTIVE or subscription.period_end <= now:
            raise SubscriptionError(f"{subscription.plan.name} has already ended: subscribe again.")
        if subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = False
            subscription.save(update_fields=["cancel_at_period_end"])
    return subscription


@retry_on_conflict
def subscription_renew(*, subscription_id: int, now: datetime) -> str:
    """At the end of a paid period: pay the next one, or end the subscription (cancelled, or the balance
    could not pay). Returns ``RENEWED``, ``CANCELLED``, ``RENEWAL_FAILED`` or ``NOT_DUE``.

    Safe to run twice or at once: the subscription row is locked and its period checked under the lock.
    The benefits end at the period's end either way, never earlier: a reward decided before keeps them.
    """
    with transaction.atomic(durable=True):
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "user")
            .filter(pk=subscription_id)
            .first()
        )
        if (
            subscription is None
            or subscription.status != SubscriptionStatus.ACTIVE
            or subscription.period_end > now
        ):
            return "NOT_DUE"
        user, end = subscription.user, subscription.period_end
        # Periods follow each other; after a worker outage longer than a period, the next one starts now
        # (months nobody could use are not charged).
        start = end if period_after(end) > now else now
        if subscription.cancel_at_period_end:
            _end(subscription, EndReason.CANCELLED)
            return EndReason.CANCELLED
        try:
            with transaction.atomic():
                _charge(subscription=subscription, user=user, start=start, now=now)
        except InsufficientFunds:
            _end(subscription, EndReason.RENEWAL_FAILED)
            mail_after_commit(
                subject=f"[TikJoy] {subscription.plan.name} has ended",
                message=(
                    f"Your {subscription.plan.name} plan could not be renewed on {_day(end)}: your available "
                    f"JoyBack balance could not pay {subscription.fee_money}. Its benefits ended then; rewards "
                    "earned while it ran keep them. You can subscribe again from your wallet at any time."
                ),
                recipient_list=[user.email] if user.email else [],
            )
            return EndReason.RENEWAL_FAILED
        subscription.period_start, subscription.period_end = start, period_after(start)
        subscription.save(update_fields=["period_start", "period_end"])
        return "RENEWED"


def _end(subscription: Subscription, reason: str) -> None:
    subscription.status = SubscriptionStatus.ENDED
    subscription.ended_at, subscription.end_reason = subscription.period_end, reason
    subscription.save(update_fields=["status", "ended_at", "end_reason"])


def subscriptions_renew_due(*, now: datetime) -> dict[str, int]:
    """Renew (or end) every subscription whose paid period ended. Returns counts per outcome."""
    outcome: dict[str, int] = {"RENEWED": 0, EndReason.CANCELLED: 0, EndReason.RENEWAL_FAILED: 0}
    for subscription_id in subscription_ids_due(now=now):
        try:
            result = subscription_renew(subscription_id=subscription_id, now=now)
        except Exception:  # one subscription that fails must not stop the others
            logger.exception("subscription %s could not be renewed", subscription_id)
            continue
        if result != "NOT_DUE":
            outcome[result] += 1
    return {str(k): v for k, v in outcome.items()}


def subscriptions_end_for_person(*, user: User, now: datetime) -> int:
    """The person deleted their account: every plan ends now (no renewal, nothing refunded of the
    month paid). Inside the caller's transaction; returns how many ended."""
    return Subscription.objects.filter(user=user, status=SubscriptionStatus.ACTIVE).update(
        status=SubscriptionStatus.ENDED, ended_at=now, end_reason=EndReason.CANCELLED
    )
