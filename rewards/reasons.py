"""Why the engine decided what it did about an action: a stable code, its figures, and the words.

The engine records on every ``SocialAction`` it decides a ``Reason`` (``SocialAction.reason``) and
the figures behind it (``SocialAction.reason_params``, JSON: amounts as strings, moments in ISO
8601). The code never changes meaning, so it can be counted, filtered, shown to an integration
and explained in any language later: :func:`reason_explain` turns code + figures into a sentence
in the reader's language (the active translation), for one of two readers:

- ``CONSUMER`` (the wallet, the brand page): what happened, kindly, without the merchant's figures;
- ``MERCHANT`` (the console's Diagnostics): exactly what happened, with the figures, and the fix.

``status_detail`` keeps the English merchant sentence (the API's ``detail`` and the data export read
it); it is written from the code by :func:`reason_detail`, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy
from moneyed import Money

from core.i18n import after_colon
from wallets.formats import money_text


class Reason(models.TextChoices):
    """Every outcome the engine records on an action (``rewards.services._evaluate`` and later)."""

    PAID = "PAID", pgettext_lazy("action outcome", "Paid")
    HELD_FOR_REVIEW = "HELD_FOR_REVIEW", gettext_lazy("Held for review")
    EARNS_BY_ENGAGEMENT = "EARNS_BY_ENGAGEMENT", gettext_lazy("Counted: the post earns by its engagement")
    FUNDS_RAN_OUT = "FUNDS_RAN_OUT", gettext_lazy("The prepaid funds ran out")
    BUDGET_REACHED = "BUDGET_REACHED", gettext_lazy("The campaign's budget is spent")
    PERSON_CAP_REACHED = "PERSON_CAP_REACHED", gettext_lazy("The limit per person is reached")
    DAILY_CAP_REACHED = "DAILY_CAP_REACHED", gettext_lazy("The daily limit per person is reached")
    RULE_LIMIT_REACHED = "RULE_LIMIT_REACHED", gettext_lazy("All the rewards offered for this are paid")
    RULE_DISABLED = "RULE_DISABLED", gettext_lazy("The campaign no longer rewards this")
    CAMPAIGN_PAUSED = "CAMPAIGN_PAUSED", gettext_lazy("The campaign is paused")
    CAMPAIGN_NOT_STARTED = "CAMPAIGN_NOT_STARTED", gettext_lazy("Before the campaign's start")
    CAMPAIGN_ENDED = "CAMPAIGN_ENDED", gettext_lazy("After the campaign's end")
    CAMPAIGN_DRAFT = "CAMPAIGN_DRAFT", gettext_lazy("The campaign was never launched")
    NO_CAMPAIGN = "NO_CAMPAIGN", gettext_lazy("No campaign rewards this action")
    VIDEO_NOT_APPROVED = "VIDEO_NOT_APPROVED", gettext_lazy("The person's video is not approved")
    TOO_SMALL = "TOO_SMALL", gettext_lazy("Too small to pay")
    BANNED = "BANNED", gettext_lazy("The person is banned")
    REWARDED_BEFORE = "REWARDED_BEFORE", gettext_lazy("Sign-in rewarded before, on a deleted account")
    REVERSED = "REVERSED", pgettext_lazy("action outcome", "Reversed")
    REJECTED_AFTER_REVIEW = "REJECTED_AFTER_REVIEW", gettext_lazy("Rejected after review")
    ACCOUNT_DELETED = "ACCOUNT_DELETED", gettext_lazy("The person deleted their account")


# Outcomes that left the person without money for this action (a merchant asks "why not?" about these).
NOT_PAID = frozenset(Reason) - {Reason.PAID, Reason.HELD_FOR_REVIEW, Reason.EARNS_BY_ENGAGEMENT}


class Reader(models.TextChoices):
    CONSUMER = "CONSUMER"
    MERCHANT = "MERCHANT"


@dataclass(frozen=True)
class Explanation:
    """An outcome in words: what happened, and (for the merchant) what would change it."""

    code: str
    title: str
    text: str
    fix: str = ""


def money_param(amount: Decimal | Money | None) -> str:
    """An amount as ``reason_params`` keep it (a plain decimal string)."""
    if amount is None:
        return ""
    if isinstance(amount, Money):
        amount = amount.amount
    return str(amount)


def moment_param(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _money(params: dict, key: str) -> str:
    """``params[key]`` in ``params["currency"]``, written as the reader's language writes money."""
    try:
        amount = Decimal(str(params.get(key, "")))
    except (InvalidOperation, ValueError):
        return "?"
    currency = str(params.get("currency") or "")
    if not currency:
        return formats.number_format(amount, 2)
    try:
        return money_text(Money(amount, currency))
    except (ValueError, LookupError):
        return f"{amount} {currency}"


def _moment(params: dict, key: str) -> str:
    moment = parse_datetime(str(params.get(key) or ""))
    if moment is None:
        return "?"
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _consumer(code: str, params: dict) -> str:
    brand = params.get("brand") or _("the brand")
    texts = {
        Reason.PAID: _("Paid: your reward is in your wallet."),
        Reason.HELD_FOR_REVIEW: _("We are checking this reward; you'll see the outcome in your wallet."),
        Reason.EARNS_BY_ENGAGEMENT: _("Counted: your post earns as it gets views, likes and comments."),
        Reason.FUNDS_RAN_OUT: _(
            "Not paid yet: %(brand)s's wallet is empty. It is paid if they add funds within a few days."
        ),
        Reason.BUDGET_REACHED: _(
            "Not paid yet: %(brand)s's campaign budget is spent. It is paid if they raise it within a few "
            "days."
        ),
        Reason.PERSON_CAP_REACHED: _("Not paid: you already earned the most this campaign pays one person."),
        Reason.DAILY_CAP_REACHED: _("Not paid: you had reached the campaign's daily limit that day."),
        Reason.RULE_LIMIT_REACHED: _("Not paid: the campaign had already paid all the rewards it offers."),
        Reason.RULE_DISABLED: _("Not paid: the campaign no longer rewards this."),
        Reason.CAMPAIGN_PAUSED: _("Not paid: %(brand)s had paused the campaign."),
        Reason.CAMPAIGN_NOT_STARTED: _("Not paid: the campaign had not started yet."),
        Reason.CAMPAIGN_ENDED: _("Not paid: the campaign had ended."),
        Reason.CAMPAIGN_DRAFT: _("Not paid: %(brand)s had no campaign running for this."),
        Reason.NO_CAMPAIGN: _("Not paid: %(brand)s had no campaign running for this."),
        Reason.VIDEO_NOT_APPROVED: _(
            "Not paid: the brand has not approved your video for this campaign: only approved videos earn."
        ),
        Reason.TOO_SMALL: _("Not paid: the amount was too small to pay."),
        Reason.BANNED: _("Not paid: this account can't earn rewards."),
        # Not "you": a number given up goes to someone new, who mustn't learn the last holder was a customer.
        Reason.REWARDED_BEFORE: _(
            "Not paid: this TikTok account or phone number was already rewarded for signing in with %(brand)s."
        ),
        Reason.REVERSED: _("This reward was reversed: %(reason)s"),
        Reason.REJECTED_AFTER_REVIEW: _("Not paid: it did not pass our review."),
        Reason.ACCOUNT_DELETED: _("Not paid: the account was deleted."),
    }
    # The reason follows a colon: "annullato: il post…" in Italian, Spanish and French.
    return texts[code] % {
        "brand": brand,
        "reason": _reason_after_colon(params),
    }


def _merchant(code: str, params: dict) -> tuple[str, str]:
    """(what happened, the fix) for the merchant, with the figures the engine recorded."""
    p = {
        "price": _money(params, "price"),
        "funds": _money(params, "funds"),
        "short": _money(params, "short"),
        "budget": _money(params, "budget"),
        "spent": _money(params, "spent"),
        "cap": _money(params, "cap"),
        "earned": _money(params, "earned"),
        "max_rewards": params.get("max_rewards", "?"),
        "starts_at": _moment(params, "starts_at"),
        "ends_at": _moment(params, "ends_at"),
        "reason": _reason_after_colon(params),
        "hashtag": params.get("hashtag") or "",
        "score": params.get("risk_score", "?"),
        "days": settings.REWARDS_UNFUNDED_RETRY_DAYS,
    }

    def has(*keys: str) -> bool:
        return all(params.get(key) not in (None, "") for key in keys)

    if code == Reason.PAID:
        if not has("price"):
            return _("Paid; the reward waits for its hold period to end."), ""
        return _("Paid %(price)s; the reward waits for its hold period to end.") % p, ""
    if code == Reason.HELD_FOR_REVIEW:
        return (
            _("Paid %(price)s into review: the action looked unusual (risk score %(score)s).") % p,
            _("TikJoy's team reviews it; the reward is credited or refunded to you after the review."),
        )
    if code == Reason.EARNS_BY_ENGAGEMENT:
        return _("Counted: the share rule pays for the post's engagement, not for the share itself."), ""
    if code == Reason.FUNDS_RAN_OUT:
        if has("price", "funds"):
            text = _("Your prepaid funds ran out: the reward cost %(price)s and your wallet held %(funds)s.")
        else:
            text = _("Your prepaid funds ran out.")
        if has("short"):
            fix = _(
                "Top up your wallet: you need at least %(short)s more. The campaign goes live again by "
                "itself and this action is paid if it still qualifies within %(days)s days."
            )
        else:
            fix = _(
                "Top up your wallet. The campaign goes live again by itself and this action is paid if it "
                "still qualifies within %(days)s days."
            )
        return text % p, fix % p
    if code == Reason.BUDGET_REACHED:
        return (
            (
                _("The campaign's budget is spent: %(spent)s of %(budget)s.")
                if has("spent", "budget")
                else _("The campaign's budget is spent.")
            )
            % p,
            _(
                "Raise the campaign's budget, then resume the campaign: this action is paid if it still "
                "qualifies within %(days)s days."
            )
            % p,
        )
    if code == Reason.PERSON_CAP_REACHED:
        return (
            (
                _("This person reached the campaign's limit per person (%(cap)s; earned %(earned)s).")
                if has("cap", "earned")
                else _("This person reached the campaign's limit per person.")
            )
            % p,
            _("Raise the limit per person in the campaign if you want to pay them more."),
        )
    if code == Reason.DAILY_CAP_REACHED:
        if not has("cap"):
            p["cap"] = "?"
        return (
            _(
                "This person reached the campaign's daily limit per person (%(cap)s a day): nothing more is "
                "paid that day."
            )
            % p,
            _("Raise the daily limit per person in the campaign, or let them earn again the next day."),
        )
    if code == Reason.RULE_LIMIT_REACHED:
        return (
            _("The campaign has paid all the rewards it offers for this (%(max_rewards)s).") % p,
            _("Raise the reward rule's maximum number of rewards in the campaign."),
        )
    if code == Reason.RULE_DISABLED:
        return (
            _("The campaign no longer rewards this action: its reward rule is switched off."),
            _("Switch the reward rule on in the campaign."),
        )
    if code == Reason.CAMPAIGN_PAUSED:
        return (
            _("The campaign was paused by your team when this happened."),
            _("Resume the campaign: actions from then on are paid."),
        )
    if code == Reason.CAMPAIGN_NOT_STARTED:
        return (
            _("This happened before the campaign started (it starts %(starts_at)s).") % p,
            _("Move the campaign's start earlier if actions like this should earn."),
        )
    if code == Reason.CAMPAIGN_ENDED:
        return (
            _("This happened after the campaign ended (%(ends_at)s).") % p,
            _("Extend the campaign's end date, or start a new campaign."),
        )
    if code == Reason.CAMPAIGN_DRAFT:
        return (
            _("The campaign that would reward this was still a draft: it was never launched."),
            _("Launch the campaign."),
        )
    if code == Reason.NO_CAMPAIGN:
        return (
            _("None of your campaigns rewarded this kind of action when it happened."),
            _("Add a reward rule for this action to a live campaign."),
        )
    if code == Reason.VIDEO_NOT_APPROVED:
        return (
            _("The person's own video waits for your approval: only approved videos earn in this campaign."),
            _("Review the person's video in the campaign's video submissions."),
        )
    if code == Reason.TOO_SMALL:
        return (
            (
                _("The amount (%(price)s) was too small to give the person a cent after TikJoy's share.")
                if has("price")
                else _("The amount was too small to give the person a cent after TikJoy's share.")
            )
            % p,
            _("Raise the reward rule's amount."),
        )
    if code == Reason.BANNED:
        return (
            _("TikJoy banned this person: they earn nothing."),
            _("Nothing to do on your side; write to support if you think this is a mistake."),
        )
    if code == Reason.REWARDED_BEFORE:
        return (
            _(
                "This TikTok account or WhatsApp number was already rewarded for signing in with you, on "
                "an account since deleted: the sign-in reward is paid once per TikTok account or number."
            ),
            _("Nothing to do on your side."),
        )
    if code == Reason.REVERSED:
        return (
            _("The reward was reversed and the money returned to your wallet: %(reason)s") % p,
            # Reversed by the engine (a condition failed), by the brand (closing) or by TikJoy: the
            # reason says which; the fix must be true of all three.
            _("Nothing to do on your side."),
        )
    if code == Reason.REJECTED_AFTER_REVIEW:
        return (
            _("TikJoy's review rejected this reward; the money returned to your wallet."),
            _("Nothing to do on your side."),
        )
    if code == Reason.ACCOUNT_DELETED:
        return (
            _(
                "The person deleted their account while this waited for your funds: it is no longer "
                "paid, whatever you top up."
            ),
            _("Nothing to do on your side."),
        )
    raise ValueError(code)


def reason_explain(
    code: str, params: dict | None = None, *, reader: str = Reader.MERCHANT, legacy_text: str = ""
) -> Explanation:
    """The outcome ``code`` with its ``params`` in the active language, for ``reader``.

    An action decided before codes were recorded has no code: its recorded words (``legacy_text``,
    its ``status_detail``) are shown as they are, in English.
    """
    params = dict(params or {})
    if code not in Reason.values:  # decided before reason codes: the words recorded then, as they are
        return Explanation(code="", title="", text=legacy_text)
    title = str(Reason(code).label)
    if reader == Reader.CONSUMER:
        return Explanation(code=code, title=title, text=_consumer(code, params))
    text, fix = _merchant(code, params)
    return Explanation(code=code, title=title, text=text, fix=fix)


# ---------------------------------------------------------------------------
# A reward's stored reason (``Reward.reason``) in the reader's language
#
# When the engine reverses or holds a reward by itself it stores one of these English sentences
# (recorded data: the ledger and the export keep them as written); a reason an operator typed is
# stored as typed. Every page, e-mail or diagnostic that shows a reward's reason says it through
# :func:`reward_reason_text`, so the same stored text reads the same everywhere.

REWARD_REASON_BANNED = gettext_noop("The account was banned.")
REWARD_REASON_POST_GONE = gettext_noop("The post was deleted or made private before the hold period ended.")
REWARD_REASON_TIKTOK_DISCONNECTED = gettext_noop(
    "The TikTok account was disconnected before the hold period ended."
)
REWARD_REASON_POST_UNCHECKED = gettext_noop(
    "The post could not be checked on TikTok after the hold period ended."
)
REWARD_REASON_HELD = gettext_noop("Held for review: unusual activity.")
REWARD_REASON_REJECTED = gettext_noop("Rejected after review.")  # ops rejected a held reward, typing nothing

ENGINE_REWARD_REASONS = frozenset(
    {
        REWARD_REASON_BANNED,
        REWARD_REASON_POST_GONE,
        REWARD_REASON_TIKTOK_DISCONNECTED,
        REWARD_REASON_POST_UNCHECKED,
        REWARD_REASON_HELD,
        REWARD_REASON_REJECTED,
    }
)


# A reward reversed because its person was banned: stored in English with the ban's reason after it.
BANNED_REASON = "Account banned: %(reason)s"


def banned_reason(reason: str) -> str:
    """The reason stored on a reward reversed by a ban (``user_ban``), in English as recorded."""
    return BANNED_REASON % {"reason": reason.strip()}


def _reason_after_colon(params: dict) -> str:
    """The recorded reason after a colon: the engine's own sentences as a sentence after a colon reads
    in the language (``after_colon``); a reason a person typed exactly as they typed it."""
    reason = str(params.get("reason") or "")
    text = reward_reason_text(reason)
    return after_colon(text) if text != reason.strip() else text


def reward_reason_text(reason: str) -> str:
    """A reward's stored reason for a reader: the engine's own sentences in the active language, a
    reason a person typed as written, and ``""`` for none."""
    reason = (reason or "").strip()
    if reason in ENGINE_REWARD_REASONS:
        return _(reason)
    prefix = BANNED_REASON.split("%", 1)[0]
    if reason.startswith(prefix):
        return _("Account banned: %(reason)s") % {"reason": reason[len(prefix) :]}
    return reason


def reason_detail(code: str, params: dict | None = None) -> str:
    """The English merchant sentence kept in ``status_detail`` (the API's ``detail``, the export): empty
    for an action that earns (as it always was)."""
    if code not in NOT_PAID:
        return ""
    with translation.override("en"):
        return reason_explain(code, params, reader=Reader.MERCHANT).text[:300]


def action_explain(action, *, reader: str = Reader.MERCHANT) -> Explanation:
    """A recorded ``SocialAction``'s outcome in words (its merchant's brand name for the consumer)."""
    params = dict(action.reason_params or {})
    if reader == Reader.CONSUMER:
        params.setdefault("brand", action.merchant.brand_name)
    return reason_explain(action.reason, params, reader=reader, legacy_text=action.status_detail)
