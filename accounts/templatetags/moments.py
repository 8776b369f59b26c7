"""``{% load moments %}``: ``{% moment value "DATETIME_FORMAT" %}``, a moment in the reader's time zone.

The zone is the person's saved choice, else their browser's (``accounts.middleware``). While neither
is known (the browser's first page view, before its script told us) the time is the site's UTC and
the zone's name follows it ("14:47 UTC"), so the reader is never left guessing; in words
(``core.i18n.time_zone_label``) where a page overrides the zone (the console: "14:47 Rom
(Mitteleuropäische Zeit)"), never its IANA id.

``{% moment value "SHORT_DATETIME_FORMAT" named=True %}`` always names the zone, as the e-mails and
messages do (``core.i18n.moment_text``): for a moment a sentence promises ("payouts can start after
…"), which the reader may compare with a message or an e-mail saying the same.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone

from core.i18n import moment_text, time_zone_label

register = template.Library()


@register.simple_tag(takes_context=True)
def moment(context, value: datetime | None, format_name: str = "DATETIME_FORMAT", named: bool = False) -> str:
    if value is None:
        return ""
    if named:
        return moment_text(value, format_name)
    text = formats.date_format(timezone.localtime(value), format_name)
    request = context.get("request")
    if request is not None and not getattr(request, "time_zone_source", "x"):
        text = f"{text} {time_zone_label(timezone.get_current_timezone_name())}"
    return text
