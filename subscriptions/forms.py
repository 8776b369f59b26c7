"""The consumer's subscription forms (plain forms: the services write)."""

from __future__ import annotations

from django import forms


class SubscribeForm(forms.Form):
    plan = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.HiddenInput,
        error_messages={"invalid": "Choose a plan on the page."},
    )
    accept = forms.BooleanField(
        required=False,
        label="I read how this plan works (above), including the monthly fee",
    )
