from __future__ import annotations

from django import forms

from chats.models import ChatTemplate
from chats.services import MAX_TEXT


class SendForm(forms.Form):
    text = forms.CharField(
        label="Message",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A free reply within 24 hours of the consumer's last message; else pick a template.",
    )
    template = forms.ModelChoiceField(
        queryset=ChatTemplate.objects.none(),
        required=False,
        empty_label="No template: a free reply",
        label="Template",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ChatTemplate.objects.filter(approved=True).order_by(
            "category", "title"
        )


class StartForm(forms.Form):
    person = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class MarketingForm(forms.Form):
    marketing = forms.BooleanField(required=False)
