"""The engine in /ops/: actions, rewards, the fraud review queue, bans.

Nothing here edits money directly: every button calls a service in
``rewards.services`` (approve, reject, reverse, ban), with a reason where one
is needed, and the ledger records the movement.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from core.admin import ReadOnlyAdmin
from rewards.models import Ban, ConsumerNotice, HeldReward, LaunchWatch, Reward, RewardStatus, SocialAction
from rewards.services import RewardError, held_reward_approve, held_reward_reject, reward_reverse, user_ban


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Both the person and the brand see it.",
    )


@admin.register(SocialAction)
class SocialActionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "occurred_at",
        "action_type",
        "user",
        "merchant",
        "campaign",
        "status",
        "risk_score",
    )
    list_filter = ("action_type", "status")
    search_fields = ("=id", "key", "user__email", "user__display_name", "merchant__brand_name", "device_id")
    list_select_related = ("user", "merchant", "campaign")
    ordering = ("-id",)


def _with_reason(
    modeladmin, request: HttpRequest, queryset: QuerySet, *, title: str, apply
) -> TemplateResponse | None:
    """An admin action that asks for a reason on an intermediate page, then applies ``apply`` to each row."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            done = 0
            for obj in queryset:
                try:
                    apply(obj, form.cleaned_data["reason"])
                    done += 1
                except RewardError as exc:
                    modeladmin.message_user(request, f"#{obj.pk}: {exc}", messages.ERROR)
            if done:
                modeladmin.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
            return None
    else:
        form = ReasonForm()
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "user",
        "merchant",
        "kind",
        "status",
        "merchant_price",
        "user_amount",
        "currency",
        "available_at",
        "reason",
    )
    list_filter = ("status", "kind", "currency", "action__action_type")
    search_fields = ("=id", "user__email", "user__display_name", "merchant__brand_name", "reason")
    list_select_related = ("user", "merchant")
    ordering = ("-id",)
    actions = ["approve_held", "reject_held", "reverse", "ban_users"]

    def has_review_permission(self, request) -> bool:
        """Deciding on rewards moves money: it takes the change permission, not just the view one."""
        return request.user.has_perm("rewards.change_reward")

    @admin.action(description="Approve held rewards (credit them as pending)", permissions=["review"])
    def approve_held(self, request, queryset):
        now, done = timezone.now(), 0
        for reward in queryset.filter(status=RewardStatus.HELD):
            try:
                held_reward_approve(reward_id=reward.pk, actor=request.user, now=now)
                done += 1
            except RewardError as exc:
                self.message_user(request, f"#{reward.pk}: {exc}", messages.ERROR)
        self.message_user(request, f"{done} held reward(s) approved.", messages.SUCCESS)

    @admin.action(description="Reject held rewards (refund the brand)…", permissions=["review"])
    def reject_held(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset.filter(status=RewardStatus.HELD),
            title="Reject held rewards",
            apply=lambda r, reason: held_reward_reject(
                reward_id=r.pk, reason=reason, actor=request.user, now=now
            ),
        )

    @admin.action(description="Reverse rewards (refund the brand)…", permissions=["review"])
    def reverse(self, request, queryset):
        now = timezone.now()
        return _with_reason(
            self,
            request,
            queryset,
            title="Reverse rewards",
            apply=lambda r, reason: reward_reverse(
                reward_id=r.pk, reason=reason, actor=request.user, now=now
            ),
        )

    @admin.action(description="Ban the people behind these rewards…", permissions=["review"])
    def ban_users(self, request, queryset):
        now = timezone.now()
        users = {r.user for r in queryset.select_related("user")}
        return _with_reason(
            self,
            request,
            queryset,
            title="Ban people",
            apply=lambda r, reason: (
                r.user in users
                and (
                    users.discard(r.user) or user_ban(user=r.user, reason=reason, actor=request.user, now=now)
                )
            ),
        )


@admin.register(HeldReward)
class HeldRewardAdmin(RewardAdmin):
    list_display = ("id", "created_at", "user", "merchant", "kind", "merchant_price", "currency", "risk")
    actions = ["approve_held", "reject_held", "ban_users"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=RewardStatus.HELD).select_related("action")

    @admin.display(description="risk signals")
    def risk(self, obj: Reward) -> str:
        signals = obj.action.risk_signals or obj.calculation.get("risk") or []
        return "; ".join(f"{s['code']} ({s['detail']})" for s in signals) or "-"


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ("user", "reason", "banned_by", "banned_at")
    search_fields = ("user__email", "user__display_name", "reason")


@admin.register(ConsumerNotice)
class ConsumerNoticeAdmin(ReadOnlyAdmin):
    """What consumers were told (daily limit, reward available, campaign started), once per key."""

    list_display = ("created_at", "kind", "user", "channel", "sent_at")
    list_filter = ("kind", "channel")
    search_fields = ("key", "user__email", "text")


@admin.register(LaunchWatch)
class LaunchWatchAdmin(ReadOnlyAdmin):
    """People who joined a brand while it had no live campaign, and when they were told one started."""

    list_display = ("created_at", "user", "merchant", "notified_at")
    search_fields = ("user__email", "merchant__brand_name")
