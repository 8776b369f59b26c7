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
import uuid
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from moneyed import Money

from accounts.models import User
from cards import stripe
from core.db import retry_on_conflict
from core.errors import DomainError
from core.i18n import recipient_locale
from core.tasks import after_commit, mail_after_commit
from subscriptions.models import (
    CheckoutStatus,
    EndReason,
    PayWith,
    Plan,
    Subscription,
    SubscriptionCheckout,
    SubscriptionPayment,
    SubscriptionStatus,
)
from subscriptions.selectors import plan_terms, subscription_ids_due
from wallets.debts import debt_owed
from wallets.formats import money_text
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
    """A day as the ledger's reasons and the card's descriptions write it (22 Nov 2026): in English,
    whoever's request or task writes them (the books keep one language)."""
    with translation.override("en"):
        return date_format(timezone.localtime(moment), "j M Y")


def _day_text(moment: datetime) -> str:
    """A day in the reader's language's own format (27. Februar 2026, 27 febbraio 2026)."""
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _charge(
    *,
    subscription: Subscription,
    user: User,
    start: datetime,
    now: datetime,
    payment_intent: str | None = None,
) -> None:
    """Record the fee of the period starting at ``start``: the payment row and the ledger transaction,
    both unique per period. From the person's available balance (``InsufficientFunds`` if it can't
    pay), or, with ``payment_intent``, a card payment Stripe took: the money reached the bank, as
    Promote's coins bought by card (``PLATFORM_BANK`` -> ``PLATFORM_REVENUE``)."""
    end = period_after(start)
    by_card = payment_intent is not None
    SubscriptionPayment.objects.create(
        subscription=subscription,
        period_start=start,
        period_end=end,
        amount=subscription.monthly_fee,
        currency=subscription.currency,
        paid_at=now,
        pay_with=PayWith.CARD if by_card else PayWith.BALANCE,
        payment_intent=payment_intent,
    )
    source = (
        account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=subscription.currency)
        if by_card
        else account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=subscription.currency)
    )
    post(
        entries=[
            (source, -subscription.fee_money),
            (
                account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=subscription.currency),
                subscription.fee_money,
            ),
        ],
        kind=FEE_KIND,
        reason=f"{subscription.plan.name}: {_day(start)} to {_day(end)}"
        + (f", paid by card (Stripe {payment_intent})" if by_card else ""),
        idempotency_key=f"subscription:{subscription.pk}:{start.isoformat()}",
        actor=user,
        subject=subscription,
        now=now,
    )


def _plan_to_start(*, user: User, plan_id: int, terms_accepted: bool) -> Plan:
    plan = Plan.objects.filter(pk=plan_id, is_offered=True).first()
    if plan is None:
        raise SubscriptionError(_("This plan is not offered any more: choose one of the plans on the page."))
    if not terms_accepted:
        raise SubscriptionError(
            _("Tick the box to say you read how %(plan)s works before subscribing.") % {"plan": plan.name}
        )
    owed = debt_owed(owner=user, currency=plan.currency)
    if owed.amount > 0:
        raise SubscriptionError(
            _(
                "You owe %(owed)s (a reward paid early was reversed): it is repaid from your next rewards first. "
                "You can subscribe once it is repaid."
            )
            % {"owed": money_text(owed)}
        )
    return plan


def subscription_start(*, user: User, plan_id: int, terms_accepted: bool, now: datetime) -> Subscription:
    """Subscribe ``user`` to a plan: the first month is paid at once from their available balance.

    Refused (nothing written) when the plan is not offered, the rules were not accepted, the person
    already has the plan, owes money, or their available balance can't pay the first month.
    """
    plan = _plan_to_start(user=user, plan_id=plan_id, terms_accepted=terms_accepted)
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
                raise SubscriptionError(_("You already have %(plan)s.") % {"plan": plan.name}) from None
            _charge(subscription=subscription, user=user, start=now, now=now)
    except InsufficientFunds:
        available = balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=plan.currency))
        raise SubscriptionError(
            _(
                "%(plan)s costs %(fee)s a month, paid from your available balance, which is "
                "%(available)s. Subscribe once your rewards become available, or pay by card."
            )
            % {"plan": plan.name, "fee": money_text(plan.fee_money), "available": money_text(available)}
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
            raise SubscriptionError(_("This subscription is not yours, or does not exist."))
        if subscription.status != SubscriptionStatus.ACTIVE:
            raise SubscriptionError(_("%(plan)s has already ended.") % {"plan": subscription.plan.name})
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
            raise SubscriptionError(_("This subscription is not yours, or does not exist."))
        if subscription.status != SubscriptionStatus.ACTIVE or subscription.period_end <= now:
            raise SubscriptionError(
                _("%(plan)s has already ended: subscribe again.") % {"plan": subscription.plan.name}
            )
        if subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = False
            subscription.save(update_fields=["cancel_at_period_end"])
    return subscription


@retry_on_conflict
def subscription_renew(*, subscription_id: int, now: datetime) -> str:
    """At the end of a paid period: pay the next one, or end the subscription (cancelled, or the balance
    or the card could not pay). Returns ``RENEWED``, ``CANCELLED``, ``RENEWAL_FAILED``,
    ``CARD_DECLINED``, ``REFUNDED`` (a card payment that came too late), ``RETRY`` (Stripe could not be
    reached: the next run asks again with the same idempotency key) or ``NOT_DUE``.

    Safe to run twice or at once: the subscription row is locked and its period checked under the lock;
    a card is charged outside any transaction, with an idempotency key per subscription and period, and
    the payment is recorded once (``card_period_paid``), whether the answer or Stripe's webhook comes
    first. The benefits end at the period's end either way, never earlier: a reward decided before
    keeps them.
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
        if subscription.pay_with == PayWith.BALANCE:
            try:
                with transaction.atomic():
                    _charge(subscription=subscription, user=user, start=start, now=now)
            except InsufficientFunds:
                _end(subscription, EndReason.RENEWAL_FAILED)
                _tell_ended(subscription, reason=EndReason.RENEWAL_FAILED)
                return EndReason.RENEWAL_FAILED
            subscription.period_start, subscription.period_end = start, period_after(start)
            subscription.save(update_fields=["period_start", "period_end"])
            return "RENEWED"
    try:
        intent = stripe.payment_intent_charge(
            amount=subscription.monthly_fee,
            currency=subscription.currency,
            customer=subscription.card_customer,
            payment_method=subscription.card_payment_method,
            description=f"{subscription.plan.name}: {_day(start)} to {_day(period_after(start))}",
            metadata={"tikjoy_subscription": str(subscription.pk), "period_start": start.isoformat()},
            idempotency_key=f"tikjoy-subscription-{subscription.pk}-{start.isoformat()}",
        )
    except stripe.CardDeclined:
        return card_renewal_failed(subscription_id=subscription.pk, period_start=start, now=now)
    except stripe.CardPaymentUnavailable:
        logger.warning("subscription %s: Stripe could not be reached, renewal retried", subscription.pk)
        return "RETRY"
    if intent.status != "succeeded":  # e.g. requires_action: the bank wants the person, who is away
        return card_renewal_failed(subscription_id=subscription.pk, period_start=start, now=now)
    return card_period_paid(
        subscription_id=subscription.pk,
        period_start=start,
        payment_intent=intent.id,
        amount_minor=intent.amount,
        currency=intent.currency,
        now=now,
    )


def _tell_ended(subscription: Subscription, *, reason: str) -> None:
    """E-mail the person, in their language and time zone (the renewal runs in a task)."""
    user = subscription.user
    with recipient_locale(user):
        fee = money_text(subscription.fee_money)
        if reason == EndReason.CARD_DECLINED:
            why = _("your card was declined for %(fee)s") % {"fee": fee}
        else:
            why = _("your available JoyBack balance could not pay %(fee)s") % {"fee": fee}
        mail_after_commit(
            subject=_("[TikJoy] %(plan)s has ended") % {"plan": subscription.plan.name},
            message=(
                _(
                    "Your %(plan)s plan could not be renewed on %(day)s: %(why)s. Its benefits ended then; "
                    "rewards earned while it ran keep them. You can subscribe again from your wallet at any time."
                )
                % {"plan": subscription.plan.name, "day": _day_text(subscription.period_end), "why": why}
            ),
            recipient_list=[user.email] if user.email else [],
        )


def card_period_paid(
    *,
    subscription_id: int,
    period_start: datetime,
    payment_intent: str,
    amount_minor: int,
    currency: str,
    now: datetime,
) -> str:
    """Stripe took a renewal's fee (its answer or its ``payment_intent.succeeded``, in any order, any
    number of times): record the period once and move the subscription on. A payment for a
    subscription that has ended meanwhile (or a period already covered) is refunded in full.
    Returns ``RENEWED`` or ``REFUNDED``."""
    with transaction.atomic(durable=True):
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "user")
            .filter(pk=subscription_id, pay_with=PayWith.CARD)
            .first()
        )
        if subscription is None:
            raise SubscriptionError(_("Unknown subscription."))
        if SubscriptionPayment.objects.filter(payment_intent=payment_intent).exists():
            return "RENEWED"
        if (
            amount_minor != stripe.minor_units(subscription.monthly_fee)
            or currency.upper() != subscription.currency
        ):
            raise SubscriptionError(_("The paid amount is not the subscription's fee."))
        if (
            subscription.status != SubscriptionStatus.ACTIVE
            or subscription.period_end > period_start
            or SubscriptionPayment.objects.filter(
                subscription=subscription, period_start=period_start
            ).exists()
        ):
            after_commit("subscriptions.tasks.card_payment_refund", payment_intent)
            return "REFUNDED"
        _charge(
            subscription=subscription,
            user=subscription.user,
            start=period_start,
            now=now,
            payment_intent=payment_intent,
        )
        subscription.period_start, subscription.period_end = period_start, period_after(period_start)
        subscription.save(update_fields=["period_start", "period_end"])
        return "RENEWED"


def card_renewal_failed(*, subscription_id: int, period_start: datetime, now: datetime) -> str:
    """Stripe declined a renewal's charge: the subscription ends at the end of its paid period (never
    earlier), unless that period got paid after all (events out of order). Returns ``CARD_DECLINED``,
    ``RENEWED`` (paid after all) or ``NOT_DUE``."""
    with transaction.atomic(durable=True):
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "user")
            .filter(pk=subscription_id, pay_with=PayWith.CARD)
            .first()
        )
        if subscription is None:
            raise SubscriptionError(_("Unknown subscription."))
        if SubscriptionPayment.objects.filter(subscription=subscription, period_start=period_start).exists():
            return "RENEWED"
        if (
            subscription.status != SubscriptionStatus.ACTIVE
            or subscription.period_end > period_start
            or subscription.period_end > now
        ):
            return "NOT_DUE"
        _end(subscription, EndReason.CARD_DECLINED)
        _tell_ended(subscription, reason=EndReason.CARD_DECLINED)
        return EndReason.CARD_DECLINED


def _end(subscription: Subscription, reason: str) -> None:
    subscription.status = SubscriptionStatus.ENDED
    subscription.ended_at, subscription.end_reason = subscription.period_end, reason
    subscription.save(update_fields=["status", "ended_at", "end_reason"])
    if subscription.pay_with == PayWith.CARD:  # nothing may charge the saved card any more
        after_commit("subscriptions.tasks.card_forget", subscription.pk)


def subscriptions_renew_due(*, now: datetime) -> dict[str, int]:
    """Renew (or end) every subscription whose paid period ended. Returns counts per outcome."""
    outcome: dict[str, int] = {
        "RENEWED": 0,
        EndReason.CANCELLED: 0,
        EndReason.RENEWAL_FAILED: 0,
        EndReason.CARD_DECLINED: 0,
        "REFUNDED": 0,
        "RETRY": 0,
    }
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
    running = Subscription.objects.filter(user=user, status=SubscriptionStatus.ACTIVE)
    for subscription_id in running.filter(pay_with=PayWith.CARD).values_list("pk", flat=True):
        after_commit("subscriptions.tasks.card_forget", subscription_id)
    # A card page still open (Stripe keeps it up to a day) must not start a plan: if it is paid, the
    # completed checkout is refunded (subscription_checkout_complete).
    SubscriptionCheckout.objects.filter(user=user, status=CheckoutStatus.OPEN).update(
        status=CheckoutStatus.EXPIRED
    )
    return running.update(status=SubscriptionStatus.ENDED, ended_at=now, end_reason=EndReason.CANCELLED)


# --- paid by card ---------------------------------------------------------------------------


def subscription_card_checkout_start(
    *, user: User, plan_id: int, terms_accepted: bool, success_url: str, cancel_url: str, now: datetime
) -> str:
    """Open Stripe Checkout for the first month of a plan, saving the card for the renewals; returns
    the URL where the person pays. Nothing starts until Stripe's signed ``checkout.session.completed``.

    The same refusals as paying from the balance (except the balance itself). A checkout already open
    for this person and plan is reused (a double click, a second tab, the back button: one page, one
    payment); Stripe is asked outside any transaction, and the checkout recorded once it exists."""
    plan = _plan_to_start(user=user, plan_id=plan_id, terms_accepted=terms_accepted)
    if Subscription.objects.filter(user=user, plan=plan, status=SubscriptionStatus.ACTIVE).exists():
        raise SubscriptionError(_("You already have %(plan)s.") % {"plan": plan.name})
    open_checkout = SubscriptionCheckout.objects.filter(
        user=user, plan=plan, status=CheckoutStatus.OPEN
    ).first()
    if open_checkout is not None and open_checkout.expires_at > now + timedelta(minutes=10):
        return open_checkout.url
    reference = uuid.uuid4().hex
    session = stripe.checkout_session_create(
        params={
            "mode": "payment",
            "customer_creation": "always",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": plan.currency.lower(),
                        "unit_amount": stripe.minor_units(plan.monthly_fee),
                        "product_data": {"name": _("%(plan)s: the first month") % {"plan": plan.name}},
                    },
                }
            ],
            "payment_intent_data": {
                "setup_future_usage": "off_session",
                "metadata": {"tikjoy_subscription_checkout": reference},
            },
            "client_reference_id": reference,
            "metadata": {"tikjoy_subscription_checkout": reference},
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        idempotency_key=f"tikjoy-subscription-checkout-{reference}",
    )
    expires_at = (
        datetime.fromtimestamp(session.expires_at, tz=UTC)
        if session.expires_at
        else now + timedelta(hours=24)
    )
    with transaction.atomic(durable=True):
        if open_checkout is not None:  # about to expire at Stripe: a fresh page instead
            SubscriptionCheckout.objects.filter(pk=open_checkout.pk, status=CheckoutStatus.OPEN).update(
                status=CheckoutStatus.EXPIRED
            )
        try:
            with transaction.atomic():
                SubscriptionCheckout.objects.create(
                    user=user,
                    plan=plan,
                    session_id=session.id,
                    url=session.url,
                    amount=plan.monthly_fee,
                    currency=plan.currency,
                    terms="\n\n".join(plan_terms(plan)),
                    created_at=now,
                    expires_at=expires_at,
                )
        except IntegrityError:  # another click opened one at the same moment: the same page for both
            other = SubscriptionCheckout.objects.filter(
                user=user, plan=plan, status=CheckoutStatus.OPEN
            ).first()
            if other is None:
                raise SubscriptionError(_("Try again in a moment.")) from None
            return other.url
    return session.url


def subscription_checkout_complete(*, session: dict, now: datetime) -> bool:
    """Apply a verified ``checkout.session.completed`` of a subscription checkout once: the
    subscription starts, paid by card, its first month recorded (``PLATFORM_BANK`` ->
    ``PLATFORM_REVENUE``) with the saved card for the renewals. If the person got the plan meanwhile
    (paid from the balance in another tab, or another checkout), the payment is refunded in full.
    Returns ``False`` when the session is not a subscription checkout."""
    checkout = SubscriptionCheckout.objects.filter(session_id=str(session.get("id", ""))).first()
    if checkout is None:
        return False
    if session.get("payment_status") != "paid" or checkout.status in (
        CheckoutStatus.PAID,
        CheckoutStatus.REFUNDED,
    ):
        return True
    if (
        session.get("amount_total") != stripe.minor_units(checkout.amount)
        or str(session.get("currency", "")).upper() != checkout.currency
    ):
        raise SubscriptionError(_("The paid amount is not the checkout's amount."))
    intent = stripe.payment_intent_retrieve(str(session.get("payment_intent") or ""))
    if intent.status != "succeeded" or not intent.customer or not intent.payment_method:
        raise SubscriptionError(_("The checkout's payment did not save a card."))
    with transaction.atomic(durable=True):
        checkout = (
            SubscriptionCheckout.objects.select_for_update()
            .select_related("plan", "user")
            .get(pk=checkout.pk)
        )
        if checkout.status in (CheckoutStatus.PAID, CheckoutStatus.REFUNDED):
            return True
        plan, user = checkout.plan, checkout.user
        if user.deleted_at is not None or not user.is_active:
            # Paid on a page left open after the account was deleted: nobody could use or cancel the
            # plan, and renewals would charge a card no one can stop. Refunded in full.
            checkout.status, checkout.payment_intent = CheckoutStatus.REFUNDED, intent.id
            checkout.save(update_fields=["status", "payment_intent"])
            after_commit("subscriptions.tasks.card_payment_refund", intent.id)
            return True
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    user=user,
                    plan=plan,
                    currency=checkout.currency,
                    monthly_fee=checkout.amount,
                    bonus_rate=plan.bonus_rate,
                    bonus_margin_cap=plan.bonus_margin_cap,
                    fast_hold_hours=plan.fast_hold_hours,
                    terms=checkout.terms,
                    started_at=now,
                    period_start=now,
                    period_end=period_after(now),
                    pay_with=PayWith.CARD,
                    card_customer=intent.customer,
                    card_payment_method=intent.payment_method,
                )
        except IntegrityError:
            checkout.status, checkout.payment_intent = CheckoutStatus.REFUNDED, intent.id
            checkout.save(update_fields=["status", "payment_intent"])
            after_commit("subscriptions.tasks.card_payment_refund", intent.id)
            with recipient_locale(user):  # the card's webhook, not the person's request
                mail_after_commit(
                    subject=_("[TikJoy] Your card payment for %(plan)s is refunded") % {"plan": plan.name},
                    message=_(
                        "You already had %(plan)s when your card payment of %(amount)s arrived, so it is "
                        "refunded in full to your card."
                    )
                    % {"plan": plan.name, "amount": money_text(Money(checkout.amount, checkout.currency))},
                    recipient_list=[user.email] if user.email else [],
                )
            return True
        _charge(subscription=subscription, user=user, start=now, now=now, payment_intent=intent.id)
        checkout.status, checkout.subscription = CheckoutStatus.PAID, subscription
        checkout.payment_intent, checkout.paid_at = intent.id, now
        checkout.save(update_fields=["status", "subscription", "payment_intent", "paid_at"])
    return True


def subscription_stripe_event(*, event: dict, now: datetime, **_signal) -> bool:
    """``cards.signals.stripe_event``: the subscriptions' own events (a checkout completed, a renewal
    paid or declined); ``True`` when the event was theirs."""
    obj = stripe.event_object(event)
    kind = event.get("type")
    if obj is None:
        return False
    if kind == "checkout.session.completed":
        return subscription_checkout_complete(session=obj, now=now)
    if kind not in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        return False
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return False
    if metadata.get("tikjoy_subscription_checkout"):
        return True  # a first month: its checkout.session.completed starts the subscription
    try:
        subscription_id = int(str(metadata.get("tikjoy_subscription", "")))
        period_start = datetime.fromisoformat(str(metadata.get("period_start", "")))
    except ValueError:
        return False
    if period_start.tzinfo is None or not 0 < subscription_id < 2**63:
        return False
    if kind == "payment_intent.payment_failed":
        card_renewal_failed(subscription_id=subscription_id, period_start=period_start, now=now)
        return True
    amount = obj.get("amount")
    card_period_paid(
        subscription_id=subscription_id,
        period_start=period_start,
        payment_intent=str(obj.get("id", "")),
        amount_minor=amount if isinstance(amount, int) else -1,
        currency=str(obj.get("currency", "")),
        now=now,
    )
    return True
