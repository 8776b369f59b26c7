"""Promote in /ops/: the review queue (approve, reject with a reason from the fixed list), coupons,
the matrix of kinds, goals and launched countries, coin prices; coins read-only.

Every button calls one service of ``promote.services`` per row; the ledger records each movement.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from core.admin import ReadOnlyAdmin
from promote import services
from promote.models import (
    CoinPrice,
    CoinPurchase,
    CoinWallet,
    CoinWithdrawal,
    Coupon,
    KindGoal,
    LaunchedCountry,
    PromoteOrder,
    RejectReason,
)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=RejectReason.choices, help_text="The person sees it.")


def _each(modeladmin, request, queryset, apply, title: str) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            apply(obj)
            done += 1
        except services.PromoteError as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)


@admin.register(PromoteOrder)
class PromoteOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "content_label",
        "kind",
        "goal",
        "status",
        "budget_coins",
        "coupon_coins",
        "consumed_coins",
        "refunded_coins",
        "submissions",
        "created_at",
    )
    list_filter = ("status", "kind", "goal")
    search_fields = ("content_label", "=id")
    actions = ["approve", "reject"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Approve selected orders (delivery starts now)")
    def approve(self, request, queryset):
        now = timezone.now()
        _each(
            self,
            request,
            queryset,
            lambda o: services.order_approve(order_id=o.pk, actor=request.user, now=now),
            "Approved",
        )

    @admin.action(description="Reject selected orders (with a reason; the budget goes back)")
    def reject(self, request: HttpRequest, queryset: QuerySet):
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                now = timezone.now()
                reason = form.cleaned_data["reason"]
                _each(
                    self,
                    request,
                    queryset,
                    lambda o: services.order_reject(
                        order_id=o.pk, reason=reason, actor=request.user, now=now
                    ),
                    "Rejected",
                )
                return None
        else:
            form = RejectForm()
        return TemplateResponse(
            request,
            "admin/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reject promotion orders",
                "form": form,
                "queryset": queryset,
                "action": request.POST.get("action"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class CouponForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = ("code", "coins", "valid_from", "valid_until", "kind", "user")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    """Ops issue coupons here (through ``coupon_issue``); an issued coupon is never edited."""

    form = CouponForm
    list_display = (
        "code",
        "coins",
        "status",
        "kind",
        "user",
        "issued_by_merchant",
        "valid_from",
        "valid_until",
    )
    list_filter = ("status", "kind")
    search_fields = ("code",)
    raw_id_fields = ("user",)

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj: Coupon, form, change):
        obj.pk = services.coupon_issue(
            code=obj.code,
            coins_count=obj.coins,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
            kind=obj.kind,
            user=obj.user,
            actor=request.user,
            now=timezone.now(),
        ).pk


@admin.register(KindGoal)
class KindGoalAdmin(admin.ModelAdmin):
    list_display = ("kind", "goal")
    list_filter = ("kind",)


@admin.register(LaunchedCountry)
class LaunchedCountryAdmin(admin.ModelAdmin):
    list_display = ("kind", "country")
    list_filter = ("kind",)
    search_fields = ("country",)


@admin.register(CoinPrice)
class CoinPriceAdmin(admin.ModelAdmin):
    list_display = ("currency", "pack_coins", "pack_price", "minimum_coins")


@admin.register(CoinWallet)
class CoinWalletAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "merchant", "currency", "backed_coins", "created_at")


@admin.register(CoinPurchase)
class CoinPurchaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "wallet", "coins", "amount", "currency", "source", "created_at")


@admin.register(CoinWithdrawal)
class CoinWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("id", "wallet", "coins", "amount", "currency", "created_at")
