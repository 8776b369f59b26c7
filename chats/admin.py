"""Ops (``/ops/``): the approved templates and the rate card are edited here; conversations,
messages and opt-outs are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chats.models import ChatMessage, ChatRate, ChatTemplate, MarketingOptOut, Thread
from core.admin import ReadOnlyAdmin
from wallets.columns import money_column


@admin.register(ChatTemplate)
class ChatTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "name", "category", "language", "approved")
    list_filter = ("category", "language", "approved")
    search_fields = ("name", "title")


@admin.register(ChatRate)
class ChatRateAdmin(admin.ModelAdmin):
    list_display = ("category", "country", "currency", "meta_price", "margin_percent", "price")
    list_filter = ("category", "currency")
    search_fields = ("country",)

    @admin.display(description=_("price"))
    def price(self, obj: ChatRate):
        """What the merchant pays per message (Meta's price plus the margin)."""
        return obj.price


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ("id", "merchant", "user", "opened_at", "closed_at", "last_message_at", "unread")
    list_select_related = ("merchant", "user")
    raw_id_fields = ("merchant", "user")


@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "thread", "direction", "category", "status", "price_text", "created_at")
    price_text = money_column("price", ChatMessage)
    list_filter = ("direction", "category", "status")
    search_fields = ("wamid",)
    raw_id_fields = ("thread", "template", "sent_by")


@admin.register(MarketingOptOut)
class MarketingOptOutAdmin(ReadOnlyAdmin):
    list_display = ("user", "source", "opted_out_at")
    raw_id_fields = ("user",)
