"""Which translation of a WhatsApp template a consumer receives, and which one the Inbox's picker
shows (docs/chats.md, "Templates in the consumer's language").

Meta approves a template per (name, language): ``ChatTemplate`` has one row each. A consumer gets
the approved translation in their language (``core.i18n.language_for`` with the merchant as
brand, as the Cloud API codes it), else the approved English one (``en_US``).
"""

from __future__ import annotations

from accounts.models import User
from chats.catalogue import ENGLISH
from chats.models import ChatTemplate
from core.i18n import language_for, language_in_sentence
from merchants.models import Merchant
from social.whatsapp import whatsapp_template_language


def template_language_for(*, user: User, merchant: Merchant) -> str:
    """The Cloud API language code a consumer reads a brand's template in: the project's one rule
    (``language_for`` with the merchant as brand), as WhatsApp names that translation."""
    return whatsapp_template_language(language_for(user, brand=merchant))


def template_translation(*, name: str, language: str) -> ChatTemplate | None:
    """The approved translation of template ``name`` in ``language`` (a Cloud API code), else its
    approved English one, else None."""
    rows = {
        row.language: row
        for row in ChatTemplate.objects.filter(name=name, approved=True, language__in={language, ENGLISH})
    }
    return rows.get(language) or rows.get(ENGLISH)


def template_choices(*, language: str) -> list[ChatTemplate]:
    """The Inbox's picker: one approved translation per template name, the one in ``language``
    (the console's, as a Cloud API code) so its title reads in it, else English, else any."""
    by_name: dict[str, dict[str, ChatTemplate]] = {}
    for row in ChatTemplate.objects.filter(approved=True).order_by("name", "pk"):
        by_name.setdefault(row.name, {})[row.language] = row
    picked = [
        rows.get(language) or rows.get(ENGLISH) or next(iter(rows.values())) for rows in by_name.values()
    ]
    return sorted(picked, key=lambda row: (row.category, row.title.casefold()))


def template_language_name(code: str) -> str:
    """A Cloud API language code as a language's name in the active language, as written inside a
    sentence ("German" for ``de``, "English" for ``en_US``, "allemand" in French); the code itself
    when Django doesn't know it."""
    try:
        return language_in_sentence(code.split("_")[0].lower())
    except KeyError:
        return code
