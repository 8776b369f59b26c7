"""Ops' view of closed merchants (read-only: a closure is made by an owner, in the console)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from privacy.models import MerchantClosure


@admin.register(MerchantClosure)
class MerchantClosureAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "closed_at", "closed_by", "campaigns_ended", "refund", "final_statement")
    list_select_related = ("merchant", "closed_by", "refund", "final_statement")
    search_fields = ("merchant__brand_name", "merchant__slug")
    ordering = ("-closed_at",)
    readonly_fields = [f.name for f in MerchantClosure._meta.fields]
