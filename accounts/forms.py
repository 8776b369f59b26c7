from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.i18n import is_time_zone, time_zone_choices, time_zone_label


def _zone_choice(name: str) -> tuple[str, str]:
    return name, time_zone_label(name)


def _time_zone_choices(likely: list[str], saved: str = "") -> list:
    everything = time_zone_choices()
    if saved and saved not in dict(everything):  # an alias saved earlier stays choosable
        everything = [_zone_choice(saved), *everything]
    if not likely:
        return [("", _("Not chosen (your device's time zone, else UTC)")), *everything]
    return [
        ("", _("Not chosen (your device's time zone, else UTC)")),
        (_("Likely for you"), [_zone_choice(name) for name in likely]),
        # Each zone once: the likely ones are not repeated below them.
        (_("Other time zones"), [choice for choice in everything if choice[0] not in likely]),
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
        choices=lambda: _time_zone_choices([]),
        help_text=_(
            "Times on TikJoy and in our e-mails are shown in this time zone; an invoice or a report counted "
            "by day says which zone it uses."
        ),
    )

    def __init__(self, *args, likely_time_zones: list[str] | None = None, **kwargs) -> None:
        """``likely_time_zones`` (``accounts.time_zones``) come first, the full list after them."""
        super().__init__(*args, **kwargs)
        saved = str(self.initial.get("time_zone") or "")
        if self.is_bound and is_time_zone(self.data.get("time_zone")):  # an alias the browser reports
            saved = self.data["time_zone"]
        if likely_time_zones or saved:
            self.fields["time_zone"].choices = _time_zone_choices(likely_time_zones or [], saved)
