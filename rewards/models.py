"""Social actions, the rewards they earn, risk review and bans.

Every money movement of a reward is a ledger transaction whose subject is the
reward (``wallets.Transaction.subject_type == "rewards.reward"``): the credit
(or the hold), the approval of a held reward, the confirmation, the reversal.

A SocialAction is what a person did for a brand (logged in with TikTok, shared
a video...). The engine (``rewards.services``) evaluates it against the
merchant's live campaigns and records the outcome: a Reward whose money moved
through the ledger as one transaction, or why nothing was paid. Engagement a
shared post earns later comes as further Rewards, one per engagement snapshot
that raised what the post has earned.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from campaigns.models import ActionType
from rewards.reasons import Reason
from wallets.formats import money_text


class ActionStatus(models.TextChoices):
    RECORDED = "RECORDED", _("Recorded")
    REWARDED = "REWARDED", _("Rewarded")
    HELD = "HELD", _("Held for review")
    UNFUNDED = "UNFUNDED", _("Not paid: the brand's funds or budget ran out")
    INELIGIBLE = "INELIGIBLE", _("Not eligible")


class SocialAction(models.Model):
    """One thing a person did for a brand. ``key`` makes each action count once."""

    key = models.CharField(
        _("key"), max_length=200, unique=True, help_text=_("What makes this action unique.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="social_actions",
        verbose_name=_("user"),
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="social_actions",
        verbose_name=_("merchant"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_actions",
        verbose_name=_("campaign"),
    )
    action_type = models.CharField(_("action type"), max_length=16, choices=ActionType.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.RECORDED
    )
    status_detail = models.CharField(
        _("status detail"),
        max_length=300,
        blank=True,
        help_text=_("Why it was not paid, in English words (from the reason)."),
    )
    reason = models.CharField(
        _("reason"),
        max_length=24,
        choices=Reason.choices,
        blank=True,
        help_text=_("Why the engine decided so: a stable code (rewards.reasons), empty before it decided."),
    )
    reason_params = models.JSONField(
        _("reason parameters"),
        default=dict,
        blank=True,
        help_text=_("The figures behind the reason (amounts, caps, dates)."),
    )
    tracked_post = models.ForeignKey(
        "social.TrackedPost",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_actions",
        verbose_name=_("tracked post"),
    )
    touchpoint = models.ForeignKey(
        "merchants.Touchpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("touchpoint"),
    )
    device_id = models.CharField(_("device id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=0)
    risk_signals = models.JSONField(_("risk signals"), default=list, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("social action")
        verbose_name_plural = _("social actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(action_type__in=ActionType.values),
                name="rewards_action_type_known",
                violation_error_message=_("Choose an action from the list."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values),
                name="rewards_action_status_known",
                violation_error_message=_("Choose an action status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(reason="") | Q(reason__in=Reason.values),
                name="rewards_action_reason_known",
                violation_error_message=_("Choose a reason from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(action_type=ActionType.SHARE_VIDEO) | Q(tracked_post__isnull=False),
                name="rewards_share_has_post",
                violation_error_message=_("A shared video needs the post it was shared in."),
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-occurred_at"], name="rewards_action_merchant"),
            models.Index(fields=["user", "-occurred_at"], name="rewards_action_user"),
            # The wallet's latest actions not paid for lack of money (a few among a person's thousands).
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=Q(status="UNFUNDED"),
                name="rewards_action_user_unfunded",
            ),
            # Diagnostics: a campaign's latest outcomes (support.diagnostics), newest first.
            models.Index(fields=["campaign", "-created_at", "-id"], name="rewards_action_campaign_new"),
            # A campaign's report: its people (COUNT DISTINCT) and whether an action is a person's first
            # in the campaign (new consumers by day), read on the index alone.
            models.Index(
                fields=["campaign", "user", "created_at", "id"], name="rewards_action_campaign_user"
            ),
            models.Index(fields=["device_id", "occurred_at"], name="rewards_action_device"),
            models.Index(fields=["ip_address", "occurred_at"], name="rewards_action_ip"),
            # The first-run checklist asks whether anyone came through a touchpoint yet: without it, a
            # merchant whose people all came another way has every action read to say "no".
            models.Index(
                fields=["merchant"], condition=Q(touchpoint__isnull=False), name="rewards_action_touchpoint"
            ),
        ]

    def __str__(self) -> str:
        # The title of an action's page in /ops/ and its link from a reward's page, in the reader's words.
        return gettext("%(action)s by %(person)s for %(brand)s") % {
            "action": self.get_action_type_display(),
            "person": self.user,
            "brand": self.merchant,
        }


class MerchantConsumer(models.Model):
    """A person who did something for a merchant, with their figures: kept by the engine in the
    transaction that records each action (``rewards.services._consumer_count``), so the console's
    consumers list and its "new consumers" read one row a person instead of grouping every action.
    ``rewards_check`` compares each row with the actions it sums up.
    """

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actions = models.PositiveIntegerField(help_text=_("Social actions recorded for the merchant."))
    first_at = models.DateTimeField(help_text=_("When the first of them happened (occurred_at)."))
    last_at = models.DateTimeField(help_text=_("When the latest of them happened (occurred_at)."))
    joined_at = models.DateTimeField(help_text=_("When the first of them was recorded (created_at)."))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "user"],
                name="rewards_merchant_consumer_once",
                violation_error_message=_("This person is already counted for this merchant."),
            ),
            models.CheckConstraint(
                condition=Q(actions__gt=0) & Q(last_at__gte=F("first_at")),
                name="rewards_merchant_consumer_figures",
                violation_error_message=_("A consumer's figures must come from at least one action."),
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-last_at", "user"], name="rewards_mconsumer_recent"),
            models.Index(fields=["merchant", "joined_at"], name="rewards_mconsumer_joined"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.merchant}: {self.actions} action(s)"


class CampaignDay(models.Model):
    """A campaign's rewards of one day (the merchant's day: ``merchants.days``), not reversed (held
    ones count, as in every "rewards paid" figure): kept by the engine in the transaction that grants or reverses a
    reward (``rewards.services._days_add``), so the dashboard and a campaign's report read one row a
    campaign a day instead of every reward. ``rewards_check`` compares each row with the rewards.
    """

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    day_date = models.DateField()
    rewards = models.IntegerField(default=0)
    rewards_paid = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    share_cost = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("The part of rewards_paid for shares and their engagement (the share rule's rewards)."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day_date"],
                name="rewards_campaign_day_once",
                violation_error_message=_("This campaign's day is already counted."),
            ),
            models.CheckConstraint(
                condition=Q(rewards__gte=0) & Q(rewards_paid__gte=0) & Q(share_cost__gte=0),
                name="rewards_campaign_day_not_negative",
                violation_error_message=_("A day's rewards can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} on {self.day_date}: {self.rewards} reward(s), {self.rewards_paid}"


class PostEngagementDay(models.Model):
    """What the posts people shared for a campaign gained on one day (the merchant's day, as
    ``CampaignDay``): the sum of the gains of their snapshots taken that day (``EngagementSnapshot``'s
    ``*_added``: each snapshot's counts over the post's previous one). Over all days, a campaign's
    rows add up to its posts' latest counts. A share without a campaign counts in its merchant's row
    of the day (``campaign`` empty). Kept in the transaction that writes each snapshot
    (``rewards.services.post_engagement_days_add``, told by social's ``engagement_gained``) and
    the one that records a share; ``rewards_check`` compares each row with the snapshots.
    A day's gain is negative when counts dropped (unlikes, deleted comments).
    """

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day_date = models.DateField()
    views = models.BigIntegerField(default=0)
    likes = models.BigIntegerField(default=0)
    comments = models.BigIntegerField(default=0)
    shares = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day_date"],
                condition=Q(campaign__isnull=False),
                name="rewards_post_engagement_day_once",
                violation_error_message=_("This campaign's day is already counted."),
            ),
            models.UniqueConstraint(
                fields=["merchant", "day_date"],
                condition=Q(campaign__isnull=True),
                name="rewards_post_engagement_day_merchant_once",
                violation_error_message=_("This merchant's day is already counted."),
            ),
        ]
        indexes = [models.Index(fields=["merchant", "day_date"], name="rewards_post_eng_merchant")]

    def __str__(self) -> str:
        return f"{self.campaign or self.merchant} on {self.day_date}: {self.views} view(s)"


# The column of each reward status in ``PersonRewardFigures`` (its amount column adds ``_amount``).
FIGURE_COLUMNS = {
    "PENDING": "pending",
    "CONFIRMED": "confirmed",
    "HELD": "held",
    "REVERSED": "reversed",
}


class PersonRewardFigures(models.Model):
    """A person's rewards in one currency counted by status, with what they pay the person
    (``user_amount``) per status: kept by the engine in the transaction that grants, confirms,
    approves or reverses a reward (``rewards.services._figures_grant`` / ``_figures_move``), so the
    wallet reads one row a currency instead of every reward. ``rewards_check`` compares each row
    with the rewards."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    pending = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    held = models.IntegerField(default=0)
    reversed = models.IntegerField(default=0)
    pending_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    confirmed_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    held_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    reversed_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "currency"],
                name="rewards_person_figures_once",
                violation_error_message=_("This person's rewards in this currency are already counted."),
            ),
            models.CheckConstraint(
                condition=Q(pending__gte=0)
                & Q(confirmed__gte=0)
                & Q(held__gte=0)
                & Q(reversed__gte=0)
                & Q(pending_amount__gte=0)
                & Q(confirmed_amount__gte=0)
                & Q(held_amount__gte=0)
                & Q(reversed_amount__gte=0),
                name="rewards_person_figures_not_negative",
                violation_error_message=_("A person's reward figures can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} in {self.currency}: {self.pending} pending, {self.confirmed} available, "
            f"{self.held} held, {self.reversed} reversed"
        )


class RewardStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    CONFIRMED = "CONFIRMED", _("Available")
    REVERSED = "REVERSED", pgettext_lazy("reward status", "Reversed")
    HELD = "HELD", _("Held for review")


class RewardKind(models.TextChoices):
    ACTION = "ACTION", _("For the action")
    ENGAGEMENT = "ENGAGEMENT", _("For the post's engagement")


class RewardQuerySet(models.QuerySet):
    def due(self, *, now) -> RewardQuerySet:
        return self.filter(status=RewardStatus.PENDING, available_at__lte=now)

    def counted(self) -> RewardQuerySet:
        """Rewards that hold or held money (everything but reversed and held ones)."""
        return self.filter(status__in=[RewardStatus.PENDING, RewardStatus.CONFIRMED])


class Reward(models.Model):
    """Money a person earned (or may earn, when HELD) for an action, and how it was computed."""

    action = models.ForeignKey(
        SocialAction, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("action")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RewardKind.choices)
    action_type = models.CharField(
        _("action type"),
        max_length=16,
        choices=ActionType.choices,
        # The action's type, copied from the action (which never changes it): the console's list filters
        # on it with an index of its own instead of joining every action.
        help_text=_(
            "What the person did for the brand. A reward for a post's views, likes, comments and shares "
            "shows the share it came from."
        ),
    )
    snapshot = models.OneToOneField(
        "social.EngagementSnapshot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reward",
        verbose_name=_("engagement snapshot"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("user")
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="rewards", verbose_name=_("merchant")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="rewards", verbose_name=_("campaign")
    )
    rule = models.ForeignKey(
        "campaigns.RewardRule",
        on_delete=models.PROTECT,
        related_name="rewards",
        verbose_name=_("reward rule"),
    )
    status = models.CharField(_("status"), max_length=10, choices=RewardStatus.choices)
    currency = models.CharField(_("currency"), max_length=3)
    merchant_price = models.DecimalField(_("merchant price"), max_digits=12, decimal_places=2)
    user_amount = models.DecimalField(_("user amount"), max_digits=12, decimal_places=2)
    margin = models.DecimalField(_("margin"), max_digits=12, decimal_places=2)
    calculation = models.JSONField(
        _("calculation"), default=dict, help_text=_("The rule and figures that produced the amount.")
    )
    bonus = models.DecimalField(
        _("bonus"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("A subscription's bonus (JoyPlus): part of the person's share, taken from the margin."),
    )
    available_at = models.DateTimeField(_("available at"), help_text=_("When the hold period ends."))
    advance_at = models.DateTimeField(
        _("to be advanced at"),
        null=True,
        blank=True,
        help_text=_("A fast subscription (JoyFast): when TikJoy makes it available early."),
    )
    advanced_at = models.DateTimeField(
        _("advanced at"),
        null=True,
        blank=True,
        help_text=_("When TikJoy made it available, before the hold ended (JoyFast)."),
    )
    reason = models.CharField(
        _("reason"), max_length=300, blank=True, help_text=_("Why it was held or reversed.")
    )
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )

    objects = RewardQuerySet.as_manager()

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RewardStatus.values),
                name="rewards_reward_status_known",
                violation_error_message=_("Choose a reward status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(action_type__in=ActionType.values),
                name="rewards_reward_action_type_known",
                violation_error_message=_("Choose an action from the list."),
            ),
            models.CheckConstraint(
                condition=Q(user_amount__gte=0) & Q(margin__gte=0) & Q(merchant_price__gt=0),
                name="rewards_reward_amounts_positive",
                violation_error_message=_(
                    "A reward's price must be more than zero, and its shares can't be negative."
                ),
            ),
            models.CheckConstraint(
                # Amounts are whole cents, so within a tenth of a cent means equal; the
                # tolerance only absorbs SQLite, which adds decimals in floating point.
                condition=Q(merchant_price__gte=F("user_amount") + F("margin") - Decimal("0.001"))
                & Q(merchant_price__lte=F("user_amount") + F("margin") + Decimal("0.001")),
                name="rewards_reward_price_is_split",
                violation_error_message=_(
                    "A reward's price must equal the person's share plus the platform's margin."
                ),
            ),
            models.CheckConstraint(
                condition=Q(bonus__gte=0) & Q(bonus__lte=F("user_amount")),
                name="rewards_reward_bonus_within_share",
                violation_error_message=_(
                    "A subscription's bonus is part of the person's share, never negative."
                ),
            ),
            models.CheckConstraint(
                condition=Q(advanced_at__isnull=True) | Q(advance_at__isnull=False),
                name="rewards_reward_advanced_when_due",
                violation_error_message=_("Only a reward with an early availability date can be advanced."),
            ),
            models.CheckConstraint(
                condition=Q(kind=RewardKind.ACTION) | Q(snapshot__isnull=False),
                name="rewards_engagement_has_snapshot",
                violation_error_message=_(
                    "A reward for engagement needs the engagement figures it was paid for."
                ),
            ),
            models.UniqueConstraint(
                fields=["action"],
                condition=Q(kind=RewardKind.ACTION),
                name="rewards_one_action_reward",
                violation_error_message=_("This action has already been rewarded."),
            ),
        ]
        # The console's list (rewards/console.py) reads one merchant's rewards newest first, filtered by
        # campaign, action, status or kind, or sorted by another column with the id as the tie-break in the
        # same direction (merchants.console_site.ConsoleChangeList): one index for each, read in order, so
        # a page (and the window its paginator counts) never sorts or scans the merchant's whole history.
        # Each filter's index carries the other filters' columns (INCLUDE): a list filtered twice reads
        # the index alone (an index-only scan), never a row for each one it skips.
        indexes = [
            models.Index(fields=["status", "available_at"], name="rewards_reward_due"),
            models.Index(fields=["merchant", "-created_at", "-id"], name="rewards_reward_merchant_new"),
            # The API's rewards list (api.selectors.reward_page): one merchant's, by id, newest first.
            models.Index(fields=["merchant", "-id"], name="rewards_reward_m_id"),
            models.Index(
                fields=["campaign", "-created_at", "-id"],
                include=["merchant", "status", "kind", "action_type"],
                name="rewards_reward_campaign_new",
            ),
            models.Index(
                fields=["merchant", "status", "-created_at", "-id"],
                include=["campaign", "kind", "action_type"],
                name="rewards_reward_m_status",
            ),
            models.Index(
                fields=["merchant", "kind", "-created_at", "-id"],
                include=["campaign", "status", "action_type"],
                name="rewards_reward_m_kind",
            ),
            models.Index(
                fields=["merchant", "action_type", "-created_at", "-id"],
                include=["campaign", "status", "kind"],
                name="rewards_reward_m_action",
            ),
            # A campaign's report counts and sums its rewards by kind and status on the index alone.
            models.Index(
                fields=["campaign", "kind", "status", "currency", "merchant_price"],
                name="rewards_reward_c_groups",
            ),
            models.Index(fields=["merchant", "available_at", "id"], name="rewards_reward_m_available"),
            models.Index(fields=["merchant", "merchant_price", "id"], name="rewards_reward_m_price"),
            models.Index(fields=["user", "-created_at"], name="rewards_reward_user"),
            # The wallet's latest rewards under review and reversed: read in order, ten rows each.
            models.Index(fields=["user", "status", "-created_at", "-id"], name="rewards_reward_u_status"),
            models.Index(
                fields=["advance_at"],
                condition=Q(status="PENDING", advanced_at__isnull=True, advance_at__isnull=False),
                name="rewards_reward_advance_due",
            ),
        ]

    def __str__(self) -> str:
        # Shown to merchants (the console's title and breadcrumbs of a reward) and ops: the kind and
        # status in the reader's words, the amount as their language writes it.
        return gettext("%(kind)s reward #%(id)s: %(amount)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "id": self.pk,
            "amount": money_text(self.user_amount, self.currency),
            "status": self.get_status_display(),
        }

    @property
    def user_money(self) -> Money:
        return Money(self.user_amount, self.currency)

    @property
    def price_money(self) -> Money:
        return Money(self.merchant_price, self.currency)


class HeldReward(Reward):
    """The ops review queue: rewards held because their action looked risky."""

    class Meta:
        proxy = True
        verbose_name = _("held reward (review queue)")
        verbose_name_plural = _("review queue: held rewards")


class UserCampaignTally(models.Model):
    """What one user has earned in one campaign (merchant price), for the per-user caps.

    Locked (``SELECT ... FOR UPDATE``) first in every reward transaction, so two
    rewards of the same user in the same campaign are decided one after the other.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    day_date = models.DateField(null=True, blank=True)
    day_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign"],
                name="rewards_tally_one_per_user_campaign",
                violation_error_message=_(
                    "This person's earnings in this campaign are already being counted."
                ),
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(day_total__gte=0),
                name="rewards_tally_not_negative",
                violation_error_message=_("A person's earnings in a campaign can't be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.campaign}: {self.total}"


class Ban(models.Model):
    """A person ops banned: they earn nothing and can't withdraw.

    The row exists while the ban stands; lifting it deletes the row. Every ban and
    every lift is kept in ``BanEvent`` (who, when, why).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ban", verbose_name=_("user")
    )
    reason = models.CharField(_("reason"), max_length=300)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("banned by")
    )
    banned_at = models.DateTimeField(_("banned at"))

    class Meta:
        verbose_name = _("ban (standing)")
        verbose_name_plural = _("bans (standing)")

    def __str__(self) -> str:
        return gettext("%(person)s banned: %(reason)s") % {"person": self.user, "reason": self.reason}


class BanEventKind(models.TextChoices):
    BANNED = "BANNED", _("Banned")
    LIFTED = "LIFTED", _("Ban lifted")


class BanEvent(models.Model):
    """The audit trail of bans: every ban and every lift, with its reason and the staff member."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ban_events", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=6, choices=BanEventKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ban event (ban or lift)")
        verbose_name_plural = _("ban events (bans and lifts)")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=BanEventKind.values),
                name="rewards_ban_event_kind_known",
                violation_error_message=_("A ban event is either a ban or a lift."),
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="rewards_ban_event_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} ({self.reason})"


class NoticeKind(models.TextChoices):
    DAILY_LIMIT = "DAILY_LIMIT", _("Daily limit reached")
    REWARD_AVAILABLE = "REWARD_AVAILABLE", _("Reward now available")
    CAMPAIGN_LIVE = "CAMPAIGN_LIVE", _("A brand's campaign started")


class NoticeChannel(models.TextChoices):
    EMAIL = "EMAIL", _("E-mail")
    WHATSAPP = "WHATSAPP", _("WhatsApp")
    NONE = "NONE", _("No way to reach the person")


class NoticeUncertainty(models.TextChoices):
    """Why it is not known whether a notice arrived (``rewards.notices``: it is not sent again)."""

    UNANSWERED = "UNANSWERED", _("No answer in time")
    INTERRUPTED = "INTERRUPTED", _("Sending interrupted")


class ConsumerNotice(models.Model):
    """A notice to a consumer, sent at most once: ``key`` is unique (inserted first; a second attempt
    finds it), and a worker claims it (``sending_started_at``) before it hands it to e-mail or
    WhatsApp, outside any transaction (``rewards.notices.notice_send``)."""

    key = models.CharField(
        _("key"), max_length=200, unique=True, help_text=_("What makes this notice unique.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NoticeChannel.choices, blank=True)
    text = models.CharField(_("text"), max_length=1000)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(pgettext_lazy("notice", "sent at"), null=True, blank=True)
    sending_started_at = models.DateTimeField(
        _("sending started at"),
        null=True,
        blank=True,
        help_text=_(
            "When a worker last began handing it to the e-mail server or WhatsApp; no other worker "
            "sends it meanwhile."
        ),
    )
    attempts = models.PositiveSmallIntegerField(
        _("tries"), default=0, help_text=_("How many times it was handed to the e-mail server or WhatsApp.")
    )
    uncertainty = models.CharField(
        _("uncertainty"),  # a noun: the ops filter reads "By uncertainty", "Par incertitude"
        max_length=20,
        choices=NoticeUncertainty.choices,
        blank=True,
        help_text=_("Why it is not known whether it arrived; such a notice is not sent again."),
    )

    class Meta:
        verbose_name = _("notice to a person")
        verbose_name_plural = _("notices to people")
        constraints = [
            models.CheckConstraint(
                condition=Q(uncertainty="")
                | Q(uncertainty__in=NoticeUncertainty.values, sent_at__isnull=True),
                name="rewards_notice_sent_or_uncertain",
                violation_error_message=_("A notice is either sent or not known to have arrived, not both."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values),
                name="rewards_notice_kind_known",
                violation_error_message=_(
                    "A notice is about a daily limit, an available reward or a campaign start."
                ),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(notice)s for %(person)s") % {"notice": self.get_kind_display(), "person": self.user}


class LaunchWatch(models.Model):
    """A person who joined a brand while it had no live campaign: told once when one goes live."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="+", verbose_name=_("merchant")
    )
    created_at = models.DateTimeField(_("created at"))
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person waiting for a first campaign")
        verbose_name_plural = _("people waiting for a first campaign")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "merchant"],
                name="rewards_launch_watch_once",
                violation_error_message=_("This person already waits for this brand's first campaign."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s waits for the first campaign of %(brand)s") % {
            "person": self.user,
            "brand": self.merchant,
        }


class RewardedSignIn(models.Model):
    """A sign-in identity that left an account a brand paid its sign-in reward (the account deleted, or
    the TikTok account disconnected or replaced): the brand doesn't pay it again to a new account
    signing in with the same TikTok account or WhatsApp number.

    Only the identity's keyed digest is kept (``social.identity_digests``: never the number or the
    TikTok id), written by ``sign_in_rewards_remember`` (from the account deletion and from
    ``tikjoy.sign_in_identities``) and read by the engine for sign-in actions (``_evaluate``, reason
    ``REWARDED_BEFORE``).

    ``action``: at a disconnect, the sign-in the brand paid (or, waiting for its money, would pay) that
    the digest stands for; the reversal of its reward deletes the digest with it (``_reverse``): the
    brand took the money back, so the identity was never paid. Empty on the deletion's rows (confirmed
    rewards, never reversed; the deletion also empties it on the person's rows kept before, so a
    deleted person's rows at two brands can't be linked) and on rows kept before it was recorded."""

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="+", verbose_name=_("merchant")
    )
    digest = models.CharField(_("identity digest"), max_length=64)
    action = models.ForeignKey(
        SocialAction,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rewarded sign-in"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("sign-in rewarded before an account deletion")
        verbose_name_plural = _("sign-ins rewarded before an account deletion")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "digest"],
                name="rewards_rewarded_sign_in_once",
                violation_error_message=_("This sign-in is already kept for this brand."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("A sign-in rewarded by %(brand)s before an account deletion") % {
            "brand": self.merchant
        }
