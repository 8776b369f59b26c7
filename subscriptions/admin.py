"""Subscriptions in /ops/: plans are edited here (each edit applies to new subscriptions only: a
subscription keeps the fee and benefits its person accepted); subscriptions and payments are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from core.admin import ReadOnlyAdmin
from subscriptions.models import Plan, Subscription, SubscriptionCheckout, SubscriptionPayment
from wallets.columns import money_column


class PlanForm(forms.ModelForm):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Plan
        fields = (
            "code",
            "name",
            "currency",
            "monthly_fee",
            "bonus_rate",
            "bonus_margin_cap",
            "fast_hold_hours",
            "is_offered",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_version"].initial = self.instance.edit_version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = Plan.objects.filter(pk=self.instance.pk).values_list("edit_version", flat=True).first()
            if cleaned.get("edit_version") != current:
                raise forms.ValidationError(
                    gettext(
                        "This plan was changed since you opened the form (by someone else, or in another tab). "
                        "Nothing was saved: here are the current values; make your change again."
                    )
                )
        return cleaned


@admin.register(Plan)
class PlanOpsAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = ("name", "code", "monthly_fee_text", "bonus_rate", "fast_hold_hours", "is_offered")
    monthly_fee_text = money_column("monthly_fee", Plan)
    list_filter = ("is_offered", "currency")
    fields = (*PlanForm.Meta.fields, "edit_version")

    def has_delete_permission(self, request, obj=None):
        return False  # plans people subscribed to stay; stop offering one instead

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if change:
                obj.edit_version = F("edit_version") + 1
            obj.save()
            obj.refresh_from_db(fields=["edit_version"])


@admin.register(Subscription)
class SubscriptionOpsAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "plan",
        "status",
        "pay_with",
        "period_end",
        "cancel_at_period_end",
        "end_reason",
    )
    list_filter = ("status", "plan", "end_reason")
    search_fields = ("=pk", "user__email", "user__display_name")
    list_select_related = ("user", "plan")


@admin.register(SubscriptionPayment)
class SubscriptionPaymentOpsAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subscription",
        "period_start",
        "period_end",
        "amount_text",
        "pay_with",
        "paid_at",
    )
    amount_text = money_column("amount", SubscriptionPayment)
    search_fields = ("=subscription__pk", "subscription__user__email")
    list_select_related = ("subscription__plan", "subscription__user")


@admin.register(SubscriptionCheckout)
class SubscriptionCheckoutOpsAdmin(ReadOnlyAdmin):
    """Card checkouts of a first month: open, paid (the subscription), refunded or expired."""

    list_display = ("id", "user", "plan", "status", "amount_text", "created_at", "paid_at")
    amount_text = money_column("amount", SubscriptionCheckout)
    list_filter = ("status",)
    list_select_related = ("user", "plan")
