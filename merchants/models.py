from __future__ import annotations

import functools
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.i18n import time_zone_validate
from core.postcodes import validate_postcode
from merchants.countries import country_choices
from merchants.roles import Role
from wallets.formats import money_text
from wallets.money import Currency

__all__ = [
    "DEFAULT_BRAND_PAGE_NAME",
    "TOUCHPOINT_WEB_KINDS",
    "BankTransfer",
    "Currency",
    "Invitation",
    "Membership",
    "Merchant",
    "Role",
    "Touchpoint",
    "TouchpointKind",
]


class MerchantQuerySet(models.QuerySet):
    def for_user(self, user) -> MerchantQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Merchant(models.Model):
    """A brand that funds a wallet and rewards consumers."""

    brand_name = models.CharField(_("brand name"), max_length=120)
    slug = models.SlugField(
        _("brand page address"),
        max_length=60,
        unique=True,
        help_text=_("The brand page lives at /b/<slug>/. Lowercase."),
    )
    logo = models.ImageField(_("logo"), upload_to="merchants/logos/", blank=True)
    country = models.CharField(_("country"), max_length=2, choices=country_choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The language of the brand page for visitors whose browser asks for none we speak, "
            "and of e-mails, statements and invoices to the merchant. Set from the country at sign-up."
        ),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[time_zone_validate],
        help_text=_(
            "The console and statements show times in this time zone. Set from the country at sign-up."
        ),
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    billing_address = models.TextField(
        _("billing address"), help_text=_("Street and number (the lines before the postcode).")
    )
    billing_postcode = models.CharField(
        _("postcode"), max_length=16, blank=True, validators=[validate_postcode]
    )
    billing_city = models.CharField(_("city"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"))
    payment_reference = models.CharField(
        _("payment reference"),
        max_length=16,
        unique=True,
        editable=False,
        help_text=_("Put this on every bank transfer to TikJoy."),
    )
    low_balance_threshold = models.DecimalField(
        _("low-balance alert"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "The owners are e-mailed when the balance falls below this. Empty: the platform default."
        ),
    )
    low_balance_alerted = models.BooleanField(_("low balance alerted"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("+1 on every edit: a form opened before an edit can't undo it."),
    )
    closed_at = models.DateTimeField(
        _("closed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Closed by an owner (docs/privacy.md): no funding, no live campaign, the console is read-only."
        ),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = MerchantQuerySet.as_manager()

    class Meta:
        verbose_name = _("brand and billing")
        verbose_name_plural = _("brand and billing")
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="merchants_merchant_currency_known",
                violation_error_message=_("Choose one of the currencies TikJoy supports (EUR, USD or GBP)."),
            ),
            models.CheckConstraint(
                condition=Q(slug=Lower("slug")),
                name="merchants_merchant_slug_lowercase",
                violation_error_message=_("The brand page address must be in lowercase."),
            ),
            models.CheckConstraint(
                condition=Q(low_balance_threshold__isnull=True) | Q(low_balance_threshold__gte=0),
                name="merchants_merchant_threshold_not_negative",
                violation_error_message=_("The low-balance alert amount can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.brand_name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class TouchpointKind(models.TextChoices):
    RETAIL_STORE = "RETAIL_STORE", _("Retail store")
    WEBSITE = "WEBSITE", _("Website")
    ECOMMERCE = "ECOMMERCE", _("E-commerce")
    WHOLESALE = "WHOLESALE", _("Wholesale")
    BRAND_PAGE = "BRAND_PAGE", _("TikJoy brand page")


# The touchpoints that are websites: their URL is needed, and their origins may show the widget.
TOUCHPOINT_WEB_KINDS = (TouchpointKind.WEBSITE, TouchpointKind.ECOMMERCE)


def touchpoint_key_new() -> str:
    return secrets.token_urlsafe(12)


# The name a merchant's brand page touchpoint gets at creation (the kind's label, English msgid).
DEFAULT_BRAND_PAGE_NAME = "TikJoy brand page"


@functools.cache
def _default_brand_page_names() -> frozenset[str]:
    """The default name in every shipped language (names stored before it was kept in English)."""
    names = {DEFAULT_BRAND_PAGE_NAME}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(gettext(DEFAULT_BRAND_PAGE_NAME))
    return frozenset(names)


class Touchpoint(models.Model):
    """A place consumers meet the brand: a store, a website, the brand page... Its key marks the source."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="touchpoints"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TouchpointKind.choices)
    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"), blank=True, help_text=_("For stores and wholesale."))
    url = models.URLField(_("URL"), blank=True, help_text=_("For websites and e-commerce."))
    is_active = models.BooleanField(pgettext_lazy("touchpoint", "active"), default=True)
    public_key = models.CharField(
        _("public key"), max_length=32, unique=True, default=touchpoint_key_new, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TouchpointKind.values),
                name="merchants_touchpoint_kind_known",
                violation_error_message=_("Choose a kind of place from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[TouchpointKind.WEBSITE, TouchpointKind.ECOMMERCE]) | ~Q(url=""),
                name="merchants_touchpoint_online_has_url",
                violation_error_message=_("A website or an online shop needs its web address."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=TouchpointKind.RETAIL_STORE) | ~Q(address=""),
                name="merchants_touchpoint_store_has_address",
                violation_error_message=_("A store needs its street address."),
            ),
        ]

    def __str__(self) -> str:
        name, kind = self.display_name, self.get_kind_display()
        if name.casefold() == str(kind).casefold():  # the brand page's default name is its kind's label
            return name
        return f"{name} ({kind})"

    @property
    def display_name(self) -> str:
        """The name, in the reader's language when it is still the default name the brand page got at
        creation (stored in the language active then): a merchant who renamed it sees their own name."""
        if self.kind == TouchpointKind.BRAND_PAGE and self.name in _default_brand_page_names():
            return gettext(DEFAULT_BRAND_PAGE_NAME)
        return self.name


class Membership(models.Model):
    """A person's role in a merchant's team. One person may belong to several merchants."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "user"],
                name="merchants_membership_once_per_user",
                violation_error_message=_("This person is already in the team."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="merchants_membership_role_known",
                violation_error_message=_("Choose a role from the list."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s · %(role)s of %(brand)s") % {
            "person": self.user,
            "role": self.get_role_display(),
            "brand": self.merchant,
        }


class Invitation(models.Model):
    """An owner's invitation to join the team, sent as a signed, expiring link."""

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="merchants_invitation_role_known",
                violation_error_message=_("Choose a role from the list."),
            ),
            models.UniqueConstraint(
                "merchant",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="merchants_invitation_one_open_per_email",
                violation_error_message=_("This e-mail address already has an open invitation to this team."),
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="merchants_invitation_accepted_or_revoked",
                violation_error_message=_("An invitation can't be both accepted and revoked."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(email)s invited as %(role)s to %(brand)s") % {
            "email": self.email,
            "role": self.get_role_display(),
            "brand": self.merchant,
        }

    @property
    def status(self) -> str:
        if self.accepted_at:
            return gettext("Accepted")
        if self.revoked_at:
            return gettext("Revoked")
        return gettext("Pending")

    status.fget.short_description = _("status")  # the column's and the change page's label


class BankTransfer(models.Model):
    """A bank transfer ops saw arrive on the platform's account, credited to a merchant's wallet.

    Recorded only through ``merchants.services.merchant_top_up_record`` (the /ops/ add form calls it);
    the bank's reference is unique, so recording the same transfer twice changes nothing.
    """

    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="bank_transfers"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    bank_reference = models.CharField(
        _("bank reference"), max_length=64, unique=True, help_text=_("The bank's own reference.")
    )
    value_date = models.DateField(_("value date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(
        _("recorded on"),
        help_text=_("When ops recorded it; it is credited then, or when a second staff member confirms it."),
    )
    ledger_transaction = models.OneToOneField(
        "wallets.Transaction",
        verbose_name=_("ledger transaction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The second staff member who confirmed a large top-up (above MERCHANT_TOP_UP_CONFIRM_ABOVE)."
        ),
    )
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversal_reason = models.CharField(_("reversal reason"), max_length=300, blank=True)
    reversal_transaction = models.OneToOneField(
        "wallets.Transaction",
        verbose_name=_("reversal transaction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="merchants_banktransfer_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="merchants_banktransfer_currency_known",
                violation_error_message=_("Choose one of the currencies TikJoy supports (EUR, USD or GBP)."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(reference)s: %(amount)s to %(brand)s") % {
            "reference": self.bank_reference,
            "amount": money_text(self.amount, self.currency),
            "brand": self.merchant,
        }

    @property
    def state(self) -> str:
        if self.reversed_at is not None:
            return gettext("reversed")
        return (
            gettext("credited")
            if self.ledger_transaction_id
            else gettext("waiting for a second staff member")
        )


# --- Consent: what a consumer agreed that a merchant receives --------------------------------


class ConsentField(models.TextChoices):
    """A piece of a consumer's data that a merchant may receive."""

    DISPLAY_NAME = "DISPLAY_NAME", _("Name")
    TIKTOK_HANDLE = "TIKTOK_HANDLE", _("TikTok handle")
    PHONE = "PHONE", _("Phone number")
    EMAIL = "EMAIL", _("E-mail address")


# The Consent column that records each field, in the order the consent page lists them.
CONSENT_FLAGS: dict[str, str] = {
    ConsentField.DISPLAY_NAME: "shares_display_name",
    ConsentField.TIKTOK_HANDLE: "shares_tiktok_handle",
    ConsentField.PHONE: "shares_phone",
    ConsentField.EMAIL: "shares_email",
}


# The consent text's version: change it (and ``consent_text``) whenever the wording changes, so
# every consent records which words the person agreed to.
# A new version whenever the words change in any shipped language (2026-11-29: the it/de/fr/es wording
# was corrected; consents given before keep the exact words they were shown in ``Consent.text``).
CONSENT_TEXT_VERSION = "2026-11-29"


def consent_text(*, brand_name: str, field_labels: list[str]) -> str:
    """The exact words of the consent page (version ``CONSENT_TEXT_VERSION``), for these fields."""
    return gettext(
        "%(brand)s will receive: %(fields)s. "
        "%(brand)s uses this to know who earned its rewards and to contact you about them. "
        "You can withdraw your consent at any time on your account page; "
        "%(brand)s then no longer sees your data."
    ) % {"brand": brand_name, "fields": ", ".join(str(label) for label in field_labels)}


class ConsentQuerySet(models.QuerySet):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """A consumer agreed that a merchant receives these fields of their data, from ``given_at``.

    One flag per field, exactly the fields the consent page showed. Withdrawing
    sets ``withdrawn_at`` and keeps the row as history; the database allows at
    most one active (not withdrawn) consent per person and merchant.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="consents"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="consents"
    )
    shares_display_name = models.BooleanField(_("shares display name"), default=False)
    shares_tiktok_handle = models.BooleanField(_("shares tiktok handle"), default=False)
    shares_phone = models.BooleanField(_("shares phone"), default=False)
    shares_email = models.BooleanField(_("shares email"), default=False)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    text_version = models.CharField(
        _("text version"),
        max_length=20,
        blank=True,
        help_text=_("CONSENT_TEXT_VERSION of the words agreed to (empty: before versions)"),
    )
    text = models.TextField(_("text"), blank=True, help_text=_("the exact words the person agreed to"))
    page = models.CharField(_("page"), max_length=300, blank=True, help_text=_("the page they agreed on"))

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        db_table = "accounts_consent"  # made by accounts before consent moved here (no data moved)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "merchant"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="accounts_consent_one_active_per_merchant",
                violation_error_message=_("This person already shares their details with this brand."),
            ),
            models.CheckConstraint(
                condition=models.Q(shares_display_name=True)
                | models.Q(shares_tiktok_handle=True)
                | models.Q(shares_phone=True)
                | models.Q(shares_email=True),
                name="accounts_consent_shares_something",
                violation_error_message=_("Choose at least one detail to share."),
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="accounts_consent_withdrawn_after_given",
                violation_error_message=_("Consent can't be withdrawn before it was given."),
            ),
        ]
        indexes = [
            # A merchant's people, page by page in consent order (GET /api/v1/consumers).
            models.Index(
                fields=["merchant", "id"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_active_by_merchant",
            ),
        ]

    def __str__(self) -> str:
        # "Hana Consumer → Joy Coffee (aktiv)": the state in the reader's language.
        names = {"person": self.user, "brand": self.merchant}
        if self.withdrawn_at:
            return gettext("%(person)s → %(brand)s (withdrawn)") % names
        return gettext("%(person)s → %(brand)s (active)") % names

    @property
    def fields(self) -> list[str]:
        """The shared fields, as ConsentField values, in display order."""
        return [field for field, flag in CONSENT_FLAGS.items() if getattr(self, flag)]

    @property
    def field_labels(self) -> list[str]:
        return [str(ConsentField(field).label) for field in self.fields]
