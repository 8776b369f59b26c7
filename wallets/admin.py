"""The ledger in /ops/: read-only. Corrections are new, reversing transactions."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from wallets.columns import money_column
from wallets.models import Account, Entry, Transaction


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "owner_type",
        "owner_id",
        "purpose",
        "currency",
        "balance_text",
        "allow_negative",
        "created_at",
    )
    list_filter = ("purpose", "currency", "owner_type")
    search_fields = ("=id", "owner_type", "=owner_id")
    ordering = ("-id",)
    balance_text = money_column("balance", Account)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount_text")
    readonly_fields = fields
    amount_text = money_column("amount", Entry)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "reason", "actor", "idempotency_key")
    list_filter = ("kind",)
    search_fields = ("=id", "kind", "idempotency_key", "reason", "subject_type", "=subject_id")
    ordering = ("-id",)
    inlines = [EntryInline]
    list_select_related = ("actor",)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "amount_text", "created_at")
    list_filter = ("currency", "account__purpose")
    search_fields = (
        "=transaction__id",
        "transaction__kind",
        "transaction__idempotency_key",
        "account__owner_type",
    )
    list_select_related = ("transaction", "account")
    ordering = ("-id",)
    amount_text = money_column("amount", Entry)
