"""Consumer subscriptions: plans ops offer (JoyPlus, JoyFast, ...) and the people who subscribe.

A **Plan** is data (``/ops/subscriptions/plan/``): its monthly fee in one currency and its
benefits, either or both of

- a **bonus**: the person receives ``bonus_rate`` more of their share of every reward, taken
  from TikJoy's margin on that reward (at most ``bonus_margin_cap`` of it, never more than
  all of it): the merchant's price never changes;
- a **fast hold**: rewards become available ``fast_hold_hours`` after they are paid instead
  of at the end of the campaign's hold. TikJoy advances the money and stands behind it: a
  reward reversed later is refunded to the merchant in full and the person owes it back
  (a ledger debt, ``wallets.debts``).

A **Subscription** copies the plan's fee and benefits when the person subscribes (what they
were told is what they get; ops' later edits apply to new subscriptions). It runs in monthly
periods paid in advance from the person's available balance (one ``SubscriptionPayment`` per
period, unique); its benefits apply to rewards decided while a paid period runs
(``period_start <= now < period_end``) and are never taken back from those rewards.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from wallets.money import Currency


class Plan(models.Model):
    """A subscription ops offer to consumers; its rules are shown before anyone subscribes."""

    code = models.SlugField(max_length=30, unique=True, help_text="A short name for the plan, e.g. joyplus.")
    name = models.CharField(max_length=60, help_text="What consumers see, e.g. JoyPlus.")
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    monthly_fee = models.DecimalField(
        max_digits=8, decimal_places=2, help_text="Paid each month, in advance, from the available balance."
    )
    bonus_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        help_text="Extra share for the person, as a fraction of their share (0.2000 = 20 % more). 0: no bonus.",
    )
    bonus_margin_cap = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        help_text="The bonus takes at most this fraction of TikJoy's margin on a reward (1.0000 = all of it).",
    )
    fast_hold_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Rewards become available this many hours after they are paid (TikJoy advances them). "
        "Empty: the campaign's hold applies.",
    )
    is_offered = models.BooleanField(default=True, help_text="Shown to consumers, who may subscribe.")
    created_at = models.DateTimeField(auto_now_add=True)
    edit_version = models.PositiveIntegerField(
        default=0, help_text="Raised by each edit: a stale form is refused."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_fee__gt=0),
                name="subscriptions_plan_fee_positive",
                violation_error_message="The monthly fee must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(bonus_rate__gte=0) & Q(bonus_rate__lte=1),
                name="subscriptions_plan_bonus_0_to_1",
                violation_error_message="The bonus must be between 0 and 1 (0% and 100% of the person's share).",
            ),
            models.CheckConstraint(
                condition=Q(bonus_margin_cap__gte=0) & Q(bonus_margin_cap__lte=1),
                name="subscriptions_plan_margin_cap_0_to_1",
                violation_error_message="The part of TikJoy's margin the bonus may take must be between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=Q(fast_hold_hours__isnull=True) | Q(fast_hold_hours__lte=24 * 60),
                name="subscriptions_plan_fast_hold_bounded",
                violation_error_message="A fast hold is at most 60 days (1440 hours).",
            ),
            models.CheckConstraint(
                condition=Q(bonus_rate__gt=0) | Q(fast_hold_hours__isnull=False),
                name="subscriptions_plan_has_a_benefit",
                violation_error_message="A plan needs a benefit: a bonus above 0, a fast hold, or both.",
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="subscriptions_plan_currency_known",
                violation_error_message="Choose a currency from the list.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.monthly_fee} {self.currency} a month)"

    @property
    def fee_money(self) -> Money:
        return Money(self.monthly_fee, self.currency)


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("Active")
    ENDED = "ENDED", _("Ended")


class EndReason(models.TextChoices):
    CANCELLED = "CANCELLED", _("Cancelled by the person")
    RENEWAL_FAILED = "RENEWAL_FAILED", _("Not renewed: the available balance could not pay the fee")
    CARD_DECLINED = "CARD_DECLINED", _("Not renewed: the card was declined")


class PayWith(models.TextChoices):
    BALANCE = "BALANCE", _("your available balance")
    CARD = "CARD", _("card")


class Subscription(models.Model):
    """One person's subscription to one plan, with the fee and benefits they were shown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    currency = models.CharField(max_length=3)
    monthly_fee = models.DecimalField(max_digits=8, decimal_places=2)
    bonus_rate = models.DecimalField(max_digits=5, decimal_places=4)
    bonus_margin_cap = models.DecimalField(max_digits=5, decimal_places=4)
    fast_hold_hours = models.PositiveIntegerField(null=True, blank=True)
    terms = models.TextField(help_text="The rules the person accepted, as they were shown.")
    started_at = models.DateTimeField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="The renewal date: the next fee is taken then.")
    cancel_at_period_end = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    pay_with = models.CharField(max_length=8, choices=PayWith.choices, default=PayWith.BALANCE)
    card_customer = models.CharField(max_length=255, blank=True, help_text="Stripe's customer (cus_...).")
    card_payment_method = models.CharField(
        max_length=255,
        blank=True,
        help_text="The saved card at Stripe (pm_...), charged off-session at renewal.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pay_with="BALANCE") | (~Q(card_customer="") & ~Q(card_payment_method="")),
                name="subscriptions_card_is_saved",
                violation_error_message="A subscription paid by card has a saved card.",
            ),
            models.UniqueConstraint(
                fields=["user", "plan"],
                condition=Q(status="ACTIVE"),
                name="subscriptions_one_active_per_plan",
                violation_error_message="You already have this plan.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="subscriptions_period_forward",
                violation_error_message="A period ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubscriptionStatus.values),
                name="subscriptions_status_known",
                violation_error_message="Choose a status from the list.",
            ),
            models.CheckConstraint(
                condition=(Q(status="ACTIVE") & Q(ended_at__isnull=True) & Q(end_reason=""))
                | (Q(status="ENDED") & Q(ended_at__isnull=False) & Q(end_reason__in=EndReason.values)),
                name="subscriptions_ended_has_reason",
                violation_error_message="An ended subscription says when and why it ended.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "period_end"], name="subscriptions_due"),
            models.Index(fields=["user", "status"], name="subscriptions_user"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} for {self.user} ({self.get_status_display()})"

    @property
    def fee_money(self) -> Money:
        return Money(self.monthly_fee, self.currency)


class SubscriptionPayment(models.Model):
    """The fee of one period, paid once (unique per subscription and period start)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="payments")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_at = models.DateTimeField()
    pay_with = models.CharField(max_length=8, choices=PayWith.choices, default=PayWith.BALANCE)
    payment_intent = models.CharField(
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text="Stripe's payment (pi_...) of a card payment.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                name="subscriptions_one_payment_per_period",
                violation_error_message="This period is already paid.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="subscriptions_payment_positive",
                violation_error_message="A payment is more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for {self.subscription} from {self.period_start:%Y-%m-%d}"


class CheckoutStatus(models.TextChoices):
    OPEN = "OPEN", "open (waiting for the card payment)"
    PAID = "PAID", "paid (the subscription started)"
    REFUNDED = "REFUNDED", "refunded (the person already had the plan)"
    EXPIRED = "EXPIRED", "expired (never paid)"


class SubscriptionCheckout(models.Model):
    """A subscription paid by card, before it is paid: Stripe Checkout's page for the first month,
    which saves the card for the renewals. The subscription starts only when Stripe's signed
    ``checkout.session.completed`` arrives; at most one open checkout per person and plan (a
    double click or a second tab gets the same page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    session_id = models.CharField(max_length=255, unique=True)
    url = models.URLField(max_length=2000)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3)
    terms = models.TextField()
    status = models.CharField(max_length=8, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    subscription = models.OneToOneField(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout"
    )
    payment_intent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plan"],
                condition=Q(status="OPEN"),
                name="subscriptions_one_open_checkout",
                violation_error_message="A card payment for this plan is already open.",
            ),
            models.CheckConstraint(
                condition=(Q(status="PAID") & Q(subscription__isnull=False))
                | (~Q(status="PAID") & Q(subscription__isnull=True)),
                name="subscriptions_checkout_paid_has_subscription",
                violation_error_message="A paid checkout has its subscription, and no other one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} by card for {self.user} ({self.get_status_display()})"
