"""``rewards_check``: the engine's state agrees with the ledger and with its own counters (reads only).

What it verifies, over all data:

- every reward's state agrees with its ledger transactions (their kinds, in the
  order the lifecycle allows): PENDING has its credit (or a hold and its release),
  HELD its hold, CONFIRMED a credit and a confirmation, REVERSED a credit or a hold
  and a reversal;
- each person's pending rewards add up to their pending account, the held rewards
  to the platform's held account, and each merchant's pending rewards' margin to
  the platform's pending revenue for that merchant;
- each campaign's ``spent``, each person's tally in a campaign (its total, and the
  total of its current day), each rule's count of paid rewards and its ``spent`` equal
  what the rewards that were not reversed say;
- each person's figures for a merchant (``MerchantConsumer``: actions, first and latest
  action, when the first was recorded) equal what their actions say, and each campaign's
  days (``CampaignDay``: rewards, paid, paid for shares) what its rewards say;
- each person's reward figures in a currency (``PersonRewardFigures``: rewards and what they pay
  the person, per status) equal what their rewards say;
- the posts' engagement: each snapshot's gain over its post's previous one and each post's
  latest counts equal what the snapshots say (``social.selectors.engagement_figures_drift``),
  and each campaign's (or merchant's, for a share without a campaign) days of engagement
  (``PostEngagementDay``) the gains of its shares' snapshots taken that day;
- every day above (a campaign's, a tally's, a day of engagement) is the merchant's: the date in the
  merchant's time zone (``merchants.days.MerchantDay``, the rule the engine counts by);
- each reward's ``action_type`` (kept for the console's filter) is its action's;
- subscriptions (docs/subscriptions.md): a reward is advanced (JoyFast) exactly when
  its ``REWARD_ADVANCE`` transaction exists, an advanced reward is no longer in the
  person's pending balance, an advanced reward reversed has its debt
  (``REWARD_ADVANCE_DEBT``) for the person's share, and a reward with a bonus
  (JoyPlus) records the plan that gave it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, Sum

from campaigns.models import ActionType, Campaign, RewardRule
from merchants.days import MerchantDay
from rewards.models import (
    FIGURE_COLUMNS,
    CampaignDay,
    MerchantConsumer,
    PersonRewardFigures,
    PostEngagementDay,
    Reward,
    RewardKind,
    RewardStatus,
    SocialAction,
    UserCampaignTally,
)
from social.selectors import engagement_figures_drift
from wallets.models import Account, Purpose, Transaction

CREDIT, HOLD, RELEASE, CONFIRM, REVERSAL, ADVANCE, ADVANCE_DEBT = (
    "REWARD",
    "REWARD_HOLD",
    "REWARD_RELEASE",
    "REWARD_CONFIRM",
    "REWARD_REVERSAL",
    "REWARD_ADVANCE",
    "REWARD_ADVANCE_DEBT",
)

# The ledger kinds a reward in each state has, in the order they were posted.
# An advanced reward (JoyFast) has its advance after the credit; its confirmation moves only the
# margin (none when a bonus took all of it), its reversal refunds the margin (none when zero) and
# records the person's debt for the share.
_CREDITED = ((CREDIT,), (HOLD, RELEASE))
LIFECYCLES: dict[str, set[tuple[str, ...]]] = {
    RewardStatus.PENDING: {*_CREDITED, *((*c, ADVANCE) for c in _CREDITED)},
    RewardStatus.HELD: {(HOLD,)},
    RewardStatus.CONFIRMED: {
        *((*c, CONFIRM) for c in _CREDITED),
        *((*c, ADVANCE, CONFIRM) for c in _CREDITED),
        *((*c, ADVANCE) for c in _CREDITED),
    },
    RewardStatus.REVERSED: {
        *((*c, REVERSAL) for c in _CREDITED),
        (HOLD, REVERSAL),
        *((*c, ADVANCE, REVERSAL, ADVANCE_DEBT) for c in _CREDITED),
        *((*c, ADVANCE, ADVANCE_DEBT) for c in _CREDITED),
    },
}
NOT_REVERSED = Q(status__in=[RewardStatus.PENDING, RewardStatus.CONFIRMED, RewardStatus.HELD])
SHARE_RULE = Q(rule__action=ActionType.SHARE_VIDEO)


@dataclass
class RewardsReport:
    rewards: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _compare(report: RewardsReport, what: str, expected: dict, actual: dict) -> None:
    for key in sorted(set(expected) | set(actual), key=str):
        want, have = _cents(expected.get(key)), _cents(actual.get(key))
        if want != have:
            report.violations.append(f"{what} {key}: the rewards say {want}, the books say {have}")


def rewards_report() -> RewardsReport:
    report = RewardsReport()
    kinds: dict[int, list[str]] = defaultdict(list)
    for subject_id, kind in (
        Transaction.objects.filter(subject_type=Reward._meta.label_lower)
        .order_by("pk")
        .values_list("subject_id", "kind")
        .iterator()
    ):
        kinds[int(subject_id)].append(kind)
    for reward_id, status, advanced_at, bonus, calculation in (
        Reward.objects.order_by("pk")
        .values_list("pk", "status", "advanced_at", "bonus", "calculation")
        .iterator()
    ):
        report.rewards += 1
        seen = tuple(kinds.pop(reward_id, ()))
        if seen not in LIFECYCLES[status]:
            report.violations.append(
                f"reward {reward_id} is {status} but its ledger transactions are {list(seen) or 'none'}"
            )
        if (advanced_at is not None) != (ADVANCE in seen):
            report.violations.append(
                f"reward {reward_id} is {'' if advanced_at else 'not '}advanced but its ledger transactions are "
                f"{list(seen) or 'none'}"
            )
        if bonus and not any(p.get("benefit") == "BONUS" for p in (calculation or {}).get("plans", [])):
            report.violations.append(
                f"reward {reward_id} has a bonus of {bonus} but records no plan that gave it"
            )
    for reward_id in sorted(kinds):
        report.violations.append(f"ledger transactions {kinds[reward_id]} belong to no reward ({reward_id})")

    pending = Reward.objects.filter(status=RewardStatus.PENDING)
    _compare(
        report,
        "pending rewards of user/currency",
        {
            (u, c): t
            for u, c, t in pending.filter(advanced_at__isnull=True)
            .values_list("user_id", "currency")
            .annotate(t=Sum("user_amount"))
        },
        {
            (a.owner_id, a.currency): a.balance
            for a in Account.objects.filter(owner_type="accounts.user", purpose=Purpose.USER_PENDING)
        },
    )
    _compare(
        report,
        "held rewards in",
        dict(
            Reward.objects.filter(status=RewardStatus.HELD)
            .values_list("currency")
            .annotate(t=Sum("merchant_price"))
        ),
        {
            a.currency: a.balance
            for a in Account.objects.filter(owner_type="platform", purpose=Purpose.PLATFORM_HELD)
        },
    )
    _compare(
        report,
        "pending margin of merchant/currency",
        {
            (f"merchants.merchant:{m}", c): t
            for m, c, t in pending.values_list("merchant_id", "currency").annotate(t=Sum("margin"))
        },
        {
            (a.partition, a.currency): a.balance
            for a in Account.objects.filter(owner_type="platform", purpose=Purpose.PLATFORM_REVENUE_PENDING)
        },
    )

    counted = Reward.objects.filter(NOT_REVERSED)
    _compare(
        report,
        "spent of campaign",
        dict(counted.values_list("campaign_id").annotate(t=Sum("merchant_price"))),
        {pk: spent for pk, spent in Campaign.objects.values_list("pk", "spent") if spent},
    )
    _compare(
        report,
        "tally of user/campaign",
        {
            (u, c): t
            for u, c, t in counted.values_list("user_id", "campaign_id").annotate(t=Sum("merchant_price"))
        },
        {
            (u, c): t
            for u, c, t in UserCampaignTally.objects.values_list("user_id", "campaign_id", "total")
            if t
        },
    )
    # Today's part of each tally: the rewards not reversed made on the tally's day (the merchant's
    # day, as the engine counts them).
    by_day = {
        (u, c, d): t
        for u, c, d, t in counted.annotate(day=MerchantDay("created_at", "merchant"))
        .values_list("user_id", "campaign_id", "day")
        .annotate(t=Sum("merchant_price"))
    }
    tallies = UserCampaignTally.objects.exclude(day_date__isnull=True).values_list(
        "user_id", "campaign_id", "day_date", "day_total"
    )
    _compare(
        report,
        "day total of user/campaign/day",
        {(u, c, d): by_day.get((u, c, d)) for u, c, d, _ in tallies},
        {(u, c, d): t for u, c, d, t in tallies},
    )
    _compare(
        report,
        "rewards paid by rule",
        dict(counted.filter(kind=RewardKind.ACTION).values_list("rule_id").annotate(n=Count("pk"))),
        {pk: n for pk, n in RewardRule.objects.values_list("pk", "rewards_paid") if n},
    )
    _compare(
        report,
        "spent of rule",
        dict(counted.values_list("rule_id").annotate(t=Sum("merchant_price"))),
        {pk: spent for pk, spent in RewardRule.objects.values_list("pk", "spent") if spent},
    )
    _consumers_compare(report)
    _days_compare(report, counted)
    _figures_compare(report)
    _engagement_days_compare(report)
    for reward_id, kept, actual in (
        Reward.objects.exclude(action_type=F("action__action_type"))
        .order_by("pk")
        .values_list("pk", "action_type", "action__action_type")[:100]
    ):
        report.violations.append(f"reward {reward_id} says its action is {kept}, the action is {actual}")
    return report


def _figures_compare(report: RewardsReport) -> None:
    """Each person's reward figures in a currency (``PersonRewardFigures``) against their rewards."""
    columns = list(FIGURE_COLUMNS.values()) + [f"{c}_amount" for c in FIGURE_COLUMNS.values()]
    expected: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(columns, _cents(0))
    )
    for user_id, currency, status, n, total in (
        Reward.objects.values_list("user_id", "currency", "status")
        .annotate(n=Count("pk"), total=Sum("user_amount"))
        .order_by()
        .iterator()
    ):
        expected[(user_id, currency)][FIGURE_COLUMNS[status]] = _cents(n)
        expected[(user_id, currency)][f"{FIGURE_COLUMNS[status]}_amount"] = _cents(total)
    for row in PersonRewardFigures.objects.values("user_id", "currency", *columns).iterator():
        key = (row["user_id"], row["currency"])
        want = expected.pop(key, None) or dict.fromkeys(columns, _cents(0))
        have = {c: _cents(row[c]) for c in columns}
        if want != have:
            wrong = ", ".join(f"{c} {want[c]} (figures {have[c]})" for c in columns if want[c] != have[c])
            report.violations.append(f"reward figures of user/currency {key}: the rewards say {wrong}")
    for key, want in sorted(expected.items()):
        report.violations.append(f"reward figures of user/currency {key}: missing (the rewards say {want})")


def _engagement_days_compare(report: RewardsReport) -> None:
    """The snapshots' figures against the snapshots, then the days of engagement (``PostEngagementDay``)
    against the gains of the snapshots of each campaign's shares, day by day (the merchant's)."""
    report.violations.extend(engagement_figures_drift())
    snapshots = "tracked_post__snapshots__"
    rows = (
        SocialAction.objects.filter(action_type=ActionType.SHARE_VIDEO, tracked_post__snapshots__isnull=False)
        .annotate(day=MerchantDay(f"{snapshots}taken_at", "merchant"))
        .values("merchant_id", "campaign_id", "day")
        .annotate(
            views=Sum(f"{snapshots}views_added"),
            likes=Sum(f"{snapshots}likes_added"),
            comments=Sum(f"{snapshots}comments_added"),
            shares=Sum(f"{snapshots}shares_added"),
        )
        .order_by()
    )
    none = (0, 0, 0, 0)
    expected = {
        (row["merchant_id"], row["campaign_id"], row["day"]): (
            row["views"],
            row["likes"],
            row["comments"],
            row["shares"],
        )
        for row in rows
    }
    for merchant_id, campaign_id, day, *figures in PostEngagementDay.objects.values_list(
        "merchant_id", "campaign_id", "day_date", "views", "likes", "comments", "shares"
    ).iterator():
        want, have = expected.pop((merchant_id, campaign_id, day), none), tuple(figures)
        if want != have:
            report.violations.append(
                f"engagement on {day} of merchant/campaign {(merchant_id, campaign_id)}: the snapshots say "
                f"views/likes/comments/shares {want}, the day says {have}"
            )
    for (merchant_id, campaign_id, day), want in sorted(expected.items(), key=str):
        if want != none:
            report.violations.append(
                f"engagement on {day} of merchant/campaign {(merchant_id, campaign_id)}: missing (the "
                f"snapshots say views/likes/comments/shares {want})"
            )


def _days_compare(report: RewardsReport, counted) -> None:
    """Each campaign's days (``CampaignDay``) against its rewards not reversed, day by day (the
    merchant's, as the engine counts them)."""
    rows = (
        counted.annotate(day=MerchantDay("created_at", "merchant"))
        .values("campaign_id", "day")
        .annotate(n=Count("pk"), paid=Sum("merchant_price"), share=Sum("merchant_price", filter=SHARE_RULE))
        .order_by()
    )
    expected = {
        (row["campaign_id"], row["day"]): (row["n"], _cents(row["paid"]), _cents(row["share"]))
        for row in rows
    }
    for campaign_id, day, n, paid, share in CampaignDay.objects.values_list(
        "campaign_id", "day_date", "rewards", "rewards_paid", "share_cost"
    ):
        want = expected.pop((campaign_id, day), (0, _cents(0), _cents(0)))
        if want != (n, _cents(paid), _cents(share)):
            report.violations.append(
                f"day {day} of campaign {campaign_id}: the rewards say {want[0]} for {want[1]} "
                f"({want[2]} for shares), the day says {n} for {paid} ({share} for shares)"
            )
    for (campaign_id, day), want in sorted(expected.items()):
        report.violations.append(
            f"day {day} of campaign {campaign_id}: missing (the rewards say {want[0]} for {want[1]})"
        )


def _consumers_compare(report: RewardsReport) -> None:
    """Each person's figures for a merchant (``MerchantConsumer``) against the actions they sum up."""
    expected = {
        (row["merchant_id"], row["user_id"]): (row["n"], row["first"], row["last"], row["joined"])
        for row in SocialAction.objects.values("merchant_id", "user_id")
        .annotate(n=Count("pk"), first=Min("occurred_at"), last=Max("occurred_at"), joined=Min("created_at"))
        .order_by()
        .iterator()
    }
    for row in MerchantConsumer.objects.values_list(
        "merchant_id", "user_id", "actions", "first_at", "last_at", "joined_at"
    ).iterator():
        key, figures = (row[0], row[1]), tuple(row[2:])
        want = expected.pop(key, None)
        if want != figures:
            report.violations.append(
                f"consumer figures of merchant/user {key}: the actions say {want or 'no action'}, "
                f"the summary says {figures}"
            )
    for key, want in sorted(expected.items()):
        report.violations.append(f"consumer figures of merchant/user {key}: missing (the actions say {want})")
