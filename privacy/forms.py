from django import forms


class DeleteAccountForm(forms.Form):
    confirmed = forms.CharField(widget=forms.HiddenInput, max_length=64)
    understood = forms.BooleanField(
        label="I understand: my account and my data are deleted for good, and my money goes as stated above.",
        error_messages={"required": "Tick the box to confirm that you want your account deleted."},
    )
