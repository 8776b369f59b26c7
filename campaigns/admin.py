"""Campaigns in the ops admin (/ops/): pricing plans, platform limits, creator flags; campaigns read-mostly."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    Campaign,
    MerchantPricing,
    PlatformLimit,
    PricingPlan,
    RewardRule,
    UgcSubmission,
    Video,
    campaign_name_in,
)
from core.admin import HTTPS_URL_FIELDS


@admin.register(PricingPlan)
class PricingPlanOpsAdmin(admin.ModelAdmin):
    list_display = ("name", "user_share", "is_default", "created_at")


@admin.register(MerchantPricing)
class MerchantPricingOpsAdmin(admin.ModelAdmin):
    list_display = ("merchant", "plan")
    search_fields = ("merchant__brand_name", "merchant__slug")


@admin.register(PlatformLimit)
class PlatformLimitOpsAdmin(admin.ModelAdmin):
    list_display = ("currency", "min_reward", "max_reward", "max_per_post")


class RewardRuleInline(admin.TabularInline):
    model = RewardRule
    extra = 0
    can_delete = False
    readonly_fields = ("rewards_paid",)

    def get_queryset(self, request):
        # Each row is named "Like in <campaign>", the campaign in the reader's language.
        return (
            super()
            .get_queryset(request)
            .annotate(campaign_name_read=campaign_name_in(get_language(), path="campaign__"))
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignOpsAdmin(admin.ModelAdmin):
    list_display = ("display_name", "merchant", "status", "starts_at", "ends_at", "budget", "spent")
    list_filter = ("status", "currency")
    search_fields = ("name", "merchant__brand_name")
    inlines = [RewardRuleInline]

    def get_queryset(self, request):
        # Each campaign named in the reader's language (its text in that language, else its own name),
        # read with the list, as the console names it (``campaign_name_in``).
        return super().get_queryset(request).annotate(name_read=campaign_name_in(get_language()))

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, obj: Campaign) -> str:
        return obj.name_read

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Video)
class VideoOpsAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("title", "merchant", "slot", "created_at")
    search_fields = ("title", "merchant__brand_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CampaignNameColumn:
    """An ops list's ``campaign_name`` column (of a model with a ``campaign`` foreign key): each
    campaign named in the reader's language, as the ops campaign list names it (``campaign_name_in``)."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(campaign_name_read=campaign_name_in(get_language(), path="campaign__"))
        )

    @admin.display(description=_("campaign"), ordering="campaign__name")
    def campaign_name(self, obj) -> str | None:
        return obj.campaign_name_read

    @admin.display(description=_("campaign"))
    def campaign_link(self, obj) -> str:
        """The change page's campaign: its name in the reader's language, linked to its page."""
        url = reverse(f"{self.admin_site.name}:campaigns_campaign_change", args=[obj.campaign_id])
        return format_html('<a href="{}">{}</a>', url, obj.campaign_name_read)

    def get_fields(self, request, obj=None):
        """The read-only page shows ``campaign_link`` where the foreign key would show its stored name."""
        return ["campaign_link" if name == "campaign" else name for name in super().get_fields(request, obj)]


@admin.register(UgcSubmission)
class UgcSubmissionOpsAdmin(CampaignNameColumn, admin.ModelAdmin):
    list_display = ("id", "campaign_name", "user", "status", "submitted_at", "reviewed_at")
    list_filter = ("status",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
