from __future__ import annotations

from django import forms

from api.models import KeyKind, Scope
from webhooks.models import EventType


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What the key is for, e.g. 'shop server'.")
    kind = forms.ChoiceField(choices=KeyKind.choices, initial=KeyKind.SECRET)
    scope = forms.ChoiceField(
        choices=[(Scope.READ, Scope.READ.label), (Scope.WRITE, Scope.WRITE.label)],
        initial=Scope.READ,
        help_text="For secret keys. Publishable keys only read the public offer.",
    )
    expires_at = forms.DateTimeField(required=False, help_text="Optional, e.g. 2027-12-31 23:59.")


class EndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(max_length=200, required=False)
