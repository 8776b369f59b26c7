"""Reads of chats: a merchant's Inbox, a conversation, who may be messaged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from chats.models import ChatMessage, ChatTemplate, MarketingOptOut, Thread
from chats.services import window_open
from core.db import subquery_sum
from merchants.models import Consent, Merchant
from merchants.selectors import PersonSeen, people_seen_by_merchant


@dataclass(frozen=True)
class InboxRow:
    thread: Thread
    person: PersonSeen
    last_text: str
    window_open: bool


def inbox_rows(*, merchant: Merchant, now: datetime, limit: int = 100) -> list[InboxRow]:
    """The merchant's conversations, latest first, each with the person as the merchant may see them."""
    latest = (
        ChatMessage.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-pk").values("text")[:1]
    )
    # A conversation closed because the person withdrew their consent is no longer shown: what they
    # wrote was shared under that consent.
    threads = list(
        Thread.objects.filter(merchant=merchant, closed_at__isnull=True)
        .annotate(last_text=Subquery(latest))
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")[:limit]
    )
    people = people_seen_by_merchant(merchant=merchant, user_ids=[t.user_id for t in threads])
    return [InboxRow(t, people[t.user_id], t.last_text or "", window_open(t, now=now)) for t in threads]


def _open_threads(*, merchant: Merchant) -> QuerySet[Thread]:
    return Thread.objects.filter(merchant=merchant, closed_at__isnull=True)


def unread_total(*, merchant: Merchant) -> int:
    return _open_threads(merchant=merchant).aggregate(n=Sum("unread"))["n"] or 0


def unread_total_expression(*, merchant: Merchant) -> Coalesce:
    """``unread_total`` as a scalar subquery (the dashboard reads it with the other panels' figures)."""
    return subquery_sum(_open_threads(merchant=merchant), "unread")


def people_to_message(*, merchant: Merchant) -> list[PersonSeen]:
    """Consumers who share a WhatsApp number with the merchant now and have no open conversation."""
    user_ids = (
        Consent.objects.active()
        .filter(merchant=merchant, shares_phone=True, user__phone__isnull=False, user__phone_verified=True)
        .exclude(user__chat_threads__merchant=merchant, user__chat_threads__closed_at__isnull=True)
        .values_list("user_id", flat=True)
    )
    people = people_seen_by_merchant(merchant=merchant, user_ids=list(user_ids[:500]))
    return sorted(people.values(), key=lambda p: p.label.casefold())


def thread_get(*, merchant: Merchant, thread_id: int) -> Thread | None:
    return (
        Thread.objects.select_related("merchant")
        .filter(merchant=merchant, pk=thread_id, closed_at__isnull=True)
        .first()
    )


def thread_messages(*, thread: Thread, limit: int = 200) -> list[ChatMessage]:
    """The conversation's latest messages, oldest first."""
    latest = (
        ChatMessage.objects.filter(thread=thread)
        .select_related("template")
        .order_by("-created_at", "-pk")[:limit]
    )
    return list(reversed(list(latest)))


def templates_approved() -> list[ChatTemplate]:
    return list(ChatTemplate.objects.filter(approved=True).order_by("category", "title"))


def marketing_opted_out(*, user_id: int) -> bool:
    return MarketingOptOut.objects.filter(user_id=user_id).exists()
