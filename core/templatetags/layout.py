"""``{{ line|labels_nowrap }}``: a line of "label: value" pieces whose labels never break inside.

"Issue date: 29 November 2026 · Date of purchase: …, time zone: …" is one sentence for the
translator; in a PDF's narrow column Spanish broke "Fecha | de emisión: …". Each label (the words
after the line's start, a " · " or a ", " up to its colon, French's no-break space included) is
kept on one line; the line still breaks between the pieces and inside long values.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_LABEL = re.compile(r"(^|· |, )([^:·,<>]+?\s?:)")


@register.filter
def labels_nowrap(value) -> SafeString:
    text = str(conditional_escape(value))
    return mark_safe(  # escaped above; only our span is added
        _LABEL.sub(lambda m: f'{m.group(1)}<span class="label">{m.group(2)}</span>', text)
    )
