"""Plain forms of the affiliate pages and the console; the services write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from affiliates.models import AffiliateStatus, Attribution, Inquiry, ReversalCode
from affiliates.services import (
    ADJUSTMENT_MAX,
    BOUNTY_MAX,
    INQUIRY_AMOUNT_MAX,
    INQUIRY_MESSAGE_MAX,
    inquiry_amount_refusal,
)
from core.i18n import language_codes, language_in_sentence
from wallets.formats import number_text
from wallets.forms import AmountField, AmountInput, GroupedMaxValueValidator, GroupedMinValueValidator


class ApplicationForm(forms.Form):
    website = forms.URLField(label=_("Your website or social profile"), max_length=300, assume_scheme="https")
    promotion_plan = forms.CharField(
        label=_("How will you promote the program?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class LinkForm(forms.Form):
    destination = forms.URLField(label=_("Page to link to"), max_length=1000, assume_scheme="https")
    sub_id = forms.RegexField(
        label=_("Sub-id (optional)"),
        regex=r"^[A-Za-z0-9._-]{0,64}$",
        required=False,
        max_length=64,
        strip=True,  # RegexField keeps surrounding spaces unless told; "  bio  " is "bio", as the service trims
        error_messages={"invalid": _("Up to 64 letters, digits, dots, dashes or underscores.")},
    )


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    # In the reader's number format both ways ("10,50" in German), its limits too ("0,01", "10.000").
    bounty = AmountField(
        label=_("Bounty per conversion"),
        validators=[GroupedMinValueValidator(Decimal("0.01")), GroupedMaxValueValidator(BOUNTY_MAX)],
    )
    domains = forms.CharField(
        label=_("Your sites (one domain a line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Affiliates' links may point only to these domains and their sub-domains."),
    )
    window_days = forms.IntegerField(
        label=_("Attribution window (days)"), min_value=1, max_value=90, initial=30
    )
    attribution = forms.ChoiceField(
        label=_("Attribution"), choices=Attribution.choices, initial=Attribution.LAST_CLICK
    )
    terms = forms.CharField(
        label=_("Terms"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_(
            "In your brand's language; below, the same terms for affiliates who read another one. "
            "Leave the bounty out: the page states it in each reader's format."
        ),
    )
    is_active = forms.BooleanField(
        label=_("Open (accepting affiliates and conversions)"), required=False, initial=True
    )

    def __init__(self, *args, owner_language: str, **kwargs):
        """``owner_language``: the language of ``name`` and ``terms`` (the merchant's); fields
        ``name_<code>`` and ``terms_<code>`` follow for each other shipped language."""
        super().__init__(*args, **kwargs)
        self.translation_codes = [code for code in language_codes() if code != owner_language]
        for code in self.translation_codes:
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": language_in_sentence(code)},
                required=False,
                max_length=120,
            )
        # Each name in another language right under the name.
        self.order_fields(["name", *(f"name_{code}" for code in self.translation_codes)])
        for code in self.translation_codes:
            self.fields[f"terms_{code}"] = forms.CharField(
                label=_("Terms in %(language)s") % {"language": language_in_sentence(code)},
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=5000,
            )

    def terms_translations(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"terms_{code}", "") for code in self.translation_codes}

    def name_translations(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"name_{code}", "") for code in self.translation_codes}

    def domain_list(self) -> list[str]:
        return [line for line in self.cleaned_data["domains"].split() if line.strip()]


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(s.value, s.label) for s in AffiliateStatus if s != AffiliateStatus.APPLIED],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, help_text=_("Shown to the affiliate.")
    )


class ReverseForm(forms.Form):
    code = forms.ChoiceField(label=_("Reason"), choices=ReversalCode.chosen_by_people())


class AdjustForm(forms.Form):
    """A row's adjustment. The console shows its two inputs in a table cell, without the form's
    labels: each input carries its name (aria-label) and an example (placeholder)."""

    # In the reader's number format, a minus before a grouped amount too ("-1.000,00" in German).
    amount = AmountField(
        signed=True,
        label=_("Amount"),
        validators=[GroupedMinValueValidator(-ADJUSTMENT_MAX), GroupedMaxValueValidator(ADJUSTMENT_MAX)],
        help_text=_("Positive adds to the commission, negative takes back."),
        widget=AmountInput(
            attrs={
                "aria-label": _("Adjustment (positive adds to the commission, negative takes back)"),
                "placeholder": _("e.g. -2.50"),
            }
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(
            attrs={"aria-label": _("Reason for the adjustment"), "placeholder": _("Reason")}
        ),
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("An adjustment is a non-zero amount."))
        return amount


class InquiryForm(forms.Form):
    """``currency``: the program's, in which the order amount is read and its limit is written.
    The amount is typed as the reader's language writes it ("12,50" in German, never "1e9")."""

    order_id = forms.CharField(label=_("Order id"), max_length=200)
    order_date = forms.DateField(label=_("Order date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = AmountField(
        label=_("Order amount"),
        error_messages={
            "invalid": pgettext_lazy(
                "to an affiliate",
                "Enter an amount such as %(example)s (at most two digits after the decimal sign).",
            )
        },
    )
    message = forms.CharField(
        label=_("What is missing or wrong?"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": INQUIRY_MESSAGE_MAX}),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if not Decimal(0) < amount <= INQUIRY_AMOUNT_MAX:
            raise forms.ValidationError(inquiry_amount_refusal(self.currency))
        return amount

    def clean_message(self) -> str:
        """The limit and the count as the reader writes numbers ("2.000" in German), not Django's "2000"."""
        message = self.cleaned_data["message"]
        if len(message) > INQUIRY_MESSAGE_MAX:
            raise forms.ValidationError(
                _("A message has at most %(limit)s characters (this one has %(count)s).")
                % {"limit": number_text(INQUIRY_MESSAGE_MAX), "count": number_text(len(message))}
            )
        return message


INQUIRY_ANSWER_MAX = Inquiry._meta.get_field("answer").max_length


class InquiryAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: credit the conversion")), ("decline", _("Decline"))],
    )
    answer = forms.CharField(
        label=_("Answer"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": INQUIRY_ANSWER_MAX}),
        help_text=_("Shown to the affiliate (needed to decline)."),
    )

    def clean_answer(self) -> str:
        """The limit and the count as the reader writes numbers ("5.000" in German), as a message's."""
        answer = self.cleaned_data["answer"]
        if len(answer) > INQUIRY_ANSWER_MAX:
            raise forms.ValidationError(
                _("An answer has at most %(limit)s characters (this one has %(count)s).")
                % {"limit": number_text(INQUIRY_ANSWER_MAX), "count": number_text(len(answer))}
            )
        return answer
