from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from core.postcodes import PostcodeField
from payouts.countries import address_country_choices
from wallets.formats import money_text
from wallets.forms import AmountField


class BankDetailsForm(forms.Form):
    holder_name = forms.CharField(
        label=_("Account holder"), max_length=140, help_text=_("As your bank knows it.")
    )
    # Room for an IBAN pasted with separators (dashes, spaces, dots) between its groups: the service compacts it.
    iban = forms.CharField(label="IBAN", max_length=70)
    street = forms.CharField(label=_("Street"), max_length=70)
    building_number = forms.CharField(label=_("Number"), max_length=16, required=False)
    postcode = PostcodeField(label=_("Postcode"))
    town = forms.CharField(label=_("Town"), max_length=35)
    country = forms.ChoiceField(label=_("Country"), choices=address_country_choices, initial="DE")


class CodeField(forms.CharField):
    """The six digits of a confirmation code, as a message gives them: spaces and dashes pasted with
    them ("627 548", "627-548") are dropped (the box had room for six characters: a pasted "627 548"
    became "627 54", a wrong code that used up an attempt)."""

    def __init__(self, **kwargs):
        super().__init__(
            max_length=None,
            validators=[RegexValidator(r"^[0-9]{6}$", message=_("The code has 6 digits."), code="digits")],
            widget=forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "16"}
            ),
            **kwargs,
        )

    def to_python(self, value):
        return re.sub(r"[\s\-\u2010-\u2015]", "", super().to_python(value))  # spaces, hyphens, dashes


class CodeForm(forms.Form):
    code = CodeField(label=_("Code"))


def _tax_id_help() -> str:
    """The yearly total above which payouts need a tax id, written as the reader's language writes money."""
    return _("Needed once your payouts pass %(limit)s in a year.") % {
        "limit": money_text(Money(settings.PAYOUTS_TAX_ID_ABOVE, "EUR"))
    }


class IdentityForm(forms.Form):
    legal_name = forms.CharField(label=_("Full legal name"), max_length=140)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    street = forms.CharField(label=_("Street"), max_length=70)
    building_number = forms.CharField(label=_("Number"), max_length=16, required=False)
    postcode = PostcodeField(label=_("Postcode"))
    town = forms.CharField(label=_("Town"), max_length=35)
    country = forms.ChoiceField(label=_("Country"), choices=address_country_choices, initial="DE")
    tax_id = forms.CharField(
        label=_("Tax id"),
        max_length=32,
        required=False,
        help_text=lazy(_tax_id_help, str)(),
    )


class PayoutRequestForm(forms.Form):
    amount = AmountField(label=_("Amount (EUR)"))
    whole = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The balance the page showed on its "Pay out everything (16,00 €)" button: a stale tab's
    # button no longer pays out what it says.
    shown_available = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        whole = self.fields["whole"]
        if self.is_bound and whole.to_python(
            whole.widget.value_from_datadict(self.data, self.files, "whole")
        ):
            # "Pay out everything" ignores the amount box: empty or not an amount, it isn't read (the
            # box is still shown as typed if the page comes back).
            self.fields["amount"] = forms.CharField(
                label=self.fields["amount"].label, required=False, widget=self.fields["amount"].widget
            )
