from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.i18n import time_zone_names


def _time_zone_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Not chosen (times in UTC)")),
        *((name, name.replace("_", " ")) for name in time_zone_names()),
    ]


class LocaleForm(forms.Form):
    """The person's language and time zone (/me/). Empty: not chosen."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=lambda: [("", _("Not chosen (your browser's)")), *settings.LANGUAGES],
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=_time_zone_choices,
        help_text=_("Times on TikJoy and in our e-mails are shown in this time zone."),
    )
