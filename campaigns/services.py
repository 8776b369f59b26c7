"""Every write in the campaigns app. Keyword-only, typed, ``<entity>_<action>``.

Validation of a campaign and its rules lives in :func:`campaign_validate` (the console form
calls it too, so the form and the service reject the same things with the same words).
``Campaign.spent`` and ``RewardRule.rewards_paid`` are never written here: the reward engine
owns them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import signals
from campaigns.models import (
    MAX_VIDEOS_PER_MERCHANT,
    ActionType,
    Campaign,
    CampaignStatus,
    CampaignText,
    PauseReason,
    PlatformLimit,
    RewardRule,
    UgcPolicy,
    UgcStatus,
    UgcSubmission,
    Video,
    VideoText,
    tags_normalize,
)
from campaigns.selectors import ugc_can_submit
from core.errors import DomainError, EditConflict
from core.i18n import after_colon, label_in_sentence, recipient_locale
from core.tasks import mail_after_commit
from merchants.locale import member_locale
from merchants.models import Membership, Merchant
from merchants.roles import Capability, role_can
from merchants.selectors import wallet_balance
from wallets.formats import money_text, number_text

ENGAGEMENT_FIELDS = ("per_1000_views", "per_like", "per_comment", "per_share")
RULE_FIELDS = ("is_enabled", "amount", *ENGAGEMENT_FIELDS, "max_per_post", "max_rewards")
CAMPAIGN_FIELDS = (
    "name",
    "starts_at",
    "ends_at",
    "budget",
    "hashtag",
    "mention",
    "hold_days",
    "ugc_policy",
    "min_reward",
    "max_reward",
    "new_user_multiplier",
    "returning_user_multiplier",
    "user_daily_cap",
    "user_campaign_cap",
    "language",
)
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
VIDEO_CAPTION_MAX = 2200  # TikTok's limit for a post's caption
TAG_PATTERN = re.compile(r"^[\w.]{1,99}$")


class CampaignError(DomainError):
    """A campaign, rule, video or UGC request that breaks a rule; ``str()`` is shown to the person.

    A ``MerchantError`` so that the console shows it as a message instead of failing.
    """


class CampaignInvalid(CampaignError):
    """Field-by-field problems: ``errors`` maps a field name (``None``: the whole form) to messages."""

    def __init__(self, errors: dict[str | None, list[str]]):
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


class NotAllowed(CampaignError):
    pass


class LibraryFull(CampaignError):
    pass


class VideoInvalid(CampaignError):
    pass


class UgcNotAllowed(CampaignError):
    pass


class UgcWrongState(CampaignError):
    pass


# --- permissions ----------------------------------------------------------------------------------


def _require(*, merchant: Merchant, actor, capability: Capability = Capability.MANAGE_CAMPAIGNS) -> None:
    role, closed_at = (
        Membership.objects.filter(merchant=merchant, user=actor)
        .values_list("role", "merchant__closed_at")
        .first()
        if actor is not None and actor.is_authenticated
        else None
    ) or (None, None)
    if not role_can(role, capability, closed=closed_at is not None):
        if closed_at is not None and role_can(role, capability):
            raise NotAllowed(
                _("%(brand)s is closed: its campaigns can be read, not changed.")
                % {"brand": merchant.brand_name}
            )
        raise NotAllowed(_("Your role in this merchant does not allow this."))


# --- validation -----------------------------------------------------------------------------------


@dataclass
class _Errors:
    errors: dict[str | None, list[str]] = field(default_factory=dict)

    def add(self, name: str | None, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise CampaignInvalid(self.errors)


def tag_normalize(value: str, prefix: str) -> str:
    """``"#Summer "`` -> ``"Summer"``: stored without the leading ``#`` / ``@``."""
    return (value or "").strip().lstrip(prefix).strip()


def platform_limit_for(currency: str) -> PlatformLimit:
    limit = PlatformLimit.objects.filter(currency=currency).first()
    if limit is None:
        raise CampaignError(
            _("Rewards in %(currency)s are not open yet: ops must set the platform limits.")
            % {"currency": currency}
        )
    return limit


def _money(value: Decimal | None, currency: str) -> str:
    """An amount in a message to the merchant, as their language writes it (``wallets.formats``)."""
    return "-" if value is None else money_text(value, currency)


def campaign_validate(*, values: dict[str, Any], rules: Iterable[dict[str, Any]], currency: str) -> None:
    """Raise :class:`CampaignInvalid` listing every contradiction in a campaign and its rules.

    ``values`` holds the campaign's fields (``CAMPAIGN_FIELDS``); each rule dict holds ``action``,
    ``RULE_FIELDS`` and, for an existing rule, ``rewards_paid``.
    """
    e = _Errors()
    limit = platform_limit_for(currency)
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        e.add("ends_at", _("The end must be after the start."))
    budget = values.get("budget")
    if budget is not None and budget <= 0:
        e.add("budget", _("The budget must be more than zero, or empty for no budget."))
    hold_days = values.get("hold_days")
    if hold_days is not None and not 0 <= hold_days <= 365:
        e.add("hold_days", _("The hold period is 0 to 365 days."))
    for name, prefix in (("hashtag", "#"), ("mention", "@")):
        tag = tag_normalize(values.get(name, ""), prefix)
        if tag and not TAG_PATTERN.match(tag):
            e.add(
                name,
                _("Use letters, digits, underscores and dots only, without spaces (e.g. %(example)s).")
                % {"example": f"{prefix}joyback"},
            )
    low, high = values.get("min_reward"), values.get("max_reward")
    for name, value in (("min_reward", low), ("max_reward", high)):
        if value is not None and value < 0:
            e.add(name, _("A limit cannot be below zero."))
    if low is not None and high is not None and high < low:
        e.add(
            "max_reward",
            _("The maximum (%(high)s) is below the minimum (%(low)s).")
            % {"high": _money(high, currency), "low": _money(low, currency)},
        )
    if low is not None and low < limit.min_reward:
        e.add(
            "min_reward",
            _("The platform's minimum per reward is %(amount)s.")
            % {"amount": _money(limit.min_reward, currency)},
        )
    if high is not None and high > limit.max_reward:
        e.add(
            "max_reward",
            _("The platform's maximum per reward is %(amount)s.")
            % {"amount": _money(limit.max_reward, currency)},
        )
    multipliers = []
    for name in ("new_user_multiplier", "returning_user_multiplier"):
        value = values.get(name)
        if value is not None and value <= 0:
            e.add(name, _("A multiplier must be more than zero (1.00 = no change)."))
        elif value is not None:
            multipliers.append(value)
    daily, per_campaign = values.get("user_daily_cap"), values.get("user_campaign_cap")
    for name, value in (("user_daily_cap", daily), ("user_campaign_cap", per_campaign)):
        if value is not None and value < 0:
            e.add(name, _("A cap cannot be below zero."))
    if daily is not None and per_campaign is not None and daily > per_campaign:
        e.add(
            "user_daily_cap",
            _("The daily cap per user cannot be above the cap per user for the whole campaign."),
        )

    floor = max(limit.min_reward, low if low is not None else Decimal(0))
    ceiling = min(limit.max_reward, high if high is not None else limit.max_reward)
    lowest_multiplier, highest_multiplier = min(multipliers, default=1), max(multipliers, default=1)
    seen = set()
    for rule in rules:
        action = rule["action"]
        label = ActionType(action).label
        if action in seen:
            e.add(None, _("%(action)s: only one rule per action.") % {"action": label})
        seen.add(action)
        for name in ("amount", *ENGAGEMENT_FIELDS, "max_per_post"):
            value = rule.get(name)
            if value is not None and value < 0:
                e.add(None, _("%(action)s: amounts and rates cannot be below zero.") % {"action": label})
                break
        max_rewards = rule.get("max_rewards")
        if max_rewards is not None and max_rewards < rule.get("rewards_paid", 0):
            e.add(
                None,
                _("%(action)s: the cap (%(cap)s) is below the %(paid)s rewards already paid.")
                % {"action": label, "cap": max_rewards, "paid": rule["rewards_paid"]},
            )
        engagement = any(rule.get(name) for name in ENGAGEMENT_FIELDS)
        if action != ActionType.SHARE_VIDEO and (engagement or rule.get("max_per_post") is not None):
            e.add(
                None,
                _(
                    "%(action)s: rates per view, like, comment and share and a maximum per post are for shares only."
                )
                % {"action": label},
            )
        max_per_post = rule.get("max_per_post")
        if max_per_post is not None and max_per_post > limit.max_per_post:
            e.add(
                None,
                _("%(action)s: the platform's maximum per post is %(amount)s.")
                % {"action": label, "amount": _money(limit.max_per_post, currency)},
            )
        if not rule.get("is_enabled"):
            continue
        amount = rule.get("amount") or Decimal(0)
        if amount == 0 and not (action == ActionType.SHARE_VIDEO and engagement):
            e.add(
                None,
                _("%(action)s: an enabled rule must pay something (or untick “enabled”).")
                % {"action": label},
            )
        elif amount > 0:
            if amount * lowest_multiplier < floor:
                # The multiplier is named only when it is not 1 ("times 1 for some users" says nothing).
                below = (
                    _("%(action)s: %(amount)s is below the minimum per reward of %(limit)s.")
                    if lowest_multiplier == 1
                    else _(
                        "%(action)s: %(amount)s (times %(multiplier)s for some users) is below the "
                        "minimum per reward of %(limit)s."
                    )
                )
                e.add(
                    None,
                    below
                    % {
                        "action": label,
                        "amount": _money(amount, currency),
                        "multiplier": number_text(lowest_multiplier),
                        "limit": _money(floor, currency),
                    },
                )
            if amount * highest_multiplier > ceiling:
                above = (
                    _("%(action)s: %(amount)s is above the maximum per reward of %(limit)s.")
                    if highest_multiplier == 1
                    else _(
                        "%(action)s: %(amount)s (times %(multiplier)s for some users) is above the "
                        "maximum per reward of %(limit)s."
                    )
                )
                e.add(
                    None,
                    above
                    % {
                        "action": label,
                        "amount": _money(amount, currency),
                        "multiplier": number_text(highest_multiplier),
                        "limit": _money(ceiling, currency),
                    },
                )
        if action == ActionType.SHARE_VIDEO and not (
            tag_normalize(values.get("hashtag", ""), "#") or tag_normalize(values.get("mention", ""), "@")
        ):
            e.add(None, _("Sharing is rewarded, so set a hashtag and/or an @mention the post must carry."))
    language = values.get("language")
    if language is not None and language not in LANGUAGE_CODES:
        e.add("language", _("Choose a language from the list."))
    e.raise_if_any()


def _rule_values(rule: RewardRule) -> dict[str, Any]:
    return {
        "action": rule.action,
        "rewards_paid": rule.rewards_paid,
        **{n: getattr(rule, n) for n in RULE_FIELDS},
    }


def _campaign_values(campaign: Campaign) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}


# --- campaigns ------------------------------------------------------------------------------------


def _rules_save(*, campaign: Campaign, rules: list[dict[str, Any]]) -> None:
    limit = platform_limit_for(campaign.currency)
    for rule in rules:
        values = {name: rule.get(name) for name in RULE_FIELDS}
        for name in ("amount", *ENGAGEMENT_FIELDS):
            values[name] = values[name] or Decimal(0)
        values["is_enabled"] = bool(values["is_enabled"])
        if (
            rule["action"] == ActionType.SHARE_VIDEO
            and values["max_per_post"] is None
            and any(values[n] for n in ENGAGEMENT_FIELDS)
        ):
            values["max_per_post"] = limit.max_per_post  # engagement is always capped
        # rewards_paid is the engine's: update_or_create never touches it.
        RewardRule.objects.update_or_create(campaign=campaign, action=rule["action"], defaults=values)


def _clean_campaign_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "hashtag" in cleaned:
        cleaned["hashtag"] = tag_normalize(cleaned["hashtag"], "#")
    if "mention" in cleaned:
        cleaned["mention"] = tag_normalize(cleaned["mention"], "@")
    if "name" in cleaned:
        cleaned["name"] = cleaned["name"].strip()
    return cleaned


def campaign_create(
    *,
    merchant: Merchant,
    actor,
    values: dict[str, Any],
    rules: list[dict[str, Any]] = (),
    touchpoints: Iterable = (),
) -> Campaign:
    """A DRAFT campaign in the merchant's currency, with its rules. Activate it to go live."""
    _require(merchant=merchant, actor=actor)
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise CampaignError(f"Unknown campaign fields: {', '.join(sorted(unknown))}.")
    values = _clean_campaign_values(values)
    rules = list(rules)
    campaign_validate(values=values, rules=rules, currency=merchant.currency)
    touchpoints = list(touchpoints)
    if any(t.merchant_id != merchant.pk for t in touchpoints):
        raise CampaignError(_("A campaign runs only on its own merchant's touchpoints."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            merchant=merchant, currency=merchant.currency, status=CampaignStatus.DRAFT, **values
        )
        _rules_save(campaign=campaign, rules=rules)
        campaign.touchpoints.set(touchpoints)
    return campaign


def campaign_update(
    *,
    campaign: Campaign,
    actor,
    changes: dict[str, Any],
    rules: list[dict[str, Any]] | None = None,
    touchpoints: Iterable | None = None,
    expected_version: int | None = None,
) -> Campaign:
    """Change a campaign's settings and/or rules (rules are matched by action). Not once ENDED.

    ``expected_version``: the version the editing form was opened on; an edit since then
    (another person, another tab) raises ``EditConflict`` and nothing is saved.
    """
    _require(merchant=campaign.merchant, actor=actor)
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise CampaignError(f"Unknown campaign fields: {', '.join(sorted(unknown))}.")
    changes = _clean_campaign_values(changes)
    with transaction.atomic():
        # The reward engine locks a campaign's rules before the campaign itself: same order here.
        locked_rules = list(
            RewardRule.objects.select_for_update().filter(campaign_id=campaign.pk).order_by("pk")
        )
        campaign = (
            Campaign.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=campaign.pk)
        )
        if campaign.status == CampaignStatus.ENDED:
            raise CampaignError(_("An ended campaign cannot change."))
        if expected_version is not None and expected_version != campaign.version:
            raise EditConflict()
        budget = changes.get("budget", campaign.budget)
        if budget is not None and budget < campaign.spent:
            raise CampaignInvalid(
                {
                    "budget": [
                        _("This campaign has already spent %(spent)s: the budget can't be lower.")
                        % {"spent": _money(campaign.spent, campaign.currency)}
                    ]
                }
            )
        existing = {rule.action: _rule_values(rule) for rule in locked_rules}
        for rule in rules or ():
            existing[rule["action"]] = {**existing.get(rule["action"], {"rewards_paid": 0}), **rule}
        values = {**_campaign_values(campaign), **changes}
        campaign_validate(values=values, rules=existing.values(), currency=campaign.currency)
        if campaign.status == CampaignStatus.ACTIVE and "budget" in changes:
            refused = _budget_left_error(
                budget=budget, spent=campaign.spent, rules=existing.values(), currency=campaign.currency
            )
            if refused:
                raise CampaignInvalid({"budget": [refused]})
        for name, value in changes.items():
            setattr(campaign, name, value)
        if changes or rules or touchpoints is not None:
            campaign.version += 1
            campaign.save(update_fields=[*sorted(changes), "version", "updated_at"])
        if rules:
            _rules_save(campaign=campaign, rules=list(rules))
        if touchpoints is not None:
            touchpoints = list(touchpoints)
            if any(t.merchant_id != campaign.merchant_id for t in touchpoints):
                raise CampaignError(_("A campaign runs only on its own merchant's touchpoints."))
            campaign.touchpoints.set(touchpoints)
    return campaign


def campaign_texts_save(*, campaign: Campaign, actor, texts: dict[str, str]) -> Campaign:
    """Set the campaign's name in other languages than its own: ``texts`` maps a language code to
    the name visitors reading it see (all of them: a language left out loses its text). Not once ENDED.

    The campaign's version moves on, so a form opened before can't undo it and the brand page's
    fingerprint changes (rewards/brand_page.py)."""
    _require(merchant=campaign.merchant, actor=actor)
    e = _Errors()
    cleaned: dict[str, str] = {}
    for language, name in texts.items():
        name = (name or "").strip()
        if language not in LANGUAGE_CODES:
            e.add(None, _("Choose a language from the list."))
        elif not name:
            e.add(None, _("Write the campaign's name in each language you add."))
        elif len(name) > Campaign._meta.get_field("name").max_length:
            e.add(None, _("A campaign's name is at most 120 characters."))
        else:
            cleaned[language] = name
    e.raise_if_any()
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=campaign.pk)
        )
        if campaign.status == CampaignStatus.ENDED:
            raise CampaignError(_("An ended campaign cannot change."))
        if campaign.language in cleaned:
            raise CampaignInvalid(
                {
                    None: [
                        _("The campaign's own name is already in %(language)s: add other languages here.")
                        % {"language": campaign.get_language_display()}
                    ]
                }
            )
        current = dict(campaign.texts.values_list("language", "name"))
        if current == cleaned:
            return campaign
        campaign.texts.exclude(language__in=list(cleaned)).delete()
        for language, name in cleaned.items():
            CampaignText.objects.update_or_create(
                campaign=campaign, language=language, defaults={"name": name}
            )
        campaign.version += 1
        campaign.save(update_fields=["version", "updated_at"])
    return campaign


def _transition(
    *,
    campaign: Campaign,
    allowed_from: tuple[str, ...],
    to: str,
    reason: str = "",
    now: datetime | None = None,
    paused_for: str | None = None,
) -> Campaign:
    """Move the campaign to ``to`` on its locked row; ``paused_for``: only a campaign paused for that reason."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in allowed_from or (
            paused_for is not None and locked.pause_reason != paused_for
        ):
            raise CampaignError(
                _("A campaign that is %(status)s cannot become %(to)s.")
                % {
                    "status": label_in_sentence(locked.get_status_display()),
                    "to": label_in_sentence(CampaignStatus(to).label),
                }
            )
        closed = Merchant.objects.filter(pk=locked.merchant_id, closed_at__isnull=False)
        if to == CampaignStatus.ACTIVE and closed.exists():
            # Read under the campaign's lock, which the merchant's closing takes first (docs/privacy.md).
            raise CampaignError(_("This merchant is closed: its campaigns can't go live again."))
        locked.status, locked.pause_reason = to, reason
        locked.save(update_fields=["status", "pause_reason", "updated_at"])
        if to == CampaignStatus.ACTIVE:
            signals.campaign_went_live.send(sender=Campaign, campaign=locked, now=now)
    return locked


def campaign_activate(*, campaign: Campaign, actor, now: datetime) -> Campaign:
    """DRAFT or PAUSED -> ACTIVE, once its rules are valid and at least one pays something."""
    _require(merchant=campaign.merchant, actor=actor)
    if campaign.ends_at is not None and campaign.ends_at <= now:
        raise CampaignError(_("This campaign's end date has passed: move it to the future first."))
    rules = [_rule_values(rule) for rule in campaign.rules.all()]
    if not any(rule["is_enabled"] for rule in rules):
        raise CampaignError(_("Enable at least one reward rule before going live."))
    campaign_validate(values=_campaign_values(campaign), rules=rules, currency=campaign.currency)
    _funds_cover_a_reward(campaign=campaign, rules=rules)
    return _transition(
        campaign=campaign,
        allowed_from=(CampaignStatus.DRAFT, CampaignStatus.PAUSED),
        to=CampaignStatus.ACTIVE,
        now=now,
    )


def campaigns_resume_funded(*, merchant_id: int, now: datetime) -> list[Campaign]:
    """Campaigns the engine paused because the merchant's funds ran out go live again once the funds
    cover their smallest reward (after a top-up). A campaign the merchant paused, or paused for its
    budget, stays paused; so does one whose end date passed or whose rules no longer validate."""
    resumed = []
    paused = Campaign.objects.filter(
        merchant_id=merchant_id, status=CampaignStatus.PAUSED, pause_reason=PauseReason.FUNDS
    ).select_related("merchant")
    for campaign in paused.order_by("pk"):
        if campaign.ends_at is not None and campaign.ends_at <= now:
            continue
        rules = [_rule_values(rule) for rule in campaign.rules.all()]
        try:
            if not any(rule["is_enabled"] for rule in rules):
                continue
            campaign_validate(values=_campaign_values(campaign), rules=rules, currency=campaign.currency)
            _funds_cover_a_reward(campaign=campaign, rules=rules)
            with transaction.atomic():
                live = _transition(
                    campaign=campaign,
                    allowed_from=(CampaignStatus.PAUSED,),
                    to=CampaignStatus.ACTIVE,
                    now=now,
                    paused_for=PauseReason.FUNDS,
                )
                url = f"{settings.SITE_URL}{reverse('console:campaigns_campaign_change', args=[live.pk])}"
                _mail_reviewers_on_commit(
                    campaign=live,
                    write=lambda name, url=url: (
                        _("[TikJoy] Campaign '%(campaign)s' is live again") % {"campaign": name},
                        _(
                            "The funds you added arrived: your campaign '%(campaign)s', paused when the wallet "
                            "ran out, is live again. Actions refused meanwhile are paid now if they still qualify."
                        )
                        % {"campaign": name}
                        + f"\n\n{url}",
                    ),
                )
            resumed.append(live)
        except CampaignError:
            continue
    return resumed


def _smallest_reward(rules) -> Decimal:
    """What the cheapest reward of these rules costs the merchant (engagement only: a cent)."""
    fixed = [rule["amount"] for rule in rules if rule["is_enabled"] and rule["amount"] > 0]
    return min(fixed) if fixed else Decimal("0.01")


def _budget_left_error(*, budget: Decimal | None, spent: Decimal, rules, currency: str) -> str | None:
    """Why a live campaign with this budget would promise rewards it can't pay (what is left of the
    budget is less than its smallest reward: the engine pauses it at the first action), or None."""
    if budget is None:
        return None
    smallest = _smallest_reward(rules)
    if budget - spent >= smallest:
        return None
    return _(
        "This campaign's budget is used up: %(left)s is left of it, and its smallest reward costs "
        "%(smallest)s. Raise the budget to keep it live."
    ) % {"left": _money(budget - spent, currency), "smallest": _money(smallest, currency)}


def _funds_cover_a_reward(*, campaign: Campaign, rules: list[dict]) -> None:
    """A campaign goes live only when the prepaid funds, and what is left of its budget, cover at
    least its smallest reward, so the brand page never promises what can't be paid."""
    refused = _budget_left_error(
        budget=campaign.budget, spent=campaign.spent, rules=rules, currency=campaign.currency
    )
    if refused:
        raise CampaignError(refused)
    balance = wallet_balance(merchant=campaign.merchant)
    smallest = _smallest_reward(rules)
    if balance.currency.code != campaign.currency or balance.amount < smallest:
        raise CampaignError(
            _(
                "Add funds before going live: the wallet holds %(balance)s, and the smallest reward of this "
                "campaign costs %(smallest)s."
            )
            % {"balance": money_text(balance), "smallest": _money(smallest, campaign.currency)}
        )


def campaign_pause(*, campaign: Campaign, actor=None, reason: str = PauseReason.MERCHANT) -> Campaign:
    """ACTIVE -> PAUSED. The merchant pauses with reason MERCHANT; the engine (``actor=None``) with FUNDS or BUDGET."""
    if reason == PauseReason.MERCHANT:
        _require(merchant=campaign.merchant, actor=actor)
    elif reason not in PauseReason.values:
        raise CampaignError(f"Unknown pause reason {reason!r}.")
    return _transition(
        campaign=campaign, allowed_from=(CampaignStatus.ACTIVE,), to=CampaignStatus.PAUSED, reason=reason
    )


def campaign_end(*, campaign: Campaign, actor=None) -> Campaign:
    """Any state but ENDED -> ENDED, for good (the merchant, or the end date passing with ``actor=None``)."""
    if actor is not None:
        _require(merchant=campaign.merchant, actor=actor)
    return _transition(
        campaign=campaign,
        allowed_from=(CampaignStatus.DRAFT, CampaignStatus.ACTIVE, CampaignStatus.PAUSED),
        to=CampaignStatus.ENDED,
    )


def campaigns_lock_for_merchant(*, merchant_id: int) -> list[Campaign]:
    """Lock every campaign of a merchant, by primary key (the engine's order: campaigns before the
    ledger), inside the caller's transaction: a reward being paid for one of them finishes first,
    and none is paid or goes live while the caller holds them (the merchant's closing)."""
    return list(Campaign.objects.select_for_update().filter(merchant_id=merchant_id).order_by("pk"))


def campaigns_end_locked(*, campaigns: list[Campaign]) -> int:
    """End the campaigns ``campaigns_lock_for_merchant`` locked that are not ended yet; returns how many.
    Inside the caller's transaction."""
    ended = 0
    for campaign in campaigns:
        if campaign.status != CampaignStatus.ENDED:
            campaign.status, campaign.pause_reason = CampaignStatus.ENDED, ""
            campaign.save(update_fields=["status", "pause_reason", "updated_at"])
            ended += 1
    return ended


def campaigns_end_expired(*, now: datetime) -> int:
    """End every campaign whose end date has passed (a periodic task; safe to run twice)."""
    count = 0
    for campaign in Campaign.objects.exclude(status=CampaignStatus.ENDED).filter(ends_at__lte=now):
        campaign_end(campaign=campaign)
        count += 1
    return count


# --- video library --------------------------------------------------------------------------------


def video_file_check(upload: UploadedFile) -> None:
    """Raise :class:`VideoInvalid` unless ``upload`` is an mp4, mov or webm file within the size limit."""
    allowed = tuple(settings.VIDEO_ALLOWED_EXTENSIONS)
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in allowed:
        raise VideoInvalid(_("Upload a video file: %(types)s.") % {"types": ", ".join(allowed)})
    limit_mb = settings.VIDEO_MAX_UPLOAD_MB
    if upload.size is None or upload.size > limit_mb * 1024 * 1024:
        raise VideoInvalid(_("The video is larger than %(limit)s MB.") % {"limit": limit_mb})
    if upload.size == 0:
        raise VideoInvalid(_("The file is empty."))
    head = upload.read(64)
    upload.seek(0)
    if not _looks_like_video(head, extension):
        raise VideoInvalid(_("This file is not a real %(type)s video.") % {"type": extension})


def _looks_like_video(head: bytes, extension: str) -> bool:
    """Magic bytes: ISO base media (mp4/mov: ``ftyp``/``moov``/``wide``/``mdat`` at offset 4) or EBML (webm)."""
    if extension == "webm":
        return head[:4] == b"\x1a\x45\xdf\xa3"
    return head[4:8] in (b"ftyp", b"moov", b"wide", b"mdat", b"free", b"skip")


def _tiktok_url_check(url: str) -> None:
    from urllib.parse import urlparse

    host = (urlparse(url).hostname or "").lower()
    if not (host == "tiktok.com" or host.endswith(".tiktok.com")):
        raise VideoInvalid(_("A video link must be a TikTok URL (https://www.tiktok.com/...)."))


def _next_free_slot(merchant: Merchant) -> int:
    used = set(Video.objects.filter(merchant=merchant).values_list("slot", flat=True))
    free = [slot for slot in range(1, MAX_VIDEOS_PER_MERCHANT + 1) if slot not in used]
    if not free:
        raise LibraryFull(
            _("Your library holds %(count)s videos, the maximum. Delete one to add another.")
            % {"count": MAX_VIDEOS_PER_MERCHANT}
        )
    return free[0]


# After its leading #s, a hashtag is letters (any alphabet), digits and _ only: TikTok ends a tag at a
# space or another sign, so "#sum-mer" would post as #sum, and a # alone tags nothing.
_HASHTAG_WORD = re.compile(r"\w+")


def video_hashtags_check(hashtags: str) -> None:
    """Refuse, in words, a hashtag that TikTok would cut or drop (``tags_normalize`` then writes each
    word once with one #: ``"summer, ##joy"`` is fine)."""
    for word in hashtags.replace(",", " ").split():
        bare = word.lstrip("#")
        if not bare:
            raise VideoInvalid(_("Write letters or digits after each #: a # on its own isn't a hashtag."))
        if not _HASHTAG_WORD.fullmatch(bare):
            raise VideoInvalid(
                _(
                    "“%(tag)s” isn't a hashtag: after the # use only letters, digits and _, "
                    "without spaces or other signs."
                )
                % {"tag": word}
            )


def video_caption_check(*, caption: str, hashtags: str = "", mentions: str = "") -> None:
    """TikTok's 2,200 characters, for the caption and for the whole text consumers post with it
    (caption, hashtags and mentions: ``Video.share_text``)."""
    caption = caption.strip()
    if len(caption) > VIDEO_CAPTION_MAX:
        raise VideoInvalid(
            _("TikTok allows at most %(max)s characters in a caption: this one has %(count)s.")
            % {"max": number_text(VIDEO_CAPTION_MAX), "count": number_text(len(caption))}
        )
    parts = (caption, tags_normalize(hashtags, "#"), tags_normalize(mentions, "@"))
    total = len(" ".join(p for p in parts if p))
    if total > VIDEO_CAPTION_MAX:
        raise VideoInvalid(
            _(
                "With its hashtags and mentions, the text to post has %(count)s characters: TikTok allows "
                "at most %(max)s. Shorten the caption or the tags."
            )
            % {"max": number_text(VIDEO_CAPTION_MAX), "count": number_text(total)}
        )


def video_add(
    *,
    merchant: Merchant,
    actor,
    title: str,
    caption: str = "",
    hashtags: str = "",
    mentions: str = "",
    file: UploadedFile | None = None,
    tiktok_url: str = "",
) -> Video:
    """Add a video (an uploaded file or a TikTok link) to the first free of the merchant's 15 slots."""
    _require(merchant=merchant, actor=actor)
    if not file and not tiktok_url:
        raise VideoInvalid(_("Upload a video file or give a TikTok link."))
    video_hashtags_check(hashtags)
    video_caption_check(caption=caption, hashtags=hashtags, mentions=mentions)
    if file:
        video_file_check(file)
    if tiktok_url:
        _tiktok_url_check(tiktok_url)
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()  # one library change at a time
        slot = _next_free_slot(merchant)
        try:
            with transaction.atomic():
                video = Video(
                    merchant=merchant,
                    slot=slot,
                    title=title.strip(),
                    caption=caption.strip(),
                    hashtags=tags_normalize(hashtags, "#"),
                    mentions=tags_normalize(mentions, "@"),
                    tiktok_url=tiktok_url,
                )
                if file:
                    video.file.save(os.path.basename(file.name), file, save=False)
                video.save()
        except IntegrityError as exc:
            raise LibraryFull(_("That slot was just taken; try again.")) from exc
    return video


def video_update(*, video: Video, actor, changes: dict[str, Any]) -> Video:
    """Change a library video. ``changes["file"]``: a new upload, or ``None`` to remove the file."""
    _require(merchant=video.merchant, actor=actor)
    allowed = {"title", "caption", "hashtags", "mentions", "tiktok_url", "file"}
    if set(changes) - allowed:
        raise CampaignError(
            _("Only the title, caption, hashtags, mentions, file and TikTok link can change.")
        )
    changes = dict(changes)
    remove_file = "file" in changes and not changes["file"]
    upload = changes.pop("file", None)
    if upload:
        video_file_check(upload)
    if changes.get("tiktok_url"):
        _tiktok_url_check(changes["tiktok_url"])
    if changes.keys() & {"caption", "hashtags", "mentions"}:
        video_hashtags_check(changes.get("hashtags", video.hashtags))
        video_caption_check(
            caption=changes.get("caption", video.caption),
            hashtags=changes.get("hashtags", video.hashtags),
            mentions=changes.get("mentions", video.mentions),
        )
    replaced = video.file.name if video.file and (upload or remove_file) else ""
    storage = video.file.storage
    if "hashtags" in changes:
        changes["hashtags"] = tags_normalize(changes["hashtags"], "#")
    if "mentions" in changes:
        changes["mentions"] = tags_normalize(changes["mentions"], "@")
    for name, value in changes.items():
        setattr(video, name, value.strip() if isinstance(value, str) else value)
    if remove_file:
        video.file = ""
    if upload:
        video.file.save(os.path.basename(upload.name), upload, save=False)
    if not video.file and not video.tiktok_url:
        raise VideoInvalid(_("A video needs an uploaded file or a TikTok link."))
    video.save()
    if replaced:
        transaction.on_commit(lambda: storage.delete(replaced))
    return video


def video_texts_save(*, video: Video, actor, texts: dict[str, tuple[str, str]]) -> Video:
    """Set the video's title and caption in other languages: ``texts`` maps a language code to
    (title, caption) (all of them: a language left out loses its text). The brand page's
    fingerprint reads these rows, so visitors see a change at once (rewards/brand_page.py)."""
    _require(merchant=video.merchant, actor=actor)
    e = _Errors()
    cleaned: dict[str, tuple[str, str]] = {}
    for language, (title, caption) in texts.items():
        title, caption = (title or "").strip(), (caption or "").strip()
        if language not in LANGUAGE_CODES:
            e.add(None, _("Choose a language from the list."))
        elif not title:
            e.add(None, _("Write the video's title in each language you add."))
        elif len(title) > VideoText._meta.get_field("title").max_length:
            e.add(None, _("A video's title is at most 120 characters."))
        elif len(caption) > VIDEO_CAPTION_MAX:
            e.add(None, _("A caption is at most %(max)s characters.") % {"max": VIDEO_CAPTION_MAX})
        else:
            cleaned[language] = (title, caption)
    e.raise_if_any()
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(
            pk=video.merchant_id
        ).first()  # one library change at a time
        if not Video.objects.filter(pk=video.pk).exists():
            raise CampaignError(_("This video was deleted meanwhile."))
        current = {t.language: (t.title, t.caption) for t in VideoText.objects.filter(video=video)}
        if current == cleaned:
            return video
        VideoText.objects.filter(video=video).exclude(language__in=list(cleaned)).delete()
        for language, (title, caption) in cleaned.items():
            VideoText.objects.update_or_create(
                video=video, language=language, defaults={"title": title, "caption": caption}
            )
    return video


def video_delete(*, video: Video, actor) -> None:
    _require(merchant=video.merchant, actor=actor)
    stored = video.file.name if video.file else ""
    storage = video.file.storage if video.file else None
    video.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


# --- creators and UGC -----------------------------------------------------------------------------


def _merchant_reviewers(merchant: Merchant) -> list:
    """The team members who manage campaigns and have an e-mail address, by address."""
    members = Membership.objects.filter(merchant=merchant).select_related("user")
    reviewers = {
        m.user.email: m.user
        for m in members
        if m.user.email and role_can(m.role, Capability.MANAGE_CAMPAIGNS)
    }
    return [reviewers[email] for email in sorted(reviewers)]


def _mail_reviewers_on_commit(*, campaign: Campaign, write: Callable[[str], tuple[str, str]]) -> None:
    """One e-mail to each member who manages campaigns, in that person's language and time zone
    (``merchants.locale.member_locale``): ``write(name)`` returns its subject and body, given the
    campaign's name in that language (the merchant's text for it, else the campaign's own)."""
    for user in _merchant_reviewers(campaign.merchant):
        with member_locale(user, campaign.merchant) as language:
            subject, body = write(campaign.name_in(language))
            _mail_on_commit(subject=subject, body=body, to=[user.email])


def _mail_on_commit(*, subject: str, body: str, to: list[str]) -> None:
    mail_after_commit(subject=subject, message=body, recipient_list=to)


def _console_ugc_url(submission: UgcSubmission) -> str:
    return settings.SITE_URL + reverse("console:campaigns_ugcsubmission_change", args=[submission.pk])


def _consumer_ugc_url(submission: UgcSubmission) -> str:
    return settings.SITE_URL + reverse(
        "campaigns:ugc",
        kwargs={"slug": submission.campaign.merchant.slug, "campaign_id": submission.campaign_id},
    )


def ugc_submit(*, campaign: Campaign, user, file: UploadedFile, caption: str, now: datetime) -> UgcSubmission:
    """A consumer submits their own video for a live campaign; the merchant's team is e-mailed."""
    allowed, reason = ugc_can_submit(campaign=campaign, user=user, now=now)
    if not allowed:
        raise UgcNotAllowed(reason)
    if not caption.strip():
        raise CampaignError(_("Write the caption you will post with the video."))
    video_file_check(file)
    with transaction.atomic():
        submission = UgcSubmission(campaign=campaign, user=user, caption=caption.strip(), submitted_at=now)
        submission.file.save(os.path.basename(file.name), file, save=False)
        submission.save()
        url = _console_ugc_url(submission)
        _mail_reviewers_on_commit(
            campaign=campaign,
            write=lambda name: (
                _("New video to review for %(campaign)s") % {"campaign": name},
                _(
                    "A consumer submitted a video for your campaign %(campaign)s.\nReview it in your console: %(url)s\n"
                )
                % {"campaign": name, "url": url},
            ),
        )
    return submission


def ugc_resubmit(
    *, submission: UgcSubmission, user, caption: str, file: UploadedFile | None = None, now: datetime
) -> UgcSubmission:
    """CHANGES_REQUESTED -> SUBMITTED, by its author, with the edited caption and/or a new file."""
    if submission.user_id != user.pk:
        raise UgcNotAllowed(_("This is not your submission."))
    if not caption.strip():
        raise CampaignError(_("Write the caption you will post with the video."))
    if file:
        video_file_check(file)
    with transaction.atomic():
        locked = (
            UgcSubmission.objects.select_for_update()
            .select_related("campaign__merchant")
            .get(pk=submission.pk)
        )
        if locked.status != UgcStatus.CHANGES_REQUESTED:
            raise UgcWrongState(_("Only a submission with changes requested can be resubmitted."))
        locked.caption = caption.strip()
        if file:
            locked.file.save(os.path.basename(file.name), file, save=False)
        locked.status = UgcStatus.SUBMITTED
        locked.submitted_at = now
        locked.revision += 1
        locked.save()
        url = _console_ugc_url(locked)
        _mail_reviewers_on_commit(
            campaign=locked.campaign,
            write=lambda name: (
                _("A video was resubmitted for %(campaign)s") % {"campaign": name},
                _(
                    "A consumer edited and resubmitted their video for %(campaign)s.\nReview it in your console: %(url)s\n"
                )
                % {"campaign": name, "url": url},
            ),
        )
    return locked


UGC_REVIEW_MESSAGES = {
    UgcStatus.APPROVED: gettext_lazy(
        "Your video for %(campaign)s was approved. Share it on TikTok to earn rewards."
    ),
    UgcStatus.CHANGES_REQUESTED: gettext_lazy(
        "%(brand)s asks for changes to your video for %(campaign)s:\n\n%(reason)s\n\nEdit and resubmit it here: %(url)s"
    ),
    UgcStatus.REJECTED: gettext_lazy("%(brand)s declined your video for %(campaign)s:\n\n%(reason)s"),
}


def ugc_review(
    *, submission: UgcSubmission, actor, decision: str, reason: str = "", now: datetime
) -> UgcSubmission:
    """SUBMITTED -> APPROVED | CHANGES_REQUESTED | REJECTED (the last two need a reason); the consumer is e-mailed."""
    if decision not in (UgcStatus.APPROVED, UgcStatus.CHANGES_REQUESTED, UgcStatus.REJECTED):
        raise CampaignError(_("Approve, request changes or reject."))
    reason = reason.strip()
    if decision != UgcStatus.APPROVED and not reason:
        raise CampaignInvalid({"reason": [_("Tell the consumer why (they will read it).")]})
    with transaction.atomic():
        locked = (
            UgcSubmission.objects.select_for_update()
            .select_related("campaign__merchant", "user")
            .get(pk=submission.pk)
        )
        _require(merchant=locked.campaign.merchant, actor=actor)
        if locked.status != UgcStatus.SUBMITTED:
            raise UgcWrongState(
                _("This submission is %(status)s, not waiting for review.")
                % {"status": label_in_sentence(locked.get_status_display())}
            )
        locked.status = decision
        locked.review_reason = reason
        locked.reviewed_by = actor
        locked.reviewed_at = now
        locked.save(update_fields=["status", "review_reason", "reviewed_by", "reviewed_at", "updated_at"])
        if locked.user.email:
            with recipient_locale(locked.user, brand=locked.campaign.merchant) as language:
                name = locked.campaign.name_in(language)  # the campaign's name in the person's language
                _mail_on_commit(
                    subject=_("Your video for %(campaign)s: %(status)s")
                    % {"campaign": name, "status": after_colon(locked.get_status_display())},
                    body=str(UGC_REVIEW_MESSAGES[decision])
                    % {
                        "brand": locked.campaign.merchant.brand_name,
                        "campaign": name,
                        "reason": reason,
                        "url": _consumer_ugc_url(locked),
                    },
                    to=[locked.user.email],
                )
    return locked


def ugc_erase_for_person(*, user) -> int:
    """A deleted person's UGC videos: files removed (after commit) and captions cleared; rows stay.

    The rows stay because the merchant's review history and share rewards point at them.
    Runs inside the caller's transaction; returns how many submissions were erased.
    """
    submissions = list(UgcSubmission.objects.select_for_update().filter(user=user).order_by("pk"))
    for submission in submissions:
        if submission.file:
            name, storage = submission.file.name, submission.file.storage
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        submission.file = ""
        submission.caption = ""
        submission.save(update_fields=["file", "caption", "updated_at"])
    return len(submissions)


def ugc_policy_allows(*, policy: str, is_creator: bool) -> bool:
    return policy == UgcPolicy.ALL_USERS or is_creator
