from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeleteAccountForm(forms.Form):
    confirmed = forms.CharField(widget=forms.HiddenInput, max_length=64)
    understood = forms.BooleanField(
        label=_(
            "I understand: my account and my data are deleted for good, and my money goes as stated above."
        ),
        error_messages={"required": _("Tick the box to confirm that you want your account deleted.")},
    )


class CloseMerchantForm(forms.Form):
    confirmed = forms.CharField(widget=forms.HiddenInput, max_length=64)
    understood = forms.BooleanField(
        label=_(
            "I understand: the merchant closes for good, its campaigns end and its balance is refunded as stated above."
        ),
        error_messages={"required": _("Tick the box to confirm that you want the merchant closed.")},
    )


class ReverseRewardsForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("reason for reversing rewards", "Why"),
        max_length=300,
        help_text=_("The people who earned the rewards see this reason."),
        error_messages={"required": _("Say why the rewards are reversed.")},
    )
