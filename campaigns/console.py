"""The merchant console's campaign pages (/console/): campaigns and rules, the video library, UGC review.

Registered on ``merchants.console_site.console_site``, so every queryset is scoped to the selected
merchant and the generic tenant-isolation test walks these pages too. Forms validate; the
services in ``campaigns.services`` write.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns import pricing, selectors, services
from campaigns.forms import (
    CampaignConsoleForm,
    CampaignTextForm,
    CampaignTextFormSet,
    QuoteForm,
    RewardRuleForm,
    RewardRuleFormSet,
    UgcReviewForm,
    VideoConsoleForm,
    VideoTextForm,
    VideoTextFormSet,
)
from campaigns.models import (
    MAX_VIDEOS_PER_MERCHANT,
    REPORTED_ACTIONS,
    ActionType,
    Campaign,
    CampaignStatus,
    CampaignText,
    PlatformLimit,
    RewardRule,
    UgcStatus,
    UgcSubmission,
    Video,
    VideoText,
    campaign_name_in,
)
from core.db import subquery_count
from core.i18n import time_zone_label
from merchants.console_site import ConsoleInlineMixin, ConsoleModelAdmin, console_site
from merchants.locale import merchant_language
from merchants.models import Merchant
from merchants.roles import Capability
from merchants.tenancy import console_can, console_membership
from wallets.columns import money_column
from wallets.formats import label_text, money_text, number_text


def _selected_merchant(request: HttpRequest) -> Merchant:
    return Merchant.objects.get(pk=console_membership(request).merchant_id)


class RewardRuleConsoleInline(ConsoleInlineMixin, admin.StackedInline):
    """The campaign's rules, one per action; saved through ``campaign_update`` by the campaign admin."""

    model = RewardRule
    form = RewardRuleForm
    formset = RewardRuleFormSet
    extra = 0
    max_num = len(ActionType.values)
    can_delete = False
    verbose_name = _("reward rule")
    verbose_name_plural = _("reward rules (what you pay per action; the user gets your plan's share)")
    fields = (
        "action",
        "is_enabled",
        "amount",
        ("per_1000_views", "per_like", "per_comment", "per_share"),
        "max_per_post",
        "max_rewards",
        "rewards_paid",
        "example",
    )
    readonly_fields = ("rewards_paid", "example")

    def get_queryset(self, request):
        # Each rule's title names its campaign (in the reader's language: ``campaign_name_in``), and its
        # example needs the campaign's merchant: one join.
        return (
            super()
            .get_queryset(request)
            .select_related("campaign__merchant")
            .annotate(campaign_name_read=campaign_name_in(get_language(), path="campaign__"))
        )

    def has_view_permission(self, request, obj=None):
        return console_can(request, Capability.VIEW)

    def has_add_permission(self, request, obj=None):
        return console_can(request, Capability.MANAGE_CAMPAIGNS) and (
            obj is None or obj.status != CampaignStatus.ENDED
        )

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_extra(self, request, obj=None, **kwargs):
        if not self.has_add_permission(request, obj):
            return 0
        return len(_missing_actions(obj))

    def _campaign_share(self, rule: RewardRule) -> tuple[Campaign, Decimal | None, str, PlatformLimit | None]:
        """The rule's campaign, its merchant's user share (or why there is none) and the platform's
        limits for its currency, read once for all the rules of the page (an inline is made anew for
        each request)."""
        shares = self.__dict__.setdefault("_campaign_shares", {})
        if rule.campaign_id not in shares:
            campaign = rule.campaign
            limit = PlatformLimit.objects.filter(currency=campaign.currency).first()
            try:
                share, error = pricing.plan_for(campaign.merchant).user_share, ""
            except pricing.NoPricingPlan as exc:
                share, error = None, str(exc)
            shares[rule.campaign_id] = (campaign, share, error, limit)
        return shares[rule.campaign_id]

    @admin.display(description=_("Example post"))
    def example(self, rule: RewardRule) -> str:
        text = gettext("Type the amounts to see what you pay and what the user gets.")
        if rule.pk and rule.campaign_id:
            campaign, user_share, error, limit = self._campaign_share(rule)
            if user_share is None:
                text = error
            else:
                text = quote_sentence(
                    *rule_quotes(
                        rule=rule,
                        user_share=user_share,
                        currency=campaign.currency,
                        new_user_multiplier=campaign.new_user_multiplier,
                        returning_user_multiplier=campaign.returning_user_multiplier,
                        max_reward=pricing.smallest(campaign.max_reward, limit and limit.max_reward),
                        max_per_post=limit and limit.max_per_post,
                    )
                )
        return format_html(
            '<output class="rule-quote" aria-live="polite" data-quote-url="{}" data-quote-failed="{}">{}</output>',
            reverse("console:campaigns_campaign_quote"),
            gettext("Check the amounts."),
            text,
        )


class CampaignTextConsoleInline(ConsoleInlineMixin, admin.TabularInline):
    """The campaign's name in other languages (visitors see the one of their language, else the
    campaign's own); saved through ``campaign_texts_save`` by the campaign admin."""

    model = CampaignText
    form = CampaignTextForm
    formset = CampaignTextFormSet
    extra = 0
    max_num = len(settings.LANGUAGES) - 1
    verbose_name = _("name in another language")
    verbose_name_plural = _("name in other languages (visitors see the one of their language)")

    def has_view_permission(self, request, obj=None):
        return console_can(request, Capability.VIEW)

    def has_add_permission(self, request, obj=None):
        return console_can(request, Capability.MANAGE_CAMPAIGNS) and (
            obj is None or obj.status != CampaignStatus.ENDED
        )

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


def _missing_actions(campaign) -> list[str]:
    present = (
        set(campaign.rules.values_list("action", flat=True))
        if campaign is not None and campaign.pk
        else set()
    )
    return [action for action in ActionType.values if action not in present]


def rule_quotes(
    *,
    rule: RewardRule,
    user_share: Decimal,
    currency: str,
    new_user_multiplier: Decimal,
    returning_user_multiplier: Decimal,
    max_reward: Decimal | None,
    max_per_post: Decimal | None,
    **counts: int,
) -> tuple[dict, dict]:
    """The example for a returning customer and for a customer new to the brand (each with the
    campaign's multiplier for them), by the engine's rules (``pricing.example_post_quote``)."""
    return tuple(
        pricing.example_post_quote(
            rule=rule,
            user_share=user_share,
            currency=currency,
            multiplier=multiplier,
            max_reward=max_reward,
            max_per_post=max_per_post,
            **counts,
        )
        for multiplier in (returning_user_multiplier, new_user_multiplier)
    )


def quote_sentence(returning: dict, new: dict) -> str:
    """The example in words: one sentence when a new customer costs what a returning one does, else
    both cases ("A returning customer: …. A new customer: …")."""
    if returning["action"] == ActionType.SHARE_VIDEO:
        counts = returning["counts"]
        head = gettext(
            "A verified share whose post gets %(views)s views, %(likes)s likes, %(comments)s comments and "
            "%(shares)s shares"
        ) % {name: number_text(counts[name]) for name in ("views", "likes", "comments", "shares")}
    else:
        head = str(ActionType(returning["action"]).label)
    figures = {
        "what": head,
        "price": money_text(returning["merchant_price"]),
        "user_amount": money_text(returning["user_amount"]),
        "margin": money_text(returning["margin"]),
    }
    if new["merchant_price"] == returning["merchant_price"]:
        sentence = (
            gettext("%(what)s: you pay %(price)s, the user gets %(user_amount)s, TikJoy keeps %(margin)s.")
            % figures
        )
    else:
        sentence = gettext(
            "%(what)s. A returning customer: you pay %(price)s, the user gets %(user_amount)s, TikJoy "
            "keeps %(margin)s. A new customer: you pay %(new_price)s, the user gets %(new_user_amount)s, "
            "TikJoy keeps %(new_margin)s."
        ) % {
            **figures,
            "new_price": money_text(new["merchant_price"]),
            "new_user_amount": money_text(new["user_amount"]),
            "new_margin": money_text(new["margin"]),
        }
    if returning["capped"] or new["capped"]:
        sentence += " " + gettext("(Engagement capped at the maximum per post.)")
    return sentence


class CampaignConsoleAdmin(ConsoleModelAdmin):
    """Campaigns: settings and reward rules in one form; go live, pause and end from the list."""

    form = CampaignConsoleForm
    inlines = [RewardRuleConsoleInline, CampaignTextConsoleInline]
    add_capability = Capability.MANAGE_CAMPAIGNS
    change_capability = Capability.MANAGE_CAMPAIGNS
    list_display = (
        "display_name",
        "status",
        "pause_reason",
        "starts_at",
        "ends_at",
        "budget_text",
        "spent_text",
        "videos_to_review",
    )
    list_filter = ("status",)
    search_fields = ("name", "hashtag", "mention")
    readonly_fields = ("status", "pause_reason", "currency", "spent_text", "plan")
    budget_text = money_column("budget", Campaign)
    spent_text = money_column("spent", Campaign)
    actions = ["export_csv", "activate", "pause", "end"]
    # The name as the list shows it (in the reader's language), the amounts plain with their currency.
    export_fields = (
        "display_name",
        "status",
        "pause_reason",
        "starts_at",
        "ends_at",
        "currency",
        "budget",
        "spent",
    )
    filter_horizontal = ()
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "status",
                    "pause_reason",
                    "starts_at",
                    "ends_at",
                    "touchpoints",
                    "language",
                    "edit_version",
                )
            },
        ),
        (_("Money"), {"fields": ("currency", "plan", "budget", "spent_text", "min_reward", "max_reward")}),
        (_("What a shared post must carry"), {"fields": ("hashtag", "mention")}),
        (
            _("Users"),
            {
                "fields": (
                    "new_user_multiplier",
                    "returning_user_multiplier",
                    "user_daily_cap",
                    "user_campaign_cap",
                    "hold_days",
                    "ugc_policy",
                )
            },
        ),
    )

    class Media:
        js = ("campaigns/rule_preview.js",)
        css = {"all": ("campaigns/console.css",)}

    def has_change_permission(self, request, obj=None):
        ended = obj is not None and obj.status == CampaignStatus.ENDED
        return not ended and super().has_change_permission(request, obj)

    def change_refused(self, obj) -> str | None:
        if obj.status == CampaignStatus.ENDED:
            return gettext(
                "Nothing was saved: this campaign ended while the page was open, and an ended campaign "
                "can't be changed."
            )
        return None

    def has_manage_permission(self, request) -> bool:
        return console_can(request, Capability.MANAGE_CAMPAIGNS)

    def get_queryset(self, request):
        # Each campaign named in the reader's language (its text in that language, else its own name),
        # read with the list: the name the other console pages give it (``campaign_name_in``).
        return super().get_queryset(request).annotate(name_read=campaign_name_in(get_language()))

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, obj: Campaign) -> str:
        return obj.name_read

    @admin.display(description=_("Pricing plan"))
    def plan(self, obj) -> str:
        merchant = obj.merchant if obj is not None and obj.merchant_id else None
        if merchant is None:
            return gettext("Your plan's share goes to the user; see the example under each rule.")
        try:
            return str(pricing.plan_for(merchant))
        except pricing.NoPricingPlan as exc:
            return str(exc)

    @admin.display(description=_("Videos to review"))
    def videos_to_review(self, obj) -> int:
        return obj.ugc_submissions.filter(status=UgcStatus.SUBMITTED).count()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        membership = console_membership(request)
        form.currency = (
            obj.currency if obj is not None else (membership.merchant.currency if membership else "EUR")
        )
        # The moments are read in the brand's time zone (the console's): say which, under each, so a
        # member elsewhere (whose browser's "Now" Django says is hours off "server time") types them right.
        zone = gettext("Times in your brand's time zone: %(zone)s.") % {
            "zone": time_zone_label(timezone.get_current_timezone_name())
        }
        for name in ("starts_at", "ends_at"):
            if name in form.base_fields:
                field = form.base_fields[name]
                field.help_text = format_html("{} {}", field.help_text, zone)
        return form

    def get_changeform_initial_data(self, request):
        """A new campaign's name is written in the merchant's own language (``Merchant.language``), not the
        site's default English."""
        initial = super().get_changeform_initial_data(request)
        membership = console_membership(request)
        if membership is not None and "language" not in initial:
            initial["language"] = merchant_language(membership.merchant)
        return initial

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RewardRuleConsoleInline):
            kwargs["initial"] = [
                {
                    "action": action,
                    # likes and comments can't be verified; purchases and sign-ups need the merchant's API
                    "is_enabled": action not in (ActionType.LIKE, ActionType.COMMENT, *REPORTED_ACTIONS),
                }
                for action in _missing_actions(obj)
            ]
        return kwargs

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.CAMPAIGN_FIELDS}
        touchpoints = form.cleaned_data.get("touchpoints") or []
        if change:
            campaign = Campaign.objects.select_related("merchant").get(pk=obj.pk)
            changes = {name: values[name] for name in form.changed_data if name in values}
            services.campaign_update(
                campaign=campaign,
                actor=request.user,
                changes=changes,
                touchpoints=touchpoints,
                expected_version=form.cleaned_data.get("edit_version"),
            )
        else:
            merchant = _selected_merchant(request)
            created = services.campaign_create(
                merchant=merchant, actor=request.user, values=values, touchpoints=touchpoints
            )
            obj.pk, obj.merchant, obj.currency = created.pk, merchant, created.currency

    def save_related(self, request, form, formsets, change):
        campaign = Campaign.objects.select_related("merchant").get(pk=form.instance.pk)
        for formset in formsets:
            if isinstance(formset, RewardRuleFormSet):
                rules = formset.rules()
                if rules:
                    services.campaign_update(campaign=campaign, actor=request.user, changes={}, rules=rules)
            elif isinstance(formset, CampaignTextFormSet):
                services.campaign_texts_save(campaign=campaign, actor=request.user, texts=formset.texts())
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def _each(self, request, queryset, act, done) -> None:
        """``done(count)``: the message saying how many campaigns it was done to."""
        count = 0
        for campaign in queryset.select_related("merchant"):
            try:
                act(campaign)
            except services.CampaignError as exc:
                messages.error(
                    request, gettext("%(campaign)s: %(error)s") % {"campaign": campaign, "error": exc}
                )
            else:
                count += 1
        if count:
            messages.success(request, done(count))

    @admin.action(description=_("Go live with the selected campaigns"), permissions=["manage"])
    def activate(self, request, queryset):
        now = timezone.now()
        went_live = []

        def go_live(campaign):
            went_live.append(services.campaign_activate(campaign=campaign, actor=request.user, now=now))

        self._each(
            request,
            queryset,
            go_live,
            lambda n: (
                ngettext("%(count)d campaign is live.", "%(count)d campaigns are live.", n) % {"count": n}
            ),
        )
        for merchant in {c.merchant_id: c.merchant for c in went_live}.values():
            self._warn_if_funds_short(request, merchant, now=now)

    def _warn_if_funds_short(self, request, merchant, *, now) -> None:
        """A warning, not a refusal, when the funds cover less than a day of rewards at the recent rate:
        what rewards cost is the reward engine's to say, so ``rewards.console`` (the campaign pages
        registered on the console) gives it (``rewards.runway``)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            campaign = self.get_object(request, object_id)
            if campaign is not None and campaign.status == CampaignStatus.ACTIVE:
                self._warn_if_funds_short(request, campaign.merchant, now=timezone.now())
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Pause the selected campaigns"), permissions=["manage"])
    def pause(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_pause(campaign=c, actor=request.user),
            lambda n: ngettext("%(count)d campaign paused.", "%(count)d campaigns paused.", n) % {"count": n},
        )

    @admin.action(description=_("End the selected campaigns (for good)"), permissions=["manage"])
    def end(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_end(campaign=c, actor=request.user),
            lambda n: ngettext("%(count)d campaign ended.", "%(count)d campaigns ended.", n) % {"count": n},
        )

    def get_urls(self):
        urls = [path("quote/", self.admin_site.admin_view(self.quote_view), name="campaigns_campaign_quote")]
        return urls + super().get_urls()

    def quote_view(self, request: HttpRequest) -> JsonResponse:
        """JSON for the live rule editor: what the merchant pays and the user gets for the example post."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = QuoteForm(request.GET)
        if not form.is_valid():
            # What the example post says instead: the first refused box by its label, in the reader's words.
            name, errors = next(iter(form.errors.items()))
            field = form.fields.get(name)
            message = label_text(field.label, errors[0]) if field else errors[0]
            return JsonResponse({"errors": form.errors.get_json_data(), "message": message}, status=400)
        data = form.cleaned_data
        merchant = _selected_merchant(request)
        action = data.get("action") or ActionType.SHARE_VIDEO
        share = action == ActionType.SHARE_VIDEO
        rule = RewardRule(
            action=action,
            amount=data.get("amount") or Decimal(0),
            **{
                name: (data.get(name) or Decimal(0)) if share else Decimal(0)
                for name in ("per_1000_views", "per_like", "per_comment", "per_share")
            },
            max_per_post=data.get("max_per_post") if share else None,
        )
        limit = PlatformLimit.objects.filter(currency=merchant.currency).first()
        counts = {
            name: data[name] if data.get(name) is not None else pricing.EXAMPLE_POST[name]
            for name in ("views", "likes", "comments", "shares")
        }
        try:
            user_share = pricing.plan_for(merchant).user_share
        except pricing.NoPricingPlan as exc:
            return JsonResponse({"errors": {"__all__": [{"message": str(exc)}]}}, status=503)
        one = Decimal(1)
        quotes = rule_quotes(
            rule=rule,
            user_share=user_share,
            currency=merchant.currency,
            new_user_multiplier=data.get("new_user_multiplier") or one,
            returning_user_multiplier=data.get("returning_user_multiplier") or one,
            max_reward=pricing.smallest(data.get("max_reward"), limit and limit.max_reward),
            max_per_post=limit and limit.max_per_post,
            **counts,
        )

        def figures(quote: dict) -> dict:
            return {
                "multiplier": str(quote["multiplier"]),
                "merchant_price": str(quote["merchant_price"].amount),
                "user_amount": str(quote["user_amount"].amount),
                "margin": str(quote["margin"].amount),
                "fixed": str(quote["fixed"].amount),
                "engagement": str(quote["engagement"].amount),
                "capped": quote["capped"],
            }

        returning, new = quotes
        return JsonResponse(
            {
                "action": returning["action"],
                "currency": returning["currency"],
                "counts": returning["counts"],
                **figures(returning),
                "new_customer": figures(new),
                "text": quote_sentence(returning, new),
            }
        )


class VideoTextConsoleInline(ConsoleInlineMixin, admin.TabularInline):
    """The video's title and caption in other languages (visitors see the ones of their language,
    else the video's own); saved through ``video_texts_save`` by the video admin."""

    model = VideoText
    form = VideoTextForm
    formset = VideoTextFormSet
    extra = 0
    max_num = len(settings.LANGUAGES)
    verbose_name = _("title and caption in another language")
    verbose_name_plural = _("title and caption in other languages (visitors see the ones of their language)")

    def has_view_permission(self, request, obj=None):
        return console_can(request, Capability.VIEW)

    def has_add_permission(self, request, obj=None):
        return console_can(request, Capability.MANAGE_CAMPAIGNS)

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


class VideoConsoleAdmin(ConsoleModelAdmin):
    """The video library: up to 15 videos consumers download or copy the caption of, to post."""

    form = VideoConsoleForm
    inlines = [VideoTextConsoleInline]
    add_capability = Capability.MANAGE_CAMPAIGNS
    change_capability = Capability.MANAGE_CAMPAIGNS
    delete_capability = Capability.MANAGE_CAMPAIGNS
    list_display = ("title_read", "slot", "source", "created_at")
    search_fields = ("title", "caption", "hashtags")
    readonly_fields = ("slot", "preview")
    export_fields = ("slot", "title_read", "caption_read", "hashtags", "mentions", "tiktok_url")

    def get_fields(self, request, obj=None):
        base = ["title", "caption", "hashtags", "mentions", "file", "tiktok_url"]
        return base if obj is None else ["slot", *base, "preview"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("texts")

    @admin.display(description=capfirst(_("title")), ordering="title")
    def title_read(self, obj: Video) -> str:
        """The title in the reader's language when the merchant gave one, as visitors see it."""
        return obj.title_in(get_language())

    @admin.display(description=capfirst(_("caption")))
    def caption_read(self, obj: Video) -> str:
        """The caption in the reader's language when the merchant gave one (the CSV, as the list)."""
        return obj.caption_in(get_language())

    @admin.display(description=_("Source"))
    def source(self, obj: Video) -> str:
        return gettext("Uploaded file") if obj.file else gettext("TikTok link")

    @admin.display(description=_("Preview"))
    def preview(self, obj: Video) -> str:
        if obj.file:
            return format_html(
                '<video class="video-preview" src="{}" controls preload="metadata"></video>', obj.file.url
            )
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.tiktok_url, obj.tiktok_url)

    def changelist_view(self, request, extra_context=None):
        membership = console_membership(request)
        if membership is not None:
            used = Video.objects.filter(merchant_id=membership.merchant_id).count()
            extra_context = {
                **(extra_context or {}),
                # The heading short enough to sit beside the list's buttons; the file limits under it.
                "title": gettext("Video library (%(used)s of %(max)s)")
                % {"used": used, "max": MAX_VIDEOS_PER_MERCHANT},
                "subtitle": gettext("Files up to %(mb)s MB: %(types)s")
                % {"mb": settings.VIDEO_MAX_UPLOAD_MB, "types": ", ".join(settings.VIDEO_ALLOWED_EXTENSIONS)},
            }
        return super().changelist_view(request, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        membership = console_membership(request)
        form.library_full = (
            membership is not None
            and Video.objects.filter(merchant_id=membership.merchant_id).count() >= MAX_VIDEOS_PER_MERCHANT
        )
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = ("title", "caption", "hashtags", "mentions", "tiktok_url")
        if change:
            video = Video.objects.select_related("merchant").get(pk=obj.pk)
            changes = {name: data[name] for name in form.changed_data if name in fields}
            if "file" in form.changed_data:
                changes["file"] = data.get("file") or None  # False: "clear" was ticked
            services.video_update(video=video, actor=request.user, changes=changes)
        else:
            merchant = _selected_merchant(request)
            video = services.video_add(
                merchant=merchant,
                actor=request.user,
                file=data.get("file") or None,
                **{n: data[n] for n in fields},
            )
            obj.pk, obj.merchant, obj.slot = video.pk, merchant, video.slot

    def save_related(self, request, form, formsets, change):
        video = Video.objects.select_related("merchant").get(pk=form.instance.pk)
        for formset in formsets:
            if isinstance(formset, VideoTextFormSet):
                services.video_texts_save(video=video, actor=request.user, texts=formset.texts())
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        services.video_delete(
            video=Video.objects.select_related("merchant").get(pk=obj.pk), actor=request.user
        )

    def delete_queryset(self, request, queryset):
        for video in queryset.select_related("merchant"):
            services.video_delete(video=video, actor=request.user)


class UgcSubmissionConsoleAdmin(ConsoleModelAdmin):
    """Videos consumers made for a campaign: approve, request changes or reject (with a reason)."""

    merchant_path = "campaign__merchant_id"
    form = UgcReviewForm
    change_capability = Capability.MANAGE_CAMPAIGNS
    person_field = "user"
    list_display = (
        "__str__",
        "campaign_name",
        "person",
        "status",
        "revision",
        "submitted_at",
        "reviewed_at",
    )
    list_filter = ("status",)
    search_fields = ("caption", "campaign__name")
    export_fields = ("pk", "campaign_name", "person", "status", "revision", "submitted_at", "reviewed_at")
    readonly_fields = (
        "campaign_link",
        "person",
        "status",
        "revision",
        "video",
        "caption",
        "review_reason",
        "reviewed_by",
        "reviewed_at",
        "submitted_at",
    )

    def get_queryset(self, request):
        # The campaign named in the reader's language, read with the list (``campaign_name_in``).
        return (
            super()
            .get_queryset(request)
            .select_related("campaign", "user")
            .annotate(campaign_name_read=campaign_name_in(get_language(), path="campaign__"))
        )

    @admin.display(description=_("campaign"), ordering="campaign__name")
    def campaign_name(self, obj: UgcSubmission) -> str:
        return obj.campaign_name_read

    @admin.display(description=_("campaign"))
    def campaign_link(self, obj: UgcSubmission) -> str:
        url = reverse("console:campaigns_campaign_change", kwargs={"object_id": obj.campaign_id})
        return format_html('<a href="{}">{}</a>', url, obj.campaign_name_read)

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status == UgcStatus.SUBMITTED and self.has_change_permission(request, obj):
            fields += ["decision", "reason"]
        return fields

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or obj.status == UgcStatus.SUBMITTED
        )

    def change_refused(self, obj) -> str | None:
        if obj.status != UgcStatus.SUBMITTED:
            return gettext(
                "Nothing was saved: this video was reviewed while the page was open (%(status)s)."
            ) % {"status": obj.get_status_display()}
        return None

    @admin.display(description=_("Video"))
    def video(self, obj: UgcSubmission) -> str:
        if not obj.file:
            return "-"
        return format_html(
            '<video class="video-preview" src="{}" controls preload="metadata"></video>', obj.file.url
        )

    def changelist_view(self, request, extra_context=None):
        membership = console_membership(request)
        if membership is not None:
            waiting = selectors.ugc_waiting_count(merchant_id=membership.merchant_id)
            extra_context = {
                **(extra_context or {}),
                "title": ngettext(
                    "UGC submissions (%(waiting)s waiting for review)",
                    "UGC submissions (%(waiting)s waiting for review)",
                    waiting,
                )
                % {"waiting": waiting},
            }
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        submission = UgcSubmission.objects.select_related("campaign__merchant").get(pk=obj.pk)
        reviewed = services.ugc_review(
            submission=submission,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data.get("reason", ""),
            now=timezone.now(),
        )
        # The saved message names the row as it is now ("... (Approved)"), not as the form read it.
        for field in ("status", "review_reason", "reviewed_by", "reviewed_at"):
            setattr(obj, field, getattr(reviewed, field))

    def save_related(self, request, form, formsets, change):
        pass


console_site.register(Campaign, CampaignConsoleAdmin)
console_site.register(Video, VideoConsoleAdmin)
console_site.register(UgcSubmission, UgcSubmissionConsoleAdmin)


def _ugc_figures(merchant, now) -> dict:
    return {"waiting": subquery_count(selectors.ugc_waiting(merchant_id=merchant.pk))}


def _ugc_panel(request, membership, *, figures: dict) -> dict:
    return {"waiting": figures["waiting"]}


console_site.register_panel(
    key="ugc",
    order=20,
    template="console/panels/ugc.html",
    context=_ugc_panel,
    stylesheet="campaigns/console.css",
    figures=_ugc_figures,
)
