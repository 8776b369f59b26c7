from __future__ import annotations

from django import forms

from payouts.countries import address_country_choices


class BankDetailsForm(forms.Form):
    holder_name = forms.CharField(label="Account holder", max_length=140, help_text="As your bank knows it.")
    iban = forms.CharField(label="IBAN", max_length=42)
    street = forms.CharField(label="Street", max_length=70)
    building_number = forms.CharField(label="Number", max_length=16, required=False)
    postcode = forms.CharField(label="Postcode", max_length=16)
    town = forms.CharField(label="Town", max_length=35)
    country = forms.ChoiceField(label="Country", choices=address_country_choices, initial="DE")


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class IdentityForm(forms.Form):
    legal_name = forms.CharField(label="Full legal name", max_length=140)
    date_of_birth = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}))
    street = forms.CharField(label="Street", max_length=70)
    building_number = forms.CharField(label="Number", max_length=16, required=False)
    postcode = forms.CharField(label="Postcode", max_length=16)
    town = forms.CharField(label="Town", max_length=35)
    country = forms.ChoiceField(label="Country", choices=address_country_choices, initial="DE")
    tax_id = forms.CharField(
        label="Tax id",
        max_length=32,
        required=False,
        help_text="Needed once your payouts pass 2,000 EUR in a year.",
    )


class PayoutRequestForm(forms.Form):
    amount = forms.DecimalField(label="Amount (EUR)", max_digits=12, decimal_places=2, min_value=0)
    whole = forms.BooleanField(required=False, widget=forms.HiddenInput)
