from __future__ import annotations

from datetime import date

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api.models import KeyKind, Scope
from core.i18n import time_zone_label
from webhooks.models import EventType


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("What the key is for, e.g. 'shop server'.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KeyKind.choices, initial=KeyKind.SECRET)
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[(Scope.READ, Scope.READ.label), (Scope.WRITE, Scope.WRITE.label)],
        initial=Scope.READ,
        help_text=_("For secret keys. Publishable keys only read the public offer."),
    )
    expires_at = forms.DateTimeField(label=_("Expires"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The example as the reader's language types a date (a German "2027-12-31" was refused), and
        # the zone the moment is read in: the brand's, the console's.
        self.fields["expires_at"].help_text = gettext(
            "Optional, e.g. %(example)s, in your brand's time zone: %(zone)s."
        ) % {
            "example": f"{formats.localize_input(date(2027, 12, 31))} 23:59",
            "zone": time_zone_label(timezone.get_current_timezone_name()),
        }


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
