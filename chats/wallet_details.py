"""The merchant console's wallet lines of WhatsApp messages in words (``merchants.selectors``):
the message's pricing category and the consumer's country, in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from chats.models import ChatMessage
from chats.services import CHARGE_KIND, REFUND_KIND
from merchants.selectors import subject_ids, wallet_details_register
from wallets.models import Transaction


def chat_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, ChatMessage)
    details = {}
    for message in ChatMessage.objects.filter(pk__in=rows).only("category", "country"):
        text = " · ".join(part for part in (message.get_category_display(), message.country) if part)
        for txn in rows[message.pk]:
            details[txn.pk] = text
    return details


wallet_details_register(kinds=[CHARGE_KIND, REFUND_KIND], describe=chat_wallet_details)
