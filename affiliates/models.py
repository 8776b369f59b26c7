"""Affiliate programs, the people in them, their tracked links and clicks, conversions and commissions.

A commission's money lives on the ledger (docs/affiliates.md): its state here says which ledger
account holds it (PENDING and HELD: the affiliate's pending account, LOCKED: the affiliate's
locked account, APPROVED and PAID: the person's available balance, REVERSED: back with the payer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import MD5
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from affiliates.holds import HoldCode, hold_text
from core.hosts import host_unicode
from wallets.models import AMOUNT_DECIMALS, AMOUNT_DIGITS
from wallets.money import Currency

LOCK_AFTER_DAYS = 15  # a commission locks 15 days after the day it was tracked
APPROVE_AFTER_DAYS = 15  # and is approved 15 days after it locked


# TikJoy's own program (no merchant) is created under this name (affiliates.demo), stored in English
# and shown in the reader's language (``Program.display_name``).
PLATFORM_PROGRAM_NAME = gettext_noop("TikJoy affiliate program")


class ProgramKind(models.TextChoices):
    PLATFORM = "PLATFORM", _("TikJoy's own program (paid by the platform)")
    MERCHANT = "MERCHANT", _("A merchant's program (paid from its prepaid wallet)")


class Attribution(models.TextChoices):
    LAST_CLICK = "LAST_CLICK", _("Last click wins")
    FIRST_CLICK = "FIRST_CLICK", _("First click wins")


class Program(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=ProgramKind.choices)
    merchant = models.OneToOneField(
        "merchants.Merchant",
        verbose_name=_("merchant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="affiliate_program",
    )
    name = models.CharField(_("name"), max_length=120)
    name_translations = models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        help_text=_(
            "The name in other shipped languages, by language code; a reader sees theirs, else the name."
        ),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    bounty = models.DecimalField(
        _("bounty"),
        max_digits=12,
        decimal_places=AMOUNT_DECIMALS,
        default=Decimal("40.00"),
        help_text=_("Flat, per conversion."),
    )
    margin_rate = models.DecimalField(
        _("margin rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2000"),
        help_text=_(
            "The platform's margin on a merchant program's bounty, paid by the merchant on top of it."
        ),
    )
    domains = models.JSONField(
        _("domains"),
        default=list,
        help_text=_("Host names links may point to (a link to a sub-domain of one is allowed)."),
    )
    window_days = models.PositiveSmallIntegerField(
        _("window days"),
        default=30,
        help_text=_("How long after a click a conversion is attributed to it (1-90 days)."),
    )
    attribution = models.CharField(
        _("attribution"), max_length=12, choices=Attribution.choices, default=Attribution.LAST_CLICK
    )
    terms = models.TextField(
        _("terms"), blank=True, help_text=_("In the owner's language (the merchant's; TikJoy's: English).")
    )
    terms_translations = models.JSONField(
        _("terms in other languages"),
        default=dict,
        blank=True,
        help_text=_(
            "The terms in other shipped languages, by language code; a reader sees theirs, else the terms."
        ),
    )
    is_active = models.BooleanField(_("is active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="PLATFORM"),
                name="affiliates_program_one_platform",
                violation_error_message=_("TikJoy has one affiliate program of its own."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="PLATFORM") & Q(merchant__isnull=True))
                | (Q(kind="MERCHANT") & Q(merchant__isnull=False)),
                name="affiliates_program_kind_matches_payer",
                violation_error_message=_(
                    "A merchant's program names its merchant; TikJoy's own program names none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=1) & Q(window_days__lte=90),
                name="affiliates_program_window_1_90",
                violation_error_message=_("The attribution window is 1 to 90 days."),
            ),
            models.CheckConstraint(
                condition=Q(bounty__gt=0),
                name="affiliates_program_bounty_positive",
                violation_error_message=_("The bounty must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(margin_rate__gte=0) & Q(margin_rate__lte=1),
                name="affiliates_program_margin_0_1",
                violation_error_message=_("The platform's margin is between 0 and 100 %%."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="affiliates_program_currency",
                violation_error_message=_("Choose a currency from the list."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def terms_in(self, language: str | None) -> str:
        """The terms a reader of ``language`` sees: the owner's text in that language, else the terms
        as the owner wrote them (amounts are not part of them: the page says the bounty with ``|money``)."""
        code = (language or "").split("-")[0].lower()
        return (self.terms_translations or {}).get(code) or self.terms

    def name_in(self, language: str | None) -> str:
        """The name a reader of ``language`` sees: the owner's name in that language, else TikJoy's
        own program under its default name translated, else the name as the owner wrote it."""
        code = (language or "").split("-")[0].lower()
        translated = (self.name_translations or {}).get(code)
        if translated:
            return translated
        if self.merchant_id is None and self.name == PLATFORM_PROGRAM_NAME:
            with translation.override(code or None):
                return gettext(PLATFORM_PROGRAM_NAME)
        return self.name

    @property
    def domains_readable(self) -> list[str]:
        """The domains as people read them: an internationalised one is stored as browsers send it
        (``xn--mller-kva.de``) and shown as written (``müller.de``)."""
        return [host_unicode(domain) for domain in self.domains]

    @property
    def display_name(self) -> str:
        """The name in the active language (the page's, or the e-mail's recipient's): ``name_in``."""
        return self.name_in(translation.get_language())


class AffiliateStatus(models.TextChoices):
    APPLIED = "APPLIED", pgettext_lazy("affiliate status", "Applied, waiting for a decision")
    APPROVED = "APPROVED", pgettext_lazy("affiliate status", "Approved")
    REJECTED = "REJECTED", pgettext_lazy("affiliate status", "Rejected")
    DEACTIVATED = "DEACTIVATED", pgettext_lazy("affiliate status", "Deactivated")
    BANNED = "BANNED", pgettext_lazy("affiliate status", "Banned")


class Affiliate(models.Model):
    """A person's membership of one program, from the application on."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="affiliates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AffiliateStatus.choices, default=AffiliateStatus.APPLIED
    )
    status_reason = models.CharField(
        _("status reason"), max_length=500, blank=True, help_text=_("Shown to the affiliate.")
    )
    website = models.URLField(_("website or social profile"), max_length=300)
    promotion_plan = models.TextField(_("how you will promote"), max_length=2000)
    device_id = models.CharField(
        _("device id"), max_length=64, blank=True, help_text=_("The device cookie at application.")
    )
    visitor_hash = models.CharField(
        _("visitor hash"), max_length=64, blank=True, help_text=_("Salted hash of the applicant's IP.")
    )
    applied_at = models.DateTimeField(_("applied at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("affiliate")
        verbose_name_plural = _("affiliates")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user"],
                name="affiliates_affiliate_once_per_program",
                violation_error_message=_("This person has applied to this program already."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["APPLIED", "APPROVED"]) | ~Q(status_reason=""),
                name="affiliates_affiliate_refusal_has_reason",
                violation_error_message=_("Give a reason: the affiliate reads it."),
            ),
        ]

    def __str__(self) -> str:
        """The person and the program, in the reader's language (ops lists and titles)."""
        return gettext("%(person)s in %(program)s") % {"person": self.user, "program": self.program}


class Link(models.Model):
    affiliate = models.ForeignKey(
        Affiliate, verbose_name=_("affiliate"), on_delete=models.PROTECT, related_name="links"
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    destination = models.URLField(_("destination"), max_length=1000)
    sub_id = models.CharField(_("sub-id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"))
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Made before a page and sub-id had one link: the earlier link it repeats. It keeps its code, "
            "clicks and conversions."
        ),
    )

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            # One link a page and sub-id (the affiliate's clicks aren't split between two codes). The
            # page by its hash: a btree entry holds about 2,700 bytes, a destination up to 4,000.
            models.UniqueConstraint(
                F("affiliate"),
                MD5("destination"),
                F("sub_id"),
                condition=Q(duplicate_of__isnull=True),
                name="affiliates_link_once",
                violation_error_message=_("You have a link to this page with this sub-id already."),
            )
        ]

    def __str__(self) -> str:
        return f"/r/{self.code}"


class Click(models.Model):
    """One visit of ``/r/<code>``, written after the redirect answered. No raw IP: a salted hash."""

    link = models.ForeignKey(
        Link,
        verbose_name=_("link"),
        on_delete=models.PROTECT,
        related_name="clicks",
        db_index=False,  # affiliates_click_link_recent (link, -at) serves every lookup by link
    )
    click_id = models.CharField(_("click id"), max_length=32, unique=True)
    at = models.DateTimeField(_("at"))
    hour = models.DateTimeField(
        _("hour"), help_text=_("The hour of the click, for one unique click per visitor and hour.")
    )
    visitor_hash = models.CharField(_("visitor hash"), max_length=64)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    is_bot = models.BooleanField(_("is bot"), default=False)
    is_unique = models.BooleanField(_("is unique"), default=False)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        constraints = [
            models.UniqueConstraint(
                fields=["link", "visitor_hash", "hour"],
                condition=Q(is_unique=True),
                name="affiliates_click_one_unique_per_hour",
                violation_error_message=_("This visitor's click on this link is counted once an hour."),
            ),
            models.CheckConstraint(
                condition=~(Q(is_bot=True) & Q(is_unique=True)),
                name="affiliates_click_bot_not_unique",
                violation_error_message=_("A bot's click is never a unique click."),
            ),
        ]
        indexes = [models.Index(fields=["link", "-at"], name="affiliates_click_link_recent")]

    def __str__(self) -> str:
        return self.click_id


class CustomerBinding(models.Model):
    """A customer of a program is bound to the affiliate of its first attributed conversion."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    customer_ref = models.CharField(_("customer ref"), max_length=200)
    affiliate = models.ForeignKey(
        Affiliate, verbose_name=_("affiliate"), on_delete=models.PROTECT, related_name="customers"
    )
    bound_at = models.DateTimeField(_("bound at"))

    class Meta:
        verbose_name = _("customer binding")
        verbose_name_plural = _("customer bindings")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "customer_ref"],
                name="affiliates_customer_bound_once",
                violation_error_message=_("This customer is bound to an affiliate already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_ref} -> {self.affiliate_id}"


class ConversionSource(models.TextChoices):
    API = "API", _("The merchant's server (API)")
    PLATFORM = "PLATFORM", _("TikJoy (a referred merchant's first top-up)")
    INQUIRY = "INQUIRY", _("An accepted inquiry")
    TAG = "TAG", _("The tag on the merchant's thank-you page (held until confirmed)")


class RejectReason(models.TextChoices):
    NO_CLICK = "NO_CLICK", _("No click or bound customer matches this conversion")
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW", _("The click was outside the program's attribution window")
    AFFILIATE_INACTIVE = "AFFILIATE_INACTIVE", _("The affiliate was not active in the program")
    NO_FUNDS = "NO_FUNDS", _("The program's prepaid funds did not cover the bounty")
    PROGRAM_INACTIVE = "PROGRAM_INACTIVE", _("The program is closed")


class Conversion(models.Model):
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="conversions"
    )
    order_id = models.CharField(_("order id"), max_length=200)
    event_type = models.CharField(_("event type"), max_length=40)
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    currency = models.CharField(_("currency"), max_length=3)
    occurred_at = models.DateTimeField(_("occurred at"))
    click = models.ForeignKey(
        Click,
        verbose_name=_("click"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversions",
    )
    customer_ref = models.CharField(_("customer ref"), max_length=200, blank=True)
    customer_email = models.CharField(_("customer email"), max_length=254, blank=True)
    affiliate = models.ForeignKey(
        Affiliate,
        verbose_name=_("affiliate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conversions",
    )
    source = models.CharField(_("source"), max_length=10, choices=ConversionSource.choices)
    is_accepted = models.BooleanField(_("is accepted"))
    superseded_at = models.DateTimeField(
        _("superseded at"),
        null=True,
        blank=True,
        help_text=_(
            "A thank-you-page tag report the shop's own report of the order attributed to another affiliate: "
            "set aside, its commission reversed; the shop's report stands for the order."
        ),
    )
    reject_reason = models.CharField(
        _("reject reason"), max_length=20, choices=RejectReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "order_id"],
                condition=Q(superseded_at__isnull=True),
                name="affiliates_conversion_order_once_standing",
                violation_error_message=_("This order was reported for this program already."),
            ),
            models.UniqueConstraint(
                fields=["click"],
                condition=Q(source="TAG"),
                name="affiliates_conversion_one_tag_per_click",
                violation_error_message=_("This visit reported an order through the tag already."),
            ),
            models.CheckConstraint(
                condition=(Q(is_accepted=True) & Q(reject_reason="") & Q(affiliate__isnull=False))
                | (Q(is_accepted=False) & ~Q(reject_reason="")),
                name="affiliates_conversion_accepted_or_reason",
                violation_error_message=_(
                    "A conversion is accepted with its affiliate, or rejected with a reason."
                ),
            ),
        ]
        indexes = [
            # An affiliate's rejected conversions, newest first (their page), without reading the accepted ones.
            models.Index(
                fields=["affiliate", "-created_at", "-id"],
                condition=Q(is_accepted=False),
                name="affiliates_conversion_rejected",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.order_id}"


class CommissionState(models.TextChoices):
    PENDING = "PENDING", pgettext_lazy("commission state", "Pending")
    HELD = "HELD", pgettext_lazy("commission state", "Held for review")
    LOCKED = "LOCKED", pgettext_lazy("commission state", "Locked")
    APPROVED = "APPROVED", pgettext_lazy("commission state", "Approved")
    PAID = "PAID", pgettext_lazy("commission state", "Paid")
    REVERSED = "REVERSED", pgettext_lazy("commission state", "Reversed")


class ReversalCode(models.TextChoices):
    CUSTOMER_FRAUD = "CUSTOMER_FRAUD", _("Customer fraud")
    ITEM_RETURNED = "ITEM_RETURNED", _("Item returned")
    ORDER_ERROR = "ORDER_ERROR", _("Order error")
    DUPLICATE = "DUPLICATE", _("Duplicate")
    NOT_IN_TERMS = "NOT_IN_TERMS", _("Not in the program's terms")
    TEST = "TEST", _("Test order")
    AFFILIATE_FRAUD = "AFFILIATE_FRAUD", _("Affiliate fraud (after review)")
    ACCOUNT_DELETED = "ACCOUNT_DELETED", _("account deleted")  # only by the deletion itself (privacy)
    # only by the shop's own report of the order naming another affiliate's visit (services.tag_conversion_supersede)
    TAG_NOT_BORNE_OUT = "TAG_NOT_BORNE_OUT", _("The shop's report names another visit")

    @classmethod
    def chosen_by_people(cls) -> list[tuple[str, str]]:
        """The codes a merchant or ops choose from (not the ones an account deletion or the shop's own
        report gives)."""
        return [
            choice for choice in cls.choices if choice[0] not in (cls.ACCOUNT_DELETED, cls.TAG_NOT_BORNE_OUT)
        ]


class Commission(models.Model):
    conversion = models.OneToOneField(
        Conversion, verbose_name=_("conversion"), on_delete=models.PROTECT, related_name="commission"
    )
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The affiliate's program (kept here for the program's newest commissions)."),
    )
    affiliate = models.ForeignKey(
        Affiliate, verbose_name=_("affiliate"), on_delete=models.PROTECT, related_name="commissions"
    )
    state = models.CharField(_("state"), max_length=10, choices=CommissionState.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        help_text=_("What the affiliate earns (the bounty, plus adjustments made while locked)."),
    )
    margin = models.DecimalField(
        _("margin"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    currency = models.CharField(_("currency"), max_length=3)
    tracked_at = models.DateTimeField(_("tracked at"))
    lock_date = models.DateField(_("lock date"))
    approve_date = models.DateField(_("approve date"))
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    approved_at = models.DateTimeField(pgettext_lazy("commission", "approved at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    reversed_at = models.DateTimeField(pgettext_lazy("commission", "reversed at"), null=True, blank=True)
    reversal_code = models.CharField(
        _("reversal code"), max_length=20, choices=ReversalCode.choices, blank=True
    )
    hold_reason = models.CharField(
        _("hold reason"), max_length=300, blank=True, help_text=_("Why it was held, in English words.")
    )
    hold_code = models.CharField(
        _("hold code"),
        max_length=24,
        choices=HoldCode.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("Why it was held: a stable code (affiliates.holds), shown in the reader's language."),
    )
    hold_params = models.JSONField(
        _("hold figures"),
        default=dict,
        db_default={},
        blank=True,
        help_text=_("The figures behind the hold code."),
    )
    released_at = models.DateTimeField(
        pgettext_lazy("commission", "released at"),
        null=True,
        blank=True,
        help_text=_("A person released it from a hold: the daily run doesn't hold it again."),
    )
    recovered = models.DecimalField(
        _("recovered"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        default=Decimal(0),
        help_text=_("Part of the amount that repaid the person's debt at approval (wallets.debts)."),
    )

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(margin__gte=0),
                name="affiliates_commission_amounts",
                violation_error_message=_("A commission's amount and margin can't be negative."),
            ),
            models.CheckConstraint(
                condition=Q(approve_date__gt=models.F("lock_date")),
                name="affiliates_commission_dates_ordered",
                violation_error_message=_("A commission is approved after it locks."),
            ),
            models.CheckConstraint(
                condition=~Q(state="REVERSED") | ~Q(reversal_code=""),
                name="affiliates_commission_reversal_coded",
                violation_error_message=_("A reversed commission needs its reason code."),
            ),
            models.CheckConstraint(
                condition=Q(hold_code="") | Q(hold_code__in=HoldCode.values),
                name="affiliates_commission_hold_code_known",
                violation_error_message=_("Choose a hold reason from the list."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "lock_date"], name="affiliates_commission_due"),
            models.Index(fields=["affiliate", "state"], name="affiliates_commission_aff"),
            # "The newest commissions of a program" (the console's program page) without sorting them all.
            models.Index(fields=["program", "-tracked_at", "-id"], name="affiliates_commission_newest"),
            # And an affiliate's newest (their page).
            models.Index(fields=["affiliate", "-tracked_at", "-id"], name="affiliates_commission_aff_new"),
        ]

    def __str__(self) -> str:
        """Its number and state, in the reader's language (ops titles): "Provision Nr. 6 (ausstehend)"."""
        return gettext("commission #%(number)s (%(state)s)") % {
            "number": self.pk,
            "state": self.get_state_display(),
        }

    @property
    def hold_text(self) -> str:
        """Why it is held, in the reader's language (from the code); a commission held before the
        codes existed has only its English ``hold_reason``."""
        return hold_text(self.hold_code, self.hold_params) if self.hold_code else self.hold_reason

    @property
    def lock_milestone(self) -> Milestone:
        """When it locked, or when it is due to lock: what its pages show in the "Locks" column."""
        return self._milestone(self.locked_at, self.lock_date, waiting=(CommissionState.PENDING,))

    @property
    def approve_milestone(self) -> Milestone:
        """When it was approved, or when it is due to be: never a date that will not come (a reversed
        commission is never approved; a held one waits for its review)."""
        return self._milestone(
            self.approved_at, self.approve_date, waiting=(CommissionState.PENDING, CommissionState.LOCKED)
        )

    def _milestone(self, at, due, *, waiting: tuple[str, ...]) -> Milestone:
        if at is not None:
            return Milestone(at=at)
        if self.state in waiting:
            return Milestone(due=due)
        return Milestone(review=self.state == CommissionState.HELD)


@dataclass(frozen=True)
class Milestone:
    """A step of a commission's life: done ``at`` a moment, ``due`` on a day, waiting for a review, or
    never coming (all empty)."""

    at: datetime | None = None
    due: date | None = None
    review: bool = False


class Adjustment(models.Model):
    """A correction after lock: a separate ledger posting either way, with a reason."""

    commission = models.ForeignKey(
        Commission, verbose_name=_("commission"), on_delete=models.PROTECT, related_name="adjustments"
    )
    amount = models.DecimalField(_("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    owed = models.DecimalField(
        _("owed"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        default=Decimal(0),
        help_text=_(
            "Of a negative adjustment, what the person's balance could not cover: a debt on the ledger."
        ),
    )
    after_approval = models.BooleanField(
        _("after approval"),
        default=False,
        help_text=_("Posted to the person's available balance (else to the locked commission)."),
    )
    reason = models.CharField(_("reason"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="affiliates_adjustment_not_zero",
                violation_error_message=_("An adjustment is a non-zero amount."),
            ),
            models.CheckConstraint(
                condition=Q(owed__gte=0),
                name="affiliates_adjustment_owed",
                violation_error_message=_("What is owed can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+} on commission #{self.commission_id}"


class PlatformReferral(models.Model):
    """A person who signed up after clicking an affiliate link of TikJoy's own program."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    click_id = models.CharField(_("click id"), max_length=32)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("platform referral")
        verbose_name_plural = _("platform referrals")

    def __str__(self) -> str:
        return f"{self.user_id} via {self.click_id}"


class InquiryStatus(models.TextChoices):
    OPEN = "OPEN", pgettext_lazy("inquiry status", "Open")
    ACCEPTED = "ACCEPTED", pgettext_lazy("inquiry status", "Accepted: the conversion is credited")
    DECLINED = "DECLINED", pgettext_lazy("inquiry status", "Declined")


class Inquiry(models.Model):
    """An affiliate's claim of a missing or wrong conversion, answered by the program's owner."""

    affiliate = models.ForeignKey(
        Affiliate, verbose_name=_("affiliate"), on_delete=models.PROTECT, related_name="inquiries"
    )
    order_id = models.CharField(_("order id"), max_length=200)
    order_date = models.DateField(_("order date"))
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    answer = models.CharField(_("answer"), max_length=500, blank=True, help_text=_("Shown to the affiliate."))
    conversion = models.ForeignKey(
        Conversion,
        verbose_name=_("conversion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        constraints = [
            models.UniqueConstraint(
                fields=["affiliate", "order_id"],
                condition=Q(status="OPEN"),
                name="affiliates_inquiry_one_open",
                violation_error_message=_("You have an open inquiry about this order already."),
            ),
            models.CheckConstraint(
                condition=~Q(status="DECLINED") | ~Q(answer=""),
                name="affiliates_inquiry_declined_has_answer",
                violation_error_message=_("A declined inquiry needs an answer for the affiliate."),
            ),
            models.CheckConstraint(
                condition=~Q(status="ACCEPTED") | Q(conversion__isnull=False),
                name="affiliates_inquiry_accepted_conversion",
                violation_error_message=_("An accepted inquiry has its conversion."),
            ),
        ]

    def __str__(self) -> str:
        """The order and the person who asked, in the reader's language (ops titles)."""
        return gettext("inquiry about order %(order)s by %(person)s") % {
            "order": self.order_id,
            "person": self.affiliate.user,
        }


class Performance(models.Model):
    """What the affiliate reports and totals show, added up where it is written (a roll-up).

    Kept by the writers in the transaction of the change: the click writer
    (``services.clicks_record_many``) adds clicks; the commission services move a commission's
    amount between the state columns under the commission's row lock. Days are UTC days (of the
    click, of the commission's tracking), as the reports show them. ``manage.py affiliates_check``
    compares every row with the figures recomputed from the clicks and commissions.
    """

    clicks = models.PositiveIntegerField(_("clicks"), default=0, help_text=_("Not counting bots."))
    unique_clicks = models.PositiveIntegerField(_("unique clicks"), default=0)
    conversions = models.PositiveIntegerField(
        _("conversions"), default=0, help_text=_("Accepted conversions (commissions), reversed included.")
    )
    reversed = models.PositiveIntegerField(pgettext_lazy("conversions", "reversed"), default=0)
    revenue = models.DecimalField(
        _("revenue"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        default=Decimal(0),
        help_text=_("The orders' amounts, reversed ones left out."),
    )
    pending = models.DecimalField(
        _("pending"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    held = models.DecimalField(
        _("held"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    locked = models.DecimalField(
        _("locked"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    approved = models.DecimalField(
        _("approved"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    paid = models.DecimalField(
        _("paid"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    reversed_amount = models.DecimalField(
        _("reversed amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    adjusted = models.DecimalField(
        _("adjusted"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        default=Decimal(0),
        help_text=_("Adjustments made after approval."),
    )

    class Meta:
        abstract = True


class LinkDay(Performance):
    """Clicks and commissions of one affiliate, one link and one day (the affiliate's reports by day).

    ``link_pk`` is the link's id, 0 for commissions of a bound customer without a click (a plain
    integer, so that "no link" is a value a unique index and an upsert treat like any other)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    affiliate = models.ForeignKey(
        Affiliate, verbose_name=_("affiliate"), on_delete=models.PROTECT, related_name="+"
    )
    link_pk = models.BigIntegerField(_("link"), default=0)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("link day")
        verbose_name_plural = _("link days")
        constraints = [
            models.UniqueConstraint(
                fields=["affiliate", "link_pk", "day"],
                name="affiliates_linkday_once",
                violation_error_message=_("One row per affiliate, link and day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.affiliate_id}/{self.link_pk} {self.day}"


class LinkTotal(Performance):
    """Clicks and commissions of one affiliate and one link, all days together (the reports by link
    and sub-id, the affiliate's totals). ``link_pk`` as in ``LinkDay``."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    affiliate = models.ForeignKey(
        Affiliate, verbose_name=_("affiliate"), on_delete=models.PROTECT, related_name="+"
    )
    link_pk = models.BigIntegerField(_("link"), default=0)

    class Meta:
        verbose_name = _("link total")
        verbose_name_plural = _("link totals")
        constraints = [
            models.UniqueConstraint(
                fields=["affiliate", "link_pk"],
                name="affiliates_linktotal_once",
                violation_error_message=_("One row per affiliate and link."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.affiliate_id}/{self.link_pk}"


class ProgramDay(Performance):
    """Clicks and commissions of a whole program on one day (its reports by day and month, its totals)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("program day")
        verbose_name_plural = _("program days")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "day"],
                name="affiliates_programday_once",
                violation_error_message=_("One row per program and day."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.day}"
