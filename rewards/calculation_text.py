"""The engine's calculation record in the reader's words (docs/i18n.md, "The engine's calculation").

The engine records how it computed a reward in English, as data and a few sentences
(``Reward.calculation``, written by ``rewards/decision.py``; the risk signals of ``rewards/risk.py``).
That record is the audit and never changes with a reader. The console's "How the amount was
computed" (a merchant) and the ops review (the risk signals) read it through these functions, which
write each line in the active language from what the record keeps: its codes, counts and amounts.
A form they don't know (a record older than these texts) is shown as it was recorded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from subscriptions.benefits import hours_in_words
from wallets.formats import babel_locale, label_text, number_text

_NUMBER = re.compile(r"\d+")


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def amount_text(value, currency: str) -> str:
    """An amount of the record (``"0.50"``, a rate ``"0.0025"``) with its currency, every decimal kept."""
    number = _decimal(value)
    if number is None:
        return str(value)
    if number == number.quantize(Decimal("0.01")):
        number = number.quantize(Decimal("0.01"))
    else:
        number = number.normalize()
    return format_currency(number, currency, locale=babel_locale(), decimal_quantization=False)


def figure_text(value) -> str:
    """A count or a factor of the record (``1234``, ``"1.50"``) in the language's number format."""
    number = _decimal(value)
    if number is None:
        return str(value)
    if number == number.to_integral_value():
        return number_text(int(number))
    return number_text(number.normalize())


def _counts(signal: dict) -> list[int]:
    return [int(n) for n in _NUMBER.findall(str(signal.get("detail", "")))]


_SIGNAL_NAMES = {
    "SHARED_DEVICE": gettext_lazy("Shared device"),
    "DEVICE_VELOCITY": gettext_lazy("Busy device"),
    "SHARED_IP": gettext_lazy("Shared address"),
    "IP_VELOCITY": gettext_lazy("Busy address"),
    "USER_VELOCITY": gettext_lazy("Busy person"),
    "NEW_ACCOUNT": gettext_lazy("New account"),
    "ENGAGEMENT_OUT_OF_LINE": gettext_lazy("Engagement out of line"),
    "MORE_LIKES_THAN_VIEWS": gettext_lazy("More likes than views"),
}


def risk_signal_name(signal: dict | str) -> str:
    """A risk signal's short name in the active language; a code these texts don't know, as recorded."""
    code = signal.get("code", "") if isinstance(signal, dict) else str(signal)
    return str(_SIGNAL_NAMES.get(code, code))


def risk_signal_line(signal: dict | str) -> str:
    """``Shared device: 3 other people earned on this device``, in the active language."""
    return label_text(risk_signal_name(signal), risk_signal_text(signal))


def risk_signal_text(signal: dict | str) -> str:
    """One risk signal (``{"code", "weight", "detail"}``, ``rewards/risk.py``) in the active language."""
    if not isinstance(signal, dict):
        return str(signal)
    code, counts, recorded = (
        signal.get("code"),
        _counts(signal),
        str(signal.get("detail") or signal.get("code")),
    )
    if code == "NEW_ACCOUNT":
        return gettext("a brand-new account with almost no followers")
    if code == "ENGAGEMENT_OUT_OF_LINE" and len(counts) == 2:
        return gettext("%(views)s views for an account with %(followers)s followers") % {
            "views": number_text(counts[0]),
            "followers": number_text(counts[1]),
        }
    if code == "MORE_LIKES_THAN_VIEWS" and len(counts) == 2:
        return gettext("%(likes)s likes on %(views)s views") % {
            "likes": number_text(counts[0]),
            "views": number_text(counts[1]),
        }
    if len(counts) != 1:
        return recorded
    n = counts[0]
    texts = {
        "SHARED_DEVICE": lambda: ngettext(
            "%(count)s other person earned on this device", "%(count)s other people earned on this device", n
        ),
        "DEVICE_VELOCITY": lambda: ngettext(
            "%(count)s action from this device in an hour", "%(count)s actions from this device in an hour", n
        ),
        "SHARED_IP": lambda: ngettext(
            "%(count)s other person earned from this address today",
            "%(count)s other people earned from this address today",
            n,
        ),
        "IP_VELOCITY": lambda: ngettext(
            "%(count)s action from this address in an hour",
            "%(count)s actions from this address in an hour",
            n,
        ),
        "USER_VELOCITY": lambda: ngettext(
            "%(count)s action by this person in an hour", "%(count)s actions by this person in an hour", n
        ),
    }
    if code not in texts:
        return recorded
    return texts[code]() % {"count": number_text(n)}


# The sentences ``rewards.decision._plans`` records for a subscription plan (English, as recorded).
_BONUS = re.compile(
    r"\+(?P<rate>[\d.]+) % of the person's share \((?P<share>[\d.]+)\), "
    r"(?P<how>cut to what TikJoy's margin|from TikJoy's margin) \((?P<margin>[\d.]+)\)( allows)?"
)
_NO_BONUS = re.compile(
    r"no bonus: TikJoy's margin on this reward \((?P<margin>[\d.]+)\) leaves nothing to give"
)
_FAST = re.compile(
    r"available (?P<wait>at once|after (?P<n>\d+) (?P<unit>days?|hours?)) instead of at the end of the hold, "
    r"advanced by TikJoy(?P<held> \(once the review approves it\))?"
)
_FAST_NOT = "not applied: this reward's own hold ends sooner"


def plan_text(entry: dict, currency: str) -> str:
    """What one subscription plan did for a reward (an entry of ``calculation["plans"]``)."""
    plan, why = str(entry.get("plan", "")), str(entry.get("why", ""))
    if match := _BONUS.fullmatch(why):
        values = {
            "rate": figure_text(match["rate"]),
            "share": amount_text(match["share"], currency),
            "margin": amount_text(match["margin"], currency),
        }
        if match["how"].startswith("cut"):
            text = pgettext(
                "subscription plan",
                "+%(rate)s %% of the person's share (%(share)s), cut to what TikJoy's margin (%(margin)s) allows",
            )
        else:
            text = pgettext(
                "subscription plan",
                "+%(rate)s %% of the person's share (%(share)s), from TikJoy's margin (%(margin)s)",
            )
        why_text = text % values
    elif match := _NO_BONUS.fullmatch(why):
        why_text = pgettext(
            "subscription plan",
            "no bonus: TikJoy's margin on this reward (%(margin)s) leaves nothing to give",
        ) % {"margin": amount_text(match["margin"], currency)}
    elif match := _FAST.fullmatch(why):
        hours = 0 if match["n"] is None else int(match["n"]) * (24 if match["unit"].startswith("day") else 1)
        if match["held"]:
            text = pgettext(
                "subscription plan",
                "available %(wait)s instead of at the end of the hold, advanced by TikJoy (once the review "
                "approves it)",
            )
        else:
            text = pgettext(
                "subscription plan",
                "available %(wait)s instead of at the end of the hold, advanced by TikJoy",
            )
        why_text = text % {"wait": hours_in_words(hours)}
    elif why == _FAST_NOT:
        why_text = pgettext("subscription plan", "not applied: this reward's own hold ends sooner")
    else:
        return str(entry.get("detail") or why)  # as recorded
    return label_text(plan, why_text)  # French: "JoyPlus : ..."


USER_KINDS = {"NEW": gettext_lazy("new to the brand"), "RETURNING": gettext_lazy("returning")}
CAPPED_BY = {"user cap": gettext_lazy("the person's cap"), "budget": gettext_lazy("the campaign's budget")}


def multiplier_text(value) -> str:
    return gettext("times %(factor)s") % {"factor": figure_text(value)}
