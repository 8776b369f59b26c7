"""Dates as each language writes them.

Month names: Django's own Italian catalogue capitalises the month names ("5 Febbraio 2026");
Italian writes them in lower case ("5 febbraio 2026"). The msgids below are Django's own
(``django.utils.dates``), so core's catalogue, which Django reads before its base catalogue, gives
the month names TikJoy prints with ``|date:"DATE_FORMAT"`` and ``date_format``. The other
languages' entries repeat Django's names.

The first day of the month: French writes it as an ordinal, "1er mars 2026" ("2 mars 2026" for
every other day). Django's format character for the day in a written date (``j``) prints the
number in every language, so ``day_of_month_install`` (run once, by core's AppConfig) makes it
print the first day as core's catalogue translates it (French "1er"; the other languages keep
"1"). Every page, e-mail and PDF that formats a date through Django (``|date``, ``date_format``,
``{% moment %}``) writes it so. Numeric formats (``d/m/Y``) use ``d`` and are untouched. See
docs/i18n.md ("Amounts, numbers and dates").
"""

from django.utils import dateformat
from django.utils.translation import gettext_noop, pgettext

MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)


def _day_of_month(self: dateformat.DateFormat) -> str:
    """Django's ``j`` (the day of the month without a leading zero), the first day as the active
    language writes it in a date."""
    day = self.data.day
    if day == 1:
        # Translators: the first day of the month in a written date ("1 March 2026"). French
        # writes the ordinal, "1er"; a language that writes the plain number keeps "1".
        return pgettext("first day of the month in a date", "1")
    return str(day)


def day_of_month_install() -> None:
    """Makes Django's date formatting write the first day of the month as the language does."""
    dateformat.DateFormat.j = _day_of_month
