"""The consumer's subscription forms (plain forms: the services write)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SubscribeForm(forms.Form):
    plan = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Choose a plan on the page.")},
    )
    pay_with = forms.ChoiceField(
        choices=[("BALANCE", _("Pay from my balance")), ("CARD", _("Pay by card"))],
        initial="BALANCE",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose to pay from your balance or by card.")},
    )
    accept = forms.BooleanField(
        required=False,
        label=_("I read how this plan works (above), including the monthly fee"),
    )
