"""Campaigns, their reward rules, pricing plans and platform limits, the video library, UGC.

Writes go through ``campaigns.services``; ``spent`` and ``rewards_paid`` are written by the
reward engine only. Rules that must always hold are database constraints (docs/campaigns.md).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_percent
from django.conf import settings
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.functional import lazy
from django.utils.translation import get_language, get_language_info, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from merchants.models import Currency
from social.matching import caption_matches
from wallets.formats import babel_locale, money_text

MAX_VIDEOS_PER_MERCHANT = 15


class CampaignStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    ACTIVE = "ACTIVE", pgettext_lazy("campaign status", "Active")
    PAUSED = "PAUSED", _("Paused")
    ENDED = "ENDED", _("Ended")


class PauseReason(models.TextChoices):
    MERCHANT = "MERCHANT", _("Paused by the merchant")
    FUNDS = "FUNDS", _("The wallet ran out of funds")
    BUDGET = "BUDGET", _("The campaign budget is spent")


class UgcPolicy(models.TextChoices):
    CREATORS_ONLY = "CREATORS_ONLY", _("Creators only (more than 5,000 followers)")
    ALL_USERS = "ALL_USERS", _("All users")


class ActionType(models.TextChoices):
    TIKTOK_LOGIN = "TIKTOK_LOGIN", _("Log in with TikTok")
    WHATSAPP_LOGIN = "WHATSAPP_LOGIN", _("Log in with WhatsApp")
    SHARE_VIDEO = "SHARE_VIDEO", _("Share a video on TikTok")
    LIKE = "LIKE", _("Like one of the brand's posts")
    COMMENT = "COMMENT", _("Comment on one of the brand's posts")
    PURCHASE = "PURCHASE", _("Buy in the brand's shop")
    SIGN_UP = "SIGN_UP", _("Sign up in the brand's shop")


LOGIN_ACTIONS = (ActionType.TIKTOK_LOGIN, ActionType.WHATSAPP_LOGIN)
UNVERIFIABLE_ACTIONS = (ActionType.LIKE, ActionType.COMMENT)
# Reported by the merchant's own systems through the API (POST /api/v1/actions), once per event of theirs.
REPORTED_ACTIONS = (ActionType.PURCHASE, ActionType.SIGN_UP)


class PricingPlan(models.Model):
    """What share of the merchant's price the user receives; the platform keeps the rest (ops-managed)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    user_share = models.DecimalField(
        _("user share"),
        max_digits=5,
        decimal_places=4,
        help_text=_("Fraction of the merchant's price paid to the user, 0 to 1 (0.8000 = 80 %)."),
    )
    is_default = models.BooleanField(
        _("is default"),
        default=False,
        help_text=_("Used for merchants without a plan of their own. At most one."),
    )
    created_at = models.DateTimeField(pgettext_lazy("pricing plan", "created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pricing plan")
        verbose_name_plural = _("pricing plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(user_share__gte=0) & Q(user_share__lte=1),
                name="campaigns_plan_share_0_to_1",
                violation_error_message=_("The person's share must be between 0 and 1 (0 %% and 100 %%)."),
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="campaigns_plan_one_default",
                violation_error_message=_("Another pricing plan is already the default; only one can be."),
            ),
        ]

    def __str__(self) -> str:
        # "Standard (users get 80 %)", the percent as the reader's language writes it.
        share = format_percent(self.user_share, locale=babel_locale(), decimal_quantization=False)
        return gettext("%(name)s (users get %(share)s)") % {"name": self.name, "share": share}


class MerchantPricing(models.Model):
    """The pricing plan ops assigned to a merchant; without one, the default plan applies."""

    merchant = models.OneToOneField(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="pricing"
    )
    plan = models.ForeignKey(
        PricingPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="merchants"
    )

    class Meta:
        verbose_name = _("merchant pricing")
        verbose_name_plural = pgettext_lazy("plural", "merchant pricing")

    def __str__(self) -> str:
        return f"{self.merchant}: {self.plan}"


class PlatformLimit(models.Model):
    """Ops-configured bounds on what one reward may cost the merchant, per currency."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, unique=True)
    min_reward = models.DecimalField(
        _("min reward"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Smallest merchant price of one reward."),
    )
    max_reward = models.DecimalField(
        _("max reward"), max_digits=12, decimal_places=2, help_text=_("Largest merchant price of one reward.")
    )
    max_per_post = models.DecimalField(
        _("max per post"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Largest merchant price one shared post may earn in total."),
    )

    class Meta:
        verbose_name = _("platform limit")
        verbose_name_plural = _("platform limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_reward__gte=0),
                name="campaigns_limit_min_not_negative",
                violation_error_message=_("The smallest reward can't be negative."),
            ),
            models.CheckConstraint(
                condition=Q(max_reward__gte=F("min_reward")),
                name="campaigns_limit_max_at_least_min",
                violation_error_message=_("The largest reward can't be smaller than the smallest reward."),
            ),
            models.CheckConstraint(
                condition=Q(max_per_post__gte=F("max_reward")),
                name="campaigns_limit_post_at_least_max",
                violation_error_message=_(
                    "The most a post can earn can't be smaller than the largest reward."
                ),
            ),
        ]

    def __str__(self) -> str:
        # How ops read a currency's limits: "USD: 0,01 $ bis 50,00 $ pro Prämie, 100,00 $ pro Beitrag".
        return gettext("%(currency)s: %(min)s to %(max)s per reward, %(post)s per post") % {
            "currency": self.currency,
            "min": money_text(self.min_reward, self.currency),
            "max": money_text(self.max_reward, self.currency),
            "post": money_text(self.max_per_post, self.currency),
        }


class CampaignQuerySet(models.QuerySet):
    def live(self, *, now) -> CampaignQuerySet:
        """Active campaigns that have started and not ended at ``now``."""
        return self.filter(status=CampaignStatus.ACTIVE, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Campaign(models.Model):
    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    pause_reason = models.CharField(_("pause reason"), max_length=10, choices=PauseReason.choices, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    touchpoints = models.ManyToManyField(
        "merchants.Touchpoint", verbose_name=_("touchpoints"), blank=True, related_name="campaigns"
    )
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    spent = models.DecimalField(
        _("spent"), max_digits=14, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    hashtag = models.CharField(_("hashtag"), max_length=100, blank=True)
    mention = models.CharField(_("mention"), max_length=100, blank=True)
    hold_days = models.PositiveSmallIntegerField(_("hold days"), default=14)
    ugc_policy = models.CharField(
        _("UGC policy"), max_length=16, choices=UgcPolicy.choices, default=UgcPolicy.CREATORS_ONLY
    )
    language = models.CharField(
        _("language of the name"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language the name above is written in: visitors whose language has no text of its own see it."
        ),
    )
    min_reward = models.DecimalField(_("min reward"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_reward = models.DecimalField(_("max reward"), max_digits=12, decimal_places=2, null=True, blank=True)
    new_user_multiplier = models.DecimalField(
        _("new user multiplier"), max_digits=5, decimal_places=2, default=Decimal("1.00")
    )
    returning_user_multiplier = models.DecimalField(
        _("returning user multiplier"), max_digits=5, decimal_places=2, default=Decimal("1.00")
    )
    user_daily_cap = models.DecimalField(
        _("user daily cap"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    user_campaign_cap = models.DecimalField(
        _("user campaign cap"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(pgettext_lazy("campaign", "created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("+1 on every edit: a form opened before an edit can't undo it."),
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CampaignStatus.values),
                name="campaigns_campaign_status_known",
                violation_error_message=_("Choose a campaign status from the list."),
            ),
            models.CheckConstraint(
                condition=(Q(status=CampaignStatus.PAUSED) & Q(pause_reason__in=PauseReason.values))
                | (~Q(status=CampaignStatus.PAUSED) & Q(pause_reason="")),
                name="campaigns_campaign_paused_has_reason",
                violation_error_message=_(
                    "A paused campaign needs the reason it was paused, and only a paused one has one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ugc_policy__in=UgcPolicy.values),
                name="campaigns_campaign_ugc_policy_known",
                violation_error_message=_("Choose who may submit videos from the list."),
            ),
            models.CheckConstraint(
                condition=Q(currency__in=Currency.values),
                name="campaigns_campaign_currency_known",
                violation_error_message=_("Choose one of the currencies TikJoy supports (EUR, USD or GBP)."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="campaigns_campaign_ends_after_start",
                violation_error_message=_("The campaign must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gt=0),
                name="campaigns_campaign_budget_positive",
                violation_error_message=_("The budget must be more than zero, or left empty for no budget."),
            ),
            models.CheckConstraint(
                condition=Q(spent__gte=0) & (Q(budget__isnull=True) | Q(spent__lte=F("budget"))),
                name="campaigns_campaign_spent_within_budget",
                violation_error_message=_(
                    "The budget can't be less than what the campaign has already spent."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_reward__isnull=True) | Q(min_reward__gte=0),
                name="campaigns_campaign_min_reward_not_negative",
                violation_error_message=_("The smallest reward can't be negative."),
            ),
            models.CheckConstraint(
                condition=Q(min_reward__isnull=True)
                | Q(max_reward__isnull=True)
                | Q(max_reward__gte=F("min_reward")),
                name="campaigns_campaign_max_reward_at_least_min",
                violation_error_message=_("The largest reward can't be smaller than the smallest reward."),
            ),
            models.CheckConstraint(
                condition=Q(new_user_multiplier__gt=0) & Q(returning_user_multiplier__gt=0),
                name="campaigns_campaign_multipliers_positive",
                violation_error_message=_(
                    "The multipliers for new and returning people must be more than zero."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(user_daily_cap__isnull=True) | Q(user_daily_cap__gte=0))
                & (Q(user_campaign_cap__isnull=True) | Q(user_campaign_cap__gte=0)),
                name="campaigns_campaign_user_caps_not_negative",
                violation_error_message=_("The limits per person can't be negative."),
            ),
            models.CheckConstraint(
                condition=Q(hold_days__lte=365),
                name="campaigns_campaign_hold_at_most_a_year",
                violation_error_message=_("The hold period can be at most 365 days."),
            ),
            models.CheckConstraint(
                condition=~Q(hashtag__startswith="#") & ~Q(mention__startswith="@"),
                name="campaigns_campaign_tags_stored_bare",
                violation_error_message=_("Write the hashtag without # and the mention without @."),
            ),
        ]
        indexes = [models.Index(fields=["merchant", "status"], name="campaigns_campaign_mstatus")]

    def __str__(self) -> str:
        # A list's queryset names it in its reader's language (annotated by ``campaign_name_in``).
        return getattr(self, "name_read", None) or self.name

    def name_in(self, language: str | None) -> str:
        """The name a visitor reading ``language`` sees: the merchant's text in that language, else
        the campaign's own name (written in ``self.language``). Reads ``texts`` (prefetch it)."""
        code = (language or "").split("-")[0].lower()
        if code and code != self.language:
            for text in self.texts.all():
                if text.language == code:
                    return text.name
        return self.name

    @property
    def ended_at(self):
        """When an ENDED campaign stopped (else ``None``): its end date when that came first, else the
        moment it was ended (an ended campaign is never changed again: its last change is its end)."""
        if self.status != CampaignStatus.ENDED:
            return None
        if self.ends_at is not None and (self.updated_at is None or self.ends_at <= self.updated_at):
            return self.ends_at
        return self.updated_at

    @property
    def tags(self) -> list[str]:
        """The hashtag and the mention a shared post may carry, as a user types them (either one earns)."""
        return [
            tag
            for tag in (
                f"#{self.hashtag}" if self.hashtag else "",
                f"@{self.mention}" if self.mention else "",
            )
            if tag
        ]

    @property
    def requirement(self) -> str:
        """What a shared post must carry, in the reader's language ("#joy or @joycoffee", "#joy oder @joycoffee")."""
        tags = self.tags
        if len(tags) == 2:
            return gettext("%(hashtag)s or %(mention)s") % {"hashtag": tags[0], "mention": tags[1]}
        return tags[0] if tags else ""


class CampaignText(models.Model):
    """A campaign's texts a visitor reads, in one more language than the campaign's own.

    Written by ``campaigns.services.campaign_texts_save`` (the console's campaign page); shown by
    ``Campaign.name_in`` to visitors reading ``language`` (docs/campaigns.md)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="texts"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(pgettext_lazy("campaign text", "name"), max_length=120)

    class Meta:
        verbose_name = _("campaign text")
        verbose_name_plural = _("campaign texts")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"],
                name="campaigns_text_one_per_language",
                violation_error_message=_("This campaign already has a text in this language."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="campaigns_text_language_known",
                violation_error_message=_("Choose a language from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="campaigns_text_name_not_empty",
                violation_error_message=_("Write the campaign's name in this language."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(language)s: %(text)s") % {
            "language": self.get_language_display(),
            "text": self.name,
        }


def campaign_name_in(language: str | None, *, path: str = "") -> models.Expression:
    """``Campaign.name_in(language)`` as SQL, for the campaign at ``path`` (``""`` on campaigns,
    ``"campaign__"`` on a row that points to one): a list names each campaign as a visitor reading
    ``language`` would, in the query that reads the list (no query per row, no prefetch)."""
    own = F(f"{path}name")
    code = (language or "").split("-")[0].lower()
    if not code:
        return own
    text = CampaignText.objects.filter(campaign_id=OuterRef(f"{path}id"), language=code).values("name")[:1]
    return Case(
        When(**{f"{path}language": code}, then=own),
        default=Coalesce(Subquery(text), own),
        output_field=models.CharField(),
    )


class RewardRule(models.Model):
    """What one action earns in a campaign: the merchant's price (the user gets the plan's share of it)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="rules"
    )
    action = models.CharField(_("action"), max_length=16, choices=ActionType.choices)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    per_1000_views = models.DecimalField(
        _("per 1,000 views"), max_digits=12, decimal_places=4, default=Decimal("0")
    )
    per_like = models.DecimalField(_("per like"), max_digits=12, decimal_places=4, default=Decimal("0"))
    per_comment = models.DecimalField(_("per comment"), max_digits=12, decimal_places=4, default=Decimal("0"))
    per_share = models.DecimalField(_("per share"), max_digits=12, decimal_places=4, default=Decimal("0"))
    max_per_post = models.DecimalField(
        _("max per post"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_rewards = models.PositiveIntegerField(_("max rewards"), null=True, blank=True)
    rewards_paid = models.PositiveIntegerField(_("rewards paid"), default=0, editable=False)
    spent = models.DecimalField(
        _("spent"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text=_(
            "Merchant price of the rewards paid under this rule and not reversed (engagement included), "
            "kept by the engine with the campaign's spent."
        ),
    )

    class Meta:
        verbose_name = _("reward rule")
        verbose_name_plural = _("reward rules")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "action"],
                name="campaigns_rule_one_per_action",
                violation_error_message=_("This campaign already has a reward for this action."),
            ),
            models.CheckConstraint(
                condition=Q(action__in=ActionType.values),
                name="campaigns_rule_action_known",
                violation_error_message=_("Choose an action from the list."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(per_1000_views__gte=0)
                & Q(per_like__gte=0)
                & Q(per_comment__gte=0)
                & Q(per_share__gte=0)
                & (Q(max_per_post__isnull=True) | Q(max_per_post__gte=0)),
                name="campaigns_rule_amounts_not_negative",
                violation_error_message=_("Reward amounts can't be negative."),
            ),
            models.CheckConstraint(
                condition=Q(action=ActionType.SHARE_VIDEO)
                | (
                    Q(per_1000_views=0)
                    & Q(per_like=0)
                    & Q(per_comment=0)
                    & Q(per_share=0)
                    & Q(max_per_post__isnull=True)
                ),
                name="campaigns_rule_engagement_only_for_shares",
                violation_error_message=_(
                    "Views, likes, comments and shares can only be paid for a shared video."
                ),
            ),
            models.CheckConstraint(
                condition=Q(max_rewards__isnull=True) | Q(rewards_paid__lte=F("max_rewards")),
                name="campaigns_rule_paid_within_cap",
                violation_error_message=_(
                    "The number of rewards can't be lower than the number already paid."
                ),
            ),
            models.CheckConstraint(
                condition=Q(spent__gte=0),
                name="campaigns_rule_spent_not_negative",
                violation_error_message=_("What a rule has spent can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(action)s in %(campaign)s") % {
            "action": self.get_action_display(),
            # A list's queryset names it in its reader's language (annotated by ``campaign_name_in``).
            "campaign": getattr(self, "campaign_name_read", None) or self.campaign,
        }

    @property
    def has_engagement(self) -> bool:
        return any((self.per_1000_views, self.per_like, self.per_comment, self.per_share))


def video_upload_to(instance: Video, filename: str) -> str:
    return f"campaigns/videos/{instance.merchant_id}/{filename}"


def _video_slot_help() -> str:
    return gettext("%(first)s to %(last)s.") % {"first": 1, "last": MAX_VIDEOS_PER_MERCHANT}


def _video_slot_error() -> str:
    return gettext("Choose a slot from %(first)s to %(last)s.") % {
        "first": 1,
        "last": MAX_VIDEOS_PER_MERCHANT,
    }


# Lazy: worked out in the reader's language when the form or the error is shown, not at import.
video_slot_help = lazy(_video_slot_help, str)
video_slot_error = lazy(_video_slot_error, str)


class Video(models.Model):
    """One of the (at most 15) videos a merchant offers consumers to share."""

    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="videos"
    )
    slot = models.PositiveSmallIntegerField(_("slot"), help_text=video_slot_help())
    title = models.CharField(_("title"), max_length=120)
    caption = models.TextField(
        _("caption"), blank=True, help_text=_("The text consumers copy to post with the video.")
    )
    hashtags = models.CharField(
        _("hashtags"), max_length=300, blank=True, help_text=_("Space-separated, e.g. #summer #joyback")
    )
    mentions = models.CharField(
        _("mentions"), max_length=300, blank=True, help_text=_("Space-separated, e.g. @brand")
    )
    file = models.FileField(_("file"), upload_to=video_upload_to, blank=True, max_length=255)
    tiktok_url = models.URLField(_("TikTok URL"), blank=True)
    created_at = models.DateTimeField(pgettext_lazy("video", "created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "slot"],
                name="campaigns_video_one_per_slot",
                violation_error_message=_("There is already a video in this slot."),
            ),
            models.CheckConstraint(
                condition=Q(slot__gte=1) & Q(slot__lte=MAX_VIDEOS_PER_MERCHANT),
                name="campaigns_video_slot_1_to_15",
                violation_error_message=video_slot_error(),
            ),
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(tiktok_url=""),
                name="campaigns_video_file_or_tiktok_url",
                violation_error_message=_("Upload a video file or give the video's TikTok link."),
            ),
        ]

    def __str__(self) -> str:
        """Its title in the reader's language when the merchant gave one (the console's breadcrumbs
        and headings, as its list shows it); reads ``texts`` (prefetch it for lists)."""
        return self.title_in(get_language())

    @property
    def share_text(self) -> str:
        """Caption, hashtags and mentions as one text to paste into TikTok."""
        return self.share_text_in(None)

    def _text_in(self, language: str | None) -> VideoText | None:
        """The merchant's title and caption for visitors reading ``language`` (None: none given).
        Reads ``texts`` (prefetch it)."""
        code = (language or "").split("-")[0].lower()
        if code:
            for text in self.texts.all():
                if text.language == code:
                    return text
        return None

    def title_in(self, language: str | None) -> str:
        """The title a visitor reading ``language`` sees: the merchant's in that language, else the video's own."""
        text = self._text_in(language)
        return text.title if text is not None else self.title

    def caption_in(self, language: str | None) -> str:
        """The caption a visitor reading ``language`` sees: the merchant's in that language, else the video's own."""
        text = self._text_in(language)
        return text.caption if text is not None and text.caption else self.caption

    def share_text_in(self, language: str | None) -> str:
        """The caption in ``language`` (else the video's own), hashtags and mentions, as one text to
        paste into TikTok. The tags are the same in every language: they decide what a post earns."""
        text = self._text_in(language)
        caption = text.caption if text is not None else self.caption
        return " ".join(p for p in (caption.strip(), self.hashtags.strip(), self.mentions.strip()) if p)

    def caption_for(self, campaigns, language: str | None = None) -> str:
        """The text a consumer copies (in ``language`` when the merchant wrote one): the share text
        plus the tag of every live share campaign it would not match otherwise, so that posting it
        exactly as offered always earns."""
        text = self.share_text_in(language)
        for campaign in campaigns:
            if (campaign.hashtag or campaign.mention) and not caption_matches(
                text, hashtag=campaign.hashtag, mention=campaign.mention
            ):
                text = f"{text} {campaign.tags[0]}".strip()
        return text


class VideoText(models.Model):
    """A library video's title and caption in another language, for visitors reading it (the
    hashtags and mentions stay the video's: they decide what a post earns). Written by
    ``campaigns.services.video_texts_save`` (the console's video page)."""

    video = models.ForeignKey(Video, verbose_name=_("video"), on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=120)
    caption = models.TextField(_("caption"), blank=True)

    class Meta:
        verbose_name = _("video text")
        verbose_name_plural = _("video texts")
        constraints = [
            models.UniqueConstraint(
                fields=["video", "language"],
                name="campaigns_video_text_one_per_language",
                violation_error_message=_("This video already has a text in this language."),
            ),
        ]

    def __str__(self) -> str:
        """Its language named in the reader's language and its own title ("Deutsch: Demo: hinter dem
        Röster" for a German reader, "Tedesco: …" for an Italian one): the console's rows."""
        return gettext("%(language)s: %(text)s") % {
            "language": get_language_info(self.language)["name_translated"],
            "text": self.title,
        }


def tags_normalize(text: str, sigil: str) -> str:
    """``"summer #joy  ##back"`` -> ``"#summer #joy #back"``: each word once prefixed by ``sigil``."""
    words = []
    for word in text.replace(",", " ").split():
        bare = word.lstrip("#@")
        if bare and f"{sigil}{bare}" not in words:
            words.append(f"{sigil}{bare}")
    return " ".join(words)


class UgcStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", _("Waiting for review")
    APPROVED = "APPROVED", pgettext_lazy("video submission", "Approved")
    CHANGES_REQUESTED = "CHANGES_REQUESTED", _("Changes requested")
    REJECTED = "REJECTED", pgettext_lazy("video submission", "Rejected")


def ugc_upload_to(instance: UgcSubmission, filename: str) -> str:
    return f"campaigns/ugc/{instance.campaign_id}/{filename}"


class UgcSubmission(models.Model):
    """A consumer's own video for a campaign, reviewed by the merchant before it may earn share rewards."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="ugc_submissions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="ugc_submissions",
    )
    file = models.FileField(_("file"), upload_to=ugc_upload_to, max_length=255)
    caption = models.TextField(_("caption"))
    status = models.CharField(
        _("status"), max_length=20, choices=UgcStatus.choices, default=UgcStatus.SUBMITTED
    )
    review_reason = models.TextField(_("review reason"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    revision = models.PositiveSmallIntegerField(
        _("revision"),
        default=1,
        help_text=_(
            "How many times the person has sent this video: 1 the first time, one more each time they send it "
            "again after the brand asked for changes."
        ),
    )

    class Meta:
        verbose_name_plural = _("UGC submissions")
        verbose_name = _("UGC submission")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=UgcStatus.values),
                name="campaigns_ugc_status_known",
                violation_error_message=_("Choose a review status from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[UgcStatus.CHANGES_REQUESTED, UgcStatus.REJECTED])
                | ~Q(review_reason=""),
                name="campaigns_ugc_refusal_has_reason",
                violation_error_message=_("Say why the video was refused or needs changes."),
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="campaigns_ugc_cstatus")]

    def __str__(self) -> str:
        return gettext("UGC #%(id)s for %(campaign)s (%(status)s)") % {
            "id": self.pk,
            # A list's queryset names it in its reader's language (annotated by ``campaign_name_in``).
            "campaign": getattr(self, "campaign_name_read", None) or self.campaign,
            "status": self.get_status_display(),
        }
