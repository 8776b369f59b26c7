"""Month names as each language writes them inside a date.

Django's own Italian catalogue capitalises the month names ("5 Febbraio 2026"); Italian writes
them in lower case ("5 febbraio 2026"). The msgids below are Django's own (``django.utils.dates``),
so core's catalogue, which Django reads before its base catalogue, gives the month names TikJoy
prints with ``|date:"DATE_FORMAT"`` and ``date_format``. The other languages' entries repeat
Django's names. See docs/i18n.md ("Amounts, numbers and dates").
"""

from django.utils.translation import gettext_noop

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
