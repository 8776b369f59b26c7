"""A history page's "Action" column in the reader's language: ``{{ action|change_message }}``.

Django records a change as JSON of the changed fields' form labels, in English, and translates
each label when the page is shown (``LogEntry.get_change_message``). A label Django wrote from a
verbose name is capitalised ("Low-balance alert") while its msgid is not ("low-balance alert"), so
Django leaves it in English; a hidden technical field ("edit_version", the version a console form
was opened on) has no label and was recorded by its code. Here each label is translated through
its verbose name too, and technical fields are left out, for the entries recorded before as well.
"""

from __future__ import annotations

import copy
import json

from django import template
from django.contrib.admin.models import LogEntry
from django.utils.text import capfirst
from django.utils.translation import gettext

register = template.Library()

# Fields a form sends but a person never sees (older entries recorded them by their code).
TECHNICAL_FIELDS = frozenset({"edit_version"})


def _label(recorded: str) -> str:
    translated = gettext(recorded)
    if translated == recorded and recorded[:1].isupper():
        msgid = recorded[:1].lower() + recorded[1:]  # the verbose name Django capitalised
        if gettext(msgid) != msgid:
            return capfirst(gettext(msgid))
    return translated


def _readable(parts: list) -> list:
    kept = []
    for part in parts:
        changed = part.get("changed") if isinstance(part, dict) else None
        if isinstance(changed, dict) and isinstance(changed.get("fields"), list):
            fields = [_label(str(name)) for name in changed["fields"] if name not in TECHNICAL_FIELDS]
            if not fields:
                continue  # only a technical field changed: nothing a person changed
            part = {**part, "changed": {**changed, "fields": fields}}
        kept.append(part)
    return kept


@register.filter
def change_message(entry: LogEntry) -> str:
    """``entry.get_change_message()`` with every field named in the reader's language."""
    if not entry.change_message or entry.change_message[0] != "[":
        return entry.get_change_message()
    try:
        parts = json.loads(entry.change_message)
    except json.JSONDecodeError:
        return entry.get_change_message()
    shown = copy.copy(entry)
    shown.change_message = json.dumps(_readable(parts))
    return shown.get_change_message()
