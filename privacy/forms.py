from django import forms


class DeleteAccountForm(forms.Form):
    confirmed = forms.CharField(widget=forms.HiddenInput, max_length=64)
    understood = forms.BooleanField(
        label="I understand: my account and my data are deleted for good, and my money goes as stated above.",
        error_messages={"required": "Tick the box to confirm that you want your account deleted."},
    )


class CloseMerchantForm(forms.Form):
    confirmed = forms.CharField(widget=forms.HiddenInput, max_length=64)
    understood = forms.BooleanField(
        label="I understand: the merchant closes for good, its campaigns end and its balance is refunded as stated above.",
        error_messages={"required": "Tick the box to confirm that you want the merchant closed."},
    )


class ReverseRewardsForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        max_length=300,
        help_text="The people who earned the rewards see this reason.",
        error_messages={"required": "Say why the rewards are reversed."},
    )
