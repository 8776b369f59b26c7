from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.forms.models import model_to_dict
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.hardening import without_bidi_controls
from core.i18n import time_zone_choices, time_zone_label
from merchants.countries import country_choices, vat_number_normalize
from merchants.models import TOUCHPOINT_WEB_KINDS, Currency, Merchant, Touchpoint, TouchpointKind
from merchants.roles import Role
from wallets.forms import AmountField, GroupedMaxValueValidator

MAX_LOGO_BYTES = 2 * 1024 * 1024
LOW_BALANCE_ALERT_MAX = Decimal("1000000")  # in the merchant's currency


def _clean_logo(logo):
    if logo and getattr(logo, "size", 0) > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo must be smaller than 2 MB."))
    return logo


def _brand_name(form: forms.Form) -> str:
    """The brand name without bidirectional controls (``core.hardening.without_bidi_controls``): one
    made of nothing else is no name."""
    name = without_bidi_controls(form.cleaned_data["brand_name"]).strip()
    if not name:
        raise ValidationError(form.fields["brand_name"].error_messages["required"], code="required")
    return name


class MerchantCreateForm(forms.Form):
    """Onboarding. A plain form: ``merchant_create`` does the writing."""

    brand_name = forms.CharField(max_length=120, label=_("Brand name"))
    slug = forms.SlugField(
        max_length=60,
        label=_("Brand page address"),
        help_text=_("Letters, digits and hyphens: your page will be /b/<address>/."),
    )
    logo = forms.ImageField(required=False, label=_("Logo"), help_text=_("PNG or JPEG, up to 2 MB."))
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: [("", _("Choose a country")), *country_choices()]
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.EUR)
    legal_name = forms.CharField(
        max_length=200, label=_("Legal name"), help_text=_("As registered, for invoices.")
    )
    vat_number = forms.CharField(max_length=20, required=False, label=_("VAT number"))
    billing_address = forms.CharField(label=_("Billing address"), widget=forms.Textarea(attrs={"rows": 3}))
    contact_email = forms.EmailField(label=_("Contact e-mail"))

    def clean_brand_name(self) -> str:
        return _brand_name(self)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip().lower()
        validate_slug(slug)
        if Merchant.objects.filter(slug=slug).exists():
            raise ValidationError(gettext("/b/%(slug)s/ is taken; choose another address.") % {"slug": slug})
        return slug

    def clean_logo(self):
        return _clean_logo(self.cleaned_data.get("logo"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("country") and "vat_number" in cleaned:
            try:
                cleaned["vat_number"] = vat_number_normalize(
                    country=cleaned["country"], vat_number=cleaned["vat_number"]
                )
            except ValidationError as exc:
                self.add_error("vat_number", exc)
        return cleaned


# What a merchant's language decides (the console's brand settings and the ops merchant page).
MERCHANT_LANGUAGE_HELP = _(
    "TikJoy writes to the brand in this language: its statements, invoices and e-mails (a team member "
    "who chose a language gets their own e-mails in it). The brand page is shown in it to visitors "
    "whose language TikJoy doesn't know or doesn't speak."
)


class MerchantOpsLanguageForm(forms.ModelForm):
    """The ops merchant page: ops change only the merchant's language (``merchant_language_set``)."""

    class Meta:
        model = Merchant
        fields = ["language"]

    language = forms.ChoiceField(
        label=capfirst(_("language")), choices=settings.LANGUAGES, help_text=MERCHANT_LANGUAGE_HELP
    )


class MerchantConsoleForm(forms.ModelForm):
    """The console's brand and billing form; ``merchant_update`` saves it."""

    class Meta:
        model = Merchant
        fields = [
            "brand_name",
            "logo",
            "contact_email",
            "legal_name",
            "country",
            "currency",
            "vat_number",
            "billing_address",
            "billing_postcode",
            "billing_city",
            "low_balance_threshold",
            "time_zone",
            "language",
        ]

    time_zone = forms.ChoiceField(
        label=capfirst(_("time zone")),  # as the admin writes verbose names (Django admin capfirst)
        required=False,  # not sent: unchanged
        choices=lambda: time_zone_choices(),
        help_text=_(
            "The console's figures count days in this time zone, and so does the daily limit per person. "
            "After a change, past days are counted again in the new time zone."
        ),
    )
    language = forms.ChoiceField(
        label=capfirst(_("language")),
        required=False,  # not sent: unchanged
        choices=settings.LANGUAGES,  # each language in its own name, as the footer's switcher
        help_text=MERCHANT_LANGUAGE_HELP,
    )
    # Typed as the reader writes amounts ("50,00" in German), up to a bound a wallet alert can mean
    # ("1e9" was saved as 1.000.000.000,00 €, an alert that never stops).
    low_balance_threshold = AmountField(
        label=capfirst(Merchant._meta.get_field("low_balance_threshold").verbose_name),
        required=False,
        help_text=Merchant._meta.get_field("low_balance_threshold").help_text,
        validators=[GroupedMaxValueValidator(LOW_BALANCE_ALERT_MAX)],
    )
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the version opened

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["edit_version"].initial = self.instance.version
        zone = self.instance.time_zone
        if (
            "time_zone" in self.fields and zone and zone not in dict(time_zone_choices())
        ):  # an alias saved earlier stays choosable
            self.fields["time_zone"].choices = [(zone, time_zone_label(zone)), *time_zone_choices()]

    def clean_logo(self):
        return _clean_logo(self.cleaned_data.get("logo"))

    def clean_brand_name(self) -> str:
        return _brand_name(self)

    def clean_time_zone(self):
        return self.cleaned_data.get("time_zone") or self.instance.time_zone

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country", self.instance.country)
        vat = cleaned.get("vat_number", self.instance.vat_number)
        if "vat_number" in self.fields and not self.fields["vat_number"].disabled and country:
            try:
                cleaned["vat_number"] = vat_number_normalize(country=country, vat_number=vat or "")
            except ValidationError as exc:
                self.add_error("vat_number", exc)
        edit_conflict_check(self)
        return cleaned


EDIT_CONFLICT = _(
    "This was changed since you opened the form (by someone else, or in another tab). Nothing was saved. "
    "What you typed is kept below; under each field that differs, “Saved now” gives its current value. "
    "Check them and save again to apply your changes over the current version."
)


def edit_conflict_check(form: forms.ModelForm) -> bool:
    """Refuse a console edit form opened on an older ``version`` of its row (another person, another
    tab), keeping what the person typed: the form is shown again with the conflict explained, the
    current value under each field that differs from what they typed, and its ``edit_version`` moved
    to the current version, so that saving it again (once they checked) applies their input over the
    current row. Returns whether it refused. Call it from the form's ``clean``.

    The service checks the version again under its row lock (``EditConflict``): the console then
    shows this form again (``ConsoleModelAdmin.changeform_view``).
    """
    opened = form.cleaned_data.get("edit_version")
    if not form.instance.pk or opened is None:
        return False
    current = type(form.instance)._default_manager.filter(pk=form.instance.pk).first()
    if current is None or current.version == opened:
        return False
    data = form.data.copy()
    data[form.add_prefix("edit_version")] = str(current.version)
    form.data = data
    form.add_error(None, str(EDIT_CONFLICT))
    names = [
        n for n, f in form.fields.items() if not f.disabled and not isinstance(f.widget, forms.HiddenInput)
    ]
    initial = model_to_dict(current, fields=names)
    for name in names:
        field = form.fields[name]
        if isinstance(field, forms.FileField) or name not in initial:
            continue
        if field.has_changed(initial[name], form[name].data):
            form.add_error(name, gettext("Saved now: %(value)s") % {"value": _saved_text(current, name)})
    return True


def _saved_text(row, name: str) -> str:
    """A field's current value in words (its choice's label, the related rows' names, yes or no)."""
    model_field = row._meta.get_field(name)
    if model_field.many_to_many:
        value = ", ".join(str(item) for item in getattr(row, name).all())
    elif model_field.choices:
        value = getattr(row, f"get_{name}_display")()
    else:
        value = getattr(row, name)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if value is None or value == "":
        return gettext("(empty)")
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return str(formats.localize(value)) if isinstance(value, (datetime, date, Decimal, int)) else str(value)


class TouchpointConsoleForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"), required=False, assume_scheme="https", help_text=_("For websites and e-commerce.")
    )

    class Meta:
        model = Touchpoint
        fields = ["kind", "name", "address", "url", "is_active"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in TOUCHPOINT_WEB_KINDS and not cleaned.get("url"):
            self.add_error("url", _("A website or e-commerce touchpoint needs its URL."))
        if kind == TouchpointKind.RETAIL_STORE and not (cleaned.get("address") or "").strip():
            self.add_error("address", _("A retail store needs its address."))
        return cleaned


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MANAGER)


class TopUpReversalForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this top-up was a mistake: the merchant sees it in its wallet history."),
    )


TOP_UP_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")


class TopUpRecordForm(forms.Form):
    """What ops read off the bank statement. ``merchant_top_up_record`` does the rest."""

    payment_reference = forms.CharField(
        max_length=16,
        label=_("Payment reference"),
        help_text=_("The merchant's TJ-... reference, as written on the transfer."),
    )
    amount = forms.CharField(
        max_length=20,
        label=_("Amount"),
        help_text=_("As on the bank statement: digits, a decimal point and at most two decimals."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.EUR)
    bank_reference = forms.CharField(
        max_length=64, label=_("Bank reference"), help_text=_("The bank's own reference of this transfer.")
    )
    value_date = forms.DateField(label=_("Value date"), help_text="YYYY-MM-DD")

    def clean_amount(self) -> Decimal:
        """Plain digits only: ``1e9`` or ``1,000,000.00`` is refused rather than read as a number."""
        raw = self.cleaned_data["amount"].strip()
        if not TOP_UP_AMOUNT.fullmatch(raw):
            raise ValidationError(
                _("Write the amount as on the statement, e.g. 1250.00 (digits, '.', two decimals).")
            )
        amount = Decimal(raw)
        if amount <= 0:
            raise ValidationError(_("The amount must be more than zero."))
        if amount >= Decimal("1000000000000"):
            raise ValidationError(_("That amount is larger than any transfer TikJoy records."))
        return amount

    def clean_payment_reference(self) -> Merchant:
        reference = self.cleaned_data["payment_reference"].strip().upper()
        merchant = Merchant.objects.filter(payment_reference=reference).first()
        if merchant is None:
            raise ValidationError(
                gettext("No merchant has the payment reference %(reference)s.") % {"reference": reference}
            )
        return merchant
