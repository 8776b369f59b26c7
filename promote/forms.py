"""Plain forms of the Promote pages (no ModelForm writes money or state)."""

from __future__ import annotations

from django import forms

from promote.models import Goal, Kind
from wallets.money import Currency


class BuyCoinsForm(forms.Form):
    coins = forms.IntegerField(min_value=1, max_value=10_000_000, initial=1000, label="Coins")
    currency = forms.ChoiceField(choices=Currency.choices, label="Pay in")


class WithdrawForm(forms.Form):
    coins = forms.IntegerField(min_value=1, max_value=10**12, label="Coins to withdraw")


class BirthDateForm(forms.Form):
    birth_date = forms.DateField(
        label="Your birth date",
        help_text="Promote is for people 18 or older.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class OrderForm(forms.Form):
    content = forms.ChoiceField(label="What to promote", choices=())
    kind = forms.ChoiceField(choices=Kind.choices, label="Kind")
    goal = forms.ChoiceField(choices=Goal.choices, label="Goal")
    audience_automatic = forms.BooleanField(
        required=False,
        initial=True,
        label="Automatic audience",
        help_text="Untick to choose a country and ages.",
    )
    country = forms.CharField(max_length=2, required=False, label="Country (ISO code, e.g. GB)")
    age_min = forms.IntegerField(min_value=18, max_value=99, initial=18, label="Ages from")
    age_max = forms.IntegerField(min_value=18, max_value=99, initial=65, label="to")
    budget_coins = forms.IntegerField(min_value=1, max_value=10**9, initial=1000, label="Budget (coins)")
    duration_days = forms.IntegerField(min_value=1, max_value=30, initial=3, label="Duration (days)")
    commercial_music_declared = forms.BooleanField(
        required=False, label="The video's music is commercial music (licensed for promotion)"
    )
    coupon_code = forms.CharField(max_length=32, required=False, label="Coupon code")
    spark_auth_code = forms.CharField(
        max_length=200,
        required=False,
        label="Spark Ads authorization code",
        help_text="From TikTok: the post's ... > Ad settings > Generate code (asked when delivery runs on TikTok).",
    )

    def __init__(self, *args, content_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].choices = list(content_choices)

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("age_min") and data.get("age_max") and data["age_min"] > data["age_max"]:
            self.add_error("age_max", "The oldest age is at least the youngest.")
        return data


class ResubmitForm(forms.Form):
    commercial_music_declared = forms.BooleanField(
        required=True, label="The video's music is commercial music (licensed for promotion)"
    )
