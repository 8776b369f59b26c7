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
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from wallets.formats import money_text
from wallets.money import Currency


class Plan(models.Model):
    """A subscription ops offer to consumers; its rules are shown before anyone subscribes."""

    code = models.SlugField(
        _("code"), max_length=30, unique=True, help_text=_("A short name for the plan, e.g. joyplus.")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("What consumers see, e.g. JoyPlus."))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    monthly_fee = models.DecimalField(
        _("monthly fee"),
        max_digits=8,
        decimal_places=2,
        help_text=_("Paid each month, in advance, from the available balance."),
    )
    bonus_rate = models.DecimalField(
        _("bonus rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        help_text=_(
            "Extra share for the person, as a fraction of their share (0.2000 = 20 % more). 0: no bonus."
        ),
    )
    bonus_margin_cap = models.DecimalField(
        _("bonus margin cap"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("1"),
        help_text=_(
            "The bonus takes at most this fraction of TikJoy's margin on a reward (1.0000 = all of it)."
        ),
    )
    fast_hold_hours = models.PositiveIntegerField(
        _("fast hold hours"),
        null=True,
        blank=True,
        help_text=_(
            "Rewards become available this many hours after they are paid (TikJoy advances them). "
            "Empty: the campaign's hold applies."
        ),
    )
    is_offered = models.BooleanField(
        _("is offered"), default=True, help_text=_("Shown to consumers, who may subscribe.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    edit_version = models.PositiveIntegerField(
        _("edit version"), default=0, help_text=_("Raised by each edit: a stale form is refused.")
    )

    class Meta:
        verbose_name = pgettext_lazy("subscription plan", "plan")
        verbose_name_plural = pgettext_lazy("subscription plan", "plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_fee__gt=0),
                name="subscriptions_plan_fee_positive",
                violation_error_message=_("The monthly fee must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(bonus_rate__gte=0) & Q(bonus_rate__lte=1),
                name="subscriptions_plan_bonus_0_to_1",
                violation_error_message=_(
                    "The bonus must be between 0 and 1 (0 %% and 100 %% of the person's share)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(bonus_margin_cap__gte=0) & Q(bonus_margin_cap__lte=1),
                name="subscriptions_plan_margin_cap_0_to_1",
                violation_error_message=_(
                    "The part of TikJoy's margin the bonus may take must be between 0 and 1."
                ),
            ),
            models.CheckConstraint(
                condition=Q(fast_hold_hours__isnull=True) | Q(fast_hold_hours__lte=24 * 60),
                name="subscriptions_plan_fast_hold_bounded",
                violation_error_message=_("A fast hold is at most 60 days (1440 hours)."),
            ),
            models.CheckConstraint(
                condition=Q(bonus_rate__gt=0) | Q(fast_hold_hours__isnull=False),
                name="subscriptions_plan_has_a_benefit",
                violation_error_message=_("A plan needs a benefit: a bonus above 0, a fast hold, or both."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="subscriptions_plan_currency_known",
                violation_error_message=_("Choose a currency from the list."),
            ),
        ]

    def __str__(self) -> str:
        # How ops read a plan (its page, the subscriptions' list and filter): "JoyPlus (2,99 € im Monat)".
        return gettext("%(name)s (%(price)s a month)") % {
            "name": self.name,
            "price": money_text(self.monthly_fee, self.currency),
        }

    @property
    def fee_money(self) -> Money:
        return Money(self.monthly_fee, self.currency)


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("Active")
    ENDED = "ENDED", pgettext_lazy("subscription status", "Ended")


class EndReason(models.TextChoices):
    """Labels about the person, as ops read them; the person reads ``Subscription.end_reason_to_person``."""

    CANCELLED = "CANCELLED", _("Cancelled by the person")
    RENEWAL_FAILED = "RENEWAL_FAILED", _("Not renewed: the available balance could not pay the fee")
    CARD_DECLINED = "CARD_DECLINED", _("Not renewed: the card was declined")


class PayWith(models.TextChoices):
    BALANCE = "BALANCE", _("the person's available balance")
    CARD = "CARD", _("card")


class Subscription(models.Model):
    """One person's subscription to one plan, with the fee and benefits they were shown."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("user"),
    )
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=pgettext_lazy("subscription plan", "plan"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    currency = models.CharField(_("currency"), max_length=3)
    monthly_fee = models.DecimalField(_("monthly fee"), max_digits=8, decimal_places=2)
    bonus_rate = models.DecimalField(_("bonus rate"), max_digits=5, decimal_places=4)
    bonus_margin_cap = models.DecimalField(_("bonus margin cap"), max_digits=5, decimal_places=4)
    fast_hold_hours = models.PositiveIntegerField(_("fast hold hours"), null=True, blank=True)
    terms = models.TextField(_("terms"), help_text=_("The rules the person accepted, as they were shown."))
    started_at = models.DateTimeField(_("started at"))
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(
        _("period end"), help_text=_("The renewal date: the next fee is taken then.")
    )
    cancel_at_period_end = models.BooleanField(_("cancel at period end"), default=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)
    pay_with = models.CharField(_("pay with"), max_length=8, choices=PayWith.choices, default=PayWith.BALANCE)
    card_customer = models.CharField(
        _("card customer"), max_length=255, blank=True, help_text=_("Stripe's customer (cus_...).")
    )
    card_payment_method = models.CharField(
        _("card payment method"),
        max_length=255,
        blank=True,
        help_text=_("The saved card at Stripe (pm_...), charged off-session at renewal."),
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(pay_with="BALANCE") | (~Q(card_customer="") & ~Q(card_payment_method="")),
                name="subscriptions_card_is_saved",
                violation_error_message=_("A subscription paid by card has a saved card."),
            ),
            models.UniqueConstraint(
                fields=["user", "plan"],
                condition=Q(status="ACTIVE"),
                name="subscriptions_one_active_per_plan",
                violation_error_message=_("You already have this plan."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="subscriptions_period_forward",
                violation_error_message=_("A period ends after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubscriptionStatus.values),
                name="subscriptions_status_known",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=(Q(status="ACTIVE") & Q(ended_at__isnull=True) & Q(end_reason=""))
                | (Q(status="ENDED") & Q(ended_at__isnull=False) & Q(end_reason__in=EndReason.values)),
                name="subscriptions_ended_has_reason",
                violation_error_message=_("An ended subscription says when and why it ended."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "period_end"], name="subscriptions_due"),
            models.Index(fields=["user", "status"], name="subscriptions_user"),
        ]

    def __str__(self) -> str:
        return gettext("%(plan)s for %(person)s (%(status)s)") % {
            "plan": self.plan.name,
            "person": self.user,
            "status": self.get_status_display(),
        }

    @property
    def fee_money(self) -> Money:
        return Money(self.monthly_fee, self.currency)

    @property
    def end_reason_to_person(self) -> str:
        """Why it ended, as its person reads it ("Cancelled by you"; ops read the choice's label)."""
        if self.end_reason == EndReason.CANCELLED:
            return pgettext("to the person", "Cancelled by you")
        return self.get_end_reason_display()


class SubscriptionPayment(models.Model):
    """The fee of one period, paid once (unique per subscription and period start)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="payments", verbose_name=_("subscription")
    )
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    paid_at = models.DateTimeField(_("paid at"))
    pay_with = models.CharField(_("pay with"), max_length=8, choices=PayWith.choices, default=PayWith.BALANCE)
    payment_intent = models.CharField(
        _("payment intent"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Stripe's payment (pi_...) of a card payment."),
    )

    class Meta:
        verbose_name = _("subscription payment")
        verbose_name_plural = _("subscription payments")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                name="subscriptions_one_payment_per_period",
                violation_error_message=_("This period is already paid."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="subscriptions_payment_positive",
                violation_error_message=_("A payment is more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s for %(subscription)s from %(day)s") % {
            "amount": money_text(self.amount, self.currency),
            "subscription": self.subscription,
            "day": date_format(timezone.localtime(self.period_start), "SHORT_DATE_FORMAT"),
        }


class CheckoutStatus(models.TextChoices):
    OPEN = "OPEN", _("open (waiting for the card payment)")
    PAID = "PAID", _("paid (the subscription started)")
    REFUNDED = "REFUNDED", _("refunded (the person already had the plan)")
    EXPIRED = "EXPIRED", _("expired (never paid)")


class SubscriptionCheckout(models.Model):
    """A subscription paid by card, before it is paid: Stripe Checkout's page for the first month,
    which saves the card for the renewals. The subscription starts only when Stripe's signed
    ``checkout.session.completed`` arrives; at most one open checkout per person and plan (a
    double click or a second tab gets the same page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("subscription plan", "plan"),
    )
    session_id = models.CharField(_("session id"), max_length=255, unique=True)
    url = models.URLField(_("url"), max_length=2000)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    terms = models.TextField(_("terms"))
    status = models.CharField(
        _("status"), max_length=8, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    subscription = models.OneToOneField(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checkout",
        verbose_name=_("subscription"),
    )
    payment_intent = models.CharField(_("payment intent"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(pgettext_lazy("a moment", "expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card checkout")
        verbose_name_plural = _("card checkouts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plan"],
                condition=Q(status="OPEN"),
                name="subscriptions_one_open_checkout",
                violation_error_message=_("A card payment for this plan is already open."),
            ),
            models.CheckConstraint(
                condition=(Q(status="PAID") & Q(subscription__isnull=False))
                | (~Q(status="PAID") & Q(subscription__isnull=True)),
                name="subscriptions_checkout_paid_has_subscription",
                violation_error_message=_("A paid checkout has its subscription, and no other one."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(plan)s by card for %(person)s (%(status)s)") % {
            "plan": self.plan.name,
            "person": self.user,
            "status": self.get_status_display(),
        }
