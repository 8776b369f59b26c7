"""Diagnostics a merchant runs in the console: why a consumer got no reward, why a campaign isn't paying.

Reads only. Everything is scoped to one merchant: a consumer is reached through the merchant's own
``MerchantConsumer`` row (its id is the page's reference: different for every merchant, so two
brands can't match people by it), a campaign through the merchant's campaigns; anything else is
``DiagnosisNotFound`` (a 404). A person is shown as ``people_seen_by_merchant`` says, and found only
by what they agreed to share with this merchant (an e-mail address, a phone number or a TikTok handle
they did not share finds nobody, exactly as one that does not exist).

What happened to an action is the engine's own record (``SocialAction.reason`` and its figures),
put in words by ``rewards.reasons``; what a campaign looks like now is read from live state. Every
query is bounded: a person's latest actions, a campaign's latest ``OUTCOMES_WINDOW`` actions on
the index ``rewards_action_campaign_new``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from moneyed import Money

from accounts.models import User
from campaigns import pricing
from campaigns.models import (
    ActionType,
    Campaign,
    CampaignStatus,
    PauseReason,
    PlatformLimit,
    RewardRule,
    campaign_name_in,
)
from campaigns.selectors import rule_offer
from merchants.days import merchant_day
from merchants.models import Consent, ConsentField, Merchant
from merchants.selectors import PersonSeen, people_seen_by_merchant, wallet_balance
from rewards.console import calculation_rows
from rewards.decision import Limits, action_price
from rewards.models import CampaignDay, MerchantConsumer, Reward, RewardStatus, SocialAction
from rewards.reasons import NOT_PAID, Explanation, Reader, Reason, action_explain, reason_explain
from social.models import TikTokProfile
from wallets.formats import list_text, money_text

ACTIONS_SHOWN = 20  # a person's latest actions on their page
OUTCOMES_WINDOW = 200  # a campaign's latest actions grouped by outcome
SEARCH_MAX = 254  # the longest e-mail address; anything longer finds nobody
SEARCH_RESULTS = 10

_PHONE = re.compile(r"^\+?[\d\s().-]{7,24}$")
_HANDLE = re.compile(r"^@?[A-Za-z0-9._]{2,64}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$")


ID_MAX = 2**63 - 1  # the largest id the database holds: a bigger number in a URL finds nothing


class DiagnosisNotFound(Exception):
    """Not this merchant's consumer or campaign (the page answers 404)."""


# --- what a fix links to ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    text: str
    url: str = ""
    link: str = ""


def _campaign_url(campaign_id) -> str:
    return (
        reverse("console:campaigns_campaign_change", kwargs={"object_id": campaign_id}) if campaign_id else ""
    )


def fix_for(explanation: Explanation, *, campaign_id: int | None, reward_id: int | None) -> Fix:
    """The fix the explanation gives, with the console page where it is done."""
    code = explanation.code
    if not explanation.fix:
        return Fix("")
    if code == Reason.FUNDS_RAN_OUT:
        return Fix(explanation.fix, reverse("console:add_funds"), _("Add funds"))
    if code == Reason.VIDEO_NOT_APPROVED:
        url = reverse("console:campaigns_ugcsubmission_changelist")
        if campaign_id:
            url += f"?campaign__id__exact={int(campaign_id)}"
        return Fix(explanation.fix, url, _("Review videos"))
    if code == Reason.NO_CAMPAIGN:
        return Fix(explanation.fix, reverse("console:campaigns_campaign_changelist"), _("Your campaigns"))
    if code in (
        Reason.HELD_FOR_REVIEW,
        Reason.REVERSED,
        Reason.REJECTED_AFTER_REVIEW,
        Reason.BANNED,
        Reason.REWARDED_BEFORE,
    ):
        if reward_id:
            url = reverse("console:rewards_reward_change", kwargs={"object_id": reward_id})
            return Fix(explanation.fix, url, _("See the reward"))
        return Fix(explanation.fix)
    if campaign_id:
        return Fix(explanation.fix, _campaign_url(campaign_id), _("Open the campaign"))
    return Fix(explanation.fix)


# --- "Why didn't this consumer get a reward?" --------------------------------------------------------


@dataclass(frozen=True)
class Found:
    ref: int | None  # the merchant's MerchantConsumer id; None: nothing done at the brand yet, no page
    person: PersonSeen
    matched: str  # which shared field matched ("E-mail address", ...)

    @property
    def no_action_yet(self) -> str:
        """What the search says of a person who shares their data with the brand but has no page."""
        if self.ref is not None:
            return ""
        return _(
            "%(person)s shares their data with your brand but has not done anything a campaign pays for yet."
        ) % {"person": self.person.label}


def _normalized_phone(text: str) -> str:
    digits = re.sub(r"[\s().-]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits if re.fullmatch(r"\+[1-9]\d{6,14}", digits) else ""


def _name_part(query: str) -> str:
    """A part of a name to look for (at least three characters, as the console's people pickers:
    ``merchants.selectors.consenting_people_search``), or empty."""
    text = " ".join(query.split())
    return text if 3 <= len(text) <= 150 and text[0] not in "@+" else ""


def consumer_search(*, merchant: Merchant, query: str) -> list[Found]:
    """The people with an active consent for the merchant whose shared name contains ``query`` (case
    aside; on the trigram index ``accounts_user_display_name_trgm``), or whose shared e-mail address,
    phone number or TikTok handle is ``query`` (exactly, case aside). Only fields shared under an
    active consent with this merchant are searched: a field a person did not share finds nobody, as
    in ``merchants.selectors.consenting_people_search``. A person found who has done nothing at the
    brand yet (no ``MerchantConsumer`` row) is found too, with no page (``ref`` None)."""
    query = (query or "").strip()
    if not query or len(query) > SEARCH_MAX or "\x00" in query:
        return []
    consents = Consent.objects.active().filter(merchant=merchant, user__deleted_at__isnull=True)
    matches: dict[int, str] = {}
    name = _name_part(query)
    if name:
        ids = consents.filter(shares_display_name=True, user__display_name__icontains=name).values_list(
            "user_id", flat=True
        )
        matches.update((user_id, str(ConsentField.DISPLAY_NAME.label)) for user_id in ids[:SEARCH_RESULTS])
    if _EMAIL.fullmatch(query):
        users = User.objects.annotate(email_ci=Lower("email")).filter(email_ci=query.lower())
        ids = consents.filter(shares_email=True, user_id__in=users.values("pk")).values_list(
            "user_id", flat=True
        )
        matches.update((user_id, _("E-mail address")) for user_id in ids[:SEARCH_RESULTS])
    phone = _normalized_phone(query) if _PHONE.fullmatch(query) else ""
    if phone:
        users = User.objects.filter(phone=phone, phone_verified=True)
        ids = consents.filter(shares_phone=True, user_id__in=users.values("pk")).values_list(
            "user_id", flat=True
        )
        matches.update((user_id, _("Phone number")) for user_id in ids[:SEARCH_RESULTS])
    if _HANDLE.fullmatch(query):
        profiles = (
            TikTokProfile.objects.annotate(username_ci=Lower("username"))
            .filter(username_ci=query.removeprefix("@").lower(), disconnected_at__isnull=True)
            .values("user_id")
        )
        ids = consents.filter(shares_tiktok_handle=True, user_id__in=profiles).values_list(
            "user_id", flat=True
        )
        matches.update((user_id, _("TikTok handle")) for user_id in ids[:SEARCH_RESULTS])
    if not matches:
        return []
    rows = dict(
        MerchantConsumer.objects.filter(merchant=merchant, user_id__in=list(matches)).values_list(
            "user_id", "pk"
        )
    )
    people = people_seen_by_merchant(merchant=merchant, user_ids=list(matches))
    return [
        Found(ref=rows.get(user_id), person=people[user_id], matched=matches[user_id])
        for user_id in sorted(matches)
        if user_id in people
    ]


@dataclass(frozen=True)
class ActionLine:
    action: SocialAction
    label: str  # what they did
    campaign_name: str
    explanation: Explanation
    fix: Fix
    figures: list[tuple[str, str]]
    not_paid: bool
    reward: Reward | None


@dataclass(frozen=True)
class ShareHint:
    """A live share campaign none of the person's posts has counted for yet: what a post must carry."""

    campaign: Campaign
    text: str
    fix: Fix


@dataclass(frozen=True)
class ConsumerDiagnosis:
    ref: int
    person: PersonSeen
    lines: list[ActionLine]
    share_hints: list[ShareHint] = field(default_factory=list)

    @property
    def not_paid(self) -> int:
        return sum(1 for line in self.lines if line.not_paid)


def _money(amount, currency: str) -> str:
    try:
        return money_text(Money(Decimal(str(amount)), currency))
    except (ArithmeticError, ValueError, LookupError):
        return f"{amount} {currency}"


_FIGURE_LABELS = {
    "price": lambda: _("Reward price"),
    "user_amount": lambda: _("The person's share"),
    "funds": lambda: _("Your funds then"),
    "short": lambda: _("Missing"),
    "budget": lambda: _("Budget"),
    "spent": lambda: _("Spent then"),
    "cap": lambda: _("Limit"),
    "earned": lambda: _("Earned by the person then"),
}


def _figures(action: SocialAction, reward: Reward | None) -> list[tuple[str, str]]:
    """The figures the engine recorded with its decision, and the reward's own calculation."""
    params = action.reason_params or {}
    currency = str(params.get("currency") or (reward.currency if reward else ""))
    rows = []
    for key, label in _FIGURE_LABELS.items():
        value = params.get(key)
        if value not in (None, "") and currency:
            rows.append((label(), _money(value, currency)))
    if params.get("max_rewards") not in (None, ""):
        rows.append((_("Most rewards offered"), str(params["max_rewards"])))
    if reward is not None:
        rows.append((_("Reward status"), str(reward.get_status_display())))
        rows.extend(calculation_rows(reward.calculation, reward.currency))
    return rows


def _as_the_reward_stands(explanation: Explanation, reward: Reward | None, now: datetime) -> Explanation:
    """The engine records its decision when it pays ("paid; the reward waits for its hold period"); what
    happened to the reward since is its own status, by the rule the engine settles on (``Reward.objects.due``:
    pending until ``available_at``, then confirmed or reversed) and the reward list shows."""
    if reward is None or explanation.code not in (Reason.PAID, Reason.HELD_FOR_REVIEW):
        return explanation
    price = _money(reward.merchant_price, reward.currency)
    if reward.status == RewardStatus.PENDING:
        if explanation.code == Reason.PAID and reward.available_at > now:
            return explanation  # the engine's words are still true
        if reward.available_at > now:
            text = _("Paid %(price)s; the reward waits for its hold period to end on %(when)s.")
        else:
            text = _(
                "Paid %(price)s; its hold period ended on %(when)s: the reward becomes available once TikJoy "
                "has checked that its conditions still hold."
            )
        when = formats.date_format(timezone.localtime(reward.available_at), "DATETIME_FORMAT")
        return Explanation(
            code=explanation.code,
            title=str(reward.get_status_display()),
            text=text % {"price": price, "when": when},
        )
    if reward.status == RewardStatus.CONFIRMED:
        return Explanation(
            code=explanation.code,
            title=str(reward.get_status_display()),
            text=_("Paid %(price)s; the reward is available to the person.") % {"price": price},
        )
    if reward.status == RewardStatus.REVERSED:
        return reason_explain(
            Reason.REVERSED, {"reason": reward.reason, "currency": reward.currency}, reader=Reader.MERCHANT
        )
    return explanation  # HELD: held for review, as the engine recorded


def consumer_diagnosis(*, merchant: Merchant, ref: int, now: datetime) -> ConsumerDiagnosis:
    """A person's latest actions for the merchant, each with the engine's decision in words, the
    figures it recorded and the fix; and the live share campaigns none of their posts counted for."""
    if not 0 < ref <= ID_MAX:
        raise DiagnosisNotFound
    row = MerchantConsumer.objects.filter(pk=ref, merchant=merchant).values_list("user_id", flat=True).first()
    if row is None:
        raise DiagnosisNotFound
    user_id = row
    person = people_seen_by_merchant(merchant=merchant, user_ids=[user_id])[user_id]
    actions = list(
        SocialAction.objects.filter(user_id=user_id, merchant=merchant)
        .select_related("campaign", "merchant")
        # Each campaign named in the reader's language, as the console's lists name it.
        .annotate(campaign_name_read=campaign_name_in(get_language(), path="campaign__"))
        .order_by("-occurred_at", "-pk")[:ACTIONS_SHOWN]
    )
    rewards: dict[int, Reward] = {}
    for reward in Reward.objects.filter(action_id__in=[a.pk for a in actions], kind="ACTION"):
        rewards[reward.action_id] = reward
    lines = []
    for action in actions:
        reward = rewards.get(action.pk)
        explanation = _as_the_reward_stands(action_explain(action, reader=Reader.MERCHANT), reward, now)
        campaign_id = action.campaign_id or (action.reason_params or {}).get("campaign")
        lines.append(
            ActionLine(
                action=action,
                label=str(ActionType(action.action_type).label),
                campaign_name=action.campaign_name_read if action.campaign else "",
                explanation=explanation,
                fix=fix_for(explanation, campaign_id=campaign_id, reward_id=reward.pk if reward else None),
                figures=_figures(action, reward),
                not_paid=action.reason in NOT_PAID
                or (not action.reason and action.status in ("INELIGIBLE", "UNFUNDED")),
                reward=reward,
            )
        )
    return ConsumerDiagnosis(
        ref=ref, person=person, lines=lines, share_hints=_share_hints(merchant, user_id, actions, now)
    )


def _share_hints(
    merchant: Merchant, user_id: int, actions: list[SocialAction], now: datetime
) -> list[ShareHint]:
    """Shares are found on the person's TikTok profile only when a post's caption carries the campaign's
    hashtag or mention: for each live share campaign with no share of theirs, what a post must carry."""
    shared = set(
        SocialAction.objects.filter(user_id=user_id, merchant=merchant, action_type=ActionType.SHARE_VIDEO)
        .values_list("campaign_id", flat=True)
        .distinct()[:100]
    )
    joined = min((a.occurred_at for a in actions), default=None)
    hints = []
    campaigns = (
        Campaign.objects.live(now=now)
        .filter(merchant=merchant, rules__action=ActionType.SHARE_VIDEO, rules__is_enabled=True)
        .exclude(pk__in=shared)
        .distinct()
        .annotate(name_read=campaign_name_in(get_language()))
        .order_by("starts_at", "pk")[:5]
    )
    for campaign in campaigns:
        since = max(campaign.starts_at, joined) if joined else campaign.starts_at
        when = formats.date_format(timezone.localtime(since), "DATETIME_FORMAT")
        if campaign.requirement:
            text = _(
                "No post of theirs has counted as a share for “%(campaign)s” yet. A post counts when its "
                "caption carries %(requirement)s and it was posted after %(when)s; posts are looked for on "
                "their TikTok profile every 15 minutes."
            ) % {"campaign": campaign.name_read, "requirement": campaign.requirement, "when": when}
            fix = Fix(
                _("Tell them the caption must contain %(requirement)s.")
                % {"requirement": campaign.requirement}
            )
        else:
            text = _(
                "“%(campaign)s” rewards shares but has no hashtag or mention: no post can be matched to it."
            ) % {"campaign": campaign.name_read}
            fix = Fix(
                _("Give the campaign a hashtag or a mention."),
                _campaign_url(campaign.pk),
                _("Open the campaign"),
            )
        hints.append(ShareHint(campaign=campaign, text=text, fix=fix))
    return hints


# --- "Why isn't my campaign paying?" ------------------------------------------------------------------

OK, WARN, PROBLEM, INFO = "OK", "WARN", "PROBLEM", "INFO"


@dataclass(frozen=True)
class Check:
    key: str
    level: str  # OK | WARN | PROBLEM | INFO
    title: str
    text: str
    fix: Fix = Fix("")


@dataclass(frozen=True)
class OutcomeGroup:
    code: str
    title: str
    count: int
    example: Explanation
    fix: Fix
    not_paid: bool


@dataclass(frozen=True)
class CampaignDiagnosis:
    campaign: Campaign
    checks: list[Check]
    outcomes: list[OutcomeGroup]
    window: int  # how many recent actions the outcomes are counted over
    counted: int  # how many there were

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.level == PROBLEM]


def campaign_list(*, merchant: Merchant) -> list[Campaign]:
    """The merchant's latest campaigns, each named in the reader's language (``campaign_name_in``)."""
    return list(
        Campaign.objects.filter(merchant=merchant)
        .annotate(name_read=campaign_name_in(get_language()))
        .order_by("-starts_at", "-pk")[:50]
    )


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def _status_check(campaign: Campaign, url: str) -> Check:
    title = _("Status")
    if campaign.status == CampaignStatus.ACTIVE:
        return Check("status", OK, title, _("Live."))
    if campaign.status == CampaignStatus.DRAFT:
        return Check(
            "status",
            PROBLEM,
            title,
            _("A draft: it was never launched."),
            Fix(_("Launch the campaign."), url, _("Open the campaign")),
        )
    if campaign.status == CampaignStatus.ENDED:
        return Check(
            "status",
            PROBLEM,
            title,
            _("Ended: it pays nothing more."),
            Fix(
                _("Start a new campaign."),
                reverse("console:campaigns_campaign_changelist"),
                _("Your campaigns"),
            ),
        )
    if campaign.pause_reason == PauseReason.FUNDS:
        return Check(
            "status",
            PROBLEM,
            title,
            _("Paused by TikJoy: your prepaid funds ran out."),
            Fix(
                _(
                    "Top up your wallet: the campaign goes live again by itself once the funds cover its smallest reward."
                ),
                reverse("console:add_funds"),
                _("Add funds"),
            ),
        )
    if campaign.pause_reason == PauseReason.BUDGET:
        return Check(
            "status",
            PROBLEM,
            title,
            _("Paused by TikJoy: the campaign's budget is spent."),
            Fix(_("Raise the budget, then resume the campaign."), url, _("Open the campaign")),
        )
    return Check(
        "status",
        PROBLEM,
        title,
        _("Paused by your team."),
        Fix(_("Resume the campaign."), url, _("Open the campaign")),
    )


def _dates_check(campaign: Campaign, now: datetime, url: str) -> Check:
    title = _("Dates")
    if campaign.status == CampaignStatus.ENDED:
        # An ended campaign never changes again (campaigns.services), so its last change is the moment
        # it was ended: by the team, or when its end date passed (then the end date itself).
        ended = min(campaign.updated_at, campaign.ends_at) if campaign.ends_at else campaign.updated_at
        figures = {"starts": _when(campaign.starts_at), "ended": _when(ended)}
        if campaign.starts_at < ended:
            text = _("It ran from %(starts)s until it ended on %(ended)s.") % figures
        else:
            text = _("It ended on %(ended)s, before its start (%(starts)s).") % figures
        return Check("dates", INFO, title, text)
    if campaign.starts_at > now:
        return Check(
            "dates",
            PROBLEM,
            title,
            _("It starts %(starts)s: nothing is paid before.") % {"starts": _when(campaign.starts_at)},
            Fix(_("Move the start earlier if it should pay now."), url, _("Open the campaign")),
        )
    if campaign.ends_at is not None and campaign.ends_at <= now:
        return Check(
            "dates",
            PROBLEM,
            title,
            _("It ended %(ends)s.") % {"ends": _when(campaign.ends_at)},
            Fix(_("Extend the end date, or start a new campaign."), url, _("Open the campaign")),
        )
    if campaign.ends_at is not None and campaign.ends_at - now < timedelta(days=3):
        return Check(
            "dates",
            WARN,
            title,
            _("It ends soon: %(ends)s.") % {"ends": _when(campaign.ends_at)},
            Fix(_("Extend the end date if it should go on."), url, _("Open the campaign")),
        )
    if campaign.ends_at is None:
        return Check(
            "dates",
            OK,
            title,
            _("Running since %(starts)s, with no end date.") % {"starts": _when(campaign.starts_at)},
        )
    return Check(
        "dates",
        OK,
        title,
        _("Running from %(starts)s to %(ends)s.")
        % {"starts": _when(campaign.starts_at), "ends": _when(campaign.ends_at)},
    )


@dataclass(frozen=True)
class _Runway:
    balance: Money
    per_day: Decimal  # the recent rate: the larger of the 7-day average and the busiest of the last 2 days

    @property
    def short(self) -> bool:
        return self.per_day > 0 and self.balance.amount < self.per_day


def _runway(merchant: Merchant, now: datetime) -> _Runway:
    """The merchant's funds against what its rewards cost lately, from the engine's daily figures
    (``CampaignDay``: one row a campaign a day, net of reversals), not the ledger's entries, so the
    page reads a few dozen rows whatever the merchant's history."""
    today = merchant_day(merchant, now)
    days = dict.fromkeys((today - timedelta(days=n) for n in range(7)), Decimal(0))
    for day, paid in CampaignDay.objects.filter(
        campaign__merchant=merchant, campaign__currency=merchant.currency, day_date__in=list(days)
    ).values_list("day_date", "rewards_paid"):
        days[day] += paid
    average = (sum(days.values()) / 7).quantize(Decimal("0.01"))
    recent = max(days[today], days[today - timedelta(days=1)])
    return _Runway(balance=wallet_balance(merchant=merchant), per_day=max(average, recent))


def _funds_check(merchant: Merchant, campaign: Campaign, rules: list[RewardRule], now: datetime) -> Check:
    title = _("Funds")
    runway = _runway(merchant, now)
    currency = str(runway.balance.currency)
    balance = _money(runway.balance.amount, currency)
    fixed = [r.amount for r in rules if r.is_enabled and r.amount > 0]
    smallest = min(fixed) if fixed else Decimal("0.01")
    add = Fix("", reverse("console:add_funds"), _("Add funds"))
    if currency == campaign.currency and runway.balance.amount < smallest:
        need = _money(smallest - runway.balance.amount, currency)
        return Check(
            "funds",
            PROBLEM,
            title,
            _("Your wallet holds %(balance)s: less than the campaign's smallest reward (%(smallest)s).")
            % {"balance": balance, "smallest": _money(smallest, currency)},
            Fix(
                _("Top up your wallet: you need at least %(need)s more.") % {"need": need}, add.url, add.link
            ),
        )
    if runway.short:
        return Check(
            "funds",
            WARN,
            title,
            _(
                "Your wallet holds %(balance)s: less than one day of rewards at the recent rate of %(rate)s "
                "a day."
            )
            % {"balance": balance, "rate": _money(runway.per_day, currency)},
            Fix(
                _("Top up your wallet soon: when the funds run out, rewards stop and the campaign pauses."),
                add.url,
                add.link,
            ),
        )
    if runway.per_day > 0:
        days = int(runway.balance.amount / runway.per_day)
        return Check(
            "funds",
            OK,
            title,
            _(
                "Your wallet holds %(balance)s: about %(days)s days of rewards at the recent rate of %(rate)s "
                "a day."
            )
            % {"balance": balance, "days": days, "rate": _money(runway.per_day, currency)},
        )
    return Check("funds", OK, title, _("Your wallet holds %(balance)s.") % {"balance": balance})


def _budget_check(campaign: Campaign, url: str) -> Check:
    title = _("Budget")
    if campaign.budget is None:
        return Check(
            "budget",
            OK,
            title,
            _("No budget: it pays as long as your funds last. Spent so far: %(spent)s.")
            % {"spent": _money(campaign.spent, campaign.currency)},
        )
    figures = {
        "spent": _money(campaign.spent, campaign.currency),
        "budget": _money(campaign.budget, campaign.currency),
    }
    if campaign.spent >= campaign.budget:
        return Check(
            "budget",
            PROBLEM,
            title,
            _("Spent %(spent)s of %(budget)s: the budget is used up.") % figures,
            Fix(_("Raise the budget, then resume the campaign."), url, _("Open the campaign")),
        )
    if campaign.budget > 0 and campaign.spent / campaign.budget >= Decimal("0.9"):
        return Check(
            "budget",
            WARN,
            title,
            _("Spent %(spent)s of %(budget)s: almost used up.") % figures,
            Fix(_("Raise the budget if it should go on."), url, _("Open the campaign")),
        )
    return Check("budget", OK, title, _("Spent %(spent)s of %(budget)s.") % figures)


def _limits(limits: PlatformLimit | None) -> Limits:
    return (
        Limits() if limits is None else Limits(max_reward=limits.max_reward, max_per_post=limits.max_per_post)
    )


def _action_prices(campaign: Campaign, rule: RewardRule, limits: PlatformLimit | None) -> tuple:
    """What the engine charges for the rule's action to a customer new to the brand and to a returning
    one: ((price, cut to the maximum), (price, cut)), by the engine's own rule (``action_price``)."""
    bounds = _limits(limits)
    return tuple(
        action_price(rule=rule, campaign=campaign, multiplier=multiplier, limits=bounds)
        for multiplier in (campaign.new_user_multiplier, campaign.returning_user_multiplier)
    )


def _caps_check(campaign: Campaign, rules: list[RewardRule], limits: PlatformLimit | None, url: str) -> Check:
    title = _("Limits per person")
    caps = []
    if campaign.user_campaign_cap is not None:
        caps.append(
            _("%(cap)s per person in all") % {"cap": _money(campaign.user_campaign_cap, campaign.currency)}
        )
    if campaign.user_daily_cap is not None:
        caps.append(
            _("%(cap)s per person a day") % {"cap": _money(campaign.user_daily_cap, campaign.currency)}
        )
    if not caps:
        return Check("caps", OK, title, _("No limit per person."))
    tightest = min(c for c in (campaign.user_campaign_cap, campaign.user_daily_cap) if c is not None)
    text = list_text(caps) + "."  # French: "au total ; 10,00 €"
    fix = Fix(_("Raise the limit per person, or lower the reward."), url, _("Open the campaign"))
    for rule in rules:
        if not rule.is_enabled or rule.amount <= 0:
            continue
        new, returning = (price for price, _was_cut in _action_prices(campaign, rule, limits))
        figures = {"action": rule.get_action_display()}
        if new > tightest and returning > tightest:
            figures["amount"] = _money(min(new, returning), campaign.currency)
            sentence = _("%(action)s pays %(amount)s: more than a person may earn, so it never pays.")
        elif new > tightest:
            figures["amount"] = _money(new, campaign.currency)
            sentence = _(
                "%(action)s pays %(amount)s to a customer new to your brand (with the multiplier): more than a "
                "person may earn, so new customers are never paid for it."
            )
        elif returning > tightest:
            figures["amount"] = _money(returning, campaign.currency)
            sentence = _(
                "%(action)s pays %(amount)s to a returning customer (with the multiplier): more than a person "
                "may earn, so returning customers are never paid for it."
            )
        else:
            continue
        return Check("caps", PROBLEM, title, text + " " + sentence % figures, fix)
    return Check(
        "caps",
        INFO,
        title,
        text + " " + _("People who reach them are paid nothing more (see the outcomes below)."),
    )


def _rule_prices(
    campaign: Campaign, rule: RewardRule, user_share: Decimal | None, limits: PlatformLimit | None
) -> str:
    """What the merchant pays for the rule's action and what the person gets, for a customer new to
    the brand and a returning one (the campaign's multipliers), cut to the campaign's and the
    platform's maximum per reward, as the engine pays and the brand page offers it
    (``campaigns.pricing.action_price_capped``, ``campaigns.selectors.rule_offer``)."""
    name = rule.get_action_display()
    platform_max_reward = limits.max_reward if limits is not None else None
    platform_max_per_post = limits.max_per_post if limits is not None else None
    max_reward = pricing.smallest(campaign.max_reward, platform_max_reward)

    def price_for(multiplier: Decimal):
        return pricing.action_price_capped(
            amount=rule.amount, multiplier=multiplier, max_reward=max_reward, currency=campaign.currency
        )[0]

    price = price_for(campaign.new_user_multiplier)
    returning_price = price_for(campaign.returning_user_multiplier)
    figures = {
        "action": name,
        "price": _money(price.amount, campaign.currency),
        "returning_price": _money(returning_price.amount, campaign.currency),
    }
    if user_share is None:  # no pricing plan: the person's share is unknown
        if price == returning_price:
            return _("%(action)s: you pay %(price)s.") % figures
        return (
            _("%(action)s: you pay %(price)s for a new customer, %(returning_price)s for a returning one.")
            % figures
        )
    offer = rule_offer(
        rule=rule,
        campaign=campaign,
        user_share=user_share,
        platform_max_reward=platform_max_reward,
        platform_max_per_post=platform_max_per_post,
    )
    figures["gets"] = _money(offer.new_user.amount, campaign.currency)
    figures["returning_gets"] = _money(offer.returning_user.amount, campaign.currency)
    if price == returning_price:
        return _("%(action)s: you pay %(price)s; the person gets %(gets)s.") % figures
    return (
        _(
            "%(action)s: you pay %(price)s for a new customer, who gets %(gets)s; %(returning_price)s for "
            "a customer who has earned with you before, who gets %(returning_gets)s."
        )
        % figures
    )


def _rules_checks(
    campaign: Campaign,
    rules: list[RewardRule],
    limits: PlatformLimit | None,
    url: str,
    user_share: Decimal | None,
) -> list[Check]:
    title = _("Reward rules")
    enabled = [r for r in rules if r.is_enabled]
    if not enabled:
        return [
            Check(
                "rules",
                PROBLEM,
                title,
                _("No reward rule is switched on: nothing is paid."),
                Fix(_("Switch a reward rule on."), url, _("Open the campaign")),
            )
        ]
    checks = []
    for rule in enabled:
        name = rule.get_action_display()
        if rule.max_rewards is not None:
            figures = {"action": name, "paid": rule.rewards_paid, "max": rule.max_rewards}
            if rule.rewards_paid >= rule.max_rewards:
                checks.append(
                    Check(
                        f"rule-{rule.pk}",
                        PROBLEM,
                        title,
                        _("%(action)s: all %(max)s rewards offered are paid.") % figures,
                        Fix(_("Raise the rule's maximum number of rewards."), url, _("Open the campaign")),
                    )
                )
                continue
            if rule.rewards_paid >= rule.max_rewards * 0.9:
                checks.append(
                    Check(
                        f"rule-{rule.pk}",
                        WARN,
                        title,
                        _("%(action)s: %(paid)s of %(max)s rewards paid.") % figures,
                        Fix(
                            _("Raise the rule's maximum number of rewards if it should go on."),
                            url,
                            _("Open the campaign"),
                        ),
                    )
                )
                continue
        if rule.action == ActionType.SHARE_VIDEO and not campaign.requirement:
            checks.append(
                Check(
                    f"rule-{rule.pk}",
                    PROBLEM,
                    title,
                    _("%(action)s: the campaign has no hashtag or mention, so no post can be matched to it.")
                    % {"action": name},
                    Fix(_("Give the campaign a hashtag or a mention."), url, _("Open the campaign")),
                )
            )
            continue
        prices = _action_prices(campaign, rule, limits) if rule.amount > 0 else ()
        cut = [price for price, was_cut in prices if was_cut]
        if cut:
            multiplied = [
                pricing.apply_multiplier(price=Money(rule.amount, campaign.currency), multiplier=m).amount
                for m in (campaign.new_user_multiplier, campaign.returning_user_multiplier)
            ]
            checks.append(
                Check(
                    f"rule-{rule.pk}",
                    WARN,
                    title,
                    _("%(action)s: %(amount)s is cut to the largest reward allowed, %(ceiling)s.")
                    % {
                        "action": name,
                        "amount": _money(max(multiplied), campaign.currency),
                        "ceiling": _money(cut[0], campaign.currency),
                    },
                )
            )
            continue
        if rule.action == ActionType.SHARE_VIDEO:
            text = _("%(action)s: posts must carry %(requirement)s in their caption.") % {
                "action": name,
                "requirement": campaign.requirement,
            }
        else:
            text = _rule_prices(campaign, rule, user_share, limits)
        checks.append(Check(f"rule-{rule.pk}", OK, title, text))
    return checks


def _outcomes(campaign: Campaign, now: datetime) -> tuple[list[OutcomeGroup], int]:
    recent = list(
        SocialAction.objects.filter(campaign=campaign)
        .order_by("-created_at", "-pk")
        .values("pk", "reason", "reason_params", "status", "status_detail")[:OUTCOMES_WINDOW]
    )
    counts = Counter(row["reason"] for row in recent)
    examples = {}
    for row in recent:  # newest first: each group's example is its latest action
        examples.setdefault(row["reason"], row)
    paid = [examples[code]["pk"] for code in (Reason.PAID, Reason.HELD_FOR_REVIEW) if code in examples]
    rewards = (
        {r.action_id: r for r in Reward.objects.filter(action_id__in=paid, kind="ACTION")} if paid else {}
    )
    groups = []
    for code, count in counts.most_common():
        row = examples[code]
        recorded = reason_explain(
            code, row["reason_params"], reader=Reader.MERCHANT, legacy_text=row["status_detail"]
        )
        # The group is the recorded decision; its latest example reads as its reward stands now.
        explanation = _as_the_reward_stands(recorded, rewards.get(row["pk"]), now)
        title = recorded.title or _("Decided before reasons were recorded")
        groups.append(
            OutcomeGroup(
                code=code,
                title=title,
                count=count,
                example=explanation,
                fix=fix_for(explanation, campaign_id=campaign.pk, reward_id=None),
                not_paid=code in NOT_PAID,
            )
        )
    groups.sort(key=lambda g: (not g.not_paid, -g.count))
    return groups, len(recent)


def _user_share(merchant: Merchant) -> Decimal | None:
    try:
        return pricing.plan_for(merchant).user_share
    except pricing.NoPricingPlan:
        return None


def campaign_diagnosis(*, merchant: Merchant, campaign_id: int, now: datetime) -> CampaignDiagnosis:
    if not 0 < campaign_id <= ID_MAX:
        raise DiagnosisNotFound
    campaign = (
        Campaign.objects.filter(pk=campaign_id, merchant=merchant)
        .annotate(name_read=campaign_name_in(get_language()))
        .first()
    )
    if campaign is None:
        raise DiagnosisNotFound
    url = _campaign_url(campaign.pk)
    rules = list(RewardRule.objects.filter(campaign=campaign).order_by("pk"))
    limits = PlatformLimit.objects.filter(currency=campaign.currency).first()
    checks = [
        _status_check(campaign, url),
        _dates_check(campaign, now, url),
        _funds_check(merchant, campaign, rules, now),
        _budget_check(campaign, url),
        _caps_check(campaign, rules, limits, url),
        *_rules_checks(campaign, rules, limits, url, _user_share(merchant)),
    ]
    if limits is not None:
        checks.append(
            Check(
                "platform",
                INFO,
                _("Platform limits"),
                _(
                    "TikJoy pays at most %(max_reward)s per reward and %(max_per_post)s per shared post in %(currency)s."
                )
                % {
                    "max_reward": _money(limits.max_reward, limits.currency),
                    "max_per_post": _money(limits.max_per_post, limits.currency),
                    "currency": limits.currency,
                },
            )
        )
    outcomes, counted = _outcomes(campaign, now)
    return CampaignDiagnosis(
        campaign=campaign, checks=checks, outcomes=outcomes, window=OUTCOMES_WINDOW, counted=counted
    )
